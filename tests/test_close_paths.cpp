// Every way a connection can close while a task waits on it, against every operation that can be
// waiting: the waiting task must be resumed at once with the right DB-API class (InterfaceError
// when the user closed it, OperationalError when the server or the protocol went away), and
// nothing may leak (this file also runs under ASan with leak detection). Each wait is bounded by
// a guard timer: a task that is never resumed fails the test instead of hanging the run.
// Also here: concurrent fetches on one cursor, the class of the first error after a FATAL read
// while idle, and completed results that stay readable after their connection closes.
#include "fake_server.hpp"
#include "lib/runtime/access.hpp"
#include "outcome.hpp"
#include "support.hpp"

#include <uvpg/uvpg.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <sstream>

using namespace uvpg_test;

namespace {

enum class Path {
    user_close,
    pool_release,
    pool_terminate,
    handle_dropped,
    pooled_handle_dropped,
    server_gone,
    protocol_violation
};
enum class Op { execute, fetch, stream, copy_in, copy_out, prepare, notify, cancel };

const char* path_name(Path p) {
    switch (p) {
    case Path::user_close: return "conn.close()";
    case Path::pool_release: return "pool.release()";
    case Path::pool_terminate: return "pool.terminate()";
    case Path::handle_dropped: return "last Connection handle dropped";
    case Path::pooled_handle_dropped: return "pooled Connection handle dropped";
    case Path::server_gone: return "pg_terminate_backend";
    case Path::protocol_violation: return "protocol violation";
    }
    return "?";
}
const char* op_name(Op o) {
    switch (o) {
    case Op::execute: return "execute";
    case Op::fetch: return "fetch from a stream";
    case Op::stream: return "stream";
    case Op::copy_in: return "copy_in";
    case Op::copy_out: return "copy_out";
    case Op::prepare: return "prepare (statement cache)";
    case Op::notify: return "notifies().get()";
    case Op::cancel: return "cancel()";
    }
    return "?";
}
bool pooled(Path p) { return p == Path::pool_release || p == Path::pool_terminate || p == Path::pooled_handle_dropped; }
bool user_closed(Path p) { return p != Path::server_gone && p != Path::protocol_violation; }

// An operation running as a task of its own, and how it ended.
struct Pending {
    bool finished = false;
    Outcome outcome;
    std::coroutine_handle<> watcher;
};

uvpg::Task<void> watch(uvpg::Task<Outcome> op, std::shared_ptr<Pending> p) {
    p->outcome = co_await std::move(op);
    p->finished = true;
    if (auto h = std::exchange(p->watcher, {})) h.resume();
}

// Starts `op` now (it runs to its first suspension before this returns).
std::shared_ptr<Pending> start(uvpg::Task<Outcome> op) {
    auto p = std::make_shared<Pending>();
    uvpg::spawn(uv_default_loop(), watch(std::move(op), p));
    return p;
}

// Waits until the task has finished or `ms` milliseconds have passed; true if it finished.
struct GuardTimer {
    uv_timer_t t;
    std::shared_ptr<Pending> p;
    std::coroutine_handle<> h;
};
struct FinishedWithin {
    std::shared_ptr<Pending> p;
    std::uint64_t ms;
    GuardTimer* g = nullptr;
    bool await_ready() const noexcept { return p->finished; }
    void await_suspend(std::coroutine_handle<> h) {
        p->watcher = h;
        g = new GuardTimer{{}, p, h};
        uv_timer_init(uv_default_loop(), &g->t);
        g->t.data = g;
        uv_timer_start(
            &g->t,
            [](uv_timer_t* t) {
                auto* guard = static_cast<GuardTimer*>(t->data);
                guard->p->watcher = {};
                guard->h.resume();
            },
            ms, 0);
    }
    bool await_resume() {
        if (g) {
            uv_timer_stop(&g->t);
            uv_close(reinterpret_cast<uv_handle_t*>(&g->t),
                     [](uv_handle_t* x) { delete static_cast<GuardTimer*>(x->data); });
        }
        return p->finished;
    }
};
uvpg::Task<bool> finished_within(std::shared_ptr<Pending> p, std::uint64_t ms = 10000) {
    FinishedWithin w{std::move(p), ms};
    co_return co_await w;
}

// Polls the server until backend `pid` waits on pg_sleep or on a lock (the operation is under
// way there); false after 10 s.
uvpg::Task<bool> backend_waits(uvpg::Cursor& admin, int pid) {
    const double deadline = now_ms() + 10000;
    while (now_ms() < deadline) {
        co_await admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND "
            "(wait_event = 'PgSleep' OR wait_event_type = 'Lock')",
            {pid});
        auto row = co_await admin.fetchone();
        if (row && (*row)[0].as<std::int64_t>() == 1) co_return true;
        co_await sleep_ms(2);
    }
    co_return false;
}

