#include <doctest/doctest.h>

#include "lib/runtime/access.hpp"
#include "support.hpp"

#include <string>
#include <vector>

using uvpg_test::dsn;

TEST_CASE("executemany whose statement raises 26000/0A000/42P05 itself is never run twice") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        co_await cur.execute("CREATE TEMP SEQUENCE pf_calls");
        co_await cur.execute(
            "CREATE FUNCTION pg_temp.pf_raise(code text) RETURNS int LANGUAGE plpgsql AS "
            "$$ BEGIN PERFORM nextval('pf_calls'); IF code <> '' THEN RAISE USING ERRCODE = code, MESSAGE = 'mine'; "
            "END IF; RETURN 1; END $$");
        const std::string sql = "SELECT pg_temp.pf_raise(%s)";
        const char* codes[] = {"26000", "0A000", "42P05"};
        int calls = 0;
        for (const std::string want : codes) {
            CAPTURE(want);
            std::vector<uvpg::Params> sets;
            sets.push_back({std::string(want)});
            std::string code;
            try {
                co_await cur.executemany(sql, sets);
            } catch (const uvpg::DatabaseError& e) {
                code = e.pgcode();
            }
            CHECK(code == want);
            calls += 1;
            co_await cur.execute("SELECT last_value::int4 FROM pf_calls");
            CHECK((*co_await cur.fetchone())[0].as<int>() == calls);
        }
    }());
}

TEST_CASE("last handle dropped with two notify waiters, the first resumed destroys the second") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto victim = std::make_shared<uvpg::Task<uvpg::Notify>>();
        bool killer_ran = false;
        uvpg::Connection conn = co_await uvpg::connect(dsn());
        auto killer = [](uvpg::Connection::Notifies n, std::shared_ptr<uvpg::Task<uvpg::Notify>> v,
                         bool* ran) -> uvpg::Task<void> {
            try {
                (void)co_await n.get();
            } catch (const uvpg::InterfaceError&) {
            }
            *ran = true;
            *v = uvpg::Task<uvpg::Notify>();  // destroys the other waiter's frame before its turn
        }(conn.notifies(), victim, &killer_ran);
        uvpg::detail::Access::handle(killer).resume();
        *victim = conn.notifies().get();
        uvpg::detail::Access::handle(*victim).resume();
        REQUIRE_FALSE(killer.done());
        REQUIRE_FALSE(victim->done());
        conn = uvpg::Connection();  // the last handle: ~ConnectionImpl resumes both
        {
            auto other = co_await uvpg::connect(dsn());  // a loop turn: the socket's EOF is read
            auto oc = co_await other.cursor();
            co_await oc.execute("SELECT 1");
        }
        CHECK(killer_ran);
        CHECK_FALSE(victim->valid());
    }());
}

TEST_CASE("a retried statement runs where it was called, not inside a transaction begun after it") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto a = co_await conn.cursor();
        auto b = co_await conn.cursor();
        co_await b.execute("CREATE TEMP TABLE pf_t (v int4)");
        const std::string sql = "INSERT INTO pf_t VALUES (%s)";
        co_await a.execute(sql, {1});                    // cached
        co_await b.execute("DEALLOCATE ALL; SELECT 1");  // behind the cache's back
        auto done = std::make_shared<int>(0);
        uvpg::spawn(uv_default_loop(), [](uvpg::Cursor& c, std::string q, std::shared_ptr<int> d) -> uvpg::Task<void> {
            try {
                co_await c.execute(q, {2});  // called first, outside any transaction: 26000, retried
                *d = 1;
            } catch (const uvpg::Error&) {
                *d = 2;  // an error is acceptable; a success whose row is rolled back is not
            }
        }(a, sql, done));
        co_await b.execute("BEGIN");     // called after it
        co_await b.execute("SELECT 1");  // queued after the retry: the retry has completed
        REQUIRE(*done != 0);
        co_await b.execute("ROLLBACK");
        co_await b.execute("SELECT count(*)::int4 FROM pf_t WHERE v = 2");
        const int rows = (*co_await b.fetchone())[0].as<int>();
        CHECK(rows == (*done == 1 ? 1 : 0));  // success means the row is there
    }());
}

TEST_CASE("a statement queued while a COPY FROM STDIN is under way gets its own answer") {
    uvpg::run([]() -> uvpg::Task<void> {
        uvpg::ConnectOptions o;
        o.timeout = 5;  // a lost statement fails the test instead of hanging it
        auto conn = co_await uvpg::connect(dsn(), o);
        auto a = co_await conn.cursor();
        auto b = co_await conn.cursor();
        co_await b.execute("CREATE TEMP TABLE pf_c (v int4)");
        auto copy_error = std::make_shared<std::string>("running");
        uvpg::spawn(uv_default_loop(), [](uvpg::Cursor& c, std::shared_ptr<std::string> err) -> uvpg::Task<void> {
            int sent = 0;
            try {
                co_await c.copy_in("COPY pf_c FROM STDIN", [&sent](char* buf, std::size_t) -> std::size_t {
                    if (sent++) return 0;
                    buf[0] = '7';
                    buf[1] = '\n';
                    return 2;
                });
                *err = "";
            } catch (const std::exception& e) {
                *err = e.what();
            }
        }(a, copy_error));
        std::string b_error;
        try {
            co_await b.execute("SELECT 42");
            CHECK((*co_await b.fetchone())[0].as<int>() == 42);
        } catch (const std::exception& e) {
            b_error = e.what();
        }
        CHECK(b_error == "");
        CHECK(*copy_error == "");
    }());
}

TEST_CASE("a statement queued behind execute(\"COPY ... FROM STDIN\") gets its own answer") {
    uvpg::run([]() -> uvpg::Task<void> {
        uvpg::ConnectOptions o;
        o.timeout = 5;
        auto conn = co_await uvpg::connect(dsn(), o);
        auto a = co_await conn.cursor();
        auto b = co_await conn.cursor();
        co_await b.execute("CREATE TEMP TABLE pf_e (v int4)");
        // execute() has no COPY source: it ends the COPY (CopyFail) and raises, keeping the
        // connection. Another cursor's statements called meanwhile must get their own replies.
        auto copy_error = std::make_shared<std::string>("running");
        uvpg::spawn(uv_default_loop(), [](uvpg::Cursor& c, std::shared_ptr<std::string> err) -> uvpg::Task<void> {
            try {
                co_await c.execute("COPY pf_e FROM STDIN");
                *err = "";
            } catch (const std::exception& e) {
                *err = e.what();
            }
        }(a, copy_error));
        std::string b_error;
        try {
            co_await b.execute("SELECT 42");
            CHECK((*co_await b.fetchone())[0].as<int>() == 42);
            co_await b.execute("SELECT 43");
            CHECK((*co_await b.fetchone())[0].as<int>() == 43);
        } catch (const std::exception& e) {
            b_error = e.what();
        }
        CHECK(b_error == "");
        CHECK(*copy_error != "running");
        CHECK(*copy_error != "");
        CHECK_FALSE(conn.closed());
        co_await a.execute("SELECT 1");
        CHECK((*co_await a.fetchone())[0].as<int>() == 1);
    }());
}
