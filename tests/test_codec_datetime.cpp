// Date/time codecs. Expected bytes and strings were printed by a PostgreSQL 15 server
// (DateStyle=ISO, IntervalStyle=postgres) unless a comment says otherwise.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "proto/codec_datetime.hpp"

using namespace uvpg::proto;

namespace {

Bytes hex(std::string_view h) {
    Bytes out;
    auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    REQUIRE(h.size() % 2 == 0);
    for (std::size_t i = 0; i < h.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(nib(h[i]) << 4 | nib(h[i + 1])));
    return out;
}

template <class T, class Enc>
Bytes enc(const T& v, Enc f) {
    Bytes b;
    f(v, b);
    return b;
}

constexpr std::int64_t kMaxTs = 9'223'371'331'199'999'999;  // 294276-12-31 23:59:59.999999
constexpr std::int64_t kMinTs = -211'813'488'000'000'000;   // 4714-11-24 00:00:00 BC

// Days since 2000-01-01.
std::int32_t date(std::string_view s) {
    std::int32_t d = 0;
    REQUIRE(text_to_date(s, d) == CodecErrc::ok);
    return d;
}
// Microseconds since 2000-01-01.
std::int64_t ts(std::string_view s) {
    std::int64_t t = 0;
    REQUIRE(text_to_timestamp(s, t) == CodecErrc::ok);
    return t;
}
std::int64_t tstz(std::string_view s) {
    std::int64_t t = 0;
    REQUIRE(text_to_timestamptz(s, t) == CodecErrc::ok);
    return t;
}
IntervalValue iv(std::string_view s) {
    IntervalValue v;
    REQUIRE(text_to_interval(s, v) == CodecErrc::ok);
    return v;
}
// An interval in the order uvpg::Interval's constructor takes: months, days, microseconds.
constexpr IntervalValue interval(std::int32_t months, std::int32_t days, std::int64_t micros) {
    return IntervalValue{micros, days, months};
}

}  // namespace

TEST_CASE("calendar math over PostgreSQL's whole range") {
    std::int32_t y = 0;
    unsigned m = 0, d = 0;
    pg_days_to_civil(0, y, m, d);
    CHECK((y == 2000 && m == 1 && d == 1));
    pg_days_to_civil(-1, y, m, d);
    CHECK((y == 1999 && m == 12 && d == 31));
    pg_days_to_civil(59, y, m, d);
    CHECK((y == 2000 && m == 2 && d == 29));
    pg_days_to_civil(kDateMin, y, m, d);  // Julian day 0
    CHECK((y == -4713 && m == 11 && d == 24));
    pg_days_to_civil(kDateEnd - 1, y, m, d);
    CHECK((y == 5874897 && m == 12 && d == 31));
    pg_days_to_civil(-10957, y, m, d);
    CHECK((y == 1970 && m == 1 && d == 1));
    pg_days_to_civil(std::numeric_limits<std::int32_t>::min(), y, m, d);  // no overflow at the ends
    CHECK(y < -5'000'000);
    pg_days_to_civil(std::numeric_limits<std::int32_t>::max(), y, m, d);
    CHECK(y > 5'000'000);

    std::int32_t days = 0;
    CHECK(civil_to_pg_days(2000, 1, 1, days));
    CHECK(days == 0);
    CHECK(civil_to_pg_days(1970, 1, 1, days));
    CHECK(days == -10957);
    CHECK(civil_to_pg_days(-4713, 11, 24, days));
    CHECK(days == kDateMin);
    CHECK(civil_to_pg_days(5874897, 12, 31, days));
    CHECK(days == kDateEnd - 1);
    CHECK(civil_to_pg_days(0, 2, 29, days));  // 1 BC is a leap year
    CHECK(civil_to_pg_days(1900, 2, 28, days));
    std::int32_t next = 0;
    CHECK(civil_to_pg_days(1900, 3, 1, next));
    CHECK(next == days + 1);
    CHECK_FALSE(civil_to_pg_days(1900, 2, 29, days));
    CHECK_FALSE(civil_to_pg_days(2023, 2, 29, days));
    CHECK_FALSE(civil_to_pg_days(2024, 2, 30, days));
    CHECK_FALSE(civil_to_pg_days(2024, 13, 1, days));
    CHECK_FALSE(civil_to_pg_days(2024, 0, 1, days));
    CHECK_FALSE(civil_to_pg_days(2024, 1, 0, days));
    CHECK_FALSE(civil_to_pg_days(2024, 4, 31, days));
    CHECK_FALSE(civil_to_pg_days(6'000'000, 1, 1, days));  // past int32
    CHECK_FALSE(civil_to_pg_days(-6'000'000, 1, 1, days));

    // Every day of a 400-year cycle and around the ends goes there and back.
    int mismatches = 0;
    for (std::int32_t x : {kDateMin - 1000, -146097 * 3, 0, kDateEnd - 146097}) {
        for (std::int32_t i = x; i < x + 146097; ++i) {
            pg_days_to_civil(i, y, m, d);
            mismatches += !civil_to_pg_days(y, m, d, days) || days != i;
        }
    }
    CHECK(mismatches == 0);

    std::int64_t unix_us = 0;
    CHECK(pg_micros_to_unix_micros(0, unix_us));
    CHECK(unix_us == 946'684'800'000'000);
    CHECK(pg_micros_to_unix_micros(kMinTs, unix_us));
    CHECK_FALSE(pg_micros_to_unix_micros(kMaxTs, unix_us));  // past std::chrono's microseconds
}

