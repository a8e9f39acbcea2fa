#include "proto/codec_container.hpp"

#include <array>
#include <cstdint>

// The text grammars follow PostgreSQL 18's array_in/array_out (arrayfuncs.c), record_in/out
// (rowtypes.c), range_parse/range_deparse (rangetypes.c), multirange_in (multirangetypes.c) and
// hstore_in/out (contrib/hstore), so what the server writes parses and what we write it accepts.

namespace uvpg::proto {
namespace {

// Big-endian reads over one value. Lengths are checked against remaining() by the callers
// before anything is taken or allocated.
struct Cursor {
    ByteView in;
    std::size_t pos = 0;

    std::size_t remaining() const { return in.size() - pos; }
    bool i32(std::int32_t& v) {
        if (remaining() < 4) return false;
        const std::uint8_t* p = in.data() + pos;
        const std::uint32_t u = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
        v = static_cast<std::int32_t>(u);
        pos += 4;
        return true;
    }
    ByteView take(std::size_t n) {
        ByteView b = in.subspan(pos, n);
        pos += n;
        return b;
    }
};

// int32 length (-1 = NULL) then that many bytes.
CodecErrc read_value(Cursor& c, std::optional<ByteView>& v) {
    std::int32_t len = 0;
    if (!c.i32(len)) return CodecErrc::truncated;
    if (len == -1) {
        v.reset();
        return CodecErrc::ok;
    }
    if (len < -1) return CodecErrc::bad_header;
    if (static_cast<std::size_t>(len) > c.remaining()) return CodecErrc::truncated;
    v = c.take(static_cast<std::size_t>(len));
    return CodecErrc::ok;
}

void put_i32(Bytes& out, std::int32_t v) {
    const auto u = static_cast<std::uint32_t>(v);
    out.push_back(static_cast<std::uint8_t>(u >> 24));
    out.push_back(static_cast<std::uint8_t>(u >> 16));
    out.push_back(static_cast<std::uint8_t>(u >> 8));
    out.push_back(static_cast<std::uint8_t>(u));
}

void put_value(Bytes& out, const std::optional<ByteView>& v) {
    if (!v) {
        put_i32(out, -1);
        return;
    }
    put_i32(out, static_cast<std::int32_t>(v->size()));
    out.insert(out.end(), v->begin(), v->end());
}

void put_text(Bytes& out, std::string_view s) {
    put_i32(out, static_cast<std::int32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
}

// A decoder that fails leaves its output empty, never half filled.
template <class T> CodecErrc reset_on_error(CodecErrc e, T& out) {
    if (e != CodecErrc::ok) out = T{};
    return e;
}

// scanner_isspace and C-locale isspace: the same six characters.
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower_ascii(s[i]) != lower_ascii(prefix[i])) return false;
    return true;
}

bool equals_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && starts_with_nocase(a, b);
}

// The character at i, or NUL past the end: the C parsers we mirror stop at NUL, and so does an
// embedded NUL here (it is never valid inside these literals).
char at(std::string_view s, std::size_t i) { return i < s.size() ? s[i] : '\0'; }

std::size_t skip_space(std::string_view s, std::size_t p) {
    while (p < s.size() && is_space(s[p])) ++p;
    return p;
}

// Appends v, double-quoted when needs_quotes, with '"' and '\' escaped: doubled for records and
// ranges (record_out, range_bound_escape), backslash-escaped for arrays and hstore.
void append_quoted(std::string& out, std::string_view v, bool needs_quotes, bool double_them) {
    if (needs_quotes) out += '"';
    for (char c : v) {
        if (c == '"' || c == '\\') out += double_them ? c : '\\';
        out += c;
    }
    if (needs_quotes) out += '"';
}

// One field of record_in or one bound of range_parse: read until an unquoted stop character,
// removing quotes and backslash escapes; "" inside quotes is a quote. p ends on the stop.
CodecErrc read_quoted_field(std::string_view in, std::size_t& p, std::string_view stops,
                            std::string& buf) {
    bool inquote = false;
    while (inquote || stops.find(at(in, p)) == std::string_view::npos) {
        const char ch = at(in, p);
        if (ch == '\0') return CodecErrc::bad_text;
        ++p;
        if (ch == '\\') {
            if (at(in, p) == '\0') return CodecErrc::bad_text;
            buf += in[p++];
        } else if (ch == '"') {
            if (!inquote) {
                inquote = true;
            } else if (at(in, p) == '"') {
                buf += '"';
                ++p;
            } else {
                inquote = false;
            }
        } else {
            buf += ch;
        }
    }
    return CodecErrc::ok;
}

