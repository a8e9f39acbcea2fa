// Every scalar type against a real server, which is the oracle: each value goes out as a
// parameter (binary), comes back as a binary result and is compared as a C++ value, against the
// server's own text output (`$1::text`), through a simple query's text result, and through the
// SQL literal mogrify writes for it.
#include "support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace uvpg_test;
using namespace std::chrono;

namespace {

// with_cursor, in a session whose TimeZone is UTC: timestamptz prints in the session's zone,
// and uvpg formats a binary one in UTC.
template <class F>
void with_utc_cursor(F body) {
    with_cursor([body](uvpg::Connection& conn, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("SET TimeZone = 'UTC'");
        co_await body(conn, cur);
    });
}

std::string sql_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

template <class T>
bool same(const T& a, const T& b) {
    if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(a) && std::isnan(b)) return true;
        return a == b && std::signbit(a) == std::signbit(b);
    } else {
        return a == b;
    }
}

// One value of type `type` (SQL), which the server prints as `text`.
template <class T>
uvpg::Task<void> round_trip(uvpg::Cursor& cur, T value, std::string type, std::string text, std::string output = "") {
    // `text` is the ::text cast; `output` what the output function prints, when they differ (bool).
    if (output.empty()) output = text;
    INFO("type ", type, ", server text ", text);
    // Parameter out in binary, result back in binary.
    co_await cur.execute("SELECT %s::" + type + ", (%s::" + type + ")::text", {value, value});
    uvpg::Row r = *co_await cur.fetchone();
    CHECK(r[0].is_binary());
    CHECK(same(r[0].as<T>(), value));
    CHECK(r[1].as<std::string>() == text);
    CHECK(r[0].as<std::string>() == output);
    // The server's text, read back through a simple query's text result.
    co_await cur.execute("SELECT " + sql_quote(text) + "::" + type);
    uvpg::Row t = *co_await cur.fetchone();
    CHECK_FALSE(t[0].is_binary());
    CHECK(same(t[0].as<T>(), value));
    // mogrify's literal means the same value to the server.
    std::string literal = cur.mogrify("%s", {value});
    co_await cur.execute("SELECT (" + literal + ")::" + type + "::text");
    uvpg::Row l = *co_await cur.fetchone();
    CHECK(l[0].as<std::string>() == text);
}

}  // namespace

TEST_CASE("integers: every width at its limits, and oid") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await round_trip(cur, std::int16_t(-32768), "int2", "-32768");
        co_await round_trip(cur, std::int16_t(32767), "int2", "32767");
        co_await round_trip(cur, std::int32_t(-2147483647 - 1), "int4", "-2147483648");
        co_await round_trip(cur, std::int32_t(2147483647), "int4", "2147483647");
        co_await round_trip(cur, std::numeric_limits<std::int64_t>::min(), "int8", "-9223372036854775808");
        co_await round_trip(cur, std::numeric_limits<std::int64_t>::max(), "int8", "9223372036854775807");
        co_await round_trip(cur, std::int64_t(0), "int8", "0");
        // An int8 read into a narrower integer only when it fits.
        co_await cur.execute("SELECT 70000::int8, 5::int8, 4294967295::oid");
        auto r = *co_await cur.fetchone();
        CHECK_THROWS_AS(r[0].as<std::int16_t>(), uvpg::DataError);
        CHECK(r[1].as<std::int16_t>() == 5);
        CHECK(r[2].as<std::uint32_t>() == 4294967295u);
        CHECK_THROWS_AS(r[2].as<std::int32_t>(), uvpg::DataError);
    });
}

