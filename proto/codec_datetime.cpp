// Dates, times, timestamps and intervals: the calendar, the binary forms and reading the text
// forms (printing them: proto/codec_datetime_text.cpp).
#include "proto/codec_datetime.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace uvpg::proto {
namespace {

constexpr std::int64_t kUsPerSec = 1'000'000;
constexpr std::int64_t kUsPerMin = 60 * kUsPerSec;
constexpr std::int64_t kUsPerHour = 60 * kUsPerMin;
constexpr std::int32_t kInt32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::int32_t kInt32Min = std::numeric_limits<std::int32_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
// Days from 0000-03-01 (the start of the civil algorithms' era) to 2000-01-01.
constexpr std::int64_t kEraToPgEpochDays = 730'425;

// ---- binary helpers ----------------------------------------------------------------------

std::uint32_t load32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]};
}
std::uint64_t load64(const std::uint8_t* p) { return std::uint64_t{load32(p)} << 32 | load32(p + 4); }
std::int32_t load_i32(const std::uint8_t* p) { return static_cast<std::int32_t>(load32(p)); }
std::int64_t load_i64(const std::uint8_t* p) { return static_cast<std::int64_t>(load64(p)); }

void put32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}
void put64(std::uint8_t* p, std::uint64_t v) {
    put32(p, static_cast<std::uint32_t>(v >> 32));
    put32(p + 4, static_cast<std::uint32_t>(v));
}
std::uint8_t* grow(Bytes& out, std::size_t n) {
    const std::size_t at = out.size();
    out.resize(at + n);
    return out.data() + at;
}

bool date_ok(std::int32_t d) {
    return d == kDateMinusInfinity || d == kDateInfinity || (d >= kDateMin && d < kDateEnd);
}
bool timestamp_ok(std::int64_t t) {
    return t == kTimestampMinusInfinity || t == kTimestampInfinity || (t >= kTimestampMin && t < kTimestampEnd);
}

// ---- calendar ----------------------------------------------------------------------------

bool is_leap(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }
unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}
// Howard Hinnant's days_from_civil, counted from 2000-01-01. |y| must stay below ~1e15.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - kEraToPgEpochDays;
}

// ---- text parsing ------------------------------------------------------------------------

struct Cursor {
    const char* p;
    const char* e;
    explicit Cursor(std::string_view s) : p(s.data()), e(s.data() + s.size()) {}
    bool done() const { return p == e; }
    bool peek(char c) const { return p != e && *p == c; }
    bool eat(char c) {
        if (!peek(c)) return false;
        ++p;
        return true;
    }
    bool eat(std::string_view s) {
        if (static_cast<std::size_t>(e - p) < s.size() || std::memcmp(p, s.data(), s.size()) != 0) return false;
        p += s.size();
        return true;
    }
    bool digit() const { return p != e && *p >= '0' && *p <= '9'; }
    // min_n..max_n decimal digits (max_n <= 18, so the value fits).
    bool number(std::int64_t& v, int min_n, int max_n) {
        int n = 0;
        v = 0;
        while (digit() && n < max_n) {
            v = v * 10 + (*p++ - '0');
            ++n;
        }
        return n >= min_n && !digit();
    }
    // Digits after a '.', as microseconds rounded half up (may reach 1000000). At least one.
    bool fraction(std::int64_t& us) {
        us = 0;
        int n = 0;
        bool round_up = false;
        for (; digit(); ++p, ++n) {
            if (n < 6) us = us * 10 + (*p - '0');
            else if (n == 6) round_up = *p >= '5';
        }
        for (int i = n; i < 6; ++i) us *= 10;
        us += round_up;
        return n > 0;
    }
};

bool is_infinity(std::string_view in, bool& negative) {
    negative = in == "-infinity";
    return negative || in == "infinity";
}

struct Ymd {
    std::int64_t y = 0, m = 0, d = 0;
};

// "Y-M-D" with at least one digit each; checked later, once " BC" is known.
CodecErrc parse_ymd(Cursor& c, Ymd& v) {
    if (!c.number(v.y, 1, 18) || !c.eat('-') || !c.number(v.m, 1, 2) || !c.eat('-') || !c.number(v.d, 1, 2))
        return CodecErrc::bad_text;
    return CodecErrc::ok;
}