// Runs the loop until `conn` reports closed; false after 10 s.
uvpg::Task<bool> until_closed(const uvpg::Connection& conn) {
    const double deadline = now_ms() + 10000;
    while (!conn.closed()) {
        if (now_ms() > deadline) co_return false;
        co_await sleep_ms(1);
    }
    co_return true;
}

uvpg::Task<void> setup_schema() {
    auto conn = co_await uvpg::connect(dsn());
    auto cur = co_await conn.cursor();
    co_await cur.execute("CREATE TABLE IF NOT EXISTS uvpg_close_paths (a int)");
    // Returns g, after sleeping a minute when g = at: rows before it reach the client first.
    co_await cur.execute(
        "CREATE OR REPLACE FUNCTION uvpg_close_paths_sleep_at(g int, at int) RETURNS int "
        "LANGUAGE plpgsql VOLATILE AS $$ BEGIN IF g = at THEN PERFORM pg_sleep(60); END IF; "
        "RETURN g; END $$");
}

// About 400 kB of rows (more than a stream batch), then a pause of a minute before the last.
constexpr const char* kRowsThenSleep =
    "SELECT uvpg_close_paths_sleep_at(g, 400) AS g, repeat('x', 1000) AS pad FROM generate_series(1, 400) g";

// The operation, as a task that owns what it needs (the cursor; notifies().get() and cancel()
// hold the connection's state themselves).
uvpg::Task<Outcome> make_op(Op op, uvpg::Cursor cur, uvpg::Connection& conn) {
    switch (op) {
    case Op::execute:
        return [](uvpg::Cursor c) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&] { return c.execute("SELECT pg_sleep(60)"); });
        }(std::move(cur));
    case Op::fetch:  // the cursor streams kRowsThenSleep already: fetch until the end or an error
        return [](uvpg::Cursor c) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&]() -> uvpg::Task<void> {
                while (!(co_await c.fetchmany(100)).empty()) {
                }
            });
        }(std::move(cur));
    case Op::stream:
        return [](uvpg::Cursor c) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&] { return c.stream("SELECT pg_sleep(60)"); });
        }(std::move(cur));
    case Op::copy_in:
        return [](uvpg::Cursor c) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&] {
                return c.copy_in("COPY uvpg_close_paths FROM STDIN",
                                 [sent = false](char* buf, std::size_t) mutable -> std::size_t {
                                     if (std::exchange(sent, true)) return 0;
                                     buf[0] = '1';
                                     buf[1] = '\n';
                                     return 2;
                                 });
            });
        }(std::move(cur));
    case Op::copy_out:
        return [](uvpg::Cursor c) -> uvpg::Task<Outcome> {
            co_return co_await attempt(
                [&] { return c.copy_out("COPY uvpg_close_paths TO STDOUT", [](std::string_view) {}); });
        }(std::move(cur));
    case Op::prepare:  // with parameters: prepared (Parse/Describe) first, which waits for the lock
        return [](uvpg::Cursor c) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&] { return c.execute("SELECT a FROM uvpg_close_paths WHERE a = %s", {1}); });
        }(std::move(cur));
    case Op::notify:
        return [](uvpg::Task<uvpg::Notify> get) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&] { return std::move(get); });
        }(conn.notifies().get());
    case Op::cancel:
        return [](uvpg::Task<void> cancel) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&] { return std::move(cancel); });
        }(conn.cancel());
    }
    return {};
}

// The backend notices a client that went away in the middle of pg_sleep, and ends.
std::string watched_dsn() { return dsn_with("options='-c client_connection_check_interval=100'"); }

bool waits_on_server(Op op) { return op != Op::notify && op != Op::cancel; }
bool takes_lock(Op op) { return op == Op::copy_in || op == Op::copy_out || op == Op::prepare; }

