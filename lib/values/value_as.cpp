// Value::as<T>(): each field read by its column's type OID and format (binary or text), never by
// sniffing the bytes, so that a column reads the same in every row. A conversion to another C++
// type happens only when it is exact; otherwise DataError names the column and both types.
#include <uvpg/errors.hpp>
#include <uvpg/value.hpp>

#include "lib/values/proto_mapping.hpp"
#include "lib/values/row.hpp"
#include "lib/values/text_form.hpp"
#include "lib/values/type_lookup.hpp"
#include "proto/codec_basic.hpp"
#include "proto/codec_container.hpp"
#include "proto/codec_datetime.hpp"
#include "proto/pg_types.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

namespace uvpg {

namespace {

namespace oid = proto::oid;

std::string shown(std::string_view raw) { return detail::shown_text(raw); }

[[noreturn]] void fail(const Value& v, const char* cpp_type, const std::string& why = {}) {
    std::string m = "cannot read column \"" + v.name() + "\" (" + std::to_string(v.index()) + ", " +
                    detail::type_name(v.type_oid(), detail::ValueAccess::shape(v).types.get()) + ") as " + cpp_type;
    if (!why.empty()) m += ": " + why;
    throw DataError(std::move(m));
}

template <class T>
const char* cpp_name() {
    return detail::value_type_name<T>;
}

// One field: its type, its format and its bytes.
struct Field {
    const Value& v;
    std::uint32_t type;
    bool binary;
    std::string_view text;  // the bytes, as text
    proto::ByteView bytes() const { return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}; }
};

// A registered type reads through the codec of the built-in type it stands on.
Field field_of(const Value& v) {
    return Field{v, detail::decode_type(v.type_oid(), detail::ValueAccess::shape(v).types.get()), v.is_binary(),
                 v.raw()};
}

// A codec's verdict on a field: fine, or DataError with the codec's reason (and the bad text,
// for a text field).
void check(const Field& f, proto::CodecErrc e, const char* cpp) {
    if (e == proto::CodecErrc::ok) return;
    std::string why = (e == proto::CodecErrc::bad_text && !f.binary) ? "invalid text" : proto::describe(e);
    if (!f.binary) why += " " + shown(f.text);
    fail(f.v, cpp, why);
}

bool is_int_type(std::uint32_t t) {
    return t == oid::int2 || t == oid::int4 || t == oid::int8 || t == oid::oid || t == oid::xid || t == oid::cid ||
           t == oid::xid8;
}

// Integer columns widen into one of these two before the range check against T.
struct Wide {
    bool negative = false;
    std::int64_t s = 0;
    std::uint64_t u = 0;
};

Wide read_wide_binary(const Field& f, const char* cpp) {
    Wide w;
    proto::CodecErrc e = proto::CodecErrc::ok;
    auto set_signed = [&](std::int64_t x) {
        w.negative = x < 0;
        w.s = x;
        w.u = static_cast<std::uint64_t>(x);
    };
    switch (f.type) {
    case oid::int2: {
        std::int16_t x = 0;
        e = proto::bin_to_int2(f.bytes(), x);
        set_signed(x);
        break;
    }
    case oid::int4: {
        std::int32_t x = 0;
        e = proto::bin_to_int4(f.bytes(), x);
        set_signed(x);
        break;
    }
    case oid::int8: {
        std::int64_t x = 0;
        e = proto::bin_to_int8(f.bytes(), x);
        set_signed(x);
        break;
    }
    case oid::xid8: {
        std::int64_t x = 0;
        e = proto::bin_to_int8(f.bytes(), x);
        w.u = static_cast<std::uint64_t>(x);
        w.s = x;
        break;
    }
    default: {
        std::uint32_t x = 0;
        e = proto::bin_to_oid(f.bytes(), x);
        w.u = x;
        w.s = x;
        break;
    }
    }
    check(f, e, cpp);
    return w;
}

template <class T>
T read_integer(const Field& f) {
    if (!is_int_type(f.type)) fail(f.v, cpp_name<T>());
    if (f.binary) {
        Wide w = read_wide_binary(f, cpp_name<T>());
        const bool fits = w.negative ? std::in_range<T>(w.s) : std::in_range<T>(w.u);
        if (!fits)
            fail(f.v, cpp_name<T>(), (w.negative ? std::to_string(w.s) : std::to_string(w.u)) + " is out of range");
        return w.negative ? static_cast<T>(w.s) : static_cast<T>(w.u);
    }
    std::string_view s = f.text;
    const char* first = s.data();
    const char* last = s.data() + s.size();
    // Parse wide (int8's minimum and xid8's maximum both fit one of these), then range-check,
    // so that "-1" into unsigned says "out of range" rather than "invalid".
    bool in_range = false;
    T out{};
    std::from_chars_result r;
    if (!s.empty() && s[0] == '-') {
        long long x = 0;
        r = std::from_chars(first, last, x);
        if (r.ec == std::errc{} && std::in_range<T>(x)) {
            in_range = true;
            out = static_cast<T>(x);
        }
    } else {
        unsigned long long x = 0;
        r = std::from_chars(first, last, x);
        if (r.ec == std::errc{} && std::in_range<T>(x)) {
            in_range = true;
            out = static_cast<T>(x);
        }
    }
    if (r.ptr != last || r.ec == std::errc::invalid_argument) fail(f.v, cpp_name<T>(), "invalid text " + shown(s));
    if (!in_range) fail(f.v, cpp_name<T>(), std::string(s) + " is out of range");
    return out;
}

// For a decimal text that from_chars found out of range: true when it is too small rather than
// too large (numeric can print 1e-400 as 0.000...1, which a double reads as zero).
bool underflows(std::string_view s) {
    std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    long long exp10 = 0;
    bool seen_nonzero = false, after_point = false;
    for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
        if (s[i] == '.') {
            after_point = true;
            continue;
        }
        if (s[i] != '0') seen_nonzero = true;
        if (!seen_nonzero && after_point) --exp10;       // 0.00x: each leading zero shrinks it
        else if (seen_nonzero && !after_point) ++exp10;  // each integer digit grows it
    }
    // exp10 is bounded by the text's length, so comparing against -exp10 cannot overflow; an
    // exponent beyond long long decides by its sign alone.
    long long e = 0;
    if (i + 1 < s.size()) {
        const char* p = s.data() + i + 1 + (s[i + 1] == '+');
        auto r = std::from_chars(p, s.data() + s.size(), e);
        if (r.ec == std::errc::result_out_of_range) return *p == '-';
    }
    return e < -exp10;
}

