// Param: each C++ value encoded once, when the parameter is made, in PostgreSQL's binary form
// where uvpg has a codec; and its SQL literal for Cursor::mogrify.
#include <uvpg/errors.hpp>
#include <uvpg/params.hpp>

#include "lib/values/element_params.hpp"
#include "lib/values/proto_mapping.hpp"
#include "lib/values/text_form.hpp"
#include "proto/codec_basic.hpp"
#include "proto/codec_container.hpp"
#include "proto/codec_datetime.hpp"
#include "proto/pg_types.hpp"

#include <bit>
#include <cstring>

namespace uvpg {

namespace {

namespace oid = proto::oid;

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

// Encodes into a reused buffer, then into the Param's string.
template <class F>
std::string encoded(F&& encode) {
    static thread_local proto::Bytes buf;
    buf.clear();
    encode(buf);
    return std::string(reinterpret_cast<const char*>(buf.data()), buf.size());
}

// The low `N` bytes of `v`, most significant first (PostgreSQL's binary integers and floats),
// straight into the string's inline buffer.
template <std::size_t N>
std::string big_endian(std::uint64_t v) {
    char b[N];
    for (std::size_t i = 0; i < N; ++i) b[i] = static_cast<char>(v >> (8 * (N - 1 - i)));
    return std::string(b, N);
}

// A public value (Date, Uuid, ...) encoded by its proto codec, through its proto form.
template <class T, class Enc>
std::string encoded_as_proto(const T& v, Enc encode) {
    return encoded([&](auto& b) { encode(detail::to_proto(v), b); });
}

proto::ByteView view(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

}  // namespace

void Param::throw_inexact_time() {
    throw DataError("time value has digits below a microsecond, which PostgreSQL cannot keep");
}

std::int64_t Param::checked_add(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) throw DataError("time value out of PostgreSQL's range");
    return r;
}

void Param::set_binary(std::uint32_t type) {
    oid_ = type;
    binary_ = true;
}

Param::Param(bool v) : data_(1, v ? '\1' : '\0') { set_binary(oid::bool_); }

// Integers are typed by their C++ type (params.hpp says which); these write the big-endian
// bytes straight into the string's inline buffer.
void Param::set_int2(std::int16_t v) {
    data_ = big_endian<2>(static_cast<std::uint64_t>(v));
    set_binary(oid::int2);
}

void Param::set_int4(std::int32_t v) {
    data_ = big_endian<4>(static_cast<std::uint64_t>(v));
    set_binary(oid::int4);
}

void Param::set_int8(std::int64_t v) {
    data_ = big_endian<8>(static_cast<std::uint64_t>(v));
    set_binary(oid::int8);
}

void Param::set_uint64(std::uint64_t v) {
    // Every value of the type, small or not, as numeric, which holds them all exactly: the type
    // must not depend on the value.
    *this = Param(Numeric{std::to_string(v)});
}

Param::Param(double v) : data_(big_endian<8>(std::bit_cast<std::uint64_t>(v))) { set_binary(oid::float8); }
Param::Param(float v) : data_(big_endian<4>(std::bit_cast<std::uint32_t>(v))) { set_binary(oid::float4); }

// strlen stops at the first NUL, so there is none to check.
Param::Param(const char* v) : data_(v ? v : ""), null_(v == nullptr) {}

Param::Param(std::string v) : data_(std::move(v)) { check_no_nul(data_); }

Param::Param(std::string_view v) : data_(v) { check_no_nul(data_); }

Param::Param(Bytes v) : data_(reinterpret_cast<const char*>(v.data()), v.size()) { set_binary(oid::bytea); }

Param::Param(Numeric v) {
    data_ = encoded([&](auto& b) {
        if (proto::numeric_to_bin(v.text, b) != proto::CodecErrc::ok)
            throw DataError("invalid numeric value " + detail::shown_text(v.text));
    });
    set_binary(oid::numeric);
    // numeric_recv takes at most 3000 base-10000 digits (8 header bytes, 2 per digit), where
    // numeric_in takes any length: a longer value goes as text.
    if (data_.size() > 8 + 2 * 3000) {
        data_ = std::move(v.text);
        binary_ = false;
    }
}

Param::Param(Json v) : data_(std::move(v.text)), oid_(oid::json) { check_no_nul(data_); }

Param::Param(Xml v) : data_(std::move(v.text)), oid_(oid::xml) { check_no_nul(data_); }

Param::Param(Date v) : data_(encoded_as_proto(v, proto::date_to_bin)) { set_binary(oid::date); }

Param::Param(std::chrono::sys_days v) : Param(Date(v)) {}

Param::Param(std::chrono::year_month_day v) : Param(Date(v)) {}

Param::Param(Time v) : data_(encoded_as_proto(v, proto::time_to_bin)) { set_binary(oid::time); }
Param::Param(TimeTz v) : data_(encoded_as_proto(v, proto::timetz_to_bin)) { set_binary(oid::timetz); }
Param::Param(Timestamp v) : data_(encoded_as_proto(v, proto::timestamp_to_bin)) { set_binary(oid::timestamp); }
Param::Param(TimestampTz v) : data_(encoded_as_proto(v, proto::timestamptz_to_bin)) { set_binary(oid::timestamptz); }
Param::Param(Interval v) : data_(encoded_as_proto(v, proto::interval_to_bin)) { set_binary(oid::interval); }
Param::Param(Uuid v) : data_(encoded_as_proto(v, proto::uuid_to_bin)) { set_binary(oid::uuid); }
Param::Param(Inet v) : data_(encoded_as_proto(v, proto::inet_to_bin)) { set_binary(v.cidr ? oid::cidr : oid::inet); }
Param::Param(MacAddr v) : data_(encoded_as_proto(v, proto::macaddr_to_bin)) { set_binary(oid::macaddr); }
Param::Param(MacAddr8 v) : data_(encoded_as_proto(v, proto::macaddr8_to_bin)) { set_binary(oid::macaddr8); }
Param::Param(Bits v) {
    data_ = encoded([&](auto& b) {
        if (proto::bits_to_bin(v.text, b) != proto::CodecErrc::ok)
            throw DataError("invalid bit string " + detail::shown_text(v.text) + ": only 0 and 1");
    });
    set_binary(oid::varbit);
}
Param::Param(Money v) : data_(encoded([&](auto& b) { proto::money_to_bin(v.minor_units, b); })) {
    set_binary(oid::money);
}

Param::Param(const Hstore& v) {
    std::vector<std::pair<std::string_view, std::optional<std::string_view>>> pairs;
    for (const auto& [k, val] : v) pairs.emplace_back(k, val ? std::optional<std::string_view>(*val) : std::nullopt);
    data_ = proto::hstore_to_text(pairs);
    check_no_nul(data_);
}

std::string Param::literal() const {
    if (null_) return "NULL";
    if (!binary_) {
        if (oid_ == oid::json || oid_ == oid::xml || oid_ == oid::numeric)
            return quoted(data_) + "::" + proto::type_display_name(oid_);
        return quoted(data_);
    }
    const std::string text = detail::binary_to_text(oid_, view(data_));
    switch (oid_) {
    case oid::bool_: return text == "t" ? "true" : "false";
    case oid::int2:
    case oid::int4:
    case oid::int8:
    case oid::numeric:
    case oid::float8:
    case oid::float4: {
        // NaN, Infinity, and -0 (which as a bare literal is the integer 0) need their type.
        const bool special = text.find_first_of("nN") != std::string::npos || text == "-0";
        if (special || oid_ == oid::float4) return quoted(text) + "::" + proto::type_display_name(oid_);
        // A space keeps "SELECT 1-%s" with -1 from becoming "1--1", the start of a comment.
        return text[0] == '-' ? " " + text : text;
    }
    case oid::money:
        // numeric -> money scales by the locale; minor units are cents in nearly every locale.
        return "(" + text + "::numeric / 100)::money";  // assumes 2 fractional digits, as lc_monetary C and en_US
    default: return quoted(text) + "::" + proto::type_display_name(oid_);
    }
}

const Param* Params::find(std::string_view name) const noexcept {
    for (const auto& [n, p] : named_)
        if (n == name) return &p;
    return nullptr;
}

}  // namespace uvpg