uvpg::Task<void> close_path_case(Path path, Op op) {
    auto admin_conn = co_await uvpg::connect(dsn());
    auto admin = co_await admin_conn.cursor();
    std::optional<uvpg::Pool> pool;
    uvpg::Connection conn;
    if (pooled(path)) {
        uvpg::PoolOptions o;
        o.minsize = 1;
        o.maxsize = 1;
        pool.emplace(co_await uvpg::create_pool(watched_dsn(), o));
        conn = co_await pool->acquire();
    } else {
        conn = co_await uvpg::connect(watched_dsn());
    }
    const int pid = conn.backend_pid();
    // A lock held by another session keeps COPY and the prepare step waiting on the server.
    std::optional<uvpg::Connection> locker;
    if (takes_lock(op)) {
        locker.emplace(co_await uvpg::connect(dsn()));
        auto lc = co_await locker->cursor();
        co_await lc.execute("BEGIN");
        co_await lc.execute("LOCK TABLE uvpg_close_paths IN ACCESS EXCLUSIVE MODE");
    }
    uvpg::Cursor cur = co_await conn.cursor();
    if (op == Op::fetch) co_await cur.stream(kRowsThenSleep);
    auto pending = start(make_op(op, std::move(cur), conn));
    if (waits_on_server(op)) REQUIRE(co_await backend_waits(admin, pid));
    REQUIRE_FALSE(pending->finished);

    switch (path) {
    case Path::user_close: conn.close(); break;
    case Path::pool_release: pool->release(conn); break;
    case Path::pool_terminate: pool->terminate(); break;
    case Path::handle_dropped:
    case Path::pooled_handle_dropped: conn = uvpg::Connection(); break;
    case Path::server_gone: co_await admin.execute("SELECT pg_terminate_backend(%s)", {pid}); break;
    case Path::protocol_violation: break;  // the fake server's case below
    }
    const bool finished = co_await finished_within(pending);
    CHECK_MESSAGE(finished, "the waiting task was never resumed");
    if (finished) {
        if (op == Op::cancel) {
            // cancel() has a socket of its own: it may still reach the server, or fail cleanly.
            if (pending->outcome) CHECK_RAISED(pending->outcome, uvpg::OperationalError);
        } else if (user_closed(path)) {
            CHECK_RAISED(pending->outcome, uvpg::InterfaceError);
        } else {
            CHECK_RAISED(pending->outcome, uvpg::OperationalError);
        }
    }
    if (locker) locker->close();
    if (pool) {
        pool->close();
        co_await pool->wait_closed();
    }
}

}  // namespace

TEST_CASE("every close path completes every pending operation at once, with the right class") {
    uvpg::run(setup_schema());
    const Path paths[] = {Path::user_close, Path::pool_release, Path::pool_terminate, Path::server_gone};
    const Op ops[] = {Op::execute,  Op::fetch,   Op::stream, Op::copy_in,
                      Op::copy_out, Op::prepare, Op::notify, Op::cancel};
    for (Path path : paths) {
        for (Op op : ops) {
            const std::string pn = path_name(path);
            CAPTURE(pn);
            const std::string on = op_name(op);
            CAPTURE(on);
            uvpg::run(close_path_case(path, op));
        }
    }
}

TEST_CASE("dropping the last handle while a task waits for notifications (or a cancel) fails the wait") {
    uvpg::run(setup_schema());
    for (Path path : {Path::handle_dropped, Path::pooled_handle_dropped}) {
        for (Op op : {Op::notify, Op::cancel}) {
            const std::string pn = path_name(path);
            CAPTURE(pn);
            const std::string on = op_name(op);
            CAPTURE(on);
            uvpg::run(close_path_case(path, op));
        }
    }
}

namespace {
std::string fake_dsn(const FakeServer& srv) {
    return "host=127.0.0.1 port=" + std::to_string(srv.port()) + " user=u dbname=d connect_timeout=5";
}

uvpg::Task<void> violation_case(std::string dsn_text, Op op, bool no_cache = false) {
    uvpg::ConnectOptions o;
    if (no_cache) o.statement_cache_size = 0;
    uvpg::Connection conn = co_await uvpg::connect(dsn_text, o);
    uvpg::Cursor cur = co_await conn.cursor();
    uvpg::Cursor other = co_await conn.cursor();
    if (op == Op::fetch) co_await cur.stream("SELECT a FROM t");  // the server sends one batch
    auto pending = start(make_op(op, std::move(cur), conn));
    // A waiter on notifications (or on a stream's next rows) sends nothing: a query of another
    // cursor makes the server answer.
    std::shared_ptr<Pending> trigger;
    if (op == Op::notify || op == Op::fetch)
        trigger = start([](uvpg::Cursor c) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&] { return c.execute("SELECT 1"); });
        }(std::move(other)));
    const bool finished = co_await finished_within(pending);
    CHECK_MESSAGE(finished, "the waiting task was never resumed");
    if (finished) CHECK_RAISED(pending->outcome, uvpg::OperationalError);
    if (trigger) {
        CHECK(co_await finished_within(trigger));
        CHECK_RAISED(trigger->outcome, uvpg::OperationalError);
    }
    CHECK(conn.closed());
}
}  // namespace

