// The statement cache behind a transaction pooler, and its recovery when the server's prepared
// statements are not what the cache believes. Through a real pgbouncer in transaction mode
// (tests/pg_server.sh starts it: a pool of 2 server connections), 8 client connections each run
// their own statements, every result checked: a cached statement's name must mean the same
// statement on whichever server connection the pooler hands over. Against the server itself:
// statements deallocated behind uvpg's back (26000) and names taken by another path (42P05),
// outside a transaction block (recovered, the caller's own result) and inside one.
#include <doctest/doctest.h>

#include "tests/support.hpp"

#include <unistd.h>
#include <algorithm>
#include <functional>
#include <string>
#include <vector>

using uvpg_test::dsn;
using uvpg_test::env;

namespace {

// The DSN of the pgbouncer in front of the test server. Fails the test when unset: the pooler
// tests must run, never skip.
std::string pgbouncer_dsn() {
    std::string d = env("UVPG_TEST_PGBOUNCER_DSN");
    if (d.empty()) FAIL("UVPG_TEST_PGBOUNCER_DSN is not set: tests/pg_server.sh start sets it (pgbouncer)");
    return d;
}

// One client's statement: its SQL, its parameters for run i, and whether rows are its own.
struct Work {
    std::string sql;
    std::function<uvpg::Params(int)> params;
    std::function<bool(const std::vector<uvpg::Row>&, int)> check;
};

std::string text(const uvpg::Row& r, std::size_t i) { return r[i].as<std::string>(); }

// Eight statements with different parameter counts and types, column counts and types, row
// counts and values: another one's result never passes the check.
std::vector<Work> works() {
    std::vector<Work> w;
    w.push_back({"SELECT %s::int4 + 1 AS w0", [](int i) { return uvpg::Params{i}; },
                 [](const auto& rows, int i) {
                     return rows.size() == 1 && rows[0].size() == 1 && rows[0][0].template as<int>() == i + 1;
                 }});
    w.push_back({"SELECT 'text' || %s::text AS w1", [](int i) { return uvpg::Params{std::to_string(i)}; },
                 [](const auto& rows, int i) {
                     return rows.size() == 1 && rows[0].size() == 1 && text(rows[0], 0) == "text" + std::to_string(i);
                 }});
    w.push_back({"SELECT %s::int8 * 2 AS w2a, %s::text AS w2b",
                 [](int i) {
                     return uvpg::Params{static_cast<long long>(i), "b" + std::to_string(i)};
                 },
                 [](const auto& rows, int i) {
                     return rows.size() == 1 && rows[0].size() == 2 && rows[0][0].template as<long long>() == 2LL * i &&
                            text(rows[0], 1) == "b" + std::to_string(i);
                 }});
    w.push_back({"SELECT %s::int4 AS w3a, %s::int4 + 1 AS w3b, %s::int4 + 2 AS w3c",
                 [](int i) {
                     return uvpg::Params{i, i, i};
                 },
                 [](const auto& rows, int i) {
                     return rows.size() == 1 && rows[0].size() == 3 && rows[0][0].template as<int>() == i &&
                            rows[0][1].template as<int>() == i + 1 && rows[0][2].template as<int>() == i + 2;
                 }});
    w.push_back({"SELECT g AS w4 FROM generate_series(1, %s::int4) g", [](int i) { return uvpg::Params{i % 5 + 2}; },
                 [](const auto& rows, int i) {
                     if (rows.size() != static_cast<std::size_t>(i % 5 + 2)) return false;
                     for (std::size_t k = 0; k < rows.size(); ++k)
                         if (rows[k].size() != 1 || rows[k][0].template as<int>() != static_cast<int>(k) + 1)
                             return false;
                     return true;
                 }});
    w.push_back({"SELECT %s::bool AS w5a, length(%s::text) AS w5b",
                 [](int i) {
                     return uvpg::Params{i % 2 == 0, std::string(static_cast<std::size_t>(i % 7), 'x')};
                 },
                 [](const auto& rows, int i) {
                     return rows.size() == 1 && rows[0].size() == 2 && rows[0][0].template as<bool>() == (i % 2 == 0) &&
                            rows[0][1].template as<int>() == i % 7;
                 }});
    w.push_back({"SELECT %s::text AS w6a, %s::int4 - 7 AS w6b, %s::text || '!' AS w6c, %s::int2 AS w6d",
                 [](int i) {
                     return uvpg::Params{"a" + std::to_string(i), i, "c", i % 100};
                 },
                 [](const auto& rows, int i) {
                     return rows.size() == 1 && rows[0].size() == 4 && text(rows[0], 0) == "a" + std::to_string(i) &&
                            rows[0][1].template as<int>() == i - 7 && text(rows[0], 2) == "c!" &&
                            rows[0][3].template as<int>() == i % 100;
                 }});
    w.push_back({"SELECT upper(%s::text) AS w7", [](int i) { return uvpg::Params{"abc" + std::to_string(i)}; },
                 [](const auto& rows, int i) {
                     return rows.size() == 1 && rows[0].size() == 1 && text(rows[0], 0) == "ABC" + std::to_string(i);
                 }});
    return w;
}

struct Tally {
    int ok = 0, wrong = 0, errors = 0;
    std::string first_wrong, first_error;
};

// Runs the statements of `mine` (indexes into works()) in turn, `runs` times each, on one
// connection of its own through `target`, checking every result.
uvpg::Task<void> client(std::string target, uvpg::ConnectOptions options, std::vector<std::size_t> mine, int runs,
                        Tally* tally) {
    const auto all = works();
    auto conn = co_await uvpg::connect(target, options);
    auto cur = co_await conn.cursor();
    for (int i = 0; i < runs; ++i) {
        for (std::size_t k : mine) {
            const Work& w = all[k];
            try {
                co_await cur.execute(w.sql, w.params(i));
                auto rows = co_await cur.fetchall();
                if (w.check(rows, i)) {
                    ++tally->ok;
                } else {
                    ++tally->wrong;
                    if (tally->first_wrong.empty()) tally->first_wrong = w.sql + " run " + std::to_string(i);
                }
            } catch (const uvpg::Error& e) {
                ++tally->errors;
                if (tally->first_error.empty()) tally->first_error = w.sql + ": " + e.what();
            }
        }
    }
}

uvpg::Task<void> run_clients(std::vector<std::vector<std::size_t>> plan, uvpg::ConnectOptions options, int runs,
                             std::vector<Tally>* tallies) {
    std::vector<uvpg::Task<void>> tasks;
    tallies->resize(plan.size());
    for (std::size_t c = 0; c < plan.size(); ++c)
        tasks.push_back(client(pgbouncer_dsn(), options, plan[c], runs, &(*tallies)[c]));
    co_await uvpg::gather(std::move(tasks));
}

void report(const std::vector<Tally>& tallies, int expected) {
    Tally sum;
    for (const auto& t : tallies) {
        sum.ok += t.ok;
        sum.wrong += t.wrong;
        sum.errors += t.errors;
        if (sum.first_wrong.empty()) sum.first_wrong = t.first_wrong;
        if (sum.first_error.empty()) sum.first_error = t.first_error;
    }
    MESSAGE("through pgbouncer: " << sum.ok << " right, " << sum.wrong << " wrong, " << sum.errors << " errors");
    CHECK_MESSAGE(sum.wrong == 0, "first wrong result: " << sum.first_wrong);
    CHECK_MESSAGE(sum.errors == 0, "first error: " << sum.first_error);
    CHECK(sum.ok == expected);
}

// Server connections pgbouncer holds for the test database (its admin console's SHOW SERVERS):
// 2, or the test shows nothing about statements meeting another client's server connection.
uvpg::Task<int> server_connections() {
    auto admin = co_await uvpg::connect(pgbouncer_dsn() + " dbname=pgbouncer");
    auto cur = co_await admin.cursor();
    co_await cur.execute("SHOW SERVERS");
    int n = 0;
    for (const auto& row : co_await cur.fetchall())
        if (row["database"].as<std::string>() == "uvpg_test") ++n;
    co_return n;
}

uvpg::Task<std::vector<std::string>> prepared_names(uvpg::Cursor& cur) {
    co_await cur.execute("SELECT name FROM pg_prepared_statements ORDER BY name");
    std::vector<std::string> names;
    for (const auto& row : co_await cur.fetchall()) names.push_back(row[0].as<std::string>());
    co_return names;
}

}  // namespace

