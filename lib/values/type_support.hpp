// What lib/ knows about types beyond the codecs: which built-in types it reads in binary,
// which are text in both formats, and the server's text form of a binary value.
#pragma once
#include <uvpg/params.hpp>

#include "lib/values/type_registry.hpp"
#include "proto/buffer.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace uvpg::detail {

// Types whose binary form is their text (text, varchar, bpchar, name, "char", json, xml, unknown).
bool is_text_type(std::uint32_t oid) noexcept;
// uvpg asks the server for this type in binary (it has a codec for it).
bool reads_binary(std::uint32_t oid) noexcept;
bool reads_binary(std::uint32_t oid, const TypeRegistry* types) noexcept;
// The built-in type whose codec reads a registered type: a domain's base, text for an enum,
// record for a composite; any other OID as it is.
std::uint32_t decode_type(std::uint32_t oid, const TypeRegistry* types) noexcept;
// The name error messages use: the built-in name, the registered name, or "oid N".
std::string type_name(std::uint32_t oid, const TypeRegistry* types);
// A binary value as the server's output function prints it (timestamptz in UTC). Throws
// DataError for a malformed value or a type without a binary codec.
std::string binary_to_text(std::uint32_t oid, proto::ByteView bytes, const TypeRegistry* types = nullptr);
// The text of any field: the bytes of a text field, binary_to_text of a binary one; DataError
// names the column.
std::string format_value_text(const Value& v);
// numeric_in's accepted spellings: [+-]digits[.digits][e[+-]digits], NaN, [+-]Infinity.
bool is_decimal(std::string_view s) noexcept;
// An element Param's binary bytes in the container's element type: as they are, or an integer
// re-encoded at the container's width (a Range<short>'s int2 bounds in an int4range).
// DataError when the types differ otherwise.
std::string param_bytes_as(const Param& p, std::uint32_t type);
// The element type of a built-in array type (int4 for int4[], record for record[]), else 0.
std::uint32_t array_element_type(std::uint32_t oid, const TypeRegistry* types = nullptr) noexcept;
// A value shown in a message: quoted, cut short.
std::string shown_text(std::string_view s);
// Shortest text that reads back exactly, with PostgreSQL's NaN/Infinity spellings.
std::string format_double(double v);
std::string format_float(float v);

}  // namespace uvpg::detail