TEST_CASE("a protocol violation completes every pending operation with OperationalError") {
    for (Op op : {Op::execute, Op::copy_in, Op::copy_out, Op::notify}) {
        const std::string on = op_name(op);
        CAPTURE(on);
        // Whatever the client sends first, the server answers with a message type that does
        // not exist.
        FakeServer srv({trust_handshake(), expect('Q'), send(raw_message('!', 4)), wait_close()});
        uvpg::run(violation_case(fake_dsn(srv), op));
        CHECK(srv.error() == "");
    }
    {
        // The statement cache's prepare step (Close/Parse/Describe/Sync), which stream() takes too.
        for (Op op : {Op::prepare, Op::stream}) {
            const std::string on = op_name(op);
            CAPTURE(on);
            FakeServer srv({trust_handshake(), expect('C'), send(raw_message('!', 4)), wait_close()});
            uvpg::run(violation_case(fake_dsn(srv), op));
            CHECK(srv.error() == "");
        }
    }
    {
        // A stream whose first batch (4096 rows) arrived; the fetch waits for more.
        const std::string on = op_name(Op::fetch);
        CAPTURE(on);
        WireBytes batch = raw_message('1', 4) + raw_message('2', 4) + row_description({"a"});
        for (int i = 0; i < 4096; ++i) batch = batch + data_row({std::string("x")});
        FakeServer srv({trust_handshake(), expect('P'), expect('B'), expect('D'), expect('E'), expect('S'), send(batch),
                        expect('Q'), send(raw_message('!', 4)), wait_close()});
        uvpg::run(violation_case(fake_dsn(srv), Op::fetch, true));
        CHECK(srv.error() == "");
    }
}

TEST_CASE("a task destroyed while it waits on a request, room or notifications is never resumed") {
    // Under ASan a resumed destroyed frame is a use after free; elsewhere a crash or worse.
    uvpg::run([]() -> uvpg::Task<void> {
        uvpg::ConnectOptions o;
        o.max_pipeline = 1;
        uvpg::Connection conn = co_await uvpg::connect(watched_dsn(), o);
        uvpg::Cursor a = co_await conn.cursor();
        uvpg::Cursor b = co_await conn.cursor();
        uvpg::Cursor c = co_await conn.cursor();
        {
            // `a` waits for its reply, `b` for room in the pipeline: both frames go.
            auto ta = a.execute("SELECT pg_sleep(0.05)");
            uvpg::detail::Access::handle(ta).resume();
            auto tb = b.execute("SELECT 2");
            uvpg::detail::Access::handle(tb).resume();
            auto tn = conn.notifies().get();
            uvpg::detail::Access::handle(tn).resume();
            REQUIRE_FALSE(ta.done());
            REQUIRE_FALSE(tb.done());
            REQUIRE_FALSE(tn.done());
        }
        // The connection goes on: the abandoned statement's reply is read and dropped.
        co_await c.execute("SELECT 3");
        auto row = co_await c.fetchone();
        CHECK((*row)[0].as<int>() == 3);
        // Frames destroyed after close() has completed their waits, before their turn to be
        // resumed: the first waiter resumed destroys the other (waiting for room on `conn`, for
        // its request on `conn2`).
        uvpg::Connection conn2 = co_await uvpg::connect(watched_dsn());
        for (uvpg::Connection* cn : {&conn, &conn2}) {
            uvpg::Cursor x = co_await cn->cursor();
            uvpg::Cursor y = co_await cn->cursor();
            auto victim = std::make_shared<uvpg::Task<void>>();
            auto killer = start([](uvpg::Cursor& cur, std::shared_ptr<uvpg::Task<void>> v) -> uvpg::Task<Outcome> {
                auto o = co_await attempt([&] { return cur.execute("SELECT pg_sleep(60)"); });
                *v = uvpg::Task<void>();  // destroys the other waiter's frame before its turn
                co_return o;
            }(x, victim));
            *victim = y.execute("SELECT 5");
            uvpg::detail::Access::handle(*victim).resume();
            REQUIRE_FALSE(victim->done());
            cn->close();
            CHECK(killer->finished);
            CHECK_RAISED(killer->outcome, uvpg::InterfaceError);
            CHECK_FALSE(victim->valid());
        }
    }());
}

