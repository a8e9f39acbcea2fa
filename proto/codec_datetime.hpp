// Codecs for date, time, timetz, timestamp, timestamptz and interval: PostgreSQL's binary form
// (integer datetimes) and its text form under DateStyle=ISO and IntervalStyle=postgres, to the
// plain values of proto/values.hpp and back. Pure functions (proto/ is sans-I/O); the binary
// decoders never allocate.
//
// Errors: bad_length for a binary value of the wrong size; bad_text for a text the parser does
// not accept; out_of_range for a value outside the type's range and, as PostgreSQL's
// "date/time field value out of range" does, for a well-formed text with an impossible field
// (month 13, February 30, hour 25, year 0, a zone past ±15:59:59).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "proto/codec.hpp"
#include "proto/values.hpp"

namespace uvpg::proto {

inline constexpr std::int64_t kUsecsPerDay = 86'400'000'000;
// PostgreSQL's epoch 2000-01-01 in microseconds since 1970-01-01.
inline constexpr std::int64_t kPgEpochUnixMicros = 946'684'800'000'000;
// Finite dates PostgreSQL accepts: Julian day 0 (4714-11-24 BC; the docs' "4713 BC") up to
// 5874897-12-31, in days since 2000-01-01; kDateEnd is one past the last.
inline constexpr std::int32_t kDateMin = -2'451'545;
inline constexpr std::int32_t kDateEnd = 2'145'031'949;
// Finite timestamps: 4714-11-24 00:00:00 BC up to 294276-12-31 23:59:59.999999, in µs since 2000.
inline constexpr std::int64_t kTimestampMin = -211'813'488'000'000'000;
inline constexpr std::int64_t kTimestampEnd = 9'223'371'331'200'000'000;
// timetz zones must lie strictly within ±16 hours.
inline constexpr std::int32_t kTzDispLimit = 16 * 3600;

// The values are proto/values.hpp's: date as days since 2000-01-01 (std::int32_t), time as µs
// since midnight and timestamp/timestamptz as µs since 2000-01-01 (std::int64_t), the extreme
// values of each standing for ±infinity as in PostgreSQL; TimeTzValue and IntervalValue.

// Binary (PostgreSQL 15 wire form) -> values.
CodecErrc bin_to_date(ByteView in, std::int32_t& days);
CodecErrc bin_to_time(ByteView in, std::int64_t& micros);  // outside 00:00:00..24:00:00 -> out_of_range
CodecErrc bin_to_timetz(ByteView in, TimeTzValue& out);
CodecErrc bin_to_timestamp(ByteView in, std::int64_t& micros);
CodecErrc bin_to_timestamptz(ByteView in, std::int64_t& micros);
CodecErrc bin_to_interval(ByteView in, IntervalValue& out);

// Values -> binary, appended to out. Values are sent as they are; the server checks ranges.
void date_to_bin(std::int32_t days, Bytes& out);
void time_to_bin(std::int64_t micros, Bytes& out);
void timetz_to_bin(TimeTzValue v, Bytes& out);
void timestamp_to_bin(std::int64_t micros, Bytes& out);
void timestamptz_to_bin(std::int64_t micros, Bytes& out);
void interval_to_bin(const IntervalValue& v, Bytes& out);

// Text as the server prints it (DateStyle=ISO) -> values. Also accepted: 'T' between date and
// time, up to 6 fractional digits rounded from more, seconds 60 (as PostgreSQL does).
CodecErrc text_to_date(std::string_view in, std::int32_t& days);           // "2024-01-31", "4713-01-01 BC", "infinity"
CodecErrc text_to_time(std::string_view in, std::int64_t& micros);         // "12:34:56.789", "24:00:00"
CodecErrc text_to_timetz(std::string_view in, TimeTzValue& out);           // "12:34:56+05:30", "00:00:00+05:53:28"
CodecErrc text_to_timestamp(std::string_view in, std::int64_t& micros);    // "2024-01-31 12:34:56.123456[ BC]"
CodecErrc text_to_timestamptz(std::string_view in, std::int64_t& micros);  // with an offset; yields the UTC instant
// IntervalStyle postgres ("1 year 2 mons -3 days +04:05:06.789") and iso_8601 ("P1Y2M-3DT4H5M6.789S").
CodecErrc text_to_interval(std::string_view in, IntervalValue& out);

// Values -> text, byte for byte as PostgreSQL 15 prints it (DateStyle=ISO, IntervalStyle=postgres).
std::string date_to_text(std::int32_t days);
std::string time_to_text(std::int64_t micros);
std::string timetz_to_text(TimeTzValue v);
std::string timestamp_to_text(std::int64_t micros);
std::string timestamptz_to_text(std::int64_t micros);  // in UTC: "2024-01-31 12:34:56.5+00"
std::string interval_to_text(const IntervalValue& v);

// Calendar math on day counts, exact over all of int32. Years are astronomical:
// 1 BC is year 0, 4713 BC is -4712.
void pg_days_to_civil(std::int32_t days, std::int32_t& year, unsigned& month, unsigned& day);
// false for an invalid date, or days outside int32 or equal to the ±infinity sentinels.
bool civil_to_pg_days(std::int32_t year, unsigned month, unsigned day, std::int32_t& days);
// µs since 2000-01-01 -> µs since 1970-01-01 (what std::chrono's sys_time / local_time hold); false when it
// overflows int64, which happens past 292277-01-09 04:00:54.775807 though PostgreSQL goes on
// to 294276 AD. Callers must not pass the ±infinity sentinels.
bool pg_micros_to_unix_micros(std::int64_t pg_us, std::int64_t& unix_us);

}  // namespace uvpg::proto
