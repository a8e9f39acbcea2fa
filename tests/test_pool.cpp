// uvpg::Pool against a real PostgreSQL: sizes, FIFO waiting, timeouts, release rules,
// recycling, on_connect, dead connections, server restarts, close/terminate/wait_closed.
#include "lib/runtime/access.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include <unistd.h>

using namespace uvpg_test;

namespace {

uvpg::Task<int> scalar_int(uvpg::Connection& conn, std::string sql) {
    auto cur = co_await conn.cursor();
    co_await cur.execute(sql);
    co_return (*co_await cur.fetchone())[0].as<int>();
}

uvpg::Task<std::string> scalar_text(uvpg::Connection& conn, std::string sql) {
    auto cur = co_await conn.cursor();
    co_await cur.execute(sql);
    auto row = co_await cur.fetchone();
    co_return (*row)[0].is_null() ? std::string("NULL") : (*row)[0].as<std::string>();
}

// Backends of this test's pools, recognised by application_name.
uvpg::Task<int> backends(std::string app) {
    auto n = co_await admin_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + app + "'");
    co_return std::stoi(n);
}

std::string pool_dsn(const std::string& app) { return dsn_with("application_name=" + app); }

}  // namespace

TEST_CASE("create_pool opens minsize connections; sizes; minsize > maxsize is refused") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_sizes"), {.minsize = 3, .maxsize = 5});
        CHECK(pool.minsize() == 3);
        CHECK(pool.maxsize() == 5);
        CHECK(pool.size() == 3);
        CHECK(pool.freesize() == 3);
        CHECK(co_await backends("pool_sizes") == 3);
        {
            auto c1 = co_await pool.acquire();
            CHECK(pool.freesize() == 2);
            CHECK(pool.size() == 3);
            CHECK(co_await scalar_int(c1, "SELECT 1") == 1);
        }
        CHECK(pool.freesize() == 3);  // went back by itself

        auto empty = co_await uvpg::create_pool(pool_dsn("pool_empty"), {.minsize = 0, .maxsize = 2});
        CHECK(empty.size() == 0);
        CHECK(co_await backends("pool_empty") == 0);
        auto c = co_await empty;  // co_await pool == acquire
        CHECK(empty.size() == 1);
        CHECK(co_await scalar_int(c, "SELECT 2") == 2);

        auto unlimited = co_await uvpg::create_pool(pool_dsn("pool_unlimited"), {.minsize = 0, .maxsize = 0});
        std::vector<uvpg::Connection> held;
        for (int i = 0; i < 15; ++i) held.push_back(co_await unlimited.acquire());
        CHECK(unlimited.size() == 15);

        CHECK_THROWS_AS(co_await uvpg::create_pool(dsn(), {.minsize = 5, .maxsize = 2}), uvpg::ProgrammingError);
        CHECK_THROWS_AS(co_await uvpg::create_pool("host=127.0.0.1 port=1 user=u connect_timeout=5", {.minsize = 1}),
                        uvpg::OperationalError);
    }());
}

TEST_CASE("200 tasks through pool.cursor() with maxsize 10 never exceed 10 backends and all complete") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_200"), {.minsize = 0, .maxsize = 10});
        int done = 0;
        std::size_t max_size = 0;
        auto worker = [](uvpg::Pool& p, int& d, std::size_t& m) -> uvpg::Task<void> {
            auto cur = co_await p.cursor();
            m = std::max(m, p.size());
            co_await cur.execute("SELECT pg_sleep(0.01)");
            ++d;
        };
        int max_backends = 0;
        bool finished = false;
        auto monitor = [](int& mx, bool& fin) -> uvpg::Task<void> {
            while (!fin) {
                mx = std::max(mx, co_await backends("pool_200"));
                co_await sleep_ms(5);
            }
        };
        auto all = [](uvpg::Pool& p, int& d, std::size_t& m, bool& fin, auto w) -> uvpg::Task<void> {
            std::vector<uvpg::Task<void>> ts;
            for (int i = 0; i < 200; ++i) ts.push_back(w(p, d, m));
            co_await uvpg::gather(std::move(ts));
            fin = true;
        };
        co_await uvpg::gather(all(pool, done, max_size, finished, worker), monitor(max_backends, finished));
        CHECK(done == 200);
        CHECK(max_size <= 10);
        CHECK(max_backends <= 10);
        CHECK(max_backends >= 1);
        CHECK(pool.size() == 10);
        CHECK(pool.freesize() == 10);
    }());
}