// ---- arrays ----

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
std::span<const ArrayDim> effective_dims(std::span<const ArrayDim> dims, std::size_t count,
                                         ArrayDim& flat) {
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
            if (dim[nest] < 0)
                dim[nest] = nelems[nest];
            else if (nelems[nest] != dim[nest])
                return CodecErrc::bad_text;
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
            if (tok == ArrayToken::elem_null)
                out.elements.emplace_back(std::nullopt);
            else
                out.elements.emplace_back(std::move(buf));
            ++nelems[nest - 1];
            expect_delim = true;
            break;
        case ArrayToken::error:
            return CodecErrc::bad_text;
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

std::string array_to_text(std::span<const ArrayDim> dims,
                          std::span<const std::optional<std::string_view>> elements, char delim) {
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
        if (e)
            append_array_elem(out, *e, delim);
        else
            out += "NULL";
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

// ---- records ----

namespace {
CodecErrc parse_bin_record(ByteView in, BinRecord& out) {
    Cursor c{in};
    std::int32_t n = 0;
    if (!c.i32(n)) return CodecErrc::truncated;
    if (n < 0) return CodecErrc::bad_header;
    // Each field takes at least an oid and a length.
    if (static_cast<std::size_t>(n) > c.remaining() / 8) return CodecErrc::truncated;
    out.types.reserve(static_cast<std::size_t>(n));
    out.fields.reserve(static_cast<std::size_t>(n));
    for (std::int32_t i = 0; i < n; ++i) {
        std::int32_t oid = 0;
        if (!c.i32(oid)) return CodecErrc::truncated;
        std::optional<ByteView> v;
        if (CodecErrc e = read_value(c, v); e != CodecErrc::ok) return e;
        out.types.push_back(static_cast<std::uint32_t>(oid));
        out.fields.push_back(v);
    }
    return c.remaining() == 0 ? CodecErrc::ok : CodecErrc::trailing_bytes;
}
}  // namespace

CodecErrc bin_to_record(ByteView in, BinRecord& out) {
    out = BinRecord{};
    return reset_on_error(parse_bin_record(in, out), out);
}

void record_to_bin(std::span<const std::uint32_t> types,
                   std::span<const std::optional<ByteView>> fields, Bytes& out) {
    put_i32(out, static_cast<std::int32_t>(fields.size()));
    for (std::size_t i = 0; i < fields.size(); ++i) {
        put_i32(out, static_cast<std::int32_t>(i < types.size() ? types[i] : 0));
        put_value(out, fields[i]);
    }
}

CodecErrc text_to_record(std::string_view in, std::vector<std::optional<std::string>>& fields) {
    fields.clear();
    std::size_t p = skip_space(in, 0);
    if (at(in, p) != '(') return CodecErrc::bad_text;
    ++p;
    for (;;) {
        const char c = at(in, p);
        if (c == ',' || c == ')') {
            fields.emplace_back(std::nullopt);  // nothing at all: NULL
        } else {
            std::string buf;
            if (CodecErrc e = read_quoted_field(in, p, ",)", buf); e != CodecErrc::ok) {
                fields.clear();
                return e;
            }
            fields.emplace_back(std::move(buf));
        }
        if (in[p++] == ')') break;  // read_quoted_field stopped on ',' or ')'
    }
    if (skip_space(in, p) != in.size()) {
        fields.clear();
        return CodecErrc::bad_text;
    }
    return CodecErrc::ok;
}

std::string record_to_text(std::span<const std::optional<std::string_view>> fields) {
    std::string out = "(";
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out += ',';
        if (!fields[i]) continue;  // NULL: nothing between the commas
        const std::string_view v = *fields[i];
        bool quote = v.empty();
        for (char c : v) {
            if (c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' || is_space(c)) {
                quote = true;
                break;
            }
        }
        append_quoted(out, v, quote, true);
    }
    out += ')';
    return out;
}

// ---- ranges ----

namespace {
constexpr std::uint8_t kRangeUnknownFlags = 0xE0;  // LB_NULL, UB_NULL, CONTAIN_EMPTY: never sent
bool has_lower(std::uint8_t f) { return (f & (kRangeEmpty | kRangeLbInf)) == 0; }
bool has_upper(std::uint8_t f) { return (f & (kRangeEmpty | kRangeUbInf)) == 0; }

CodecErrc read_bound(Cursor& c, std::optional<ByteView>& v) {
    std::int32_t len = 0;
    if (!c.i32(len)) return CodecErrc::truncated;
    if (len < 0) return CodecErrc::bad_header;
    if (static_cast<std::size_t>(len) > c.remaining()) return CodecErrc::truncated;
    v = c.take(static_cast<std::size_t>(len));
    return CodecErrc::ok;
}

void append_range_bound(std::string& out, std::string_view v) {
    bool quote = v.empty();
    for (char c : v) {
        if (c == '"' || c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == ',' ||
            is_space(c)) {
            quote = true;
            break;
        }
    }
    append_quoted(out, v, quote, true);
}
}  // namespace

CodecErrc bin_to_range(ByteView in, BinRange& out) {
    out = BinRange{};
    if (in.empty()) return CodecErrc::truncated;
    const std::uint8_t flags = in[0];
    if (flags & kRangeUnknownFlags) return CodecErrc::bad_header;
    Cursor c{in, 1};
    std::optional<ByteView> lower, upper;
    if (has_lower(flags))
        if (CodecErrc e = read_bound(c, lower); e != CodecErrc::ok) return e;
    if (has_upper(flags))
        if (CodecErrc e = read_bound(c, upper); e != CodecErrc::ok) return e;
    if (c.remaining() != 0) return CodecErrc::trailing_bytes;
    out.flags = flags;
    out.lower = lower;
    out.upper = upper;
    return CodecErrc::ok;
}

void range_to_bin(const BinRange& r, Bytes& out) {
    std::uint8_t flags = r.flags & static_cast<std::uint8_t>(~kRangeUnknownFlags);
    if (flags & kRangeEmpty) {
        out.push_back(kRangeEmpty);
        return;
    }
    if (!r.lower) flags |= kRangeLbInf;
    if (!r.upper) flags |= kRangeUbInf;
    out.push_back(flags);
    if (has_lower(flags)) put_value(out, r.lower);
    if (has_upper(flags)) put_value(out, r.upper);
}

CodecErrc text_to_range(std::string_view in, TextRange& out) {
    out = TextRange{};
    std::size_t p = skip_space(in, 0);
    if (starts_with_nocase(in.substr(p), "empty")) {
        if (skip_space(in, p + 5) != in.size()) return CodecErrc::bad_text;
        out.flags = kRangeEmpty;
        return CodecErrc::ok;
    }
    std::uint8_t flags = 0;
    if (at(in, p) == '[')
        flags |= kRangeLbInc;
    else if (at(in, p) != '(')
        return CodecErrc::bad_text;
    ++p;
    // A bound that is completely empty is infinite; "" is the empty string.
    std::optional<std::string> bounds[2];
    for (int b = 0; b < 2; ++b) {
        const char c = at(in, p);
        if (c == ',' || c == ')' || c == ']') {
            flags |= b == 0 ? kRangeLbInf : kRangeUbInf;
        } else {
            std::string buf;
            if (CodecErrc e = read_quoted_field(in, p, ",)]", buf); e != CodecErrc::ok) return e;
            bounds[b] = std::move(buf);
        }
        if (b == 0) {
            if (at(in, p) != ',') return CodecErrc::bad_text;
            ++p;
        }
    }
    if (at(in, p) == ']')
        flags |= kRangeUbInc;
    else if (at(in, p) != ')')
        return CodecErrc::bad_text;  // a third comma
    if (skip_space(in, p + 1) != in.size()) return CodecErrc::bad_text;
    out.flags = flags;
    out.lower = std::move(bounds[0]);
    out.upper = std::move(bounds[1]);
    return CodecErrc::ok;
}

std::string range_to_text(std::uint8_t flags, std::optional<std::string_view> lower,
                          std::optional<std::string_view> upper) {
    if (flags & kRangeEmpty) return "empty";
    std::string out;
    out += (flags & kRangeLbInc) ? '[' : '(';
    if (has_lower(flags) && lower) append_range_bound(out, *lower);
    out += ',';
    if (has_upper(flags) && upper) append_range_bound(out, *upper);
    out += (flags & kRangeUbInc) ? ']' : ')';
    return out;
}

// ---- multiranges ----

CodecErrc bin_to_multirange(ByteView in, std::vector<ByteView>& ranges) {
    ranges.clear();
    Cursor c{in};
    std::int32_t n = 0;
    if (!c.i32(n)) return CodecErrc::truncated;
    if (n < 0) return CodecErrc::bad_header;
    if (static_cast<std::size_t>(n) > c.remaining() / 4) return CodecErrc::truncated;
    ranges.reserve(static_cast<std::size_t>(n));
    for (std::int32_t i = 0; i < n; ++i) {
        std::optional<ByteView> v;
        if (CodecErrc e = read_bound(c, v); e != CodecErrc::ok) {
            ranges.clear();
            return e;
        }
        ranges.push_back(*v);
    }
    if (c.remaining() != 0) {
        ranges.clear();
        return CodecErrc::trailing_bytes;
    }
    return CodecErrc::ok;
}

void multirange_to_bin(std::span<const ByteView> ranges, Bytes& out) {
    put_i32(out, static_cast<std::int32_t>(ranges.size()));
    for (ByteView r : ranges) put_value(out, r);
}

CodecErrc text_to_multirange(std::string_view in, std::vector<std::string>& ranges) {
    ranges.clear();
    std::size_t p = skip_space(in, 0);
    if (at(in, p) != '{') return CodecErrc::bad_text;
    ++p;
    // multirange_in only finds where each range ends (minding quotes and escapes, skipping
    // whitespace everywhere); range_in then parses it.
    enum class St { before, in, in_escaped, quoted, quoted_escaped, after, done };
    St st = St::before;
    std::size_t begin = 0;
    auto fail = [&ranges](CodecErrc e) {
        ranges.clear();
        return e;
    };
    for (; st != St::done; ++p) {
        const char ch = at(in, p);
        if (ch == '\0') return fail(CodecErrc::bad_text);
        if (is_space(ch)) continue;
        switch (st) {
        case St::before:
            if (ch == '[' || ch == '(') {
                begin = p;
                st = St::in;
            } else if (ch == '}' && ranges.empty()) {
                st = St::done;
            } else if (starts_with_nocase(in.substr(p), "empty")) {
                ranges.emplace_back(in.substr(p, 5));
                p += 4;
                st = St::after;
            } else {
                return fail(CodecErrc::bad_text);
            }
            break;
        case St::in:
            if (ch == ']' || ch == ')') {
                std::string r(in.substr(begin, p - begin + 1));
                TextRange check;
                if (CodecErrc e = text_to_range(r, check); e != CodecErrc::ok) return fail(e);
                ranges.push_back(std::move(r));
                st = St::after;
            } else if (ch == '"') {
                st = St::quoted;
            } else if (ch == '\\') {
                st = St::in_escaped;
            }
            break;
        case St::in_escaped:
            st = St::in;
            break;
        case St::quoted:
            if (ch == '"') {
                if (at(in, p + 1) == '"')
                    ++p;  // "" is a quote inside quotes
                else
                    st = St::in;
            } else if (ch == '\\') {
                st = St::quoted_escaped;
            }
            break;
        case St::quoted_escaped:
            st = St::quoted;
            break;
        case St::after:
            if (ch == ',')
                st = St::before;
            else if (ch == '}')
                st = St::done;
            else
                return fail(CodecErrc::bad_text);
            break;
        case St::done:
            break;
        }
    }
    if (skip_space(in, p) != in.size()) return fail(CodecErrc::bad_text);
    return CodecErrc::ok;
}

std::string multirange_to_text(std::span<const std::string_view> ranges) {
    std::string out = "{";
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        if (i > 0) out += ',';
        out += ranges[i];
    }
    out += '}';
    return out;
}

