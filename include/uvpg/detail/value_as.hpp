// How Value::as<T>() reads: the common cases decoded inline (as_fast), and arrays, ranges,
// records and tuples built from the Values lib/ gives for their elements. Included at the end
// of <uvpg/value.hpp>, which declares what it defines. Not API: use Value::as<T>().
#pragma once
#include <uvpg/detail/oids.hpp>
#include <uvpg/detail/row_set.hpp>
#include <uvpg/detail/value_types.hpp>
#include <uvpg/export.hpp>
#include <uvpg/value.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace uvpg {

namespace detail {
[[noreturn]] UVPG_EXPORT void throw_null_value(const Value& v);
// As above, and names the C++ type the caller asked for.
[[noreturn]] UVPG_EXPORT void throw_null_value(const Value& v, const char* cpp_type);
// Defined in lib/values/value_as.cpp for each supported T; throws DataError.
template <ValueType T>
UVPG_EXPORT T value_as(const Value& v);
}  // namespace detail

namespace detail {
template <class T>
struct is_tuple : std::false_type {};
template <class... T>
struct is_tuple<std::tuple<T...>> : std::true_type {};
// DataError when v is not a record or its bytes are not a valid one (lib/values/record.cpp).
UVPG_EXPORT Record record_contents(const Value& v);
[[noreturn]] UVPG_EXPORT void throw_record_arity(const Value& v, std::size_t fields, std::size_t wanted);
template <class Tuple, std::size_t... I>
Tuple read_tuple(const Record& r, std::index_sequence<I...>) {
    return Tuple(r[I].template as<std::tuple_element_t<I, Tuple>>()...);
}

// std::vector<T> reads an array (nested vectors: more dimensions), except std::vector<uint8_t>,
// which is Bytes (bytea).
template <class T>
struct is_array_vector : std::false_type {};
template <class T>
struct is_array_vector<std::vector<T>> : std::bool_constant<!std::is_same_v<T, std::uint8_t>> {};
template <class T>
struct is_uvpg_array : std::false_type {};
template <class T>
struct is_uvpg_array<Array<T>> : std::true_type {};

// The elements of an array field, each a Value of the element type, row-major (lib/values/array.cpp).
struct ArrayContents {
    std::vector<std::int32_t> sizes;
    std::vector<std::int32_t> lower_bounds;
    std::vector<Value> elements;
    std::shared_ptr<const void> keep;  // what the element Values point into
};
// DataError when v is not an array, or its bytes are not a valid one.
UVPG_EXPORT ArrayContents array_contents(const Value& v);
[[noreturn]] UVPG_EXPORT void throw_array_shape(const Value& v, std::size_t dims, std::size_t wanted);

template <class T>
struct is_range : std::false_type {};
template <class T>
struct is_range<Range<T>> : std::true_type {};
template <class T>
struct is_multirange : std::false_type {};
template <class T>
struct is_multirange<Multirange<T>> : std::true_type {};

// A range field: its flags and bounds as Values of the subtype (lib/values/range.cpp).
struct RangeContents {
    bool empty = true, lower_inc = false, upper_inc = false;
    std::optional<Value> lower, upper;  // nullopt: infinite
    std::shared_ptr<const void> keep;
};
UVPG_EXPORT RangeContents range_contents(const Value& v);
UVPG_EXPORT std::vector<RangeContents> multirange_contents(const Value& v);

template <class T>
Range<T> range_of(const RangeContents& c) {
    if (c.empty) return Range<T>();
    Range<T> r(c.lower ? std::optional<T>(c.lower->template as<T>()) : std::nullopt,
               c.upper ? std::optional<T>(c.upper->template as<T>()) : std::nullopt, c.lower_inc, c.upper_inc);
    return r;
}

template <class T>
constexpr std::size_t vector_depth() {
    if constexpr (is_array_vector<T>::value) return 1 + vector_depth<typename T::value_type>();
    else return 0;
}

template <class T>
T read_nested(const ArrayContents& a, std::size_t dim, std::size_t& pos) {
    T out;
    out.reserve(static_cast<std::size_t>(a.sizes[dim]));
    for (std::int32_t i = 0; i < a.sizes[dim]; ++i) {
        if constexpr (is_array_vector<typename T::value_type>::value)
            out.push_back(read_nested<typename T::value_type>(a, dim + 1, pos));
        else out.push_back(a.elements[pos++].template as<typename T::value_type>());
    }
    return out;
}

template <class T>
T read_array(const Value& v) {
    ArrayContents a = array_contents(v);
    if constexpr (is_uvpg_array<T>::value) {
        T out;
        out.sizes = a.sizes;
        out.lower_bounds = a.lower_bounds;
        out.elements.reserve(a.elements.size());
        for (const Value& e : a.elements) out.elements.push_back(e.template as<typename T::value_type_>());
        return out;
    } else {
        constexpr std::size_t depth = vector_depth<T>();
        if (a.sizes.empty()) return T{};
        if (a.sizes.size() != depth) throw_array_shape(v, a.sizes.size(), depth);
        std::size_t pos = 0;
        return read_nested<T>(a, 0, pos);
    }
}
}  // namespace detail