TEST_CASE("two coroutines fetching from one cursor: the second is an InterfaceError at once") {
    uvpg::run(setup_schema());
    uvpg::run([]() -> uvpg::Task<void> {
        uvpg::Connection conn = co_await uvpg::connect(watched_dsn());
        uvpg::Cursor cur = co_await conn.cursor();
        co_await cur.stream(kRowsThenSleep);
        // The first fetch waits for the rows after the pause; every other fetch is refused.
        auto first = start([](uvpg::Cursor& c) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&] { return c.fetchall(); });
        }(cur));
        REQUIRE_FALSE(first->finished);
        auto two = co_await attempt([&] { return cur.fetchall(); });
        CHECK_RAISED(two, uvpg::InterfaceError);
        auto one = co_await attempt([&]() -> uvpg::Task<void> { (void)co_await cur.fetchone(); });
        CHECK_RAISED(one, uvpg::InterfaceError);
        auto many = co_await attempt([&]() -> uvpg::Task<void> { (void)co_await cur.fetchmany(5); });
        CHECK_RAISED(many, uvpg::InterfaceError);
        auto scroll = co_await attempt([&] { return cur.scroll(0); });
        CHECK_RAISED(scroll, uvpg::InterfaceError);
        co_await conn.cancel();  // the first fetch ends with the statement
        CHECK(co_await finished_within(first));
        // The rows before the error come first (test_stream), then the error.
        if (!first->outcome) {
            auto rest = co_await attempt([&] { return cur.fetchall(); });
            CHECK_RAISED(rest, uvpg::QueryCanceledError);
        } else {
            CHECK_RAISED(first->outcome, uvpg::QueryCanceledError);
        }

        // A plain result's fetch while an execute on the same cursor waits for its reply.
        auto exec = start([](uvpg::Cursor& c) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&] { return c.execute("SELECT pg_sleep(0.01)"); });
        }(cur));
        REQUIRE_FALSE(exec->finished);
        auto during = co_await attempt([&] { return cur.fetchall(); });
        CHECK_RAISED(during, uvpg::InterfaceError);
        CHECK(co_await finished_within(exec));
        CHECK_FALSE(exec->outcome);
        CHECK((co_await cur.fetchall()).size() == 1);
    }());
}

TEST_CASE("FATAL read while idle: the first operation is an OperationalError with the server's error") {
    uvpg::run([]() -> uvpg::Task<void> {
        uvpg::Connection conn = co_await uvpg::connect(dsn());
        uvpg::Cursor cur = co_await conn.cursor();
        const int pid = conn.backend_pid();
        CHECK(co_await admin_scalar("SELECT pg_terminate_backend(" + std::to_string(pid) + ")") == "t");
        REQUIRE(co_await until_closed(conn));
        auto first = co_await attempt([&] { return cur.execute("SELECT 1"); });
        CHECK_RAISED(first, uvpg::OperationalError);
        CHECK_RAISED(first, uvpg::errors::AdminShutdown);
        CHECK(first.pgcode() == "57P01");
        CHECK(first.what().find("terminating connection due to administrator command") != std::string::npos);
        auto second = co_await attempt([&] { return cur.execute("SELECT 1"); });
        CHECK_RAISED(second, uvpg::InterfaceError);
        CHECK(second.what().find("connection already closed") == 0);
        auto third = co_await attempt([&] { return conn.cursor(); });
        CHECK_RAISED(third, uvpg::InterfaceError);

        // The same through a new cursor first.
        uvpg::Connection c2 = co_await uvpg::connect(dsn());
        CHECK(co_await admin_scalar("SELECT pg_terminate_backend(" + std::to_string(c2.backend_pid()) + ")") == "t");
        REQUIRE(co_await until_closed(c2));
        auto made = co_await attempt([&] { return c2.cursor(); });
        CHECK_RAISED(made, uvpg::errors::AdminShutdown);
        auto after = co_await attempt([&] { return c2.cursor(); });
        CHECK_RAISED(after, uvpg::InterfaceError);

        // A connection the user closed: InterfaceError at once.
        uvpg::Connection c3 = co_await uvpg::connect(dsn());
        uvpg::Cursor cur3 = co_await c3.cursor();
        c3.close();
        auto mine = co_await attempt([&] { return cur3.execute("SELECT 1"); });
        CHECK_RAISED(mine, uvpg::InterfaceError);
    }());
}