// A decimal text (float4/float8/numeric output) as a double, rounded to nearest.
double parse_double(const Field& f, std::string_view s, const char* cpp) {
    double d = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), d);
    if (r.ec == std::errc::result_out_of_range && r.ptr == s.data() + s.size()) {
        if (!underflows(s)) fail(f.v, cpp, std::string(s) + " is out of range");
        return (s[0] == '-') ? -0.0 : 0.0;
    }
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || s.empty()) fail(f.v, cpp, "invalid text " + shown(s));
    return d;
}

template <class T>
T read_float(const Field& f) {
    const char* cpp = cpp_name<T>();
    double d = 0;
    bool exact_required = true;  // numeric -> floating point rounds, by request; nothing else does
    if (f.type == oid::float4 || f.type == oid::float8) {
        if (f.binary && f.type == oid::float4) {
            float x = 0;
            check(f, proto::bin_to_float4(f.bytes(), x), cpp);
            d = x;
        } else if (f.binary) {
            check(f, proto::bin_to_float8(f.bytes(), d), cpp);
        } else if (f.type == oid::float4) {
            // A float4's shortest text reads back as that float, not as the nearest double.
            float x = 0;
            auto r = std::from_chars(f.text.data(), f.text.data() + f.text.size(), x);
            if (r.ec != std::errc{} || r.ptr != f.text.data() + f.text.size() || f.text.empty())
                fail(f.v, cpp, "invalid text " + shown(f.text));
            d = x;
        } else {
            d = parse_double(f, f.text, cpp);
        }
    } else if (f.type == oid::numeric) {
        exact_required = false;
        if (f.binary) {
            std::string text;
            check(f, proto::bin_to_numeric(f.bytes(), text), cpp);
            d = parse_double(f, text, cpp);
        } else {
            d = parse_double(f, f.text, cpp);
        }
    } else if (is_int_type(f.type)) {
        if (f.binary) {
            Wide w = read_wide_binary(f, cpp);
            d = w.negative ? static_cast<double>(w.s) : static_cast<double>(w.u);
            const bool exact = w.negative ? (d >= -0x1p63 && static_cast<std::int64_t>(d) == w.s)
                                          : (d < 0x1p64 && static_cast<std::uint64_t>(d) == w.u);
            if (!exact)
                fail(f.v, cpp, (w.negative ? std::to_string(w.s) : std::to_string(w.u)) + " has no exact " + cpp);
        } else {
            // Integers read exactly through the integer path, then checked for exactness below.
            if (!f.text.empty() && f.text[0] == '-') {
                long long x = read_integer<long long>(f);
                d = static_cast<double>(x);
                if (d < -0x1p63 || static_cast<long long>(d) != x)
                    fail(f.v, cpp, std::string(f.text) + " has no exact " + cpp);
            } else {
                unsigned long long x = read_integer<unsigned long long>(f);
                d = static_cast<double>(x);
                if (d >= 0x1p64 || static_cast<unsigned long long>(d) != x)
                    fail(f.v, cpp, std::string(f.text) + " has no exact " + cpp);
            }
        }
    } else {
        fail(f.v, cpp);
    }
    if constexpr (std::is_same_v<T, float>) {
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max())
            fail(f.v, cpp, detail::format_value_text(f.v) + " is out of range");
        const float x = static_cast<float>(d);
        if (exact_required && std::isfinite(d) && static_cast<double>(x) != d)
            fail(f.v, cpp, detail::format_value_text(f.v) + " has no exact float");
        return x;
    } else {
        return d;
    }
}