TEST_CASE("pgbouncer in transaction mode, pool of 2: 8 connections, each its own statements, every result right") {
    // The default statement cache: every statement prepared and then run by name.
    std::vector<std::vector<std::size_t>> plan;
    for (std::size_t c = 0; c < 8; ++c) plan.push_back({c});
    std::vector<Tally> tallies;
    const int runs = 250;
    int servers = 0;
    uvpg::run([](auto plan, int runs, std::vector<Tally>* t, int* servers) -> uvpg::Task<void> {
        const uvpg::ConnectOptions defaults;  // named: no braced temporary inside co_await (g++ 12)
        co_await run_clients(std::move(plan), defaults, runs, t);
        *servers = co_await server_connections();
    }(plan, runs, &tallies, &servers));
    report(tallies, 8 * runs);
    CHECK(servers == 2);  // default_pool_size: the 8 clients really shared 2 server connections
}

TEST_CASE("pgbouncer in transaction mode: every connection runs several statements, with evictions") {
    // Each connection alternates 3 statements (some shared with others) in a cache of 2: every
    // run evicts one, so Close messages drop statements on whichever server connection they
    // reach, under the other clients' feet.
    std::vector<std::vector<std::size_t>> plan;
    for (std::size_t c = 0; c < 8; ++c) plan.push_back({c, (c + 1) % 8, (c + 3) % 8});
    std::vector<Tally> tallies;
    const int runs = 60;
    uvpg::ConnectOptions options;
    options.statement_cache_size = 2;
    uvpg::run(run_clients(plan, options, runs, &tallies));
    report(tallies, 8 * 3 * runs);
}

