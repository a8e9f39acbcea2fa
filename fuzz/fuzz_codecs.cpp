// libFuzzer target: the value codecs (proto/codec_basic.hpp, codec_datetime.hpp,
// codec_container.hpp) and lib/values/text_form's binary_to_text.
//
// Input: [selector] [value...]. selector % kSelectors picks what reads the value: one of the
// decoders of enum Dec below (and the calendar helpers of codec_datetime.hpp), or (past them)
// binary_to_text for one OID of kTextOids.
//
// Checked, besides no crash and no UB (ASan, UBSan): a decoder that accepts a value gives the
// same value back through its encoder and decoder again (binary: X_to_bin then bin_to_X; text:
// X_to_text then text_to_X), and the same value through the other format too (a parsed text
// encodes to binary and back; a decoded binary prints to a text that parses back), with
// binary_to_text agreeing with the codec's printer. numeric goes text -> binary -> text
// unchanged and its text is one that is_decimal() accepts. Containers re-encode to the same
// dimensions and elements in both formats (array, record, range, multirange, hstore). A failed
// container decode leaves its output empty. binary_to_text returns or throws DataError, and
// nothing else: only uvpg::Error is caught; it refuses types without a codec, and its text of
// an array, record, range or multirange parses back to the same shape and NULLs.
#include "common.hpp"
#include "lib/values/text_form.hpp"
#include "lib/values/type_lookup.hpp"
#include "proto/codec_basic.hpp"
#include "proto/codec_container.hpp"
#include "proto/codec_datetime.hpp"
#include "proto/pg_types.hpp"

#include <uvpg/errors.hpp>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

using namespace uvpg;
using namespace uvpg::proto;