// Turns a printed year (BC or AD) into the astronomical one and checks the fields.
CodecErrc check_ymd(Ymd& v, bool bc) {
    if (v.y < 1 || v.y > 100'000'000 || v.m < 1 || v.m > 12) return CodecErrc::out_of_range;
    if (bc) v.y = 1 - v.y;
    if (v.d < 1 || v.d > days_in_month(v.y, static_cast<unsigned>(v.m))) return CodecErrc::out_of_range;
    return CodecErrc::ok;
}

// "H:MM[:SS[.ffffff]]" into µs since midnight. Hour 24 only as 24:00:00; second 60 is taken, as
// PostgreSQL takes it, as the first second of the next minute.
CodecErrc parse_hms(Cursor& c, std::int64_t& us) {
    std::int64_t h = 0, m = 0, s = 0, f = 0;
    if (!c.number(h, 1, 2) || !c.eat(':') || !c.number(m, 2, 2)) return CodecErrc::bad_text;
    if (c.eat(':')) {
        if (!c.number(s, 2, 2)) return CodecErrc::bad_text;
        if (c.eat('.') && !c.fraction(f)) return CodecErrc::bad_text;
    }
    if (h > 24 || m > 59 || s > 60 || (h == 24 && (m != 0 || s != 0 || f != 0))) return CodecErrc::out_of_range;
    us = h * kUsPerHour + m * kUsPerMin + s * kUsPerSec + f;
    return CodecErrc::ok;
}

// "+HH[:MM[:SS]]" or "-..." into seconds east of UTC, within PostgreSQL's ±15:59:59.
CodecErrc parse_zone(Cursor& c, std::int32_t& east) {
    const bool neg = c.peek('-');
    if (!c.eat('+') && !c.eat('-')) return CodecErrc::bad_text;
    std::int64_t h = 0, m = 0, s = 0;
    if (!c.number(h, 1, 2)) return CodecErrc::bad_text;
    if (c.eat(':')) {
        if (!c.number(m, 2, 2)) return CodecErrc::bad_text;
        if (c.eat(':') && !c.number(s, 2, 2)) return CodecErrc::bad_text;
    }
    if (h > 15 || m > 59 || s > 59) return CodecErrc::out_of_range;
    const auto secs = static_cast<std::int32_t>(h * 3600 + m * 60 + s);
    east = neg ? -secs : secs;
    return CodecErrc::ok;
}

// Both timestamp kinds: "Y-M-D H:MM:SS[.f][zone][ BC]"; the result is local time minus the zone.
CodecErrc parse_timestamp(std::string_view in, bool with_zone, std::int64_t& out) {
    bool neg = false;
    if (is_infinity(in, neg)) {
        out = neg ? kTimestampMinusInfinity : kTimestampInfinity;
        return CodecErrc::ok;
    }
    Cursor c(in);
    Ymd v;
    std::int64_t tod = 0;
    std::int32_t east = 0;
    if (auto e = parse_ymd(c, v); e != CodecErrc::ok) return e;
    if (!c.eat(' ') && !c.eat('T')) return CodecErrc::bad_text;
    if (auto e = parse_hms(c, tod); e != CodecErrc::ok) return e;
    if (with_zone)
        if (auto e = parse_zone(c, east); e != CodecErrc::ok) return e;
    const bool bc = c.eat(" BC");
    if (!c.done()) return CodecErrc::bad_text;
    if (auto e = check_ymd(v, bc); e != CodecErrc::ok) return e;
    const std::int64_t days = days_from_civil(v.y, static_cast<unsigned>(v.m), static_cast<unsigned>(v.d));
    // A day either side of the range leaves room for the zone and keeps the product in int64.
    if (days < kTimestampMin / kUsecsPerDay - 1 || days > kTimestampEnd / kUsecsPerDay + 1)
        return CodecErrc::out_of_range;
    const std::int64_t t = days * kUsecsPerDay + tod - std::int64_t{east} * kUsPerSec;
    if (t < kTimestampMin || t >= kTimestampEnd) return CodecErrc::out_of_range;
    out = t;
    return CodecErrc::ok;
}

// ---- interval parsing --------------------------------------------------------------------