TEST_CASE("waiters are served in FIFO order; a timed-out waiter leaves without taking anything") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_fifo"), {.minsize = 1, .maxsize = 1, .timeout = 0.3});
        auto held = co_await pool.acquire();
        // Past the timeout: TimeoutError, and nothing changes.
        double t0 = now_ms();
        CHECK_THROWS_AS(co_await pool.acquire(), uvpg::TimeoutError);
        CHECK(now_ms() - t0 >= 250);
        CHECK(pool.size() == 1);

        std::vector<int> order;
        auto waiter = [](uvpg::Pool& p, std::vector<int>& o, int id) -> uvpg::Task<void> {
            auto c = co_await p.acquire();
            o.push_back(id);
            co_await sleep_ms(1);
        };
        auto releaser = [](uvpg::Pool& p, uvpg::Connection& c) -> uvpg::Task<void> {
            co_await sleep_ms(20);  // the three waiters are queued by now (each runs to its wait at once)
            p.release(c);
        };
        co_await uvpg::gather(waiter(pool, order, 1), waiter(pool, order, 2), waiter(pool, order, 3),
                              releaser(pool, held));
        CHECK(order == std::vector<int>{1, 2, 3});
        CHECK(pool.size() == 1);
        CHECK(pool.freesize() == 1);
    }());
}

TEST_CASE("a connection that fails to open hands its room to the next waiter") {
    static int calls = 0;
    calls = 0;
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(
            pool_dsn("pool_fail"),
            {.minsize = 0, .maxsize = 1, .on_connect = [](uvpg::Connection&) -> uvpg::Task<void> {
                 if (++calls == 1) throw uvpg::ProgrammingError("on_connect refused the first one");
                 co_return;
             }});
        auto first = [](uvpg::Pool& p) -> uvpg::Task<std::string> {
            try {
                auto c = co_await p.acquire();
            } catch (const uvpg::ProgrammingError& e) {
                co_return e.what();
            }
            co_return "no error";
        };
        auto second = [](uvpg::Pool& p) -> uvpg::Task<int> {
            auto c = co_await p.acquire();
            co_return co_await scalar_int(c, "SELECT 42");
        };
        auto [msg, value] = co_await uvpg::gather(first(pool), second(pool));
        CHECK(msg == "on_connect refused the first one");
        CHECK(value == 42);
        CHECK(calls == 2);
        CHECK(pool.size() == 1);
    }());
}

TEST_CASE("release inside BEGIN: rolled back before the next user") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_tx"), {.minsize = 1, .maxsize = 1});
        {
            auto c = co_await pool.acquire();
            co_await scalar_text(c, "SELECT 'x' FROM (SELECT 1) s WHERE false OR true");
            auto cur = co_await c.cursor();
            co_await cur.execute("BEGIN");
            co_await cur.execute("CREATE TEMP TABLE pool_tx_t (a int)");
            CHECK(c.transaction_status() == uvpg::TransactionStatus::intrans);
            pool.release(c);
            CHECK(c.closed());
        }
        auto c = co_await pool.acquire();
        CHECK(c.transaction_status() == uvpg::TransactionStatus::idle);
        CHECK(co_await scalar_text(c, "SELECT to_regclass('pool_tx_t')::text") == "NULL");
        // A failed transaction comes back clean too.
        {
            auto cur = co_await c.cursor();
            co_await cur.execute("BEGIN");
            CHECK_THROWS_AS(co_await cur.execute("SELECT 1/0"), uvpg::DataError);
        }
        pool.release(c);
        auto again = co_await pool.acquire();
        CHECK(again.transaction_status() == uvpg::TransactionStatus::idle);
        CHECK(co_await scalar_int(again, "SELECT 7") == 7);
        CHECK(pool.size() == 1);
    }());
}

TEST_CASE("release: a closed connection is dropped; a foreign one is an InterfaceError") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_rel"), {.minsize = 2, .maxsize = 2});
        auto c = co_await pool.acquire();
        c.close();
        pool.release(c);
        CHECK(pool.size() == 1);
        auto plain = co_await uvpg::connect(dsn());
        CHECK_THROWS_AS(pool.release(plain), uvpg::InterfaceError);
        auto other = co_await uvpg::create_pool(pool_dsn("pool_rel2"), {.minsize = 1, .maxsize = 1});
        auto foreign = co_await other.acquire();
        CHECK_THROWS_AS(pool.release(foreign), uvpg::InterfaceError);
        auto mine = co_await pool.acquire();
        pool.release(mine);
        CHECK_THROWS_AS(co_await mine.cursor(), uvpg::InterfaceError);  // the handle is spent
        CHECK_THROWS_AS(pool.release(mine), uvpg::InterfaceError);
    }());
}

