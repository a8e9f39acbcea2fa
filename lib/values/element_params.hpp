// The elements of array and range parameters (lib/values/array.cpp, range.cpp), built from
// element Params (lib/values/param.cpp).
#pragma once
#include <uvpg/params.hpp>

#include <cstdint>
#include <string>

namespace uvpg::detail {

// An element Param's binary bytes in the container's element type: as they are, or an integer
// re-encoded at the container's width (a Range<short>'s int2 bounds in an int4range).
// DataError when the types differ otherwise.
std::string param_bytes_as(const Param& p, std::uint32_t type);

}  // namespace uvpg::detail
