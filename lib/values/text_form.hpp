// The server's text form of values: a binary field as its output function prints it, the text
// of any field, floats at their shortest exact text, numeric's spellings, and a value shown in a
// message.
#pragma once
#include <uvpg/value.hpp>

#include "lib/values/type_registry.hpp"
#include "proto/buffer.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace uvpg::detail {

// A binary value as the server's output function prints it (timestamptz in UTC). Throws
// DataError for a malformed value or a type without a binary codec.
std::string binary_to_text(std::uint32_t oid, proto::ByteView bytes, const TypeRegistry* types = nullptr);
// The text of any field: the bytes of a text field, binary_to_text of a binary one; DataError
// names the column.
std::string format_value_text(const Value& v);
// numeric_in's accepted spellings: [+-]digits[.digits][e[+-]digits], NaN, [+-]Infinity.
bool is_decimal(std::string_view s) noexcept;
// A value shown in a message: quoted, cut short.
std::string shown_text(std::string_view s);
// Shortest text that reads back exactly, with PostgreSQL's NaN/Infinity spellings.
std::string format_double(double v);
std::string format_float(float v);

}  // namespace uvpg::detail