TEST_CASE("float4 and float8: NaN, infinities, -0, extremes") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await round_trip(cur, 0.1, "float8", "0.1");
        co_await round_trip(cur, -0.0, "float8", "-0");
        co_await round_trip(cur, std::numeric_limits<double>::quiet_NaN(), "float8", "NaN");
        co_await round_trip(cur, std::numeric_limits<double>::infinity(), "float8", "Infinity");
        co_await round_trip(cur, -std::numeric_limits<double>::infinity(), "float8", "-Infinity");
        co_await round_trip(cur, 1.7976931348623157e308, "float8", "1.7976931348623157e+308");
        co_await round_trip(cur, 5e-324, "float8", "5e-324");
        co_await round_trip(cur, 0.1f, "float4", "0.1");
        co_await round_trip(cur, 3.4028235e38f, "float4", "3.4028235e+38");
        co_await round_trip(cur, -std::numeric_limits<float>::infinity(), "float4", "-Infinity");
        // float8 into float only when exact; numeric into double rounds, because it was asked.
        co_await cur.execute("SELECT 0.1::float8, 0.5::float8, 0.1::numeric, (2^53)::int8 + 1");
        auto r = *co_await cur.fetchone();
        CHECK_THROWS_AS(r[0].as<float>(), uvpg::DataError);
        CHECK(r[1].as<float>() == 0.5f);
        CHECK(r[2].as<double>() == 0.1);
        CHECK_THROWS_AS(r[3].as<double>(), uvpg::DataError);
    });
}

TEST_CASE("numeric: exact to 1000 digits, NaN and infinities, scale kept") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await round_trip(cur, uvpg::Numeric{"12.340"}, "numeric", "12.340");
        co_await round_trip(cur, uvpg::Numeric{"-0.000001"}, "numeric", "-0.000001");
        co_await round_trip(cur, uvpg::Numeric{"0"}, "numeric", "0");
        co_await round_trip(cur, uvpg::Numeric{"NaN"}, "numeric", "NaN");
        co_await round_trip(cur, uvpg::Numeric{"Infinity"}, "numeric", "Infinity");
        co_await round_trip(cur, uvpg::Numeric{"-Infinity"}, "numeric", "-Infinity");
        std::string big(1000, '9');
        co_await round_trip(cur, uvpg::Numeric{big}, "numeric", big);
        std::string tiny = "0." + std::string(999, '0') + "1";
        co_await round_trip(cur, uvpg::Numeric{tiny}, "numeric", tiny);
        std::string mixed = "-" + std::string(500, '7') + "." + std::string(500, '3');
        co_await round_trip(cur, uvpg::Numeric{mixed}, "numeric", mixed);
        co_await round_trip(cur, uvpg::Numeric{"10000"}, "numeric", "10000");
        // Past numeric_recv's 3000 base-10000 digits the value goes as text, still exact.
        std::string huge = "1" + std::string(13000, '0') + ".5";
        co_await cur.execute("SELECT %s::numeric = (%s::text)::numeric, length(%s::numeric::text)",
                             {uvpg::Numeric{huge}, huge, uvpg::Numeric{huge}});
        auto h = *co_await cur.fetchone();
        CHECK(h[0].as<bool>());
        CHECK(h[1].as<int>() == 13003);
        // An unsigned 64-bit value beyond int8 goes as numeric, exactly.
        co_await cur.execute("SELECT %s::text", {std::numeric_limits<std::uint64_t>::max()});
        CHECK((*co_await cur.fetchone())[0].as<std::string>() == "18446744073709551615");
    });
}

TEST_CASE("text types: unicode, the empty string, bpchar padding, \"char\", name") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await round_trip(cur, std::string("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x90\x98"), "text",
                            "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x90\x98");
        co_await round_trip(cur, std::string(), "text", "");
        co_await round_trip(cur, std::string("it's"), "varchar", "it's");
        co_await round_trip(cur, std::string("ab "), "char(3)", "ab", "ab ");  // ::text trims the padding
        co_await round_trip(cur, std::string("pg_class"), "name", "pg_class");
        co_await round_trip(cur, std::string("x"), "\"char\"", "x");
        co_await cur.execute("SELECT 'abc'::text");
        auto r = *co_await cur.fetchone();
        CHECK(r[0].as<std::string_view>() == "abc");
    });
}

