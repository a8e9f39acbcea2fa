// The C++ types Value::as<T>() reads, and the traits <uvpg/value.hpp> and <uvpg/params.hpp>
// tell them apart with. Not API: use Value::as<T>().
#pragma once
#include <uvpg/types.hpp>

#include <chrono>
#include <cstddef>
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
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

using local_us = std::chrono::local_time<std::chrono::microseconds>;
using sys_us = std::chrono::sys_time<std::chrono::microseconds>;

// The C++ types Value::as<T>() reads, each with the name its error messages use. One list:
// value_type_name, the ValueType concept and the instantiations in lib/values/value_as.cpp
// (checked against it there) all come from it.
template <std::size_t N>
struct TypeName {
    constexpr TypeName(const char (&s)[N]) noexcept {
        for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
    }
    char text[N];
};
template <class T, TypeName Name>
struct Named {
    using type = T;
    static constexpr const char* name = Name.text;
};
template <class... E>
struct TypeList {
    static constexpr std::size_t size = sizeof...(E);
};

using ValueTypes = TypeList<
    Named<bool, "bool">, Named<signed char, "signed char">, Named<unsigned char, "unsigned char">,
    Named<short, "short">, Named<unsigned short, "unsigned short">, Named<int, "int">,
    Named<unsigned int, "unsigned int">, Named<long, "long">, Named<unsigned long, "unsigned long">,
    Named<long long, "long long">, Named<unsigned long long, "unsigned long long">, Named<float, "float">,
    Named<double, "double">, Named<std::string, "std::string">, Named<std::string_view, "std::string_view">,
    Named<Bytes, "uvpg::Bytes">, Named<Numeric, "uvpg::Numeric">, Named<Json, "uvpg::Json">, Named<Xml, "uvpg::Xml">,
    Named<Date, "uvpg::Date">, Named<Time, "uvpg::Time">, Named<TimeTz, "uvpg::TimeTz">,
    Named<Timestamp, "uvpg::Timestamp">, Named<TimestampTz, "uvpg::TimestampTz">, Named<Interval, "uvpg::Interval">,
    Named<std::chrono::sys_days, "std::chrono::sys_days">,
    Named<std::chrono::year_month_day, "std::chrono::year_month_day">,
    Named<local_us, "std::chrono::local_time<microseconds>">, Named<sys_us, "std::chrono::sys_time<microseconds>">,
    Named<std::chrono::microseconds, "std::chrono::microseconds">, Named<Uuid, "uvpg::Uuid">, Named<Inet, "uvpg::Inet">,
    Named<MacAddr, "uvpg::MacAddr">, Named<MacAddr8, "uvpg::MacAddr8">, Named<Bits, "uvpg::Bits">,
    Named<Money, "uvpg::Money">, Named<Hstore, "uvpg::Hstore">>;

template <class T, class List>
struct type_name_in;
template <class T, class... E>
struct type_name_in<T, TypeList<E...>> {
    static constexpr const char* value = [] {
        const char* name = nullptr;
        // The first entry whose type is T gives its name (a fold over the list, stopping there).
        auto pick = [&name](bool same, const char* n) {
            if (same) name = n;
            return same;
        };
        (void)(pick(std::is_same_v<T, typename E::type>, E::name) || ...);
        return name;
    }();
};

// nullptr = unsupported, so that asking for any other T fails to compile instead of to link.
template <class T>
inline constexpr const char* value_type_name = type_name_in<T, ValueTypes>::value;

template <class T, class List>
struct in_type_list;
template <class T, class... E>
struct in_type_list<T, TypeList<E...>> : std::bool_constant<(std::is_same_v<T, typename E::type> || ...)> {};

// A type Value::as<T>() reads directly (besides optionals, containers, records and tuples).
// Not value_type_name<T> != nullptr: under -fsanitize=undefined g++ does not treat that
// comparison as a constant expression.
template <class T>
concept ValueType = in_type_list<T, ValueTypes>::value;
}  // namespace detail
}  // namespace uvpg
