// The server's text form of values: a binary field as its output function prints it, floats
// at their shortest exact text, numeric's spellings, and a value quoted for a message.
#include "lib/values/text_form.hpp"

#include "lib/values/type_lookup.hpp"

#include <uvpg/errors.hpp>

#include "lib/values/row.hpp"
#include "proto/codec_basic.hpp"
#include "proto/codec_container.hpp"
#include "proto/codec_datetime.hpp"
#include "proto/pg_types.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

namespace uvpg::detail {

namespace {
namespace oid = proto::oid;

[[noreturn]] void bad_binary(std::uint32_t type, proto::CodecErrc e) {
    throw DataError("malformed binary " + proto::type_display_name(type) + " value: " + proto::describe(e));
}

template <class T, class Dec>
T decoded(std::uint32_t type, proto::ByteView b, Dec dec) {
    T out{};
    if (auto e = dec(b, out); e != proto::CodecErrc::ok) bad_binary(type, e);
    return out;
}

// ---- float4out / float8out ----
//
// PostgreSQL 12+ prints a float (extra_float_digits = 1, the default) with its own copy of Ryu:
// the shortest digits that read back exactly, except that it never prints a decimal lying
// exactly halfway between two floats (src/common/ryu_common.h, STRICTLY_SHORTEST 0), so that a
// reader need not get round-half-even right: 1e23 prints "9.999999999999999e+22". std::to_chars
// is upstream Ryu, which does print such a midpoint ("1e+23"); everything else is the same. The
// digits are laid out as printf's %g would: fixed point while the decimal exponent is in
// [-4, 6) for float4 and [-4, 15) for float8, else d.ddde+XX with at least two exponent digits.

__extension__ typedef unsigned __int128 u128;

// A positive finite float as n * 2^k, n an integer below 2^64.
template <class F>
void to_dyadic(F v, u128& n, int& k) {
    int e = 0;
    const F frac = std::frexp(v, &e);  // v = frac * 2^e, frac in [0.5, 1), at most 53 bits
    n = static_cast<u128>(static_cast<std::uint64_t>(std::ldexp(frac, 64)));
    k = e - 64;
}

// Whether digits * 10^exp10 is exactly halfway between v (positive, finite) and a neighbour.
template <class F>
bool is_midpoint(F v, std::uint64_t digits, int exp10) {
    // digits * 10^exp10 = odd * 5^exp10 * 2^(twos + exp10).
    if (digits == 0 || exp10 > 27 || exp10 < -27) return false;  // 5^28 exceeds any float's odd part
    int twos = 0;
    while ((digits & 1) == 0) digits >>= 1, ++twos;
    u128 five = 1;
    for (int i = 0; i < (exp10 < 0 ? -exp10 : exp10); ++i) five *= 5;
    for (F other : {std::nextafter(v, F(0)), std::nextafter(v, std::numeric_limits<F>::infinity())}) {
        if (std::isinf(other)) continue;  // past the largest float: upstream Ryu takes no bound there either
        u128 a = 0, n = 0;
        int ka = 0, k = 0;
        to_dyadic(v, a, ka);
        if (other == 0) {
            n = a;  // halfway to zero
            k = ka;
        } else {
            // a * 2^ka + b * 2^kb; neighbours' exponents differ by at most one, so the shifts
            // stay small.
            u128 b = 0;
            int kb = 0;
            to_dyadic(other, b, kb);
            k = std::min(ka, kb);
            n = (a << (ka - k)) + (b << (kb - k));
        }
        --k;  // halved
        while ((n & 1) == 0) n >>= 1, ++k;
        if (twos + exp10 != k) continue;
        // (Dividing rather than multiplying n, which could overflow.)
        if (exp10 >= 0 ? static_cast<u128>(digits) * five == n : digits % five == 0 && digits / five == n) return true;
    }
    return false;
}

// to_chars' scientific text, split: "-1.2345e+06" -> negative, digits "12345", exp 6.
struct Sci {
    bool negative = false;
    std::string digits;
    int exp = 0;  // the decimal exponent of the first digit
};

template <class F>
Sci scientific(F v, int precision) {  // precision < 0: shortest
    char buf[64];
    const auto r = precision < 0 ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific)
                                 : std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, precision);
    const std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
    Sci out;
    out.negative = s[0] == '-';
    const std::size_t e = s.find('e');
    for (char c : s.substr(out.negative, e - out.negative))
        if (c != '.') out.digits += c;
    while (out.digits.size() > 1 && out.digits.back() == '0') out.digits.pop_back();
    std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), out.exp);
    return out;
}