bool add_i64(std::int64_t& acc, std::int64_t a, std::int64_t b) {
    std::int64_t p = 0;
    return !__builtin_mul_overflow(a, b, &p) && !__builtin_add_overflow(acc, p, &acc);
}

CodecErrc finish_interval(std::int64_t months, std::int64_t days, std::int64_t us, IntervalValue& out) {
    if (months < kInt32Min || months > kInt32Max || days < kInt32Min || days > kInt32Max)
        return CodecErrc::out_of_range;
    out = IntervalValue{us, static_cast<std::int32_t>(days), static_cast<std::int32_t>(months)};
    return CodecErrc::ok;
}

// ISO 8601 "format with designators", as IntervalStyle iso_8601 prints: P[nY][nM][nW][nD][T[nH][nM][n[.f]S]],
// every number signed on its own.
CodecErrc parse_iso_interval(Cursor c, IntervalValue& out) {
    std::int64_t months = 0, days = 0, us = 0;
    bool in_time = false, any = false;
    unsigned seen = 0;
    while (!c.done()) {
        if (!in_time && c.eat('T')) {
            in_time = true;
            if (c.done()) return CodecErrc::bad_text;
            continue;
        }
        const bool neg = c.peek('-');
        if (!c.eat('-')) c.eat('+');
        std::int64_t n = 0, f = 0;
        if (!c.number(n, 1, 18)) return CodecErrc::bad_text;
        const bool has_frac = c.eat('.');
        if (has_frac && !c.fraction(f)) return CodecErrc::bad_text;
        if (c.done()) return CodecErrc::bad_text;
        const char unit = *c.p++;
        // Slots 0-3: Y M W D before the 'T'; 4-6: H M S after it.
        const std::string_view units = in_time ? "HMS" : "YMWD";
        const std::size_t at = units.find(unit);
        if (at == std::string_view::npos) return CodecErrc::bad_text;
        const std::size_t slot = in_time ? 4 + at : at;
        if ((seen & (1u << slot)) || (has_frac && slot != 6)) return CodecErrc::bad_text;
        seen |= 1u << slot;
        any = true;
        const std::int64_t sign = neg ? -1 : 1;
        bool ok = true;
        switch (slot) {
        case 0: ok = add_i64(months, sign * n, 12); break;
        case 1: ok = add_i64(months, sign * n, 1); break;
        case 2: ok = add_i64(days, sign * n, 7); break;
        case 3: ok = add_i64(days, sign * n, 1); break;
        case 4: ok = add_i64(us, sign * n, kUsPerHour); break;
        case 5: ok = add_i64(us, sign * n, kUsPerMin); break;
        default: ok = add_i64(us, sign * n, kUsPerSec) && add_i64(us, sign * f, 1); break;
        }
        if (!ok) return CodecErrc::out_of_range;
    }
    if (!any) return CodecErrc::bad_text;
    return finish_interval(months, days, us, out);
}

