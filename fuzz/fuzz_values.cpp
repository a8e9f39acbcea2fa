// libFuzzer target: rows built from a decoded RowDescription and DataRow, read through
// Value::as<T>() for every supported T.
//
// Input: [flags] [per column: type, typmod] [per column: length, bytes...]. flags & 3 is the
// column count less one; flags & 4 makes the DataRow carry one column too many, flags & 8 one
// too few; flags & 16 makes every column binary (format 1), so the bytes are PostgreSQL's
// binary form rather than its text. type & 31 picks a built-in OID, (type >> 5) & 3 a name
// (repeated on purpose). A length of 255 is NULL, 254 takes the rest of the input, anything
// else that many bytes (cut at the end).
//
// Contract: as<T>() either returns or throws a uvpg::Error; that is all this catches. Each value
// read goes back as a Param, whose binary form binary_to_text must read (unless the Param is
// text of a type without a binary codec), as the same text when the column was that type in
// binary.
#include "common.hpp"
#include "lib/values/proto_mapping.hpp"
#include "lib/values/row.hpp"
#include "lib/values/text_form.hpp"
#include "lib/values/type_lookup.hpp"
#include "proto/codec_basic.hpp"
#include "proto/codec_datetime.hpp"

#include <uvpg/errors.hpp>
#include <uvpg/params.hpp>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace uvpg;
using namespace uvpg::proto;