namespace {
// One task of the pool test: runs works()[k] `runs` times, each on a cursor of the pool (so on
// whichever of its connections is free), checking every result.
uvpg::Task<void> pooled(uvpg::Pool* pool, std::size_t k, int runs, Tally* tally) {
    const Work w = works()[k];
    for (int i = 0; i < runs; ++i) {
        try {
            auto cur = co_await pool->cursor();
            co_await cur.execute(w.sql, w.params(i));
            auto rows = co_await cur.fetchall();
            if (w.check(rows, i)) ++tally->ok;
            else if (++tally->wrong == 1) tally->first_wrong = w.sql + " run " + std::to_string(i);
        } catch (const uvpg::Error& e) {
            if (++tally->errors == 1) tally->first_error = w.sql + ": " + e.what();
        }
    }
}
}  // namespace

TEST_CASE("pgbouncer in transaction mode: a uvpg pool of 4 whose connections each run every statement") {
    std::vector<Tally> tallies(8);
    const int runs = 40;
    uvpg::run([](std::vector<Tally>* t, int runs) -> uvpg::Task<void> {
        uvpg::PoolOptions options;
        options.minsize = 4;
        options.maxsize = 4;
        auto pool = co_await uvpg::create_pool(pgbouncer_dsn(), options);
        std::vector<uvpg::Task<void>> tasks;
        for (std::size_t k = 0; k < 8; ++k) tasks.push_back(pooled(&pool, k, runs, &(*t)[k]));
        co_await uvpg::gather(std::move(tasks));
        pool.close();
        co_await pool.wait_closed();
    }(&tallies, runs));
    report(tallies, 8 * runs);
}

namespace {
// One client of the executemany test: `batches` batches of 5 rows into `table`, tagged with
// its id, alternating two statements (different parameter types), then a check of its rows.
uvpg::Task<void> inserter(std::string table, int id, int batches, Tally* tally) {
    auto conn = co_await uvpg::connect(pgbouncer_dsn());
    auto cur = co_await conn.cursor();
    for (int b = 0; b < batches; ++b) {
        std::vector<uvpg::Params> sets;
        for (int r = 0; r < 5; ++r) {
            if (b % 2) sets.push_back({id, static_cast<long long>(r)});
            else sets.push_back({id, std::to_string(r)});
        }
        // Named before co_await: g++ 12 frees a ?: temporary inside co_await twice.
        const std::string sql =
            "INSERT INTO " + table + (b % 2 ? " VALUES (%s, %s::int8)" : " VALUES (%s, %s::text::int4)");
        try {
            co_await cur.executemany(sql, std::move(sets));
            if (cur.rowcount() == 5) ++tally->ok;
            else if (++tally->wrong == 1) tally->first_wrong = "rowcount " + std::to_string(cur.rowcount());
        } catch (const uvpg::Error& e) {
            if (++tally->errors == 1) tally->first_error = e.what();
        }
    }
}
}  // namespace

