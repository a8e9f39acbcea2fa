// Value codecs: PostgreSQL's binary and text wire forms of each type, to C++ values and back.
// Pure functions over bytes (proto/ is sans-I/O); errors come back as a CodecErrc, and lib/
// turns them into DataError naming the column and the types.
#pragma once
#include "proto/buffer.hpp"

namespace uvpg::proto {

enum class CodecErrc {
    ok = 0,
    bad_length,           // a fixed-size type with the wrong number of bytes
    truncated,            // a length or count runs past the end of the value
    trailing_bytes,       // bytes left over after the value
    bad_value,            // bytes of the right size that no value of the type has
    out_of_range,         // a value outside the type's (or the C++ type's) range
    bad_text,             // a text form the parser does not accept
    bad_header,           // an array/record/range header that is not valid (negative count or dimension)
    too_many_dimensions,  // more than PostgreSQL's 6 array dimensions
    bad_digit_count,      // numeric: ndigits/weight/dscale inconsistent, or a digit >= 10000
    bad_sign,             // numeric: a sign word that is none of +, -, NaN, ±Infinity
    unknown_version,      // jsonb: a format version other than 1
};
const char* describe(CodecErrc e);

}  // namespace uvpg::proto
