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

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

char* put_hex_byte(char* o, std::uint8_t b) {
    *o++ = kHexDigits[b >> 4];
    *o++ = kHexDigits[b & 0xF];
    return o;
}

// Two hex digits at s[i], s[i+1] (caller checked the bounds); -1 when either is not hex.
int hex_pair(std::string_view s, std::size_t i) {
    const int hi = hex_value(s[i]);
    const int lo = hex_value(s[i + 1]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

// ---- inet ----

constexpr std::uint8_t kPgsqlAfInet = 2;
constexpr std::uint8_t kPgsqlAfInet6 = 3;

bool host_bits_zero(const std::array<std::uint8_t, 16>& addr, int bits, int nbytes) {
    for (int i = 0; i < nbytes; ++i) {
        const int first_bit = i * 8;
        std::uint8_t host_mask = 0xFF;
        if (first_bit + 8 <= bits) continue;
        if (first_bit < bits) host_mask = static_cast<std::uint8_t>(0xFF >> (bits - first_bit));
        if (addr[static_cast<std::size_t>(i)] & host_mask) return false;
    }
    return true;
}

// Exactly four decimal octets, 1 to 3 digits each.
bool parse_ipv4(std::string_view s, std::uint8_t* dst) {
    std::size_t i = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (i >= s.size() || s[i] != '.') return false;
            ++i;
        }
        unsigned v = 0;
        std::size_t nd = 0;
        while (i < s.size() && is_digit(s[i]) && nd < 3) {
            v = v * 10 + static_cast<unsigned>(s[i] - '0');
            ++i;
            ++nd;
        }
        if (nd == 0 || v > 255) return false;
        dst[part] = static_cast<std::uint8_t>(v);
    }
    return i == s.size();
}

// RFC 4291 text: up to eight groups of 1-4 hex digits, at most one "::", optionally ending in a
// dotted quad.
bool parse_ipv6(std::string_view s, std::uint8_t* dst) {
    std::uint16_t words[8] = {};
    int n = 0;
    int gap = -1;  // where "::" stands, in words
    std::size_t i = 0;
    if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (!s.empty() && s[0] == ':') {
        return false;
    }
    while (i < s.size()) {
        const std::size_t start = i;
        unsigned v = 0;
        while (i < s.size() && hex_value(s[i]) >= 0 && i - start < 5)
            v = v * 16 + static_cast<unsigned>(hex_value(s[i++]));
        if (i < s.size() && s[i] == '.') {
            std::uint8_t q[4];
            if (n > 6 || !parse_ipv4(s.substr(start), q)) return false;
            words[n++] = static_cast<std::uint16_t>((q[0] << 8) | q[1]);
            words[n++] = static_cast<std::uint16_t>((q[2] << 8) | q[3]);
            i = s.size();
            break;
        }
        if (i == start || i - start > 4 || n == 8) return false;
        words[n++] = static_cast<std::uint16_t>(v);
        if (i == s.size()) break;
        if (s[i] != ':') return false;
        ++i;
        if (i < s.size() && s[i] == ':') {
            if (gap >= 0) return false;
            gap = n;
            ++i;
        } else if (i == s.size()) {
            return false;  // a single trailing ':'
        }
    }
    if (gap < 0) {
        if (n != 8) return false;
    } else {
        if (n > 7) return false;
        const int tail = n - gap;
        for (int k = 0; k < tail; ++k) words[7 - k] = words[n - 1 - k];
        for (int k = gap; k < 8 - tail; ++k) words[k] = 0;
    }
    for (std::size_t k = 0; k < 8; ++k) {
        dst[2 * k] = static_cast<std::uint8_t>(words[k] >> 8);
        dst[2 * k + 1] = static_cast<std::uint8_t>(words[k]);
    }
    return true;
}

char* put_uint(char* o, unsigned v) { return std::to_chars(o, o + 10, v).ptr; }