namespace {

using uvpg_fuzz::check;

// The OIDs lib/values/value_as.cpp converts from, and two it does not (0, point).
constexpr std::uint32_t kOids[32] = {16,   17,   20,   21,  23,  26,   28,   29,   114,  700,  701,
                                     1700, 3802, 5069, 25,  0,   1082, 1083, 1266, 1114, 1184, 1186,
                                     2950, 869,  650,  829, 774, 1560, 1562, 790,  142,  600};
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
void read_integer(const Value& v, const std::optional<long long>& wide,
                  const std::optional<unsigned long long>& uwide) {
    const std::optional<T> x = read<T>(v);
    if (!x) return;
    // Every integer type parses the same text: a narrow result must match the widest one.
    if constexpr (std::is_signed_v<T>) check(wide && *wide == *x, "a signed read disagrees with long long");
    else check(uwide && *uwide == *x, "an unsigned read disagrees with unsigned long long");
}

[[noreturn]] void fail_with(const char* what, const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    check(false, what);
    std::abort();
}

// binary_to_text of a Param's bytes, which must not throw.
std::string param_text(const Param& p) {
    try {
        return detail::binary_to_text(p.type_oid(),
                                      {reinterpret_cast<const std::uint8_t*>(p.data().data()), p.data().size()});
    } catch (const Error& e) {
        fail_with("binary_to_text refused a Param's value", e);
    }
}

// A value read from a row goes back as a parameter (binary): the server's text of that binary
// must read back as the same value.
template <class T>
void send_back(T x) {
    const Param p(x);
    (void)p.literal();
    check(p.binary(), "a number Param is not binary");
    T back{};
    const std::string text = param_text(p);
    if constexpr (std::is_floating_point_v<T>) {
        if (text == "Infinity" || text == "-Infinity" || text == "NaN") {
            check(std::isinf(x) ? (text[0] == '-') == (x < 0) : std::isnan(x), "wrong special float text");
            return;
        }
    }
    const auto r = std::from_chars(text.data(), text.data() + text.size(), back);
    check(r.ec == std::errc() && r.ptr == text.data() + text.size() && same(back, x), "a Param does not read back");
}

// Any other value read from a row goes back as a parameter too. Its binary form must be one
// binary_to_text reads, and when the column has the Param's type in binary and `same_value`
// (the C++ type holds the column's value, not a conversion of it), as the column's own text.
template <class T>
void send_value(const Value& v, const T& x, bool same_value = true) {
    std::optional<Param> p;
    try {
        p.emplace(x);
        (void)p->literal();
    } catch (const Error& e) {
        fail_with("a value as<T>() read is refused as a Param", e);
    }
    if (!p->binary() && !detail::is_text_type(p->type_oid())) return;  // text of no type: nothing to decode
    const std::string text = param_text(*p);
    if (!p->binary()) check(text == p->data(), "a text Param's binary_to_text is not its text");
    if (same_value && v.is_binary() && p->type_oid() == v.type_oid()) {
        const auto column = try_as<std::string>(v);
        check(column && *column == text, "a value sent back prints differently from its column");
    }
}

template <class T>
void read_and_send(const Value& v, bool same_value = true) {
    if (const auto x = read<T>(v)) send_value(v, *x, same_value);
}

void read_everything(const Row& row, std::size_t i, const std::optional<std::string>& expected) {
    const Value v = row[i];
    check(v.index() == i, "wrong index");
    check(v.is_null() == !expected, "NULL-ness changed");
    if (expected) check(v.raw() == *expected, "raw bytes changed");
    const bool text_column = !v.is_binary();
    const std::string_view raw = v.raw();

    read_and_send<bool>(v);
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
        if (text_column || detail::is_text_type(v.type_oid())) check(*s == raw, "as<std::string> differs from raw()");
        try {
            check(Param(*s).literal().size() >= s->size() + 2, "a string literal without its quotes");
        } catch (const DataError&) {
            check(s->find('\0') != std::string::npos, "a string without NUL refused as a Param");
        }
    }
    if (const auto s = read<std::string_view>(v)) check(s->data() == v.raw().data(), "as<string_view> is not a view");
    if (const auto b = read<Bytes>(v)) {
        if (text_column) check(b->size() <= raw.size(), "bytea decoded longer than its text");
        else
            check(std::string_view(reinterpret_cast<const char*>(b->data()), b->size()) == raw, "binary bytea changed");
        check(Param(*b).literal().size() == 2 * b->size() + 11, "bytea literal of the wrong size");
        send_value(v, *b);
    }
    if (const auto n = read<Numeric>(v)) {
        if (text_column) check(n->text == raw, "Numeric changed the text");
        else check(detail::is_decimal(n->text), "a binary Numeric's text is not a decimal");
        bool accepted = true;
        try {
            (void)Param(*n).literal();
        } catch (const Error&) {
            // Only an exponent can take a decimal beyond numeric's range (weight, scale).
            check(n->text.find_first_of("eE") != std::string::npos,
                  "a Numeric that as<Numeric>() made is refused as a Param");
            accepted = false;
        }
        if (accepted) send_value(v, *n);
    }
    if (const auto j = read<Json>(v)) {
        if (text_column || v.type_oid() == 114) check(j->text == raw, "Json changed the text");
        else check(j->text == raw.substr(1), "binary jsonb's text is not its bytes after the version");
        if (j->text.find('\0') == std::string::npos) send_value(v, *j);  // text cannot hold NUL
    }
    if (const auto x = read<Xml>(v)) {
        check(x->text == raw, "Xml changed the text");
        if (x->text.find('\0') == std::string::npos) send_value(v, *x);  // text cannot hold NUL
    }