namespace {
uvpg::Task<void> check_readable(uvpg::Cursor& cur, std::size_t rows) {
    CHECK(cur.rowcount() == static_cast<std::int64_t>(rows));
    auto one = co_await cur.fetchone();
    REQUIRE(one);
    CHECK((*one)[0].as<int>() == 1);
    auto rest = co_await cur.fetchall();
    CHECK(rest.size() == rows - 1);
    co_await cur.scroll(0, uvpg::ScrollMode::absolute);
    CHECK((co_await cur.fetchmany(2)).size() == 2);
}
}  // namespace

TEST_CASE("a completed result stays readable after its connection closes; an incomplete one raises") {
    uvpg::run([]() -> uvpg::Task<void> {
        const char* sql = "SELECT g FROM generate_series(1, 3) g";
        // The user's close.
        uvpg::Connection conn = co_await uvpg::connect(dsn());
        uvpg::Cursor cur = co_await conn.cursor();
        co_await cur.execute(sql);
        conn.close();
        co_await check_readable(cur, 3);
        // The server gone.
        uvpg::Connection c2 = co_await uvpg::connect(dsn());
        uvpg::Cursor cur2 = co_await c2.cursor();
        co_await cur2.execute(sql);
        CHECK(co_await admin_scalar("SELECT pg_terminate_backend(" + std::to_string(c2.backend_pid()) + ")") == "t");
        REQUIRE(co_await until_closed(c2));
        co_await check_readable(cur2, 3);
        // Given back to its pool.
        uvpg::PoolOptions o;
        o.minsize = 1;
        o.maxsize = 1;
        uvpg::Pool pool = co_await uvpg::create_pool(dsn(), o);
        uvpg::Connection pc = co_await pool.acquire();
        uvpg::Cursor cur3 = co_await pc.cursor();
        co_await cur3.execute(sql);
        pool.release(pc);
        co_await check_readable(cur3, 3);
        // A streamed result read to its end.
        uvpg::Connection c4 = co_await uvpg::connect(dsn());
        uvpg::Cursor cur4 = co_await c4.cursor();
        co_await cur4.stream(sql);
        auto streamed = co_await cur4.fetchmany(1);
        CHECK(streamed.size() == 1);
        c4.close();  // the stream's end had arrived (three rows, one batch)
        CHECK((co_await cur4.fetchall()).size() == 2);

        // Not completed: the statement was still running when the connection closed.
        uvpg::Connection c5 = co_await uvpg::connect(watched_dsn());
        uvpg::Cursor cur5 = co_await c5.cursor();
        auto running = start([](uvpg::Cursor& c) -> uvpg::Task<Outcome> {
            co_return co_await attempt([&] { return c.execute("SELECT pg_sleep(60)"); });
        }(cur5));
        c5.close();
        CHECK(co_await finished_within(running));
        CHECK_RAISED(running->outcome, uvpg::InterfaceError);
        auto fetched = co_await attempt([&] { return cur5.fetchall(); });
        CHECK_RAISED(fetched, uvpg::InterfaceError);
    }());
}

TEST_CASE("a task destroyed while it waits on the pool, or on cancel(), is never resumed") {
    uvpg::run([]() -> uvpg::Task<void> {
        uvpg::PoolOptions o;
        o.minsize = 1;
        o.maxsize = 1;
        uvpg::Pool pool = co_await uvpg::create_pool(dsn(), o);
        uvpg::Connection held = co_await pool.acquire();
        {
            // Waiting for a connection, then handed one (its resumption is posted to the next
            // turn of the loop), then destroyed before that turn: the connection goes back.
            auto waiting = pool.acquire();
            uvpg::detail::Access::handle(waiting).resume();
            REQUIRE_FALSE(waiting.done());
            pool.release(held);
        }
        co_await sleep_ms(1);  // the loop turns: nothing is resumed
        uvpg::Connection again = co_await pool.acquire();
        CHECK_FALSE(again.closed());
        {
            auto cancelling = again.cancel();
            uvpg::detail::Access::handle(cancelling).resume();
        }
        co_await sleep_ms(1);
        {
            // wait_closed() destroyed after the last connection came back and its resumption
            // was posted.
            pool.close();
            auto closing = pool.wait_closed();
            uvpg::detail::Access::handle(closing).resume();
            REQUIRE_FALSE(closing.done());
            pool.release(again);
        }
        co_await sleep_ms(1);
        co_await pool.wait_closed();
    }());
}