TEST_CASE("bool, bytea with zero bytes, uuid, json and jsonb, xml") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await round_trip(cur, true, "bool", "true", "t");
        co_await round_trip(cur, false, "bool", "false", "f");
        uvpg::Bytes zeros{0, 0, 1, 0xff, 0};  // named: g++ 12 cannot build an initializer_list in co_await
        co_await round_trip(cur, zeros, "bytea", "\\x000001ff00");
        co_await round_trip(cur, uvpg::Bytes{}, "bytea", "\\x");
        co_await round_trip(cur, uvpg::Uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), "uuid",
                            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        co_await round_trip(cur, uvpg::Json{R"({"a": [1, 2.5, null]})"}, "json", R"({"a": [1, 2.5, null]})");
        co_await round_trip(cur, uvpg::Xml{"<a>x</a>"}, "xml", "<a>x</a>");
        // jsonb normalises; read back what the server made of it.
        uvpg::Json doc{R"({"b":1,  "a":"é"})"};
        co_await cur.execute("SELECT %s::jsonb, (%s::jsonb)::text", {doc, doc});
        auto r = *co_await cur.fetchone();
        CHECK(r[0].is_binary());
        CHECK(r[0].as<uvpg::Json>().text == r[1].as<std::string>());
        CHECK(r[0].as<uvpg::Json>().text == R"({"a": "é", "b": 1})");
    });
}

TEST_CASE("date: BC, far future, infinities, std::chrono") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await round_trip(cur, uvpg::Date(year{2024} / 2 / 29), "date", "2024-02-29");
        co_await round_trip(cur, uvpg::Date(year{2000} / 1 / 1), "date", "2000-01-01");
        co_await round_trip(cur, uvpg::Date(year{-4712} / 1 / 1), "date", "4713-01-01 BC");
        co_await round_trip(cur, uvpg::Date(year{-4713} / 11 / 24), "date", "4714-11-24 BC");  // the first day
        co_await round_trip(cur, uvpg::Date::from_pg_days(2145031948), "date", "5874897-12-31");
        co_await round_trip(cur, uvpg::Date::infinity(), "date", "infinity");
        co_await round_trip(cur, uvpg::Date::minus_infinity(), "date", "-infinity");
        co_await round_trip(cur, sys_days(year{1970} / 1 / 1), "date", "1970-01-01");
        co_await cur.execute("SELECT '1999-12-31'::date, 'infinity'::date");
        auto r = *co_await cur.fetchone();
        CHECK(r[0].as<year_month_day>() == year{1999} / 12 / 31);
        CHECK(r[0].as<sys_days>() == sys_days(year{1999} / 12 / 31));
        CHECK(r[0].as<uvpg::Timestamp>() == uvpg::Timestamp(local_days(year{1999} / 12 / 31)));
        CHECK_THROWS_AS(r[1].as<sys_days>(), uvpg::DataError);
    });
}

