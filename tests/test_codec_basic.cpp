// Scalar codecs against byte vectors written from PostgreSQL's send/recv and in/out functions
// (numeric.c, network.c, inet_net_ntop.c, mac.c, mac8.c, uuid.c, varbit.c, cash.c, bytea), plus
// round trips and a deterministic fuzz pass: no input may crash or give anything but a CodecErrc.
#include "proto/codec_basic.hpp"

#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>

using namespace uvpg;
using namespace uvpg::proto;

namespace {

Bytes B(std::initializer_list<int> v) {
    Bytes out;
    for (int x : v) out.push_back(static_cast<std::uint8_t>(x));
    return out;
}

ByteView V(const Bytes& b) { return ByteView(b.data(), b.size()); }

// numeric_send's layout: four int16 header words, then the base-10000 digits.
Bytes numeric_bytes(int ndigits, int weight, int sign, int dscale, std::initializer_list<int> digits) {
    Bytes out;
    for (int w : {ndigits, weight, sign, dscale}) {
        out.push_back(static_cast<std::uint8_t>((w >> 8) & 0xFF));
        out.push_back(static_cast<std::uint8_t>(w & 0xFF));
    }
    for (int d : digits) {
        out.push_back(static_cast<std::uint8_t>((d >> 8) & 0xFF));
        out.push_back(static_cast<std::uint8_t>(d & 0xFF));
    }
    return out;
}

std::string dec_text(const Bytes& b) {
    std::string s;
    const CodecErrc e = bin_to_numeric(V(b), s);
    REQUIRE(e == CodecErrc::ok);
    return s;
}

Bytes enc(std::string_view text) {
    Bytes b;
    const CodecErrc e = numeric_to_bin(text, b);
    REQUIRE_MESSAGE(e == CodecErrc::ok, text);
    return b;
}

CodecErrc enc_err(std::string_view text) {
    Bytes b;
    const CodecErrc e = numeric_to_bin(text, b);
    if (e != CodecErrc::ok) CHECK(b.empty());  // nothing appended on error
    return e;
}

std::string numeric_round_trip(std::string_view text) { return dec_text(enc(text)); }

InetValue inet_text(std::string_view s, bool cidr = false) {
    InetValue v;
    const CodecErrc e = text_to_inet(s, cidr, v);
    REQUIRE_MESSAGE(e == CodecErrc::ok, s);
    return v;
}

CodecErrc inet_err(std::string_view s, bool cidr = false) {
    InetValue v;
    return text_to_inet(s, cidr, v);
}

}  // namespace

// ---- fixed-size scalars ------------------------------------------------------------------------

TEST_CASE("bool binary and text") {
    bool v = false;
    CHECK(bin_to_bool(V(B({1})), v) == CodecErrc::ok);
    CHECK(v);
    CHECK(bin_to_bool(V(B({0})), v) == CodecErrc::ok);
    CHECK(!v);
    CHECK(bin_to_bool(V(B({2})), v) == CodecErrc::bad_value);
    CHECK(bin_to_bool(V(B({0xFF})), v) == CodecErrc::bad_value);
    CHECK(bin_to_bool(V(B({})), v) == CodecErrc::bad_length);
    CHECK(bin_to_bool(V(B({0, 1})), v) == CodecErrc::bad_length);
    Bytes out;
    bool_to_bin(true, out);
    bool_to_bin(false, out);
    CHECK(out == B({1, 0}));

    CHECK(text_to_bool("t", v) == CodecErrc::ok);
    CHECK(v);
    CHECK(text_to_bool("f", v) == CodecErrc::ok);
    CHECK(!v);
    for (const char* bad : {"", "T", "true", "false", "1", "0", "t ", "yes"})
        CHECK_MESSAGE(text_to_bool(bad, v) == CodecErrc::bad_text, bad);
}

TEST_CASE("int2/int4/int8/oid: big-endian, exact sizes, extremes") {
    std::int16_t i2 = 0;
    CHECK(bin_to_int2(V(B({0x80, 0x00})), i2) == CodecErrc::ok);
    CHECK(i2 == std::numeric_limits<std::int16_t>::min());
    CHECK(bin_to_int2(V(B({0x7F, 0xFF})), i2) == CodecErrc::ok);
    CHECK(i2 == std::numeric_limits<std::int16_t>::max());
    CHECK(bin_to_int2(V(B({0x01, 0x02})), i2) == CodecErrc::ok);
    CHECK(i2 == 0x0102);
    CHECK(bin_to_int2(V(B({0xFF, 0xFF})), i2) == CodecErrc::ok);
    CHECK(i2 == -1);
    CHECK(bin_to_int2(V(B({1})), i2) == CodecErrc::bad_length);
    CHECK(bin_to_int2(V(B({1, 2, 3})), i2) == CodecErrc::bad_length);

    std::int32_t i4 = 0;
    CHECK(bin_to_int4(V(B({0x80, 0, 0, 0})), i4) == CodecErrc::ok);
    CHECK(i4 == std::numeric_limits<std::int32_t>::min());
    CHECK(bin_to_int4(V(B({0x7F, 0xFF, 0xFF, 0xFF})), i4) == CodecErrc::ok);
    CHECK(i4 == std::numeric_limits<std::int32_t>::max());
    CHECK(bin_to_int4(V(B({0x12, 0x34, 0x56, 0x78})), i4) == CodecErrc::ok);
    CHECK(i4 == 0x12345678);
    CHECK(bin_to_int4(V(B({1, 2, 3})), i4) == CodecErrc::bad_length);
    CHECK(bin_to_int4(V(B({1, 2, 3, 4, 5, 6, 7, 8})), i4) == CodecErrc::bad_length);

    std::int64_t i8 = 0;
    CHECK(bin_to_int8(V(B({0x80, 0, 0, 0, 0, 0, 0, 0})), i8) == CodecErrc::ok);
    CHECK(i8 == std::numeric_limits<std::int64_t>::min());
    CHECK(bin_to_int8(V(B({0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})), i8) == CodecErrc::ok);
    CHECK(i8 == std::numeric_limits<std::int64_t>::max());
    CHECK(bin_to_int8(V(B({0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF})), i8) == CodecErrc::ok);
    CHECK(i8 == 0x0123456789ABCDEFLL);
    CHECK(bin_to_int8(V(B({1, 2, 3, 4})), i8) == CodecErrc::bad_length);

    std::uint32_t oid = 0;
    CHECK(bin_to_oid(V(B({0xFF, 0xFF, 0xFF, 0xFF})), oid) == CodecErrc::ok);
    CHECK(oid == 4294967295u);
    CHECK(bin_to_oid(V(B({0, 0, 0x04, 0xEB})), oid) == CodecErrc::ok);
    CHECK(oid == 1259u);  // pg_class
    CHECK(bin_to_oid(V(B({0, 0, 0})), oid) == CodecErrc::bad_length);

    Bytes out;
    int2_to_bin(-2, out);
    int4_to_bin(std::numeric_limits<std::int32_t>::min(), out);
    int8_to_bin(-1, out);
    oid_to_bin(0xDEADBEEF, out);
    CHECK(out ==
          B({0xFF, 0xFE, 0x80, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xDE, 0xAD, 0xBE, 0xEF}));

    for (std::int64_t x : {std::numeric_limits<std::int64_t>::min(), std::int64_t{-1}, std::int64_t{0},
                           std::int64_t{42}, std::numeric_limits<std::int64_t>::max()}) {
        Bytes b;
        int8_to_bin(x, b);
        std::int64_t y = 0;
        CHECK(bin_to_int8(V(b), y) == CodecErrc::ok);
        CHECK(y == x);
    }
}