// inet_net_ntop's IPv6 form: the longest run (first of equals) of two or more zero words becomes
// "::", and the IPv4-compatible and IPv4-mapped forms end in a dotted quad.
char* put_ipv6(char* o, const std::uint8_t* a) {
    unsigned words[8];
    for (std::size_t k = 0; k < 8; ++k) words[k] = (unsigned{a[2 * k]} << 8) | a[2 * k + 1];
    int best = -1, best_len = 0;
    for (int k = 0; k < 8;) {
        if (words[k] != 0) {
            ++k;
            continue;
        }
        int e = k;
        while (e < 8 && words[e] == 0) ++e;
        if (e - k > best_len) {
            best = k;
            best_len = e - k;
        }
        k = e;
    }
    if (best_len < 2) best = -1;
    for (int k = 0; k < 8; ++k) {
        if (best >= 0 && k >= best && k < best + best_len) {
            if (k == best) *o++ = ':';
            continue;
        }
        if (k != 0) *o++ = ':';
        if (k == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xFFFF))) {
            for (int b = 12; b < 16; ++b) {
                if (b != 12) *o++ = '.';
                o = put_uint(o, a[b]);
            }
            break;
        }
        o = std::to_chars(o, o + 4, words[k], 16).ptr;
    }
    if (best >= 0 && best + best_len == 8) *o++ = ':';
    return o;
}

}  // namespace

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

CodecErrc bin_to_inet(ByteView in, InetValue& out) {
    if (in.size() < 4) return CodecErrc::truncated;
    const std::uint8_t family = in[0], bits = in[1], is_cidr = in[2], nb = in[3];
    if (family != kPgsqlAfInet && family != kPgsqlAfInet6) return CodecErrc::bad_value;
    const bool v6 = family == kPgsqlAfInet6;
    const int size = v6 ? 16 : 4;
    if (bits > size * 8 || is_cidr > 1) return CodecErrc::bad_value;
    if (nb != size) return CodecErrc::bad_length;
    if (in.size() < 4u + nb) return CodecErrc::truncated;
    if (in.size() > 4u + nb) return CodecErrc::trailing_bytes;
    InetValue r;
    r.family = v6 ? 6 : 4;
    r.prefix = bits;
    r.cidr = is_cidr == 1;
    std::memcpy(r.addr.data(), in.data() + 4, nb);
    if (r.cidr && !host_bits_zero(r.addr, bits, size)) return CodecErrc::bad_value;
    out = r;
    return CodecErrc::ok;
}

CodecErrc bin_to_macaddr(ByteView in, MacAddrBytes& out) {
    if (in.size() != 6) return CodecErrc::bad_length;
    std::memcpy(out.data(), in.data(), 6);
    return CodecErrc::ok;
}

