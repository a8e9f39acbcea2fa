#include "proto/codec.hpp"

namespace uvpg::proto {

const char* describe(CodecErrc e) {
    switch (e) {
    case CodecErrc::ok: return "no error";
    case CodecErrc::bad_length: return "wrong number of bytes for the type";
    case CodecErrc::truncated: return "value truncated: a length or count runs past its end";
    case CodecErrc::trailing_bytes: return "bytes left over after the value";
    case CodecErrc::bad_value: return "invalid value";
    case CodecErrc::out_of_range: return "value out of range";
    case CodecErrc::bad_text: return "invalid text form";
    case CodecErrc::bad_header: return "invalid header (negative count, length or dimension)";
    case CodecErrc::too_many_dimensions: return "more than 6 array dimensions";
    case CodecErrc::bad_digit_count: return "invalid numeric digits (count, weight, scale or a digit over 9999)";
    case CodecErrc::bad_sign: return "invalid numeric sign";
    case CodecErrc::unknown_version: return "unknown jsonb format version";
    }
    return "unknown codec error";
}

}  // namespace uvpg::proto
