// Query parameters: Param, one value encoded for the wire, and Params, the braced list an
// execute takes (positional or named).
#pragma once
#include <uvpg/detail/oids.hpp>
#include <uvpg/export.hpp>
#include <uvpg/value.hpp>

namespace uvpg {

class Param;
namespace detail {
struct RangeParam;
// An array parameter on its way to encoding: sizes per dimension and row-major elements.
struct ArrayParam {
    std::vector<std::int32_t> sizes;
    std::vector<std::int32_t> lower_bounds;
    std::vector<Param> elements;
};
template <class T>
std::uint32_t element_oid();
}  // namespace detail

// One query parameter, encoded when it is made: in PostgreSQL's binary form where uvpg has a
// codec, typed with the OID of the C++ value's natural type. Accepts the C++ types
// Value::as<T>() returns, plus std::nullopt / nullptr for NULL. Strings go as "unknown" text,
// so that the server types them from context as it does a quoted literal.
//
// An integer's PostgreSQL type comes from its C++ type, never from its value (a value-dependent
// type would make "%s + %s" with 20000 overflow a smallint and generate_series(%s, %s)
// ambiguous): short / int16_t and signed char / int8_t go as int2, int / int32_t as int4, long,
// long long / int64_t as int8. An unsigned type goes as the smallest signed type that holds all
// its values: unsigned char / uint8_t as int2, unsigned short as int4, unsigned int as int8,
// unsigned long (long) / uint64_t as numeric. bool is bool; the character types (char,
// wchar_t, char8_t, char16_t, char32_t) are not integers here: u'x' is refused, not sent as 120.
class UVPG_EXPORT Param {
public:
    Param(std::nullopt_t) noexcept : null_(true) {}
    Param(std::nullptr_t) noexcept : null_(true) {}
    Param(bool v);
    template <class T>
    requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
             !std::is_same_v<T, wchar_t> && !std::is_same_v<T, char8_t> && !std::is_same_v<T, char16_t> &&
             !std::is_same_v<T, char32_t>) Param(T v) {
        // Decided at compile time: the hot path writes the bytes and the OID, nothing more.
        if constexpr (std::is_signed_v<T> ? sizeof(T) <= 2 : sizeof(T) <= 1) set_int2(static_cast<std::int16_t>(v));
        else if constexpr (std::is_signed_v<T> ? sizeof(T) <= 4 : sizeof(T) <= 2)
            set_int4(static_cast<std::int32_t>(v));
        else if constexpr (std::is_signed_v<T> ? sizeof(T) <= 8 : sizeof(T) <= 4)
            set_int8(static_cast<std::int64_t>(v));
        else if constexpr (!std::is_signed_v<T> && sizeof(T) <= 8) set_uint64(static_cast<std::uint64_t>(v));
        else static_assert(sizeof(T) <= 8, "no PostgreSQL parameter type for an integer wider than 64 bits");
    }
    Param(double v);
    Param(float v);
    Param(const char* v);
    Param(std::string v);
    Param(std::string_view v);
    Param(Bytes v);
    Param(Numeric v);
    Param(Json v);
    Param(Xml v);
    Param(Date v);
    Param(std::chrono::sys_days v);        // date
    Param(std::chrono::year_month_day v);  // date; DataError if not a valid date
    Param(Time v);
    Param(TimeTz v);
    Param(Timestamp v);
    Param(TimestampTz v);
    Param(Interval v);
    // timestamptz from any system_clock time point, exactly: DataError for sub-microsecond
    // digits (PostgreSQL keeps microseconds) or a time outside its range.
    template <class D>
    Param(std::chrono::sys_time<D> t)
        : Param(TimestampTz::from_pg_micros(exact_micros(t.time_since_epoch(), -kEpochMicros))) {}
    template <class D>
    Param(std::chrono::local_time<D> t)
        : Param(Timestamp::from_pg_micros(exact_micros(t.time_since_epoch(), -kEpochMicros))) {}
    // interval from a std::chrono duration (microseconds only, as Interval(time)).
    template <class R, class P>
    requires std::is_integral_v<R> Param(std::chrono::duration<R, P> d)
        : Param(Interval(std::chrono::microseconds{exact_micros(d, 0)})) {}
    Param(Uuid v);
    Param(Inet v);
    Param(MacAddr v);
    Param(MacAddr8 v);
    Param(Bits v);
    Param(Money v);
    // hstore goes as its text form, untyped: the server types it from context.
    Param(const Hstore& v);
    // A composite value, as its text form, untyped: cast it to the composite type in the SQL
    // ("%s::my_type"), since PostgreSQL cannot read an anonymous record.
    template <class... T>
    Param(const std::tuple<T...>& t) {
        std::vector<Param> fields;
        fields.reserve(sizeof...(T));
        std::apply([&](const auto&... f) { (fields.emplace_back(f), ...); }, t);
        set_record(fields);
    }
    template <class T>
    Param(std::optional<T> v) : Param(std::nullopt) {
        if (v) *this = Param(std::move(*v));
    }
    // Arrays: a std::vector (nested for more dimensions; rectangular, else DataError) or an
    // Array with lower bounds. Elements may be std::optional for NULLs. Integers go as the
    // array type of their C++ width (int4[] for int), strings as an untyped array literal.
    template <class T>
    requires(!std::is_same_v<T, std::uint8_t>) Param(const std::vector<T>& v) {
        detail::ArrayParam a;
        a.sizes.assign(detail::vector_depth<std::vector<T>>(), -1);  // -1: not seen yet
        flatten(v, a, 0);
        for (auto& n : a.sizes) n = n < 0 ? 0 : n;
        a.lower_bounds.assign(a.sizes.size(), 1);
        set_array(a, detail::element_oid<T>());
    }
    // Ranges and multiranges of the built-in range types (int4range for int, numrange for
    // Numeric, tstzrange for TimestampTz, ...).
    template <class T>
    Param(const Range<T>& r);
    template <class T>
    Param(const Multirange<T>& m);
    template <class T>
    Param(const Array<T>& v) {
        detail::ArrayParam a{v.sizes, v.lower_bounds, {}};
        a.elements.reserve(v.elements.size());
        for (const auto& e : v.elements) a.elements.emplace_back(e);
        set_array(a, detail::element_oid<T>());
    }