template <class F>
Sci shortest_not_midpoint(F v) {
    Sci sci = scientific(v, -1);
    const F mag = std::fabs(v);
    auto at_midpoint = [&](const Sci& c) {
        return is_midpoint(mag, std::stoull(c.digits), c.exp - static_cast<int>(c.digits.size()) + 1);
    };
    if (!at_midpoint(sci)) return sci;
    // The next lengths, correctly rounded, until one reads back and is not a midpoint.
    constexpr int max_digits = std::numeric_limits<F>::max_digits10;
    for (int n = static_cast<int>(sci.digits.size()) + 1; n <= max_digits; ++n) {
        Sci c = scientific(mag, n - 1);
        c.negative = sci.negative;
        const std::string text = c.digits + "e" + std::to_string(c.exp - static_cast<int>(c.digits.size()) + 1);
        F back{};
        std::from_chars(text.data(), text.data() + text.size(), back);
        if (back == mag && !at_midpoint(c)) return c;
    }
    return sci;
}

template <class F>
std::string format_floating(F v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    if (v == 0) return std::signbit(v) ? "-0" : "0";
    constexpr int fixed_below = std::is_same_v<F, float> ? 6 : 15;
    const Sci sci = shortest_not_midpoint(v);
    const std::string& digits = sci.digits;
    const int n = static_cast<int>(digits.size()), exp = sci.exp;
    std::string out = sci.negative ? "-" : "";
    if (exp < -4 || exp >= fixed_below) {
        out += digits[0];
        if (n > 1) out.append(".").append(digits, 1);
        out += exp < 0 ? "e-" : "e+";
        const int mag = exp < 0 ? -exp : exp;
        if (mag < 10) out += '0';
        return out + std::to_string(mag);
    }
    if (exp < 0) {
        out.append("0.").append(static_cast<std::size_t>(-exp - 1), '0').append(digits);
    } else if (exp >= n - 1) {
        out.append(digits).append(static_cast<std::size_t>(exp - (n - 1)), '0');
    } else {
        const std::size_t point = static_cast<std::size_t>(exp) + 1;  // exp >= 0 here
        out.append(digits, 0, point).append(".").append(digits, point);
    }
    return out;
}

// charout: a "char" byte as PostgreSQL 15+ prints it: NUL as nothing, a byte with the high bit
// set as \ooo (octal), anything else as itself.
std::string char_text(std::string_view b) {
    if (b.size() != 1) return std::string(b);
    const auto c = static_cast<unsigned char>(b[0]);
    if (c == 0) return {};
    if (c < 0x80) return std::string(1, static_cast<char>(c));
    return {'\\', static_cast<char>('0' + (c >> 6)), static_cast<char>('0' + ((c >> 3) & 7)),
            static_cast<char>('0' + (c & 7))};
}
}  // namespace

std::string format_double(double v) { return format_floating(v); }
std::string format_float(float v) { return format_floating(v); }

