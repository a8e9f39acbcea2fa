// libFuzzer target: rows built from a decoded RowDescription and DataRow, read through
// Value::as<T>() for every supported T.
//
// Input: [flags] [per column: type, typmod] [per column: length, bytes...]. flags & 3 is the
// column count less one; flags & 4 makes the DataRow carry one column too many, flags & 8 one
// too few. type & 15 picks a built-in OID, type >> 4 a name (repeated on purpose). A length of
// 255 is NULL, 254 takes the rest of the input, anything else that many bytes (cut at the end).
//
// Contract: as<T>() either returns or throws a uvpg::Error; that is all this catches.
#include "common.hpp"
#include "lib/row.hpp"
#include "lib/type_support.hpp"

#include <uvpg/errors.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace uvpg;
using namespace uvpg::proto;

namespace {

using uvpg_fuzz::check;

// The OIDs lib/value.cpp converts from, and two it does not.
constexpr std::uint32_t kOids[16] = {16, 17, 20, 21, 23, 26, 28, 29, 114, 700, 701, 1700, 3802, 5069, 25, 0};
constexpr const char* kNames[4] = {"a", "b", "a", ""};

template <class T>
std::optional<T> try_as(const Value& v) {
    try {
        return v.as<T>();
    } catch (const Error&) {
        return std::nullopt;
    }
}

template <class T>
bool same(const T& a, const T& b) {
    if constexpr (std::is_floating_point_v<T>) return (std::isnan(a) && std::isnan(b)) || a == b;
    else return a == b;
}

// as<T>() and as<std::optional<T>>() must agree, and a NULL must read as nullopt.
template <class T>
std::optional<T> read(const Value& v) {
    std::optional<T> plain = try_as<T>(v);
    // A refused non-NULL value is not read again as optional: exceptions are most of the cost
    // of a run, and that path is as<T>() itself.
    if (!v.is_null() && !plain) return plain;
    std::optional<std::optional<T>> opt = try_as<std::optional<T>>(v);
    if (v.is_null()) {
        check(!plain, "as<T>() read a NULL");
        check(opt && !*opt, "as<std::optional<T>>() did not read a NULL as nullopt");
    } else {
        check(opt && *opt && same(**opt, *plain), "as<T> and as<optional<T>> read different values");
    }
    return plain;
}

template <class T>
void read_integer(const Value& v, const std::optional<long long>& wide, const std::optional<unsigned long long>& uwide) {
    const std::optional<T> x = read<T>(v);
    if (!x) return;
    // Every integer type parses the same text: a narrow result must match the widest one.
    if constexpr (std::is_signed_v<T>) check(wide && *wide == *x, "a signed read disagrees with long long");
    else check(uwide && *uwide == *x, "an unsigned read disagrees with unsigned long long");
}

// A value read from a row goes back as a parameter (binary): the server's text of that binary
// must read back as the same value.
template <class T>
void send_back(T x) {
    const Param p(x);
    (void)p.literal();
    check(p.binary(), "a number Param is not binary");
    T back{};
    const std::string text = detail::binary_to_text(
        p.type_oid(), {reinterpret_cast<const std::uint8_t*>(p.data().data()), p.data().size()});
    if constexpr (std::is_floating_point_v<T>) {
        if (text == "Infinity" || text == "-Infinity" || text == "NaN") {
            check(std::isinf(x) ? (text[0] == '-') == (x < 0) : std::isnan(x), "wrong special float text");
            return;
        }
    }
    const auto r = std::from_chars(text.data(), text.data() + text.size(), back);
    check(r.ec == std::errc() && r.ptr == text.data() + text.size() && same(back, x), "a Param does not read back");
}

void read_everything(const Row& row, std::size_t i, const std::optional<std::string>& expected) {
    const Value v = row[i];
    check(v.index() == i, "wrong index");
    check(v.is_null() == !expected, "NULL-ness changed");
    if (expected) check(v.raw() == *expected, "raw bytes changed");

    read<bool>(v);
    const auto wide = read<long long>(v);
    const auto uwide = read<unsigned long long>(v);
    read_integer<signed char>(v, wide, uwide);
    read_integer<unsigned char>(v, wide, uwide);
    read_integer<short>(v, wide, uwide);
    read_integer<unsigned short>(v, wide, uwide);
    read_integer<int>(v, wide, uwide);
    read_integer<unsigned int>(v, wide, uwide);
    read_integer<long>(v, wide, uwide);
    read_integer<unsigned long>(v, wide, uwide);
    if (wide) send_back(*wide);
    if (uwide) send_back(*uwide);
    if (const auto f = read<float>(v)) send_back(*f);
    if (const auto d = read<double>(v)) send_back(*d);
    if (const auto s = read<std::string>(v)) {
        check(*s == v.raw(), "as<std::string> differs from raw()");
        try {
            check(Param(*s).literal().size() >= s->size() + 2, "a string literal without its quotes");
        } catch (const DataError&) {
            check(s->find('\0') != std::string::npos, "a string without NUL refused as a Param");
        }
    }
    if (const auto s = read<std::string_view>(v)) check(s->data() == v.raw().data(), "as<string_view> is not a view");
    if (const auto b = read<Bytes>(v)) {
        check(b->size() <= v.raw().size(), "bytea decoded longer than its text");
        check(Param(*b).literal().size() == 2 * b->size() + 11, "bytea literal of the wrong size");
    }
    if (const auto n = read<Numeric>(v)) {
        check(n->text == v.raw(), "Numeric changed the text");
        try {
            (void)Param(*n).literal();
        } catch (const Error&) {
            // Only an exponent can take a decimal beyond numeric's range (weight, scale).
            check(n->text.find_first_of("eE") != std::string::npos,
                  "a Numeric that as<Numeric>() made is refused as a Param");
        }
    }
    if (const auto j = read<Json>(v)) {
        check(j->text == v.raw(), "Json changed the text");
        try {
            (void)Param(*j).literal();
        } catch (const DataError&) {
        }
    }

    const Value by_name = row[v.name()];
    check(by_name.index() <= i && by_name.name() == v.name(), "name lookup found another column");
}

struct Input {
    const std::uint8_t* p;
    std::size_t n;
    std::uint8_t byte() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    std::string_view take(std::size_t k) {
        k = std::min(k, n);
        std::string_view s(reinterpret_cast<const char*>(p), k);
        p += k;
        n -= k;
        return s;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Input in{data, size};
    const std::uint8_t flags = in.byte();
    const std::size_t ncols = (flags & 3) + 1;

    RowDescription desc;
    for (std::size_t i = 0; i < ncols; ++i) {
        const std::uint8_t type = in.byte();
        const std::uint8_t typmod = in.byte();
        FieldDescription f;
        f.name = kNames[(type >> 4) & 3];
        f.type_oid = kOids[type & 15];
        f.type_size = static_cast<std::int16_t>(typmod & 0x80 ? -1 : typmod);
        f.type_modifier = typmod == 0 ? -1 : 4 + (std::int32_t{typmod} << 16 | typmod >> 2);
        f.table_oid = typmod;
        f.column = static_cast<std::int16_t>(i + 1);
        desc.fields.push_back(f);
    }
    std::size_t nvalues = ncols;
    if (flags & 4) ++nvalues;
    if (flags & 8) --nvalues;
    std::vector<std::optional<std::string>> values;
    for (std::size_t i = 0; i < nvalues; ++i) {
        const std::uint8_t len = in.byte();
        if (len == 255) values.emplace_back(std::nullopt);
        else values.emplace_back(std::string(in.take(len == 254 ? in.n : len)));
    }

    // Through the wire and the decoder, as the connection gets them.
    Bytes wire;
    encode_backend(wire, desc);
    std::vector<std::optional<std::string_view>> views(values.begin(), values.end());
    encode_data_row(wire, views);
    Decoder d;
    d.feed(wire);
    BackendMessage msg;
    auto next = d.next();
    check(next.status == Decoder::Status::message && decode(next.msg, msg) == Errc::ok, "RowDescription did not decode");
    const auto shape = detail::make_shape(std::get<RowDescription>(msg));
    check(shape->columns.size() == ncols, "shape has the wrong column count");
    next = d.next();
    check(next.status == Decoder::Status::message && decode(next.msg, msg) == Errc::ok, "DataRow did not decode");

    Row row;
    try {
        row = detail::make_row(shape, std::get<DataRow>(msg));
    } catch (const InterfaceError&) {
        check(nvalues != ncols, "make_row refused a row of the right size");
        return 0;
    }
    check(nvalues == ncols, "make_row accepted a row of the wrong size");
    d = Decoder();  // the row must own its bytes once made
    check(row.size() == ncols && row.columns().size() == ncols, "row has the wrong size");

    const Row copy = row;
    for (std::size_t i = 0; i < ncols; ++i) read_everything(copy, i, values[i]);
    try {
        (void)row[ncols];
        check(false, "an index out of range was accepted");
    } catch (const ProgrammingError&) {
    }
    try {
        (void)row["no such column"];
        check(false, "an unknown name was accepted");
    } catch (const ProgrammingError&) {
    }
    return 0;
}

namespace {

// One column of `oid` (by its index in kOids) holding `text`, or NULL.
std::string one_column(std::uint8_t oid_index, std::uint8_t typmod, std::optional<std::string_view> text) {
    std::string s{'\0', static_cast<char>(oid_index), static_cast<char>(typmod)};
    if (!text) return s + '\xff';
    return s + static_cast<char>(254) + std::string(*text);
}

void write_seeds(const std::string& dir) {
    std::filesystem::create_directories(dir);
    std::vector<std::string> seeds;
    const struct {
        std::uint8_t oid_index;
        std::string_view text;
    } samples[] = {
        {0, "t"}, {0, "f"}, {1, "\\x00ff10"}, {1, "ab\\\\c\\001\\377"}, {2, "-9223372036854775808"},
        {2, "9223372036854775807"}, {3, "-32768"}, {4, "2147483647"}, {5, "4294967295"}, {6, "123"},
        {7, "0"}, {8, "{\"a\": [1, 2]}"}, {9, "3.4028235e38"}, {9, "1e-46"}, {10, "-1.5e308"},
        {10, "NaN"}, {10, "-Infinity"}, {11, "123456789012345678901234567890.000001"}, {11, "1e-400"},
        {11, "-inf"}, {12, "[]"}, {13, "18446744073709551615"}, {14, "text"}, {15, "?"},
        {11, "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000001"},
        // Exponents at the edges of long long, which the underflow check adds to a digit count.
        {10, "1e9223372036854775807"}, {11, "0.01e-9223372036854775808"}, {9, "1e9223372036854775808"},
        {9, "1e-9223372036854775809"},
    };
    for (const auto& s : samples) seeds.push_back(one_column(s.oid_index, 0, s.text));
    seeds.push_back(one_column(11, 0x1a, "12.50"));
    seeds.push_back(one_column(2, 0, std::nullopt));
    // Four columns, two named "a", a NULL among them.
    seeds.push_back(std::string("\x03\x00\x00\x14\x00\x24\x00\x3b\x00", 9) + "\x01" "t" "\x02" "42" "\xff" "\xfe" "3.5");
    seeds.push_back(std::string("\x04\x02\x00", 3) + "\x01" "1" "\x01" "2");  // one value too many
    seeds.push_back(std::string("\x09\x02\x00\x04\x00", 5) + "\x01" "1");     // one too few
    int i = 0;
    for (const auto& s : seeds) std::ofstream(dir + "/seed-" + std::to_string(i++), std::ios::binary) << s;
}

}  // namespace

UVPG_FUZZ_SEEDS_FROM(write_seeds)