// ---- hstore ----

CodecErrc bin_to_hstore(ByteView in,
                        std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& out) {
    out.clear();
    Cursor c{in};
    std::int32_t n = 0;
    if (!c.i32(n)) return CodecErrc::truncated;
    if (n < 0) return CodecErrc::bad_header;
    // Each pair takes at least a key length and a value length.
    if (static_cast<std::size_t>(n) > c.remaining() / 8) return CodecErrc::truncated;
    out.reserve(static_cast<std::size_t>(n));
    auto view = [](ByteView b) {
        return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
    };
    for (std::int32_t i = 0; i < n; ++i) {
        std::optional<ByteView> key, value;
        CodecErrc e = read_bound(c, key);  // a key is never NULL
        if (e == CodecErrc::ok) e = read_value(c, value);
        if (e != CodecErrc::ok) {
            out.clear();
            return e;
        }
        out.emplace_back(view(*key), value ? std::optional(view(*value)) : std::nullopt);
    }
    if (c.remaining() != 0) {
        out.clear();
        return CodecErrc::trailing_bytes;
    }
    return CodecErrc::ok;
}

void hstore_to_bin(std::span<const std::pair<std::string_view, std::optional<std::string_view>>> pairs,
                   Bytes& out) {
    put_i32(out, static_cast<std::int32_t>(pairs.size()));
    for (const auto& [key, value] : pairs) {
        put_text(out, key);
        if (value)
            put_text(out, *value);
        else
            put_i32(out, -1);
    }
}