namespace uvpg::detail {

namespace {
// An integer element Param (int2/int4/int8, big-endian) as a signed 64-bit value.
bool param_integer(const Param& p, std::int64_t& out) {
    const std::string& d = p.data();
    if (!p.binary() ||
        (p.type_oid() != proto::oid::int2 && p.type_oid() != proto::oid::int4 && p.type_oid() != proto::oid::int8))
        return false;
    std::uint64_t u = (static_cast<unsigned char>(d[0]) & 0x80) ? ~std::uint64_t{0} : 0;
    for (unsigned char c : d) u = (u << 8) | c;
    out = static_cast<std::int64_t>(u);
    return true;
}
}  // namespace

// One element's bytes in the array's element type: as it is, or an integer re-encoded at the
// container's width (a Range<short>'s int2 bounds go in an int4range, there being no int2range).
std::string param_bytes_as(const Param& p, std::uint32_t elem) {
    if (p.type_oid() == elem) return p.data();
    std::int64_t v = 0;
    if (param_integer(p, v)) {
        proto::Bytes b;
        if (elem == proto::oid::int4 && std::in_range<std::int32_t>(v))
            proto::int4_to_bin(static_cast<std::int32_t>(v), b);
        else if (elem == proto::oid::int8) proto::int8_to_bin(v, b);
        else if (elem == proto::oid::numeric) (void)proto::numeric_to_bin(std::to_string(v), b);
        if (!b.empty()) return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    }
    throw DataError("array parameter mixes element types: " + proto::type_display_name(p.type_oid()) +
                    " in an array of " + proto::type_display_name(elem));
}

}  // namespace uvpg::detail