bool read_bool(const Field& f) {
    if (f.type != oid::bool_) fail(f.v, "bool");
    bool b = false;
    check(f, f.binary ? proto::bin_to_bool(f.bytes(), b) : proto::text_to_bool(f.text, b), "bool");
    return b;
}

Bytes read_bytea(const Field& f) {
    if (f.type != oid::bytea) fail(f.v, "uvpg::Bytes");
    if (f.binary) return Bytes(f.bytes().begin(), f.bytes().end());
    Bytes out;
    check(f, proto::text_to_bytea(f.text, out), "uvpg::Bytes");
    return out;
}

// Types whose value is its text in both formats, so a view into the row is the value.
bool is_texty(std::uint32_t t, bool binary) {
    if (!binary) return true;
    return detail::is_text_type(t);
}

// Reads a fixed type T with a binary and a text codec, when the column is one of `types`. The
// codecs decode into T's proto form (lib/values/proto_mapping.hpp).
template <class T, class Bin, class Text>
T read_codec(const Field& f, std::initializer_list<std::uint32_t> types, Bin bin, Text text) {
    const char* cpp = detail::value_type_name<T>;
    bool ok_type = false;
    for (auto t : types) ok_type = ok_type || t == f.type;
    if (!ok_type) fail(f.v, cpp);
    typename detail::ProtoValue<T>::type out{};
    check(f, f.binary ? bin(f.bytes(), out) : text(f.text, out), cpp);
    return detail::from_proto<T>(out);
}

}  // namespace

Value::Value(const detail::RowShape* shape, std::size_t index, std::string_view data, bool null)
    : shape_(shape), index_(index), data_(data), null_(null) {
    const Column& c = shape->columns[index];
    type_ = c.type_code;
    binary_ = c.format == 1;
}

const std::string& Value::name() const noexcept { return shape_->columns[index_].name; }