TEST_CASE("float4/float8 keep NaN, infinities and -0 bit for bit") {
    float f = 0;
    CHECK(bin_to_float4(V(B({0x3F, 0xC0, 0, 0})), f) == CodecErrc::ok);
    CHECK(f == 1.5f);
    CHECK(bin_to_float4(V(B({0x7F, 0xC0, 0, 0})), f) == CodecErrc::ok);
    CHECK(std::isnan(f));
    CHECK(std::bit_cast<std::uint32_t>(f) == 0x7FC00000u);
    CHECK(bin_to_float4(V(B({0x7F, 0x80, 0, 0})), f) == CodecErrc::ok);
    CHECK(f == std::numeric_limits<float>::infinity());
    CHECK(bin_to_float4(V(B({0xFF, 0x80, 0, 0})), f) == CodecErrc::ok);
    CHECK(f == -std::numeric_limits<float>::infinity());
    CHECK(bin_to_float4(V(B({0x80, 0, 0, 0})), f) == CodecErrc::ok);
    CHECK(f == 0.0f);
    CHECK(std::signbit(f));
    CHECK(bin_to_float4(V(B({0, 0, 0})), f) == CodecErrc::bad_length);
    CHECK(bin_to_float4(V(B({0, 0, 0, 0, 0, 0, 0, 0})), f) == CodecErrc::bad_length);

    double d = 0;
    CHECK(bin_to_float8(V(B({0x3F, 0xF8, 0, 0, 0, 0, 0, 0})), d) == CodecErrc::ok);
    CHECK(d == 1.5);
    CHECK(bin_to_float8(V(B({0x7F, 0xF8, 0, 0, 0, 0, 0, 0})), d) == CodecErrc::ok);
    CHECK(std::isnan(d));
    CHECK(bin_to_float8(V(B({0x7F, 0xF0, 0, 0, 0, 0, 0, 0})), d) == CodecErrc::ok);
    CHECK(d == std::numeric_limits<double>::infinity());
    CHECK(bin_to_float8(V(B({0xFF, 0xF0, 0, 0, 0, 0, 0, 0})), d) == CodecErrc::ok);
    CHECK(d == -std::numeric_limits<double>::infinity());
    CHECK(bin_to_float8(V(B({0x80, 0, 0, 0, 0, 0, 0, 0})), d) == CodecErrc::ok);
    CHECK(std::signbit(d));
    CHECK(bin_to_float8(V(B({0, 0, 0, 0})), d) == CodecErrc::bad_length);

    Bytes out;
    float4_to_bin(-0.0f, out);
    float8_to_bin(-std::numeric_limits<double>::infinity(), out);
    CHECK(out == B({0x80, 0, 0, 0, 0xFF, 0xF0, 0, 0, 0, 0, 0, 0}));

    // A NaN with a payload survives the round trip unchanged.
    const auto payload_nan = std::bit_cast<double>(std::uint64_t{0x7FF8000000001234});
    Bytes b;
    float8_to_bin(payload_nan, b);
    CHECK(bin_to_float8(V(b), d) == CodecErrc::ok);
    CHECK(std::bit_cast<std::uint64_t>(d) == 0x7FF8000000001234u);
    for (float x : {0.0f, -0.0f, 1e-45f, std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(),
                    std::numeric_limits<float>::quiet_NaN()}) {
        Bytes c;
        float4_to_bin(x, c);
        float y = 0;
        CHECK(bin_to_float4(V(c), y) == CodecErrc::ok);
        CHECK(std::bit_cast<std::uint32_t>(y) == std::bit_cast<std::uint32_t>(x));
    }
}

TEST_CASE("money is an int8 of minor units") {
    std::int64_t m = 0;
    CHECK(bin_to_money(V(B({0, 0, 0, 0, 0, 0x01, 0xE2, 0x40})), m) == CodecErrc::ok);
    CHECK(m == 123456);
    CHECK(bin_to_money(V(B({0, 0, 0, 0})), m) == CodecErrc::bad_length);
    Bytes out;
    money_to_bin(-100, out);
    CHECK(out == B({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x9C}));
}

// ---- numeric -----------------------------------------------------------------------------------

TEST_CASE("numeric: known wire values decode to numeric_out's text") {
    CHECK(dec_text(numeric_bytes(2, 0, 0x0000, 3, {12, 3400})) == "12.340");
    CHECK(dec_text(numeric_bytes(1, -1, 0x4000, 6, {1})) == "-0.000100");
    CHECK(dec_text(numeric_bytes(0, 0, 0x0000, 0, {})) == "0");
    CHECK(dec_text(numeric_bytes(0, 0, 0x0000, 3, {})) == "0.000");
    CHECK(dec_text(numeric_bytes(1, 0, 0x0000, 0, {1500})) == "1500");
    CHECK(dec_text(numeric_bytes(1, 1, 0x0000, 0, {1})) == "10000");
    CHECK(dec_text(numeric_bytes(1, 1, 0x4000, 2, {1})) == "-10000.00");
    CHECK(dec_text(numeric_bytes(3, 2, 0x0000, 0, {1, 0, 1})) == "100000001");
    CHECK(dec_text(numeric_bytes(1, -1, 0x0000, 1, {5000})) == "0.5");
    CHECK(dec_text(numeric_bytes(1, -2, 0x0000, 8, {1})) == "0.00000001");
    CHECK(dec_text(numeric_bytes(2, 0, 0x4000, 4, {9999, 9999})) == "-9999.9999");
    CHECK(dec_text(numeric_bytes(0, 0, 0xC000, 0, {})) == "NaN");
    CHECK(dec_text(numeric_bytes(0, 0, 0xD000, 0, {})) == "Infinity");
    CHECK(dec_text(numeric_bytes(0, 0, 0xF000, 0, {})) == "-Infinity");
    // numeric_recv reads (and checks) digits even for NaN, then ignores them.
    CHECK(dec_text(numeric_bytes(1, 3, 0xC000, 2, {5})) == "NaN");
}

