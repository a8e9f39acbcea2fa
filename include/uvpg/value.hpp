// Rows, values and parameters. A Row owns one copy of its DataRow's bytes; a Value is a view
// into a Row and lives as long as the Row it came from.
#pragma once
#include <uvpg/types.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace uvpg {

using Bytes = std::vector<std::uint8_t>;  // bytea

// An exact decimal (PostgreSQL numeric) kept as its text form: "3.14", "-0.5", "NaN", "Infinity".
//
// Numeric and Json have constructors on purpose: g++ 12 destroys an aggregate temporary with
// non-trivial members twice when it is built inside a co_await expression, which is where
// users write `co_await cur.execute(sql, {uvpg::Numeric{"1.5"}})`.
struct Numeric {
    Numeric() = default;
    explicit Numeric(std::string t) : text(std::move(t)) {}
    std::string text;
    friend bool operator==(const Numeric&, const Numeric&) = default;
};
// A json or jsonb document, as text.
struct Json {
    Json() = default;
    explicit Json(std::string t) : text(std::move(t)) {}
    std::string text;
    friend bool operator==(const Json&, const Json&) = default;
};

// One column of Cursor::description(), psycopg2's seven items plus the wire details.
struct Column {
    std::string name;
    std::uint32_t type_code = 0;               // type OID
    std::optional<std::int32_t> display_size;  // always nullopt, as psycopg2 without a typecaster
    std::optional<std::int32_t> internal_size; // pg_type.typlen; n of varchar(n), char(n), bit(n),
                                               // varbit(n); else nullopt (variable length)
    std::optional<std::int32_t> precision;     // from the type modifier: numeric's precision; the
                                               // fractional second digits of time, timetz,
                                               // timestamp, timestamptz, interval
    std::optional<std::int32_t> scale;         // numeric only
    std::optional<bool> null_ok;               // unknown without a catalog query: nullopt
    std::uint32_t table_oid = 0;
    std::int16_t table_column = 0;
    std::int32_t type_modifier = -1;
    std::int16_t format = 0;                   // 0 text, 1 binary
};

namespace detail {
struct RowShape;  // columns and name lookup, shared by every row of a result
// What every Row of one result shares: its shape and the memory its rows are packed in
// (lib/values/row.hpp). Copying a Row copies one reference to it.
struct RowSetBase {
    // Rows referring to the set (and its owner): a result hands out many Rows with one atomic
    // add, and the last Row gone frees the set through release().
    mutable std::atomic<std::size_t> refs{1};
    const RowShape* shape = nullptr;
    std::size_t columns = 0;
    bool directory = false;                // rows start with a column-offset directory
    const std::uint32_t* types = nullptr;  // per column: type OID
    const std::uint8_t* binary = nullptr;  // per column: 1 when sent in binary
};
void release(const RowSetBase* set) noexcept;  // the last reference went: frees the set
[[noreturn]] void throw_column_index(std::size_t i, std::size_t n);
// Rows of up to this many columns have no directory: finding a column walks the lengths
// before it, which costs less than the memory a directory takes.
inline constexpr std::size_t kWalkColumns = 8;
inline std::int32_t load_be32(const std::uint8_t* p) noexcept {
    return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                     (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}
inline std::int64_t load_be64(const std::uint8_t* p) noexcept {
    return static_cast<std::int64_t>((static_cast<std::uint64_t>(static_cast<std::uint32_t>(load_be32(p))) << 32) |
                                     static_cast<std::uint32_t>(load_be32(p + 4)));
}
struct ValueAccess;
struct Access;
}

// An array of any dimension with its bounds, for arrays whose lower bounds matter or whose
// dimension is known only at run time. Elements are row-major; T may be std::optional<E>.
template <class T>
struct Array {
    Array() = default;
    Array(std::vector<std::int32_t> dim_sizes, std::vector<T> elems, std::vector<std::int32_t> lower = {})
        : sizes(std::move(dim_sizes)), lower_bounds(std::move(lower)), elements(std::move(elems)) {
        if (lower_bounds.empty()) lower_bounds.assign(sizes.size(), 1);
    }
    std::vector<std::int32_t> sizes;         // one per dimension; empty for an empty array
    std::vector<std::int32_t> lower_bounds;  // PostgreSQL's default is 1
    std::vector<T> elements;
    using value_type_ = T;
    friend bool operator==(const Array&, const Array&) = default;
};

class Row;

// A view of one field of a Row.
class Value {
public:
    bool is_null() const noexcept { return null_; }
    std::uint32_t type_oid() const noexcept { return type_; }
    const std::string& name() const noexcept;
    std::size_t index() const noexcept { return index_; }
    // The field's bytes as received: text, or PostgreSQL's binary form when is_binary().
    std::string_view raw() const noexcept { return data_; }
    // The server sent this column in binary (uvpg asks for binary where it has a codec).
    bool is_binary() const noexcept { return binary_; }

