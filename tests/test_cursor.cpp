// Cursor against a real PostgreSQL: statements, parameters, values, results, errors.
#include "support.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

using namespace uvpg_test;

TEST_CASE("the seed example: connect, cursor, execute, fetchall") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE tbl (id int, name text)");
        co_await cur.execute("INSERT INTO tbl VALUES (1, 'one'), (2, 'two')");
        CHECK(cur.rowcount() == 2);
        CHECK(cur.statusmessage() == "INSERT 0 2");
        co_await cur.execute("SELECT * FROM tbl ORDER BY id");
        std::vector<uvpg::Row> ret = co_await cur.fetchall();
        REQUIRE(ret.size() == 2);
        CHECK(ret[0][0].as<int>() == 1);
        CHECK(ret[0]["name"].as<std::string>() == "one");
        CHECK(ret[1]["name"].as<std::string>() == "two");
        CHECK(cur.rowcount() == 2);
        const auto& d = cur.description();
        REQUIRE(d.size() == 2);
        CHECK(d[0].name == "id");
        CHECK(d[0].type_code == 23);
        CHECK(d[0].internal_size == 4);
        CHECK(d[1].name == "name");
        CHECK(d[1].type_code == 25);
    });
}

TEST_CASE("SELECT 1 through fetchone, as the README's pool example reads it") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("SELECT 1");
        std::optional<uvpg::Row> ret = co_await cur.fetchone();
        REQUIRE(ret);
        CHECK((*ret)[0].as<int>() == 1);
        CHECK_FALSE(co_await cur.fetchone());
    });
}

TEST_CASE("parameters: %s, %(name)s, $n and NULL, as the README spells them") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("SELECT %s, %s", {42, "text"});
        auto r = co_await cur.fetchone();
        CHECK((*r)[0].as<int>() == 42);
        CHECK((*r)[1].as<std::string>() == "text");
        CHECK(cur.query() == "SELECT $1, $2");

        co_await cur.execute("SELECT %(id)s, %(id)s + 1", {{"id", 42}});
        r = co_await cur.fetchone();
        CHECK((*r)[0].as<long long>() == 42);
        CHECK((*r)[1].as<long long>() == 43);

        co_await cur.execute("SELECT $1::int", {std::nullopt});
        r = co_await cur.fetchone();
        CHECK((*r)[0].is_null());
        CHECK((*r)[0].as<std::optional<int>>() == std::nullopt);
        CHECK_THROWS_AS((*r)[0].as<int>(), uvpg::DataError);

        co_await cur.execute("SELECT $2::text || $1::text", {"a", "b"});
        r = co_await cur.fetchone();
        CHECK((*r)[0].as<std::string>() == "ba");

        co_await cur.execute("SELECT '100%%' || %s", {"!"});
        r = co_await cur.fetchone();
        CHECK((*r)[0].as<std::string>() == "100%!");

        // Parameters are bound, never spliced: quotes stay data.
        co_await cur.execute("SELECT %s", {"it's; DROP TABLE x; --"});
        r = co_await cur.fetchone();
        CHECK((*r)[0].as<std::string>() == "it's; DROP TABLE x; --");
    });
}

TEST_CASE("a parameter count or name that does not match is a ProgrammingError before anything is sent") {
    with_cursor([](uvpg::Connection& conn, uvpg::Cursor& cur) -> uvpg::Task<void> {
        CHECK_THROWS_AS(co_await cur.execute("SELECT %s, %s", {1}), uvpg::ProgrammingError);
        CHECK_THROWS_AS(co_await cur.execute("SELECT %s", {1, 2}), uvpg::ProgrammingError);
        CHECK_THROWS_AS(co_await cur.execute("SELECT %(a)s", {{"b", 1}}), uvpg::ProgrammingError);
        CHECK_THROWS_AS(co_await cur.execute("SELECT %(a)s", {1}), uvpg::ProgrammingError);
        CHECK_THROWS_AS(co_await cur.execute("SELECT %s", {{"a", 1}}), uvpg::ProgrammingError);
        CHECK_THROWS_AS(co_await cur.execute("SELECT %s, %(a)s", {1}), uvpg::ProgrammingError);
        CHECK_THROWS_AS(co_await cur.execute("SELECT %d", {1}), uvpg::ProgrammingError);
        CHECK_THROWS_AS(co_await cur.execute("SELECT $1, $2", {1}), uvpg::ProgrammingError);
        CHECK_THROWS_AS(co_await cur.execute("SELECT 1", {1}), uvpg::ProgrammingError);
        // A dict may hold names the query does not use, as in psycopg2.
        co_await cur.execute("SELECT %(a)s::int", {{"a", 1}, {"unused", 2}});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 1);
        co_await cur.execute("SELECT 5", {{"unused", 2}});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 5);
        // Nothing reached the server: no error state, and the connection is idle and usable.
        CHECK(conn.transaction_status() == uvpg::TransactionStatus::idle);
        co_await cur.execute("SELECT 2");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 2);
    });
}