TEST_CASE("time, timetz, timestamp, timestamptz: microseconds, BC, 294276 AD, infinities") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await round_trip(cur, uvpg::Time(hours{12} + minutes{34} + seconds{56} + microseconds{789}), "time",
                            "12:34:56.000789");
        co_await round_trip(cur, uvpg::Time(hours{24}), "time", "24:00:00");
        co_await round_trip(cur, uvpg::TimeTz(hours{1} + minutes{2}, 5 * 3600 + 30 * 60), "timetz", "01:02:00+05:30");
        co_await round_trip(cur, uvpg::TimeTz(hours{23}, -8 * 3600), "timetz", "23:00:00-08");
        using TS = uvpg::Timestamp;
        using TSZ = uvpg::TimestampTz;
        co_await round_trip(cur, TS(local_days(year{2024} / 1 / 31) + hours{12} + microseconds{123456}), "timestamp",
                            "2024-01-31 12:00:00.123456");
        co_await round_trip(cur, TS(local_days(year{-4713} / 11 / 24)), "timestamp", "4714-11-24 00:00:00 BC");
        co_await round_trip(cur, TS::from_pg_micros(9223371331199999999LL), "timestamp",
                            "294276-12-31 23:59:59.999999");
        co_await round_trip(cur, TS::infinity(), "timestamp", "infinity");
        co_await round_trip(cur, TS::minus_infinity(), "timestamp", "-infinity");
        co_await round_trip(cur, TSZ(sys_days(year{1970} / 1 / 1)), "timestamptz", "1970-01-01 00:00:00+00");
        co_await round_trip(cur, TSZ(sys_days(year{2038} / 1 / 19) + hours{3} + microseconds{1}), "timestamptz",
                            "2038-01-19 03:00:00.000001+00");
        co_await round_trip(cur, TSZ::minus_infinity(), "timestamptz", "-infinity");
        // std::chrono time points go as timestamptz / timestamp, exactly.
        auto now = time_point_cast<microseconds>(system_clock::now());
        co_await cur.execute("SELECT %s::timestamptz", {now});
        CHECK((*co_await cur.fetchone())[0].as<uvpg::TimestampTz::sys_us>() == now);
        CHECK_THROWS_AS(uvpg::Param(sys_time<nanoseconds>(nanoseconds{1})), uvpg::DataError);
        // A zone other than UTC: the instant is the same.
        co_await cur.execute("SET TimeZone = 'Asia/Kolkata'");
        co_await cur.execute("SELECT '2024-01-01 05:30:00+05:30'::timestamptz");
        auto r = *co_await cur.fetchone();
        CHECK(r[0].as<TSZ>() == TSZ(sys_days(year{2024} / 1 / 1)));
        co_await cur.execute("SET TimeZone = 'UTC'");
    });
}

TEST_CASE("interval: months, days and time kept apart; std::chrono only when exact") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await round_trip(cur, uvpg::Interval(14, 3, hours{4} + minutes{5} + seconds{6} + microseconds{789000}),
                            "interval", "1 year 2 mons 3 days 04:05:06.789");
        co_await round_trip(cur, uvpg::Interval(0, -1, hours{2} + minutes{3}), "interval", "-1 days +02:03:00");
        co_await round_trip(cur, uvpg::Interval(), "interval", "00:00:00");
        co_await round_trip(cur, uvpg::Interval(0, 0, -seconds{1}), "interval", "-00:00:01");
        co_await cur.execute("SELECT %s::interval", {seconds{90}});
        CHECK((*co_await cur.fetchone())[0].as<microseconds>() == seconds{90});
        co_await cur.execute("SELECT '1 month'::interval, '2 days 1 second'::interval");
        auto r = *co_await cur.fetchone();
        CHECK_THROWS_AS(r[0].as<microseconds>(), uvpg::DataError);
        CHECK(r[1].as<microseconds>() == hours{48} + seconds{1});
    });
}

TEST_CASE("inet, cidr, macaddr, macaddr8, bit, varbit, money") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        // inet::text always shows the mask; the output function omits a full one.
        co_await round_trip(cur, uvpg::Inet::parse("192.168.0.1"), "inet", "192.168.0.1/32", "192.168.0.1");
        co_await round_trip(cur, uvpg::Inet::parse("10.1.2.3/8"), "inet", "10.1.2.3/8");
        co_await round_trip(cur, uvpg::Inet::parse("2001:db8::1"), "inet", "2001:db8::1/128", "2001:db8::1");
        co_await round_trip(cur, uvpg::Inet::parse("10.0.0.0/8", true), "cidr", "10.0.0.0/8");
        co_await round_trip(cur, uvpg::Inet::parse("2001:db8::/32", true), "cidr", "2001:db8::/32");
        uvpg::MacAddr mac{{0x08, 0x00, 0x2b, 0x01, 0x02, 0x03}};
        uvpg::MacAddr8 mac8{{0x08, 0x00, 0x2b, 0x01, 0x02, 0x03, 0x04, 0x05}};
        co_await round_trip(cur, mac, "macaddr", "08:00:2b:01:02:03");
        co_await round_trip(cur, mac8, "macaddr8", "08:00:2b:01:02:03:04:05");
        co_await round_trip(cur, uvpg::Bits{"10110"}, "varbit", "10110");
        co_await round_trip(cur, uvpg::Bits{"101"}, "bit(3)", "101");
        co_await round_trip(cur, uvpg::Bits{""}, "varbit", "");
        co_await cur.execute("SELECT %s::money, 12.34::money", {uvpg::Money{-123456}});
        auto r = *co_await cur.fetchone();
        CHECK(r[0].as<uvpg::Money>().minor_units == -123456);
        CHECK(r[1].as<uvpg::Money>().minor_units == 1234);
    });
}

