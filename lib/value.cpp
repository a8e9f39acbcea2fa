// Value::as<T>() for text-format results, and Param's encodings. Conversions are chosen by the
// column's type OID, never by sniffing the text, so a column reads the same in every row.
#include <uvpg/errors.hpp>
#include <uvpg/value.hpp>

#include "lib/row.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace uvpg {

namespace {

// The built-in OIDs this file converts from (pg_type.dat).
namespace oid {
constexpr std::uint32_t bool_ = 16, bytea = 17, int8 = 20, int2 = 21, int4 = 23, oid_ = 26,
                        xid = 28, cid = 29, json = 114, float4 = 700, float8 = 701, numeric = 1700,
                        jsonb = 3802, xid8 = 5069;
}

// Names of the common built-in types, only to make error messages readable; any other OID is
// shown as a number.
const char* builtin_type_name(std::uint32_t type) {
    switch (type) {
    case 16: return "bool";           case 17: return "bytea";        case 18: return "char";
    case 19: return "name";           case 20: return "int8";         case 21: return "int2";
    case 22: return "int2vector";     case 23: return "int4";         case 24: return "regproc";
    case 25: return "text";           case 26: return "oid";          case 27: return "tid";
    case 28: return "xid";            case 29: return "cid";          case 30: return "oidvector";
    case 114: return "json";          case 142: return "xml";         case 600: return "point";
    case 601: return "lseg";          case 602: return "path";        case 603: return "box";
    case 604: return "polygon";       case 628: return "line";        case 650: return "cidr";
    case 700: return "float4";        case 701: return "float8";      case 705: return "unknown";
    case 718: return "circle";        case 774: return "macaddr8";    case 790: return "money";
    case 829: return "macaddr";       case 869: return "inet";        case 1000: return "bool[]";
    case 1001: return "bytea[]";      case 1005: return "int2[]";     case 1007: return "int4[]";
    case 1009: return "text[]";       case 1015: return "varchar[]";  case 1016: return "int8[]";
    case 1021: return "float4[]";     case 1022: return "float8[]";   case 1042: return "bpchar";
    case 1043: return "varchar";      case 1082: return "date";       case 1083: return "time";
    case 1114: return "timestamp";    case 1184: return "timestamptz"; case 1186: return "interval";
    case 1231: return "numeric[]";    case 1266: return "timetz";     case 1560: return "bit";
    case 1562: return "varbit";       case 1700: return "numeric";    case 1790: return "refcursor";
    case 2205: return "regclass";     case 2206: return "regtype";    case 2249: return "record";
    case 2278: return "void";         case 2950: return "uuid";       case 2951: return "uuid[]";
    case 3220: return "pg_lsn";       case 3614: return "tsvector";   case 3615: return "tsquery";
    case 3802: return "jsonb";        case 3807: return "jsonb[]";    case 3904: return "int4range";
    case 3906: return "numrange";     case 3908: return "tsrange";    case 3910: return "tstzrange";
    case 3912: return "daterange";    case 3926: return "int8range";  case 4072: return "jsonpath";
    case 5069: return "xid8";
    default: return nullptr;
    }
}

std::string type_label(std::uint32_t type) {
    if (const char* n = builtin_type_name(type)) return n;
    return "oid " + std::to_string(type);
}

// The text of a bad value, quoted and cut short so that a huge field cannot flood a message.
std::string shown(std::string_view raw) {
    constexpr std::size_t max = 40;
    std::string s = "\"";
    s.append(raw.substr(0, max));
    if (raw.size() > max) s += "...";
    return s + "\"";
}

[[noreturn]] void fail(const Value& v, const char* cpp_type, const std::string& why = {}) {
    std::string m = "cannot read column \"" + v.name() + "\" (" + std::to_string(v.index()) + ", " +
                    type_label(v.type_oid()) + ") as " + cpp_type;
    if (!why.empty()) m += ": " + why;
    throw DataError(std::move(m));
}

template <class T> const char* cpp_name() { return detail::value_type_name<T>; }

bool is_int_type(std::uint32_t t) {
    return t == oid::int2 || t == oid::int4 || t == oid::int8 || t == oid::oid_ || t == oid::xid ||
           t == oid::cid || t == oid::xid8;
}

bool read_bool(const Value& v) {
    if (v.type_oid() != oid::bool_) fail(v, "bool");
    if (v.raw() == "t") return true;
    if (v.raw() == "f") return false;
    fail(v, "bool", "invalid text " + shown(v.raw()));
}

template <class T>
T read_integer(const Value& v) {
    if (!is_int_type(v.type_oid())) fail(v, cpp_name<T>());
    std::string_view s = v.raw();
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
        if (r.ec == std::errc{} && std::in_range<T>(x)) { in_range = true; out = static_cast<T>(x); }
    } else {
        unsigned long long x = 0;
        r = std::from_chars(first, last, x);
        if (r.ec == std::errc{} && std::in_range<T>(x)) { in_range = true; out = static_cast<T>(x); }
    }
    if (r.ptr != last || r.ec == std::errc::invalid_argument)
        fail(v, cpp_name<T>(), "invalid text " + shown(s));
    if (!in_range) fail(v, cpp_name<T>(), std::string(s) + " is out of range");
    return out;
}