TEST_CASE("date binary") {
    std::int32_t d = 0;
    CHECK(bin_to_date(hex("00000000"), d) == CodecErrc::ok);
    CHECK(d == 0);
    CHECK(date_to_text(d) == "2000-01-01");
    CHECK(bin_to_date(hex("ffffffff"), d) == CodecErrc::ok);
    CHECK(date_to_text(d) == "1999-12-31");
    CHECK(bin_to_date(hex("0000003b"), d) == CodecErrc::ok);
    CHECK(date_to_text(d) == "2000-02-29");
    CHECK(bin_to_date(hex("ffff718f"), d) == CodecErrc::ok);
    CHECK(date_to_text(d) == "1900-03-01");
    CHECK(bin_to_date(hex("ffda97a7"), d) == CodecErrc::ok);
    CHECK(date_to_text(d) == "4714-11-24 BC");
    CHECK(bin_to_date(hex("7fda970c"), d) == CodecErrc::ok);
    CHECK(date_to_text(d) == "5874897-12-31");
    CHECK(bin_to_date(hex("7fffffff"), d) == CodecErrc::ok);
    CHECK(d == kDateInfinity);
    CHECK(bin_to_date(hex("80000000"), d) == CodecErrc::ok);
    CHECK(d == kDateMinusInfinity);

    CHECK(enc(std::int32_t{-1}, date_to_bin) == hex("ffffffff"));
    CHECK(enc(date("5874897-12-31"), date_to_bin) == hex("7fda970c"));
    CHECK(enc(kDateInfinity, date_to_bin) == hex("7fffffff"));
    CHECK(enc(kDateMinusInfinity, date_to_bin) == hex("80000000"));

    CHECK(bin_to_date(hex("ffda97a6"), d) == CodecErrc::out_of_range);  // 4714-11-23 BC
    CHECK(bin_to_date(hex("7fda970d"), d) == CodecErrc::out_of_range);  // 5874898-01-01
    CHECK(bin_to_date(hex("7ffffffe"), d) == CodecErrc::out_of_range);
    CHECK(bin_to_date(hex("000000"), d) == CodecErrc::bad_length);
    CHECK(bin_to_date(hex("0000000000"), d) == CodecErrc::bad_length);
    CHECK(bin_to_date({}, d) == CodecErrc::bad_length);
}

