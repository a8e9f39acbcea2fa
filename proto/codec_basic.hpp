// Codecs for PostgreSQL's scalar types: the binary send/recv forms (big-endian) and the text forms
// the server's output functions print under default settings. Pure functions over bytes; each
// runs once per field, so the success path decodes into caller-owned storage or views.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proto/codec.hpp"
#include "proto/values.hpp"

namespace uvpg::proto {

// ---- binary -> C++ ---------------------------------------------------------------------------
// Fixed-size types take exactly their size (else bad_length).
CodecErrc bin_to_bool(ByteView in, bool& out);  // 1 byte, 0 or 1
CodecErrc bin_to_int2(ByteView in, std::int16_t& out);
CodecErrc bin_to_int4(ByteView in, std::int32_t& out);
CodecErrc bin_to_int8(ByteView in, std::int64_t& out);
CodecErrc bin_to_oid(ByteView in, std::uint32_t& out);  // oid, xid, cid, regclass...
CodecErrc bin_to_float4(ByteView in, float& out);       // bit-exact: NaN, ±Infinity, -0
CodecErrc bin_to_float8(ByteView in, double& out);
// numeric_send's form to exactly what numeric_out prints for the value numeric_recv makes of it.
CodecErrc bin_to_numeric(ByteView in, std::string& text);
CodecErrc bin_to_uuid(ByteView in, UuidBytes& out);
// The view points into `in` and lives as long as it does.
CodecErrc bin_to_jsonb(ByteView in, std::string_view& text);
// inet and cidr: out.cidr comes from the value's own flag; a cidr with host bits set is bad_value.
CodecErrc bin_to_inet(ByteView in, InetValue& out);
CodecErrc bin_to_macaddr(ByteView in, MacAddrBytes& out);
CodecErrc bin_to_macaddr8(ByteView in, MacAddr8Bytes& out);
// bit and varbit: '0'/'1' per bit; padding bits after the last one are ignored, as bit_recv does.
CodecErrc bin_to_bits(ByteView in, std::string& digits);
CodecErrc bin_to_money(ByteView in, std::int64_t& minor_units);

// ---- C++ -> binary (appended to out) ---------------------------------------------------------
void bool_to_bin(bool v, Bytes& out);
void int2_to_bin(std::int16_t v, Bytes& out);
void int4_to_bin(std::int32_t v, Bytes& out);
void int8_to_bin(std::int64_t v, Bytes& out);
void oid_to_bin(std::uint32_t v, Bytes& out);
void float4_to_bin(float v, Bytes& out);
void float8_to_bin(double v, Bytes& out);
// Accepts numeric_in's decimal forms ([+-]digits[.digits][e[+-]digits], NaN, [+-]Infinity/inf,
// surrounding whitespace), exactly. bad_text on other text, out_of_range when the weight or the
// scale does not fit PostgreSQL's format. Nothing is appended on error.
CodecErrc numeric_to_bin(std::string_view decimal_text, Bytes& out);
void uuid_to_bin(const UuidBytes& v, Bytes& out);
void jsonb_to_bin(std::string_view text, Bytes& out);
void inet_to_bin(const InetValue& v, Bytes& out);
void macaddr_to_bin(const MacAddrBytes& v, Bytes& out);
void macaddr8_to_bin(const MacAddr8Bytes& v, Bytes& out);
CodecErrc bits_to_bin(std::string_view digits, Bytes& out);  // only '0'/'1', else bad_text
void money_to_bin(std::int64_t minor_units, Bytes& out);

// ---- text -> C++ (the server's output forms: simple-query results are always text) -----------
CodecErrc text_to_bool(std::string_view in, bool& out);  // "t" / "f"
// Hex ("\x0a1b") and escape ("a\\b\001") formats; out is replaced.
CodecErrc text_to_bytea(std::string_view in, std::vector<std::uint8_t>& out);
CodecErrc text_to_uuid(std::string_view in, UuidBytes& out);  // as uuid_in: braces, hyphens optional
// Full dotted-quad IPv4 or RFC 4291 IPv6, optional /prefix (default 32/128). cidr: host bits
// set -> bad_value. The abbreviated IPv4 forms cidr_in also takes ("10/8") are not accepted.
CodecErrc text_to_inet(std::string_view in, bool cidr, InetValue& out);
CodecErrc text_to_macaddr(std::string_view in, MacAddrBytes& out);    // macaddr_in's seven layouts
CodecErrc text_to_macaddr8(std::string_view in, MacAddr8Bytes& out);  // 8 bytes, or 6 (ff:fe inserted)
CodecErrc text_to_bits(std::string_view in, std::string& digits);
// cash_out under lc_monetary C/en_US ("$1,234.56", "-$1,234.56", "($1.00)"): the digits taken
// together are the minor units, whatever the number of fraction digits.
CodecErrc text_to_money(std::string_view in, std::int64_t& minor_units);

// ---- C++ -> text ------------------------------------------------------------------------------
std::string uuid_to_text(const UuidBytes& v);        // lowercase 8-4-4-4-12
std::string inet_to_text(const InetValue& v);        // as inet_out / cidr_out (v.cidr)
std::string macaddr_to_text(const MacAddrBytes& v);  // 08:00:2b:01:02:03
std::string macaddr8_to_text(const MacAddr8Bytes& v);

}  // namespace uvpg::proto