namespace {
// Containers nest (records in arrays in records...), and each level's text quotes the level
// inside it again, doubling its escapes: a bound on the depth bounds the work to 2^depth times
// the input, whatever a server sends.
constexpr int kMaxNesting = 6;
thread_local int nesting = 0;
struct NestingGuard {
    NestingGuard() {
        if (++nesting > kMaxNesting) {
            --nesting;
            throw DataError("value nested more than " + std::to_string(kMaxNesting) +
                            " levels deep (arrays of records of arrays...): read it level by level with as<Record>() "
                            "or as<std::vector<T>>()");
        }
    }
    ~NestingGuard() { --nesting; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;
};
}  // namespace

std::string binary_to_text(std::uint32_t type, proto::ByteView b, const TypeRegistry* types) {
    NestingGuard guard;
    if (const UserType* u = types ? types->find(type) : nullptr; u && u->kind == UserType::Kind::hstore) {
        std::vector<std::pair<std::string_view, std::optional<std::string_view>>> pairs;
        if (auto e = proto::bin_to_hstore(b, pairs); e != proto::CodecErrc::ok) bad_binary(type, e);
        return proto::hstore_to_text(pairs);
    }
    type = decode_type(type, types);
    if (type == oid::char_) return char_text({reinterpret_cast<const char*>(b.data()), b.size()});
    if (is_text_type(type)) return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    switch (type) {
    case oid::bool_: return decoded<bool>(type, b, proto::bin_to_bool) ? "t" : "f";
    case oid::int2: return std::to_string(decoded<std::int16_t>(type, b, proto::bin_to_int2));
    case oid::int4: return std::to_string(decoded<std::int32_t>(type, b, proto::bin_to_int4));
    case oid::int8: return std::to_string(decoded<std::int64_t>(type, b, proto::bin_to_int8));
    case oid::xid8:
        return std::to_string(static_cast<std::uint64_t>(decoded<std::int64_t>(type, b, proto::bin_to_int8)));
    case oid::oid:
    case oid::xid:
    case oid::cid: return std::to_string(decoded<std::uint32_t>(type, b, proto::bin_to_oid));
    case oid::float4: return format_float(decoded<float>(type, b, proto::bin_to_float4));
    case oid::float8: return format_double(decoded<double>(type, b, proto::bin_to_float8));
    case oid::numeric: return decoded<std::string>(type, b, proto::bin_to_numeric);
    case oid::money: return std::to_string(decoded<std::int64_t>(type, b, proto::bin_to_money));
    case oid::bytea: {
        static constexpr char digits[] = "0123456789abcdef";
        std::string out = "\\x";
        out.reserve(2 + 2 * b.size());
        for (std::uint8_t c : b) {
            out += digits[c >> 4];
            out += digits[c & 15];
        }
        return out;
    }
    case oid::jsonb: return std::string(decoded<std::string_view>(type, b, proto::bin_to_jsonb));
    case oid::uuid: return proto::uuid_to_text(decoded<proto::UuidBytes>(type, b, proto::bin_to_uuid));
    case oid::inet:
    case oid::cidr: return proto::inet_to_text(decoded<proto::InetValue>(type, b, proto::bin_to_inet));
    case oid::macaddr: return proto::macaddr_to_text(decoded<proto::MacAddrBytes>(type, b, proto::bin_to_macaddr));
    case oid::macaddr8: return proto::macaddr8_to_text(decoded<proto::MacAddr8Bytes>(type, b, proto::bin_to_macaddr8));
    case oid::bit:
    case oid::varbit: return decoded<std::string>(type, b, proto::bin_to_bits);
    case oid::date: return proto::date_to_text(decoded<std::int32_t>(type, b, proto::bin_to_date));
    case oid::time: return proto::time_to_text(decoded<std::int64_t>(type, b, proto::bin_to_time));
    case oid::timetz: return proto::timetz_to_text(decoded<proto::TimeTzValue>(type, b, proto::bin_to_timetz));
    case oid::timestamp: return proto::timestamp_to_text(decoded<std::int64_t>(type, b, proto::bin_to_timestamp));
    case oid::timestamptz: return proto::timestamptz_to_text(decoded<std::int64_t>(type, b, proto::bin_to_timestamptz));
    case oid::interval: return proto::interval_to_text(decoded<proto::IntervalValue>(type, b, proto::bin_to_interval));
    default: break;
    }
    if (array_element_type(type) != 0) {  // built-in arrays; a registered array is decode_type'd above
        proto::BinArray a;
        if (auto e = proto::bin_to_array(b, a); e != proto::CodecErrc::ok) bad_binary(type, e);
        std::vector<std::string> texts;
        texts.reserve(a.elements.size());
        for (const auto& e : a.elements) texts.push_back(e ? binary_to_text(a.elem_oid, *e, types) : std::string());
        std::vector<std::optional<std::string_view>> views;
        views.reserve(texts.size());
        for (std::size_t i = 0; i < texts.size(); ++i)
            views.push_back(a.elements[i] ? std::optional<std::string_view>(texts[i]) : std::nullopt);
        const proto::PgType* et = proto::find_type(a.elem_oid);
        return proto::array_to_text(a.dims, views, et ? et->delim : ',');
    }
    if (type == oid::record) {
        proto::BinRecord r;
        if (auto e = proto::bin_to_record(b, r); e != proto::CodecErrc::ok) bad_binary(type, e);
        std::vector<std::string> texts;
        for (std::size_t i = 0; i < r.fields.size(); ++i)
            texts.push_back(r.fields[i] ? binary_to_text(r.types[i], *r.fields[i], types) : std::string());
        std::vector<std::optional<std::string_view>> views;
        for (std::size_t i = 0; i < texts.size(); ++i)
            views.push_back(r.fields[i] ? std::optional<std::string_view>(texts[i]) : std::nullopt);
        return proto::record_to_text(views);
    }
    if (const proto::PgType* t = proto::find_type(type); t && (t->kind == 'r' || t->kind == 'm')) {
        auto one = [&](proto::ByteView rb) {
            proto::BinRange r;
            if (auto e = proto::bin_to_range(rb, r); e != proto::CodecErrc::ok) bad_binary(type, e);
            std::string lo = r.lower ? binary_to_text(t->range_subtype, *r.lower) : std::string();
            std::string hi = r.upper ? binary_to_text(t->range_subtype, *r.upper) : std::string();
            return proto::range_to_text(r.flags, r.lower ? std::optional<std::string_view>(lo) : std::nullopt,
                                        r.upper ? std::optional<std::string_view>(hi) : std::nullopt);
        };
        if (t->kind == 'r') return one(b);
        std::vector<proto::ByteView> ranges;
        if (auto e = proto::bin_to_multirange(b, ranges); e != proto::CodecErrc::ok) bad_binary(type, e);
        std::vector<std::string> texts;
        texts.reserve(ranges.size());
        for (const auto& r : ranges) texts.push_back(one(r));
        std::vector<std::string_view> views(texts.begin(), texts.end());
        return proto::multirange_to_text(views);
    }
    throw DataError("no binary codec for " + proto::type_display_name(type));
}

std::string format_value_text(const Value& v) {
    if (!v.is_binary()) return std::string(v.raw());
    try {
        const TypeRegistry* types = ValueAccess::shape(v).types.get();
        const std::uint32_t t = v.type_oid();
        proto::ByteView bytes{reinterpret_cast<const std::uint8_t*>(v.raw().data()), v.raw().size()};
        if (std::uint32_t elem = array_element_type(t, types); elem != 0 && !proto::find_type(t)) {
            // An array of a registered type: its elements through the registry.
            proto::BinArray a;
            if (auto e = proto::bin_to_array(bytes, a); e != proto::CodecErrc::ok) bad_binary(t, e);
            std::vector<std::string> texts;
            for (const auto& e : a.elements) texts.push_back(e ? binary_to_text(elem, *e, types) : std::string());
            std::vector<std::optional<std::string_view>> views;
            for (std::size_t i = 0; i < texts.size(); ++i)
                views.push_back(a.elements[i] ? std::optional<std::string_view>(texts[i]) : std::nullopt);
            return proto::array_to_text(a.dims, views, ',');
        }
        return binary_to_text(t, bytes, types);
    } catch (const DataError& e) {
        throw DataError("column \"" + v.name() + "\" (" + std::to_string(v.index()) + "): " + e.what());
    }
}

bool is_decimal(std::string_view s) noexcept {
    auto iequals = [](std::string_view a, std::string_view b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
        return true;
    };
    if (iequals(s, "nan")) return true;
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (iequals(s.substr(i), "infinity") || iequals(s.substr(i), "inf")) return true;
    std::size_t digits = 0;
    auto is_digit = [&](std::size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
    while (is_digit(i)) ++i, ++digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (is_digit(i)) ++i, ++digits;
    }
    if (digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        if (!is_digit(i)) return false;
        while (is_digit(i)) ++i;
    }
    return i == s.size();
}

std::string shown_text(std::string_view raw) {
    constexpr std::size_t max = 40;
    std::string s = "\"";
    s.append(raw.substr(0, max));
    if (raw.size() > max) s += "...";
    return s + "\"";
}

}  // namespace uvpg::detail