TEST_CASE("values: bool, int2/4/8, float4/8, numeric, text types, bytea, json, NULL round trip") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        uvpg::Bytes blob{0x00, 0x01, 0x7f, 0x80, 0xff, '\\', '\''};
        co_await cur.execute(
            "SELECT %s::bool, %s::int2, %s::int4, %s::int8, %s::float4, %s::float8, %s::numeric, "
            "%s::text, %s::varchar, %s::name, %s::char(3), %s::bytea, %s::json, %s::jsonb, %s::int",
            {true, std::int16_t(-32768), 2147483647, std::int64_t(-9223372036854775807LL - 1), 1.5f, 0.1,
             uvpg::Numeric{"12345678901234567890.000000000000000001"}, "héllo", "v", "n", "abc", blob,
             uvpg::Json{R"({"a": [1, 2]})"}, uvpg::Json{R"({"b": null})"}, std::nullopt});
        auto r = *co_await cur.fetchone();
        CHECK(r[0].as<bool>() == true);
        CHECK(r[1].as<std::int16_t>() == -32768);
        CHECK(r[2].as<int>() == 2147483647);
        CHECK(r[3].as<std::int64_t>() == -9223372036854775807LL - 1);
        CHECK(r[4].as<float>() == 1.5f);
        CHECK(r[5].as<double>() == 0.1);
        CHECK(r[6].as<uvpg::Numeric>().text == "12345678901234567890.000000000000000001");
        CHECK(r[7].as<std::string>() == "héllo");
        CHECK(r[8].as<std::string>() == "v");
        CHECK(r[9].as<std::string>() == "n");
        CHECK(r[10].as<std::string>() == "abc");
        CHECK(r[11].as<uvpg::Bytes>() == blob);
        CHECK(r[12].as<uvpg::Json>().text == R"({"a": [1, 2]})");
        CHECK(r[13].as<uvpg::Json>().text == R"({"b": null})");
        CHECK(r[14].as<std::optional<int>>() == std::nullopt);
        CHECK(r.size() == 15);
        int n = 0;
        for (auto v : r) {
            (void)v;
            ++n;
        }
        CHECK(n == 15);
        // Special floats and a parameter without a cast (the server infers its type).
        co_await cur.execute("SELECT 'NaN'::float8, '-Infinity'::float8, %s + 1", {41});
        r = *co_await cur.fetchone();
        CHECK(std::isnan(r[0].as<double>()));
        CHECK(r[1].as<double>() == -std::numeric_limits<double>::infinity());
        CHECK(r[2].as<int>() == 42);
    });
}

TEST_CASE("the wrong C++ type asked of a value is a DataError naming the column") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("SELECT 'abc'::text AS word, 70000::int4 AS big, NULL::int AS nothing");
        auto r = *co_await cur.fetchone();
        try {
            (void)r["word"].as<int>();
            FAIL("no DataError");
        } catch (const uvpg::DataError& e) {
            CHECK(std::string(e.what()).find("word") != std::string::npos);
        }
        CHECK_THROWS_AS(r["big"].as<std::int16_t>(), uvpg::DataError);  // out of range
        CHECK_THROWS_AS(r["big"].as<bool>(), uvpg::DataError);
        CHECK_THROWS_AS(r["nothing"].as<int>(), uvpg::DataError);
        CHECK_THROWS_AS(r["nothing"].as<std::string>(), uvpg::DataError);
        CHECK(r["big"].as<std::string>() == "70000");  // every type reads as its text
        CHECK_THROWS_AS(r[3], uvpg::ProgrammingError);
        CHECK_THROWS_AS(r["missing"], uvpg::ProgrammingError);
    });
}

TEST_CASE("several statements in one execute keep the last result, as psycopg2") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("SELECT 1; SELECT 2, 3");
        auto rows = co_await cur.fetchall();
        REQUIRE(rows.size() == 1);
        CHECK(rows[0][0].as<int>() == 2);
        CHECK(rows[0][1].as<int>() == 3);
        co_await cur.execute("SELECT 1; CREATE TEMP TABLE t_multi (a int)");
        CHECK(cur.description().empty());
        CHECK(cur.statusmessage() == "CREATE TABLE");
        CHECK_THROWS_AS(co_await cur.fetchone(), uvpg::ProgrammingError);
        co_await cur.execute("");
        CHECK(cur.description().empty());
    });
}