namespace {
enum class HsWord { word, eof, error };

// hstore_in's get_val: one key (stops before '=') or value (stops before ','), quoted or not,
// backslash escapes anywhere. p is left on the last character consumed, as the caller steps.
HsWord hstore_word(std::string_view in, std::size_t& p, bool is_value, bool& quoted, std::string& word) {
    enum class St { wait, unquoted, quoted, unquoted_escape, quoted_escape };
    St st = St::wait;
    word.clear();
    quoted = false;
    for (;; ++p) {
        const char c = at(in, p);
        switch (st) {
        case St::wait:
            if (c == '"') {
                quoted = true;
                st = St::quoted;
            } else if (c == '\0') {
                return HsWord::eof;
            } else if (c == '=' && !is_value) {
                return HsWord::error;
            } else if (c == '\\') {
                st = St::unquoted_escape;
            } else if (!is_space(c)) {
                word += c;
                st = St::unquoted;
            }
            break;
        case St::unquoted:
            if (c == '\\') {
                st = St::unquoted_escape;
            } else if ((c == '=' && !is_value) || (c == ',' && is_value) || c == '\0') {
                --p;  // leave the terminator for the caller
                return HsWord::word;
            } else if (is_space(c)) {
                return HsWord::word;
            } else {
                word += c;
            }
            break;
        case St::quoted:
            if (c == '\\')
                st = St::quoted_escape;
            else if (c == '"')
                return HsWord::word;
            else if (c == '\0')
                return HsWord::error;
            else
                word += c;
            break;
        case St::unquoted_escape:
        case St::quoted_escape:
            if (c == '\0') return HsWord::error;
            word += c;
            st = st == St::unquoted_escape ? St::unquoted : St::quoted;
            break;
        }
    }
}
}  // namespace

