// Dates, times, timestamps and intervals printed as PostgreSQL's output functions print them
// (DateStyle ISO, IntervalStyle postgres): the text as() gives for a binary value. Reading
// and the binary forms are in proto/codec_datetime.cpp.
#include "proto/codec_datetime.hpp"

#include <algorithm>
#include <cstring>

namespace uvpg::proto {
namespace {

constexpr std::int64_t kUsPerSec = 1'000'000;
constexpr std::int64_t kUsPerMin = 60 * kUsPerSec;
constexpr std::int64_t kUsPerHour = 60 * kUsPerMin;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// ---- text output -------------------------------------------------------------------------

// v in decimal, zero-padded to at least width digits.
char* put_uint(char* p, std::uint64_t v, int width) {
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (int i = n; i < width; ++i) *p++ = '0';
    while (n > 0) *p++ = tmp[--n];
    return p;
}

std::uint64_t abs_u64(std::int64_t v) {
    return v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
}

// PostgreSQL's AppendSeconds with fillzeros: "SS" and, when non-zero, '.' and up to six digits
// without trailing zeros.
char* put_seconds(char* p, std::uint64_t sec, std::uint64_t usec) {
    p = put_uint(p, sec, 2);
    if (usec == 0) return p;
    *p++ = '.';
    int width = 6;
    while (usec % 10 == 0) {
        usec /= 10;
        --width;
    }
    return put_uint(p, usec, width);
}

// "HH:MM:SS[.f]" for µs within a day (hours may pass 24 for out-of-range values; sign dropped).
char* put_time(char* p, std::uint64_t us) {
    p = put_uint(p, us / kUsPerHour, 2);
    *p++ = ':';
    p = put_uint(p, us / kUsPerMin % 60, 2);
    *p++ = ':';
    return put_seconds(p, us / kUsPerSec % 60, us % kUsPerSec);
}

// PostgreSQL's EncodeTimezone: "+HH", "+HH:MM" or "+HH:MM:SS", seconds east.
char* put_zone(char* p, std::int32_t east) {
    *p++ = east >= 0 ? '+' : '-';
    const std::uint64_t secs = abs_u64(east);
    p = put_uint(p, secs / 3600, 2);
    if (secs % 60 != 0 || secs / 60 % 60 != 0) {
        *p++ = ':';
        p = put_uint(p, secs / 60 % 60, 2);
    }
    if (secs % 60 != 0) {
        *p++ = ':';
        p = put_uint(p, secs % 60, 2);
    }
    return p;
}

// "YYYY-MM-DD" for days since 2000; returns whether the year is BC (the caller appends " BC").
char* put_date(char* p, std::int32_t days, bool& bc) {
    std::int32_t y = 0;
    unsigned m = 0, d = 0;
    pg_days_to_civil(days, y, m, d);
    bc = y <= 0;
    p = put_uint(p, static_cast<std::uint64_t>(bc ? 1 - std::int64_t{y} : y), 4);
    *p++ = '-';
    p = put_uint(p, m, 2);
    *p++ = '-';
    return put_uint(p, d, 2);
}

std::string timestamp_text(std::int64_t us, bool utc_zone) {
    if (us == kTimestampInfinity) return "infinity";
    if (us == kTimestampMinusInfinity) return "-infinity";
    const std::int64_t days = floor_div(us, kUsecsPerDay);  // |days| < 2^27 for any int64
    char buf[64];
    bool bc = false;
    char* p = put_date(buf, static_cast<std::int32_t>(days), bc);
    *p++ = ' ';
    p = put_time(p, static_cast<std::uint64_t>(us - days * kUsecsPerDay));
    if (utc_zone) p = put_zone(p, 0);
    if (bc) p = std::copy_n(" BC", 3, p);
    return std::string(buf, p);
}

// AddPostgresIntPart: " " between parts, "+" on a positive part after a negative one, plural "s".
char* put_interval_part(char* p, std::int32_t v, std::string_view unit, bool& is_zero, bool& is_before) {
    if (v == 0) return p;
    if (!is_zero) *p++ = ' ';
    if (is_before && v > 0) *p++ = '+';
    if (v < 0) *p++ = '-';
    p = put_uint(p, abs_u64(v), 1);
    *p++ = ' ';
    p = std::copy(unit.begin(), unit.end(), p);
    if (v != 1) *p++ = 's';
    is_before = v < 0;
    is_zero = false;
    return p;
}

}  // namespace

// ---- text output -------------------------------------------------------------------------

std::string date_to_text(std::int32_t days) {
    if (days == kDateInfinity) return "infinity";
    if (days == kDateMinusInfinity) return "-infinity";
    char buf[32];
    bool bc = false;
    char* p = put_date(buf, days, bc);
    if (bc) p = std::copy_n(" BC", 3, p);
    return std::string(buf, p);
}

std::string time_to_text(std::int64_t micros) {
    const std::int64_t us = micros;
    char buf[48];
    char* p = buf;
    if (us < 0) *p++ = '-';  // not a value of the type; printed rather than lost
    p = put_time(p, abs_u64(us));
    return std::string(buf, p);
}

std::string timetz_to_text(TimeTzValue v) {
    const std::int64_t us = v.micros;
    char buf[64];
    char* p = buf;
    if (us < 0) *p++ = '-';
    p = put_time(p, abs_u64(us));
    p = put_zone(p, v.utc_offset);
    return std::string(buf, p);
}

std::string timestamp_to_text(std::int64_t micros) { return timestamp_text(micros, false); }
std::string timestamptz_to_text(std::int64_t micros) { return timestamp_text(micros, true); }

// interval_out under IntervalStyle postgres (EncodeInterval, INTSTYLE_POSTGRES): every field
// truncates toward zero, so the time fields all share the sign of the microseconds.
std::string interval_to_text(const IntervalValue& v) {
    char buf[128];
    char* p = buf;
    bool is_zero = true, is_before = false;
    p = put_interval_part(p, v.months / 12, "year", is_zero, is_before);
    p = put_interval_part(p, v.months % 12, "mon", is_zero, is_before);
    p = put_interval_part(p, v.days, "day", is_zero, is_before);
    const std::int64_t us = v.micros;
    if (is_zero || us != 0) {
        if (!is_zero) *p++ = ' ';
        if (us < 0) *p++ = '-';
        else if (is_before) *p++ = '+';
        p = put_time(p, abs_u64(us));
    }
    return std::string(buf, p);
}

}  // namespace uvpg::proto
