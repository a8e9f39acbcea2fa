// C++ forms of PostgreSQL's built-in types, as Value::as<T>() returns them and Param takes
// them. Each keeps the server's value exactly: dates and timestamps keep ±infinity and
// PostgreSQL's full range, numerics keep every digit, intervals keep months and days apart.
//
// Every type here is trivially destructible or has constructors of its own: g++ 12 destroys an
// aggregate temporary with non-trivial members twice when it is built inside a co_await
// expression, which is where parameters are written.
#pragma once
#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <uvpg/export.hpp>
#include <vector>

namespace uvpg {

// PostgreSQL counts days and microseconds from 2000-01-01 00:00:00 (UTC for timestamptz).
inline constexpr std::chrono::sys_days kPgEpoch{std::chrono::days{10957}};

// date: 4714-11-24 BC (Julian day 0) to 5874897 AD, plus infinity and -infinity. Converting an infinite date to a
// std::chrono type throws DataError.
class UVPG_EXPORT Date {
public:
    constexpr Date() = default;                      // 2000-01-01
    explicit Date(std::chrono::sys_days d);          // DataError beyond PostgreSQL's int32 day count
    explicit Date(std::chrono::year_month_day ymd);  // DataError for an invalid date
    static constexpr Date from_pg_days(std::int32_t d) {
        Date x;
        x.days_ = d;
        return x;
    }
    static constexpr Date infinity() { return from_pg_days(std::numeric_limits<std::int32_t>::max()); }
    static constexpr Date minus_infinity() { return from_pg_days(std::numeric_limits<std::int32_t>::min()); }

