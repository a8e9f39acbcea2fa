// The network address types, both formats: inet and cidr (network_in/out, inet_net_ntop's
// IPv6 layout), macaddr and macaddr8. Split from codec_basic.cpp by type family.
#include "proto/codec_basic.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "proto/codec_util.hpp"

namespace uvpg::proto {
using namespace detail;

namespace {

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

// ---- binary -> C++ ----

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

// ---- C++ -> binary ----

void inet_to_bin(const InetValue& v, Bytes& out) {
    const bool v6 = v.family == 6;
    const std::uint8_t nb = v6 ? 16 : 4;
    const std::uint8_t head[4] = {v6 ? kPgsqlAfInet6 : kPgsqlAfInet, v.prefix,
                                  static_cast<std::uint8_t>(v.cidr ? 1 : 0), nb};
    out.insert(out.end(), head, head + 4);
    out.insert(out.end(), v.addr.begin(), v.addr.begin() + nb);
}

// ---- text -> C++ ----

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

// ---- C++ -> text ----

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