namespace {

using uvpg_fuzz::check;

constexpr CodecErrc kOk = CodecErrc::ok;

std::string_view sv(ByteView b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
ByteView bv(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
bool same_bytes(ByteView a, ByteView b) { return sv(a) == sv(b); }
bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// binary_to_text's text, or nullopt when it threw DataError; any other uvpg::Error fails.
std::optional<std::string> server_text(std::uint32_t oid, ByteView b) {
    try {
        return detail::binary_to_text(oid, b);
    } catch (const DataError&) {
        return std::nullopt;
    } catch (const Error& e) {
        std::fprintf(stderr, "binary_to_text(%u): %s\n", oid, e.what());
        check(false, "binary_to_text threw a uvpg::Error that is not a DataError");
        return std::nullopt;
    }
}

template <class T>
bool eq(const T& a, const T& b) {
    if constexpr (std::is_same_v<T, float>)
        return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint32_t>(a) == std::bit_cast<std::uint32_t>(b);
    else if constexpr (std::is_same_v<T, double>)
        return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
    else return a == b;
}

// ---- scalars ------------------------------------------------------------------------------

// One scalar type: its OID, binary decoder and encoder, the server's text of a value and a
// parser of that text (given a value like the one expected: inet or cidr).
template <class T, class Dec, class Enc, class Print, class Parse>
struct Codec {
    std::uint32_t oid;
    Dec dec;      // CodecErrc(ByteView, T&)
    Enc enc;      // void(const T&, Bytes&)
    Print print;  // std::string(const T&)
    Parse parse;  // CodecErrc(std::string_view, T& out, const T& like)
    bool exact;   // the encoder gives back the very bytes the decoder took
};
template <class T, class Dec, class Enc, class Print, class Parse>
Codec<T, Dec, Enc, Print, Parse> codec(std::uint32_t oid, bool exact, Dec dec, Enc enc, Print print, Parse parse) {
    return {oid, dec, enc, print, parse, exact};
}

template <class T, class... F>
void run_bin(const Codec<T, F...>& c, ByteView in) {
    T v{};
    const CodecErrc e = c.dec(in, v);
    const auto server = server_text(c.oid, in);
    check((e == kOk) == server.has_value(), "binary_to_text and bin_to_X disagree on a value");
    if (e != kOk) return;
    Bytes out;
    c.enc(v, out);
    if (c.exact) check(same_bytes(out, in), "X_to_bin changed the bytes bin_to_X took");
    T back{};
    check(c.dec(out, back) == kOk && eq(back, v), "X_to_bin then bin_to_X changed the value");
    const std::string text = c.print(v);
    check(*server == text, "binary_to_text differs from the codec's text");
    T parsed{};
    check(c.parse(text, parsed, v) == kOk && eq(parsed, v), "the text of a binary value does not parse back to it");
}

template <class T, class... F>
void run_text(const Codec<T, F...>& c, std::string_view in, const T& like) {
    T v{};
    if (c.parse(in, v, like) != kOk) return;
    const std::string text = c.print(v);
    T again{};
    check(c.parse(text, again, v) == kOk && eq(again, v), "X_to_text then text_to_X changed the value");
    Bytes out;
    c.enc(v, out);
    T back{};
    check(c.dec(out, back) == kOk && eq(back, v), "a parsed text does not go through X_to_bin, bin_to_X unchanged");
    const auto server = server_text(c.oid, out);
    check(server && *server == text, "binary_to_text of a parsed value differs from its text");
}

// Printers and parsers for the types whose text the codecs leave to lib/ or to std.
template <class I>
std::string int_text(const I& v) {
    return std::to_string(v);
}
template <class I>
CodecErrc parse_int(std::string_view s, I& out, const I&) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() ? kOk : CodecErrc::bad_text;
}
template <class F>
CodecErrc parse_float(std::string_view s, F& out, const F&) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty() ? kOk : CodecErrc::bad_text;
}
// Adapts a text_to_X(string_view, T&) to the parser shape above.
template <class T, CodecErrc (*F)(std::string_view, T&)>
CodecErrc parse_with(std::string_view s, T& out, const T&) {
    return F(s, out);
}

const auto kBool = codec<bool>(
    oid::bool_, true, bin_to_bool, [](const bool& v, Bytes& o) { bool_to_bin(v, o); },
    [](const bool& v) { return std::string(v ? "t" : "f"); }, parse_with<bool, text_to_bool>);
const auto kInt2 = codec<std::int16_t>(
    oid::int2, true, bin_to_int2, [](const std::int16_t& v, Bytes& o) { int2_to_bin(v, o); }, int_text<std::int16_t>,
    parse_int<std::int16_t>);
const auto kInt4 = codec<std::int32_t>(
    oid::int4, true, bin_to_int4, [](const std::int32_t& v, Bytes& o) { int4_to_bin(v, o); }, int_text<std::int32_t>,
    parse_int<std::int32_t>);
const auto kInt8 = codec<std::int64_t>(
    oid::int8, true, bin_to_int8, [](const std::int64_t& v, Bytes& o) { int8_to_bin(v, o); }, int_text<std::int64_t>,
    parse_int<std::int64_t>);
const auto kOid = codec<std::uint32_t>(
    oid::oid, true, bin_to_oid, [](const std::uint32_t& v, Bytes& o) { oid_to_bin(v, o); }, int_text<std::uint32_t>,
    parse_int<std::uint32_t>);
const auto kFloat4 = codec<float>(
    oid::float4, true, bin_to_float4, [](const float& v, Bytes& o) { float4_to_bin(v, o); },
    [](const float& v) { return detail::format_float(v); }, parse_float<float>);
const auto kFloat8 = codec<double>(
    oid::float8, true, bin_to_float8, [](const double& v, Bytes& o) { float8_to_bin(v, o); },
    [](const double& v) { return detail::format_double(v); }, parse_float<double>);
const auto kUuid = codec<UuidBytes>(
    oid::uuid, true, bin_to_uuid, [](const UuidBytes& v, Bytes& o) { uuid_to_bin(v, o); }, uuid_to_text,
    parse_with<UuidBytes, text_to_uuid>);
const auto kInet = codec<InetValue>(
    oid::inet, true, bin_to_inet, inet_to_bin, inet_to_text,
    [](std::string_view s, InetValue& out, const InetValue& like) { return text_to_inet(s, like.cidr, out); });
const auto kMacAddr = codec<MacAddrBytes>(oid::macaddr, true, bin_to_macaddr, macaddr_to_bin, macaddr_to_text,
                                          parse_with<MacAddrBytes, text_to_macaddr>);
const auto kMacAddr8 = codec<MacAddr8Bytes>(oid::macaddr8, true, bin_to_macaddr8, macaddr8_to_bin, macaddr8_to_text,
                                            parse_with<MacAddr8Bytes, text_to_macaddr8>);
const auto kBits = codec<std::string>(
    oid::varbit, false, bin_to_bits,
    [](const std::string& v, Bytes& o) {
        check(bits_to_bin(v, o) == kOk, "bits_to_bin refused the digits of a bit string");
    },
    [](const std::string& v) { return v; }, parse_with<std::string, text_to_bits>);
const auto kMoney = codec<std::int64_t>(
    oid::money, true, bin_to_money, [](const std::int64_t& v, Bytes& o) { money_to_bin(v, o); }, int_text<std::int64_t>,
    parse_with<std::int64_t, text_to_money>);
// date: days since 2000-01-01; time: µs since midnight; timestamp(tz): µs since 2000-01-01.
const auto kDate = codec<std::int32_t>(
    oid::date, true, bin_to_date, [](const std::int32_t& v, Bytes& o) { date_to_bin(v, o); },
    [](const std::int32_t& v) { return date_to_text(v); }, parse_with<std::int32_t, text_to_date>);
const auto kTime = codec<std::int64_t>(
    oid::time, true, bin_to_time, [](const std::int64_t& v, Bytes& o) { time_to_bin(v, o); },
    [](const std::int64_t& v) { return time_to_text(v); }, parse_with<std::int64_t, text_to_time>);
const auto kTimeTz = codec<TimeTzValue>(
    oid::timetz, true, bin_to_timetz, [](const TimeTzValue& v, Bytes& o) { timetz_to_bin(v, o); },
    [](const TimeTzValue& v) { return timetz_to_text(v); }, parse_with<TimeTzValue, text_to_timetz>);
const auto kTimestamp = codec<std::int64_t>(
    oid::timestamp, true, bin_to_timestamp, [](const std::int64_t& v, Bytes& o) { timestamp_to_bin(v, o); },
    [](const std::int64_t& v) { return timestamp_to_text(v); }, parse_with<std::int64_t, text_to_timestamp>);
const auto kTimestampTz = codec<std::int64_t>(
    oid::timestamptz, true, bin_to_timestamptz, [](const std::int64_t& v, Bytes& o) { timestamptz_to_bin(v, o); },
    [](const std::int64_t& v) { return timestamptz_to_text(v); }, parse_with<std::int64_t, text_to_timestamptz>);
const auto kInterval = codec<IntervalValue>(oid::interval, true, bin_to_interval, interval_to_bin, interval_to_text,
                                            parse_with<IntervalValue, text_to_interval>);

// numeric: binary -> text -> binary -> the same text; the text is a decimal.
void bin_numeric(ByteView in) {
    std::string text;
    const CodecErrc e = bin_to_numeric(in, text);
    const auto server = server_text(oid::numeric, in);
    check((e == kOk) == server.has_value(), "binary_to_text and bin_to_numeric disagree on a value");
    if (e != kOk) return;
    check(*server == text, "binary_to_text differs from bin_to_numeric");
    check(detail::is_decimal(text), "bin_to_numeric made a text is_decimal refuses");
    Bytes out;
    check(numeric_to_bin(text, out) == kOk, "numeric_to_bin refused bin_to_numeric's text");
    std::string again;
    check(bin_to_numeric(out, again) == kOk && again == text,
          "numeric text -> numeric_to_bin -> bin_to_numeric changed the text");
}

// numeric_in's text: accepted ones go to binary and back to a text that is canonical (it makes
// the same binary again); is_decimal's texts are all accepted unless out of numeric's range.
void text_numeric(std::string_view in) {
    Bytes out;
    const CodecErrc e = numeric_to_bin(in, out);
    if (e != kOk) {
        check(out.empty(), "numeric_to_bin appended to its output on error");
        if (detail::is_decimal(in))
            check(e == CodecErrc::out_of_range, "numeric_to_bin refused a text is_decimal accepts");
        return;
    }
    std::string text;
    check(bin_to_numeric(out, text) == kOk, "bin_to_numeric refused numeric_to_bin's value");
    check(detail::is_decimal(text), "bin_to_numeric made a text is_decimal refuses");
    Bytes again;
    check(numeric_to_bin(text, again) == kOk && again == out,
          "numeric_to_bin of a numeric's own text gives another value");
}

void bin_jsonb(ByteView in) {
    std::string_view text;
    const CodecErrc e = bin_to_jsonb(in, text);
    const auto server = server_text(oid::jsonb, in);
    check((e == kOk) == server.has_value(), "binary_to_text and bin_to_jsonb disagree on a value");
    if (e != kOk) return;
    check(*server == text, "binary_to_text differs from bin_to_jsonb");
    Bytes out;
    jsonb_to_bin(text, out);
    check(same_bytes(out, in), "jsonb_to_bin changed the bytes bin_to_jsonb took");
}

// bytea's text: the server prints hex, which must read back as the same bytes.
void text_bytea(std::string_view in) {
    std::vector<std::uint8_t> out{7};  // must be replaced
    if (text_to_bytea(in, out) != kOk) return;
    check(out.size() <= in.size(), "bytea decoded longer than its text");
    const auto hex = server_text(oid::bytea, out);
    check(hex && hex->size() == 2 + 2 * out.size(), "binary_to_text of bytea is not its hex form");
    std::vector<std::uint8_t> back;
    check(text_to_bytea(*hex, back) == kOk && back == out, "bytea's hex text does not read back");
}

// The calendar helpers: a day count goes to a civil date and back, a civil date to a day count
// and back; pg_micros_to_unix_micros is the plain sum when it does not overflow.
// Input: int32 days or year, uint8 month, uint8 day, int64 µs, all big-endian.
void calendar(ByteView in) {
    std::uint8_t b[14] = {};
    std::memcpy(b, in.data(), std::min(in.size(), sizeof b));
    std::uint32_t u = 0;
    for (int i = 0; i < 4; ++i) u = u << 8 | b[i];
    const auto n = static_cast<std::int32_t>(u);
    std::int32_t y = 0;
    unsigned m = 0, d = 0;
    pg_days_to_civil(n, y, m, d);
    check(m >= 1 && m <= 12 && d >= 1 && d <= 31, "pg_days_to_civil made an impossible date");
    std::int32_t back = 0;
    const bool sentinel =
        n == std::numeric_limits<std::int32_t>::min() || n == std::numeric_limits<std::int32_t>::max();
    check(civil_to_pg_days(y, m, d, back) == !sentinel, "civil_to_pg_days refused pg_days_to_civil's date");
    if (!sentinel) check(back == n, "pg_days_to_civil then civil_to_pg_days changed the day");
    if (civil_to_pg_days(n, b[4], b[5], back)) {
        pg_days_to_civil(back, y, m, d);
        check(y == n && m == b[4] && d == b[5], "civil_to_pg_days then pg_days_to_civil changed the date");
    }
    std::uint64_t us = 0;
    for (int i = 6; i < 14; ++i) us = us << 8 | b[i];
    std::int64_t unix_us = 0;
    const auto pg = static_cast<std::int64_t>(us);
    const bool fits = pg <= std::numeric_limits<std::int64_t>::max() - kPgEpochUnixMicros;
    check(pg_micros_to_unix_micros(pg, unix_us) == fits && (!fits || unix_us == pg + kPgEpochUnixMicros),
          "pg_micros_to_unix_micros is not the sum");
}

// ---- binary_to_text for any OID -----------------------------------------------------------

// Text types, every scalar type with a codec, some arrays (bool[], int4[], text[], timestamp[],
// point[], box[] whose delimiter is ';'), record, ranges (int4range, tstzrange, int4multirange)
// and some types without a codec (point, regproc, 0).
constexpr std::uint32_t kTextOids[] = {16,   17,   18,   19,   20,   21,   23,   25,   26,   28,   29,   114,
                                       142,  650,  700,  701,  705,  774,  790,  829,  869,  1042, 1043, 1082,
                                       1083, 1114, 1184, 1186, 1266, 1560, 1562, 1700, 2950, 3802, 5069, 1000,
                                       1007, 1009, 1115, 1017, 1020, 2249, 3904, 3910, 4451, 0,    600,  24};

// An array's text has the binary's shape and NULLs.
void check_array_text(ByteView in, const std::string& text) {
    BinArray a;
    check(bin_to_array(in, a) == kOk, "binary_to_text read an array bin_to_array refuses");
    const PgType* et = find_type(a.elem_oid);
    TextArray t;
    check(text_to_array(text, et ? et->delim : ',', t) == kOk, "text_to_array refused binary_to_text's array");
    check(t.elements.size() == a.elements.size() &&
              (a.elements.empty() ? t.dims.empty() : t.dims.size() == a.dims.size()),
          "binary_to_text's array text has another shape");
    for (std::size_t i = 0; i < t.dims.size(); ++i)
        check(t.dims[i].size == a.dims[i].size && t.dims[i].lower_bound == a.dims[i].lower_bound,
              "binary_to_text's array text has other dimensions");
    for (std::size_t i = 0; i < t.elements.size(); ++i)
        check(t.elements[i].has_value() == a.elements[i].has_value(), "binary_to_text's array text moved a NULL");
}

void run_binary_to_text(std::uint32_t type, ByteView in) {
    const auto text = server_text(type, in);
    if (type == 18 && in.size() == 1) {
        // "char" prints as PostgreSQL 15's charout does: NUL as nothing, a high byte as \ooo.
        const unsigned c = in[0];
        std::string want = c == 0 ? "" : c < 0x80 ? std::string(1, static_cast<char>(c)) : "\\";
        if (c >= 0x80)
            for (int shift = 6; shift >= 0; shift -= 3) want.push_back(static_cast<char>('0' + ((c >> shift) & 7)));
        check(text && *text == want, "a \"char\"'s text is not charout's");
    } else if (detail::is_text_type(type)) {
        check(text && *text == sv(in), "a text type's binary is not its text");
    }
    // A type that is no container, no text type and that uvpg does not read in binary has no
    // codec (money aside: uvpg reads it as text, yet knows its binary form).
    const PgType* pt = find_type(type);
    const bool container = pt && (pt->kind == 'r' || pt->kind == 'm' || pt->category == 'A' || type == oid::record);
    if (!container && !detail::reads_binary(type) && !detail::is_text_type(type) && type != oid::money)
        check(!text, "binary_to_text read a type it has no codec for");
    if (type == oid::bytea) check(text && text->size() == 2 + 2 * in.size(), "bytea's text is not its hex form");
    // A text element may hold a NUL here (never from a server), which no container text can.
    if (!text || has_nul(*text)) return;
    if (pt && pt->category == 'A') check_array_text(in, *text);
    if (type == oid::record) {
        BinRecord r;
        std::vector<std::optional<std::string>> f;
        check(bin_to_record(in, r) == kOk && text_to_record(*text, f) == kOk, "binary_to_text's record does not parse");
        check(r.fields.empty() ? f.size() == 1 && !f[0] : f.size() == r.fields.size(),
              "binary_to_text's record has other fields");
        for (std::size_t i = 0; i < r.fields.size(); ++i)
            check(f[i].has_value() == r.fields[i].has_value(), "binary_to_text's record moved a NULL");
    }
    if (pt && pt->kind == 'r') {
        BinRange r;
        TextRange t;
        check(bin_to_range(in, r) == kOk && text_to_range(*text, t) == kOk, "binary_to_text's range does not parse");
        check((r.flags & kRangeEmpty) ? t.flags == kRangeEmpty : t.flags == r.flags,
              "binary_to_text's range has other flags");
    }
    if (pt && pt->kind == 'm') {
        std::vector<ByteView> b;
        std::vector<std::string> t;
        check(bin_to_multirange(in, b) == kOk && text_to_multirange(*text, t) == kOk && b.size() == t.size(),
              "binary_to_text's multirange does not parse to as many ranges");
    }
}

// ---- containers ---------------------------------------------------------------------------

// What a caller of the containers does with element bytes: read them by their type. Bounded,
// so that a run stays cheap.
void read_elements(std::uint32_t type, const std::vector<std::optional<ByteView>>& elems) {
    std::size_t n = 0;
    for (const auto& e : elems) {
        if (++n > 8) break;
        if (e) (void)server_text(type, *e);
    }
}

std::size_t product(const std::vector<ArrayDim>& dims) {
    if (dims.empty()) return 0;
    std::size_t n = 1;
    for (const ArrayDim& d : dims) {
        check(d.size >= 0, "an array dimension of negative size");
        n *= static_cast<std::size_t>(d.size);
    }
    return n;
}

bool dims_equal(const std::vector<ArrayDim>& a, const std::vector<ArrayDim>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].size != b[i].size || a[i].lower_bound != b[i].lower_bound) return false;
    return true;
}