TEST_CASE("numeric: decoding normalizes as numeric_recv does") {
    // A negative zero prints as zero.
    CHECK(dec_text(numeric_bytes(0, 0, 0x4000, 0, {})) == "0");
    CHECK(dec_text(numeric_bytes(0, 5, 0x4000, 2, {})) == "0.00");
    CHECK(dec_text(numeric_bytes(2, 0, 0x4000, 0, {0, 0})) == "0");
    // Leading zero digits are stripped before printing.
    CHECK(dec_text(numeric_bytes(2, 1, 0x0000, 0, {0, 5})) == "5");
    CHECK(dec_text(numeric_bytes(3, 1, 0x0000, 4, {0, 5, 0})) == "5.0000");
    // Digits that dscale hides are truncated; if nothing is left, the sign goes too.
    CHECK(dec_text(numeric_bytes(1, -1, 0x4000, 2, {1})) == "0.00");
    CHECK(dec_text(numeric_bytes(1, -1, 0x4000, 2, {1234})) == "-0.12");
    CHECK(dec_text(numeric_bytes(1, -1, 0x4000, 5, {1234})) == "-0.12340");
    CHECK(dec_text(numeric_bytes(2, 0, 0x0000, 0, {7, 5000})) == "7");
    CHECK(dec_text(numeric_bytes(1, -3, 0x4000, 4, {1})) == "0.0000");
}

TEST_CASE("numeric: malformed wire values") {
    std::string s = "untouched";
    CHECK(bin_to_numeric(V(B({})), s) == CodecErrc::truncated);
    CHECK(bin_to_numeric(V(B({0, 0, 0, 0, 0, 0, 0})), s) == CodecErrc::truncated);
    CHECK(bin_to_numeric(V(numeric_bytes(-1, 0, 0, 0, {})), s) == CodecErrc::bad_digit_count);
    CHECK(bin_to_numeric(V(numeric_bytes(-32768, 0, 0, 0, {})), s) == CodecErrc::bad_digit_count);
    CHECK(bin_to_numeric(V(numeric_bytes(1, 0, 0, 0, {10000})), s) == CodecErrc::bad_digit_count);
    CHECK(bin_to_numeric(V(numeric_bytes(2, 0, 0, 0, {1, 0xFFFF})), s) == CodecErrc::bad_digit_count);
    CHECK(bin_to_numeric(V(numeric_bytes(1, 0, 0, 0, {0x8000})), s) == CodecErrc::bad_digit_count);
    CHECK(bin_to_numeric(V(numeric_bytes(0, 0, 0, 0x4000, {})), s) == CodecErrc::bad_digit_count);
    CHECK(bin_to_numeric(V(numeric_bytes(0, 0, 0, 0xFFFF, {})), s) == CodecErrc::bad_digit_count);
    for (int sign : {0x1234, 0x8000, 0x2000, 0xE000, 0xFFFF, 0x0001, 0xC001})
        CHECK_MESSAGE(bin_to_numeric(V(numeric_bytes(0, 0, sign, 0, {})), s) == CodecErrc::bad_sign, sign);
    CHECK(bin_to_numeric(V(numeric_bytes(2, 0, 0, 0, {1})), s) == CodecErrc::truncated);  // length mismatch
    Bytes longer = numeric_bytes(1, 0, 0, 0, {1});
    longer.push_back(0);
    CHECK(bin_to_numeric(V(longer), s) == CodecErrc::trailing_bytes);
    longer.push_back(0);
    CHECK(bin_to_numeric(V(longer), s) == CodecErrc::trailing_bytes);
    CHECK(s == "untouched");
}

TEST_CASE("numeric: text encodes to numeric_send's bytes") {
    CHECK(enc("12.340") == numeric_bytes(2, 0, 0x0000, 3, {12, 3400}));
    CHECK(enc("-0.000100") == numeric_bytes(1, -1, 0x4000, 6, {1}));
    CHECK(enc("1.5e3") == numeric_bytes(1, 0, 0x0000, 0, {1500}));
    CHECK(enc("0") == numeric_bytes(0, 0, 0x0000, 0, {}));
    CHECK(enc("0.000") == numeric_bytes(0, 0, 0x0000, 3, {}));
    CHECK(enc("-0") == numeric_bytes(0, 0, 0x0000, 0, {}));
    CHECK(enc("-0.00") == numeric_bytes(0, 0, 0x0000, 2, {}));
    CHECK(enc("000") == numeric_bytes(0, 0, 0x0000, 0, {}));
    CHECK(enc(".5") == numeric_bytes(1, -1, 0x0000, 1, {5000}));
    CHECK(enc("5.") == numeric_bytes(1, 0, 0x0000, 0, {5}));
    CHECK(enc("  +00012.5000  ") == numeric_bytes(2, 0, 0x0000, 4, {12, 5000}));
    CHECK(enc("10000") == numeric_bytes(1, 1, 0x0000, 0, {1}));
    CHECK(enc("100000001") == numeric_bytes(3, 2, 0x0000, 0, {1, 0, 1}));
    CHECK(enc("123456789.123456789") == numeric_bytes(6, 2, 0x0000, 9, {1, 2345, 6789, 1234, 5678, 9000}));
    CHECK(enc("0.00000001") == numeric_bytes(1, -2, 0x0000, 8, {1}));
    CHECK(enc("1E-2") == numeric_bytes(1, -1, 0x0000, 2, {100}));
    CHECK(enc("1.23e+2") == numeric_bytes(1, 0, 0x0000, 0, {123}));
    CHECK(enc("1.e5") == numeric_bytes(1, 1, 0x0000, 0, {10}));
    CHECK(enc("-12345e-10") == numeric_bytes(2, -2, 0x4000, 10, {123, 4500}));
    CHECK(enc("NaN") == numeric_bytes(0, 0, 0xC000, 0, {}));
    CHECK(enc(" nan ") == numeric_bytes(0, 0, 0xC000, 0, {}));
    CHECK(enc("Infinity") == numeric_bytes(0, 0, 0xD000, 0, {}));
    CHECK(enc("+inf") == numeric_bytes(0, 0, 0xD000, 0, {}));
    CHECK(enc("-INFINITY") == numeric_bytes(0, 0, 0xF000, 0, {}));
    CHECK(enc("-Inf") == numeric_bytes(0, 0, 0xF000, 0, {}));

    // Appends: what is in the buffer stays.
    Bytes b = B({0xAA});
    CHECK(numeric_to_bin("1", b) == CodecErrc::ok);
    CHECK(b == B({0xAA, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}));
}

