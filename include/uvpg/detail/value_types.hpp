// The C++ types Value::as<T>() reads, and the traits <uvpg/value.hpp> and <uvpg/params.hpp>
// tell them apart with. Not API: use Value::as<T>().
#pragma once
#include <uvpg/types.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace uvpg {

struct Numeric;
struct Json;
using Bytes = std::vector<std::uint8_t>;  // bytea

namespace detail {
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};

using local_us = std::chrono::local_time<std::chrono::microseconds>;
using sys_us = std::chrono::sys_time<std::chrono::microseconds>;

// The C++ types Value::as<T>() reads, with the names its error messages use.
#define UVPG_FOR_EACH_VALUE_TYPE(X)                                                              \
    X(bool) X(signed char) X(unsigned char) X(short) X(unsigned short) X(int) X(unsigned int)    \
    X(long) X(unsigned long) X(long long) X(unsigned long long) X(float) X(double)               \
    X(std::string) X(std::string_view) X(Bytes) X(Numeric) X(Json) X(Xml) X(Date) X(Time)        \
    X(TimeTz) X(Timestamp) X(TimestampTz) X(Interval) X(std::chrono::sys_days)                   \
    X(std::chrono::year_month_day) X(local_us) X(sys_us) X(std::chrono::microseconds) X(Uuid)    \
    X(Inet) X(MacAddr) X(MacAddr8) X(Bits) X(Money) X(Hstore)

// nullptr = unsupported, so that asking for any other T fails to compile instead of to link.
template <class T> inline constexpr const char* value_type_name = nullptr;
template <> inline constexpr const char* value_type_name<bool> = "bool";
template <> inline constexpr const char* value_type_name<signed char> = "signed char";
template <> inline constexpr const char* value_type_name<unsigned char> = "unsigned char";
template <> inline constexpr const char* value_type_name<short> = "short";
template <> inline constexpr const char* value_type_name<unsigned short> = "unsigned short";
template <> inline constexpr const char* value_type_name<int> = "int";
template <> inline constexpr const char* value_type_name<unsigned int> = "unsigned int";
template <> inline constexpr const char* value_type_name<long> = "long";
template <> inline constexpr const char* value_type_name<unsigned long> = "unsigned long";
template <> inline constexpr const char* value_type_name<long long> = "long long";
template <> inline constexpr const char* value_type_name<unsigned long long> = "unsigned long long";
template <> inline constexpr const char* value_type_name<float> = "float";
template <> inline constexpr const char* value_type_name<double> = "double";
template <> inline constexpr const char* value_type_name<std::string> = "std::string";
template <> inline constexpr const char* value_type_name<std::string_view> = "std::string_view";
template <> inline constexpr const char* value_type_name<Bytes> = "uvpg::Bytes";
template <> inline constexpr const char* value_type_name<Numeric> = "uvpg::Numeric";
template <> inline constexpr const char* value_type_name<Json> = "uvpg::Json";
template <> inline constexpr const char* value_type_name<Xml> = "uvpg::Xml";
template <> inline constexpr const char* value_type_name<Date> = "uvpg::Date";
template <> inline constexpr const char* value_type_name<Time> = "uvpg::Time";
template <> inline constexpr const char* value_type_name<TimeTz> = "uvpg::TimeTz";
template <> inline constexpr const char* value_type_name<Timestamp> = "uvpg::Timestamp";
template <> inline constexpr const char* value_type_name<TimestampTz> = "uvpg::TimestampTz";
template <> inline constexpr const char* value_type_name<Interval> = "uvpg::Interval";
template <> inline constexpr const char* value_type_name<std::chrono::sys_days> = "std::chrono::sys_days";
template <> inline constexpr const char* value_type_name<std::chrono::year_month_day> = "std::chrono::year_month_day";
template <> inline constexpr const char* value_type_name<local_us> = "std::chrono::local_time<microseconds>";
template <> inline constexpr const char* value_type_name<sys_us> = "std::chrono::sys_time<microseconds>";
template <> inline constexpr const char* value_type_name<std::chrono::microseconds> = "std::chrono::microseconds";
template <> inline constexpr const char* value_type_name<Uuid> = "uvpg::Uuid";
template <> inline constexpr const char* value_type_name<Inet> = "uvpg::Inet";
template <> inline constexpr const char* value_type_name<MacAddr> = "uvpg::MacAddr";
template <> inline constexpr const char* value_type_name<MacAddr8> = "uvpg::MacAddr8";
template <> inline constexpr const char* value_type_name<Bits> = "uvpg::Bits";
template <> inline constexpr const char* value_type_name<Money> = "uvpg::Money";
template <> inline constexpr const char* value_type_name<Hstore> = "uvpg::Hstore";

}  // namespace detail
}  // namespace uvpg