// For a decimal text that from_chars found out of range: true when it is too small rather than
// too large (numeric can print 1e-400 as 0.000...1, which a double reads as zero).
bool underflows(std::string_view s) {
    std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    long long exp10 = 0;
    bool seen_nonzero = false, after_point = false;
    for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
        if (s[i] == '.') { after_point = true; continue; }
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

template <class T>
T read_float(const Value& v) {
    const std::uint32_t t = v.type_oid();
    if (t != oid::float4 && t != oid::float8 && t != oid::numeric && !is_int_type(t))
        fail(v, cpp_name<T>());
    std::string_view s = v.raw();
    double d = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), d);
    if (r.ec == std::errc::result_out_of_range && r.ptr == s.data() + s.size()) {
        if (!underflows(s)) fail(v, cpp_name<T>(), std::string(s) + " is out of range");
        d = (s[0] == '-') ? -0.0 : 0.0;
    } else if (r.ec != std::errc{} || r.ptr != s.data() + s.size() || s.empty()) {
        fail(v, cpp_name<T>(), "invalid text " + shown(s));
    }
    if constexpr (std::is_same_v<T, float>) {
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max())
            fail(v, cpp_name<T>(), std::string(s) + " is out of range");
    }
    return static_cast<T>(d);
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// bytea's text output: hex ("\x0aff", the default since PostgreSQL 9.0) or, with
// bytea_output = escape, printable bytes as is, "\\" for a backslash and "\ooo" for the rest.
Bytes read_bytea(const Value& v) {
    if (v.type_oid() != oid::bytea) fail(v, "uvpg::Bytes");
    std::string_view s = v.raw();
    Bytes out;
    if (s.starts_with("\\x")) {
        s.remove_prefix(2);
        if (s.size() % 2 != 0) fail(v, "uvpg::Bytes", "odd number of hex digits");
        out.reserve(s.size() / 2);
        for (std::size_t i = 0; i < s.size(); i += 2) {
            int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
            if (hi < 0 || lo < 0) fail(v, "uvpg::Bytes", "invalid hex digit in " + shown(v.raw()));
            out.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
        }
        return out;
    }
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\') {
            out.push_back(static_cast<std::uint8_t>(s[i]));
        } else if (i + 1 < s.size() && s[i + 1] == '\\') {
            out.push_back('\\');
            ++i;
        } else if (i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
                   s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
            out.push_back(static_cast<std::uint8_t>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                                                    (s[i + 3] - '0')));
            i += 3;
        } else {
            fail(v, "uvpg::Bytes", "invalid escape in " + shown(v.raw()));
        }
    }
    return out;
}