TEST_CASE("a cursor from pool.cursor() owns its connection and gives it back when destroyed") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_cur"), {.minsize = 1, .maxsize = 1});
        {
            uvpg::Cursor cur = co_await pool.cursor();
            CHECK(pool.freesize() == 0);
            co_await cur.execute("SELECT 1");
            std::optional<uvpg::Row> ret = co_await cur.fetchone();
            CHECK((*ret)[0].as<int>() == 1);
        }
        CHECK(pool.freesize() == 1);
        // A cursor made from an acquired connection keeps it out until both are gone.
        uvpg::Cursor kept;
        {
            auto c = co_await pool.acquire();
            kept = co_await c.cursor();
        }
        CHECK(pool.freesize() == 0);
        co_await kept.execute("SELECT 2");
        kept = uvpg::Cursor();
        CHECK(pool.freesize() == 1);
    }());
}

TEST_CASE("clear() closes the free connections; the next acquire refills to minsize") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_clear"), {.minsize = 3, .maxsize = 5});
        auto held = co_await pool.acquire();
        co_await pool.clear();
        CHECK(pool.freesize() == 0);
        CHECK(pool.size() == 1);
        CHECK(co_await scalar_int(held, "SELECT 1") == 1);  // in use: untouched
        auto c = co_await pool.acquire();
        CHECK(pool.size() >= 3);
        CHECK(co_await scalar_int(c, "SELECT 1") == 1);
    }());
}

TEST_CASE("pool_recycle: an old connection is replaced instead of handed out") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool =
            co_await uvpg::create_pool(pool_dsn("pool_recycle"), {.minsize = 1, .maxsize = 1, .pool_recycle = 0.05});
        std::int32_t first = 0;
        {
            auto c = co_await pool.acquire();
            first = c.backend_pid();
        }
        co_await sleep_ms(120);  // older than pool_recycle now
        auto c = co_await pool.acquire();
        CHECK(c.backend_pid() != first);
        CHECK(pool.size() == 1);
    }());
}

TEST_CASE("on_connect runs once per new connection, before first use; its error reaches the acquirer") {
    static int runs = 0;
    runs = 0;
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(
            pool_dsn("pool_onc"),
            {.minsize = 2, .maxsize = 3, .on_connect = [](uvpg::Connection& c) -> uvpg::Task<void> {
                 ++runs;
                 auto cur = co_await c.cursor();
                 co_await cur.execute("SET search_path TO pg_catalog, public_marker");
             }});
        CHECK(runs == 2);
        for (int i = 0; i < 5; ++i) {
            auto c = co_await pool.acquire();
            CHECK(co_await scalar_text(c, "SHOW search_path") == "pg_catalog, public_marker");
        }
        std::vector<uvpg::Connection> all;
        for (int i = 0; i < 3; ++i) all.push_back(co_await pool.acquire());
        CHECK(runs == 3);

        // A capturing on_connect through the std::function overload; one that throws.
        int captured = 0;
        auto bad = co_await uvpg::create_pool(dsn(), {.minsize = 0, .maxsize = 2},
                                              [&captured](uvpg::Connection&) -> uvpg::Task<void> {
                                                  ++captured;
                                                  throw uvpg::errors::InsufficientPrivilege("nope");
                                                  co_return;
                                              });
        CHECK_THROWS_AS(co_await bad.acquire(), uvpg::errors::InsufficientPrivilege);
        CHECK(captured == 1);
        CHECK(bad.size() == 0);
    }());
}

TEST_CASE("idle connections killed by the server are dropped; acquiring maxsize then works") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_kill"), {.minsize = 4, .maxsize = 4});
        CHECK(pool.freesize() == 4);
        co_await admin_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'pool_kill'");
        // The pool notices the sockets closing while idle (no acquire needed).
        for (int i = 0; i < 500 && pool.freesize() > 0; ++i) co_await sleep_ms(10);
        CHECK(pool.freesize() == 0);
        CHECK(pool.size() == 0);
        std::vector<uvpg::Connection> conns;
        for (int i = 0; i < 4; ++i) conns.push_back(co_await pool.acquire());
        for (auto& c : conns) CHECK(co_await scalar_int(c, "SELECT 5") == 5);
    }());
}