TEST_CASE("wrong C++ type for a binary column: DataError naming column, PostgreSQL type and C++ type") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("SELECT %s::uuid AS u, %s::timestamptz AS t", {uvpg::Uuid{}, uvpg::TimestampTz{}});
        auto r = *co_await cur.fetchone();
        auto message = [&](auto f) -> std::string {
            try {
                f();
            } catch (const uvpg::DataError& e) {
                return e.what();
            }
            return "(no exception)";
        };
        CHECK(message([&] { r[0].as<int>(); }) == "cannot read column \"u\" (0, uuid) as int");
        CHECK(message([&] { r[1].as<uvpg::Date>(); }) == "cannot read column \"t\" (1, timestamptz) as uvpg::Date");
        CHECK(message([&] { r[0].as<std::string_view>(); }).find("read it as std::string") != std::string::npos);
    });
}

TEST_CASE("arrays: any dimension, NULL elements, empty, lower bounds, quoting") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        // Named: g++ 12 cannot build an initializer_list inside a co_await expression.
        std::vector<int> ints{1, -2, 2147483647};
        std::vector<int> none;
        std::vector<std::vector<std::optional<int>>> grid{{1, std::nullopt}, {3, 4}};
        std::vector<std::vector<std::vector<std::int16_t>>> cube{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}};
        std::vector<std::int64_t> bigs{std::numeric_limits<std::int64_t>::min(), 0};
        std::vector<double> doubles{0.5, -0.0, 1e300};
        std::vector<bool> bools{true, false};
        std::vector<std::string> words{"a b", "", "NULL", "x\"y", "back\\slash", "{}", "caf\xc3\xa9"};
        std::vector<std::optional<std::string>> holes{"a", std::nullopt};
        std::vector<uvpg::Numeric> numerics{uvpg::Numeric{"1.50"}, uvpg::Numeric{"NaN"}};
        std::vector<uvpg::Date> dates{uvpg::Date(year{2024} / 1 / 31), uvpg::Date::infinity()};
        std::vector<uvpg::Uuid> uuids{uvpg::Uuid::parse("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")};
        std::vector<uvpg::Bytes> blobs{uvpg::Bytes{0, 1}, uvpg::Bytes{}};
        co_await round_trip(cur, ints, "int4[]", "{1,-2,2147483647}");
        co_await round_trip(cur, none, "int4[]", "{}");
        co_await round_trip(cur, grid, "int4[]", "{{1,NULL},{3,4}}");
        co_await round_trip(cur, cube, "int2[]", "{{{1,2},{3,4}},{{5,6},{7,8}}}");
        co_await round_trip(cur, bigs, "int8[]", "{-9223372036854775808,0}");
        co_await round_trip(cur, doubles, "float8[]", "{0.5,-0,1e+300}");
        co_await round_trip(cur, bools, "bool[]", "{t,f}");
        co_await round_trip(cur, words, "text[]",
                            "{\"a b\",\"\",\"NULL\",\"x\\\"y\",\"back\\\\slash\",\"{}\",caf\xc3\xa9}");
        co_await round_trip(cur, holes, "varchar[]", "{a,NULL}");
        co_await round_trip(cur, numerics, "numeric[]", "{1.50,NaN}");
        co_await round_trip(cur, dates, "date[]", "{2024-01-31,infinity}");
        co_await round_trip(cur, uuids, "uuid[]", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}");
        co_await round_trip(cur, blobs, "bytea[]", "{\"\\\\x0001\",\"\\\\x\"}");
        // NULL-filled and empty multi-dimensional arrays.
        std::vector<std::vector<std::optional<std::string>>> nulls{{std::nullopt, std::nullopt},
                                                                   {std::nullopt, std::nullopt}};
        co_await round_trip(cur, nulls, "text[]", "{{NULL,NULL},{NULL,NULL}}");
        std::vector<std::vector<int>> hollow{{}, {}};
        co_await cur.execute("SELECT %s::int4[]", {hollow});
        CHECK((*co_await cur.fetchone())[0].as<std::string>() == "{}");
        // Lower bounds other than 1, through uvpg::Array.
        uvpg::Array<int> shifted({2, 2}, {1, 2, 3, 4}, {0, -3});
        co_await round_trip(cur, shifted, "int4[]", "[0:1][-3:-2]={{1,2},{3,4}}");
        // An array of a different shape than asked for, and a NULL element into a plain type.
        co_await cur.execute("SELECT ARRAY[[1,2],[3,4]], ARRAY[1,NULL]");
        auto r = *co_await cur.fetchone();
        CHECK_THROWS_AS(r[0].as<std::vector<int>>(), uvpg::DataError);
        CHECK(r[0].as<std::vector<std::vector<int>>>() == std::vector<std::vector<int>>{{1, 2}, {3, 4}});
        CHECK_THROWS_AS(r[1].as<std::vector<int>>(), uvpg::DataError);
        CHECK(r[1].as<std::string>() == "{1,NULL}");
        // A ragged vector is refused before anything is sent.
        std::vector<std::vector<int>> ragged{{1, 2}, {3}};
        CHECK_THROWS_AS(uvpg::Param{ragged}, uvpg::DataError);
        // Strings go as an untyped literal, so the server types them from context.
        std::vector<std::string> ids{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"};
        co_await cur.execute("SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid = ANY(%s)", {ids});
        CHECK((*co_await cur.fetchone())[0].as<bool>());
    });
}