CodecErrc bin_to_macaddr8(ByteView in, MacAddr8Bytes& out) {
    if (in.size() != 8) return CodecErrc::bad_length;
    std::memcpy(out.data(), in.data(), 8);
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

void inet_to_bin(const InetValue& v, Bytes& out) {
    const bool v6 = v.family == 6;
    const std::uint8_t nb = v6 ? 16 : 4;
    const std::uint8_t head[4] = {v6 ? kPgsqlAfInet6 : kPgsqlAfInet, v.prefix,
                                  static_cast<std::uint8_t>(v.cidr ? 1 : 0), nb};
    out.insert(out.end(), head, head + 4);
    out.insert(out.end(), v.addr.begin(), v.addr.begin() + nb);
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

CodecErrc text_to_inet(std::string_view in, bool cidr, InetValue& out) {
    const std::size_t slash = in.find('/');
    const std::string_view addr = in.substr(0, slash);
    InetValue r;
    r.cidr = cidr;
    const bool v6 = in.find(':') != std::string_view::npos;  // network_in's own test
    r.family = v6 ? 6 : 4;
    const int max_bits = v6 ? 128 : 32;
    if (!(v6 ? parse_ipv6(addr, r.addr.data()) : parse_ipv4(addr, r.addr.data()))) return CodecErrc::bad_text;
    int bits = max_bits;
    if (slash != std::string_view::npos) {
        const std::string_view b = in.substr(slash + 1);
        if (b.empty()) return CodecErrc::bad_text;
        bits = 0;
        for (const char c : b) {  // leading zeros are fine ("/032"), as inet_in takes them
            if (!is_digit(c)) return CodecErrc::bad_text;
            bits = std::min(bits * 10 + (c - '0'), 1000);
        }
        if (bits > max_bits) return CodecErrc::bad_text;
    }
    r.prefix = static_cast<std::uint8_t>(bits);
    if (cidr && !host_bits_zero(r.addr, bits, v6 ? 16 : 4)) return CodecErrc::bad_value;
    out = r;
    return CodecErrc::ok;
}

// macaddr_in's layouts: six groups of one or two hex digits split by ':' or '-', or twelve hex
// digits as xxxxxx:xxxxxx, xxxxxx-xxxxxx, xxxx.xxxx.xxxx, xxxx-xxxx-xxxx or xxxxxxxxxxxx.
CodecErrc text_to_macaddr(std::string_view in, MacAddrBytes& out) {
    const std::string_view s = trim(in);
    MacAddrBytes r{};
    for (const char sep : {':', '-'}) {
        std::size_t i = 0;
        int k = 0;
        for (; k < 6; ++k) {
            if (k > 0) {
                if (i >= s.size() || s[i] != sep) break;
                ++i;
            }
            unsigned v = 0;
            std::size_t nd = 0;
            while (i < s.size() && nd < 2 && hex_value(s[i]) >= 0) {
                v = v * 16 + static_cast<unsigned>(hex_value(s[i++]));
                ++nd;
            }
            if (nd == 0) break;
            r[static_cast<std::size_t>(k)] = static_cast<std::uint8_t>(v);
        }
        if (k == 6 && i == s.size()) {
            out = r;
            return CodecErrc::ok;
        }
    }
    for (const std::string_view layout :
         {"hhhhhh:hhhhhh", "hhhhhh-hhhhhh", "hhhh.hhhh.hhhh", "hhhh-hhhh-hhhh", "hhhhhhhhhhhh"}) {
        if (s.size() != layout.size()) continue;
        std::size_t k = 0;
        bool match = true;
        for (std::size_t i = 0; i < s.size() && match;) {
            if (layout[i] != 'h') {
                match = s[i] == layout[i];
                ++i;
                continue;
            }
            const int b = hex_pair(s, i);  // layouts keep digit pairs together
            match = b >= 0;
            if (match) r[k++] = static_cast<std::uint8_t>(b);
            i += 2;
        }
        if (match) {
            out = r;
            return CodecErrc::ok;
        }
    }
    return CodecErrc::bad_text;
}

// macaddr8_in: hex digit pairs, one separator (':', '-' or '.', the same throughout) allowed
// between any two; six bytes become the EUI-64 form with ff:fe in the middle.
CodecErrc text_to_macaddr8(std::string_view in, MacAddr8Bytes& out) {
    const std::string_view s = trim(in);
    std::uint8_t b[8];
    int count = 0;
    char spacer = 0;
    for (std::size_t i = 0; i < s.size();) {
        if (count == 8 || i + 1 >= s.size()) return CodecErrc::bad_text;
        const int v = hex_pair(s, i);
        if (v < 0) return CodecErrc::bad_text;
        b[count++] = static_cast<std::uint8_t>(v);
        i += 2;
        if (i < s.size() && (s[i] == ':' || s[i] == '-' || s[i] == '.')) {
            if (spacer == 0) spacer = s[i];
            else if (spacer != s[i]) return CodecErrc::bad_text;
            if (++i == s.size()) return CodecErrc::bad_text;
        }
    }
    MacAddr8Bytes r{};
    if (count == 6) {
        r = {b[0], b[1], b[2], 0xFF, 0xFE, b[3], b[4], b[5]};
    } else if (count == 8) {
        std::memcpy(r.data(), b, 8);
    } else {
        return CodecErrc::bad_text;
    }
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

std::string inet_to_text(const InetValue& v) {
    char buf[64];  // "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" at most
    char* o = buf;
    const bool v6 = v.family == 6;
    if (v6) {
        o = put_ipv6(o, v.addr.data());
    } else {
        for (int k = 0; k < 4; ++k) {
            if (k) *o++ = '.';
            o = put_uint(o, v.addr[static_cast<std::size_t>(k)]);
        }
    }
    // inet_out leaves out a full-length prefix; cidr_out always prints it.
    if (v.cidr || v.prefix != (v6 ? 128 : 32)) {
        *o++ = '/';
        o = put_uint(o, v.prefix);
    }
    return std::string(buf, o);
}

std::string macaddr_to_text(const MacAddrBytes& v) {
    std::string s(17, ':');
    for (std::size_t k = 0; k < 6; ++k) put_hex_byte(s.data() + 3 * k, v[k]);
    return s;
}

std::string macaddr8_to_text(const MacAddr8Bytes& v) {
    std::string s(23, ':');
    for (std::size_t k = 0; k < 8; ++k) put_hex_byte(s.data() + 3 * k, v[k]);
    return s;
}

}  // namespace uvpg::proto