std::string_view sv_of(ByteView b) { return sv(b); }
std::string_view sv_of(const std::string& s) { return s; }

template <class A, class B>
bool optionals_equal(const std::vector<std::optional<A>>& a, const std::vector<std::optional<B>>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].has_value() != b[i].has_value()) return false;
        if (a[i] && std::string_view(sv_of(*a[i])) != std::string_view(sv_of(*b[i]))) return false;
    }
    return true;
}

template <class A>
std::vector<std::optional<std::string_view>> text_views(const std::vector<std::optional<A>>& v, bool& nul) {
    std::vector<std::optional<std::string_view>> out;
    out.reserve(v.size());
    nul = false;
    for (const auto& e : v) {
        if (e) {
            out.emplace_back(sv_of(*e));
            nul = nul || has_nul(*out.back());
        } else {
            out.emplace_back(std::nullopt);
        }
    }
    return out;
}

template <class A>
std::vector<std::optional<ByteView>> byte_views(const std::vector<std::optional<A>>& v) {
    std::vector<std::optional<ByteView>> out;
    out.reserve(v.size());
    for (const auto& e : v) out.push_back(e ? std::optional<ByteView>(bv(sv_of(*e))) : std::nullopt);
    return out;
}

void bin_array(ByteView in) {
    BinArray a;
    if (bin_to_array(in, a) != kOk) {
        check(a.dims.empty() && a.elements.empty() && a.elem_oid == 0, "a failed bin_to_array left output");
        return;
    }
    check(a.dims.size() <= static_cast<std::size_t>(kMaxArrayDims), "more than 6 dimensions");
    check(a.elements.size() == product(a.dims), "element count is not the product of the dimensions");
    Bytes out;
    array_to_bin(a.elem_oid, a.dims, a.elements, out);
    check(out.size() == in.size(), "array_to_bin wrote another size");
    BinArray b;
    check(bin_to_array(out, b) == kOk, "bin_to_array refused array_to_bin's output");
    check(b.elem_oid == a.elem_oid && dims_equal(b.dims, a.dims) && optionals_equal(b.elements, a.elements),
          "array_to_bin then bin_to_array changed the array");
    // The same elements as text.
    bool nul = false;
    const auto views = text_views(a.elements, nul);
    if (!nul) {
        const std::string text = array_to_text(a.dims, views, ',');
        TextArray t;
        check(text_to_array(text, ',', t) == kOk, "text_to_array refused array_to_text's output");
        check(dims_equal(t.dims, a.elements.empty() ? std::vector<ArrayDim>{} : a.dims) &&
                  optionals_equal(t.elements, a.elements),
              "array_to_text then text_to_array changed a binary array");
    }
    read_elements(a.elem_oid, a.elements);
}