TEST_CASE("ranges and multiranges: bounds, infinity, empty, canonical forms") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        using R = uvpg::Range<int>;
        co_await round_trip(cur, R(1, 5), "int4range", "[1,5)");
        co_await round_trip(cur, R(std::nullopt, 10), "int4range", "(,10)");
        co_await round_trip(cur, R(3, std::nullopt), "int4range", "[3,)");
        co_await round_trip(cur, R(), "int4range", "empty");
        co_await round_trip(cur, uvpg::Range<std::int64_t>(-5, 5), "int8range", "[-5,5)");
        co_await round_trip(cur, uvpg::Range<uvpg::Numeric>(uvpg::Numeric{"1.5"}, uvpg::Numeric{"2.25"}, false, true),
                            "numrange", "(1.5,2.25]");
        uvpg::TimestampTz a(sys_days(year{2024} / 1 / 1)), b(sys_days(year{2024} / 2 / 1));
        co_await round_trip(cur, uvpg::Range<uvpg::TimestampTz>(a, b), "tstzrange",
                            "[\"2024-01-01 00:00:00+00\",\"2024-02-01 00:00:00+00\")");
        co_await round_trip(cur, uvpg::Range<uvpg::Date>(uvpg::Date(year{2024} / 1 / 1), std::nullopt), "daterange",
                            "[2024-01-01,)");
        std::vector<R> parts{R(1, 3), R(5, 7)};
        co_await round_trip(cur, uvpg::Multirange<int>(parts), "int4multirange", "{[1,3),[5,7)}");
        co_await round_trip(cur, uvpg::Multirange<int>(), "int4multirange", "{}");
        // The server canonicalises a discrete range; read what it made.
        co_await cur.execute("SELECT '[1,5]'::int4range, '(1,5]'::int4range");
        auto r = *co_await cur.fetchone();
        CHECK(r[0].as<R>() == R(1, 6));
        CHECK(r[1].as<R>() == R(2, 6));
        CHECK_THROWS_AS(r[0].as<uvpg::Range<uvpg::Date>>(), uvpg::DataError);
        CHECK_THROWS_AS(r[0].as<std::vector<int>>(), uvpg::DataError);
    });
}