TEST_CASE("numeric: text round trips print what numeric_out prints") {
    CHECK(numeric_round_trip("1.5e3") == "1500");
    CHECK(numeric_round_trip("-0") == "0");
    CHECK(numeric_round_trip("-0.000") == "0.000");
    CHECK(numeric_round_trip("0.000") == "0.000");
    CHECK(numeric_round_trip("-0.000100") == "-0.000100");
    CHECK(numeric_round_trip("007.10") == "7.10");
    CHECK(numeric_round_trip(".5") == "0.5");
    CHECK(numeric_round_trip("5.") == "5");
    CHECK(numeric_round_trip("1.50e-1") == "0.150");
    CHECK(numeric_round_trip("12e-1") == "1.2");
    CHECK(numeric_round_trip("0.0001e4") == "1");
    CHECK(numeric_round_trip("0e5") == "0");
    CHECK(numeric_round_trip("0e1000000") == "0");
    CHECK(numeric_round_trip("-1e0") == "-1");
    CHECK(numeric_round_trip("NaN") == "NaN");
    CHECK(numeric_round_trip("inf") == "Infinity");
    CHECK(numeric_round_trip("-infinity") == "-Infinity");
    CHECK(numeric_round_trip("9223372036854775807") == "9223372036854775807");
    CHECK(numeric_round_trip("-9223372036854775808.5") == "-9223372036854775808.5");

    // 1e-1000, exactly.
    CHECK(numeric_round_trip("1e-1000") == "0." + std::string(999, '0') + "1");
    CHECK(enc("1e-1000") == numeric_bytes(1, -250, 0x0000, 1000, {1}));
    // 1e1000 and its neighbour.
    CHECK(numeric_round_trip("1e1000") == "1" + std::string(1000, '0'));
    CHECK(enc("1e1000") == numeric_bytes(1, 250, 0x0000, 0, {1}));
    CHECK(numeric_round_trip("-1e1000") == "-1" + std::string(1000, '0'));
}

TEST_CASE("numeric: 1000-digit and longer values both ways") {
    std::mt19937 rng(12345);
    auto digits = [&](std::size_t n, bool nonzero_first) {
        std::string s;
        for (std::size_t i = 0; i < n; ++i) {
            char c = static_cast<char>('0' + rng() % 10);
            if (i == 0 && nonzero_first && c == '0') c = '7';
            s.push_back(c);
        }
        return s;
    };
    const std::string big = digits(1000, true);
    CHECK(numeric_round_trip(big) == big);
    CHECK(numeric_round_trip("-" + big) == "-" + big);
    const std::string frac = "0." + digits(1000, false);
    CHECK(numeric_round_trip(frac) == frac);
    const std::string mixed = digits(1234, true) + "." + digits(2345, false);
    CHECK(numeric_round_trip(mixed) == mixed);
    // 1000 nines: every base-10000 digit is 9999.
    const std::string nines(1000, '9');
    const Bytes nb = enc(nines);
    CHECK(nb.size() == 8 + 2 * 250);
    CHECK(dec_text(nb) == nines);

    // Random decimals, with and without exponents: decoding the encoding gives the canonical text.
    for (int iter = 0; iter < 3000; ++iter) {
        const std::size_t ni = rng() % 30, nf = rng() % 30;
        if (ni + nf == 0) continue;
        std::string ip = digits(ni, false), fp = digits(nf, false);
        const bool neg = rng() % 2;
        std::string text = (neg ? "-" : "") + ip + (nf > 0 || rng() % 2 ? "." : "") + fp;
        // Canonical form: integer part without leading zeros, fraction kept, no "-" on zero.
        std::string ci = ip;
        while (ci.size() > 1 && ci[0] == '0') ci.erase(0, 1);
        if (ci.empty()) ci = "0";
        std::string canon = ci + (nf > 0 ? "." + fp : "");
        const bool is_zero = (ip + fp).find_first_not_of('0') == std::string::npos;
        if (neg && !is_zero) canon = "-" + canon;
        CHECK_MESSAGE(numeric_round_trip(text) == canon, text);
        // The same value written with an exponent: shift the point left by e digits.
        if (ni >= 3) {
            const std::string shifted = (neg ? "-" : "") + ip.substr(0, ni - 3) + "." + ip.substr(ni - 3) + fp + "e3";
            const std::string want = canon;
            // Writing the value as x.yyy e3 keeps the same dscale only when the fraction was there.
            if (nf > 0) CHECK_MESSAGE(numeric_round_trip(shifted) == want, shifted);
        }
    }
}

TEST_CASE("numeric: range limits of the format") {
    // weight up to 32767 (131072 digits before the point), dscale up to 16383.
    CHECK(enc_err("1e131071") == CodecErrc::ok);
    CHECK(enc("1e131071") == numeric_bytes(1, 32767, 0x0000, 0, {1000}));
    CHECK(enc_err("9.999e131071") == CodecErrc::ok);
    CHECK(enc_err("1e131072") == CodecErrc::out_of_range);
    CHECK(enc_err("1e-16383") == CodecErrc::ok);
    CHECK(enc_err("1e-16384") == CodecErrc::out_of_range);
    CHECK(enc_err("0e-16384") == CodecErrc::out_of_range);
    CHECK(enc_err("0." + std::string(16384, '0')) == CodecErrc::out_of_range);
    CHECK(enc_err("1e2147483647") == CodecErrc::out_of_range);
    CHECK(enc_err("1e-2147483648") == CodecErrc::out_of_range);
    CHECK(enc_err("0e99999999999999999999999") == CodecErrc::out_of_range);
    CHECK(enc_err("1e1073741823") == CodecErrc::out_of_range);
    // A value whose digits would not fit an int16 count.
    CHECK(enc_err("1" + std::string(131071, '0') + "." + std::string(16382, '0') + "1") == CodecErrc::out_of_range);
}

TEST_CASE("numeric: text that numeric_in refuses") {
    for (const char* bad : {"",    " ",   "abc",   "1.2.3", "1e",   "1e+",  "e5",     ".",       "+",         "-",
                            "1 2", "--1", "+-1",   "+NaN",  "-NaN", "NaN1", "nan x",  "infinit", "infinityy", "- 1",
                            "1..", "..1", "1e1.5", "1,000", "0x",   "1e 5", "\t-\t1", "12a",     "1e--5"})
        CHECK_MESSAGE(enc_err(bad) == CodecErrc::bad_text, bad);
    CHECK(enc_err(std::string_view("1\0", 2)) == CodecErrc::bad_text);
}

// ---- uuid --------------------------------------------------------------------------------------