TEST_CASE("pgbouncer in transaction mode: executemany from 6 connections, every row in once") {
    const std::string table = "pooler_many_" + std::to_string(::getpid());
    std::vector<Tally> tallies(6);
    const int batches = 30;
    uvpg::run([](std::string table, std::vector<Tally>* t, int batches) -> uvpg::Task<void> {
        co_await uvpg_test::admin_scalar("CREATE TABLE " + table + " (client int4, v int8)");
        std::vector<uvpg::Task<void>> tasks;
        for (int id = 0; id < 6; ++id)
            tasks.push_back(inserter(table, id, batches, &(*t)[static_cast<std::size_t>(id)]));
        co_await uvpg::gather(std::move(tasks));
        const std::string counts = co_await uvpg_test::admin_scalar(
            "SELECT string_agg(n::text, ',' ORDER BY client) FROM (SELECT client, count(*) n FROM " + table +
            " GROUP BY client) c");
        CHECK(counts == "150,150,150,150,150,150");
        co_await uvpg_test::admin_scalar("DROP TABLE " + table);
    }(table, &tallies, batches));
    report(tallies, 6 * batches);
}

TEST_CASE("statement_cache_size=0 in the DSN: nothing is prepared, through pgbouncer too") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn() + " statement_cache_size=0");
        auto cur = co_await conn.cursor();
        for (int i = 0; i < 3; ++i) {
            co_await cur.execute("SELECT %s::int4 * 5", {i});
            CHECK((*co_await cur.fetchone())[0].as<int>() == i * 5);
        }
        CHECK((co_await prepared_names(cur)).empty());
        auto cached = co_await uvpg::connect(dsn() + " statement_cache_size=5");
        auto cc = co_await cached.cursor();
        co_await cc.execute("SELECT %s::int4 * 5", {1});
        CHECK((co_await prepared_names(cc)).size() == 1);

        auto bouncer = co_await uvpg::connect(pgbouncer_dsn() + " statement_cache_size=0");
        auto bc = co_await bouncer.cursor();
        for (int i = 0; i < 20; ++i) {
            co_await bc.execute("SELECT %s::int4 * 5", {i});
            CHECK((*co_await bc.fetchone())[0].as<int>() == i * 5);
        }

        // A uvpg pool's connections take it from the DSN too.
        uvpg::PoolOptions options;
        options.minsize = 1;
        options.maxsize = 1;
        auto pool = co_await uvpg::create_pool(dsn() + " statement_cache_size=0", options);
        {
            auto pcur = co_await pool.cursor();
            co_await pcur.execute("SELECT %s::int4 * 6", {2});
            CHECK((*co_await pcur.fetchone())[0].as<int>() == 12);
            CHECK((co_await prepared_names(pcur)).empty());
        }
        pool.close();
        co_await pool.wait_closed();
    }());
}

