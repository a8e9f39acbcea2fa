// The public value types (include/uvpg/types.hpp) to and from the plain values proto/'s codecs
// read and write (proto/values.hpp). proto/ knows nothing of the public API, so lib/ maps one to
// the other here, field for field: a copy of a few integers, inlined on the per-field paths.
#pragma once
#include <uvpg/types.hpp>

#include "proto/values.hpp"

#include <chrono>
#include <cstdint>

namespace uvpg::detail {

// ProtoValue<T>::type is the proto form of the public type T; to() and from() convert.
template <class T>
struct ProtoValue;

template <>
struct ProtoValue<Date> {
    using type = std::int32_t;  // days since 2000-01-01, same ±infinity values
    static constexpr type to(const Date& v) { return v.pg_days(); }
    static constexpr Date from(type v) { return Date::from_pg_days(v); }
};

template <>
struct ProtoValue<Time> {
    using type = std::int64_t;  // µs since midnight
    static constexpr type to(const Time& v) { return v.since_midnight().count(); }
    static constexpr Time from(type v) { return Time(std::chrono::microseconds{v}); }
};

template <>
struct ProtoValue<TimeTz> {
    using type = proto::TimeTzValue;  // both count the offset east of UTC
    static constexpr type to(const TimeTz& v) { return type{v.since_midnight().count(), v.utc_offset()}; }
    static constexpr TimeTz from(const type& v) { return TimeTz(std::chrono::microseconds{v.micros}, v.utc_offset); }
};

template <>
struct ProtoValue<Timestamp> {
    using type = std::int64_t;  // µs since 2000-01-01, same ±infinity values
    static constexpr type to(const Timestamp& v) { return v.pg_micros(); }
    static constexpr Timestamp from(type v) { return Timestamp::from_pg_micros(v); }
};

template <>
struct ProtoValue<TimestampTz> {
    using type = std::int64_t;  // µs since 2000-01-01 UTC, same ±infinity values
    static constexpr type to(const TimestampTz& v) { return v.pg_micros(); }
    static constexpr TimestampTz from(type v) { return TimestampTz::from_pg_micros(v); }
};

template <>
struct ProtoValue<Interval> {
    using type = proto::IntervalValue;
    static constexpr type to(const Interval& v) { return type{v.time().count(), v.days(), v.months()}; }
    static constexpr Interval from(const type& v) {
        return Interval(v.months, v.days, std::chrono::microseconds{v.micros});
    }
};

template <>
struct ProtoValue<Uuid> {
    using type = proto::UuidBytes;
    static constexpr type to(const Uuid& v) { return v.bytes; }
    static constexpr Uuid from(const type& v) { return Uuid{v}; }
};

template <>
struct ProtoValue<Inet> {
    using type = proto::InetValue;
    static constexpr type to(const Inet& v) { return type{v.family, v.prefix, v.cidr, v.addr}; }
    static constexpr Inet from(const type& v) { return Inet{v.family, v.prefix, v.cidr, v.addr}; }
};

template <>
struct ProtoValue<MacAddr> {
    using type = proto::MacAddrBytes;
    static constexpr type to(const MacAddr& v) { return v.bytes; }
    static constexpr MacAddr from(const type& v) { return MacAddr{v}; }
};

template <>
struct ProtoValue<MacAddr8> {
    using type = proto::MacAddr8Bytes;
    static constexpr type to(const MacAddr8& v) { return v.bytes; }
    static constexpr MacAddr8 from(const type& v) { return MacAddr8{v}; }
};

template <class T>
constexpr typename ProtoValue<T>::type to_proto(const T& v) {
    return ProtoValue<T>::to(v);
}
template <class T>
constexpr T from_proto(const typename ProtoValue<T>::type& v) {
    return ProtoValue<T>::from(v);
}

}  // namespace uvpg::detail