void text_array(std::string_view in, char delim) {
    TextArray a;
    if (text_to_array(in, delim, a) != kOk) {
        check(a.dims.empty() && a.elements.empty(), "a failed text_to_array left output");
        return;
    }
    check(a.dims.size() <= static_cast<std::size_t>(kMaxArrayDims), "more than 6 dimensions");
    check(a.elements.size() == product(a.dims), "element count is not the product of the dimensions");
    bool nul = false;
    const auto views = text_views(a.elements, nul);
    const std::string text = array_to_text(a.dims, views, delim);
    TextArray b;
    check(text_to_array(text, delim, b) == kOk, "text_to_array refused array_to_text's output");
    check(dims_equal(b.dims, a.dims) && b.elements == a.elements, "array_to_text then text_to_array changed the array");
    Bytes out;
    array_to_bin(oid::text, a.dims, byte_views(a.elements), out);
    BinArray c;
    check(bin_to_array(out, c) == kOk, "bin_to_array refused array_to_bin's output");
    check(c.elem_oid == oid::text && dims_equal(c.dims, a.dims) && optionals_equal(c.elements, a.elements),
          "a text array through array_to_bin, bin_to_array changed");
}

void bin_record(ByteView in) {
    BinRecord r;
    if (bin_to_record(in, r) != kOk) {
        check(r.types.empty() && r.fields.empty(), "a failed bin_to_record left output");
        return;
    }
    check(r.types.size() == r.fields.size(), "record types and fields differ in number");
    Bytes out;
    record_to_bin(r.types, r.fields, out);
    check(same_bytes(out, in), "record_to_bin changed the bytes bin_to_record took");
    BinRecord b;
    check(bin_to_record(out, b) == kOk && b.types == r.types && optionals_equal(b.fields, r.fields),
          "record_to_bin then bin_to_record changed the record");
    bool nul = false;
    const auto views = text_views(r.fields, nul);
    if (!nul && !r.fields.empty()) {  // no columns prints as "()", one NULL: documented
        std::vector<std::optional<std::string>> t;
        check(text_to_record(record_to_text(views), t) == kOk && optionals_equal(t, r.fields),
              "record_to_text then text_to_record changed a binary record");
    }
    for (std::size_t i = 0; i < r.fields.size() && i < 8; ++i)
        if (r.fields[i]) (void)server_text(r.types[i], *r.fields[i]);
}

void text_record(std::string_view in) {
    std::vector<std::optional<std::string>> f{std::string("stale")};
    if (text_to_record(in, f) != kOk) {
        check(f.empty(), "a failed text_to_record left output");
        return;
    }
    check(!f.empty(), "a record text with no fields");
    bool nul = false;
    const auto views = text_views(f, nul);
    const std::string text = record_to_text(views);
    std::vector<std::optional<std::string>> g;
    check(text_to_record(text, g) == kOk && g == f, "record_to_text then text_to_record changed the record");
    Bytes out;
    record_to_bin({}, byte_views(f), out);
    BinRecord b;
    check(bin_to_record(out, b) == kOk && optionals_equal(b.fields, f), "a text record through record_to_bin changed");
    for (std::uint32_t t : b.types) check(t == 0, "record_to_bin invented a field type");
}