// IntervalStyle postgres: "[±N year(s)] [±N mon(s)] [±N day(s)] [±H:MM:SS[.f]]", space separated.
CodecErrc parse_postgres_interval(Cursor c, IntervalValue& out) {
    std::int64_t months = 0, days = 0, us = 0;
    unsigned seen = 0;
    for (bool first = true; !c.done(); first = false) {
        if (!first && !c.eat(' ')) return CodecErrc::bad_text;
        const bool neg = c.peek('-');
        if (!c.eat('-')) c.eat('+');
        std::int64_t n = 0;
        if (!c.number(n, 1, 18)) return CodecErrc::bad_text;
        if (c.eat(':')) {  // the time part, always last
            std::int64_t m = 0, s = 0, f = 0;
            if (!c.number(m, 2, 2) || !c.eat(':') || !c.number(s, 2, 2)) return CodecErrc::bad_text;
            if (c.eat('.') && !c.fraction(f)) return CodecErrc::bad_text;
            if (!c.done()) return CodecErrc::bad_text;
            if (m > 59 || s > 59) return CodecErrc::out_of_range;
            // The magnitude may be 2^63 when negative (INT64_MIN), so build it unsigned.
            std::uint64_t mag = 0;
            if (__builtin_mul_overflow(static_cast<std::uint64_t>(n), std::uint64_t{kUsPerHour}, &mag) ||
                __builtin_add_overflow(mag, static_cast<std::uint64_t>(m * kUsPerMin + s * kUsPerSec + f), &mag))
                return CodecErrc::out_of_range;
            const std::uint64_t limit = neg ? std::uint64_t{1} << 63 : static_cast<std::uint64_t>(kInt64Max);
            if (mag > limit) return CodecErrc::out_of_range;
            us = neg ? static_cast<std::int64_t>(0 - mag) : static_cast<std::int64_t>(mag);
            seen |= 8;
            break;
        }
        if (!c.eat(' ')) return CodecErrc::bad_text;
        const char* w = c.p;
        while (!c.done() && *c.p >= 'a' && *c.p <= 'z') ++c.p;
        const std::string_view unit(w, static_cast<std::size_t>(c.p - w));
        unsigned slot = 0;
        std::int64_t* acc = &days;
        std::int64_t mul = 1;
        if (unit == "year" || unit == "years") slot = 1, acc = &months, mul = 12;
        else if (unit == "mon" || unit == "mons" || unit == "month" || unit == "months") slot = 2, acc = &months;
        else if (unit == "day" || unit == "days") slot = 4;
        else return CodecErrc::bad_text;
        if (seen & slot) return CodecErrc::bad_text;
        seen |= slot;
        if (!add_i64(*acc, neg ? -n : n, mul)) return CodecErrc::out_of_range;
    }
    if (seen == 0) return CodecErrc::bad_text;
    return finish_interval(months, days, us, out);
}

}  // namespace

// ---- calendar ----------------------------------------------------------------------------

void pg_days_to_civil(std::int32_t days, std::int32_t& year, unsigned& month, unsigned& day) {
    // Howard Hinnant's civil_from_days, in 64 bits so every int32 day count is exact.
    const std::int64_t z = std::int64_t{days} + kEraToPgEpochDays;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
    month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
    year = static_cast<std::int32_t>(yoe + era * 400 + (month <= 2));
}

bool civil_to_pg_days(std::int32_t year, unsigned month, unsigned day, std::int32_t& days) {
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return false;
    const std::int64_t d = days_from_civil(year, month, day);
    if (d <= kInt32Min || d >= kInt32Max) return false;
    days = static_cast<std::int32_t>(d);
    return true;
}

bool pg_micros_to_unix_micros(std::int64_t pg_us, std::int64_t& unix_us) {
    return !__builtin_add_overflow(pg_us, kPgEpochUnixMicros, &unix_us);
}

// ---- binary ------------------------------------------------------------------------------

CodecErrc bin_to_date(ByteView in, std::int32_t& days) {
    if (in.size() != 4) return CodecErrc::bad_length;
    const std::int32_t d = load_i32(in.data());
    if (!date_ok(d)) return CodecErrc::out_of_range;
    days = d;
    return CodecErrc::ok;
}

CodecErrc bin_to_time(ByteView in, std::int64_t& micros) {
    if (in.size() != 8) return CodecErrc::bad_length;
    const std::int64_t us = load_i64(in.data());
    if (us < 0 || us > kUsecsPerDay) return CodecErrc::out_of_range;
    micros = us;
    return CodecErrc::ok;
}

CodecErrc bin_to_timetz(ByteView in, TimeTzValue& out) {
    if (in.size() != 12) return CodecErrc::bad_length;
    const std::int64_t us = load_i64(in.data());
    const std::int32_t west = load_i32(in.data() + 8);
    if (us < 0 || us > kUsecsPerDay || west <= -kTzDispLimit || west >= kTzDispLimit) return CodecErrc::out_of_range;
    out = TimeTzValue{us, -west};
    return CodecErrc::ok;
}

CodecErrc bin_to_timestamp(ByteView in, std::int64_t& micros) {
    if (in.size() != 8) return CodecErrc::bad_length;
    const std::int64_t t = load_i64(in.data());
    if (!timestamp_ok(t)) return CodecErrc::out_of_range;
    micros = t;
    return CodecErrc::ok;
}

CodecErrc bin_to_timestamptz(ByteView in, std::int64_t& micros) { return bin_to_timestamp(in, micros); }

