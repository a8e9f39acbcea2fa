// Rows, Value::as<T>() over text-format results, Param encodings and literals.
#include <doctest/doctest.h>

#include <uvpg/errors.hpp>
#include <uvpg/params.hpp>
#include <uvpg/value.hpp>

#include "lib/values/proto_mapping.hpp"
#include "lib/values/row.hpp"

#include <cmath>
#include <limits>

using namespace uvpg;

namespace {

// Built-in OIDs used below.
constexpr std::uint32_t BOOL = 16, BYTEA = 17, INT8 = 20, INT2 = 21, INT4 = 23, TEXT = 25, OID = 26, JSON = 114,
                        FLOAT4 = 700, FLOAT8 = 701, VARCHAR = 1043, NUMERIC = 1700, JSONB = 3802, UUID = 2950;

struct Col {
    std::string name;
    std::uint32_t oid = TEXT;
    std::optional<std::string> value;
    std::int32_t typmod = -1;
    std::int16_t size = -1;
};

// A Row as the connection builds it: RowDescription and DataRow structs, as decoded off the wire.
Row row_of(const std::vector<Col>& cols) {
    proto::RowDescription desc;
    proto::Bytes body;
    for (const auto& c : cols) {
        desc.fields.push_back({c.name, 0, 0, c.oid, c.size, c.typmod, 0});
        const std::int32_t len = c.value ? static_cast<std::int32_t>(c.value->size()) : -1;
        for (int shift = 24; shift >= 0; shift -= 8)
            body.push_back(static_cast<std::uint8_t>(static_cast<std::uint32_t>(len) >> shift));
        if (c.value) body.insert(body.end(), c.value->begin(), c.value->end());
    }
    proto::DataRow dr{static_cast<std::uint16_t>(cols.size()), body};
    return detail::make_row(detail::make_shape(desc), dr);
}

template <class T>
T read(std::uint32_t oid, std::optional<std::string> text) {
    Row r = row_of({{"c", oid, std::move(text)}});
    return r[0].as<T>();
}

template <class E = DataError, class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    return "(no exception)";
}

}  // namespace

TEST_CASE("bool reads t and f from a bool column only") {
    CHECK(read<bool>(BOOL, "t") == true);
    CHECK(read<bool>(BOOL, "f") == false);
    CHECK(error_of([] { read<bool>(INT4, "1"); }) == "cannot read column \"c\" (0, int4) as bool");
    CHECK(error_of([] { read<bool>(TEXT, "t"); }) == "cannot read column \"c\" (0, text) as bool");
    CHECK(error_of([] { read<bool>(BOOL, "x"); }) == "cannot read column \"c\" (0, bool) as bool: invalid text \"x\"");
}

TEST_CASE("integers from int2, int4, int8 and oid, range-checked") {
    CHECK(read<int>(INT4, "42") == 42);
    CHECK(read<int>(INT2, "-32768") == -32768);
    CHECK(read<long long>(INT8, "-9223372036854775808") == std::numeric_limits<long long>::min());
    CHECK(read<std::int64_t>(INT8, "9223372036854775807") == std::numeric_limits<std::int64_t>::max());
    CHECK(read<unsigned>(OID, "4294967295") == 4294967295u);
    CHECK(read<short>(INT4, "32767") == 32767);
    CHECK(read<signed char>(INT2, "-128") == -128);
    CHECK(read<unsigned char>(INT2, "255") == 255);
    CHECK(read<unsigned long long>(INT8, "9223372036854775807") == 9223372036854775807ull);

    CHECK(error_of([] { read<short>(INT4, "32768"); }) ==
          "cannot read column \"c\" (0, int4) as short: 32768 is out of range");
    CHECK(error_of([] { read<int>(OID, "4294967295"); }) ==
          "cannot read column \"c\" (0, oid) as int: 4294967295 is out of range");
    CHECK(error_of([] { read<unsigned>(INT4, "-1"); }) ==
          "cannot read column \"c\" (0, int4) as unsigned int: -1 is out of range");
    CHECK(error_of([] { read<signed char>(INT2, "128"); }) ==
          "cannot read column \"c\" (0, int2) as signed char: 128 is out of range");
    CHECK(error_of([] { read<long long>(INT8, "99999999999999999999"); }) ==
          "cannot read column \"c\" (0, int8) as long long: 99999999999999999999 is out of range");
}