bool range_has_lower(std::uint8_t f) { return (f & (kRangeEmpty | kRangeLbInf)) == 0; }
bool range_has_upper(std::uint8_t f) { return (f & (kRangeEmpty | kRangeUbInf)) == 0; }

template <class B>
bool bound_equal(const std::optional<B>& a, const std::optional<std::string_view>& b) {
    return a.has_value() == b.has_value() && (!a || sv_of(*a) == *b);
}
template <class B>
std::optional<std::string_view> bound_view(const std::optional<B>& b) {
    return b ? std::optional<std::string_view>(sv_of(*b)) : std::nullopt;
}

// r as text, when its bounds hold no NUL (the text grammars stop there).
std::optional<std::string> range_text(const BinRange& r) {
    if ((r.lower && has_nul(sv(*r.lower))) || (r.upper && has_nul(sv(*r.upper)))) return std::nullopt;
    return range_to_text(r.flags, bound_view(r.lower), bound_view(r.upper));
}

void bin_range(ByteView in) {
    BinRange r;
    if (bin_to_range(in, r) != kOk) {
        check(r.flags == 0 && !r.lower && !r.upper, "a failed bin_to_range left output");
        return;
    }
    check(r.lower.has_value() == range_has_lower(r.flags) && r.upper.has_value() == range_has_upper(r.flags),
          "bin_to_range's bounds disagree with its flags");
    const bool empty = r.flags & kRangeEmpty;
    Bytes out;
    range_to_bin(r, out);
    if (empty) check(out.size() == 1 && out[0] == kRangeEmpty, "an empty range is not written as 0x01");
    else check(same_bytes(out, in), "range_to_bin changed the bytes bin_to_range took");
    BinRange b;
    check(bin_to_range(out, b) == kOk, "bin_to_range refused range_to_bin's output");
    check(empty ? b.flags == kRangeEmpty
                : b.flags == r.flags && bound_equal(b.lower, bound_view(r.lower)) &&
                      bound_equal(b.upper, bound_view(r.upper)),
          "range_to_bin then bin_to_range changed the range");
    if (const auto text = range_text(r)) {
        TextRange t;
        check(text_to_range(*text, t) == kOk, "text_to_range refused range_to_text's output");
        check(empty ? t.flags == kRangeEmpty && !t.lower && !t.upper
                    : t.flags == r.flags && bound_equal(r.lower, bound_view(t.lower)) &&
                          bound_equal(r.upper, bound_view(t.upper)),
              "range_to_text then text_to_range changed a binary range");
    }
}

void text_range(std::string_view in) {
    TextRange r;
    if (text_to_range(in, r) != kOk) {
        check(r.flags == 0 && !r.lower && !r.upper, "a failed text_to_range left output");
        return;
    }
    const bool empty = r.flags & kRangeEmpty;
    check(empty ? r.flags == kRangeEmpty && !r.lower && !r.upper
                : r.lower.has_value() == range_has_lower(r.flags) && r.upper.has_value() == range_has_upper(r.flags),
          "text_to_range's bounds disagree with its flags");
    const std::string text = range_to_text(r.flags, bound_view(r.lower), bound_view(r.upper));
    TextRange t;
    check(text_to_range(text, t) == kOk && t.flags == r.flags && t.lower == r.lower && t.upper == r.upper,
          "range_to_text then text_to_range changed the range");
    BinRange br;
    br.flags = r.flags;
    if (r.lower) br.lower = bv(*r.lower);
    if (r.upper) br.upper = bv(*r.upper);
    Bytes out;
    range_to_bin(br, out);
    BinRange b;
    check(bin_to_range(out, b) == kOk && b.flags == r.flags && bound_equal(b.lower, bound_view(r.lower)) &&
              bound_equal(b.upper, bound_view(r.upper)),
          "a text range through range_to_bin, bin_to_range changed");
}

void bin_multirange(ByteView in) {
    std::vector<ByteView> rs;
    if (bin_to_multirange(in, rs) != kOk) {
        check(rs.empty(), "a failed bin_to_multirange left output");
        return;
    }
    Bytes out;
    multirange_to_bin(rs, out);
    check(same_bytes(out, in), "multirange_to_bin changed the bytes bin_to_multirange took");
    std::vector<ByteView> again;
    check(bin_to_multirange(out, again) == kOk && again.size() == rs.size(),
          "multirange_to_bin then bin_to_multirange changed");
    for (std::size_t i = 0; i < rs.size(); ++i) check(same_bytes(again[i], rs[i]), "a multirange's range changed");
    // Its ranges as text, when each is a range.
    std::vector<std::string> texts;
    for (ByteView b : rs) {
        BinRange r;
        if (bin_to_range(b, r) != kOk) return;
        auto t = range_text(r);
        if (!t) return;
        texts.push_back(std::move(*t));
    }
    const std::vector<std::string_view> views(texts.begin(), texts.end());
    std::vector<std::string> back;
    check(text_to_multirange(multirange_to_text(views), back) == kOk && back == texts,
          "multirange_to_text then text_to_multirange changed a binary multirange");
}

void text_multirange(std::string_view in) {
    std::vector<std::string> rs{"stale"};
    if (text_to_multirange(in, rs) != kOk) {
        check(rs.empty(), "a failed text_to_multirange left output");
        return;
    }
    std::vector<Bytes> bins;
    for (const std::string& r : rs) {
        TextRange t;
        check(text_to_range(r, t) == kOk, "text_to_multirange returned a range text_to_range refuses");
        BinRange br;
        br.flags = t.flags;
        if (t.lower) br.lower = bv(*t.lower);
        if (t.upper) br.upper = bv(*t.upper);
        bins.emplace_back();
        range_to_bin(br, bins.back());
    }
    const std::vector<std::string_view> views(rs.begin(), rs.end());
    std::vector<std::string> back;
    check(text_to_multirange(multirange_to_text(views), back) == kOk && back == rs,
          "multirange_to_text then text_to_multirange changed the multirange");
    const std::vector<ByteView> bviews(bins.begin(), bins.end());
    Bytes out;
    multirange_to_bin(bviews, out);
    std::vector<ByteView> b;
    check(bin_to_multirange(out, b) == kOk && b.size() == bins.size(),
          "a text multirange through multirange_to_bin changed");
    for (std::size_t i = 0; i < b.size(); ++i)
        check(same_bytes(b[i], bins[i]), "a text multirange's range changed in binary");
}