    // Converts to T. A SQL NULL reads as std::nullopt through as<std::optional<T>>() and throws
    // DataError through as<T>(). A value that cannot be T throws DataError naming the column,
    // its type and T. Supported T: UVPG_FOR_EACH_VALUE_TYPE below and std::optional of those.
    // Only exact conversions happen (int8 into int when it fits, date into Timestamp); numeric
    // into float or double rounds, because asking for a double is asking for that.
    // std::string reads any type: its text, byte for byte as the type's output function prints
    // it, from binary too (timestamptz in UTC, DateStyle ISO, IntervalStyle postgres; floats in
    // PostgreSQL 12+'s shortest round-trip form; a non-ASCII "char" as PostgreSQL 15+'s \ooo).
    // std::string_view is a view into the Row, for types whose value is their text (a binary
    // "char" is its raw byte).
    template <class T>
    T as() const;

private:
    friend class Row;
    friend struct detail::ValueAccess;
    Value(const detail::RowShape* shape, std::size_t index, std::string_view data, bool null);
    Value(const detail::RowShape* shape, std::size_t index, std::string_view data, bool null, std::uint32_t type,
          bool binary) noexcept
        : shape_(shape), index_(index), data_(data), type_(type), binary_(binary), null_(null) {}
    // The common cases of as<T>() decoded inline (a binary int4 into int, float8 into double,
    // text into string_view...): true with `out` set, false for the general path.
    template <class T>
    bool as_fast(T& out) const noexcept;
    const detail::RowShape* shape_;
    std::size_t index_;
    std::string_view data_;
    std::uint32_t type_ = 0;  // the column's type and format, copied from the shape
    bool binary_ = false;
    bool null_;
};

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

[[noreturn]] void throw_null_value(const Value& v);
// As above, and names the C++ type the caller asked for.
[[noreturn]] void throw_null_value(const Value& v, const char* cpp_type);
// Defined in lib/values/value.cpp for each supported T; throws DataError.
template <class T> T value_as(const Value& v);
}  // namespace detail

// A composite value (a ROW(...) or a record column): its fields as Values, each of its own
// type. Lives as long as the Row it was read from.
class Record {
public:
    std::size_t size() const noexcept { return fields_.size(); }
    // ProgrammingError for an index out of range.
    Value operator[](std::size_t i) const;
    std::vector<Value>::const_iterator begin() const noexcept { return fields_.begin(); }
    std::vector<Value>::const_iterator end() const noexcept { return fields_.end(); }

private:
    friend struct detail::ValueAccess;
    std::vector<Value> fields_;
    std::shared_ptr<const void> keep_;  // what the field Values point into
};

