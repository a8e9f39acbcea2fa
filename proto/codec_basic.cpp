// proto/ is sans-I/O: these codecs turn bytes and text into values and back, nothing more.
#include "proto/codec_basic.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <limits>

#include "proto/codec_util.hpp"

namespace uvpg::proto {
using namespace detail;

// ---- binary -> C++ ---------------------------------------------------------------------------

CodecErrc bin_to_bool(ByteView in, bool& out) {
    if (in.size() != 1) return CodecErrc::bad_length;
    if (in[0] > 1) return CodecErrc::bad_value;
    out = in[0] == 1;
    return CodecErrc::ok;
}

CodecErrc bin_to_int2(ByteView in, std::int16_t& out) {
    if (in.size() != 2) return CodecErrc::bad_length;
    out = static_cast<std::int16_t>(get_u16(in.data()));
    return CodecErrc::ok;
}

CodecErrc bin_to_int4(ByteView in, std::int32_t& out) {
    if (in.size() != 4) return CodecErrc::bad_length;
    out = static_cast<std::int32_t>(get_u32(in.data()));
    return CodecErrc::ok;
}

CodecErrc bin_to_int8(ByteView in, std::int64_t& out) {
    if (in.size() != 8) return CodecErrc::bad_length;
    out = static_cast<std::int64_t>(get_u64(in.data()));
    return CodecErrc::ok;
}

CodecErrc bin_to_oid(ByteView in, std::uint32_t& out) {
    if (in.size() != 4) return CodecErrc::bad_length;
    out = get_u32(in.data());
    return CodecErrc::ok;
}

CodecErrc bin_to_float4(ByteView in, float& out) {
    if (in.size() != 4) return CodecErrc::bad_length;
    out = std::bit_cast<float>(get_u32(in.data()));
    return CodecErrc::ok;
}

CodecErrc bin_to_float8(ByteView in, double& out) {
    if (in.size() != 8) return CodecErrc::bad_length;
    out = std::bit_cast<double>(get_u64(in.data()));
    return CodecErrc::ok;
}

CodecErrc bin_to_uuid(ByteView in, UuidBytes& out) {
    if (in.size() != 16) return CodecErrc::bad_length;
    std::memcpy(out.data(), in.data(), 16);
    return CodecErrc::ok;
}

CodecErrc bin_to_jsonb(ByteView in, std::string_view& text) {
    if (in.empty()) return CodecErrc::truncated;
    if (in[0] != 1) return CodecErrc::unknown_version;
    text = std::string_view(reinterpret_cast<const char*>(in.data()) + 1, in.size() - 1);
    return CodecErrc::ok;
}

CodecErrc bin_to_bits(ByteView in, std::string& digits) {
    if (in.size() < 4) return CodecErrc::truncated;
    const auto bitlen = static_cast<std::int32_t>(get_u32(in.data()));
    if (bitlen < 0) return CodecErrc::bad_value;
    const std::size_t n = static_cast<std::size_t>(bitlen);
    const std::size_t nbytes = (n + 7) / 8;
    if (in.size() - 4 < nbytes) return CodecErrc::truncated;
    if (in.size() - 4 > nbytes) return CodecErrc::trailing_bytes;
    digits.resize(n);
    const std::uint8_t* p = in.data() + 4;
    for (std::size_t i = 0; i < n; ++i) digits[i] = (p[i / 8] >> (7 - i % 8)) & 1 ? '1' : '0';
    return CodecErrc::ok;
}

CodecErrc bin_to_money(ByteView in, std::int64_t& minor_units) { return bin_to_int8(in, minor_units); }

// ---- C++ -> binary ---------------------------------------------------------------------------

void bool_to_bin(bool v, Bytes& out) { out.push_back(v ? 1 : 0); }
void int2_to_bin(std::int16_t v, Bytes& out) { put_u16(out, static_cast<std::uint16_t>(v)); }
void int4_to_bin(std::int32_t v, Bytes& out) { put_u32(out, static_cast<std::uint32_t>(v)); }
void int8_to_bin(std::int64_t v, Bytes& out) { put_u64(out, static_cast<std::uint64_t>(v)); }
void oid_to_bin(std::uint32_t v, Bytes& out) { put_u32(out, v); }
void float4_to_bin(float v, Bytes& out) { put_u32(out, std::bit_cast<std::uint32_t>(v)); }
void float8_to_bin(double v, Bytes& out) { put_u64(out, std::bit_cast<std::uint64_t>(v)); }

void uuid_to_bin(const UuidBytes& v, Bytes& out) { out.insert(out.end(), v.begin(), v.end()); }

void jsonb_to_bin(std::string_view text, Bytes& out) {
    out.reserve(out.size() + 1 + text.size());
    out.push_back(1);
    out.insert(out.end(), text.begin(), text.end());
}

void macaddr_to_bin(const MacAddrBytes& v, Bytes& out) { out.insert(out.end(), v.begin(), v.end()); }
void macaddr8_to_bin(const MacAddr8Bytes& v, Bytes& out) { out.insert(out.end(), v.begin(), v.end()); }

CodecErrc bits_to_bin(std::string_view digits, Bytes& out) {
    for (const char c : digits)
        if (c != '0' && c != '1') return CodecErrc::bad_text;
    if (digits.size() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        return CodecErrc::out_of_range;
    put_u32(out, static_cast<std::uint32_t>(digits.size()));
    const std::size_t base = out.size();
    out.resize(base + (digits.size() + 7) / 8, 0);
    for (std::size_t i = 0; i < digits.size(); ++i)
        if (digits[i] == '1') out[base + i / 8] |= static_cast<std::uint8_t>(0x80u >> (i % 8));
    return CodecErrc::ok;
}

void money_to_bin(std::int64_t minor_units, Bytes& out) { int8_to_bin(minor_units, out); }

// ---- text -> C++ -----------------------------------------------------------------------------

CodecErrc text_to_bool(std::string_view in, bool& out) {
    if (in == "t") {
        out = true;
        return CodecErrc::ok;
    }
    if (in == "f") {
        out = false;
        return CodecErrc::ok;
    }
    return CodecErrc::bad_text;
}

CodecErrc text_to_bytea(std::string_view in, std::vector<std::uint8_t>& out) {
    out.clear();
    const std::size_t n = in.size();
    if (n >= 2 && in[0] == '\\' && in[1] == 'x') {
        out.reserve((n - 2) / 2);
        for (std::size_t i = 2; i < n;) {
            const char c = in[i];
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
                ++i;
                continue;
            }
            const int b = i + 1 < n ? hex_pair(in, i) : -1;
            if (b < 0) {
                out.clear();
                return CodecErrc::bad_text;
            }
            out.push_back(static_cast<std::uint8_t>(b));
            i += 2;
        }
        return CodecErrc::ok;
    }
    out.reserve(n);
    for (std::size_t i = 0; i < n;) {
        if (in[i] != '\\') {
            out.push_back(static_cast<std::uint8_t>(in[i++]));
        } else if (i + 1 < n && in[i + 1] == '\\') {
            out.push_back('\\');
            i += 2;
        } else if (i + 3 < n && in[i + 1] >= '0' && in[i + 1] <= '3' && in[i + 2] >= '0' && in[i + 2] <= '7' &&
                   in[i + 3] >= '0' && in[i + 3] <= '7') {
            const int v = ((in[i + 1] - '0') << 6) | ((in[i + 2] - '0') << 3) | (in[i + 3] - '0');
            out.push_back(static_cast<std::uint8_t>(v));
            i += 4;
        } else {
            out.clear();
            return CodecErrc::bad_text;
        }
    }
    return CodecErrc::ok;
}

// uuid_in: 32 hex digits, a '-' allowed after any group of four, the whole optionally in braces.
CodecErrc text_to_uuid(std::string_view in, UuidBytes& out) {
    const std::size_t n = in.size();
    std::size_t i = 0;
    const bool braces = n > 0 && in[0] == '{';
    if (braces) ++i;
    UuidBytes r{};
    for (std::size_t k = 0; k < 16; ++k) {
        if (i + 2 > n) return CodecErrc::bad_text;
        const int b = hex_pair(in, i);
        if (b < 0) return CodecErrc::bad_text;
        r[k] = static_cast<std::uint8_t>(b);
        i += 2;
        if (i < n && in[i] == '-' && k % 2 == 1 && k < 15) ++i;
    }
    if (braces) {
        if (i >= n || in[i] != '}') return CodecErrc::bad_text;
        ++i;
    }
    if (i != n) return CodecErrc::bad_text;
    out = r;
    return CodecErrc::ok;
}

CodecErrc text_to_bits(std::string_view in, std::string& digits) {
    for (const char c : in)
        if (c != '0' && c != '1') return CodecErrc::bad_text;
    digits.assign(in);
    return CodecErrc::ok;
}

// cash_out prints [-|(][$]d,ddd.dd[)] in the C and en_US locales; the sign may also follow the
// symbol. The value is built negative so that the int64 minimum parses.
CodecErrc text_to_money(std::string_view in, std::int64_t& minor_units) {
    const std::string_view s = trim(in);
    std::size_t i = 0;
    bool paren = false, negative = false, symbol = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '(' && !paren && !negative && !symbol) paren = true;
        else if ((c == '-' || c == '+') && !negative) negative = c == '-';
        else if (c == '$' && !symbol) symbol = true;
        else if (c != ' ') break;
    }
    if (i >= s.size() || !is_digit(s[i])) return CodecErrc::bad_text;
    std::int64_t value = 0;
    bool dot = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (is_digit(c)) {
            if (value < (std::numeric_limits<std::int64_t>::min() + (c - '0')) / 10) return CodecErrc::out_of_range;
            value = value * 10 - (c - '0');
        } else if ((c == ',' && !dot) || (c == '.' && !dot)) {
            // a separator or the point sits between digits
            if (i + 1 >= s.size() || !is_digit(s[i + 1])) return CodecErrc::bad_text;
            dot = c == '.';
        } else {
            break;
        }
    }
    bool closed = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c == ')' && paren && !closed) closed = true;
        else if (c == '-' && !negative) negative = true;
        else if (c == '$' && !symbol) symbol = true;
        else if (c != ' ') return CodecErrc::bad_text;
    }
    if (paren != closed) return CodecErrc::bad_text;
    if (paren) negative = true;
    if (!negative) {
        if (value == std::numeric_limits<std::int64_t>::min()) return CodecErrc::out_of_range;
        value = -value;
    }
    minor_units = value;
    return CodecErrc::ok;
}

// ---- C++ -> text -----------------------------------------------------------------------------

std::string uuid_to_text(const UuidBytes& v) {
    std::string s(36, '-');
    char* o = s.data();
    for (std::size_t k = 0; k < 16; ++k) {
        if (k == 4 || k == 6 || k == 8 || k == 10) ++o;  // over the '-'
        o = put_hex_byte(o, v[k]);
    }
    return s;
}

}  // namespace uvpg::proto