TEST_CASE("records: ROW() values as uvpg::Record and std::tuple, nested, NULL fields") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        // With a parameter the statement is prepared, so the record comes back binary and typed.
        co_await cur.execute(
            "SELECT ROW(%s::int4, 'two'::text, NULL::date, ROW(1.5::float8, true)), "
            "ARRAY[ROW(1, 'a'), ROW(2, 'b')]",
            {1});
        auto r = *co_await cur.fetchone();
        CHECK(r[0].is_binary());
        uvpg::Record rec = r[0].as<uvpg::Record>();
        REQUIRE(rec.size() == 4);
        CHECK(rec[0].as<int>() == 1);
        CHECK(rec[1].as<std::string>() == "two");
        CHECK(rec[2].as<std::optional<uvpg::Date>>() == std::nullopt);
        auto inner = rec[3].as<std::tuple<double, bool>>();
        CHECK(inner == std::tuple<double, bool>(1.5, true));
        using Row4 = std::tuple<int, std::string, std::optional<uvpg::Date>, uvpg::Record>;
        CHECK(std::get<1>(r[0].as<Row4>()) == "two");
        CHECK_THROWS_AS((r[0].as<std::tuple<int, std::string>>()), uvpg::DataError);
        CHECK_THROWS_AS(rec[4], uvpg::ProgrammingError);
        CHECK(r[0].as<std::string>() == "(1,two,,\"(1.5,t)\")");
        auto pairs = r[1].as<std::vector<std::tuple<int, std::string>>>();
        REQUIRE(pairs.size() == 2);
        CHECK(pairs[1] == std::tuple<int, std::string>(2, "b"));
        // A simple query's record is text: its fields read as strings.
        co_await cur.execute("SELECT ROW(1, 'x y', NULL)");
        auto t = *co_await cur.fetchone();
        CHECK_FALSE(t[0].is_binary());
        auto fields = t[0].as<std::tuple<std::string, std::string, std::optional<std::string>>>();
        CHECK(fields == std::tuple<std::string, std::string, std::optional<std::string>>("1", "x y", std::nullopt));
    });
}