namespace detail {

void throw_null_value(const Value& v) {
    throw DataError("column \"" + v.name() + "\" (" + std::to_string(v.index()) +
                    ") is NULL; read it as std::optional");
}

void throw_null_value(const Value& v, const char* cpp_type) {
    throw DataError("column \"" + v.name() + "\" (" + std::to_string(v.index()) +
                    ") is NULL; read it as std::optional<" + cpp_type + ">");
}

// One definition for every supported T, instantiated below; the ValueType concept keeps
// callers to that list at compile time.
template <ValueType T>
T value_as(const Value& v) {
    const Field f = field_of(v);
    const std::uint32_t t = f.type;
    using namespace std::chrono;
    if constexpr (std::is_same_v<T, bool>) {
        return read_bool(f);
    } else if constexpr (std::is_integral_v<T>) {
        return read_integer<T>(f);
    } else if constexpr (std::is_floating_point_v<T>) {
        return read_float<T>(f);
    } else if constexpr (std::is_same_v<T, std::string>) {
        // (A binary "char" is a raw byte, which charout escapes: the general path prints it.)
        if (is_texty(t, f.binary) && !(f.binary && t == oid::char_)) return std::string(f.text);
        return detail::format_value_text(v);
    } else if constexpr (std::is_same_v<T, std::string_view>) {
        if (!is_texty(t, f.binary)) fail(v, "std::string_view", "the column is binary; read it as std::string");
        return f.text;
    } else if constexpr (std::is_same_v<T, Bytes>) {
        return read_bytea(f);
    } else if constexpr (std::is_same_v<T, Numeric>) {
        if (t == oid::numeric) {
            if (!f.binary) {
                if (!is_decimal(f.text)) fail(v, "uvpg::Numeric", "invalid text " + shown(f.text));
                return Numeric{std::string(f.text)};
            }
            std::string text;
            check(f, proto::bin_to_numeric(f.bytes(), text), "uvpg::Numeric");
            return Numeric{std::move(text)};
        }
        if (t == oid::int2 || t == oid::int4 || t == oid::int8) {
            if (f.binary) return Numeric{detail::format_value_text(v)};
            (void)read_integer<long long>(f);  // the same checks as an integer read
            return Numeric{std::string(f.text)};
        }
        fail(v, "uvpg::Numeric");
    } else if constexpr (std::is_same_v<T, Json>) {
        if (t == oid::json) return Json{std::string(f.text)};
        if (t != oid::jsonb) fail(v, "uvpg::Json");
        if (!f.binary) return Json{std::string(f.text)};
        std::string_view text;
        check(f, proto::bin_to_jsonb(f.bytes(), text), "uvpg::Json");
        return Json{std::string(text)};
    } else if constexpr (std::is_same_v<T, Xml>) {
        if (t != oid::xml) fail(v, "uvpg::Xml");
        return Xml{std::string(f.text)};
    } else if constexpr (std::is_same_v<T, Date>) {
        return read_codec<Date>(f, {oid::date}, proto::bin_to_date, proto::text_to_date);
    } else if constexpr (std::is_same_v<T, Time>) {
        return read_codec<Time>(f, {oid::time}, proto::bin_to_time, proto::text_to_time);
    } else if constexpr (std::is_same_v<T, TimeTz>) {
        return read_codec<TimeTz>(f, {oid::timetz}, proto::bin_to_timetz, proto::text_to_timetz);
    } else if constexpr (std::is_same_v<T, Timestamp>) {
        if (t == oid::date) {  // midnight of that day: exact
            Date d = value_as<Date>(v);
            if (d.is_infinity()) return Timestamp::infinity();
            if (d.is_minus_infinity()) return Timestamp::minus_infinity();
            std::int64_t us = 0;
            if (__builtin_mul_overflow(std::int64_t{d.pg_days()}, 86400000000LL, &us) || us >= proto::kTimestampEnd ||
                us < proto::kTimestampMin)
                fail(v, "uvpg::Timestamp", "date out of range for timestamp");
            return Timestamp::from_pg_micros(us);
        }
        return read_codec<Timestamp>(f, {oid::timestamp}, proto::bin_to_timestamp, proto::text_to_timestamp);
    } else if constexpr (std::is_same_v<T, TimestampTz>) {
        return read_codec<TimestampTz>(f, {oid::timestamptz}, proto::bin_to_timestamptz, proto::text_to_timestamptz);
    } else if constexpr (std::is_same_v<T, Interval>) {
        return read_codec<Interval>(f, {oid::interval}, proto::bin_to_interval, proto::text_to_interval);
    } else if constexpr (std::is_same_v<T, sys_days>) {
        return value_as<Date>(v).sys_days();
    } else if constexpr (std::is_same_v<T, year_month_day>) {
        return value_as<Date>(v).ymd();
    } else if constexpr (std::is_same_v<T, Timestamp::local_us>) {
        return value_as<Timestamp>(v).local_time();
    } else if constexpr (std::is_same_v<T, TimestampTz::sys_us>) {
        return value_as<TimestampTz>(v).sys_time();
    } else if constexpr (std::is_same_v<T, microseconds>) {
        if (t == oid::time) return value_as<Time>(v).since_midnight();
        if (t != oid::interval) fail(v, "std::chrono::microseconds");
        Interval i = value_as<Interval>(v);
        if (i.months() != 0)
            fail(v, "std::chrono::microseconds",
                 "an interval with months has no fixed length: read it as uvpg::Interval");
        std::int64_t us = 0;
        if (__builtin_mul_overflow(std::int64_t{i.days()}, 86400000000LL, &us) ||
            __builtin_add_overflow(us, i.time().count(), &us))
            fail(v, "std::chrono::microseconds", "out of range");
        return microseconds{us};
    } else if constexpr (std::is_same_v<T, Uuid>) {
        return read_codec<Uuid>(f, {oid::uuid}, proto::bin_to_uuid, proto::text_to_uuid);
    } else if constexpr (std::is_same_v<T, Inet>) {
        const bool cidr = t == oid::cidr;
        auto text = [cidr](std::string_view s, proto::InetValue& out) { return proto::text_to_inet(s, cidr, out); };
        return read_codec<Inet>(f, {oid::inet, oid::cidr}, proto::bin_to_inet, text);
    } else if constexpr (std::is_same_v<T, MacAddr>) {
        return read_codec<MacAddr>(f, {oid::macaddr}, proto::bin_to_macaddr, proto::text_to_macaddr);
    } else if constexpr (std::is_same_v<T, MacAddr8>) {
        return read_codec<MacAddr8>(f, {oid::macaddr8}, proto::bin_to_macaddr8, proto::text_to_macaddr8);
    } else if constexpr (std::is_same_v<T, Bits>) {
        if (t != oid::bit && t != oid::varbit) fail(v, "uvpg::Bits");
        Bits b;
        check(f, f.binary ? proto::bin_to_bits(f.bytes(), b.text) : proto::text_to_bits(f.text, b.text), "uvpg::Bits");
        return b;
    } else if constexpr (std::is_same_v<T, Hstore>) {
        const detail::TypeRegistry* types = detail::ValueAccess::shape(v).types.get();
        const detail::UserType* u = types ? types->find(v.type_oid()) : nullptr;
        if (!u || u->kind != detail::UserType::Kind::hstore)
            fail(v, "uvpg::Hstore", "register the hstore type first (Connection::register_type)");
        Hstore out;
        if (f.binary) {
            std::vector<std::pair<std::string_view, std::optional<std::string_view>>> pairs;
            check(f, proto::bin_to_hstore(f.bytes(), pairs), "uvpg::Hstore");
            for (auto& [k, val] : pairs)
                out.emplace(std::string(k), val ? std::optional<std::string>(*val) : std::nullopt);
        } else {
            std::vector<std::pair<std::string, std::optional<std::string>>> pairs;
            check(f, proto::text_to_hstore(f.text, pairs), "uvpg::Hstore");
            for (auto& [k, val] : pairs) out.emplace(std::move(k), std::move(val));
        }
        return out;
    } else {
        static_assert(std::is_same_v<T, Money>);
        if (t != oid::money) fail(v, "uvpg::Money");
        Money m;
        check(f, f.binary ? proto::bin_to_money(f.bytes(), m.minor_units) : proto::text_to_money(f.text, m.minor_units),
              "uvpg::Money");
        return m;
    }
}

// One line per type of detail::ValueTypes (detail/value_types.hpp), in its order.
static_assert(ValueTypes::size == 37, "a type was added to or dropped from detail::ValueTypes: instantiate it here");
template bool value_as<bool>(const Value&);
template signed char value_as<signed char>(const Value&);
template unsigned char value_as<unsigned char>(const Value&);
template short value_as<short>(const Value&);
template unsigned short value_as<unsigned short>(const Value&);
template int value_as<int>(const Value&);
template unsigned int value_as<unsigned int>(const Value&);
template long value_as<long>(const Value&);
template unsigned long value_as<unsigned long>(const Value&);
template long long value_as<long long>(const Value&);
template unsigned long long value_as<unsigned long long>(const Value&);
template float value_as<float>(const Value&);
template double value_as<double>(const Value&);
template std::string value_as<std::string>(const Value&);
template std::string_view value_as<std::string_view>(const Value&);
template Bytes value_as<Bytes>(const Value&);
template Numeric value_as<Numeric>(const Value&);
template Json value_as<Json>(const Value&);
template Xml value_as<Xml>(const Value&);
template Date value_as<Date>(const Value&);
template Time value_as<Time>(const Value&);
template TimeTz value_as<TimeTz>(const Value&);
template Timestamp value_as<Timestamp>(const Value&);
template TimestampTz value_as<TimestampTz>(const Value&);
template Interval value_as<Interval>(const Value&);
template std::chrono::sys_days value_as<std::chrono::sys_days>(const Value&);
template std::chrono::year_month_day value_as<std::chrono::year_month_day>(const Value&);
template local_us value_as<local_us>(const Value&);
template sys_us value_as<sys_us>(const Value&);
template std::chrono::microseconds value_as<std::chrono::microseconds>(const Value&);
template Uuid value_as<Uuid>(const Value&);
template Inet value_as<Inet>(const Value&);
template MacAddr value_as<MacAddr>(const Value&);
template MacAddr8 value_as<MacAddr8>(const Value&);
template Bits value_as<Bits>(const Value&);
template Money value_as<Money>(const Value&);
template Hstore value_as<Hstore>(const Value&);

}  // namespace detail

}  // namespace uvpg
