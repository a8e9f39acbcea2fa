// The plain values the scalar codecs (codec_basic.hpp, codec_datetime.hpp) read and write: the
// fields of PostgreSQL's own representation of each type, nothing more. proto/ knows nothing of
// the public API; lib/values/proto_mapping.hpp maps these to and from the public value types, field for
// field.
#pragma once
#include <array>
#include <cstdint>
#include <limits>

namespace uvpg::proto {

// ---- date, time, timestamp, timestamptz ------------------------------------------------------
// date: days since 2000-01-01, an std::int32_t. The two extreme values are -infinity and infinity.
inline constexpr std::int32_t kDateMinusInfinity = std::numeric_limits<std::int32_t>::min();
inline constexpr std::int32_t kDateInfinity = std::numeric_limits<std::int32_t>::max();
// time: microseconds since midnight, an std::int64_t (0 to 24:00:00 inclusive).
// timestamp and timestamptz: microseconds since 2000-01-01 00:00:00 (UTC for timestamptz), an
// std::int64_t. The two extreme values are -infinity and infinity.
inline constexpr std::int64_t kTimestampMinusInfinity = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kTimestampInfinity = std::numeric_limits<std::int64_t>::max();

// time with time zone: a time of day and its UTC offset. The offset counts seconds east of UTC
// (+05:30 is 19800), as uvpg::TimeTz does; the wire counts west, and the codecs turn it round.
struct TimeTzValue {
    std::int64_t micros = 0;      // since midnight
    std::int32_t utc_offset = 0;  // seconds east of UTC
    friend constexpr bool operator==(const TimeTzValue&, const TimeTzValue&) = default;
};

// interval: microseconds, days and months kept apart, as PostgreSQL keeps them.
struct IntervalValue {
    std::int64_t micros = 0;
    std::int32_t days = 0;
    std::int32_t months = 0;
    friend constexpr bool operator==(const IntervalValue&, const IntervalValue&) = default;
};

// ---- uuid, inet/cidr, macaddr/macaddr8 -------------------------------------------------------
using UuidBytes = std::array<std::uint8_t, 16>;     // uuid: its 16 bytes in order
using MacAddrBytes = std::array<std::uint8_t, 6>;   // macaddr
using MacAddr8Bytes = std::array<std::uint8_t, 8>;  // macaddr8

// inet and cidr: an IPv4 or IPv6 address with its prefix length.
struct InetValue {
    std::uint8_t family = 4;              // 4 or 6
    std::uint8_t prefix = 32;             // bits of network mask
    bool cidr = false;                    // the value is (or goes as) cidr, not inet
    std::array<std::uint8_t, 16> addr{};  // IPv4 uses the first four bytes
    friend constexpr bool operator==(const InetValue&, const InetValue&) = default;
};

}  // namespace uvpg::proto