CodecErrc bin_to_interval(ByteView in, IntervalValue& out) {
    if (in.size() != 16) return CodecErrc::bad_length;
    const std::uint8_t* p = in.data();
    out = IntervalValue{load_i64(p), load_i32(p + 8), load_i32(p + 12)};
    return CodecErrc::ok;
}

void date_to_bin(std::int32_t days, Bytes& out) { put32(grow(out, 4), static_cast<std::uint32_t>(days)); }
void time_to_bin(std::int64_t micros, Bytes& out) { put64(grow(out, 8), static_cast<std::uint64_t>(micros)); }
void timetz_to_bin(TimeTzValue v, Bytes& out) {
    std::uint8_t* p = grow(out, 12);
    put64(p, static_cast<std::uint64_t>(v.micros));
    put32(p + 8, 0 - static_cast<std::uint32_t>(v.utc_offset));  // west positive on the wire
}
void timestamp_to_bin(std::int64_t micros, Bytes& out) { put64(grow(out, 8), static_cast<std::uint64_t>(micros)); }
void timestamptz_to_bin(std::int64_t micros, Bytes& out) { timestamp_to_bin(micros, out); }
void interval_to_bin(const IntervalValue& v, Bytes& out) {
    std::uint8_t* p = grow(out, 16);
    put64(p, static_cast<std::uint64_t>(v.micros));
    put32(p + 8, static_cast<std::uint32_t>(v.days));
    put32(p + 12, static_cast<std::uint32_t>(v.months));
}

// ---- text input --------------------------------------------------------------------------

CodecErrc text_to_date(std::string_view in, std::int32_t& days) {
    bool neg = false;
    if (is_infinity(in, neg)) {
        days = neg ? kDateMinusInfinity : kDateInfinity;
        return CodecErrc::ok;
    }
    Cursor c(in);
    Ymd v;
    if (auto e = parse_ymd(c, v); e != CodecErrc::ok) return e;
    const bool bc = c.eat(" BC");
    if (!c.done()) return CodecErrc::bad_text;
    if (auto e = check_ymd(v, bc); e != CodecErrc::ok) return e;
    const std::int64_t d = days_from_civil(v.y, static_cast<unsigned>(v.m), static_cast<unsigned>(v.d));
    if (d < kDateMin || d >= kDateEnd) return CodecErrc::out_of_range;
    days = static_cast<std::int32_t>(d);
    return CodecErrc::ok;
}

CodecErrc text_to_time(std::string_view in, std::int64_t& micros) {
    Cursor c(in);
    std::int64_t us = 0;
    if (auto e = parse_hms(c, us); e != CodecErrc::ok) return e;
    if (!c.done()) return CodecErrc::bad_text;
    if (us > kUsecsPerDay) return CodecErrc::out_of_range;  // 23:59:60.5
    micros = us;
    return CodecErrc::ok;
}

CodecErrc text_to_timetz(std::string_view in, TimeTzValue& out) {
    Cursor c(in);
    std::int64_t us = 0;
    std::int32_t east = 0;
    if (auto e = parse_hms(c, us); e != CodecErrc::ok) return e;
    if (auto e = parse_zone(c, east); e != CodecErrc::ok) return e;
    if (!c.done()) return CodecErrc::bad_text;
    if (us > kUsecsPerDay) return CodecErrc::out_of_range;
    out = TimeTzValue{us, east};
    return CodecErrc::ok;
}

CodecErrc text_to_timestamp(std::string_view in, std::int64_t& micros) {
    std::int64_t t = 0;
    const CodecErrc e = parse_timestamp(in, false, t);
    if (e == CodecErrc::ok) micros = t;
    return e;
}

CodecErrc text_to_timestamptz(std::string_view in, std::int64_t& micros) {
    std::int64_t t = 0;
    const CodecErrc e = parse_timestamp(in, true, t);
    if (e == CodecErrc::ok) micros = t;
    return e;
}

CodecErrc text_to_interval(std::string_view in, IntervalValue& out) {
    Cursor c(in);
    if (c.eat('P')) return parse_iso_interval(c, out);
    return parse_postgres_interval(c, out);
}

}  // namespace uvpg::proto
