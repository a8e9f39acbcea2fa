// Internal helpers shared by the codec sources (not installed, not part of the proto/ API).
// Big-endian reads and writes, C-locale character tests, and the length-prefixed value and
// quoting helpers the container grammars use.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/buffer.hpp"
#include "proto/codec.hpp"

namespace uvpg::proto::detail {

// ---- big-endian reads and writes ----

inline std::uint16_t get_u16(const std::uint8_t* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

inline std::uint32_t get_u32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

inline std::uint64_t get_u64(const std::uint8_t* p) { return (std::uint64_t{get_u32(p)} << 32) | get_u32(p + 4); }

inline void put_u16(Bytes& out, std::uint16_t v) {
    const std::uint8_t b[2] = {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    out.insert(out.end(), b, b + 2);
}

inline void put_u32(Bytes& out, std::uint32_t v) {
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                               static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    out.insert(out.end(), b, b + 4);
}

inline void put_u64(Bytes& out, std::uint64_t v) {
    put_u32(out, static_cast<std::uint32_t>(v >> 32));
    put_u32(out, static_cast<std::uint32_t>(v));
}

// ---- characters ----

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The C locale's isspace (and scanner_isspace): what the server's input functions skip.
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

inline char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Case-insensitive (ASCII) "s starts with prefix".
inline bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower_ascii(s[i]) != lower_ascii(prefix[i])) return false;
    return true;
}

inline bool equals_nocase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && starts_with_nocase(a, b);
}

// The character at i, or NUL past the end: the C parsers we mirror stop at NUL, and so does an
// embedded NUL here (it is never valid inside these literals).
inline char at(std::string_view s, std::size_t i) { return i < s.size() ? s[i] : '\0'; }

inline std::size_t skip_space(std::string_view s, std::size_t p) {
    while (p < s.size() && is_space(s[p])) ++p;
    return p;
}

// ---- length-prefixed values (containers) ----

// Big-endian reads over one value. Lengths are checked against remaining() by the callers
// before anything is taken or allocated.
struct Cursor {
    ByteView in;
    std::size_t pos = 0;

    std::size_t remaining() const { return in.size() - pos; }
    bool i32(std::int32_t& v) {
        if (remaining() < 4) return false;
        v = static_cast<std::int32_t>(get_u32(in.data() + pos));
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
inline CodecErrc read_value(Cursor& c, std::optional<ByteView>& v) {
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

// int32 length then that many bytes, never NULL (range bounds, multirange members, hstore keys).
inline CodecErrc read_bound(Cursor& c, std::optional<ByteView>& v) {
    std::int32_t len = 0;
    if (!c.i32(len)) return CodecErrc::truncated;
    if (len < 0) return CodecErrc::bad_header;
    if (static_cast<std::size_t>(len) > c.remaining()) return CodecErrc::truncated;
    v = c.take(static_cast<std::size_t>(len));
    return CodecErrc::ok;
}

inline void put_i32(Bytes& out, std::int32_t v) { put_u32(out, static_cast<std::uint32_t>(v)); }

inline void put_value(Bytes& out, const std::optional<ByteView>& v) {
    if (!v) {
        put_i32(out, -1);
        return;
    }
    put_i32(out, static_cast<std::int32_t>(v->size()));
    out.insert(out.end(), v->begin(), v->end());
}

inline void put_text(Bytes& out, std::string_view s) {
    put_i32(out, static_cast<std::int32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
}

// A decoder that fails leaves its output empty, never half filled.
template <class T>
CodecErrc reset_on_error(CodecErrc e, T& out) {
    if (e != CodecErrc::ok) out = T{};
    return e;
}

// ---- quoting (container text forms) ----

// Appends v, double-quoted when needs_quotes, with '"' and '\' escaped: doubled for records and
// ranges (record_out, range_bound_escape), backslash-escaped for arrays and hstore.
inline void append_quoted(std::string& out, std::string_view v, bool needs_quotes, bool double_them) {
    if (needs_quotes) out += '"';
    for (char c : v) {
        if (c == '"' || c == '\\') out += double_them ? c : '\\';
        out += c;
    }
    if (needs_quotes) out += '"';
}

// One field of record_in or one bound of range_parse: read until an unquoted stop character,
// removing quotes and backslash escapes; "" inside quotes is a quote. p ends on the stop.
inline CodecErrc read_quoted_field(std::string_view in, std::size_t& p, std::string_view stops, std::string& buf) {
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

// Hex digits and surrounding white space, for the text forms of bytea, uuid and the network types.
inline constexpr char kHexDigits[] = "0123456789abcdef";

inline int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

inline char* put_hex_byte(char* o, std::uint8_t b) {
    *o++ = kHexDigits[b >> 4];
    *o++ = kHexDigits[b & 0xF];
    return o;
}

// Two hex digits at s[i], s[i+1] (caller checked the bounds); -1 when either is not hex.
inline int hex_pair(std::string_view s, std::size_t i) {
    const int hi = hex_value(s[i]);
    const int lo = hex_value(s[i + 1]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

}  // namespace uvpg::proto::detail