TEST_CASE("SQL errors raise the uvpg::errors class and the connection still works") {
    with_cursor([](uvpg::Connection& conn, uvpg::Cursor& cur) -> uvpg::Task<void> {
        CHECK_THROWS_AS(co_await cur.execute("SELECT * FROM no_such_table"), uvpg::errors::UndefinedTable);
        CHECK_THROWS_AS(co_await cur.execute("SELECT 1/0"), uvpg::errors::DivisionByZero);
        CHECK_THROWS_AS(co_await cur.execute("SELEC 1"), uvpg::errors::SyntaxError);
        CHECK_THROWS_AS(co_await cur.execute("SELECT %s::int", {"x"}), uvpg::DataError);
        co_await cur.execute("CREATE TEMP TABLE u (id int CONSTRAINT u_pk PRIMARY KEY)");
        co_await cur.execute("INSERT INTO u VALUES (1)");
        try {
            co_await cur.execute("INSERT INTO u VALUES (%s)", {1});
            FAIL("no error");
        } catch (const uvpg::errors::UniqueViolation& e) {
            CHECK(e.pgcode() == "23505");
            CHECK(e.diag().constraint_name == "u_pk");
            CHECK(e.diag().table_name == "u");
            CHECK(e.diag().severity == "ERROR");
            CHECK(e.diag().message_detail.find("(id)=(1)") != std::string::npos);
            CHECK(std::string(e.what()).find("duplicate key value") != std::string::npos);
            CHECK(dynamic_cast<const uvpg::IntegrityError*>(&e));
        }
        CHECK(cur.rowcount() == -1);
        CHECK(conn.transaction_status() == uvpg::TransactionStatus::idle);
        co_await cur.execute("SELECT 4");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 4);
    });
}

TEST_CASE("an error inside a transaction: InFailedSqlTransaction until ROLLBACK") {
    with_cursor([](uvpg::Connection& conn, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("BEGIN");
        CHECK(conn.transaction_status() == uvpg::TransactionStatus::intrans);
        CHECK_THROWS_AS(co_await cur.execute("SELECT 1/0"), uvpg::DataError);
        CHECK(conn.transaction_status() == uvpg::TransactionStatus::inerror);
        CHECK_THROWS_AS(co_await cur.execute("SELECT 1"), uvpg::errors::InFailedSqlTransaction);
        co_await cur.execute("ROLLBACK");
        CHECK(conn.transaction_status() == uvpg::TransactionStatus::idle);
    });
}

TEST_CASE("a result packed over many chunks reads the same in order, in batches and after scrolls") {
    // 20,000 rows of varying width (some NULL), with two rows far larger than a chunk: in
    // narrow (no column directory) and wide (directory) layouts.
    for (int wide : {0, 1}) {
        with_cursor([wide](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
            std::string sql =
                "SELECT i, CASE WHEN i % 7 = 0 THEN NULL WHEN i IN (5000, 15000) THEN repeat('y', 3000000) "
                "ELSE repeat('x', i % 300) END";
            if (wide) sql += ", 1, 2, 3, 4, 5, 6, 7, 8, i";
            sql += " FROM generate_series(1, 20000) i";
            co_await cur.execute(sql);
            CHECK(cur.rowcount() == 20000);
            auto check_row = [wide](const uvpg::Row& r, int i) {
                REQUIRE(r[0].as<int>() == i);
                if (i % 7 == 0) CHECK(r[1].is_null());
                else
                    CHECK(r[1].as<std::string_view>().size() ==
                          (i == 5000 || i == 15000 ? 3000000u : static_cast<std::size_t>(i % 300)));
                if (wide) CHECK(r[10].as<int>() == i);
            };
            int expect = 1;
            cur.arraysize = 777;
            for (;;) {
                std::vector<uvpg::Row> batch = co_await cur.fetchmany();
                if (batch.empty()) break;
                for (const auto& r : batch) check_row(r, expect++);
            }
            CHECK(expect == 20001);
            co_await cur.scroll(12345, uvpg::ScrollMode::absolute);
            check_row(*co_await cur.fetchone(), 12346);
            co_await cur.scroll(-10000);
            check_row(*co_await cur.fetchone(), 2347);
            std::vector<uvpg::Row> rest = co_await cur.fetchall();
            REQUIRE(rest.size() == 20000 - 2347);
            for (std::size_t k = 0; k < rest.size(); ++k) check_row(rest[k], 2348 + static_cast<int>(k));
        });
    }
}