TEST_CASE("register_type: enum, composite, domain and hstore, read in binary afterwards") {
    with_utc_cursor([](uvpg::Connection& conn, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE dummy ()");  // a temp schema for the types below
        co_await cur.execute("CREATE TYPE pg_temp.mood AS ENUM ('sad', 'ok', 'happy')");
        co_await cur.execute("CREATE TYPE pg_temp.pair AS (a int4, b text, c date)");
        co_await cur.execute("CREATE DOMAIN pg_temp.posint AS int4 CHECK (VALUE > 0)");
        co_await cur.execute("CREATE EXTENSION IF NOT EXISTS hstore");
        // Before: text, readable as text only.
        co_await cur.execute("SELECT 'ok'::pg_temp.mood, ROW(1, 'x', NULL)::pg_temp.pair, %s::pg_temp.posint", {5});
        auto before = *co_await cur.fetchone();
        CHECK_FALSE(before[0].is_binary());
        CHECK(before[0].as<std::string>() == "ok");
        CHECK(before[2].as<int>() == 5);
        for (const char* t : {"pg_temp.mood", "pg_temp.pair", "pg_temp.posint", "hstore"})
            co_await conn.register_type(t);
        // After: binary and typed.
        uvpg::Hstore h{{"a", "1"}, {"b", std::nullopt}, {"key with \"quotes\"", "x=>y"}};
        co_await cur.execute(
            "SELECT 'ok'::pg_temp.mood, ROW(1, 'x', NULL)::pg_temp.pair, %s::pg_temp.posint, "
            "ARRAY['sad', 'happy']::pg_temp.mood[], %s::hstore, ARRAY[ROW(2, 'y', '2024-01-01')::pg_temp.pair]",
            {5, h});
        auto r = *co_await cur.fetchone();
        CHECK(r[0].is_binary());
        CHECK(r[0].as<std::string>() == "ok");
        CHECK(r[0].as<std::string_view>() == "ok");
        CHECK(r[1].is_binary());
        auto pair = r[1].as<std::tuple<int, std::string, std::optional<uvpg::Date>>>();
        CHECK(pair == std::tuple<int, std::string, std::optional<uvpg::Date>>(1, "x", std::nullopt));
        CHECK(r[1].as<uvpg::Record>()[1].name() == "row.b");
        CHECK(r[1].as<std::string>() == "(1,x,)");
        CHECK(r[2].as<int>() == 5);
        CHECK(r[3].as<std::vector<std::string>>() == std::vector<std::string>{"sad", "happy"});
        CHECK(r[3].as<std::string>() == "{sad,happy}");
        CHECK(r[4].as<uvpg::Hstore>() == h);
        auto pairs = r[5].as<std::vector<std::tuple<int, std::string, uvpg::Date>>>();
        REQUIRE(pairs.size() == 1);
        CHECK(std::get<2>(pairs[0]) == uvpg::Date(year{2024} / 1 / 1));
        // A std::tuple goes as a composite's text, cast in the SQL.
        std::tuple<int, std::string, std::optional<uvpg::Date>> sent{7, "it's, \"quoted\"",
                                                                     uvpg::Date(year{1999} / 12 / 31)};
        co_await cur.execute("SELECT %s::pg_temp.pair", {sent});
        CHECK((*co_await cur.fetchone())[0].as<std::tuple<int, std::string, std::optional<uvpg::Date>>>() == sent);
        // A registered composite's text form (a simple query) reads with its field types too.
        co_await cur.execute("SELECT ROW(3, 'z', '2000-01-02')::pg_temp.pair");
        auto t = *co_await cur.fetchone();
        CHECK_FALSE(t[0].is_binary());
        CHECK(std::get<2>(t[0].as<std::tuple<int, std::string, uvpg::Date>>()) == uvpg::Date::from_pg_days(1));
        // Unknown names are the server's error; hstore without registration is a clear DataError.
        bool undefined = false;
        try {
            co_await conn.register_type("no_such_type");
        } catch (const uvpg::errors::UndefinedObject&) {
            undefined = true;
        }
        CHECK(undefined);
        auto other = co_await uvpg::connect(dsn());
        auto c2 = co_await other.cursor();
        co_await c2.execute("SELECT 'a=>1'::hstore");
        auto plain = *co_await c2.fetchone();
        CHECK_THROWS_AS(plain[0].as<uvpg::Hstore>(), uvpg::DataError);
        CHECK(plain[0].as<std::string>() == "\"a\"=>\"1\"");
    });
}

TEST_CASE("description: real type OIDs, sizes, precision and scale from the type modifiers") {
    with_utc_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute(
            "CREATE TEMP TABLE described (n numeric(10, 2), v varchar(20), c char(3), b bit(5), "
            "t timestamptz(3), i interval second(2), d date, x int8[], u uuid)");
        co_await cur.execute("SELECT * FROM described WHERE %s", {true});
        const auto& d = cur.description();
        REQUIRE(d.size() == 9);
        CHECK((d[0].type_code == 1700 && d[0].precision == 10 && d[0].scale == 2));
        CHECK((d[1].type_code == 1043 && d[1].internal_size == 20));
        CHECK((d[2].type_code == 1042 && d[2].internal_size == 3));
        CHECK((d[3].type_code == 1560 && d[3].internal_size == 5));
        CHECK((d[4].type_code == 1184 && d[4].precision == 3 && d[4].internal_size == 8));
        CHECK((d[5].type_code == 1186 && d[5].precision == 2));
        CHECK((d[6].type_code == 1082 && d[6].internal_size == 4 && d[6].precision == std::nullopt));
        CHECK((d[7].type_code == 1016 && d[7].internal_size == std::nullopt));
        CHECK((d[8].type_code == 2950 && d[8].internal_size == 16));
        CHECK(d[8].format == 1);  // read in binary
        co_return;
    });
}
