#include "lib/type_support.hpp"

#include <uvpg/errors.hpp>

#include "proto/codec_basic.hpp"
#include "proto/codec_container.hpp"
#include "proto/codec_datetime.hpp"
#include "proto/pg_types.hpp"
#include "lib/row.hpp"

#include <charconv>
#include <utility>
#include <cmath>

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

template <class F>
std::string format_floating(F v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    return std::string(buf, r.ptr);
}
}  // namespace

std::uint32_t decode_type(std::uint32_t t, const TypeRegistry* types) noexcept {
    for (int depth = 0; types && depth < 16; ++depth) {  // a domain over a domain over ...
        const UserType* u = types->find(t);
        if (!u) return t;
        switch (u->kind) {
        case UserType::Kind::domain: t = u->base; continue;
        case UserType::Kind::enumeration: return oid::text;
        case UserType::Kind::composite: return oid::record;
        default: return t;
        }
    }
    return t;
}

bool reads_binary(std::uint32_t t, const TypeRegistry* types) noexcept {
    if (const UserType* u = types ? types->find(t) : nullptr) {
        switch (u->kind) {
        case UserType::Kind::domain: case UserType::Kind::array: return reads_binary(u->base, types);
        case UserType::Kind::enumeration: case UserType::Kind::hstore: return true;
        case UserType::Kind::composite:
            for (auto f : u->field_types)
                if (!reads_binary(f, types)) return false;
            return true;
        default: return false;
        }
    }
    return reads_binary(t);
}

std::string type_name(std::uint32_t t, const TypeRegistry* types) {
    if (proto::find_type(t)) return proto::type_display_name(t);
    if (const UserType* u = types ? types->find(t) : nullptr) return u->name;
    return proto::type_display_name(t);
}

std::uint32_t array_element_type(std::uint32_t t, const TypeRegistry* types) noexcept {
    if (const UserType* u = types ? types->find(t) : nullptr) return u->kind == UserType::Kind::array ? u->base : 0;
    // An array type is "_<element>" with typelem set (record[] is a pseudo-type, not category A;
    // int2vector and name have typelem but are not arrays).
    const proto::PgType* type = proto::find_type(t);
    return type && type->elem != 0 && type->name[0] == '_' ? type->elem : 0;
}

bool is_text_type(std::uint32_t t) noexcept {
    switch (t) {
    case oid::text: case oid::varchar: case oid::bpchar: case oid::name: case oid::char_:
    case oid::json: case oid::xml: case oid::unknown:
        return true;
    default:
        return false;
    }
}

bool reads_binary(std::uint32_t t) noexcept {
    switch (t) {
    case oid::bool_: case oid::bytea: case oid::int2: case oid::int4: case oid::int8: case oid::oid:
    case oid::xid: case oid::cid: case oid::xid8: case oid::float4: case oid::float8: case oid::numeric:
    case oid::text: case oid::varchar: case oid::bpchar: case oid::name: case oid::char_: case oid::json:
    case oid::jsonb: case oid::xml: case oid::uuid: case oid::date: case oid::time: case oid::timetz:
    case oid::timestamp: case oid::timestamptz: case oid::interval: case oid::inet: case oid::cidr:
    case oid::macaddr: case oid::macaddr8: case oid::bit: case oid::varbit: case oid::record:
        return true;
    default:
        break;
    }
    // An array reads in binary when its elements do; money stays text (its binary form drops
    // the currency's formatting), and so do types uvpg has no codec for.
    const proto::PgType* type = proto::find_type(t);
    if (type && (type->kind == 'r' || type->kind == 'm')) return reads_binary(type->range_subtype);
    const std::uint32_t elem = array_element_type(t);
    return elem != 0 && reads_binary(elem);
}

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
    if (is_text_type(type)) return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    switch (type) {
    case oid::bool_: return decoded<bool>(type, b, proto::bin_to_bool) ? "t" : "f";
    case oid::int2: return std::to_string(decoded<std::int16_t>(type, b, proto::bin_to_int2));
    case oid::int4: return std::to_string(decoded<std::int32_t>(type, b, proto::bin_to_int4));
    case oid::int8: return std::to_string(decoded<std::int64_t>(type, b, proto::bin_to_int8));
    case oid::xid8: return std::to_string(static_cast<std::uint64_t>(decoded<std::int64_t>(type, b, proto::bin_to_int8)));
    case oid::oid: case oid::xid: case oid::cid:
        return std::to_string(decoded<std::uint32_t>(type, b, proto::bin_to_oid));
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
    case oid::inet: case oid::cidr: return proto::inet_to_text(decoded<proto::InetValue>(type, b, proto::bin_to_inet));
    case oid::macaddr: return proto::macaddr_to_text(decoded<proto::MacAddrBytes>(type, b, proto::bin_to_macaddr));
    case oid::macaddr8: return proto::macaddr8_to_text(decoded<proto::MacAddr8Bytes>(type, b, proto::bin_to_macaddr8));
    case oid::bit: case oid::varbit: return decoded<std::string>(type, b, proto::bin_to_bits);
    case oid::date: return proto::date_to_text(decoded<std::int32_t>(type, b, proto::bin_to_date));
    case oid::time: return proto::time_to_text(decoded<std::int64_t>(type, b, proto::bin_to_time));
    case oid::timetz: return proto::timetz_to_text(decoded<proto::TimeTzValue>(type, b, proto::bin_to_timetz));
    case oid::timestamp: return proto::timestamp_to_text(decoded<std::int64_t>(type, b, proto::bin_to_timestamp));
    case oid::timestamptz: return proto::timestamptz_to_text(decoded<std::int64_t>(type, b, proto::bin_to_timestamptz));
    case oid::interval: return proto::interval_to_text(decoded<proto::IntervalValue>(type, b, proto::bin_to_interval));
    default:
        break;
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

// An integer element Param (int2/int4/int8, big-endian) as a signed 64-bit value.
static bool param_integer(const Param& p, std::int64_t& out) {
    const std::string& d = p.data();
    if (!p.binary() || (p.type_oid() != proto::oid::int2 && p.type_oid() != proto::oid::int4 &&
                        p.type_oid() != proto::oid::int8))
        return false;
    std::uint64_t u = (static_cast<unsigned char>(d[0]) & 0x80) ? ~std::uint64_t{0} : 0;
    for (unsigned char c : d) u = (u << 8) | c;
    out = static_cast<std::int64_t>(u);
    return true;
}

// One element's bytes in the array's element type: as it is, or an integer re-encoded at the
// array's width (the element Param took the narrowest type of its own value).
std::string param_bytes_as(const Param& p, std::uint32_t elem) {
    if (p.type_oid() == elem) return p.data();
    std::int64_t v = 0;
    if (param_integer(p, v)) {
        proto::Bytes b;
        if (elem == proto::oid::int4 && std::in_range<std::int32_t>(v)) proto::int4_to_bin(static_cast<std::int32_t>(v), b);
        else if (elem == proto::oid::int8) proto::int8_to_bin(v, b);
        else if (elem == proto::oid::numeric) (void)proto::numeric_to_bin(std::to_string(v), b);
        if (!b.empty()) return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    }
    throw DataError("array parameter mixes element types: " + proto::type_display_name(p.type_oid()) + " in an array of " +
                    proto::type_display_name(elem));
}

std::string shown_text(std::string_view raw) {
    constexpr std::size_t max = 40;
    std::string s = "\"";
    s.append(raw.substr(0, max));
    if (raw.size() > max) s += "...";
    return s + "\"";
}

}  // namespace uvpg::detail
