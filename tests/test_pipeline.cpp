// Pipelining: cursors that share a connection send without waiting for each other, replies go
// back to their callers in order, an error stays with its statement, deep pipelines with big
// messages both ways do not deadlock, executemany is one all-or-nothing pipeline, and the
// statement cache follows the server through ALTER TABLE.
#include <doctest/doctest.h>

#include "lib/conn/connection_impl.hpp"
#include "tests/support.hpp"

#include <algorithm>
#include <string>
#include <vector>

using uvpg_test::dsn;

namespace {

struct Outcome {
    std::optional<int> value;
    std::string error;  // the error's class, by SQLSTATE
};

// Runs `sql` with `param` on a cursor of its own and records the outcome, its completion
// order, and how many requests the connection still had in flight when it completed.
uvpg::Task<void> one(uvpg::Connection* conn, std::string sql, int param, Outcome* out, std::vector<int>* order,
                     std::size_t* deepest) {
    auto cur = co_await conn->cursor();
    try {
        co_await cur.execute(sql, {param});
        out->value = (*co_await cur.fetchone())[0].as<int>();
    } catch (const uvpg::DatabaseError& e) {
        out->error = e.pgcode();
    }
    order->push_back(param);
    *deepest = std::max(*deepest, uvpg::detail::Access::impl(*conn)->in_flight());
}

}  // namespace

TEST_CASE("1,000 pipelined statements, every tenth failing: each caller gets its own result or error, in order") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        const int n = 1000;
        std::vector<Outcome> outcomes(n);
        std::vector<int> order;
        std::size_t deepest = 0;
        std::vector<uvpg::Task<void>> tasks;
        for (int i = 0; i < n; ++i) {
            std::string sql = i % 10 == 0 ? "SELECT %s::int / 0" : "SELECT %s::int * 2";
            tasks.push_back(one(&conn, std::move(sql), i, &outcomes[i], &order, &deepest));
        }
        co_await uvpg::gather(std::move(tasks));
        for (int i = 0; i < n; ++i) {
            if (i % 10 == 0) {
                CHECK(outcomes[i].error == "22012");  // division_by_zero
                CHECK(!outcomes[i].value);
            } else {
                CHECK(outcomes[i].error.empty());
                CHECK(outcomes[i].value == i * 2);
            }
        }
        std::vector<int> sorted(order);
        std::sort(sorted.begin(), sorted.end());
        CHECK(order == sorted);  // replies came back in the order the statements went out
        CHECK(order.size() == std::size_t(n));
        CHECK(deepest > 100);  // they really were in flight together
        CHECK(conn.transaction_status() == uvpg::TransactionStatus::idle);
        auto cur = co_await conn.cursor();
        co_await cur.execute("SELECT 7");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 7);
    }());
}

namespace {
uvpg::Task<void> echo_big(uvpg::Connection* conn, int i, std::size_t size, int* right) {
    auto cur = co_await conn->cursor();
    std::string payload(size, static_cast<char>('a' + i % 26));
    payload.replace(0, std::to_string(i).size(), std::to_string(i));
    co_await cur.execute("SELECT %s::text || ''", {payload});
    if ((*co_await cur.fetchone())[0].as<std::string>() == payload) ++*right;
}
}  // namespace

TEST_CASE("a pipeline of 10,000 statements with large parameters and results completes without deadlock") {
    uvpg::run([]() -> uvpg::Task<void> {
        // No bound: all 10,000 go into the write buffer at once (about 80 MB each way, far past
        // the socket buffers), so the connection must read replies while it is still writing.
        auto conn = co_await uvpg::connect(dsn(), {.max_pipeline = 0});
        const int n = 10000;
        int right = 0;
        std::vector<uvpg::Task<void>> tasks;
        for (int i = 0; i < n; ++i) tasks.push_back(echo_big(&conn, i, 8192, &right));
        co_await uvpg::gather(std::move(tasks));
        CHECK(right == n);
    }());
}

TEST_CASE("max_pipeline bounds the requests in flight; the others wait their turn") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn(), {.statement_cache_size = 0, .max_pipeline = 4});
        const int n = 50;
        std::vector<Outcome> outcomes(n);
        std::vector<int> order;
        std::size_t deepest = 0;
        std::vector<uvpg::Task<void>> tasks;
        for (int i = 0; i < n; ++i)
            tasks.push_back(one(&conn, "SELECT %s::int * 2", i, &outcomes[i], &order, &deepest));
        co_await uvpg::gather(std::move(tasks));
        for (int i = 0; i < n; ++i) CHECK(outcomes[i].value == i * 2);
        CHECK(deepest <= 4);
        CHECK(order.size() == std::size_t(n));
        CHECK(std::is_sorted(order.begin(), order.end()));
    }());
}

