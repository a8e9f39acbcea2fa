// Rows, values and parameters. A Row owns one copy of its DataRow's bytes; a Value is a view
// into a Row and lives as long as the Row it came from.
#pragma once
#include <uvpg/export.hpp>
#include <uvpg/types.hpp>

#include <uvpg/detail/row_set.hpp>
#include <uvpg/detail/value_types.hpp>

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
    std::uint32_t type_code = 0;                // type OID
    std::optional<std::int32_t> display_size;   // always nullopt, as psycopg2 without a typecaster
    std::optional<std::int32_t> internal_size;  // pg_type.typlen; n of varchar(n), char(n), bit(n),
                                                // varbit(n); else nullopt (variable length)
    std::optional<std::int32_t> precision;      // from the type modifier: numeric's precision; the
                                                // fractional second digits of time, timetz,
                                                // timestamp, timestamptz, interval
    std::optional<std::int32_t> scale;          // numeric only
    std::optional<bool> null_ok;                // unknown without a catalog query: nullopt
    std::uint32_t table_oid = 0;
    std::int16_t table_column = 0;
    std::int32_t type_modifier = -1;
    std::int16_t format = 0;  // 0 text, 1 binary
};

namespace detail {
struct ValueAccess;
struct Access;
struct RowAccess;
}  // namespace detail

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
class UVPG_EXPORT Value {
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
    // its type and T. Supported T: detail::ValueTypes (<uvpg/detail/value_types.hpp>) and std::optional of those.
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

// A composite value (a ROW(...) or a record column): its fields as Values, each of its own
// type. Lives as long as the Row it was read from.
class UVPG_EXPORT Record {
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

class UVPG_EXPORT Row {
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
            length < 0 ? std::string_view{}
                       : std::string_view(reinterpret_cast<const char*>(field + 4), static_cast<std::size_t>(length));
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
        iterator& operator++() {
            ++i_;
            return *this;
        }
        iterator operator++(int) {
            auto t = *this;
            ++i_;
            return t;
        }
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
    friend struct detail::Access;     // lib/runtime/access.hpp: lib/'s way in
    friend struct detail::RowAccess;  // lib/values/row.hpp: for lib/ops/, which has no Access
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

// The definitions of Value::as<T>() and what it reads with.
#include <uvpg/detail/value_as.hpp>