TEST_CASE("a cached statement's name: its content, the same on every connection, under 64 bytes") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto a = co_await uvpg::connect(dsn());
        auto b = co_await uvpg::connect(dsn());
        auto ca = co_await a.cursor();
        auto cb = co_await b.cursor();
        co_await ca.execute("SELECT %s::int4 + 10", {1});
        co_await cb.execute("SELECT %s::int4 + 20", {1});  // b: another statement first
        co_await cb.execute("SELECT %s::int4 + 10", {1});
        co_await ca.execute("SELECT %s::text", {"same text, other parameter type"});
        const auto na = co_await prepared_names(ca), nb = co_await prepared_names(cb);
        REQUIRE(na.size() == 2);
        REQUIRE(nb.size() == 2);
        const std::string lookup = "SELECT name FROM pg_prepared_statements WHERE statement = 'SELECT $1::int4 + 10'";
        co_await ca.execute(lookup);
        const std::string name = (*co_await ca.fetchone())[0].as<std::string>();
        co_await cb.execute(lookup);
        CHECK((*co_await cb.fetchone())[0].as<std::string>() == name);  // the same name on b
        CHECK(std::find(nb.begin(), nb.end(), name) != nb.end());
        CHECK(name.size() < 64);
        CHECK(name.rfind("uvpg_", 0) == 0);
        CHECK(na[0] != na[1]);
        // The name, computed by the server: "uvpg_" and the first 16 bytes (hex) of SHA-256 over
        // the text, a NUL and each parameter type's OID in 4 big-endian bytes. (The integer's
        // type was sent, so the server lists it; a string goes as "unknown", OID 0, and the
        // server lists what it inferred instead.)
        co_await ca.execute(
            "SELECT count(*) FILTER (WHERE name = 'uvpg_' || left(encode(sha256(convert_to(statement, 'UTF8') || "
            "'\\x00'::bytea || coalesce((SELECT string_agg(int4send(t::oid::int4), ''::bytea ORDER BY o) "
            "FROM unnest(parameter_types) WITH ORDINALITY u(t, o)), ''::bytea)), 'hex'), 32))::int4, "
            "count(*)::int4 FROM pg_prepared_statements WHERE statement = 'SELECT $1::int4 + 10'");
        auto counts = *co_await ca.fetchone();
        CHECK(counts[1].as<int>() == 1);
        CHECK(counts[0].as<int>() == 1);
    }());
}

TEST_CASE("26000: a statement deallocated behind the cache's back is prepared again outside a transaction") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        const std::string sql = "SELECT %s::int4 * 2 AS doubled";
        co_await cur.execute(sql, {21});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 42);
        auto names = co_await prepared_names(cur);
        REQUIRE(names.size() == 1);

        // DEALLOCATE of one name, and DEALLOCATE ALL hidden in a simple query whose last
        // statement is something else: the cache sees neither.
        co_await cur.execute("DEALLOCATE \"" + names[0] + "\"");
        co_await cur.execute(sql, {5});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 10);
        CHECK(cur.description()[0].name == "doubled");
        co_await cur.execute("DEALLOCATE ALL; SELECT 1");
        co_await cur.execute(sql, {6});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 12);
        co_await cur.execute(sql, {7});  // by name again, in binary
        CHECK((*co_await cur.fetchone())[0].as<int>() == 14);
        CHECK((co_await prepared_names(cur)).size() == 1);

        // executemany and stream meet the same.
        co_await cur.execute("CREATE TEMP TABLE pooler_t (a int4)");
        std::vector<uvpg::Params> sets;
        for (int i = 0; i < 3; ++i) sets.push_back({i});
        co_await cur.executemany("INSERT INTO pooler_t VALUES (%s)", sets);
        co_await cur.execute("DEALLOCATE ALL; SELECT 1");
        co_await cur.executemany("INSERT INTO pooler_t VALUES (%s)", sets);
        CHECK(cur.rowcount() == 3);
        co_await cur.execute("SELECT count(*)::int4 FROM pooler_t");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 6);
        co_await cur.stream("SELECT g FROM generate_series(1, %s::int4) g", {4});
        CHECK((co_await cur.fetchall()).size() == 4);
        co_await cur.execute("DEALLOCATE ALL; SELECT 1");
        co_await cur.stream("SELECT g FROM generate_series(1, %s::int4) g", {5});
        auto rows = co_await cur.fetchall();
        REQUIRE(rows.size() == 5);
        CHECK(rows[4][0].as<int>() == 5);
    }());
}