template <class T>
T Value::as() const {
    if constexpr (detail::is_optional<T>::value) {
        if (null_) return std::nullopt;
        return T(as<typename T::value_type>());
    } else if constexpr (detail::is_array_vector<T>::value || detail::is_uvpg_array<T>::value) {
        if (null_) detail::throw_null_value(*this);
        return detail::read_array<T>(*this);
    } else if constexpr (std::is_same_v<T, Record>) {
        if (null_) detail::throw_null_value(*this, "uvpg::Record");
        return detail::record_contents(*this);
    } else if constexpr (detail::is_tuple<T>::value) {
        if (null_) detail::throw_null_value(*this, "std::tuple");
        Record r = detail::record_contents(*this);
        if (r.size() != std::tuple_size_v<T>) detail::throw_record_arity(*this, r.size(), std::tuple_size_v<T>);
        return detail::read_tuple<T>(r, std::make_index_sequence<std::tuple_size_v<T>>{});
    } else if constexpr (detail::is_range<T>::value) {
        if (null_) detail::throw_null_value(*this);
        return detail::range_of<typename T::value_type_>(detail::range_contents(*this));
    } else if constexpr (detail::is_multirange<T>::value) {
        if (null_) detail::throw_null_value(*this);
        T out;
        for (const auto& c : detail::multirange_contents(*this))
            out.ranges.push_back(detail::range_of<typename decltype(out.ranges)::value_type::value_type_>(c));
        return out;
    } else {
        static_assert(detail::ValueType<T>,
                      "Value::as<T>(): T must be one of detail::ValueTypes (uvpg/detail/value_types.hpp), "
                      "or std::optional of one");
        if (null_) detail::throw_null_value(*this, detail::value_type_name<T>);
        if constexpr (std::is_default_constructible_v<T>) {
            if (T out{}; as_fast(out)) return out;
        }
        return detail::value_as<T>(*this);
    }
}

template <class T>
bool Value::as_fast(T& out) const noexcept {
    namespace oid = detail::pg_oid;
    // Built-in types only (their OIDs are fixed: detail/oids.hpp, generated from pg_type.dat).
    // Anything unusual (another type, a bad length, an infinite timestamp, a value out of the
    // C++ type's range) takes the general path, which also reports errors.
    const auto* p = reinterpret_cast<const std::uint8_t*>(data_.data());
    if constexpr (std::is_same_v<T, int> || std::is_same_v<T, long> || std::is_same_v<T, long long> ||
                  std::is_same_v<T, short>) {
        if (binary_ && type_ == oid::int2 && data_.size() == 2) {
            out = static_cast<std::int16_t>(static_cast<std::uint16_t>((p[0] << 8) | p[1]));
            return true;
        }
        if constexpr (std::is_same_v<T, short>) {
            return false;
        } else if (binary_ && type_ == oid::int4 && data_.size() == 4) {
            out = detail::load_be32(p);
            return true;
        }
        if constexpr (sizeof(T) == 8) {
            if (binary_ && type_ == oid::int8 && data_.size() == 8) {
                out = detail::load_be64(p);
                return true;
            }
        }
    } else if constexpr (std::is_same_v<T, unsigned> || std::is_same_v<T, unsigned long> ||
                         std::is_same_v<T, unsigned long long>) {
        if (binary_ && type_ == oid::oid && data_.size() == 4) {  // oid: unsigned 32 bits
            out = static_cast<std::uint32_t>(detail::load_be32(p));
            return true;
        }
    } else if constexpr (std::is_same_v<T, double>) {
        if (binary_ && type_ == oid::float8 && data_.size() == 8) {
            const auto bits = static_cast<std::uint64_t>(detail::load_be64(p));
            std::memcpy(&out, &bits, sizeof out);
            return true;
        }
    } else if constexpr (std::is_same_v<T, bool>) {
        if (binary_ && type_ == oid::bool_ && data_.size() == 1 && p[0] <= 1) {
            out = p[0] == 1;
            return true;
        }
    } else if constexpr (std::is_same_v<T, std::string_view>) {
        if (!binary_ || type_ == oid::text || type_ == oid::varchar || type_ == oid::name || type_ == oid::char_ ||
            type_ == oid::bpchar) {
            out = data_;
            return true;
        }
    } else if constexpr (std::is_same_v<T, TimestampTz> || std::is_same_v<T, Timestamp>) {
        constexpr std::uint32_t type = std::is_same_v<T, TimestampTz> ? oid::timestamptz : oid::timestamp;
        // PostgreSQL's finite range: 4714-11-24 BC up to (not including) 294277-01-01.
        constexpr std::int64_t min = -211'813'488'000'000'000, end = 9'223'371'331'200'000'000;
        if (binary_ && type_ == type && data_.size() == 8) {
            const std::int64_t us = detail::load_be64(p);
            if (us >= min && us < end) {
                out = T::from_pg_micros(us);
                return true;
            }
        }
    }
    (void)p;
    (void)out;
    return false;
}

}  // namespace uvpg