TEST_CASE("close(), wait_closed() and terminate()") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_close"), {.minsize = 2, .maxsize = 3});
        CHECK_THROWS_AS(co_await pool.wait_closed(), uvpg::InterfaceError);  // before close()
        auto a = co_await pool.acquire();
        auto b = co_await pool.acquire();
        pool.close();
        CHECK(pool.closed());
        CHECK(pool.freesize() == 0);
        CHECK_THROWS_AS(co_await pool.acquire(), uvpg::InterfaceError);
        bool closed_done = false;
        auto waiter = [](uvpg::Pool& p, bool& d) -> uvpg::Task<void> {
            co_await p.wait_closed();
            d = true;
        };
        auto releaser = [](uvpg::Pool& p, uvpg::Connection& x, uvpg::Connection& y, bool& d) -> uvpg::Task<void> {
            co_await sleep_ms(10);
            CHECK(co_await scalar_int(x, "SELECT 1") == 1);  // still usable while out
            p.release(x);
            co_await sleep_ms(10);
            CHECK_FALSE(d);  // one still out
            p.release(y);
        };
        co_await uvpg::gather(waiter(pool, closed_done), releaser(pool, a, b, closed_done));
        CHECK(closed_done);
        CHECK(pool.size() == 0);
        CHECK(co_await backends("pool_close") == 0);

        // terminate(): connections in use are closed too, their pending work fails.
        auto pool2 = co_await uvpg::create_pool(pool_dsn("pool_term"), {.minsize = 1, .maxsize = 2});
        auto c = co_await pool2.acquire();
        auto pending = [](uvpg::Connection& conn) -> uvpg::Task<bool> {
            try {
                co_await scalar_int(conn, "SELECT pg_sleep(30)::text::int");
            } catch (const uvpg::InterfaceError&) {
                co_return true;
            }
            co_return false;
        };
        auto terminator = [](uvpg::Pool& p) -> uvpg::Task<void> {
            co_await sleep_ms(50);
            p.terminate();
            co_await p.wait_closed();
        };
        auto [failed, done] = co_await uvpg::gather(pending(c), terminator(pool2));
        (void)done;
        CHECK(failed);
        CHECK(c.closed());
    }());
}

TEST_CASE("a server restart: running tasks get OperationalError, the next ones succeed") {
    std::string bindir = env("UVPG_TEST_PG_BINDIR"), pgdata = env("UVPG_TEST_PGDATA");
    if (bindir.empty() || pgdata.empty())
        UVPG_SKIP("no UVPG_TEST_PG_BINDIR / UVPG_TEST_PGDATA: an outside server is not ours to restart");
    uvpg::run([](std::string bin, std::string data) -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_restart"), {.minsize = 4, .maxsize = 4});
        auto victim = [](uvpg::Pool& p) -> uvpg::Task<bool> {
            try {
                auto cur = co_await p.cursor();
                co_await cur.execute("SELECT pg_sleep(30)");
            } catch (const uvpg::OperationalError&) {
                co_return true;
            }
            co_return false;
        };
        auto restarter = [](std::string b, std::string d) -> uvpg::Task<void> {
            for (int i = 0; i < 500; ++i) {
                if (co_await admin_scalar(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pool_restart' "
                        "AND wait_event = 'PgSleep'") == "2")
                    break;
                co_await sleep_ms(10);
            }
            std::string cmd = (geteuid() == 0 ? "runuser -u postgres -- " : "") + b + "/pg_ctl -D " + d +
                              " restart -m fast -w -t 60 >/dev/null 2>&1";
            CHECK(std::system(cmd.c_str()) == 0);
        };
        auto [v1, v2, r] = co_await uvpg::gather(victim(pool), victim(pool), restarter(bin, data));
        (void)r;
        CHECK(v1);
        CHECK(v2);
        // Every later acquirer gets a working connection, without the application doing anything.
        for (int i = 0; i < 6; ++i) {
            auto c = co_await pool.acquire();
            CHECK(co_await scalar_int(c, "SELECT 9") == 9);
        }
    }(bindir, pgdata));
}

TEST_CASE("an acquirer destroyed while it waits leaves the queue and takes nothing") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto pool = co_await uvpg::create_pool(pool_dsn("pool_ghost"), {.minsize = 1, .maxsize = 1});
        auto held = co_await pool.acquire();
        {
            auto ghost = pool.acquire();
            uvpg::detail::Access::handle(ghost).resume();  // runs until it waits in the pool's queue
            CHECK_FALSE(ghost.done());
        }  // destroyed while waiting
        pool.release(held);
        CHECK(pool.freesize() == 1);
        CHECK(pool.size() == 1);
        auto c = co_await pool.acquire();
        CHECK(co_await scalar_int(c, "SELECT 1") == 1);
    }());
}

TEST_CASE("a pool destroyed with a connection out: the connection works until dropped, then closes") {
    uvpg::run([]() -> uvpg::Task<void> {
        uvpg::Connection out;
        {
            auto pool = co_await uvpg::create_pool(pool_dsn("pool_gone"), {.minsize = 2, .maxsize = 2});
            out = co_await pool.acquire();
        }  // the pool closes its free connection and goes away
        CHECK(co_await scalar_int(out, "SELECT 6") == 6);
        CHECK(co_await backends("pool_gone") == 1);
        out = uvpg::Connection();
        for (int i = 0; i < 500; ++i) {
            if (co_await backends("pool_gone") == 0) break;
            co_await sleep_ms(10);
        }
        CHECK(co_await backends("pool_gone") == 0);
    }());
}