TEST_CASE("date text") {
    for (std::string_view s : {"2000-01-01", "1999-12-31", "2000-02-29", "1900-02-28", "1900-03-01", "1970-01-01",
                               "4713-01-01 BC", "4714-11-24 BC", "0001-01-01 BC", "0002-12-31 BC", "0001-01-01",
                               "5874897-12-31", "2024-01-31", "infinity", "-infinity"})
        CHECK(date_to_text(date(s)) == s);
    CHECK(date("1900-03-01") == date("1900-02-28") + 1);
    CHECK(date("2000-03-01") == date("2000-02-29") + 1);
    CHECK(date("1970-01-01") == -10957);
    CHECK(date("0001-01-01 BC") + 366 == date("0001-01-01"));
    CHECK(date("infinity") == kDateInfinity);
    CHECK(date("-infinity") == kDateMinusInfinity);
    CHECK(date_to_text(date("12-1-5")) == "0012-01-05");  // the server pads; the parser need not

    std::int32_t d = 0;
    CHECK(text_to_date("4714-11-23 BC", d) == CodecErrc::out_of_range);
    CHECK(text_to_date("5874898-01-01", d) == CodecErrc::out_of_range);
    CHECK(text_to_date("2024-02-30", d) == CodecErrc::out_of_range);
    CHECK(text_to_date("2023-02-29", d) == CodecErrc::out_of_range);
    CHECK(text_to_date("1900-02-29", d) == CodecErrc::out_of_range);
    CHECK(text_to_date("2024-13-01", d) == CodecErrc::out_of_range);
    CHECK(text_to_date("2024-00-01", d) == CodecErrc::out_of_range);
    CHECK(text_to_date("2024-01-00", d) == CodecErrc::out_of_range);
    CHECK(text_to_date("0000-01-01", d) == CodecErrc::out_of_range);
    CHECK(text_to_date("99999999999-01-01", d) == CodecErrc::out_of_range);
    for (std::string_view s : {"", "garbage", "2024", "2024-01", "2024-01-", "2024-01-31 ", " 2024-01-31",
                               "2024-01-31 AD", "2024-01-31 bc", "2024-001-31", "2024/01/31", "Infinity", "+infinity",
                               "infinity ", "-2024-01-01", "2024-01-31x", "1234567890123456789-01-01"})
        CHECK_MESSAGE(text_to_date(s, d) == CodecErrc::bad_text, s);
}