    bool is_null() const noexcept { return null_; }
    std::uint32_t type_oid() const noexcept { return oid_; }  // 0 = let the server infer
    bool binary() const noexcept { return binary_; }
    const std::string& data() const noexcept { return data_; }  // binary or text, per binary()
    // The value as an SQL literal, for Cursor::mogrify: 42, 'it''s', NULL, '\x00ff'::bytea.
    std::string literal() const;

private:
    static constexpr std::int64_t kEpochMicros = 946684800000000;  // 1970 -> 2000
    template <class R, class P>
    static std::int64_t exact_micros(std::chrono::duration<R, P> d, std::int64_t shift) {
        using namespace std::chrono;
        auto us = duration_cast<microseconds>(d);
        if (duration_cast<duration<R, P>>(us) != d) throw_inexact_time();
        return checked_add(us.count(), shift);
    }
    [[noreturn]] static void throw_inexact_time();
    static std::int64_t checked_add(std::int64_t a, std::int64_t b);
    void set_int2(std::int16_t v);
    void set_int4(std::int32_t v);
    void set_int8(std::int64_t v);
    void set_uint64(std::uint64_t v);    // numeric: PostgreSQL has no unsigned 64-bit type
    void set_binary(std::uint32_t oid);  // data_ holds the binary form of a value of type oid
    void set_array(detail::ArrayParam& a, std::uint32_t elem_oid);
    void set_record(const std::vector<Param>& fields);
    void set_ranges(const detail::RangeParam* ranges, std::size_t count, std::uint32_t subtype, bool multirange);
    template <class T>
    static detail::RangeParam range_param(const Range<T>& r);
    [[noreturn]] static void throw_ragged();
    template <class T>
    static void flatten(const std::vector<T>& v, detail::ArrayParam& a, std::size_t dim) {
        const auto n = static_cast<std::int32_t>(v.size());
        if (a.sizes[dim] < 0) a.sizes[dim] = n;
        else if (a.sizes[dim] != n) throw_ragged();
        for (const auto& e : v) {
            if constexpr (detail::is_array_vector<T>::value) flatten(e, a, dim + 1);
            else a.elements.emplace_back(e);
        }
    }
    std::string data_;
    std::uint32_t oid_ = 0;
    bool null_ = false;
    bool binary_ = false;
};

namespace detail {
// A range parameter on its way to encoding; a missing bound is infinite.
struct RangeParam {
    bool empty = true, lower_inc = false, upper_inc = false;
    std::optional<Param> lower, upper;
};
}  // namespace detail

template <class T>
detail::RangeParam Param::range_param(const Range<T>& r) {
    detail::RangeParam p;
    p.empty = r.empty;
    p.lower_inc = r.lower_inc;
    p.upper_inc = r.upper_inc;
    if (r.lower) p.lower.emplace(*r.lower);
    if (r.upper) p.upper.emplace(*r.upper);
    return p;
}