// Numeric's accepted spellings, as numeric_in takes them: [+-]digits[.digits][e[+-]digits],
// NaN, [+-]Infinity (case-insensitive, surrounding blanks not allowed here).
bool is_decimal(std::string_view s) {
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

template <class F>
std::string format_double(F v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    return std::string(buf, r.ptr);
}

// PostgreSQL text cannot hold a NUL byte; the server would cut the value there or reject it.
void check_no_nul(std::string_view s) {
    if (s.find('\0') != std::string_view::npos)
        throw DataError("A string literal cannot contain NUL (0x00) characters.");
}

std::string quoted(std::string_view s) {
    // standard_conforming_strings is on (the default since 9.1, and uvpg's startup assumes it),
    // so a backslash is an ordinary character and only ' needs doubling.
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

}  // namespace

std::uint32_t Value::type_oid() const noexcept { return shape_->columns[index_].type_code; }

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

// One definition for every supported T, instantiated below; the header's value_type_name trait
// keeps callers to this list at compile time.
template <class T>
T value_as(const Value& v) {
    const std::uint32_t t = v.type_oid();
    if constexpr (std::is_same_v<T, bool>) {
        return read_bool(v);
    } else if constexpr (std::is_integral_v<T>) {
        return read_integer<T>(v);
    } else if constexpr (std::is_floating_point_v<T>) {
        return read_float<T>(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
        return std::string(v.raw());
    } else if constexpr (std::is_same_v<T, std::string_view>) {
        return v.raw();
    } else if constexpr (std::is_same_v<T, Bytes>) {
        return read_bytea(v);
    } else if constexpr (std::is_same_v<T, Numeric>) {
        if (t != oid::numeric && t != oid::int2 && t != oid::int4 && t != oid::int8)
            fail(v, "uvpg::Numeric");
        if (!is_decimal(v.raw())) fail(v, "uvpg::Numeric", "invalid text " + shown(v.raw()));
        return Numeric{std::string(v.raw())};
    } else {
        static_assert(std::is_same_v<T, Json>);
        if (t != oid::json && t != oid::jsonb) fail(v, "uvpg::Json");
        return Json{std::string(v.raw())};
    }
}

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

}  // namespace detail

Param::Param(bool v) : data_(v ? "t" : "f"), oid_(oid::bool_) {}

void Param::set_int(long long v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    data_.assign(buf, r.ptr);
    // The narrowest type lets "WHERE smallint_col = $1" and overloaded functions resolve as
    // they would for a literal of that value.
    if (std::in_range<std::int16_t>(v)) oid_ = oid::int2;
    else if (std::in_range<std::int32_t>(v)) oid_ = oid::int4;
    else oid_ = oid::int8;
}

void Param::set_uint(unsigned long long v) {
    if (std::in_range<long long>(v)) return set_int(static_cast<long long>(v));
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    data_.assign(buf, r.ptr);
    oid_ = oid::numeric;  // no unsigned 64-bit type in PostgreSQL
}

Param::Param(double v) : data_(format_double(v)), oid_(oid::float8) {}
// float4 with the float's own shortest text: 0.1f goes as "0.1", not 0.10000000149011612.
Param::Param(float v) : data_(format_double(v)), oid_(oid::float4) {}

Param::Param(const char* v) {
    if (!v) {
        null_ = true;
        return;
    }
    data_ = v;  // strlen stops at the first NUL, so there is none to check
}

// Strings go as "unknown" (OID 0): the server types them from context, as it does a quoted
// literal, so a string works for a date, a uuid or an enum column alike.
Param::Param(std::string v) : data_(std::move(v)) { check_no_nul(data_); }

Param::Param(std::string_view v) : data_(v) { check_no_nul(data_); }

Param::Param(Bytes v)
    : data_(reinterpret_cast<const char*>(v.data()), v.size()), oid_(oid::bytea), binary_(true) {}

Param::Param(Numeric v) : data_(std::move(v.text)), oid_(oid::numeric) {
    if (!is_decimal(data_)) throw DataError("invalid numeric value " + shown(data_));
}

Param::Param(Json v) : data_(std::move(v.text)), oid_(oid::json) { check_no_nul(data_); }

std::string Param::literal() const {
    if (null_) return "NULL";
    switch (oid_) {
    case oid::bool_:
        return data_ == "t" ? "true" : "false";
    case oid::int2: case oid::int4: case oid::int8: case oid::numeric: case oid::float8: {
        const bool special = data_.find_first_of("nN") != std::string::npos;  // NaN, Infinity
        if (special) return quoted(data_) + (oid_ == oid::float8 ? "::float8" : "::numeric");
        // A space keeps "SELECT 1-%s" with -1 from becoming "1--1", the start of a comment.
        return data_[0] == '-' ? " " + data_ : data_;
    }
    case oid::bytea: {
        static constexpr char digits[] = "0123456789abcdef";
        std::string out = "'\\x";
        for (unsigned char c : data_) {
            out += digits[c >> 4];
            out += digits[c & 15];
        }
        return out + "'::bytea";
    }
    case oid::json:
        return quoted(data_) + "::json";
    default:
        return quoted(data_);
    }
}

const Param* Params::find(std::string_view name) const noexcept {
    for (const auto& [n, p] : named_)
        if (n == name) return &p;
    return nullptr;
}

}  // namespace uvpg