    constexpr std::int32_t pg_days() const { return days_; }  // days since 2000-01-01
    constexpr bool is_infinity() const { return days_ == std::numeric_limits<std::int32_t>::max(); }
    constexpr bool is_minus_infinity() const { return days_ == std::numeric_limits<std::int32_t>::min(); }
    constexpr bool is_finite() const { return !is_infinity() && !is_minus_infinity(); }
    std::chrono::sys_days sys_days() const;   // DataError when infinite
    std::chrono::year_month_day ymd() const;  // DataError when infinite or past year 32767
    friend constexpr auto operator<=>(const Date&, const Date&) = default;

private:
    std::int32_t days_ = 0;
};

// time without time zone: 00:00:00 to 24:00:00, microseconds.
class Time {
public:
    constexpr Time() = default;
    constexpr explicit Time(std::chrono::microseconds since_midnight) : us_(since_midnight.count()) {}
    constexpr std::chrono::microseconds since_midnight() const { return std::chrono::microseconds{us_}; }
    friend constexpr auto operator<=>(const Time&, const Time&) = default;

private:
    std::int64_t us_ = 0;
};

// time with time zone: a time of day and its UTC offset in seconds, east positive (+05:30 is
// 19800). PostgreSQL's own wire value counts west positive; uvpg turns it round.
class TimeTz {
public:
    constexpr TimeTz() = default;
    constexpr TimeTz(std::chrono::microseconds since_midnight, std::int32_t utc_offset_seconds)
        : us_(since_midnight.count()), offset_(utc_offset_seconds) {}
    constexpr std::chrono::microseconds since_midnight() const { return std::chrono::microseconds{us_}; }
    constexpr std::int32_t utc_offset() const { return offset_; }
    // Field by field; the server orders timetz by UTC time first, so no ordering is offered.
    friend constexpr bool operator==(const TimeTz&, const TimeTz&) = default;

private:
    std::int64_t us_ = 0;
    std::int32_t offset_ = 0;
};

namespace detail {
// timestamp and timestamptz share one representation: microseconds since the epoch, with the
// two extreme values standing for -infinity and infinity.
template <class Tag>
class TimestampBase {
public:
    static constexpr std::int64_t kInfinity = std::numeric_limits<std::int64_t>::max();
    static constexpr std::int64_t kMinusInfinity = std::numeric_limits<std::int64_t>::min();
    constexpr TimestampBase() = default;
    static constexpr Tag from_pg_micros(std::int64_t us) {
        Tag t;
        t.us_ = us;
        return t;
    }
    static constexpr Tag infinity() { return from_pg_micros(kInfinity); }
    static constexpr Tag minus_infinity() { return from_pg_micros(kMinusInfinity); }
    constexpr std::int64_t pg_micros() const { return us_; }  // microseconds since 2000-01-01
    constexpr bool is_infinity() const { return us_ == kInfinity; }
    constexpr bool is_minus_infinity() const { return us_ == kMinusInfinity; }
    constexpr bool is_finite() const { return !is_infinity() && !is_minus_infinity(); }
    friend constexpr auto operator<=>(const TimestampBase&, const TimestampBase&) = default;

protected:
    std::int64_t us_ = 0;
};
}  // namespace detail

// timestamp without time zone: 4714-11-24 BC to 294276 AD, microseconds, ±infinity.
class UVPG_EXPORT Timestamp : public detail::TimestampBase<Timestamp> {
public:
    using local_us = std::chrono::local_time<std::chrono::microseconds>;
    constexpr Timestamp() = default;
    explicit Timestamp(local_us t);  // DataError when beyond 64-bit microseconds from 2000
    local_us local_time() const;     // DataError when infinite
};

// timestamp with time zone: an instant, microseconds, ±infinity.
class UVPG_EXPORT TimestampTz : public detail::TimestampBase<TimestampTz> {
public:
    using sys_us = std::chrono::sys_time<std::chrono::microseconds>;
    constexpr TimestampTz() = default;
    explicit TimestampTz(sys_us t);  // DataError when beyond 64-bit microseconds from 2000
    sys_us sys_time() const;         // DataError when infinite
};

// interval: months, days and microseconds kept apart, as PostgreSQL keeps them (a month is not
// a fixed number of days, nor a day of hours across a DST change). == compares the three
// fields; the server's = also equates 1 mon with 30 days.
class Interval {
public:
    constexpr Interval() = default;
    constexpr Interval(std::int32_t months, std::int32_t days, std::chrono::microseconds time)
        : us_(time.count()), days_(days), months_(months) {}
    constexpr explicit Interval(std::chrono::microseconds time) : us_(time.count()) {}
    constexpr std::int32_t months() const { return months_; }
    constexpr std::int32_t days() const { return days_; }
    constexpr std::chrono::microseconds time() const { return std::chrono::microseconds{us_}; }
    friend constexpr bool operator==(const Interval&, const Interval&) = default;

private:
    std::int64_t us_ = 0;
    std::int32_t days_ = 0;
    std::int32_t months_ = 0;
};

// uuid: 16 bytes; text form 8-4-4-4-12 lowercase hex.
struct UVPG_EXPORT Uuid {
    std::array<std::uint8_t, 16> bytes{};
    std::string to_string() const;
    static Uuid parse(std::string_view text);  // DataError on a malformed text
    friend constexpr auto operator<=>(const Uuid&, const Uuid&) = default;
};

// inet and cidr: an IPv4 or IPv6 address with its prefix length. For IPv4 only the first four
// bytes are used.
struct UVPG_EXPORT Inet {
    std::uint8_t family = 4;   // 4 or 6
    std::uint8_t prefix = 32;  // bits of network mask
    bool cidr = false;         // the value is (or goes as) cidr, not inet
    std::array<std::uint8_t, 16> addr{};
    std::string to_string() const;                                // as the server prints it
    static Inet parse(std::string_view text, bool cidr = false);  // DataError on a malformed text
    friend constexpr bool operator==(const Inet&, const Inet&) = default;
};

struct UVPG_EXPORT MacAddr {
    std::array<std::uint8_t, 6> bytes{};
    std::string to_string() const;  // 08:00:2b:01:02:03
    friend constexpr auto operator<=>(const MacAddr&, const MacAddr&) = default;
};
struct UVPG_EXPORT MacAddr8 {
    std::array<std::uint8_t, 8> bytes{};
    std::string to_string() const;  // 08:00:2b:01:02:03:04:05
    friend constexpr auto operator<=>(const MacAddr8&, const MacAddr8&) = default;
};

// bit and bit varying, as a string of '0' and '1'.
struct Bits {
    Bits() = default;
    explicit Bits(std::string digits) : text(std::move(digits)) {}
    std::string text;
    friend bool operator==(const Bits&, const Bits&) = default;
};

// money: an amount in the currency's smallest unit (cents under lc_monetary = C or en_US).
struct Money {
    std::int64_t minor_units = 0;
    friend constexpr auto operator<=>(const Money&, const Money&) = default;
};

// xml, as text.
struct Xml {
    Xml() = default;
    explicit Xml(std::string t) : text(std::move(t)) {}
    std::string text;
    friend bool operator==(const Xml&, const Xml&) = default;
};

// hstore (an extension type: Connection::register_type("hstore") first): keys to values, a
// value may be NULL.
using Hstore = std::map<std::string, std::optional<std::string>>;

// A range (int4range, numrange, daterange, tstzrange, ...): a missing bound is infinite. The
// default is the empty range. Ranges of discrete types come back canonical: [1,5] reads [1,6).
template <class T>
class Range {
public:
    Range() = default;
    Range(std::optional<T> lo, std::optional<T> hi, bool lo_inclusive = true, bool hi_inclusive = false)
        : lower(std::move(lo)),
          upper(std::move(hi)),
          lower_inc(lo_inclusive && lower.has_value()),
          upper_inc(hi_inclusive && upper.has_value()),
          empty(false) {}
    std::optional<T> lower, upper;
    bool lower_inc = false, upper_inc = false;
    bool empty = true;
    using value_type_ = T;
    friend bool operator==(const Range&, const Range&) = default;
};

// A multirange (PostgreSQL 14+): its ranges in order.
template <class T>
struct Multirange {
    Multirange() = default;
    explicit Multirange(std::vector<Range<T>> r) : ranges(std::move(r)) {}
    std::vector<Range<T>> ranges;
    friend bool operator==(const Multirange&, const Multirange&) = default;
};

}  // namespace uvpg