TEST_CASE("uuid binary and text") {
    const Bytes raw =
        B({0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11});
    UuidBytes u;
    CHECK(bin_to_uuid(V(raw), u) == CodecErrc::ok);
    CHECK(uuid_to_text(u) == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    Bytes out;
    uuid_to_bin(u, out);
    CHECK(out == raw);
    CHECK(bin_to_uuid(V(B({1, 2, 3})), u) == CodecErrc::bad_length);
    Bytes seventeen = raw;
    seventeen.push_back(0);
    CHECK(bin_to_uuid(V(seventeen), u) == CodecErrc::bad_length);

    // The forms the PostgreSQL documentation lists for uuid input.
    for (const char* text : {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
                             "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11",
                             "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}"}) {
        UuidBytes v;
        CHECK_MESSAGE(text_to_uuid(text, v) == CodecErrc::ok, text);
        CHECK_MESSAGE(v == u, text);
    }
    for (const char* bad : {"", "{}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111",
                            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", "-a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                            "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11", "a0eeb-c99-9c0b-4ef8-bb6d-6bb9bd380a11",
                            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
                            "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}) {
        UuidBytes v;
        CHECK_MESSAGE(text_to_uuid(bad, v) == CodecErrc::bad_text, bad);
    }
    CHECK(uuid_to_text(UuidBytes{}) == "00000000-0000-0000-0000-000000000000");
}

// ---- jsonb -------------------------------------------------------------------------------------

TEST_CASE("jsonb: version byte then text") {
    std::string_view t;
    const Bytes b = B({1, '{', '"', 'a', '"', ':', '1', '}'});
    CHECK(bin_to_jsonb(V(b), t) == CodecErrc::ok);
    CHECK(t == "{\"a\":1}");
    CHECK(t.data() == reinterpret_cast<const char*>(b.data()) + 1);  // a view, no copy
    CHECK(bin_to_jsonb(V(B({1})), t) == CodecErrc::ok);
    CHECK(t.empty());
    CHECK(bin_to_jsonb(V(B({2, '{', '}'})), t) == CodecErrc::unknown_version);
    CHECK(bin_to_jsonb(V(B({0, '{', '}'})), t) == CodecErrc::unknown_version);
    CHECK(bin_to_jsonb(V(B({})), t) == CodecErrc::truncated);
    Bytes out;
    jsonb_to_bin("[1,2]", out);
    CHECK(out == B({1, '[', '1', ',', '2', ']'}));
}

// ---- inet / cidr -------------------------------------------------------------------------------

TEST_CASE("inet/cidr binary: network_send layout") {
    InetValue v;
    CHECK(bin_to_inet(V(B({2, 32, 0, 4, 192, 168, 0, 1})), v) == CodecErrc::ok);
    CHECK(v.family == 4);
    CHECK(v.prefix == 32);
    CHECK(!v.cidr);
    CHECK(v.addr[0] == 192);
    CHECK(v.addr[3] == 1);
    CHECK(inet_to_text(v) == "192.168.0.1");

    CHECK(bin_to_inet(V(B({2, 24, 1, 4, 192, 168, 0, 0})), v) == CodecErrc::ok);
    CHECK(v.cidr);
    CHECK(inet_to_text(v) == "192.168.0.0/24");

    const Bytes loop6 = B({3, 128, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    CHECK(bin_to_inet(V(loop6), v) == CodecErrc::ok);
    CHECK(v.family == 6);
    CHECK(v.prefix == 128);
    CHECK(inet_to_text(v) == "::1");
    Bytes out;
    inet_to_bin(v, out);
    CHECK(out == loop6);

    // inet keeps host bits under a short prefix.
    CHECK(bin_to_inet(V(B({2, 8, 0, 4, 10, 1, 2, 3})), v) == CodecErrc::ok);
    CHECK(inet_to_text(v) == "10.1.2.3/8");

    // Malformed.
    CHECK(bin_to_inet(V(B({})), v) == CodecErrc::truncated);
    CHECK(bin_to_inet(V(B({2, 32, 0})), v) == CodecErrc::truncated);
    CHECK(bin_to_inet(V(B({1, 32, 0, 4, 1, 2, 3, 4})), v) == CodecErrc::bad_value);  // AF_UNIX?
    CHECK(bin_to_inet(V(B({4, 32, 0, 4, 1, 2, 3, 4})), v) == CodecErrc::bad_value);
    CHECK(bin_to_inet(V(B({2, 33, 0, 4, 1, 2, 3, 4})), v) == CodecErrc::bad_value);
    CHECK(bin_to_inet(V(B({3, 129, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})), v) ==
          CodecErrc::bad_value);
    CHECK(bin_to_inet(V(B({2, 32, 2, 4, 1, 2, 3, 4})), v) == CodecErrc::bad_value);  // is_cidr not 0/1
    CHECK(bin_to_inet(V(B({2, 32, 0, 5, 1, 2, 3, 4, 5})), v) == CodecErrc::bad_length);
    CHECK(bin_to_inet(V(B({2, 32, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})), v) ==
          CodecErrc::bad_length);
    CHECK(bin_to_inet(V(B({3, 64, 0, 4, 1, 2, 3, 4})), v) == CodecErrc::bad_length);
    CHECK(bin_to_inet(V(B({2, 32, 0, 4, 1, 2, 3})), v) == CodecErrc::truncated);
    CHECK(bin_to_inet(V(B({2, 32, 0, 4, 1, 2, 3, 4, 5})), v) == CodecErrc::trailing_bytes);
    CHECK(bin_to_inet(V(B({2, 24, 1, 4, 192, 168, 0, 1})), v) == CodecErrc::bad_value);  // cidr host bits
    CHECK(bin_to_inet(V(B({2, 0, 1, 4, 0, 0, 0, 1})), v) == CodecErrc::bad_value);
    CHECK(bin_to_inet(V(B({2, 0, 1, 4, 0, 0, 0, 0})), v) == CodecErrc::ok);
    CHECK(inet_to_text(v) == "0.0.0.0/0");
}

TEST_CASE("inet/cidr text in and out as inet_in/inet_out print it") {
    struct Case {
        const char* in;
        bool cidr;
        const char* out;
    };
    const Case cases[] = {
        {"192.168.0.1", false, "192.168.0.1"},
        {"192.168.0.1/32", false, "192.168.0.1"},
        {"192.168.0.1/24", false, "192.168.0.1/24"},
        {"192.168.0.0/24", true, "192.168.0.0/24"},
        {"10.0.0.0", true, "10.0.0.0/32"},
        {"0.0.0.0/0", true, "0.0.0.0/0"},
        {"255.255.255.255", false, "255.255.255.255"},
        {"001.002.003.004", false, "1.2.3.4"},
        {"1.2.3.4/0032", false, "1.2.3.4"},
        {"1.2.3.0/024", true, "1.2.3.0/24"},
        {"::1", false, "::1"},
        {"::1/128", false, "::1"},
        {"::1/128", true, "::1/128"},
        {"::1/64", false, "::1/64"},
        {"::", false, "::"},
        {"::/0", true, "::/0"},
        {"1::", false, "1::"},
        {"2001:db8::/32", true, "2001:db8::/32"},
        {"2001:DB8::1", false, "2001:db8::1"},
        {"2001:0db8:0000:0000:0000:ff00:0042:8329", false, "2001:db8::ff00:42:8329"},
        {"2001:db8:0:0:1:0:0:1", false, "2001:db8::1:0:0:1"},  // equal runs: the first is compressed
        {"2001:db8:0:1:0:0:0:1", false, "2001:db8:0:1::1"},    // the longer run wins
        {"1:0:2:3:4:5:6:7", false, "1:0:2:3:4:5:6:7"},         // a single zero stays
        {"1:2:3:4:5:6:7:8", false, "1:2:3:4:5:6:7:8"},
        {"1:2:3:4:5:6:7::", false, "1:2:3:4:5:6:7:0"},
        {"::2:3:4:5:6:7:8", false, "0:2:3:4:5:6:7:8"},
        {"fe80::1:2", false, "fe80::1:2"},
        {"1:0:0:0:0:0:0:0", false, "1::"},
        {"::ffff:1.2.3.4", false, "::ffff:1.2.3.4"},
        {"::FFFF:102:304", false, "::ffff:1.2.3.4"},
        {"::ffff:0:0", false, "::ffff:0.0.0.0"},
        {"::1.2.3.4", false, "::1.2.3.4"},
        {"::0.0.0.2", false, "::2"},
        {"::ffff:1.2.3.4/128", true, "::ffff:1.2.3.4/128"},
        {"1:2:3:4:5:6:1.2.3.4", false, "1:2:3:4:5:6:102:304"},
        {"::1:0:0:0", false, "::1:0:0:0"},  // the longer run wins over a later one
    };
    for (const Case& c : cases) {
        const InetValue v = inet_text(c.in, c.cidr);
        CHECK_MESSAGE(inet_to_text(v) == c.out, c.in);
        CHECK(v.cidr == c.cidr);
        // Printed text parses back to the same value, and binary round trips.
        const InetValue w = inet_text(c.out, c.cidr);
        CHECK_MESSAGE(w == v, c.in);
        Bytes b;
        inet_to_bin(v, b);
        InetValue x;
        CHECK(bin_to_inet(V(b), x) == CodecErrc::ok);
        CHECK_MESSAGE(x == v, c.in);
    }
    const InetValue m = inet_text("::ffff:1.2.3.4");
    CHECK(m.family == 6);
    CHECK(m.prefix == 128);
    CHECK(m.addr[10] == 0xFF);
    CHECK(m.addr[11] == 0xFF);
    CHECK(m.addr[12] == 1);
    CHECK(m.addr[15] == 4);
    const InetValue v4 = inet_text("192.168.0.0/24", true);
    CHECK(v4.family == 4);
    CHECK(v4.prefix == 24);
    CHECK(v4.addr[4] == 0);
}

TEST_CASE("inet/cidr text: host bits and garbage") {
    CHECK(inet_err("192.168.0.1/24", true) == CodecErrc::bad_value);
    CHECK(inet_err("10.0.0.1/31", true) == CodecErrc::bad_value);
    CHECK(inet_err("2001:db8::1/32", true) == CodecErrc::bad_value);
    CHECK(inet_err("::1/127", true) == CodecErrc::bad_value);
    CHECK(inet_err("192.168.0.1/24", false) == CodecErrc::ok);
    for (const char* bad : {"",
                            "1.2.3",
                            "1.2.3.4.5",
                            "256.1.1.1",
                            "1.2.3.4/33",
                            "1.2.3.4/",
                            "1.2.3.4/a",
                            "1.2.3.4/-1",
                            "1.2.3.4/0033",
                            "1.2.3.4/99999999999",
                            "1..2.3",
                            ".1.2.3",
                            "1.2.3.",
                            "1.2.3.4 ",
                            " 1.2.3.4",
                            "1234.1.1.1",
                            ":::",
                            "1:::2",
                            "1::2::3",
                            "12345::",
                            "1:2:3:4:5:6:7:8:9",
                            "1:2:3:4:5:6:7",
                            "::1:",
                            ":1::",
                            ":1",
                            "1:",
                            "g::1",
                            "::1/129",
                            "::1/",
                            "::ffff:1.2.3",
                            "::ffff:1.2.3.4.5",
                            "::1.2.3.4:5",
                            "1:2:3:4:5:6:7:1.2.3.4",
                            "::256.1.1.1",
                            "1.2.3.4::",
                            "/24",
                            "abc",
                            "::1/1 2"}) {
        CHECK_MESSAGE(inet_err(bad) == CodecErrc::bad_text, bad);
        CHECK_MESSAGE(inet_err(bad, true) == CodecErrc::bad_text, bad);
    }
}

// ---- macaddr / macaddr8 ------------------------------------------------------------------------

TEST_CASE("macaddr binary and text") {
    const Bytes raw = B({0x08, 0x00, 0x2b, 0x01, 0x02, 0x03});
    MacAddrBytes m;
    CHECK(bin_to_macaddr(V(raw), m) == CodecErrc::ok);
    CHECK(macaddr_to_text(m) == "08:00:2b:01:02:03");
    Bytes out;
    macaddr_to_bin(m, out);
    CHECK(out == raw);
    CHECK(bin_to_macaddr(V(B({1, 2, 3, 4, 5})), m) == CodecErrc::bad_length);
    CHECK(bin_to_macaddr(V(B({1, 2, 3, 4, 5, 6, 7})), m) == CodecErrc::bad_length);

    // The input forms the PostgreSQL documentation lists for macaddr.
    for (const char* text :
         {"08:00:2b:01:02:03", "08-00-2b-01-02-03", "08002b:010203", "08002b-010203", "0800.2b01.0203",
          "0800-2b01-0203", "08002b010203", "08:00:2B:01:02:03", "8:0:2b:1:2:3", " 08:00:2b:01:02:03 "}) {
        MacAddrBytes v;
        CHECK_MESSAGE(text_to_macaddr(text, v) == CodecErrc::ok, text);
        CHECK_MESSAGE(v == m, text);
    }
    for (const char* bad : {"", "08:00:2b:01:02", "08:00:2b:01:02:03:04", "08:00-2b:01:02:03", "zz:00:2b:01:02:03",
                            "080:0:2b:1:2:3", "08:00:2b:01:02:", "08002b01020", "08002b0102030", "0800.2b01-0203",
                            "08002b:01020", "08:00:2b:01:02:03x", "::::::"}) {
        MacAddrBytes v;
        CHECK_MESSAGE(text_to_macaddr(bad, v) == CodecErrc::bad_text, bad);
    }
}

TEST_CASE("macaddr8 binary and text") {
    const Bytes raw = B({0x08, 0x00, 0x2b, 0x01, 0x02, 0x03, 0x04, 0x05});
    MacAddr8Bytes m;
    CHECK(bin_to_macaddr8(V(raw), m) == CodecErrc::ok);
    CHECK(macaddr8_to_text(m) == "08:00:2b:01:02:03:04:05");
    Bytes out;
    macaddr8_to_bin(m, out);
    CHECK(out == raw);
    CHECK(bin_to_macaddr8(V(B({1, 2, 3, 4, 5, 6})), m) == CodecErrc::bad_length);

    for (const char* text : {"08:00:2b:01:02:03:04:05", "08-00-2b-01-02-03-04-05", "08002b:0102030405",
                             "08002b-0102030405", "0800.2b01.0203.0405", "0800-2b01-0203-0405", "08002b01:02030405",
                             "08002b0102030405", " 08:00:2B:01:02:03:04:05 "}) {
        MacAddr8Bytes v;
        CHECK_MESSAGE(text_to_macaddr8(text, v) == CodecErrc::ok, text);
        CHECK_MESSAGE(v == m, text);
    }
    // Six bytes become EUI-64 with ff:fe in the middle, as macaddr8_in does.
    MacAddr8Bytes six;
    CHECK(text_to_macaddr8("08:00:2b:01:02:03", six) == CodecErrc::ok);
    CHECK(macaddr8_to_text(six) == "08:00:2b:ff:fe:01:02:03");
    CHECK(text_to_macaddr8("08002b010203", six) == CodecErrc::ok);
    CHECK(macaddr8_to_text(six) == "08:00:2b:ff:fe:01:02:03");
    for (const char* bad :
         {"", "08:00:2b:01:02:03:04", "08:00:2b:01:02:03:04:05:06", "08:00-2b:01:02:03:04:05", "8:00:2b:01:02:03:04:05",
          "08:00:2b:01:02:03:04:0", "gg:00:2b:01:02:03:04:05", "08::00:2b:01:02:03:04",
          "08:00:2b:01:02:03:04:05:", "08:00:2b:01:02:03 04", "08002b01020", "0800"}) {
        MacAddr8Bytes v;
        CHECK_MESSAGE(text_to_macaddr8(bad, v) == CodecErrc::bad_text, bad);
    }
}

// ---- bit / varbit ------------------------------------------------------------------------------

TEST_CASE("bits: int32 length then packed bits, MSB first") {
    std::string d;
    CHECK(bin_to_bits(V(B({0, 0, 0, 5, 0xB0})), d) == CodecErrc::ok);
    CHECK(d == "10110");
    CHECK(bin_to_bits(V(B({0, 0, 0, 5, 0xB7})), d) == CodecErrc::ok);  // padding ignored, as bit_recv
    CHECK(d == "10110");
    CHECK(bin_to_bits(V(B({0, 0, 0, 0})), d) == CodecErrc::ok);
    CHECK(d.empty());
    CHECK(bin_to_bits(V(B({0, 0, 0, 16, 0x80, 0x01})), d) == CodecErrc::ok);
    CHECK(d == "1000000000000001");
    CHECK(bin_to_bits(V(B({0, 0, 0, 9, 0xFF})), d) == CodecErrc::truncated);
    CHECK(bin_to_bits(V(B({0x7F, 0xFF, 0xFF, 0xFF, 0xFF})), d) == CodecErrc::truncated);
    CHECK(bin_to_bits(V(B({0, 0, 0, 8, 0xFF, 0x00})), d) == CodecErrc::trailing_bytes);
    CHECK(bin_to_bits(V(B({0, 0, 0, 0, 0x00})), d) == CodecErrc::trailing_bytes);
    CHECK(bin_to_bits(V(B({0xFF, 0xFF, 0xFF, 0xFF})), d) == CodecErrc::bad_value);
    CHECK(bin_to_bits(V(B({0, 0, 0})), d) == CodecErrc::truncated);

    Bytes out;
    CHECK(bits_to_bin("10110", out) == CodecErrc::ok);
    CHECK(out == B({0, 0, 0, 5, 0xB0}));
    out.clear();
    CHECK(bits_to_bin("", out) == CodecErrc::ok);
    CHECK(out == B({0, 0, 0, 0}));
    out.clear();
    CHECK(bits_to_bin("102", out) == CodecErrc::bad_text);
    CHECK(bits_to_bin("1 0", out) == CodecErrc::bad_text);
    CHECK(out.empty());

    std::mt19937 rng(7);
    for (std::size_t n = 0; n < 70; ++n) {
        std::string s;
        for (std::size_t i = 0; i < n; ++i) s.push_back(rng() % 2 ? '1' : '0');
        Bytes b;
        REQUIRE(bits_to_bin(s, b) == CodecErrc::ok);
        CHECK(b.size() == 4 + (n + 7) / 8);
        std::string back;
        CHECK(bin_to_bits(V(b), back) == CodecErrc::ok);
        CHECK(back == s);
    }

    CHECK(text_to_bits("0101", d) == CodecErrc::ok);
    CHECK(d == "0101");
    CHECK(text_to_bits("", d) == CodecErrc::ok);
    CHECK(d.empty());
    CHECK(text_to_bits("01x", d) == CodecErrc::bad_text);
    CHECK(text_to_bits("B'01'", d) == CodecErrc::bad_text);
}

// ---- money text --------------------------------------------------------------------------------

TEST_CASE("money text as cash_out prints it") {
    struct Case {
        const char* in;
        std::int64_t want;
    };
    const Case cases[] = {
        {"$1,234.56", 123456},
        {"-$1,234.56", -123456},
        {"($1.00)", -100},
        {"$0.00", 0},
        {"$0.01", 1},
        {"-$0.01", -1},
        {"$-1.00", -100},
        {"1234.56", 123456},
        {"$1,000,000.00", 100000000},
        {"$92,233,720,368,547,758.07", std::numeric_limits<std::int64_t>::max()},
        {"-$92,233,720,368,547,758.08", std::numeric_limits<std::int64_t>::min()},
        {" $5.00 ", 500},
    };
    for (const Case& c : cases) {
        std::int64_t m = 42;
        CHECK_MESSAGE(text_to_money(c.in, m) == CodecErrc::ok, c.in);
        CHECK_MESSAGE(m == c.want, c.in);
    }
    std::int64_t m = 0;
    CHECK(text_to_money("$92,233,720,368,547,758.08", m) == CodecErrc::out_of_range);
    CHECK(text_to_money("-$92,233,720,368,547,758.09", m) == CodecErrc::out_of_range);
    CHECK(text_to_money("$999,999,999,999,999,999,999.99", m) == CodecErrc::out_of_range);
    for (const char* bad : {"", "$", "-", "abc", "$1,,000.00", "$1.00.00", "($1.00", "$1.00)", "$,100", "1,", "1.",
                            "$ 1.00 x", "€1.00", "$1.00$$", "(-$1.00)x", "$1.0a"})
        CHECK_MESSAGE(text_to_money(bad, m) == CodecErrc::bad_text, bad);
}

// ---- bytea text --------------------------------------------------------------------------------

TEST_CASE("bytea text: hex and escape formats") {
    std::vector<std::uint8_t> b{9, 9, 9};
    CHECK(text_to_bytea("\\x", b) == CodecErrc::ok);
    CHECK(b.empty());
    CHECK(text_to_bytea("\\x00ff10", b) == CodecErrc::ok);
    CHECK(b == std::vector<std::uint8_t>{0x00, 0xFF, 0x10});
    CHECK(text_to_bytea("\\xDEADbeef", b) == CodecErrc::ok);
    CHECK(b == std::vector<std::uint8_t>{0xDE, 0xAD, 0xBE, 0xEF});
    CHECK(text_to_bytea("\\x de\nad ", b) == CodecErrc::ok);
    CHECK(b == std::vector<std::uint8_t>{0xDE, 0xAD});
    for (const char* bad : {"\\x0", "\\xzz", "\\x0 0", "\\x123", "\\x-1"}) {
        CHECK_MESSAGE(text_to_bytea(bad, b) == CodecErrc::bad_text, bad);
        CHECK(b.empty());
    }

    CHECK(text_to_bytea("", b) == CodecErrc::ok);
    CHECK(b.empty());
    CHECK(text_to_bytea("abc", b) == CodecErrc::ok);
    CHECK(b == std::vector<std::uint8_t>{'a', 'b', 'c'});
    CHECK(text_to_bytea("a\\\\b", b) == CodecErrc::ok);
    CHECK(b == std::vector<std::uint8_t>{'a', '\\', 'b'});
    CHECK(text_to_bytea("\\000\\377\\101", b) == CodecErrc::ok);
    CHECK(b == std::vector<std::uint8_t>{0, 255, 'A'});
    CHECK(text_to_bytea("\\\\x41", b) == CodecErrc::ok);  // an escaped backslash, not the hex prefix
    CHECK(b == std::vector<std::uint8_t>{'\\', 'x', '4', '1'});
    for (const char* bad : {"\\", "a\\", "\\4", "\\400", "\\08", "\\12", "\\1a1", "\\X41", "\\n"}) {
        CHECK_MESSAGE(text_to_bytea(bad, b) == CodecErrc::bad_text, bad);
        CHECK(b.empty());
    }
}

// ---- no crash on anything ----------------------------------------------------------------------

TEST_CASE("fuzz: random bytes and text never crash") {
    std::mt19937 rng(2024);
    const char alphabet[] = "0123456789abcdefABCDEF.:-/$,()e+ xX\\{}NnaIifty\t";
    for (int iter = 0; iter < 20000; ++iter) {
        Bytes b(rng() % 40);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        if (!b.empty() && rng() % 2) b[0] = static_cast<std::uint8_t>(rng() % 4);  // plausible headers
        const ByteView v = V(b);
        bool bo;
        std::int16_t i2;
        std::int32_t i4;
        std::int64_t i8;
        std::uint32_t u4;
        float f;
        double d;
        std::string s;
        std::string_view sv;
        UuidBytes u;
        InetValue in;
        MacAddrBytes m6;
        MacAddr8Bytes m8;
        (void)bin_to_bool(v, bo);
        (void)bin_to_int2(v, i2);
        (void)bin_to_int4(v, i4);
        (void)bin_to_int8(v, i8);
        (void)bin_to_oid(v, u4);
        (void)bin_to_float4(v, f);
        (void)bin_to_float8(v, d);
        (void)bin_to_uuid(v, u);
        (void)bin_to_jsonb(v, sv);
        (void)bin_to_macaddr(v, m6);
        (void)bin_to_macaddr8(v, m8);
        (void)bin_to_bits(v, s);
        (void)bin_to_money(v, i8);
        if (bin_to_inet(v, in) == CodecErrc::ok) {
            InetValue back;
            CHECK(text_to_inet(inet_to_text(in), in.cidr, back) == CodecErrc::ok);
        }
        if (bin_to_numeric(v, s) == CodecErrc::ok) {
            // Whatever decodes prints a text numeric_in accepts, which decodes to the same text.
            Bytes again;
            REQUIRE_MESSAGE(numeric_to_bin(s, again) == CodecErrc::ok, s);
            CHECK(dec_text(again) == s);
        }

        std::string t(rng() % 24, ' ');
        for (auto& c : t) c = rng() % 8 == 0 ? static_cast<char>(rng()) : alphabet[rng() % (sizeof alphabet - 1)];
        std::vector<std::uint8_t> bytes;
        Bytes out;
        (void)text_to_bool(t, bo);
        (void)text_to_bytea(t, bytes);
        (void)text_to_uuid(t, u);
        (void)text_to_inet(t, false, in);
        (void)text_to_inet(t, true, in);
        (void)text_to_macaddr(t, m6);
        (void)text_to_macaddr8(t, m8);
        (void)text_to_bits(t, s);
        (void)text_to_money(t, i8);
        (void)bits_to_bin(t, out);
        out.clear();
        if (numeric_to_bin(t, out) == CodecErrc::ok) CHECK(bin_to_numeric(V(out), s) == CodecErrc::ok);
    }
}

TEST_CASE("fuzz: mutated numerics decode consistently") {
    std::mt19937 rng(99);
    const Bytes seeds[] = {enc("12.340"), enc("-0.000100"), enc("123456789.123456789"),
                           enc("1e-20"),  enc("NaN"),       enc("-1e40")};
    for (int iter = 0; iter < 20000; ++iter) {
        Bytes b = seeds[rng() % (sizeof seeds / sizeof seeds[0])];
        const int flips = 1 + static_cast<int>(rng() % 3);
        for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
        std::string s;
        if (bin_to_numeric(V(b), s) == CodecErrc::ok) {
            Bytes again;
            REQUIRE_MESSAGE(numeric_to_bin(s, again) == CodecErrc::ok, s);
            CHECK(dec_text(again) == s);
        }
    }
}