TEST_CASE("max_pipeline: waiters learn that the connection closed") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn(), {.statement_cache_size = 0, .max_pipeline = 1});
        std::vector<Outcome> outcomes(3);
        std::vector<int> order;
        std::size_t deepest = 0;
        auto closer = [](uvpg::Connection* c) -> uvpg::Task<void> {
            auto cur = co_await c->cursor();
            co_await cur.execute("SELECT 1");
            c->close();
        };
        std::vector<uvpg::Task<void>> tasks;
        tasks.push_back(closer(&conn));
        for (int i = 0; i < 3; ++i) tasks.push_back(one(&conn, "SELECT %s::int", i, &outcomes[i], &order, &deepest));
        int interface_errors = 0;
        try {
            co_await uvpg::gather(std::move(tasks));
        } catch (const uvpg::InterfaceError&) {
            ++interface_errors;
        }
        CHECK(interface_errors == 1);  // gather rethrows the first; none of them hangs
        CHECK(order.size() == 0);
    }());
}

TEST_CASE("executemany is one pipeline: all rows or none, counts summed, NULLs and mixed types") {
    uvpg_test::with_cursor([](uvpg::Connection& conn, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE em (a int NOT NULL, b text)");
        std::vector<uvpg::Params> rows;
        for (int i = 0; i < 1000; ++i) rows.push_back({i, "row " + std::to_string(i)});
        co_await cur.executemany("INSERT INTO em (a, b) VALUES (%s, %s)", std::move(rows));
        CHECK(cur.rowcount() == 1000);
        CHECK_THROWS_AS(co_await cur.fetchone(), uvpg::ProgrammingError);

        // A bad set in the middle: the error, and nothing of the batch stays.
        std::vector<uvpg::Params> bad;
        for (int i = 0; i < 100; ++i) {
            if (i == 50) bad.push_back({std::nullopt, "null a"});
            else bad.push_back({i, "b"});
        }
        CHECK_THROWS_AS(co_await cur.executemany("INSERT INTO em (a, b) VALUES (%s, %s)", std::move(bad)),
                        uvpg::IntegrityError);
        co_await cur.execute("SELECT count(*)::int FROM em");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 1000);

        // Sets whose types differ (NULL, then a value) go through separate statements, correctly.
        std::vector<uvpg::Params> mixed;
        mixed.push_back({5000, std::nullopt});
        mixed.push_back({5001, "x"});
        mixed.push_back({std::int64_t{5002}, std::nullopt});
        co_await cur.executemany("INSERT INTO em (a, b) VALUES (%s, %s)", std::move(mixed));
        CHECK(cur.rowcount() == 3);
        co_await cur.execute("SELECT count(*)::int, count(b)::int FROM em WHERE a >= 5000");
        auto row = *co_await cur.fetchone();
        CHECK(row[0].as<int>() == 3);
        CHECK(row[1].as<int>() == 1);

        // A wrong number of parameters in any set: ProgrammingError, nothing sent.
        std::vector<uvpg::Params> short_set;
        short_set.push_back({1, "a"});
        short_set.push_back({2});
        CHECK_THROWS_AS(co_await cur.executemany("INSERT INTO em (a, b) VALUES (%s, %s)", std::move(short_set)),
                        uvpg::ProgrammingError);
        co_await cur.execute("SELECT count(*)::int FROM em WHERE a IN (1, 2) AND b = 'a'");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 0);
        CHECK(conn.transaction_status() == uvpg::TransactionStatus::idle);
    });
}

TEST_CASE("statement cache survives ALTER TABLE under it: retried outside a transaction, the error inside one") {
    uvpg_test::with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE sc2 (a int)");
        co_await cur.execute("INSERT INTO sc2 VALUES (1)");
        for (int i = 0; i < 3; ++i) co_await cur.execute("SELECT * FROM sc2 WHERE a = %s", {1});
        CHECK(cur.description().size() == 1);

        co_await cur.execute("ALTER TABLE sc2 ADD COLUMN b text DEFAULT 'x'");
        co_await cur.execute("SELECT * FROM sc2 WHERE a = %s", {1});  // no error: prepared again
        auto row = *co_await cur.fetchone();
        CHECK(row.size() == 2);
        CHECK(row["b"].as<std::string>() == "x");

        // executemany through the cached statement too.
        std::vector<uvpg::Params> sets;
        sets.push_back({1});
        sets.push_back({2});
        co_await cur.executemany("SELECT * FROM sc2 WHERE a = %s", std::move(sets));
        co_await cur.execute("ALTER TABLE sc2 ADD COLUMN c int DEFAULT 3");
        std::vector<uvpg::Params> again;
        again.push_back({1});
        co_await cur.executemany("SELECT * FROM sc2 WHERE a = %s", std::move(again));
        co_await cur.execute("SELECT * FROM sc2 WHERE a = %s", {1});
        CHECK((*co_await cur.fetchone()).size() == 3);

        // Inside a transaction the first statement after the change fails (the transaction is
        // aborted, so no retry could succeed); after ROLLBACK it works again.
        co_await cur.execute("BEGIN");
        co_await cur.execute("ALTER TABLE sc2 DROP COLUMN b");
        bool stale = false;
        try {
            co_await cur.execute("SELECT * FROM sc2 WHERE a = %s", {1});
        } catch (const uvpg::NotSupportedError& e) {
            stale = e.pgcode() == "0A000";
        }
        CHECK(stale);
        co_await cur.execute("ROLLBACK");
        co_await cur.execute("SELECT * FROM sc2 WHERE a = %s", {1});
        CHECK((*co_await cur.fetchone()).size() == 3);
    });
}