TEST_CASE("integers refuse other types and malformed text") {
    CHECK(error_of([] { read<int>(TEXT, "1"); }) == "cannot read column \"c\" (0, text) as int");
    CHECK(error_of([] { read<int>(NUMERIC, "1"); }) == "cannot read column \"c\" (0, numeric) as int");
    CHECK(error_of([] { read<int>(FLOAT8, "1"); }) == "cannot read column \"c\" (0, float8) as int");
    CHECK(error_of([] { read<long>(BOOL, "t"); }) == "cannot read column \"c\" (0, bool) as long");
    CHECK(error_of([] { read<int>(INT4, "abc"); }) ==
          "cannot read column \"c\" (0, int4) as int: invalid text \"abc\"");
    CHECK(error_of([] { read<int>(INT4, "12x"); }).find("invalid text \"12x\"") != std::string::npos);
    CHECK(error_of([] { read<int>(INT4, ""); }).find("invalid text") != std::string::npos);
    CHECK(error_of([] { read<int>(INT4, "-"); }).find("invalid text") != std::string::npos);
    CHECK(error_of([] { read<int>(INT4, "+1"); }).find("invalid text") != std::string::npos);
    CHECK(error_of([] { read<int>(INT4, " 1"); }).find("invalid text") != std::string::npos);
    CHECK(error_of([] { read<unsigned>(INT4, "-x"); }).find("invalid text") != std::string::npos);
    // A long bad value is cut short in the message.
    const std::string msg = error_of([] { read<int>(INT4, std::string(1000, 'z')); });
    CHECK(msg.size() < 150);
    CHECK(msg.find("...") != std::string::npos);
}

TEST_CASE("an unknown OID is shown as a number") {
    CHECK(error_of([] { read<int>(99999, "1"); }) == "cannot read column \"c\" (0, oid 99999) as int");
    CHECK(error_of([] { read<int>(UUID, "x"); }) == "cannot read column \"c\" (0, uuid) as int");
}

TEST_CASE("float and double from float, numeric and integer columns") {
    CHECK(read<double>(FLOAT8, "1.5") == 1.5);
    CHECK(read<double>(FLOAT8, "-2.5e-300") == -2.5e-300);
    CHECK(read<double>(FLOAT8, "1e+308") == 1e308);
    CHECK(read<double>(FLOAT8, "0.1") == 0.1);
    CHECK(read<float>(FLOAT4, "0.1") == 0.1f);
    CHECK(read<double>(FLOAT4, "3.25") == 3.25);
    CHECK(read<double>(NUMERIC, "123.456") == 123.456);
    CHECK(read<double>(INT8, "-9007199254740992") == -9007199254740992.0);
    CHECK(error_of([] { read<double>(INT8, "-9007199254740993"); }) ==
          "cannot read column \"c\" (0, int8) as double: -9007199254740993 has no exact double");
    CHECK(read<float>(INT4, "7") == 7.0f);
    CHECK(read<double>(OID, "7") == 7.0);
    CHECK(std::isnan(read<double>(FLOAT8, "NaN")));
    CHECK(std::isnan(read<float>(NUMERIC, "NaN")));
    CHECK(read<double>(FLOAT8, "Infinity") == std::numeric_limits<double>::infinity());
    CHECK(read<double>(FLOAT8, "-Infinity") == -std::numeric_limits<double>::infinity());
    CHECK(read<float>(FLOAT8, "-Infinity") == -std::numeric_limits<float>::infinity());
    CHECK(read<double>(NUMERIC, "Infinity") == std::numeric_limits<double>::infinity());
    const double neg_zero = read<double>(FLOAT8, "-0");
    CHECK((neg_zero == 0.0 && std::signbit(neg_zero)));
    // Subnormals are fine, and a numeric too small for a double is zero, not an error.
    CHECK(read<double>(FLOAT8, "5e-324") > 0.0);
    CHECK(read<double>(NUMERIC, "0." + std::string(400, '0') + "1") == 0.0);
    CHECK(std::signbit(read<double>(NUMERIC, "-0." + std::string(400, '0') + "1")));
    CHECK(error_of([] { read<float>(FLOAT8, "1e-50"); }) ==
          "cannot read column \"c\" (0, float8) as float: 1e-50 has no exact float");
    CHECK(read<float>(FLOAT8, "0.5") == 0.5f);
}

TEST_CASE("float and double refusals") {
    CHECK(error_of([] { read<double>(TEXT, "1.5"); }) == "cannot read column \"c\" (0, text) as double");
    CHECK(error_of([] { read<double>(BOOL, "t"); }) == "cannot read column \"c\" (0, bool) as double");
    CHECK(error_of([] { read<float>(FLOAT8, "1e300"); }) ==
          "cannot read column \"c\" (0, float8) as float: 1e300 is out of range");
    CHECK(error_of([] { read<double>(NUMERIC, "1" + std::string(400, '0')); }).find("is out of range") !=
          std::string::npos);
    CHECK(error_of([] { read<double>(FLOAT8, "1.5x"); }) ==
          "cannot read column \"c\" (0, float8) as double: invalid text \"1.5x\"");
    CHECK(error_of([] { read<double>(FLOAT8, ""); }).find("invalid text") != std::string::npos);
    CHECK(error_of([] { read<double>(FLOAT8, "0x10"); }).find("invalid text") != std::string::npos);
}