using HsViews = std::vector<std::pair<std::string_view, std::optional<std::string_view>>>;
using HsStrings = std::vector<std::pair<std::string, std::optional<std::string>>>;

template <class H>
HsViews hs_views(const H& h, bool& nul) {
    HsViews out;
    out.reserve(h.size());
    nul = false;
    for (const auto& [k, v] : h) {
        out.emplace_back(k, v ? std::optional<std::string_view>(*v) : std::nullopt);
        nul = nul || has_nul(k) || (v && has_nul(*v));
    }
    return out;
}

template <class A, class B>
bool hs_equal(const A& a, const B& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::string_view(a[i].first) != std::string_view(b[i].first)) return false;
        if (a[i].second.has_value() != b[i].second.has_value()) return false;
        if (a[i].second && std::string_view(*a[i].second) != std::string_view(*b[i].second)) return false;
    }
    return true;
}

void bin_hstore(ByteView in) {
    HsViews h;
    if (bin_to_hstore(in, h) != kOk) {
        check(h.empty(), "a failed bin_to_hstore left output");
        return;
    }
    Bytes out;
    hstore_to_bin(h, out);
    check(same_bytes(out, in), "hstore_to_bin changed the bytes bin_to_hstore took");
    HsViews again;
    check(bin_to_hstore(out, again) == kOk && hs_equal(again, h), "hstore_to_bin then bin_to_hstore changed");
    bool nul = false;
    (void)hs_views(h, nul);
    if (!nul) {
        HsStrings t;
        check(text_to_hstore(hstore_to_text(h), t) == kOk && hs_equal(t, h),
              "hstore_to_text then text_to_hstore changed a binary hstore");
    }
}

void text_hstore(std::string_view in) {
    HsStrings h{{"stale", std::nullopt}};
    if (text_to_hstore(in, h) != kOk) {
        check(h.empty(), "a failed text_to_hstore left output");
        return;
    }
    bool nul = false;
    const HsViews views = hs_views(h, nul);
    check(!nul, "text_to_hstore returned a NUL");
    HsStrings t;
    check(text_to_hstore(hstore_to_text(views), t) == kOk && t == h,
          "hstore_to_text then text_to_hstore changed the hstore");
    Bytes out;
    hstore_to_bin(views, out);
    HsViews b;
    check(bin_to_hstore(out, b) == kOk && hs_equal(b, h), "a text hstore through hstore_to_bin changed");
}

// ---- dispatch -----------------------------------------------------------------------------

enum Dec : std::uint8_t {
    bin_bool_,
    bin_int2_,
    bin_int4_,
    bin_int8_,
    bin_oid_,
    bin_float4_,
    bin_float8_,
    bin_numeric_,
    bin_uuid_,
    bin_jsonb_,
    bin_inet_,
    bin_macaddr_,
    bin_macaddr8_,
    bin_bits_,
    bin_money_,
    bin_date_,
    bin_time_,
    bin_timetz_,
    bin_timestamp_,
    bin_timestamptz_,
    bin_interval_,
    text_bool_,
    text_bytea_,
    text_uuid_,
    text_inet_,
    text_cidr_,
    text_macaddr_,
    text_macaddr8_,
    text_bits_,
    text_money_,
    text_numeric_,
    text_date_,
    text_time_,
    text_timetz_,
    text_timestamp_,
    text_timestamptz_,
    text_interval_,
    bin_array_,
    bin_record_,
    bin_range_,
    bin_multirange_,
    bin_hstore_,
    text_array_comma_,
    text_array_semicolon_,
    text_record_,
    text_range_,
    text_multirange_,
    text_hstore_,
    calendar_,
    kDecoders
};
constexpr std::size_t kSelectors = kDecoders + std::size(kTextOids);

