// Container codecs: arrays, composites/records, ranges, multiranges and hstore, binary and text.
// They are element-type agnostic: decoding splits a container into element byte views (binary)
// or unquoted element strings (text); encoding builds a container from elements the caller has
// already encoded. lib/ runs the scalar codecs over the elements. Pure functions (proto/ is
// sans-I/O); every count and length is checked against the input before anything is allocated.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/buffer.hpp"
#include "proto/codec.hpp"

namespace uvpg::proto {

// ---- arrays ----------------------------------------------------------------------------------

inline constexpr int kMaxArrayDims = 6;  // PostgreSQL's MAXDIM

struct ArrayDim {
    std::int32_t size = 0;
    std::int32_t lower_bound = 1;
};

// Binary array (array_send): int32 ndim, int32 has_null flag (0/1), uint32 elem oid,
// ndim x (int32 size, int32 lbound), then per element int32 len (-1 NULL) + bytes.
struct BinArray {
    std::uint32_t elem_oid = 0;
    std::vector<ArrayDim> dims;                     // empty for an empty array (ndim 0)
    std::vector<std::optional<ByteView>> elements;  // row-major, product of sizes; views into the input
};
// Element views point into `in` and live as long as it does. Errors: truncated (header, dims or
// an element run past the end; a size product that the remaining bytes cannot hold),
// bad_header (ndim < 0, flag not 0/1, size < 0, element length < -1), too_many_dimensions
// (ndim > 6), out_of_range (lbound + size past INT32_MAX, as ArrayCheckBounds), trailing_bytes.
CodecErrc bin_to_array(ByteView in, BinArray& out);
// Builds array_recv's input from elements already encoded in binary. dims must describe exactly
// elements.size() elements (no dims, or a zero size, for none); dims that do not (or more than
// 6, or a negative size) are replaced by one dimension [1:n], so the output stays well formed.
void array_to_bin(std::uint32_t elem_oid, std::span<const ArrayDim> dims,
                  std::span<const std::optional<ByteView>> elements, Bytes& out);

// Text array (array_out / array_in): "{1,2,NULL}", "{{1,2},{3,4}}", "[0:1]={a,b}", "{}".
// delim is the element type's typdelim: ',' for everything built in except box (';').
struct TextArray {
    std::vector<ArrayDim> dims;                        // empty for an empty array
    std::vector<std::optional<std::string>> elements;  // unquoted, unescaped; row-major
};
// Accepts what array_in accepts. Errors: bad_text (unbalanced braces, ragged sub-arrays, bad
// quoting, explicit dimensions that do not match the contents, junk after the closing brace),
// too_many_dimensions (more than 6), out_of_range (an explicit bound outside int32).
CodecErrc text_to_array(std::string_view in, char delim, TextArray& out);
// array_in-compatible text: quotes an element when needed (empty, the word NULL in any case,
// whitespace, delimiter, braces, quotes, backslash) and writes a "[lb:ub]...=" prefix when any
// lower bound is not 1. nullopt elements are written as NULL; dims as for array_to_bin.
std::string array_to_text(std::span<const ArrayDim> dims, std::span<const std::optional<std::string_view>> elements,
                          char delim);

// ---- records (composite types, anonymous records) --------------------------------------------

// Binary record (record_send): int32 nfields, per field uint32 type oid, int32 len (-1 NULL), bytes.
struct BinRecord {
    std::vector<std::uint32_t> types;
    std::vector<std::optional<ByteView>> fields;  // views into the input
};
CodecErrc bin_to_record(ByteView in, BinRecord& out);
// types and fields must have the same length; a missing type is written as oid 0.
void record_to_bin(std::span<const std::uint32_t> types, std::span<const std::optional<ByteView>> fields, Bytes& out);

// Text record (record_out): "(1,abc,)": an empty unquoted field is NULL, "" is the empty string,
// quotes are doubled or backslash-escaped. "()" is one NULL field: record_out writes a
// zero-column composite the same way, and only the caller knows the column count.
CodecErrc text_to_record(std::string_view in, std::vector<std::optional<std::string>>& fields);
std::string record_to_text(std::span<const std::optional<std::string_view>> fields);

// ---- ranges ----------------------------------------------------------------------------------

inline constexpr std::uint8_t kRangeEmpty = 0x01, kRangeLbInc = 0x02, kRangeUbInc = 0x04, kRangeLbInf = 0x08,
                              kRangeUbInf = 0x10;

// Binary range (range_send): uint8 flags, then for each present bound int32 len + bytes. A bound
// is present unless the range is empty or that bound is infinite.
struct BinRange {
    std::uint8_t flags = 0;
    std::optional<ByteView> lower, upper;  // views into the input; nullopt when not present
};
// Errors: truncated, bad_header (flags 0x20/0x40/0x80, which range_send never writes, or a
// negative bound length), trailing_bytes.
CodecErrc bin_to_range(ByteView in, BinRange& out);
// An empty range is written as the single flag byte 0x01. A bound that flags call present but
// r leaves nullopt is written as infinite.
void range_to_bin(const BinRange& r, Bytes& out);

// Text range: "empty", "[1,5)", "(,10]", "[\"a b\",)" (range_in / range_out rules).
struct TextRange {
    std::uint8_t flags = 0;
    std::optional<std::string> lower, upper;  // unquoted; nullopt when infinite (or empty range)
};
CodecErrc text_to_range(std::string_view in, TextRange& out);
std::string range_to_text(std::uint8_t flags, std::optional<std::string_view> lower,
                          std::optional<std::string_view> upper);

// ---- multiranges -----------------------------------------------------------------------------

// Binary multirange (multirange_send): int32 count, per range int32 len + range_send bytes.
// The views are each a range for bin_to_range (not checked here); they point into `in`.
CodecErrc bin_to_multirange(ByteView in, std::vector<ByteView>& ranges);
void multirange_to_bin(std::span<const ByteView> ranges, Bytes& out);
// Text multirange: "{}", "{[1,3),[5,7)}". Each element is a range text that text_to_range
// accepts (checked here), "empty" included: multirange_in drops those, the caller may too.
CodecErrc text_to_multirange(std::string_view in, std::vector<std::string>& ranges);
std::string multirange_to_text(std::span<const std::string_view> ranges);

// ---- hstore (extension; its OID differs per database) ----------------------------------------

// Binary: int32 count, per pair int32 klen + key, int32 vlen (-1 NULL) + value. Views into `in`.
// Pairs come back in wire order; keys are not deduplicated (the server never sends duplicates).
CodecErrc bin_to_hstore(ByteView in, std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& out);
void hstore_to_bin(std::span<const std::pair<std::string_view, std::optional<std::string_view>>> pairs, Bytes& out);
// Text: "\"a\"=>\"1\", \"b\"=>NULL" (hstore_in's grammar: quotes optional, backslash escapes,
// an unquoted NULL in any case is NULL). Duplicate keys are returned as they appear.
CodecErrc text_to_hstore(std::string_view in, std::vector<std::pair<std::string, std::optional<std::string>>>& out);
std::string hstore_to_text(std::span<const std::pair<std::string_view, std::optional<std::string_view>>> pairs);

}  // namespace uvpg::proto
