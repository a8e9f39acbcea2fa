// What lib/ knows of a type by its OID beyond the codecs: which types it reads in binary, which
// are text in both formats, which codec reads a registered type, and a type's name in messages.
#pragma once
#include "lib/values/type_registry.hpp"

#include <cstdint>
#include <string>

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
// The element type of a built-in array type (int4 for int4[], record for record[]), else 0.
std::uint32_t array_element_type(std::uint32_t oid, const TypeRegistry* types = nullptr) noexcept;

}  // namespace uvpg::detail