TEST_CASE("26000 inside a transaction block: the error, then after ROLLBACK the statement works again") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        const std::string sql = "SELECT %s::int4 * 3";
        co_await cur.execute(sql, {1});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 3);
        co_await cur.execute("BEGIN");
        co_await cur.execute("DEALLOCATE ALL; SELECT 1");
        std::string code;
        try {
            co_await cur.execute(sql, {2});
        } catch (const uvpg::errors::InvalidSqlStatementName& e) {
            code = e.pgcode();
        }
        CHECK(code == "26000");
        CHECK(conn.transaction_status() == uvpg::TransactionStatus::inerror);
        co_await cur.execute("ROLLBACK");
        co_await cur.execute(sql, {4});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 12);
        co_await cur.execute(sql, {5});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 15);

        // Inside a transaction that the statement was prepared in, ROLLBACK does not undo a
        // prepare (statements are not transactional): the cache stays right.
        co_await cur.execute("BEGIN");
        co_await cur.execute("SELECT %s::int4 * 7", {1});
        co_await cur.execute("ROLLBACK");
        co_await cur.execute("SELECT %s::int4 * 7", {2});
        CHECK((*co_await cur.fetchone())[0].as<int>() == 14);
    }());
}

TEST_CASE("42P05: a statement's name taken by another path is never run as ours") {
    uvpg::run([]() -> uvpg::Task<void> {
        const std::string sql = "SELECT %s::int4 + 1000 AS mine";
        // The name uvpg gives this statement, learnt on a first connection.
        std::string name;
        {
            auto conn = co_await uvpg::connect(dsn());
            auto cur = co_await conn.cursor();
            co_await cur.execute(sql, {1});
            name = (co_await prepared_names(cur)).at(0);
        }
        for (int round = 0; round < 4; ++round) {  // (no initializer_list here: g++ 12 in coroutines)
            {
                const bool in_transaction = round >= 2, same_text = round % 2 == 0;
                CAPTURE(in_transaction);
                CAPTURE(same_text);
                auto conn = co_await uvpg::connect(dsn());
                auto cur = co_await conn.cursor();
                if (in_transaction) co_await cur.execute("BEGIN");
                // Prepared by SQL under that name: the same statement (as another client of a
                // pooler would have left it), or another one that must not run in its place.
                // (Built before co_await: g++ 12 frees a ?: temporary inside co_await twice.)
                const std::string body = same_text ? "SELECT $1::int4 + 1000 AS mine" : "SELECT 'not mine'::text, $1";
                const std::string prepare = "PREPARE \"" + name + "\" (int4) AS " + body;
                co_await cur.execute(prepare);
                co_await cur.execute(sql, {5});
                auto row = *co_await cur.fetchone();
                REQUIRE(row.size() == 1);
                CHECK(row[0].as<int>() == 1005);
                co_await cur.execute(sql, {6});
                CHECK((*co_await cur.fetchone())[0].as<int>() == 1006);
                if (in_transaction) {
                    CHECK(conn.transaction_status() == uvpg::TransactionStatus::intrans);
                    co_await cur.execute("COMMIT");
                }
            }
        }
    }());
}

TEST_CASE("the same SQLSTATEs raised by the statement itself, after its Bind, are its own: never run twice") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        // A sequence counts the calls: nextval is not undone by the rollback of the failed
        // statement's implicit transaction, so a second run would show.
        co_await cur.execute("CREATE TEMP SEQUENCE pooler_calls");
        co_await cur.execute(
            "CREATE FUNCTION pg_temp.pooler_raise(code text) RETURNS int LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM nextval('pooler_calls'); IF code <> '' THEN RAISE USING ERRCODE = code, MESSAGE = "
            "'mine'; "
            "END IF; RETURN 1; END $$");
        const std::string sql = "SELECT pg_temp.pooler_raise(%s)";
        co_await cur.execute(sql, {""});  // prepared and cached
        int calls = 1;
        const char* codes[] = {"26000", "0A000", "42P05"};
        for (const std::string want : codes) {
            CAPTURE(want);
            std::string code;
            try {
                co_await cur.execute(sql, {want});
            } catch (const uvpg::DatabaseError& e) {
                code = e.pgcode();
            }
            CHECK(code == want);
            calls += 1;
            co_await cur.execute("SELECT last_value::int4 FROM pooler_calls");
            CHECK((*co_await cur.fetchone())[0].as<int>() == calls);  // once: not run again
            co_await cur.execute(sql, {""});
            CHECK((*co_await cur.fetchone())[0].as<int>() == 1);
            calls += 1;
        }
    }());
}
