// Integer parameters are typed by their C++ type, never by their value: against a real server,
// the expressions that a value-dependent type broke (smallint overflow, ambiguous overloads),
// pg_typeof of every C++ integer type, each type's limits, and an index on a smallint column
// that still serves a lookup by short, int and long.
#include "support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace uvpg_test;

namespace {

// The server's name for the type a parameter went as.
uvpg::Task<std::string> typeof_param(uvpg::Cursor& cur, uvpg::Param p) {
    std::vector<uvpg::Param> one;  // (not braced inside the co_await: g++ 12 cannot compile that)
    one.push_back(std::move(p));
    co_await cur.execute("SELECT pg_typeof(%s)::text", uvpg::Params::from(std::move(one)));
    co_return (*co_await cur.fetchone())[0].as<std::string>();
}

// `v` goes out and comes back unchanged: as T, as the server's text, and in the type expected.
template <class T>
uvpg::Task<void> limit_round_trip(uvpg::Cursor& cur, T v, std::string type) {
    CAPTURE(type);
    CAPTURE(std::to_string(v));
    co_await cur.execute("SELECT %s, %s::text, pg_typeof(%s)::text", {v, v, v});
    uvpg::Row row = *co_await cur.fetchone();
    if constexpr (sizeof(T) == 8 && std::is_unsigned_v<T>)
        CHECK(row[0].as<uvpg::Numeric>().text == std::to_string(v));  // numeric reads as Numeric
    else CHECK(row[0].as<T>() == v);
    CHECK(row[0].as<std::string>() == std::to_string(v));
    CHECK(row[1].as<std::string>() == std::to_string(v));
    CHECK(row[2].as<std::string>() == type);
}

template <class T>
uvpg::Task<void> limits(uvpg::Cursor& cur, std::string type) {
    co_await limit_round_trip(cur, std::numeric_limits<T>::min(), type);
    co_await limit_round_trip(cur, std::numeric_limits<T>::max(), type);
    co_await limit_round_trip(cur, T(1), type);  // a small value keeps the type of its C++ type
    co_await limit_round_trip(cur, T(0), type);
}

// The plan the server makes for `sql` with `p`, through the same extended path as an execute.
uvpg::Task<std::string> plan(uvpg::Cursor& cur, std::string sql, uvpg::Param p) {
    std::vector<uvpg::Param> one;
    one.push_back(std::move(p));
    co_await cur.execute("EXPLAIN " + sql, uvpg::Params::from(std::move(one)));
    std::string out;
    for (const auto& r : co_await cur.fetchall()) out += r[0].as<std::string>() + "\n";
    co_return out;
}

}  // namespace

TEST_CASE("integer parameters: arithmetic and overloads resolve as for integer literals") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        // Two int2 parameters made these smallint arithmetic, which overflowed.
        co_await cur.execute("SELECT %s + %s", {20000, 20000});
        CHECK((*co_await cur.fetchone())[0].as<long long>() == 40000);
        co_await cur.execute("SELECT %s * %s", {300, 300});
        CHECK((*co_await cur.fetchone())[0].as<long long>() == 90000);
        // generate_series(int2, int2) matches no function exactly and several by casts.
        co_await cur.execute("SELECT generate_series(%s, %s)", {1, 3});
        auto rows = co_await cur.fetchall();
        REQUIRE(rows.size() == 3);
        for (int i = 0; i < 3; ++i) CHECK(rows[static_cast<std::size_t>(i)][0].as<int>() == i + 1);
        co_await cur.callproc("generate_series", {1, 3});
        rows = co_await cur.fetchall();
        REQUIRE(rows.size() == 3);
        for (int i = 0; i < 3; ++i) CHECK(rows[static_cast<std::size_t>(i)][0].as<int>() == i + 1);
        // The result's type is the C++ type's, whatever the values: a statement's sets stay alike.
        co_await cur.execute("SELECT pg_typeof(%s + %s)::text", {1, 2});
        CHECK((*co_await cur.fetchone())[0].as<std::string>() == "integer");
        co_await cur.execute("SELECT pg_typeof(%s + %s)::text", {1LL, 2LL});
        CHECK((*co_await cur.fetchone())[0].as<std::string>() == "bigint");
    });
}