namespace detail {
template <class T> struct is_tuple : std::false_type {};
template <class... T> struct is_tuple<std::tuple<T...>> : std::true_type {};
// DataError when v is not a record or its bytes are not a valid one (lib/values/record.cpp).
Record record_contents(const Value& v);
[[noreturn]] void throw_record_arity(const Value& v, std::size_t fields, std::size_t wanted);
template <class Tuple, std::size_t... I>
Tuple read_tuple(const Record& r, std::index_sequence<I...>) {
    return Tuple(r[I].template as<std::tuple_element_t<I, Tuple>>()...);
}

// std::vector<T> reads an array (nested vectors: more dimensions), except std::vector<uint8_t>,
// which is Bytes (bytea).
template <class T> struct is_array_vector : std::false_type {};
template <class T> struct is_array_vector<std::vector<T>> : std::bool_constant<!std::is_same_v<T, std::uint8_t>> {};
template <class T> struct is_uvpg_array : std::false_type {};
template <class T> struct is_uvpg_array<Array<T>> : std::true_type {};

// The elements of an array field, each a Value of the element type, row-major (lib/values/array.cpp).
struct ArrayContents {
    std::vector<std::int32_t> sizes;
    std::vector<std::int32_t> lower_bounds;
    std::vector<Value> elements;
    std::shared_ptr<const void> keep;  // what the element Values point into
};
// DataError when v is not an array, or its bytes are not a valid one.
ArrayContents array_contents(const Value& v);
[[noreturn]] void throw_array_shape(const Value& v, std::size_t dims, std::size_t wanted);

template <class T> struct is_range : std::false_type {};
template <class T> struct is_range<Range<T>> : std::true_type {};
template <class T> struct is_multirange : std::false_type {};
template <class T> struct is_multirange<Multirange<T>> : std::true_type {};

// A range field: its flags and bounds as Values of the subtype (lib/values/range.cpp).
struct RangeContents {
    bool empty = true, lower_inc = false, upper_inc = false;
    std::optional<Value> lower, upper;  // nullopt: infinite
    std::shared_ptr<const void> keep;
};
RangeContents range_contents(const Value& v);
std::vector<RangeContents> multirange_contents(const Value& v);

template <class T>
Range<T> range_of(const RangeContents& c) {
    if (c.empty) return Range<T>();
    Range<T> r(c.lower ? std::optional<T>(c.lower->template as<T>()) : std::nullopt,
               c.upper ? std::optional<T>(c.upper->template as<T>()) : std::nullopt, c.lower_inc, c.upper_inc);
    return r;
}

template <class T> constexpr std::size_t vector_depth() {
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
        else
            out.push_back(a.elements[pos++].template as<typename T::value_type>());
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
        static_assert(detail::value_type_name<T> != nullptr,
                      "Value::as<T>(): T must be one of UVPG_FOR_EACH_VALUE_TYPE (value.hpp), "
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
    // Built-in OIDs (pg_type.dat): bool 16, "char" 18, name 19, int8 20, int2 21, int4 23,
    // text 25, oid 26, float8 701, bpchar 1042, varchar 1043, timestamp 1114, timestamptz 1184.
    // Anything unusual (another type, a bad length, an infinite timestamp, a value out of the
    // C++ type's range) takes the general path, which also reports errors.
    const auto* p = reinterpret_cast<const std::uint8_t*>(data_.data());
    if constexpr (std::is_same_v<T, int> || std::is_same_v<T, long> || std::is_same_v<T, long long> ||
                  std::is_same_v<T, short>) {
        if (binary_ && type_ == 21 && data_.size() == 2) {
            out = static_cast<std::int16_t>(static_cast<std::uint16_t>((p[0] << 8) | p[1]));
            return true;
        }
        if constexpr (std::is_same_v<T, short>) {
            return false;
        } else if (binary_ && type_ == 23 && data_.size() == 4) {
            out = detail::load_be32(p);
            return true;
        }
        if constexpr (sizeof(T) == 8) {
            if (binary_ && type_ == 20 && data_.size() == 8) {
                out = detail::load_be64(p);
                return true;
            }
        }
    } else if constexpr (std::is_same_v<T, unsigned> || std::is_same_v<T, unsigned long> ||
                         std::is_same_v<T, unsigned long long>) {
        if (binary_ && type_ == 26 && data_.size() == 4) {  // oid: unsigned 32 bits
            out = static_cast<std::uint32_t>(detail::load_be32(p));
            return true;
        }
    } else if constexpr (std::is_same_v<T, double>) {
        if (binary_ && type_ == 701 && data_.size() == 8) {
            const auto bits = static_cast<std::uint64_t>(detail::load_be64(p));
            std::memcpy(&out, &bits, sizeof out);
            return true;
        }
    } else if constexpr (std::is_same_v<T, bool>) {
        if (binary_ && type_ == 16 && data_.size() == 1 && p[0] <= 1) {
            out = p[0] == 1;
            return true;
        }
    } else if constexpr (std::is_same_v<T, std::string_view>) {
        if (!binary_ || type_ == 25 || type_ == 1043 || type_ == 19 || type_ == 18 || type_ == 1042) {
            out = data_;
            return true;
        }
    } else if constexpr (std::is_same_v<T, TimestampTz> || std::is_same_v<T, Timestamp>) {
        constexpr std::uint32_t oid = std::is_same_v<T, TimestampTz> ? 1184 : 1114;
        // PostgreSQL's finite range: 4714-11-24 BC up to (not including) 294277-01-01.
        constexpr std::int64_t min = -211'813'488'000'000'000, end = 9'223'371'331'200'000'000;
        if (binary_ && type_ == oid && data_.size() == 8) {
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

class Row {
public:
    Row() = default;
    std::size_t size() const noexcept { return set_ ? set_->columns : 0; }
    // Throws ProgrammingError (psycopg2: IndexError/KeyError) for an index or name out of range.
    Value operator[](std::size_t i) const {
        const std::size_t n = size();
        if (i >= n) detail::throw_column_index(i, n);
        const std::uint8_t* field = data_;
        if (set_->directory) {
            std::uint32_t offset = 0;
            std::memcpy(&offset, data_ + i * sizeof offset, sizeof offset);  // memcpy: the directory is bytes
            field += n * sizeof offset + offset;
        } else {
            for (std::size_t j = 0; j < i; ++j) {
                const std::int32_t skip = detail::load_be32(field);
                field += 4 + (skip > 0 ? static_cast<std::size_t>(skip) : 0);
            }
        }
        const std::int32_t length = detail::load_be32(field);
        const std::string_view bytes =
            length < 0 ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(field + 4), static_cast<std::size_t>(length));
        return Value(set_->shape, i, bytes, length < 0, set_->types[i], set_->binary[i] != 0);
    }
    Value operator[](std::string_view name) const;
    const std::vector<Column>& columns() const;

    class iterator {
    public:
        using value_type = Value;
        using difference_type = std::ptrdiff_t;
        iterator() = default;
        iterator(const Row* r, std::size_t i) : r_(r), i_(i) {}
        Value operator*() const { return (*r_)[i_]; }
        iterator& operator++() { ++i_; return *this; }
        iterator operator++(int) { auto t = *this; ++i_; return t; }
        bool operator==(const iterator& o) const { return i_ == o.i_; }
    private:
        const Row* r_ = nullptr;
        std::size_t i_ = 0;
    };
    iterator begin() const { return {this, 0}; }
    iterator end() const { return {this, size()}; }

    Row(const Row& o) noexcept : set_(o.set_), data_(o.data_) {
        if (set_) set_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    Row(Row&& o) noexcept : set_(std::exchange(o.set_, nullptr)), data_(std::exchange(o.data_, nullptr)) {}
    Row& operator=(Row o) noexcept {
        std::swap(set_, o.set_);
        std::swap(data_, o.data_);
        return *this;
    }
    ~Row() {
        if (set_ && set_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) detail::release(set_);
    }

private:
    friend struct detail::Access;  // lib/runtime/access.hpp: lib/'s way in
    // Made by the connection over bytes packed in a result's row set (lib/values/row.cpp).
    // Adopts one reference to `set` that the caller has already counted.
    Row(const detail::RowSetBase* set, const std::uint8_t* data) noexcept : set_(set), data_(data) {}

    // The result's shape and memory, shared by all its rows: copying a Row copies no data.
    const detail::RowSetBase* set_ = nullptr;
    // This row: the DataRow's fields as received (each a big-endian length, -1 for NULL, then
    // its bytes), after a directory of one 32-bit offset per column when the set has one.
    const std::uint8_t* data_ = nullptr;
};

}  // namespace uvpg