CodecErrc text_to_hstore(std::string_view in,
                         std::vector<std::pair<std::string, std::optional<std::string>>>& out) {
    out.clear();
    if (in.find('\0') != std::string_view::npos) return CodecErrc::bad_text;
    enum class St { key, eq, gt, value, delim };
    St st = St::key;
    std::string word;
    bool quoted = false;
    auto fail = [&out] {
        out.clear();
        return CodecErrc::bad_text;
    };
    for (std::size_t p = 0;; ++p) {
        const char c = at(in, p);
        switch (st) {
        case St::key:
            switch (hstore_word(in, p, false, quoted, word)) {
            case HsWord::eof: return CodecErrc::ok;
            case HsWord::error: return fail();
            case HsWord::word: break;
            }
            out.emplace_back(std::move(word), std::nullopt);
            st = St::eq;
            break;
        case St::eq:
            if (c == '=')
                st = St::gt;
            else if (!is_space(c))  // NUL included
                return fail();
            break;
        case St::gt:
            if (c != '>') return fail();
            st = St::value;
            break;
        case St::value:
            if (hstore_word(in, p, true, quoted, word) != HsWord::word) return fail();
            if (quoted || !equals_nocase(word, "NULL")) out.back().second = std::move(word);
            st = St::delim;
            break;
        case St::delim:
            if (c == ',')
                st = St::key;
            else if (c == '\0')
                return CodecErrc::ok;
            else if (!is_space(c))
                return fail();
            break;
        }
    }
}

std::string hstore_to_text(
    std::span<const std::pair<std::string_view, std::optional<std::string_view>>> pairs) {
    std::string out;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        if (i > 0) out += ", ";
        append_quoted(out, pairs[i].first, true, false);
        out += "=>";
        if (pairs[i].second)
            append_quoted(out, *pairs[i].second, true, false);
        else
            out += "NULL";
    }
    return out;
}

}  // namespace uvpg::proto
