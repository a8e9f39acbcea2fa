// Numeric codecs: numeric_send/numeric_recv binary form to and from numeric_in/numeric_out text.
#include "proto/codec_basic.hpp"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstring>
#include <limits>

#include "proto/codec_util.hpp"

namespace uvpg::proto {
using namespace detail;

namespace {

constexpr std::uint16_t kNumericPos = 0x0000;
constexpr std::uint16_t kNumericNeg = 0x4000;
constexpr std::uint16_t kNumericNaN = 0xC000;
constexpr std::uint16_t kNumericPInf = 0xD000;
constexpr std::uint16_t kNumericNInf = 0xF000;
constexpr std::uint16_t kNBase = 10000;
constexpr std::uint16_t kDscaleMax = 0x3FFF;
constexpr int kPow10[5] = {1, 10, 100, 1000, 10000};

// Four decimal digits of one base-10000 digit, leading zeros kept.
void put4(char* o, unsigned v) {
    o[3] = static_cast<char>('0' + v % 10);
    v /= 10;
    o[2] = static_cast<char>('0' + v % 10);
    v /= 10;
    o[1] = static_cast<char>('0' + v % 10);
    v /= 10;
    o[0] = static_cast<char>('0' + v);
}

std::int64_t floor_div4(std::int64_t x) { return x >= 0 ? x / 4 : -((-x + 3) / 4); }

void put_numeric_header(Bytes& out, std::uint16_t ndigits, std::int16_t weight, std::uint16_t sign,
                        std::uint16_t dscale) {
    const std::uint8_t b[8] = {static_cast<std::uint8_t>(ndigits >> 8),
                               static_cast<std::uint8_t>(ndigits),
                               static_cast<std::uint8_t>(static_cast<std::uint16_t>(weight) >> 8),
                               static_cast<std::uint8_t>(weight),
                               static_cast<std::uint8_t>(sign >> 8),
                               static_cast<std::uint8_t>(sign),
                               static_cast<std::uint8_t>(dscale >> 8),
                               static_cast<std::uint8_t>(dscale)};
    out.insert(out.end(), b, b + 8);
}

}  // namespace

// numeric_recv checks the header and every digit, truncates digits that dscale hides, strips
// zero digits and makes a zero positive; numeric_out then prints dscale decimals. Both steps are
// folded into one pass here.
CodecErrc bin_to_numeric(ByteView in, std::string& text) {
    if (in.size() < 8) return CodecErrc::truncated;
    const std::uint8_t* p = in.data();
    const auto ndigits = static_cast<std::int16_t>(get_u16(p));
    const auto weight = static_cast<std::int16_t>(get_u16(p + 2));
    const std::uint16_t sign = get_u16(p + 4);
    const std::uint16_t dscale = get_u16(p + 6);
    if (ndigits < 0) return CodecErrc::bad_digit_count;
    const std::size_t need = 8 + 2 * static_cast<std::size_t>(ndigits);
    if (in.size() < need) return CodecErrc::truncated;
    if (in.size() > need) return CodecErrc::trailing_bytes;
    if (sign != kNumericPos && sign != kNumericNeg && sign != kNumericNaN && sign != kNumericPInf &&
        sign != kNumericNInf)
        return CodecErrc::bad_sign;
    if ((dscale & kDscaleMax) != dscale) return CodecErrc::bad_digit_count;
    const std::uint8_t* digits = p + 8;
    for (int i = 0; i < ndigits; ++i)
        if (get_u16(digits + 2 * std::ptrdiff_t{i}) >= kNBase) return CodecErrc::bad_digit_count;
    if (sign == kNumericNaN) {
        text.assign("NaN");
        return CodecErrc::ok;
    }
    if (sign == kNumericPInf) {
        text.assign("Infinity");
        return CodecErrc::ok;
    }
    if (sign == kNumericNInf) {
        text.assign("-Infinity");
        return CodecErrc::ok;
    }

    // Leading zero digits do not count: digits [first, ndigits) with w the weight of the first.
    int first = 0;
    int w = weight;
    while (first < ndigits && get_u16(digits + 2 * std::ptrdiff_t{first}) == 0) {
        ++first;
        --w;
    }
    const int count = ndigits - first;
    auto digit = [&](long g) -> unsigned {  // g: index after `first`; outside the digits, zero
        return g >= 0 && g < count ? get_u16(digits + 2 * (first + g)) : 0u;
    };

    // Is any digit left that dscale shows? Only the first digit can be partly hidden.
    bool nonzero = false;
    if (count > 0) {
        const int hidden = -static_cast<int>(dscale) - 4 * w;  // its low decimals below the cut
        nonzero = hidden <= 0 || (hidden < 4 && digit(0) / static_cast<unsigned>(kPow10[hidden]) != 0);
    }
    const bool negative = sign == kNumericNeg && nonzero;
    const bool int_zero = count == 0 || w < 0;
    std::size_t first_len = 1;
    if (!int_zero) {
        const unsigned d0 = digit(0);
        first_len = d0 >= 1000 ? 4 : d0 >= 100 ? 3 : d0 >= 10 ? 2 : 1;
    }
    const std::size_t len = (negative ? 1 : 0) + first_len + (int_zero ? 0 : 4 * static_cast<std::size_t>(w)) +
                            (dscale > 0 ? 1 + std::size_t{dscale} : 0);
    text.resize(len);
    char* o = text.data();
    if (negative) *o++ = '-';
    if (int_zero) {
        *o++ = '0';
    } else {
        char buf[4];
        put4(buf, digit(0));
        std::memcpy(o, buf + 4 - first_len, first_len);
        o += first_len;
        for (long g = 1; g <= w; ++g, o += 4) put4(o, digit(g));
    }
    if (dscale > 0) {
        *o++ = '.';
        int remaining = dscale;
        for (long g = static_cast<long>(w) + 1; remaining > 0; ++g) {
            if (g >= count) {  // only zeros from here on
                std::memset(o, '0', static_cast<std::size_t>(remaining));
                o += remaining;
                break;
            }
            char buf[4];
            put4(buf, digit(g));
            const int take = std::min(4, remaining);
            std::memcpy(o, buf, static_cast<std::size_t>(take));
            o += take;
            remaining -= take;
        }
    }
    return CodecErrc::ok;
}

// Parses as numeric_in does, then lays the decimal digits out in base-10000 groups without
// building any intermediate string: the digits are read straight from the text.
CodecErrc numeric_to_bin(std::string_view s, Bytes& out) {
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n && is_space(s[i])) ++i;
    auto only_space_from = [&](std::size_t j) {
        while (j < n && is_space(s[j])) ++j;
        return j == n;
    };
    auto special = [&](std::size_t end, std::uint16_t sign) {
        if (!only_space_from(end)) return CodecErrc::bad_text;
        put_numeric_header(out, 0, 0, sign, 0);
        return CodecErrc::ok;
    };
    if (starts_with_nocase(s.substr(i), "nan")) return special(i + 3, kNumericNaN);
    bool negative = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    if (starts_with_nocase(s.substr(i), "infinity")) return special(i + 8, negative ? kNumericNInf : kNumericPInf);
    if (starts_with_nocase(s.substr(i), "inf")) return special(i + 3, negative ? kNumericNInf : kNumericPInf);