template <class T>
Param::Param(const Range<T>& r) {
    detail::RangeParam p = range_param(r);
    set_ranges(&p, 1, detail::element_oid<T>(), false);
}

template <class T>
Param::Param(const Multirange<T>& m) {
    std::vector<detail::RangeParam> ps;
    ps.reserve(m.ranges.size());
    for (const auto& r : m.ranges) ps.push_back(range_param(r));
    set_ranges(ps.data(), ps.size(), detail::element_oid<T>(), true);
}

namespace detail {
// The element type of an array parameter, from the C++ type alone (so that an empty vector is
// typed too): integers by width, as a single Param of that type, strings untyped (0), the rest
// by their Param's own type.
template <class T>
std::uint32_t element_oid() {
    if constexpr (is_optional<T>::value) {
        return element_oid<typename T::value_type>();
    } else if constexpr (is_array_vector<T>::value) {
        return element_oid<typename T::value_type>();
    } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        using namespace pg_oid;
        if constexpr (std::is_signed_v<T>) return sizeof(T) <= 2 ? int2 : sizeof(T) <= 4 ? int4 : int8;
        else return sizeof(T) <= 1 ? int2 : sizeof(T) <= 2 ? int4 : sizeof(T) <= 4 ? int8 : numeric;
    } else if constexpr (std::is_same_v<T, Numeric>) {
        return pg_oid::numeric;
    } else if constexpr (std::is_same_v<T, std::chrono::year_month_day>) {
        return Param(Date{}).type_oid();
    } else if constexpr (std::is_convertible_v<T, std::string_view> || std::is_same_v<T, const char*>) {
        return 0;
    } else {
        return Param(T{}).type_oid();
    }
}
}  // namespace detail

// One named parameter of a braced list: {"id", 42}.
struct NamedParam {
    NamedParam() = default;
    NamedParam(std::string k, Param v) : key(std::move(k)), value(std::move(v)) {}
    std::string key;
    std::optional<Param> value;  // empty only for the unused defaults of Params' named form
};

// The parameters of one execute: positional ({42, "x"}) or named ({{"id", 42}}).
//
// No std::initializer_list constructor on purpose: g++ 12 cannot compile an initializer_list
// temporary inside a co_await expression ("array used as initializer"), which is exactly where
// users write `co_await cur.execute(sql, {42, "text"})`. A variadic constructor takes the
// positional form and a constructor with defaulted NamedParam arguments the named one.
class UVPG_EXPORT Params {
public:
    static constexpr std::size_t kMaxBracedNamed = 16;  // more: Params::from(vector)

    Params() = default;
    template <class... A>
    requires(sizeof...(A) > 0 && (std::is_constructible_v<Param, A&&> && ...)) Params(A&&... positional) {
        positional_.reserve(sizeof...(A));
        (positional_.emplace_back(std::forward<A>(positional)), ...);
    }
    Params(NamedParam a, NamedParam b = {}, NamedParam c = {}, NamedParam d = {}, NamedParam e = {}, NamedParam f = {},
           NamedParam g = {}, NamedParam h = {}, NamedParam i = {}, NamedParam j = {}, NamedParam k = {},
           NamedParam l = {}, NamedParam m = {}, NamedParam n = {}, NamedParam o = {}, NamedParam p = {})
        : is_named_(true) {
        for (NamedParam* x : {&a, &b, &c, &d, &e, &f, &g, &h, &i, &j, &k, &l, &m, &n, &o, &p})
            if (x->value) named_.emplace_back(std::move(x->key), std::move(*x->value));
    }
    // Lists built at run time. Factories, not constructors: a vector constructor would make
    // {{"id", 42}} ambiguous (a vector of two Params, or one named parameter).
    static Params from(std::vector<Param> positional) {
        Params p;
        p.positional_ = std::move(positional);
        return p;
    }
    static Params from(std::vector<std::pair<std::string, Param>> named) {
        Params p;
        p.named_ = std::move(named);
        p.is_named_ = true;
        return p;
    }

    bool is_named() const noexcept { return is_named_; }
    bool empty() const noexcept { return positional_.empty() && named_.empty(); }
    const std::vector<Param>& positional() const noexcept { return positional_; }
    const std::vector<std::pair<std::string, Param>>& named() const noexcept { return named_; }
    const Param* find(std::string_view name) const noexcept;

private:
    std::vector<Param> positional_;
    std::vector<std::pair<std::string, Param>> named_;
    bool is_named_ = false;
};

}  // namespace uvpg