TEST_CASE("rowcount, fetchmany, arraysize, scroll and rownumber") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        CHECK(cur.rowcount() == -1);
        CHECK_FALSE(cur.rownumber().has_value());
        co_await cur.execute("SELECT generate_series(1, 10)");
        CHECK(cur.rowcount() == 10);
        CHECK(cur.rownumber() == 0u);
        auto one = co_await cur.fetchmany();  // arraysize = 1
        REQUIRE(one.size() == 1);
        CHECK(one[0][0].as<int>() == 1);
        cur.arraysize = 3;
        auto three = co_await cur.fetchmany();
        REQUIRE(three.size() == 3);
        CHECK(three[2][0].as<int>() == 4);
        CHECK(cur.rownumber() == 4u);
        co_await cur.scroll(2);
        CHECK((*co_await cur.fetchone())[0].as<int>() == 7);
        co_await cur.scroll(0, uvpg::ScrollMode::absolute);
        CHECK((*co_await cur.fetchone())[0].as<int>() == 1);
        CHECK_THROWS_AS(co_await cur.scroll(-5), uvpg::ProgrammingError);
        CHECK_THROWS_AS(co_await cur.scroll(10, uvpg::ScrollMode::absolute), uvpg::ProgrammingError);
        auto rest = co_await cur.fetchmany(100);
        CHECK(rest.size() == 9);
        CHECK((co_await cur.fetchall()).empty());
        co_await cur.execute("CREATE TEMP TABLE rc (a int)");
        co_await cur.execute("INSERT INTO rc SELECT generate_series(1, 5)");
        CHECK(cur.rowcount() == 5);
        co_await cur.execute("UPDATE rc SET a = a + 1 WHERE a > 2");
        CHECK(cur.rowcount() == 3);
        co_await cur.execute("DELETE FROM rc");
        CHECK(cur.rowcount() == 5);
    });
}

TEST_CASE("executemany, callproc and mogrify") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE em (a int, b text)");
        // A named vector: g++ 12 cannot compile an initializer_list temporary inside co_await.
        std::vector<uvpg::Params> rows{{1, "x"}, {2, "y"}, {3, std::nullopt}};
        co_await cur.executemany("INSERT INTO em VALUES (%s, %s)", std::move(rows));
        CHECK(cur.rowcount() == 3);
        co_await cur.execute("SELECT count(*), count(b) FROM em");
        auto r = *co_await cur.fetchone();
        CHECK(r[0].as<int>() == 3);
        CHECK(r[1].as<int>() == 2);

        co_await cur.execute("CREATE FUNCTION pg_temp.add(a int, b int) RETURNS int LANGUAGE sql AS 'SELECT a + b'");
        co_await cur.callproc("pg_temp.add", {2, 3});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 5);
        co_await cur.callproc("pg_temp.add", {{"b", 10}, {"a", 1}});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 11);

        CHECK(cur.mogrify("SELECT %s, %s, %s", {1, "it's", std::nullopt}) == "SELECT 1, 'it''s', NULL");
        CHECK(cur.mogrify("SELECT %(x)s", {{"x", true}}) == "SELECT true");
        CHECK(cur.mogrify("SELECT 1") == "SELECT 1");
        CHECK_THROWS_AS(cur.mogrify("SELECT %s", {1, 2}), uvpg::ProgrammingError);
    });
}

TEST_CASE("a large result, and execute() refusing COPY without losing the connection") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("SELECT i, repeat('x', i % 100) FROM generate_series(1, 20000) i");
        auto rows = co_await cur.fetchall();
        REQUIRE(rows.size() == 20000);
        CHECK(rows[19999][0].as<int>() == 20000);
        CHECK(rows[19999][1].as<std::string>().size() == 0);
        CHECK(rows[98][1].as<std::string>().size() == 99);
        CHECK_THROWS_AS(co_await cur.execute("COPY (SELECT 1) TO STDOUT"), uvpg::ProgrammingError);
        co_await cur.execute("CREATE TEMP TABLE cp (a int)");
        CHECK_THROWS_AS(co_await cur.execute("COPY cp FROM STDIN"), uvpg::ProgrammingError);
        co_await cur.execute("SELECT 9");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 9);
    });
}

