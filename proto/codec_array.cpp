// Array codecs: binary array_send/array_recv form and the array_in/array_out text grammar.
#include "proto/codec_container.hpp"

#include <array>
#include <cstdint>
#include <string>

#include "proto/codec_util.hpp"

// The text grammar follows PostgreSQL 18's array_in/array_out (arrayfuncs.c), so what the
// server writes parses and what we write it accepts.

namespace uvpg::proto {
using namespace detail;

namespace {

// Whether dims are a valid shape for exactly `count` elements (at most 6 dimensions, no
// negative size, product equal to count; no dimensions or a zero size means no elements).
bool dims_describe(std::span<const ArrayDim> dims, std::size_t count) {
    if (dims.size() > static_cast<std::size_t>(kMaxArrayDims)) return false;
    bool zero = dims.empty();
    for (const ArrayDim& d : dims) {
        if (d.size < 0) return false;
        if (d.size == 0) zero = true;
    }
    if (zero) return count == 0;
    std::size_t n = 1;
    for (const ArrayDim& d : dims) {
        const auto s = static_cast<std::size_t>(d.size);
        if (n > count / s) return false;
        n *= s;
    }
    return n == count;
}

// Dims that do not describe the elements fall back to one dimension [1:n]: the output stays
// bounded by the input and well formed.
std::span<const ArrayDim> effective_dims(std::span<const ArrayDim> dims, std::size_t count, ArrayDim& flat) {
    if (dims_describe(dims, count)) return dims;
    if (count == 0) return {};
    flat = ArrayDim{static_cast<std::int32_t>(count), 1};
    return {&flat, 1};
}

enum class ArrayToken { level_start, level_end, delim, elem, elem_null, error };

// ReadArrayToken: one token of an array body; an element is de-quoted and de-escaped into buf.
ArrayToken read_array_token(std::string_view in, std::size_t& p, char delim, std::string& buf) {
    buf.clear();
    for (;;) {
        const char c = at(in, p);
        if (c == '\0') return ArrayToken::error;
        if (c == '{') {
            ++p;
            return ArrayToken::level_start;
        }
        if (c == '}') {
            ++p;
            return ArrayToken::level_end;
        }
        if (c == '"') {
            ++p;
            // Quoted: backslash escapes anything; after the closing quote only whitespace may
            // come before a delimiter or brace.
            for (;;) {
                const char q = at(in, p);
                if (q == '\0') return ArrayToken::error;
                if (q == '\\') {
                    ++p;
                    if (at(in, p) == '\0') return ArrayToken::error;
                    buf += in[p++];
                } else if (q == '"') {
                    ++p;
                    for (;; ++p) {
                        const char n = at(in, p);
                        if (n == '\0') return ArrayToken::error;
                        if (n == delim || n == '}' || n == '{') return ArrayToken::elem;
                        if (!is_space(n)) return ArrayToken::error;
                    }
                } else {
                    buf += q;
                    ++p;
                }
            }
        }
        if (c == delim) {
            ++p;
            return ArrayToken::delim;
        }
        if (!is_space(c)) break;
        ++p;
    }
    // Unquoted: trailing whitespace is dropped unless escaped; only an unescaped NULL is NULL.
    std::size_t keep = 0;
    bool escaped = false;
    for (;;) {
        const char c = at(in, p);
        if (c == '\0' || c == '{' || c == '"') return ArrayToken::error;
        if (c == '\\') {
            ++p;
            if (at(in, p) == '\0') return ArrayToken::error;
            buf += in[p++];
            keep = buf.size();
            escaped = true;
            continue;
        }
        if (c == delim || c == '}') {
            buf.resize(keep);
            return (!escaped && equals_nocase(buf, "NULL")) ? ArrayToken::elem_null : ArrayToken::elem;
        }
        buf += c;
        if (!is_space(c)) keep = buf.size();
        ++p;
    }
}

// ReadDimensionInt: [+-]digits; no digits leaves p alone and sets have = false.
CodecErrc read_dim_int(std::string_view in, std::size_t& p, std::int64_t& v, bool& have) {
    have = false;
    std::size_t q = p;
    bool neg = false;
    if (at(in, q) == '+' || at(in, q) == '-') neg = in[q++] == '-';
    if (at(in, q) < '0' || at(in, q) > '9') return CodecErrc::ok;
    std::int64_t x = 0;
    while (at(in, q) >= '0' && at(in, q) <= '9') {
        x = x * 10 + (in[q++] - '0');
        if (x > std::int64_t{INT32_MAX} + 1) return CodecErrc::out_of_range;
    }
    x = neg ? -x : x;
    if (x > INT32_MAX || x < INT32_MIN) return CodecErrc::out_of_range;
    v = x;
    have = true;
    p = q;
    return CodecErrc::ok;
}

void append_array_elem(std::string& out, std::string_view v, char delim) {
    bool quote = v.empty() || equals_nocase(v, "NULL");
    for (char c : v) {
        if (c == '"' || c == '\\' || c == '{' || c == '}' || c == delim || is_space(c)) {
            quote = true;
            break;
        }
    }
    append_quoted(out, v, quote, false);
}

CodecErrc parse_bin_array(ByteView in, BinArray& out) {
    Cursor c{in};
    std::int32_t ndim = 0, flag = 0, oid = 0;
    if (!c.i32(ndim)) return CodecErrc::truncated;
    if (ndim < 0) return CodecErrc::bad_header;
    if (ndim > kMaxArrayDims) return CodecErrc::too_many_dimensions;
    if (!c.i32(flag)) return CodecErrc::truncated;
    if (flag != 0 && flag != 1) return CodecErrc::bad_header;
    if (!c.i32(oid)) return CodecErrc::truncated;
    out.elem_oid = static_cast<std::uint32_t>(oid);
    if (c.remaining() / 8 < static_cast<std::size_t>(ndim)) return CodecErrc::truncated;

    std::array<ArrayDim, kMaxArrayDims> dims{};
    bool zero = ndim == 0;
    for (int i = 0; i < ndim; ++i) {
        c.i32(dims[i].size);
        c.i32(dims[i].lower_bound);
        if (dims[i].size < 0) return CodecErrc::bad_header;
        // ArrayCheckBounds: lbound + size must fit in int32 (the upper bound stays below INT32_MAX).
        if (std::int64_t{dims[i].lower_bound} + dims[i].size > INT32_MAX) return CodecErrc::out_of_range;
        if (dims[i].size == 0) zero = true;
    }
    // Every element takes at least its 4-byte length, which bounds the count before allocating.
    std::size_t nitems = 0;
    if (!zero) {
        const std::size_t limit = c.remaining() / 4;
        nitems = 1;
        for (int i = 0; i < ndim; ++i) {
            const auto s = static_cast<std::size_t>(dims[i].size);
            if (nitems > limit / s) return CodecErrc::truncated;
            nitems *= s;
        }
    }
    out.dims.assign(dims.begin(), dims.begin() + ndim);
    out.elements.reserve(nitems);
    for (std::size_t i = 0; i < nitems; ++i) {
        std::optional<ByteView> v;
        if (CodecErrc e = read_value(c, v); e != CodecErrc::ok) return e;
        out.elements.push_back(v);
    }
    return c.remaining() == 0 ? CodecErrc::ok : CodecErrc::trailing_bytes;
}
}  // namespace

CodecErrc bin_to_array(ByteView in, BinArray& out) {
    out = BinArray{};
    return reset_on_error(parse_bin_array(in, out), out);
}

void array_to_bin(std::uint32_t elem_oid, std::span<const ArrayDim> dims,
                  std::span<const std::optional<ByteView>> elements, Bytes& out) {
    ArrayDim flat;
    dims = effective_dims(dims, elements.size(), flat);
    bool has_null = false;
    for (const auto& e : elements) has_null = has_null || !e;
    put_i32(out, static_cast<std::int32_t>(dims.size()));
    put_i32(out, has_null ? 1 : 0);
    put_i32(out, static_cast<std::int32_t>(elem_oid));
    for (const ArrayDim& d : dims) {
        put_i32(out, d.size);
        put_i32(out, d.lower_bound);
    }
    if (dims.empty()) return;  // ndim 0: array_recv reads no elements
    for (const auto& e : elements) put_value(out, e);
}

namespace {
CodecErrc parse_text_array(std::string_view in, char delim, TextArray& out) {
    std::size_t p = 0;
    int ndim = 0;
    std::array<std::int64_t, kMaxArrayDims> dim;
    std::array<std::int32_t, kMaxArrayDims> lbound;
    dim.fill(-1);  // not yet known
    lbound.fill(1);

    // Optional explicit dimensions: [m:n] or [n] items, then '='.
    for (;;) {
        p = skip_space(in, p);
        if (at(in, p) != '[') break;
        ++p;
        if (ndim >= kMaxArrayDims) return CodecErrc::too_many_dimensions;
        std::int64_t lo = 1, hi = 0;
        bool have = false;
        if (CodecErrc e = read_dim_int(in, p, hi, have); e != CodecErrc::ok) return e;
        if (!have) return CodecErrc::bad_text;
        if (at(in, p) == ':') {
            ++p;
            lo = hi;
            if (CodecErrc e = read_dim_int(in, p, hi, have); e != CodecErrc::ok) return e;
            if (!have) return CodecErrc::bad_text;
        }
        if (at(in, p) != ']') return CodecErrc::bad_text;
        ++p;
        if (hi < lo) return CodecErrc::bad_text;
        if (hi == INT32_MAX || hi - lo + 1 > INT32_MAX) return CodecErrc::out_of_range;
        dim[ndim] = hi - lo + 1;
        lbound[ndim] = static_cast<std::int32_t>(lo);
        ++ndim;
    }
    if (ndim > 0) {
        if (at(in, p) != '=') return CodecErrc::bad_text;
        p = skip_space(in, p + 1);
    }
    if (at(in, p) != '{') return CodecErrc::bad_text;

    // ReadArrayStr: the shape is learnt from the first sub-array of each level (or checked
    // against the explicit dimensions); every later one must match it.
    bool frozen = ndim != 0;
    bool expect_delim = false;
    int nest = 0;
    std::array<std::int64_t, kMaxArrayDims> nelems{};
    std::string buf;
    do {
        const ArrayToken tok = read_array_token(in, p, delim, buf);
        switch (tok) {
        case ArrayToken::level_start:
            if (expect_delim) return CodecErrc::bad_text;
            if (nest >= kMaxArrayDims) return CodecErrc::too_many_dimensions;
            nelems[nest] = 0;
            ++nest;
            if (nest > ndim) {
                if (frozen) return CodecErrc::bad_text;
                ndim = nest;
            }
            break;
        case ArrayToken::level_end:
            // A right brace may close an empty sub-array, otherwise only follow an element.
            if (nelems[nest - 1] > 0 && !expect_delim) return CodecErrc::bad_text;
            --nest;
            if (nest > 0) ++nelems[nest - 1];
            if (dim[nest] < 0) dim[nest] = nelems[nest];
            else if (nelems[nest] != dim[nest]) return CodecErrc::bad_text;
            expect_delim = true;
            break;
        case ArrayToken::delim:
            if (!expect_delim) return CodecErrc::bad_text;
            expect_delim = false;
            break;
        case ArrayToken::elem:
        case ArrayToken::elem_null:
            // After the first element the depth is fixed: elements only at the innermost level.
            if (expect_delim) return CodecErrc::bad_text;
            frozen = true;
            if (nest != ndim) return CodecErrc::bad_text;
            if (tok == ArrayToken::elem_null) out.elements.emplace_back(std::nullopt);
            else out.elements.emplace_back(std::move(buf));
            ++nelems[nest - 1];
            expect_delim = true;
            break;
        case ArrayToken::error: return CodecErrc::bad_text;
        }
    } while (nest > 0);
    if (skip_space(in, p) != in.size()) return CodecErrc::bad_text;

    if (out.elements.empty()) return CodecErrc::ok;  // "{}", "{{}}": no dimensions kept
    for (int i = 0; i < ndim; ++i) {
        if (std::int64_t{lbound[i]} + dim[i] > INT32_MAX) return CodecErrc::out_of_range;
        out.dims.push_back(ArrayDim{static_cast<std::int32_t>(dim[i]), lbound[i]});
    }
    return CodecErrc::ok;
}
}  // namespace

CodecErrc text_to_array(std::string_view in, char delim, TextArray& out) {
    out = TextArray{};
    return reset_on_error(parse_text_array(in, delim, out), out);
}

std::string array_to_text(std::span<const ArrayDim> dims, std::span<const std::optional<std::string_view>> elements,
                          char delim) {
    ArrayDim flat;
    dims = effective_dims(dims, elements.size(), flat);
    if (dims.empty() || elements.empty()) return "{}";
    std::string out;
    bool need_bounds = false;
    for (const ArrayDim& d : dims) need_bounds = need_bounds || d.lower_bound != 1;
    if (need_bounds) {
        for (const ArrayDim& d : dims) {
            out += '[';
            out += std::to_string(d.lower_bound);
            out += ':';
            out += std::to_string(std::int64_t{d.lower_bound} + d.size - 1);
            out += ']';
        }
        out += '=';
    }
    // Walk the elements row-major, opening and closing braces as the index rolls over.
    const int ndim = static_cast<int>(dims.size());
    std::array<std::int32_t, kMaxArrayDims> index{};
    std::size_t k = 0;
    int level = 0;
    out += '{';
    do {
        for (int i = level; i < ndim - 1; ++i) out += '{';
        const auto& e = elements[k++];
        if (e) append_array_elem(out, *e, delim);
        else out += "NULL";
        int i = ndim - 1;
        for (; i >= 0; --i) {
            if (++index[i] < dims[i].size) {
                out += delim;
                break;
            }
            index[i] = 0;
            out += '}';
        }
        level = i;
    } while (level != -1);
    return out;
}

}  // namespace uvpg::proto