    read_and_send<Date>(v);
    read_and_send<Time>(v);
    read_and_send<TimeTz>(v);
    read_and_send<Timestamp>(v);
    read_and_send<TimestampTz>(v);
    read_and_send<Interval>(v);
    read_and_send<Uuid>(v);
    read_and_send<Inet>(v);
    read_and_send<MacAddr>(v);
    read_and_send<MacAddr8>(v);
    read_and_send<Bits>(v);
    read_and_send<Money>(v);
    read_and_send<std::chrono::sys_days>(v);
    read_and_send<std::chrono::year_month_day>(v);
    read_and_send<Timestamp::local_us>(v);
    read_and_send<TimestampTz::sys_us>(v);
    // An interval's days become microseconds here: the same length, another value.
    read_and_send<std::chrono::microseconds>(v, false);

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
        f.name = kNames[(type >> 5) & 3];
        f.type_oid = kOids[type & 31];
        f.type_size = static_cast<std::int16_t>(typmod & 0x80 ? -1 : typmod);
        f.type_modifier = typmod == 0 ? -1 : 4 + (std::int32_t{typmod} << 16 | typmod >> 2);
        f.table_oid = typmod;
        f.column = static_cast<std::int16_t>(i + 1);
        f.format = (flags & 16) ? 1 : 0;
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
    check(next.status == Decoder::Status::message && decode(next.msg, msg) == Errc::ok,
          "RowDescription did not decode");
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

// One column of `oid` (by its index in kOids) holding `text` (or binary bytes), or NULL.
std::string one_column(std::uint8_t oid_index, std::uint8_t typmod, std::optional<std::string_view> text,
                       bool binary = false) {
    std::string s{static_cast<char>(binary ? 16 : 0), static_cast<char>(oid_index), static_cast<char>(typmod)};
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
        {0, "t"},
        {0, "f"},
        {1, "\\x00ff10"},
        {1, "ab\\\\c\\001\\377"},
        {2, "-9223372036854775808"},
        {2, "9223372036854775807"},
        {3, "-32768"},
        {4, "2147483647"},
        {5, "4294967295"},
        {6, "123"},
        {7, "0"},
        {8, "{\"a\": [1, 2]}"},
        {9, "3.4028235e38"},
        {9, "1e-46"},
        {10, "-1.5e308"},
        {10, "NaN"},
        {10, "-Infinity"},
        {11, "123456789012345678901234567890.000001"},
        {11, "1e-400"},
        {11, "-inf"},
        {12, "[]"},
        {13, "18446744073709551615"},
        {14, "text"},
        {15, "?"},
        {11, "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000001"},
        // Exponents at the edges of long long, which the underflow check adds to a digit count.
        {10, "1e9223372036854775807"},
        {11, "0.01e-9223372036854775808"},
        {9, "1e9223372036854775808"},
        {9, "1e-9223372036854775809"},
        {16, "2024-01-31"},
        {16, "5874897-12-31"},
        {16, "-infinity"},
        {16, "4714-11-24 BC"},
        {17, "24:00:00"},
        {17, "12:34:56.789"},
        {18, "12:34:56+05:30"},
        {19, "294276-12-31 23:59:59.999999"},
        {19, "4714-11-24 00:00:00 BC"},
        {20, "2024-01-31 12:34:56.5+00"},
        {20, "infinity"},
        {21, "1 year 2 mons -3 days +04:05:06.789"},
        {21, "3 days"},
        {21, "-2562047788:00:54.775808"},
        {22, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
        {23, "192.168.1.5/24"},
        {23, "::ffff:1.2.3.4"},
        {24, "10.0.0.0/8"},
        {25, "08:00:2b:01:02:03"},
        {26, "08:00:2b:01:02:03:04:05"},
        {27, "101"},
        {28, "1"},
        {29, "-$1,234.56"},
        {29, "($92,233,720,368,547,758.08)"},
        {30, "<a>x</a>"},
        {31, "(1,2)"},
    };
    for (const auto& s : samples) seeds.push_back(one_column(s.oid_index, 0, s.text));
    seeds.push_back(one_column(11, 0x1a, "12.50"));
    // Binary columns, each in PostgreSQL's binary form.
    auto bin = [](auto encode) {
        Bytes b;
        encode(b);
        return std::string(reinterpret_cast<const char*>(b.data()), b.size());
    };
    using std::chrono::microseconds;
    const std::pair<std::uint8_t, std::string> binary[] = {
        {0, bin([](Bytes& b) { bool_to_bin(true, b); })},
        {1, std::string("\x00\xff", 2)},
        {2, bin([](Bytes& b) { int8_to_bin(-9223372036854775807 - 1, b); })},
        {3, bin([](Bytes& b) { int2_to_bin(-32768, b); })},
        {4, bin([](Bytes& b) { int4_to_bin(2147483647, b); })},
        {5, bin([](Bytes& b) { oid_to_bin(4294967295u, b); })},
        {8, "{\"a\": 1}"},
        {9, bin([](Bytes& b) { float4_to_bin(1e-45f, b); })},
        {10, bin([](Bytes& b) { float8_to_bin(-1.5e308, b); })},
        {11, bin([](Bytes& b) { (void)numeric_to_bin("-123.4500", b); })},
        {11, bin([](Bytes& b) { (void)numeric_to_bin("1e-400", b); })},
        {12, "\x01[1, 2]"},
        {13, bin([](Bytes& b) { int8_to_bin(-1, b); })},
        {14, "text"},
        {16, bin([](Bytes& b) { date_to_bin(kDateEnd - 1, b); })},
        {16, bin([](Bytes& b) { date_to_bin(-1, b); })},
        {17, bin([](Bytes& b) { time_to_bin(kUsecsPerDay, b); })},
        {18, bin([](Bytes& b) { timetz_to_bin(detail::to_proto(TimeTz(microseconds{45296000000}, 19800)), b); })},
        {19, bin([](Bytes& b) { timestamp_to_bin(kTimestampEnd - 1, b); })},
        {20, bin([](Bytes& b) { timestamptz_to_bin(kTimestampMin, b); })},
        {21, bin([](Bytes& b) { interval_to_bin(detail::to_proto(Interval(14, -3, microseconds{14706789000})), b); })},
        {21, bin([](Bytes& b) { interval_to_bin(detail::to_proto(Interval(0, 106751992, microseconds{0})), b); })},
        {22, bin([](Bytes& b) { uuid_to_bin(Uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").bytes, b); })},
        {23, bin([](Bytes& b) { inet_to_bin(detail::to_proto(Inet::parse("2001:db8::1/64")), b); })},
        {24, bin([](Bytes& b) { inet_to_bin(detail::to_proto(Inet::parse("10.0.0.0/8", true)), b); })},
        {25, bin([](Bytes& b) {
             macaddr_to_bin(MacAddr{{8, 0, 0x2b, 1, 2, 3}}.bytes, b);
         })},
        {26, bin([](Bytes& b) {
             macaddr8_to_bin(MacAddr8{{8, 0, 0x2b, 1, 2, 3, 4, 5}}.bytes, b);
         })},
        {27, bin([](Bytes& b) { (void)bits_to_bin("101", b); })},
        {28, bin([](Bytes& b) { (void)bits_to_bin("1011001110", b); })},
        {29, bin([](Bytes& b) { money_to_bin(-123456, b); })},
        {30, "<a>x</a>"},
    };
    for (const auto& [oid_index, bytes] : binary) seeds.push_back(one_column(oid_index, 0, bytes, true));
    seeds.push_back(one_column(2, 0, std::nullopt));
    // Four columns, two named "a", a NULL among them.
    seeds.push_back(std::string("\x03\x00\x00\x24\x00\x44\x00\x6b\x00", 9) +
                    "\x01"
                    "t"
                    "\x02"
                    "42"
                    "\xff"
                    "\xfe"
                    "3.5");
    seeds.push_back(std::string("\x04\x02\x00", 3) +
                    "\x01"
                    "1"
                    "\x01"
                    "2");  // one value too many
    seeds.push_back(std::string("\x09\x02\x00\x04\x00", 5) +
                    "\x01"
                    "1");  // one too few
    int i = 0;
    for (const auto& s : seeds) std::ofstream(dir + "/seed-" + std::to_string(i++), std::ios::binary) << s;
}

}  // namespace

UVPG_FUZZ_SEEDS_FROM(write_seeds)