TEST_CASE("a closed cursor is an InterfaceError; a second execute at once is refused") {
    with_cursor([](uvpg::Connection& conn, uvpg::Cursor& cur) -> uvpg::Task<void> {
        auto first = cur.execute("SELECT pg_sleep(0.05)");
        auto second = cur.execute("SELECT 1");
        auto [a, b] = co_await uvpg::gather(
            [](uvpg::Task<void> t) -> uvpg::Task<bool> {
                co_await std::move(t);
                co_return true;
            }(std::move(first)),
            [](uvpg::Task<void> t) -> uvpg::Task<bool> {
                try {
                    co_await std::move(t);
                } catch (const uvpg::InterfaceError&) {
                    co_return false;
                }
                co_return true;
            }(std::move(second)));
        CHECK(a);
        CHECK_FALSE(b);
        cur.close();
        CHECK(cur.closed());
        CHECK_THROWS_AS(co_await cur.execute("SELECT 1"), uvpg::InterfaceError);
        CHECK_THROWS_AS(co_await cur.fetchone(), uvpg::InterfaceError);
        CHECK_THROWS_AS(cur.description(), uvpg::InterfaceError);
        CHECK_THROWS_AS(cur.mogrify("SELECT 1"), uvpg::InterfaceError);
        cur.close();
        // The connection is unaffected.
        auto cur2 = co_await conn.cursor();
        co_await cur2.execute("SELECT 3");
        CHECK((*co_await cur2.fetchone())[0].as<int>() == 3);
        CHECK(cur2.connection().backend_pid() == conn.backend_pid());
    });
}

TEST_CASE("pgerror() reads as psql prints it, with the position marked") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        try {
            co_await cur.execute("SELECT * FROM no_such_table_x");
            FAIL("no error");
        } catch (const uvpg::ProgrammingError& e) {
            CHECK(e.pgerror() ==
                  "ERROR:  relation \"no_such_table_x\" does not exist\n"
                  "LINE 1: SELECT * FROM no_such_table_x\n"
                  "                      ^\n");
            CHECK(e.diag().statement_position == "15");
        }
    });
}

namespace {
uvpg::Task<int> prepared_count(uvpg::Cursor& cur) {
    co_await cur.execute("SELECT count(*)::int FROM pg_prepared_statements");
    co_return (*co_await cur.fetchone())[0].as<int>();
}
}  // namespace

TEST_CASE("statement cache: a repeated statement is prepared once; DEALLOCATE ALL and stale plans recover") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn(), {.statement_cache_size = 2});
        auto cur = co_await conn.cursor();
        for (int i = 0; i < 5; ++i) {
            co_await cur.execute("SELECT %s::int + 1", {i});
            CHECK((*co_await cur.fetchone())[0].as<int>() == i + 1);
        }
        CHECK(co_await prepared_count(cur) == 1);
        co_await cur.execute("SELECT %s::text", {"a"});
        co_await cur.execute("SELECT %s::text || 'b'", {"a"});
        CHECK((*co_await cur.fetchone())[0].as<std::string>() == "ab");
        CHECK(co_await prepared_count(cur) == 2);  // bounded: the oldest was closed

        // A statement that fails to prepare is not cached, and fails the same way again.
        CHECK_THROWS_AS(co_await cur.execute("SELEC %s", {1}), uvpg::errors::SyntaxError);
        CHECK_THROWS_AS(co_await cur.execute("SELEC %s", {1}), uvpg::errors::SyntaxError);

        // The user drops every prepared statement: the cache follows.
        co_await cur.execute("DEALLOCATE ALL");
        co_await cur.execute("SELECT %s::int + 1", {41});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 42);

        // A table change that alters the result type: prepared again and retried, no error
        // (test_pipeline has the case inside a transaction).
        co_await cur.execute("CREATE TEMP TABLE sc (a int)");
        co_await cur.execute("INSERT INTO sc VALUES (1)");
        co_await cur.execute("SELECT * FROM sc WHERE a = %s", {1});
        co_await cur.execute("ALTER TABLE sc ADD COLUMN b text DEFAULT 'x'");
        co_await cur.execute("SELECT * FROM sc WHERE a = %s", {1});
        auto row = *co_await cur.fetchone();
        CHECK(row.size() == 2);
        CHECK(row["b"].as<std::string>() == "x");

        // Off: nothing is prepared.
        auto plain = co_await uvpg::connect(dsn(), {.statement_cache_size = 0});
        auto pc = co_await plain.cursor();
        co_await pc.execute("SELECT %s::int", {1});
        CHECK(co_await prepared_count(pc) == 0);
    }());
}