void run(std::size_t sel, ByteView in) {
    const std::string_view s = sv(in);
    InetValue cidr;
    cidr.cidr = true;
    switch (sel) {
    case bin_bool_: return run_bin(kBool, in);
    case bin_int2_: return run_bin(kInt2, in);
    case bin_int4_: return run_bin(kInt4, in);
    case bin_int8_: return run_bin(kInt8, in);
    case bin_oid_: return run_bin(kOid, in);
    case bin_float4_: return run_bin(kFloat4, in);
    case bin_float8_: return run_bin(kFloat8, in);
    case bin_numeric_: return bin_numeric(in);
    case bin_uuid_: return run_bin(kUuid, in);
    case bin_jsonb_: return bin_jsonb(in);
    case bin_inet_: return run_bin(kInet, in);
    case bin_macaddr_: return run_bin(kMacAddr, in);
    case bin_macaddr8_: return run_bin(kMacAddr8, in);
    case bin_bits_: return run_bin(kBits, in);
    case bin_money_: return run_bin(kMoney, in);
    case bin_date_: return run_bin(kDate, in);
    case bin_time_: return run_bin(kTime, in);
    case bin_timetz_: return run_bin(kTimeTz, in);
    case bin_timestamp_: return run_bin(kTimestamp, in);
    case bin_timestamptz_: return run_bin(kTimestampTz, in);
    case bin_interval_: return run_bin(kInterval, in);
    case text_bool_: return run_text(kBool, s, false);
    case text_bytea_: return text_bytea(s);
    case text_uuid_: return run_text(kUuid, s, UuidBytes{});
    case text_inet_: return run_text(kInet, s, InetValue{});
    case text_cidr_: return run_text(kInet, s, cidr);
    case text_macaddr_: return run_text(kMacAddr, s, MacAddrBytes{});
    case text_macaddr8_: return run_text(kMacAddr8, s, MacAddr8Bytes{});
    case text_bits_: return run_text(kBits, s, std::string());
    case text_money_: return run_text(kMoney, s, std::int64_t{0});
    case text_numeric_: return text_numeric(s);
    case text_date_: return run_text(kDate, s, std::int32_t{0});
    case text_time_: return run_text(kTime, s, std::int64_t{0});
    case text_timetz_: return run_text(kTimeTz, s, TimeTzValue{});
    case text_timestamp_: return run_text(kTimestamp, s, std::int64_t{0});
    case text_timestamptz_: return run_text(kTimestampTz, s, std::int64_t{0});
    case text_interval_: return run_text(kInterval, s, IntervalValue{});
    case bin_array_: return bin_array(in);
    case bin_record_: return bin_record(in);
    case bin_range_: return bin_range(in);
    case bin_multirange_: return bin_multirange(in);
    case bin_hstore_: return bin_hstore(in);
    case text_array_comma_: return text_array(s, ',');
    case text_array_semicolon_: return text_array(s, ';');
    case text_record_: return text_record(s);
    case text_range_: return text_range(s);
    case text_multirange_: return text_multirange(s);
    case text_hstore_: return text_hstore(s);
    case calendar_: return calendar(in);
    default: return run_binary_to_text(kTextOids[sel - kDecoders], in);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    run(data[0] % kSelectors, ByteView(data + 1, size - 1));
    return 0;
}

namespace {

template <class F>
std::string bin_of(F encode) {
    Bytes b;
    encode(b);
    return std::string(sv(b));
}

std::size_t text_oid_selector(std::uint32_t type) {
    for (std::size_t i = 0; i < std::size(kTextOids); ++i)
        if (kTextOids[i] == type) return kDecoders + i;
    return 0;
}

void write_seeds(const std::string& dir) {
    std::filesystem::create_directories(dir);
    std::vector<std::pair<std::size_t, std::string>> seeds;
    auto add = [&](std::size_t sel, std::string payload) { seeds.emplace_back(sel, std::move(payload)); };
    auto num = [](std::string_view t) { return bin_of([&](Bytes& b) { (void)numeric_to_bin(t, b); }); };
    auto uuid = [](std::string_view t) {
        UuidBytes v{};
        check(text_to_uuid(t, v) == kOk, "a seed's uuid text does not parse");
        return v;
    };
    auto inet = [](std::string_view t, bool cidr) {
        InetValue v;
        check(text_to_inet(t, cidr, v) == kOk, "a seed's inet text does not parse");
        return v;
    };

    add(bin_bool_, std::string(1, '\1'));
    add(bin_int2_, bin_of([](Bytes& b) { int2_to_bin(-2, b); }));
    add(bin_int4_, bin_of([](Bytes& b) { int4_to_bin(123456, b); }));
    add(bin_int8_, bin_of([](Bytes& b) { int8_to_bin(std::numeric_limits<std::int64_t>::min(), b); }));
    add(bin_oid_, bin_of([](Bytes& b) { oid_to_bin(4294967295u, b); }));
    add(bin_float4_, bin_of([](Bytes& b) { float4_to_bin(1.5e-40f, b); }));
    add(bin_float8_, bin_of([](Bytes& b) { float8_to_bin(-0.0, b); }));
    add(bin_float8_, bin_of([](Bytes& b) { float8_to_bin(std::numeric_limits<double>::quiet_NaN(), b); }));
    for (std::string_view t : {"123.4500", "-0.0001", "NaN", "-Infinity", "1e100", "0.000", "99999999.99999999"})
        add(bin_numeric_, num(t));
    add(bin_numeric_, std::string("\0\1\0\0\0\0\0\2\0\x0c", 10));  // weight 0, dscale 2, one digit 12
    add(bin_uuid_, bin_of([&](Bytes& b) { uuid_to_bin(uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), b); }));
    add(bin_jsonb_, "\1{\"a\": 1}");
    for (const auto& tc : {std::pair{"192.168.1.5/24", false},
                           {"10.0.0.0/8", true},
                           {"::ffff:1.2.3.4", false},
                           {"2001:db8::/32", true},
                           {"fe80::1:0:0:1/64", false}})
        add(bin_inet_, bin_of([&](Bytes& b) { inet_to_bin(inet(tc.first, tc.second), b); }));
    add(bin_macaddr_, std::string("\x08\x00\x2b\x01\x02\x03", 6));
    add(bin_macaddr8_, std::string("\x08\x00\x2b\xff\xfe\x01\x02\x03", 8));
    add(bin_bits_, bin_of([](Bytes& b) { (void)bits_to_bin("1011001", b); }));
    add(bin_money_, bin_of([](Bytes& b) { money_to_bin(-123456, b); }));
    for (std::int32_t d : {0, kDateMin, kDateEnd - 1, std::numeric_limits<std::int32_t>::max()})
        add(bin_date_, bin_of([&](Bytes& b) { date_to_bin(d, b); }));
    for (std::int64_t t : {std::int64_t{0}, std::int64_t{45296789012}, kUsecsPerDay})
        add(bin_time_, bin_of([&](Bytes& b) { time_to_bin(t, b); }));
    add(bin_timetz_, bin_of([](Bytes& b) { timetz_to_bin(TimeTzValue{3723000000, -57599}, b); }));
    for (std::int64_t t :
         {std::int64_t{0}, kTimestampMin, kTimestampEnd - 1, std::numeric_limits<std::int64_t>::min()}) {
        add(bin_timestamp_, bin_of([&](Bytes& b) { timestamp_to_bin(t, b); }));
        add(bin_timestamptz_, bin_of([&](Bytes& b) { timestamptz_to_bin(t, b); }));
    }
    // IntervalValue{micros, days, months}
    add(bin_interval_, bin_of([](Bytes& b) { interval_to_bin(IntervalValue{14706789000, -3, 14}, b); }));
    add(bin_interval_, bin_of([](Bytes& b) {
            interval_to_bin(
                IntervalValue{std::numeric_limits<std::int64_t>::min(), 0, std::numeric_limits<std::int32_t>::min()},
                b);
        }));

    for (std::string_view t : {"t", "f"}) add(text_bool_, std::string(t));
    for (std::string_view t : {"\\x00ff10", "ab\\\\c\\001\\377", "\\x 0a 1B"}) add(text_bytea_, std::string(t));
    for (std::string_view t : {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{A0EEBC999C0B4EF8BB6D6BB9BD380A11}"})
        add(text_uuid_, std::string(t));
    for (std::string_view t : {"192.168.1.5/24", "::ffff:1.2.3.4", "2001:db8::1", "10.1.2.3/032"})
        add(text_inet_, std::string(t));
    for (std::string_view t : {"10.0.0.0/8", "2001:db8::/32", "192.168.0.0/16"}) add(text_cidr_, std::string(t));
    for (std::string_view t : {"08:00:2b:01:02:03", "0800.2b01.0203", "08-00-2b-01-02-03"})
        add(text_macaddr_, std::string(t));
    for (std::string_view t : {"08:00:2b:01:02:03:04:05", "0800.2b01.0203.0405", "08002b010203"})
        add(text_macaddr8_, std::string(t));
    add(text_bits_, "10110");
    for (std::string_view t : {"$1,234.56", "-$1,234.56", "($1.00)", "-$92,233,720,368,547,758.08"})
        add(text_money_, std::string(t));
    for (std::string_view t : {"123.4500", " -1.5e-3 ", "NaN", "-inf", "1e131071", "0.00", ".5", "5.", "1e-16383"})
        add(text_numeric_, std::string(t));
    for (std::string_view t : {"2024-01-31", "4714-11-24 BC", "5874897-12-31", "infinity", "2024-02-30"})
        add(text_date_, std::string(t));
    for (std::string_view t : {"12:34:56.789", "24:00:00", "23:59:60.5", "00:00:00.0000005"})
        add(text_time_, std::string(t));
    for (std::string_view t : {"12:34:56+05:30", "00:00:00+05:53:28", "23:59:59.999999-15:59:59"})
        add(text_timetz_, std::string(t));
    for (std::string_view t : {"2024-01-31 12:34:56.123456", "4714-11-24 00:00:00 BC", "294276-12-31 23:59:59.999999",
                               "-infinity", "2000-01-01T00:00:00"})
        add(text_timestamp_, std::string(t));
    for (std::string_view t : {"2024-01-31 12:34:56.5+00", "2024-01-31 12:34:56-08", "294276-12-31 23:59:59.999999+00",
                               "4714-11-24 00:00:00+01 BC"})
        add(text_timestamptz_, std::string(t));
    for (std::string_view t : {"1 year 2 mons -3 days +04:05:06.789", "-2562047788:00:54.775808", "P1Y2M-3DT4H5M6.789S",
                               "-178956970 years -8 mons", "00:00:00"})
        add(text_interval_, std::string(t));

    // Containers.
    const std::string one = bin_of([](Bytes& b) { int4_to_bin(1, b); });
    const std::optional<ByteView> elems[] = {bv(one), std::nullopt, bv(one), bv(one)};
    const ArrayDim dims2[] = {{2, 1}, {2, -3}};
    const std::string int4_array = bin_of([&](Bytes& b) { array_to_bin(23, dims2, elems, b); });
    add(bin_array_, int4_array);
    add(bin_array_, bin_of([&](Bytes& b) { array_to_bin(25, {}, std::span(elems, 3), b); }));
    add(bin_array_, bin_of([&](Bytes& b) { array_to_bin(23, {}, {}, b); }));
    const std::uint32_t types[] = {23, 25, 1700};
    add(bin_record_, bin_of([&](Bytes& b) { record_to_bin(types, std::span(elems, 3), b); }));
    add(bin_range_, bin_of([&](Bytes& b) { range_to_bin(BinRange{kRangeLbInc, bv(one), bv(one)}, b); }));
    add(bin_range_, bin_of([&](Bytes& b) { range_to_bin(BinRange{kRangeLbInc, std::nullopt, bv(one)}, b); }));
    add(bin_range_, std::string(1, '\1'));
    const std::string r1 = bin_of([&](Bytes& b) { range_to_bin(BinRange{kRangeLbInc, bv(one), std::nullopt}, b); });
    const ByteView ranges[] = {bv(r1), bv("\1")};
    add(bin_multirange_, bin_of([&](Bytes& b) { multirange_to_bin(ranges, b); }));
    const std::pair<std::string_view, std::optional<std::string_view>> pairs[] = {
        {"a", "1"}, {"b", std::nullopt}, {"", ""}};
    add(bin_hstore_, bin_of([&](Bytes& b) { hstore_to_bin(pairs, b); }));
    for (std::string_view t : {"{1,2,NULL}", "{{1,2},{3,4}}", "[0:1]={a,b}", "{}", "{\"a b\",\"\\\"\",\"NULL\", c }",
                               "[-2147483648:-2147483647][1:1]={{x},{y}}", "{{{{{{1}}}}}}"})
        add(text_array_comma_, std::string(t));
    add(text_array_semicolon_, "{(1,2),(3,4);(5,6),(7,8)}");
    for (std::string_view t : {"(1,abc,)", "()", "(\"a \"\"b\"\" \\\\c\",\"\")", " ( x , y ) "})
        add(text_record_, std::string(t));
    for (std::string_view t : {"empty", "[1,5)", "(,10]", "[\"a b\",)", "[,]", " ( \"\" , \"\\\"\" ] "})
        add(text_range_, std::string(t));
    for (std::string_view t : {"{}", "{[1,3),[5,7)}", "{ empty , (,\"}\"] }", "{[\"a\"\"b\",c\\]]}"})
        add(text_multirange_, std::string(t));
    for (std::string_view t : {"\"a\"=>\"1\", \"b\"=>NULL", "a=>b,c=>\"NULL\"", "", "\\=x=>y\\,z"})
        add(text_hstore_, std::string(t));

    add(calendar_, std::string("\x7f\xff\xff\xfe\x02\x1d\x7f\xf2\xdf\x6c\xbb\xfd\x80\x00", 14));
    add(calendar_, std::string("\xff\xda\x97\x27\x0b\x18\x00\x00\x00\x00\x00\x00\x00\x00", 14));
    for (std::uint32_t type : kTextOids) add(text_oid_selector(type), one);
    add(text_oid_selector(oid::int4_array), int4_array);
    const std::optional<ByteView> texts[] = {bv("a b"), std::nullopt, bv("{\"x\"}"), bv("")};
    add(text_oid_selector(oid::text_array), bin_of([&](Bytes& b) { array_to_bin(25, dims2, texts, b); }));
    const std::optional<ByteView> nulls[] = {std::nullopt, std::nullopt};
    add(text_oid_selector(oid::box_array), bin_of([&](Bytes& b) { array_to_bin(603, {}, nulls, b); }));
    // Records and arrays nested 28 deep around one '"': each level's quoting doubles the quotes
    // (or backslashes) of the one inside, so a few hundred bytes must not cost gigabytes.
    auto wrap_record = [](std::uint32_t type, std::string_view inner) {
        const std::uint32_t types[] = {type};
        const std::optional<ByteView> fields[] = {bv(inner)};
        return bin_of([&](Bytes& b) { record_to_bin(types, fields, b); });
    };
    auto wrap_array = [](std::uint32_t type, std::string_view inner) {
        const std::optional<ByteView> elements[] = {bv(inner)};
        return bin_of([&](Bytes& b) { array_to_bin(type, {}, elements, b); });
    };
    std::string record = wrap_record(oid::text, "\""), array = wrap_array(oid::text, "\"");
    for (int depth = 0; depth < 28; ++depth) {
        record = wrap_record(oid::record, record);
        array = wrap_array(oid::text_array, array);
    }
    add(text_oid_selector(oid::record), record);
    add(text_oid_selector(oid::text_array), array);
    add(text_oid_selector(oid::xid8), bin_of([](Bytes& b) { int8_to_bin(-1, b); }));
    add(text_oid_selector(oid::cidr), bin_of([&](Bytes& b) { inet_to_bin(inet("10.0.0.0/8", true), b); }));
    add(text_oid_selector(oid::varbit), bin_of([](Bytes& b) { (void)bits_to_bin("1", b); }));

    int i = 0;
    for (const auto& [sel, payload] : seeds)
        std::ofstream(dir + "/seed-" + std::to_string(i++), std::ios::binary) << static_cast<char>(sel) << payload;
}

}  // namespace

UVPG_FUZZ_SEEDS_FROM(write_seeds)