TEST_CASE("std::string and std::string_view read the text of any type") {
    CHECK(read<std::string>(TEXT, "hello") == "hello");
    CHECK(read<std::string>(INT4, "42") == "42");
    CHECK(read<std::string>(BOOL, "t") == "t");
    CHECK(read<std::string>(UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11") == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    CHECK(read<std::string>(BYTEA, "\\x0102") == "\\x0102");  // as psql shows it
    CHECK(read<std::string>(TEXT, "") == "");
    CHECK(read<std::string>(VARCHAR, std::string("a\0b", 3)) == std::string("a\0b", 3));
}

TEST_CASE("a string_view stays valid as long as its Row, moves included") {
    std::vector<Row> rows;
    std::string_view a, b;
    {
        Row r = row_of({{"a", TEXT, std::string(100, 'x')}, {"b", TEXT, "second"}});
        a = r[0].as<std::string_view>();
        b = r["b"].as<std::string_view>();
        rows.push_back(std::move(r));
    }
    for (int i = 0; i < 50; ++i) rows.push_back(row_of({{"n", INT4, std::to_string(i)}}));
    CHECK(a == std::string(100, 'x'));
    CHECK(b == "second");
    CHECK(rows[0][1].raw() == "second");
}

TEST_CASE("bytea: hex and escape formats") {
    CHECK(read<Bytes>(BYTEA, "\\x") == Bytes{});
    CHECK(read<Bytes>(BYTEA, "\\x00ff10Ab") == Bytes{0x00, 0xff, 0x10, 0xab});
    CHECK(read<Bytes>(BYTEA, "") == Bytes{});
    CHECK(read<Bytes>(BYTEA, "abc") == Bytes{'a', 'b', 'c'});
    CHECK(read<Bytes>(BYTEA, "a\\\\b") == Bytes{'a', '\\', 'b'});
    CHECK(read<Bytes>(BYTEA, "\\000\\377\\012z") == Bytes{0x00, 0xff, 0x0a, 'z'});

    CHECK(error_of([] { read<Bytes>(BYTEA, "\\x0"); }) ==
          "cannot read column \"c\" (0, bytea) as uvpg::Bytes: invalid text \"\\x0\"");
    for (const char* bad : {"\\xzz", "\\9", "\\40", "\\400", "tail\\"})
        CHECK(error_of([&] { read<Bytes>(BYTEA, bad); }).find("invalid text") != std::string::npos);
    CHECK(error_of([] { read<Bytes>(TEXT, "\\x00"); }) == "cannot read column \"c\" (0, text) as uvpg::Bytes");
}

TEST_CASE("Numeric from numeric and integer columns, Json from json and jsonb") {
    CHECK(read<Numeric>(NUMERIC, "3.14") == Numeric{"3.14"});
    CHECK(read<Numeric>(NUMERIC, "-0.000001") == Numeric{"-0.000001"});
    CHECK(read<Numeric>(NUMERIC, "NaN") == Numeric{"NaN"});
    CHECK(read<Numeric>(NUMERIC, "-Infinity") == Numeric{"-Infinity"});
    CHECK(read<Numeric>(INT8, "-9223372036854775808") == Numeric{"-9223372036854775808"});
    CHECK(read<Numeric>(INT2, "5") == Numeric{"5"});
    CHECK(error_of([] { read<Numeric>(FLOAT8, "1.5"); }) == "cannot read column \"c\" (0, float8) as uvpg::Numeric");
    CHECK(error_of([] { read<Numeric>(TEXT, "1.5"); }) == "cannot read column \"c\" (0, text) as uvpg::Numeric");
    CHECK(error_of([] { read<Numeric>(NUMERIC, "1.2.3"); }).find("invalid text") != std::string::npos);

    CHECK(read<Json>(JSON, "{\"a\": 1}") == Json{"{\"a\": 1}"});
    CHECK(read<Json>(JSONB, "[1, 2]") == Json{"[1, 2]"});
    CHECK(error_of([] { read<Json>(TEXT, "{}"); }) == "cannot read column \"c\" (0, text) as uvpg::Json");
}

TEST_CASE("NULL: nullopt through optional, DataError through a plain type") {
    Row r = row_of({{"x", INT4, std::nullopt}, {"y", INT4, "5"}, {"z", TEXT, ""}});
    CHECK(r[0].is_null());
    CHECK(r[0].raw().empty());
    CHECK(r[0].as<std::optional<int>>() == std::nullopt);
    CHECK(r[0].as<std::optional<std::string>>() == std::nullopt);
    CHECK(r[0].as<std::optional<Bytes>>() == std::nullopt);
    CHECK(r[1].as<std::optional<int>>() == 5);
    CHECK(!r[2].is_null());
    CHECK(r[2].as<std::optional<std::string>>() == std::string());  // empty text is not NULL
    CHECK(error_of([&] { r[0].as<int>(); }) == "column \"x\" (0) is NULL; read it as std::optional<int>");
    CHECK(error_of([&] { r[0].as<std::string>(); }) ==
          "column \"x\" (0) is NULL; read it as std::optional<std::string>");
    CHECK(error_of([&] { detail::throw_null_value(r[0]); }) == "column \"x\" (0) is NULL; read it as std::optional");
    // A non-NULL value that cannot convert still throws through optional.
    CHECK(error_of([&] { r[1].as<std::optional<bool>>(); }) == "cannot read column \"y\" (1, int4) as bool");
}

TEST_CASE("Row by index, by name, iteration and errors") {
    Row r = row_of({{"id", INT4, "7"}, {"name", TEXT, "ann"}, {"id", INT8, "8"}, {"", TEXT, "anon"}});
    CHECK(r.size() == 4);
    CHECK(r[0].as<int>() == 7);
    CHECK(r["name"].as<std::string>() == "ann");
    CHECK(r["id"].index() == 0);  // the first column of a name wins, as psycopg2's DictRow
    CHECK(r[2].as<long long>() == 8);
    CHECK(r[2].name() == "id");
    CHECK(r[2].type_oid() == INT8);
    CHECK(r[""].as<std::string>() == "anon");

    std::vector<std::string> seen;
    for (Value v : r) seen.push_back(v.name() + "=" + v.as<std::string>());
    CHECK(seen == std::vector<std::string>{"id=7", "name=ann", "id=8", "=anon"});

    CHECK(error_of<ProgrammingError>([&] { r[4]; }) == "column index 4 out of range (the row has 4 columns)");
    CHECK(error_of<ProgrammingError>([&] { r["nope"]; }) == "no column named \"nope\"");
    CHECK(error_of<ProgrammingError>([&] { r["Name"]; }) == "no column named \"Name\"");

    Row empty;
    CHECK(empty.size() == 0);
    CHECK(empty.columns().empty());
    CHECK(empty.begin() == empty.end());
    CHECK(error_of<ProgrammingError>([&] { empty[0]; }).find("out of range") != std::string::npos);
    CHECK(error_of<ProgrammingError>([&] { empty["a"]; }) == "no column named \"a\"");

    Row none = row_of({});
    CHECK(none.size() == 0);
}

TEST_CASE("narrow rows (found by walking the lengths) and wide rows (with a directory) read every column") {
    // kWalkColumns is the border between the two layouts: test either side of it and far past.
    for (std::size_t n : {std::size_t{1}, detail::kWalkColumns, detail::kWalkColumns + 1, std::size_t{40}}) {
        std::vector<Col> cols;
        for (std::size_t i = 0; i < n; ++i) {
            std::optional<std::string> v;
            if (i % 3 != 1) v = std::string(i % 5, 'a' + static_cast<char>(i % 26));  // NULLs and empty strings too
            cols.push_back({"c" + std::to_string(i), TEXT, v});
        }
        Row r = row_of(cols);
        REQUIRE(r.size() == n);
        for (std::size_t i = n; i-- > 0;) {  // backwards: no column depends on reading the one before
            INFO("n=" << n << " i=" << i);
            CHECK(r[i].is_null() == !cols[i].value.has_value());
            if (cols[i].value) CHECK(r[i].as<std::string>() == *cols[i].value);
            CHECK(r["c" + std::to_string(i)].index() == i);
        }
        Row copy = r;  // a copy shares the bytes
        CHECK(copy[n - 1].raw().data() == r[n - 1].raw().data());
    }
}

TEST_CASE("rows of one result share their shape and keep their own bytes") {
    proto::RowDescription desc;
    desc.fields.push_back({"v", 0, 0, TEXT, -1, -1, 0});
    auto shape = detail::make_shape(desc);
    proto::Bytes b1 = {0, 0, 0, 3, 'o', 'n', 'e'};
    proto::Bytes b2 = {0xff, 0xff, 0xff, 0xff};
    Row r1 = detail::make_row(shape, proto::DataRow{1, b1});
    Row r2 = detail::make_row(shape, proto::DataRow{1, b2});
    b1.assign(b1.size(), 'X');  // the receive buffer is reused; the row must not care
    CHECK(r1[0].as<std::string>() == "one");
    CHECK(r2[0].is_null());
    CHECK(&r1.columns() == &r2.columns());
    CHECK_THROWS_AS(detail::make_row(shape, proto::DataRow{2, b1}), InterfaceError);
}

TEST_CASE("a row built from wire bytes through the decoder") {
    proto::Bytes wire;
    proto::RowDescription desc;
    desc.fields.push_back({"id", 16384, 1, INT4, 4, -1, 0});
    desc.fields.push_back({"price", 16384, 2, NUMERIC, -1, (8 << 16 | 3) + 4, 0});
    desc.fields.push_back({"note", 16384, 3, TEXT, -1, -1, 0});
    proto::encode_backend(wire, desc);
    const std::optional<std::string_view> values[] = {"1", "12.500", std::nullopt};
    proto::encode_data_row(wire, values);

    proto::Decoder dec;
    dec.feed(wire);
    std::shared_ptr<const detail::RowShape> shape;
    std::optional<Row> row;
    for (auto next = dec.next(); next.status == proto::Decoder::Status::message; next = dec.next()) {
        proto::BackendMessage msg;
        REQUIRE(proto::decode(next.msg, msg) == proto::Errc::ok);
        if (auto* d = std::get_if<proto::RowDescription>(&msg)) shape = detail::make_shape(*d);
        if (auto* r = std::get_if<proto::DataRow>(&msg)) row = detail::make_row(shape, *r);
    }
    REQUIRE(row);
    CHECK((*row)["id"].as<int>() == 1);
    CHECK((*row)["price"].as<Numeric>() == Numeric{"12.500"});
    CHECK((*row)["price"].as<double>() == 12.5);
    CHECK((*row)["note"].as<std::optional<std::string>>() == std::nullopt);
    CHECK(row->columns()[1].precision == 8);
    CHECK(row->columns()[1].scale == 3);
    CHECK(row->columns()[0].table_oid == 16384);
    CHECK(row->columns()[2].table_column == 3);
}

TEST_CASE("description: sizes, precision and scale") {
    Row r = row_of({
        {"n", NUMERIC, "1.50", (10 << 16 | 2) + 4, -1},
        {"free", NUMERIC, "1", -1, -1},
        {"i", INT4, "1", -1, 4},
        {"f", FLOAT8, "1", -1, 8},
        {"s", VARCHAR, "x", 20 + 4, -1},
        {"c", 2275, "x", -1, -2},  // cstring, typlen -2
    });
    const auto& cols = r.columns();
    REQUIRE(cols.size() == 6);
    CHECK(cols[0].name == "n");
    CHECK(cols[0].type_code == NUMERIC);
    CHECK(cols[0].precision == 10);
    CHECK(cols[0].scale == 2);
    CHECK(cols[0].internal_size == std::nullopt);
    CHECK(cols[0].display_size == std::nullopt);
    CHECK(cols[0].null_ok == std::nullopt);
    CHECK(cols[0].type_modifier == (10 << 16 | 2) + 4);
    CHECK(cols[1].precision == std::nullopt);
    CHECK(cols[1].scale == std::nullopt);
    CHECK(cols[2].internal_size == 4);
    CHECK(cols[2].precision == std::nullopt);
    CHECK(cols[3].internal_size == 8);
    CHECK(cols[4].precision == std::nullopt);  // only numeric's typmod means precision/scale
    CHECK(cols[5].internal_size == std::nullopt);
}

// Character types are characters, not numbers: u'x' must not go out as the integer 120.
static_assert(!std::is_constructible_v<uvpg::Param, char16_t>);
static_assert(!std::is_constructible_v<uvpg::Param, char32_t>);
static_assert(!std::is_constructible_v<uvpg::Param, char8_t>);
static_assert(!std::is_constructible_v<uvpg::Param, wchar_t>);
static_assert(std::is_constructible_v<uvpg::Param, signed char> && std::is_constructible_v<uvpg::Param, unsigned char>);

TEST_CASE("Param: NULL, bool, and integers typed by their C++ type") {
    CHECK(Param(std::nullopt).is_null());
    CHECK(Param(nullptr).is_null());
    CHECK(Param(std::optional<int>()).is_null());
    CHECK(Param(static_cast<const char*>(nullptr)).is_null());

    CHECK(Param(true).data() == std::string("\x01", 1));
    CHECK(Param(true).type_oid() == BOOL);
    CHECK(Param(true).binary());
    CHECK(Param(false).data() == std::string("\x00", 1));

    // Integers go in binary, big-endian, in the type their C++ type decides (whatever the value).
    auto check_int = [](Param p, std::string text, std::uint32_t oid) {
        CHECK(p.literal() == (text[0] == '-' ? " " + text : text));
        CHECK(p.type_oid() == oid);
        CHECK(p.binary());
        CHECK(!p.is_null());
        if (oid != NUMERIC) CHECK(p.data().size() == (oid == INT2 ? 2u : oid == INT4 ? 4u : 8u));
    };
    CHECK(Param(258).data() == std::string("\0\0\x01\x02", 4));
    CHECK(Param(-2).data() == std::string("\xff\xff\xff\xfe", 4));
    CHECK(Param(std::int16_t(-2)).data() == std::string("\xff\xfe", 2));
    CHECK(Param(-2LL).data() == std::string("\xff\xff\xff\xff\xff\xff\xff\xfe", 8));
    check_int(Param(0), "0", INT4);
    check_int(Param(std::int16_t(0)), "0", INT2);
    check_int(Param(std::int16_t(-32768)), "-32768", INT2);
    check_int(Param(std::int16_t(32767)), "32767", INT2);
    check_int(Param(32768), "32768", INT4);
    check_int(Param(-32769), "-32769", INT4);
    check_int(Param(2147483647), "2147483647", INT4);
    check_int(Param(-2147483647 - 1), "-2147483648", INT4);
    check_int(Param(1LL), "1", INT8);
    check_int(Param(2147483648LL), "2147483648", INT8);
    check_int(Param(std::numeric_limits<std::int64_t>::min()), "-9223372036854775808", INT8);
    check_int(Param(static_cast<unsigned char>(200)), "200", INT2);
    check_int(Param(static_cast<signed char>(-5)), "-5", INT2);
    check_int(Param(static_cast<unsigned short>(65535)), "65535", INT4);
    check_int(Param(65535u), "65535", INT8);
    check_int(Param(4294967295u), "4294967295", INT8);
    check_int(Param(0ull), "0", NUMERIC);
    check_int(Param(9223372036854775807ull), "9223372036854775807", NUMERIC);
    check_int(Param(9223372036854775808ull), "9223372036854775808", NUMERIC);
    check_int(Param(std::numeric_limits<std::uint64_t>::max()), "18446744073709551615", NUMERIC);
    check_int(Param(std::optional<long>(12)), "12", INT8);
    check_int(Param(std::optional<short>(12)), "12", INT2);
}

TEST_CASE("Param: floating point goes in binary, bit for bit; literals spell specials as PostgreSQL does") {
    CHECK(Param(1.5).data() == std::string("\x3f\xf8\0\0\0\0\0\0", 8));
    CHECK(Param(1.5).type_oid() == FLOAT8);
    CHECK(Param(1.5).binary());
    CHECK(Param(0.1).literal() == "0.1");
    CHECK(Param(1e300).literal() == "1e+300");
    CHECK(Param(-0.0).literal() == "'-0'::float8");  // a bare -0 is the integer 0
    // A float goes as float4, so the server reads back the same float.
    CHECK(Param(0.1f).type_oid() == 700);
    CHECK(Param(0.1f).data().size() == 4);
    CHECK(Param(0.1f).literal() == "'0.1'::float4");
    CHECK(Param(5e-324).literal() == "5e-324");
    CHECK(Param(std::numeric_limits<double>::quiet_NaN()).literal() == "'NaN'::float8");
    CHECK(Param(-std::numeric_limits<float>::infinity()).literal() == "'-Infinity'::float4");
}

TEST_CASE("Param: strings, bytes, numeric, json") {
    Param s("abc");
    CHECK(s.data() == "abc");
    CHECK(s.type_oid() == 0);
    CHECK(!s.binary());
    CHECK(Param(std::string("x")).type_oid() == 0);
    CHECK(Param(std::string_view("yz")).data() == "yz");
    CHECK(Param("").data() == "");
    CHECK(!Param("").is_null());
    CHECK(Param(std::string("caf\xc3\xa9")).data() == "caf\xc3\xa9");
    CHECK(error_of([] { Param(std::string("a\0b", 3)); }) == "A string literal cannot contain NUL (0x00) characters.");
    CHECK_THROWS_AS(Param(std::string_view("\0", 1)), DataError);
    CHECK_THROWS_AS(Param(Json{std::string("{\0}", 3)}), DataError);

    Param b(Bytes{0, 1, 0xff});
    CHECK(b.binary());
    CHECK(b.type_oid() == BYTEA);
    CHECK(b.data() == std::string("\x00\x01\xff", 3));
    CHECK(Param(Bytes{}).data().empty());

    CHECK(Param(Numeric{"3.14"}).type_oid() == NUMERIC);
    CHECK(Param(Numeric{"3.14"}).binary());
    CHECK(Param(Numeric{"3.14"}).literal() == "3.14");
    for (const char* ok : {"0", "-1", "+1", "1.", ".5", "1.5e10", "1E-3", "NaN", "nan", "Infinity", "-Infinity", "+inf",
                           "00012.3400", " 1", "1 "})  // numeric_in's blanks too
        CHECK_NOTHROW(Param(Numeric{ok}));
    for (const char* bad : {"", "-", ".", "1.2.3", "abc", "1e", "1e+", "0x10", "--1", "Inf1"})
        CHECK_THROWS_AS(Param(Numeric{bad}), DataError);
    CHECK(error_of([] { Param(Numeric{"abc"}); }) == "invalid numeric value \"abc\"");

    CHECK(Param(Json{"{\"a\":1}"}).type_oid() == JSON);
    CHECK(Param(Json{"{\"a\":1}"}).data() == "{\"a\":1}");
}

TEST_CASE("Param::literal for mogrify") {
    CHECK(Param(nullptr).literal() == "NULL");
    CHECK(Param(std::optional<std::string>()).literal() == "NULL");
    CHECK(Param(true).literal() == "true");
    CHECK(Param(false).literal() == "false");
    CHECK(Param(42).literal() == "42");
    CHECK(Param(-42).literal() == " -42");  // so that "1-%s" does not become the comment "1--42"
    CHECK(Param(std::numeric_limits<std::uint64_t>::max()).literal() == "18446744073709551615");
    CHECK(Param(1.5).literal() == "1.5");
    CHECK(Param(-1.5).literal() == " -1.5");
    CHECK(Param(std::numeric_limits<double>::quiet_NaN()).literal() == "'NaN'::float8");
    CHECK(Param(std::numeric_limits<double>::infinity()).literal() == "'Infinity'::float8");
    CHECK(Param(-std::numeric_limits<double>::infinity()).literal() == "'-Infinity'::float8");
    CHECK(Param("abc").literal() == "'abc'");
    CHECK(Param("").literal() == "''");
    CHECK(Param("it's").literal() == "'it''s'");
    CHECK(Param("''").literal() == "''''''");
    CHECK(Param("a\\b").literal() == "'a\\b'");  // standard_conforming_strings: no escaping
    CHECK(Param("\\'").literal() == "'\\'''");
    CHECK(Param(Bytes{0x0a, 0x0b, 0xff}).literal() == "'\\x0a0bff'::bytea");
    CHECK(Param(Bytes{}).literal() == "'\\x'::bytea");
    CHECK(Param(Numeric{"12.50"}).literal() == "12.50");
    CHECK(Param(Numeric{"-1"}).literal() == " -1");
    CHECK(Param(Numeric{"NaN"}).literal() == "'NaN'::numeric");
    CHECK(Param(Numeric{"-Infinity"}).literal() == "'-Infinity'::numeric");
    CHECK(Param(Json{"{\"k\": \"it's\"}"}).literal() == "'{\"k\": \"it''s\"}'::json");
}

TEST_CASE("Params: positional and named") {
    Params pos{42, "text", nullptr};
    CHECK(!pos.is_named());
    CHECK(pos.positional().size() == 3);
    CHECK(pos.positional()[2].is_null());
    CHECK(pos.find("x") == nullptr);

    Params named{{"id", 42}, {"name", "ann"}, {"id", 43}};
    CHECK(named.is_named());
    REQUIRE(named.find("name") != nullptr);
    CHECK(named.find("name")->data() == "ann");
    CHECK(named.find("id")->literal() == "42");  // the first of a repeated name
    CHECK(named.find("ID") == nullptr);
    CHECK(named.find("") == nullptr);

    CHECK(Params().empty());
    CHECK(!Params().is_named());
}

TEST_CASE("float text with an exponent at the edge of long long: no overflow, a clear answer") {
    // Found by fuzz/fuzz_values: the exponent used to be added to the digit count unchecked.
    uvpg::proto::RowDescription desc;
    desc.fields.push_back(uvpg::proto::FieldDescription{"f", 0, 0, 701, 8, -1, 0});
    desc.fields.push_back(uvpg::proto::FieldDescription{"n", 0, 0, 1700, -1, -1, 0});
    auto shape = uvpg::detail::make_shape(desc);
    auto make = [&](std::string a, std::string b) {
        Bytes body;
        for (const auto& v : {a, b}) {
            std::uint32_t n = static_cast<std::uint32_t>(v.size());
            for (int k = 3; k >= 0; --k) body.push_back(static_cast<std::uint8_t>(n >> (8 * k)));
            body.insert(body.end(), v.begin(), v.end());
        }
        return body;
    };
    auto body = make("1e9223372036854775807", "0.01e-9223372036854775808");
    uvpg::proto::DataRow dr{2, uvpg::proto::ByteView(body.data(), body.size())};
    auto row = uvpg::detail::make_row(shape, dr);
    CHECK_THROWS_AS(row[0].as<double>(), uvpg::DataError);  // too large
    CHECK(row[1].as<double>() == 0.0);                      // too small: reads as zero
    auto body2 = make("1e-99999999999999999999", "1e99999999999999999999");
    uvpg::proto::DataRow dr2{2, uvpg::proto::ByteView(body2.data(), body2.size())};
    auto row2 = uvpg::detail::make_row(shape, dr2);
    CHECK(row2[0].as<double>() == 0.0);
    CHECK_THROWS_AS(row2[1].as<double>(), uvpg::DataError);
}

TEST_CASE("a date past timestamp's range read as Timestamp is a DataError, not an overflow") {
    // Found by fuzz/fuzz_values: days * 86400000000 overflowed int64.
    constexpr std::uint32_t DATE = 1082;
    CHECK(read<uvpg::Timestamp>(DATE, "2000-01-02") == uvpg::Timestamp::from_pg_micros(86400000000LL));
    CHECK(error_of([] { read<uvpg::Timestamp>(DATE, "5874897-12-31"); }) ==
          "cannot read column \"c\" (0, date) as uvpg::Timestamp: date out of range for timestamp");
}

TEST_CASE("malformed binary fields are DataErrors naming the column, and the row stays readable") {
    uvpg::proto::RowDescription desc;
    desc.fields.push_back(uvpg::proto::FieldDescription{"n", 0, 0, INT4, 4, -1, 1});
    desc.fields.push_back(uvpg::proto::FieldDescription{"a", 0, 0, 1007, -1, -1, 1});
    desc.fields.push_back(uvpg::proto::FieldDescription{"ok", 0, 0, INT4, 4, -1, 1});
    auto shape = uvpg::detail::make_shape(desc);
    Bytes body;
    auto field = [&](std::initializer_list<std::uint8_t> bytes) {
        const auto n = static_cast<std::uint32_t>(bytes.size());
        for (int k = 3; k >= 0; --k) body.push_back(static_cast<std::uint8_t>(n >> (8 * k)));
        body.insert(body.end(), bytes.begin(), bytes.end());
    };
    field({0, 0, 1});                                          // int4 of 3 bytes
    field({0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 23});  // array with ndim -1
    field({0, 0, 0, 42});
    auto row = uvpg::detail::make_row(shape, uvpg::proto::DataRow{3, uvpg::proto::ByteView(body.data(), body.size())});
    CHECK(row[0].is_binary());
    CHECK(error_of([&] { row[0].as<int>(); }) ==
          "cannot read column \"n\" (0, int4) as int: wrong number of bytes for the type");
    CHECK(error_of([&] { row[1].as<std::vector<int>>(); }).find("as an array: invalid header") != std::string::npos);
    CHECK_THROWS_AS(row[1].as<std::string>(), DataError);
    CHECK(row[2].as<int>() == 42);
}

TEST_CASE("the public value types map to proto's plain values field for field, and back") {
    using namespace std::chrono;
    using uvpg::detail::from_proto;
    using uvpg::detail::to_proto;
    namespace proto = uvpg::proto;
    CHECK(to_proto(uvpg::Date::from_pg_days(-10957)) == -10957);
    CHECK(to_proto(uvpg::Date::infinity()) == proto::kDateInfinity);
    CHECK(to_proto(uvpg::Date::minus_infinity()) == proto::kDateMinusInfinity);
    CHECK(from_proto<uvpg::Date>(proto::kDateInfinity).is_infinity());
    CHECK(from_proto<uvpg::Date>(proto::kDateMinusInfinity).is_minus_infinity());
    CHECK(from_proto<uvpg::Date>(59) == uvpg::Date(year{2000} / 2 / 29));

    CHECK(to_proto(uvpg::Time(microseconds{45296789012})) == 45296789012);
    CHECK(from_proto<uvpg::Time>(86400000000) == uvpg::Time(hours{24}));

    const uvpg::TimeTz tz(microseconds{45296000000}, 19800);  // 12:34:56+05:30
    CHECK(to_proto(tz) == proto::TimeTzValue{45296000000, 19800});
    CHECK(from_proto<uvpg::TimeTz>(proto::TimeTzValue{45296000000, 19800}) == tz);

    for (std::int64_t us :
         {std::int64_t{0}, std::int64_t{-1}, proto::kTimestampInfinity, proto::kTimestampMinusInfinity}) {
        CHECK(to_proto(uvpg::Timestamp::from_pg_micros(us)) == us);
        CHECK(to_proto(uvpg::TimestampTz::from_pg_micros(us)) == us);
        CHECK(from_proto<uvpg::Timestamp>(us) == uvpg::Timestamp::from_pg_micros(us));
        CHECK(from_proto<uvpg::TimestampTz>(us) == uvpg::TimestampTz::from_pg_micros(us));
    }
    CHECK(from_proto<uvpg::TimestampTz>(proto::kTimestampInfinity).is_infinity());

    const uvpg::Interval iv(14, -3, microseconds{14706789000});  // 1 year 2 mons -3 days +04:05:06.789
    CHECK(to_proto(iv) == proto::IntervalValue{14706789000, -3, 14});
    CHECK(from_proto<uvpg::Interval>(proto::IntervalValue{14706789000, -3, 14}) == iv);

    const auto u = uvpg::Uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    CHECK(to_proto(u) == u.bytes);
    CHECK(from_proto<uvpg::Uuid>(u.bytes) == u);

    for (const auto& inet : {uvpg::Inet::parse("2001:db8::/32", true), uvpg::Inet::parse("10.1.2.3/8")}) {
        const proto::InetValue p = to_proto(inet);
        CHECK((p.family == inet.family && p.prefix == inet.prefix && p.cidr == inet.cidr && p.addr == inet.addr));
        CHECK(from_proto<uvpg::Inet>(p) == inet);
    }

    const uvpg::MacAddr m{{8, 0, 0x2b, 1, 2, 3}};
    CHECK(to_proto(m) == m.bytes);
    CHECK(from_proto<uvpg::MacAddr>(m.bytes) == m);
    const uvpg::MacAddr8 m8{{8, 0, 0x2b, 1, 2, 3, 4, 5}};
    CHECK(to_proto(m8) == m8.bytes);
    CHECK(from_proto<uvpg::MacAddr8>(m8.bytes) == m8);
}