TEST_CASE("integer parameters: pg_typeof of every C++ integer type") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        struct Case {
            uvpg::Param p;
            const char* cpp;
            const char* pg;
        };
        const std::vector<Case> cases{
            {static_cast<signed char>(1), "signed char", "smallint"},
            {static_cast<unsigned char>(1), "unsigned char", "smallint"},
            {static_cast<short>(1), "short", "smallint"},
            {static_cast<unsigned short>(1), "unsigned short", "integer"},
            {1, "int", "integer"},
            {1u, "unsigned int", "bigint"},
            {1L, "long", "bigint"},
            {1UL, "unsigned long", "numeric"},
            {1LL, "long long", "bigint"},
            {1ULL, "unsigned long long", "numeric"},
            {std::int8_t(1), "int8_t", "smallint"},
            {std::int16_t(1), "int16_t", "smallint"},
            {std::int32_t(1), "int32_t", "integer"},
            {std::int64_t(1), "int64_t", "bigint"},
            {std::uint8_t(1), "uint8_t", "smallint"},
            {std::uint16_t(1), "uint16_t", "integer"},
            {std::uint32_t(1), "uint32_t", "bigint"},
            {std::uint64_t(1), "uint64_t", "numeric"},
            {true, "bool", "boolean"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.cpp);
            CHECK(co_await typeof_param(cur, c.p) == c.pg);
        }
    });
}

TEST_CASE("integer parameters: every type's limits round-trip exactly") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await limits<signed char>(cur, "smallint");
        co_await limits<unsigned char>(cur, "smallint");
        co_await limits<short>(cur, "smallint");
        co_await limits<unsigned short>(cur, "integer");
        co_await limits<int>(cur, "integer");
        co_await limits<unsigned int>(cur, "bigint");
        co_await limits<long>(cur, "bigint");
        co_await limits<unsigned long>(cur, "numeric");
        co_await limits<long long>(cur, "bigint");
        co_await limits<unsigned long long>(cur, "numeric");
        co_await limits<std::int8_t>(cur, "smallint");
        co_await limits<std::uint64_t>(cur, "numeric");
    });
}

TEST_CASE("integer parameters: arrays and ranges of integers take the element's C++ type") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        // (Built outside the co_await: g++ 12 cannot compile a braced list inside one.)
        const std::vector<short> shorts{1, 2};
        const std::vector<int> ints{1, 70000};
        const uvpg::Range<short> range(short(1), short(5));
        const std::vector<std::uint64_t> wide{0, std::numeric_limits<std::uint64_t>::max()};
        co_await cur.execute("SELECT pg_typeof(%s)::text, pg_typeof(%s)::text, pg_typeof(%s)::text, %s::text",
                             {shorts, ints, range, wide});
        auto row = *co_await cur.fetchone();
        CHECK(row[0].as<std::string>() == "smallint[]");
        CHECK(row[1].as<std::string>() == "integer[]");
        CHECK(row[2].as<std::string>() == "int4range");
        CHECK(row[3].as<std::string>() == "{0,18446744073709551615}");
    });
}

// EXPLAIN through the extended protocol plans the statement with the parameter's type, as the
// execute itself would. The table is large and ANALYZEd, and the values are unique, so that an
// equality lookup that can use the index is planned as an index scan on its own merit; no
// planner setting is forced.
TEST_CASE("integer parameters: WHERE smallint_col = %s still uses the index") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE small_keys (k smallint PRIMARY KEY, pad text)");
        co_await cur.execute("INSERT INTO small_keys SELECT g, repeat('x', 50) FROM generate_series(-30000, 30000) g");
        co_await cur.execute("ANALYZE small_keys");
        const std::string sql = "SELECT pad FROM small_keys WHERE k = %s";
        const std::vector<std::pair<const char*, uvpg::Param>> params{
            {"short", static_cast<short>(1234)}, {"int", 1234}, {"long long", 1234LL}};
        for (const auto& [name, p] : params) {
            CAPTURE(name);
            const std::string explained = co_await plan(cur, sql, p);
            CAPTURE(explained);
            CHECK(explained.find("Index") != std::string::npos);
            CHECK(explained.find("Seq Scan") == std::string::npos);
            std::vector<uvpg::Param> one;
            one.push_back(p);
            co_await cur.execute(sql, uvpg::Params::from(std::move(one)));
            CHECK((co_await cur.fetchall()).size() == 1);
        }
    });
}

// executemany groups runs of sets with the same parameter types under one statement: with the
// type taken from the C++ type, sets of ints share one whatever their values (the value-typed
// int2/int4 alternation made four runs, two statements, and 300 * 300 overflowed a smallint).
TEST_CASE("integer parameters: executemany sets of one C++ type share one statement") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE products (n int8)");
        co_await cur.execute("SELECT count(*) FROM pg_prepared_statements");
        const auto before = (*co_await cur.fetchone())[0].as<long long>();
        std::vector<uvpg::Params> sets;
        sets.emplace_back(300, 300);
        sets.emplace_back(1, 2);
        sets.emplace_back(100000, 3);
        sets.emplace_back(4, 5);
        co_await cur.executemany("INSERT INTO products VALUES (%s * %s)", std::move(sets));
        co_await cur.execute("SELECT count(*) FROM pg_prepared_statements");
        CHECK((*co_await cur.fetchone())[0].as<long long>() - before == 1);
        co_await cur.execute("SELECT array_agg(n ORDER BY n)::text FROM products");
        CHECK((*co_await cur.fetchone())[0].as<std::string>() == "{2,20,90000,300000}");
    });
}