TEST_CASE("time") {
    std::int64_t t = 0;  // µs since midnight
    CHECK(bin_to_time(hex("0000000000000000"), t) == CodecErrc::ok);
    CHECK(time_to_text(t) == "00:00:00");
    CHECK(bin_to_time(hex("000000141dd76000"), t) == CodecErrc::ok);
    CHECK(t == 86'400'000'000);
    CHECK(time_to_text(t) == "24:00:00");
    CHECK(enc(std::int64_t{86'400'000'000}, time_to_bin) == hex("000000141dd76000"));
    CHECK(bin_to_time(hex("000000141dd76001"), t) == CodecErrc::out_of_range);
    CHECK(bin_to_time(hex("ffffffffffffffff"), t) == CodecErrc::out_of_range);
    CHECK(bin_to_time(hex("00000000000000"), t) == CodecErrc::bad_length);

    for (std::string_view s : {"00:00:00", "12:34:56", "12:34:56.789", "00:00:00.000001", "23:59:59.999999", "24:00:00",
                               "01:02:03.1", "13:00:00.12345"}) {
        REQUIRE(text_to_time(s, t) == CodecErrc::ok);
        CHECK(time_to_text(t) == s);
        std::int64_t back = 0;
        REQUIRE(bin_to_time(enc(t, time_to_bin), back) == CodecErrc::ok);
        CHECK(back == t);
    }
    CHECK(text_to_time("12:34:56.789000", t) == CodecErrc::ok);
    CHECK(time_to_text(t) == "12:34:56.789");
    CHECK(text_to_time("12:34:56.1234565", t) == CodecErrc::ok);  // rounded to microseconds
    CHECK(t == 45'296'123'457);
    CHECK(text_to_time("23:59:60", t) == CodecErrc::ok);  // the server takes a leap second too
    CHECK(time_to_text(t) == "24:00:00");
    CHECK(text_to_time("12:34", t) == CodecErrc::ok);
    CHECK(time_to_text(t) == "12:34:00");

    CHECK(text_to_time("25:00:00", t) == CodecErrc::out_of_range);
    CHECK(text_to_time("24:00:00.000001", t) == CodecErrc::out_of_range);
    CHECK(text_to_time("24:00:01", t) == CodecErrc::out_of_range);
    CHECK(text_to_time("12:60:00", t) == CodecErrc::out_of_range);
    CHECK(text_to_time("12:00:61", t) == CodecErrc::out_of_range);
    CHECK(text_to_time("23:59:60.5", t) == CodecErrc::out_of_range);
    for (std::string_view s : {"", "noon", "12", "12:", "12:3", "12:34:5", "12:34:56.", "12:34:56 ", "123:00:00",
                               "-01:00:00", "12:34:56+00", "12:34:56.x", "12-34-56"})
        CHECK_MESSAGE(text_to_time(s, t) == CodecErrc::bad_text, s);
}

TEST_CASE("timetz") {
    TimeTzValue t;
    CHECK(bin_to_timetz(hex("0000000a8bda1c00ffffb2a8"), t) == CodecErrc::ok);
    CHECK(t.utc_offset == 19800);  // east positive
    CHECK(t.micros == 45'296'000'000);
    CHECK(timetz_to_text(t) == "12:34:56+05:30");
    CHECK(enc(t, timetz_to_bin) == hex("0000000a8bda1c00ffffb2a8"));
    CHECK(bin_to_timetz(hex("0000000000000000ffffad28"), t) == CodecErrc::ok);
    CHECK(timetz_to_text(t) == "00:00:00+05:53:28");
    CHECK(enc(TimeTzValue{0, -28800}, timetz_to_bin) == hex("000000000000000000007080"));

    CHECK(bin_to_timetz(hex("000000000000000000000000"), t) == CodecErrc::ok);
    CHECK(timetz_to_text(t) == "00:00:00+00");
    CHECK(bin_to_timetz(hex("00000000000000000000e100"), t) == CodecErrc::out_of_range);  // zone 16:00
    CHECK(bin_to_timetz(hex("00000000000000000000e0ff00"), t) == CodecErrc::bad_length);
    CHECK(bin_to_timetz(hex("0000000000000000ffff1f00"), t) == CodecErrc::out_of_range);  // -16:00
    CHECK(bin_to_timetz(hex("0000000000000000ffff1f01"), t) == CodecErrc::ok);
    CHECK(timetz_to_text(t) == "00:00:00+15:59:59");
    CHECK(bin_to_timetz(hex("000000141dd7600100000000"), t) == CodecErrc::out_of_range);
    CHECK(bin_to_timetz(hex("0000000000000000"), t) == CodecErrc::bad_length);

    for (std::string_view s :
         {"12:34:56+05:30", "12:34:56.5-08", "00:00:00+05:53:28", "00:00:00-15:59:59", "00:00:00+15:59:59",
          "24:00:00+00", "23:59:59.999999-04:56:02", "01:02:03+01:00:07", "12:00:00-09:30"}) {
        REQUIRE(text_to_timetz(s, t) == CodecErrc::ok);
        CHECK(timetz_to_text(t) == s);
        TimeTzValue back;
        REQUIRE(bin_to_timetz(enc(t, timetz_to_bin), back) == CodecErrc::ok);
        CHECK(back == t);
    }
    CHECK(text_to_timetz("12:34:56.5-08", t) == CodecErrc::ok);
    CHECK(t.utc_offset == -28800);
    CHECK(t.micros == 45'296'500'000);
    CHECK(text_to_timetz("12:00:00+05:00", t) == CodecErrc::ok);
    CHECK(timetz_to_text(t) == "12:00:00+05");

    CHECK(text_to_timetz("00:00:00+16", t) == CodecErrc::out_of_range);
    CHECK(text_to_timetz("00:00:00+05:60", t) == CodecErrc::out_of_range);
    CHECK(text_to_timetz("25:00:00+00", t) == CodecErrc::out_of_range);
    for (std::string_view s : {"", "12:34:56", "12:34:56+", "12:34:56+5:3", "12:34:56 +05", "12:34:56+05:30 ",
                               "12:34:56Z", "12:34:56+05:30:1", "garbage"})
        CHECK_MESSAGE(text_to_timetz(s, t) == CodecErrc::bad_text, s);
}

TEST_CASE("timestamp binary") {
    std::int64_t t = 0;
    CHECK(bin_to_timestamp(hex("0000000000000000"), t) == CodecErrc::ok);
    CHECK(timestamp_to_text(t) == "2000-01-01 00:00:00");
    CHECK(bin_to_timestamp(hex("fd0f7cc1411fa000"), t) == CodecErrc::ok);
    CHECK(t == kMinTs);
    CHECK(timestamp_to_text(t) == "4714-11-24 00:00:00 BC");
    CHECK(bin_to_timestamp(hex("7fffff5bb3b29fff"), t) == CodecErrc::ok);
    CHECK(t == kMaxTs);
    CHECK(timestamp_to_text(t) == "294276-12-31 23:59:59.999999");
    CHECK(bin_to_timestamp(hex("000004b6fe7a7fff"), t) == CodecErrc::ok);
    CHECK(timestamp_to_text(t) == "2000-02-29 23:59:59.999999");
    CHECK(bin_to_timestamp(hex("7fffffffffffffff"), t) == CodecErrc::ok);
    CHECK(t == kTimestampInfinity);
    CHECK(timestamp_to_text(t) == "infinity");
    CHECK(bin_to_timestamp(hex("8000000000000000"), t) == CodecErrc::ok);
    CHECK(t == kTimestampMinusInfinity);
    CHECK(timestamp_to_text(t) == "-infinity");

    CHECK(bin_to_timestamp(hex("fd0f7cc1411f9fff"), t) == CodecErrc::out_of_range);
    CHECK(bin_to_timestamp(hex("7fffff5bb3b2a000"), t) == CodecErrc::out_of_range);
    CHECK(bin_to_timestamp(hex("7ffffffffffffffe"), t) == CodecErrc::out_of_range);
    CHECK(bin_to_timestamp(hex("00000000"), t) == CodecErrc::bad_length);
    CHECK(bin_to_timestamp(hex("000000000000000000"), t) == CodecErrc::bad_length);

    CHECK(enc(kMinTs, timestamp_to_bin) == hex("fd0f7cc1411fa000"));
    CHECK(enc(kTimestampInfinity, timestamp_to_bin) == hex("7fffffffffffffff"));
    CHECK(enc(kTimestampMinusInfinity, timestamp_to_bin) == hex("8000000000000000"));
}

TEST_CASE("timestamp text") {
    for (std::string_view s :
         {"2000-01-01 00:00:00", "1970-01-01 00:00:00", "2024-01-31 12:34:56.123456", "2000-02-29 23:59:59.999999",
          "1900-02-28 12:00:00", "1900-03-01 00:00:00.5", "4714-11-24 00:00:00 BC", "4713-01-01 00:00:00 BC",
          "0002-12-31 23:59:59.999999 BC", "0001-01-01 00:00:00", "294276-12-31 23:59:59.999999", "infinity",
          "-infinity", "1999-12-31 23:59:59.999999"}) {
        const std::int64_t t = ts(s);
        CHECK(timestamp_to_text(t) == s);
        std::int64_t back = 0;
        REQUIRE(bin_to_timestamp(enc(t, timestamp_to_bin), back) == CodecErrc::ok);
        CHECK(back == t);
    }
    CHECK(ts("1970-01-01 00:00:00") == -946'684'800'000'000);
    CHECK(ts("294276-12-31 23:59:59.999999") == kMaxTs);
    CHECK(ts("4714-11-24 00:00:00 BC") == kMinTs);
    CHECK(ts("2000-01-01 00:00:00.000001") == 1);
    CHECK(ts("1999-12-31 23:59:59.999999") == -1);
    CHECK(ts("1900-02-28 00:00:00") + 86'400'000'000 == ts("1900-03-01 00:00:00"));
    CHECK(ts("2024-01-31T12:34:56") == ts("2024-01-31 12:34:56"));
    CHECK(timestamp_to_text(ts("2024-01-31 24:00:00")) == "2024-02-01 00:00:00");
    CHECK(timestamp_to_text(ts("0001-01-01 00:00:00 BC")) == "0001-01-01 00:00:00 BC");
    CHECK(ts("0001-01-01 00:00:00") - ts("0001-12-31 23:59:59.999999 BC") == 1);

    std::int64_t t = 0;
    CHECK(text_to_timestamp("294277-01-01 00:00:00", t) == CodecErrc::out_of_range);
    CHECK(text_to_timestamp("4714-11-23 23:59:59.999999 BC", t) == CodecErrc::out_of_range);
    CHECK(text_to_timestamp("5874897-12-31 00:00:00", t) == CodecErrc::out_of_range);
    CHECK(text_to_timestamp("2024-02-30 00:00:00", t) == CodecErrc::out_of_range);
    CHECK(text_to_timestamp("2024-13-01 00:00:00", t) == CodecErrc::out_of_range);
    CHECK(text_to_timestamp("2024-01-01 25:00:00", t) == CodecErrc::out_of_range);
    CHECK(text_to_timestamp("2024-01-01 12:61:00", t) == CodecErrc::out_of_range);
    for (std::string_view s : {"", "garbage", "2024-01-31", "2024-01-31 ", "2024-01-31 12:34:56 ",
                               "2024-01-31 12:34:56+00", "2024-01-31  12:34:56", "2024-01-31 12:34:56 AD",
                               "2024-01-31 12:34:56BC", "2024-01-31 12:34:56.", "infinity!"})
        CHECK_MESSAGE(text_to_timestamp(s, t) == CodecErrc::bad_text, s);
}

TEST_CASE("timestamptz") {
    std::int64_t t = 0;
    CHECK(bin_to_timestamptz(hex("fffca2fec4c82000"), t) == CodecErrc::ok);
    CHECK(t == -946'684'800'000'000);
    CHECK(timestamptz_to_text(t) == "1970-01-01 00:00:00+00");
    CHECK(enc(tstz("1970-01-01 00:00:00+00"), timestamptz_to_bin) == hex("fffca2fec4c82000"));
    CHECK(bin_to_timestamptz(hex("0002b33be0083d20"), t) == CodecErrc::ok);
    CHECK(timestamptz_to_text(t) == "2024-01-31 12:34:56.5+00");
    CHECK(bin_to_timestamptz(hex("7fffffffffffffff"), t) == CodecErrc::ok);
    CHECK(timestamptz_to_text(t) == "infinity");
    CHECK(bin_to_timestamptz(hex("8000000000000000"), t) == CodecErrc::ok);
    CHECK(timestamptz_to_text(t) == "-infinity");
    CHECK(bin_to_timestamptz(hex("7fffff5bb3b2a000"), t) == CodecErrc::out_of_range);
    CHECK(bin_to_timestamptz(hex("fd0f7cc1411f9fff"), t) == CodecErrc::out_of_range);
    CHECK(bin_to_timestamptz(hex("00"), t) == CodecErrc::bad_length);

    // The same instant printed in several session time zones.
    CHECK(tstz("2024-01-31 12:34:56.123456+05:30") == tstz("2024-01-31 07:04:56.123456+00"));
    CHECK(timestamptz_to_text(tstz("2024-01-31 12:34:56.123456+05:30")) == "2024-01-31 07:04:56.123456+00");
    CHECK(tstz("2024-01-31 04:34:56-08") == tstz("2024-01-31 12:34:56+00"));
    CHECK(tstz("1800-01-01 05:53:28+05:53:28") == tstz("1800-01-01 00:00:00+00"));
    CHECK(tstz("1799-12-31 19:03:58-04:56:02") == tstz("1800-01-01 00:00:00+00"));
    // The ends of the range, as the server prints them east and west of UTC.
    CHECK(tstz("294277-01-01 05:29:59.999999+05:30") == kMaxTs);
    CHECK(tstz("294276-12-31 18:59:59.999999-05") == kMaxTs);
    CHECK(tstz("4714-11-24 05:53:28+05:53:28 BC") == kMinTs);
    CHECK(tstz("4714-11-23 19:03:58-04:56:02 BC") == kMinTs);
    CHECK(timestamptz_to_text(kMaxTs) == "294276-12-31 23:59:59.999999+00");
    CHECK(timestamptz_to_text(kMinTs) == "4714-11-24 00:00:00+00 BC");
    CHECK(tstz("infinity") == kTimestampInfinity);
    CHECK(tstz("-infinity") == kTimestampMinusInfinity);

    for (std::string_view s : {"2024-01-31 12:34:56.5+00", "1970-01-01 00:00:00+00", "0001-01-01 00:00:00+00 BC",
                               "2000-02-29 23:59:59.999999+00", "infinity", "-infinity"}) {
        CHECK(timestamptz_to_text(tstz(s)) == s);
        std::int64_t back = 0;
        REQUIRE(bin_to_timestamptz(enc(tstz(s), timestamptz_to_bin), back) == CodecErrc::ok);
        CHECK(back == tstz(s));
    }

    CHECK(text_to_timestamptz("294277-01-01 00:00:00+00", t) == CodecErrc::out_of_range);
    CHECK(text_to_timestamptz("294277-01-01 05:30:00+05:30", t) == CodecErrc::out_of_range);
    CHECK(text_to_timestamptz("4714-11-23 18:59:59-05 BC", t) == CodecErrc::out_of_range);
    CHECK(text_to_timestamptz("2024-01-31 12:00:00+16", t) == CodecErrc::out_of_range);
    CHECK(text_to_timestamptz("2024-02-30 12:00:00+00", t) == CodecErrc::out_of_range);
    for (std::string_view s : {"", "2024-01-31 12:34:56", "2024-01-31 12:34:56 +00", "2024-01-31 12:34:56+00 ",
                               "2024-01-31 12:34:56 BC+00", "2024-01-31 12:34:56+00:", "garbage+00"})
        CHECK_MESSAGE(text_to_timestamptz(s, t) == CodecErrc::bad_text, s);
}

TEST_CASE("interval binary") {
    IntervalValue v;
    CHECK(bin_to_interval(hex("000000036c97ca88000000030000000e"), v) == CodecErrc::ok);
    CHECK(v == interval(14, 3, 14'706'789'000));
    CHECK(interval_to_text(v) == "1 year 2 mons 3 days 04:05:06.789");
    CHECK(enc(v, interval_to_bin) == hex("000000036c97ca88000000030000000e"));
    CHECK(bin_to_interval(hex("00000001b7e1dd00ffffffff00000000"), v) == CodecErrc::ok);
    CHECK(interval_to_text(v) == "-1 days +02:03:00");
    CHECK(bin_to_interval(hex("80000000000000008000000000000000"), v) == CodecErrc::ok);
    CHECK(interval_to_text(v) == "-2147483648 days -2562047788:00:54.775808");
    CHECK(enc(v, interval_to_bin) == hex("80000000000000008000000000000000"));
    CHECK(bin_to_interval(hex("000000036c97ca88000000030000000e00"), v) == CodecErrc::bad_length);
    CHECK(bin_to_interval(hex("000000036c97ca880000000300"), v) == CodecErrc::bad_length);
}

TEST_CASE("interval text, IntervalStyle postgres") {
    for (std::string_view s : {"1 year 2 mons 3 days 04:05:06.789",
                               "-1 days +02:03:00",
                               "00:00:00",
                               "-00:00:01",
                               "1 day",
                               "178000000 years",
                               "-2147483648 days -2562047788:00:54.775808",
                               "2562047788:00:54.775807",
                               "-1 mons +1 day",
                               "1 mon -1 days",
                               "-1 years -2 mons",
                               "-10 mons",
                               "1 mon -00:00:01",
                               "-1 days -00:00:01",
                               "-1 days +00:00:01",
                               "1 year -1 days",
                               "-178956970 years -8 mons",
                               "178956970 years 7 mons",
                               "-1 mons +1 day 00:00:01",
                               "1 mon",
                               "-00:00:00.5",
                               "7 days",
                               "-1 years -2 mons +3 days -04:05:06.789",
                               "00:00:00.000001",
                               "100:00:00",
                               "2 years 1 day 00:00:00.1"}) {
        const IntervalValue v = iv(s);
        CHECK(interval_to_text(v) == s);
        IntervalValue back;
        REQUIRE(bin_to_interval(enc(v, interval_to_bin), back) == CodecErrc::ok);
        CHECK(back == v);
    }
    CHECK(iv("1 year 2 mons 3 days 04:05:06.789") == interval(14, 3, 14'706'789'000));
    CHECK(iv("-1 days +02:03:00") == interval(0, -1, 7'380'000'000));
    CHECK(iv("-00:00:01") == interval(0, 0, -1'000'000));
    CHECK(iv("-2147483648 days -2562047788:00:54.775808") ==
          interval(0, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int64_t>::min()));
    CHECK(iv("178000000 years").months == 2'136'000'000);
    CHECK(iv("-1 years +2 mons").months == -10);
    CHECK(iv("3 months 1 year") == interval(15, 0, 0));

    IntervalValue v;
    CHECK(text_to_interval("178956971 years", v) == CodecErrc::out_of_range);
    CHECK(text_to_interval("2147483648 days", v) == CodecErrc::out_of_range);
    CHECK(text_to_interval("2562047788:00:54.775808", v) == CodecErrc::out_of_range);
    CHECK(text_to_interval("-2562047788:00:54.775809", v) == CodecErrc::out_of_range);
    CHECK(text_to_interval("999999999999999999:00:00", v) == CodecErrc::out_of_range);
    CHECK(text_to_interval("00:60:00", v) == CodecErrc::out_of_range);
    for (std::string_view s :
         {"", "garbage", "1", "1 fortnight", "1 day 2 days", "1 day  2 mons", "1 day ", " 1 day", "00:00",
          "00:00:00 1 day", "00:00:00.", "1day", "--1 day", "1 Day", "00:00:00 00:00:00", "1 day 00:00:00 "})
        CHECK_MESSAGE(text_to_interval(s, v) == CodecErrc::bad_text, s);
}

TEST_CASE("interval text, IntervalStyle iso_8601") {
    // Left: as the server prints under iso_8601; right: the same value under postgres.
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"P1Y2M3DT4H5M6.789S", "1 year 2 mons 3 days 04:05:06.789"},
        {"P-1DT2H3M", "-1 days +02:03:00"},
        {"PT0S", "00:00:00"},
        {"PT-0.5S", "-00:00:00.5"},
        {"P-1Y-2M", "-1 years -2 mons"},
        {"PT-2562047788H-54.775808S", "-2562047788:00:54.775808"},
        {"P1M-1D", "1 mon -1 days"},
        {"P7D", "7 days"},
        {"P1W", "7 days"},
        {"PT-1H-1S", "-01:00:01"},
        {"P-1Y-2M3DT-4H-5M-6.789S", "-1 years -2 mons +3 days -04:05:06.789"},
    };
    for (const auto& c : cases) CHECK_MESSAGE(interval_to_text(iv(c.first)) == c.second, c.first);
    IntervalValue v;
    for (std::string_view s : {"P", "PT", "P1", "P1X", "P1H", "PT1D", "P1Y1Y", "P1.5Y", "PT1.5M", "P1DT", "PT1S2"})
        CHECK_MESSAGE(text_to_interval(s, v) == CodecErrc::bad_text, s);
    CHECK(text_to_interval("P178956971Y", v) == CodecErrc::out_of_range);
    CHECK(text_to_interval("PT2562047789H", v) == CodecErrc::out_of_range);
}

TEST_CASE("timestamps across the first, a middle and the last day round-trip through text") {
    int mismatches = 0;
    for (std::int64_t start : {kMinTs, std::int64_t{-86'400'000'000}, kMaxTs - 86'400'000'000 + 1}) {
        for (std::int64_t t = start; t < start + 86'400'000'000; t += 997'000'003) {
            const std::int64_t a = t;
            std::int64_t b = 0;
            mismatches += text_to_timestamptz(timestamptz_to_text(a), b) != CodecErrc::ok || a != b;
            const std::int64_t c = t;
            std::int64_t d = 0;
            mismatches += text_to_timestamp(timestamp_to_text(c), d) != CodecErrc::ok || c != d;
        }
    }
    CHECK(mismatches == 0);
}