    const std::size_t int_begin = i;
    while (i < n && is_digit(s[i])) ++i;
    const std::size_t int_end = i;
    std::size_t frac_begin = i, frac_end = i;
    if (i < n && s[i] == '.') {
        frac_begin = ++i;
        while (i < n && is_digit(s[i])) ++i;
        frac_end = i;
    }
    if (int_end == int_begin && frac_end == frac_begin) return CodecErrc::bad_text;
    // numeric_in refuses exponents of INT_MAX/2 or more outright; below that, the weight and
    // scale checks decide. Accumulation stops growing once past the bound.
    constexpr std::int64_t kExpLimit = INT_MAX / 2;
    std::int64_t exponent = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool exp_negative = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) exp_negative = s[i++] == '-';
        if (i >= n || !is_digit(s[i])) return CodecErrc::bad_text;
        for (; i < n && is_digit(s[i]); ++i)
            if (exponent < kExpLimit) exponent = exponent * 10 + (s[i] - '0');
        if (exp_negative) exponent = -exponent;
    }
    if (!only_space_from(i)) return CodecErrc::bad_text;
    if (exponent >= kExpLimit || exponent <= -kExpLimit) return CodecErrc::out_of_range;

    // The decimal digits, integer then fraction, as one sequence D[0..total).
    const auto n_int = static_cast<std::int64_t>(int_end - int_begin);
    const auto n_frac = static_cast<std::int64_t>(frac_end - frac_begin);
    const std::int64_t total = n_int + n_frac;
    auto dec = [&](std::int64_t k) -> unsigned {
        const char c = k < n_int ? s[int_begin + static_cast<std::size_t>(k)]
                                 : s[frac_begin + static_cast<std::size_t>(k - n_int)];
        return static_cast<unsigned>(c - '0');
    };
    const std::int64_t dscale = std::max<std::int64_t>(0, n_frac - exponent);
    if (dscale > kDscaleMax) return CodecErrc::out_of_range;
    std::int64_t lead = 0;
    while (lead < total && dec(lead) == 0) ++lead;
    if (lead == total) {  // zero: no digits, weight 0, positive, scale kept
        put_numeric_header(out, 0, 0, kNumericPos, static_cast<std::uint16_t>(dscale));
        return CodecErrc::ok;
    }
    std::int64_t last = total - 1;
    while (dec(last) == 0) --last;
    const std::int64_t top = n_int - 1 + exponent;  // power of ten of D[0]
    const std::int64_t weight = floor_div4(top - lead);
    const std::int64_t low = floor_div4(top - last);
    const std::int64_t ndigits = weight - low + 1;
    if (weight > std::numeric_limits<std::int16_t>::max() || weight < std::numeric_limits<std::int16_t>::min() ||
        ndigits > std::numeric_limits<std::int16_t>::max())
        return CodecErrc::out_of_range;
    out.reserve(out.size() + 8 + 2 * static_cast<std::size_t>(ndigits));
    put_numeric_header(out, static_cast<std::uint16_t>(ndigits), static_cast<std::int16_t>(weight),
                       negative ? kNumericNeg : kNumericPos, static_cast<std::uint16_t>(dscale));
    for (std::int64_t gw = weight; gw >= low; --gw) {
        unsigned v = 0;
        for (int j = 3; j >= 0; --j) {
            const std::int64_t k = top - (4 * gw + j);
            v = v * 10 + (k >= lead && k <= last ? dec(k) : 0u);
        }
        put_u16(out, static_cast<std::uint16_t>(v));
    }
    return CodecErrc::ok;
}

}  // namespace uvpg::proto
