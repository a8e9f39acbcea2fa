// Timers count from the moment they are armed, not from the start of the loop iteration: a
// coroutine that works for a while (a CPU spin here, no sleep) before a timed operation still
// gets the whole timeout. libuv's loop time is cached per iteration, so before the fix each of
// these fired 0.7 s early. And cancel() gives up after connect_timeout on a server that takes
// the connection and never answers.
#include "fake_server.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

#include <chrono>

using namespace uvpg_test;

namespace {

constexpr double kSpinMs = 700;

// Keeps the CPU busy for `ms` on the monotonic clock, without yielding to the loop.
void spin(double ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double, std::milli>(ms);
    while (std::chrono::steady_clock::now() < until) {
    }
}

// A listener on the default loop that never accepts: the kernel completes the TCP handshake
// and keeps the connection in the backlog, where nothing ever answers it.
struct SilentListener {
    uv_tcp_t server{};
    int port = 0;
    SilentListener() {
        uv_tcp_init(uv_default_loop(), &server);
        sockaddr_in a{};
        uv_ip4_addr("127.0.0.1", 0, &a);
        REQUIRE(uv_tcp_bind(&server, reinterpret_cast<const sockaddr*>(&a), 0) == 0);
        REQUIRE(uv_listen(reinterpret_cast<uv_stream_t*>(&server), 8, [](uv_stream_t*, int) {}) == 0);
        sockaddr_storage got{};
        int len = sizeof got;
        uv_tcp_getsockname(&server, reinterpret_cast<sockaddr*>(&got), &len);
        port = ntohs(reinterpret_cast<sockaddr_in*>(&got)->sin_port);
    }
    ~SilentListener() {
        uv_close(reinterpret_cast<uv_handle_t*>(&server), nullptr);
        uv_run(uv_default_loop(), UV_RUN_NOWAIT);
    }
};

}  // namespace

TEST_CASE("a statement timeout armed after CPU work still allows the whole timeout") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn_with("timeout=1"));
        auto cur = co_await conn.cursor();
        co_await cur.execute("SELECT 1");
        spin(kSpinMs);  // same loop iteration as the execute below
        // 0.5 s is well inside timeout=1; with the timer counted from the cached loop time it
        // fired after 0.3 s and closed the connection.
        co_await cur.execute("SELECT pg_sleep(0.5)");
        CHECK_FALSE(conn.closed());
        co_await cur.execute("SELECT 2");
        auto row = co_await cur.fetchone();
        REQUIRE(row);
        CHECK((*row)[0].as<int>() == 2);
    }());
}

TEST_CASE("an acquire timeout armed after CPU work waits the whole timeout") {
    uvpg::run([]() -> uvpg::Task<void> {
        uvpg::PoolOptions o;
        o.minsize = 1;
        o.maxsize = 1;
        o.timeout = 1;
        auto pool = co_await uvpg::create_pool(dsn(), o);
        auto held = co_await pool.acquire();
        spin(kSpinMs);
        const double t0 = now_ms();
        bool timed_out = false;
        try {
            auto second = co_await pool.acquire();
        } catch (const uvpg::TimeoutError&) {
            timed_out = true;
        }
        const double waited = now_ms() - t0;
        CHECK(timed_out);
        CAPTURE(waited);
        CHECK(waited >= 950);  // before the fix: about 300
        pool.release(held);
        pool.close();
        co_await pool.wait_closed();
    }());
}

TEST_CASE("connect_timeout armed after CPU work waits the whole timeout") {
    SilentListener silent;
    uvpg::run([](int port) -> uvpg::Task<void> {
        spin(kSpinMs);
        const double t0 = now_ms();
        bool timed_out = false;
        try {
            auto conn = co_await uvpg::connect("host=127.0.0.1 user=u sslmode=disable connect_timeout=2 port=" +
                                               std::to_string(port));
        } catch (const uvpg::TimeoutError& e) {
            timed_out = true;
            CHECK(std::string(e.what()) ==
                  "connection to server at \"127.0.0.1\", port " + std::to_string(port) + " failed: timeout expired\n");
        }
        const double waited = now_ms() - t0;
        CHECK(timed_out);
        CAPTURE(waited);
        CHECK(waited >= 1950);  // before the fix: about 1300
    }(silent.port));
}

TEST_CASE("cancel() against a server that accepts and never answers ends at connect_timeout") {
    // The session logs in; the CancelRequest's own connection then reaches a server that never
    // reads it or closes (as an overloaded postmaster or a half-open path).
    FakeServer srv({trust_handshake(), hold()});
    uvpg::run([](std::string d) -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(d);
        const double t0 = now_ms();
        bool timed_out = false;
        try {
            co_await conn.cancel();
        } catch (const uvpg::TimeoutError& e) {
            timed_out = true;
            CHECK(std::string(e.what()).find("could not send cancel request: ") == 0);
            CHECK(std::string(e.what()).find("timeout expired") != std::string::npos);
        }
        const double waited = now_ms() - t0;
        CHECK(timed_out);
        CAPTURE(waited);
        CHECK(waited >= 1950);
        CHECK_FALSE(conn.closed());  // the session itself is not touched
    }("host=127.0.0.1 port=" + std::to_string(srv.port()) + " user=u dbname=d sslmode=disable connect_timeout=2"));
}

TEST_CASE("cancel() with no connect_timeout is bounded by the connection's timeout option") {
    FakeServer srv({trust_handshake(), hold()});
    uvpg::run([](std::string d) -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(d);
        CHECK_THROWS_AS(co_await conn.cancel(), uvpg::TimeoutError);
    }("host=127.0.0.1 port=" + std::to_string(srv.port()) + " user=u dbname=d sslmode=disable timeout=1"));
}

TEST_CASE("pool_recycle measures a connection's age on the real clock, not the loop's cached one") {
    uvpg::run([]() -> uvpg::Task<void> {
        uvpg::PoolOptions o;
        o.minsize = 1;
        o.maxsize = 1;
        o.pool_recycle = 1;
        auto pool = co_await uvpg::create_pool(dsn(), o);
        auto first = co_await pool.acquire();
        const auto pid = first.backend_pid();
        pool.release(first);
        spin(1300);  // the connection is now 1.3 s old, though the loop's clock has not moved
        auto second = co_await pool.acquire();
        CHECK(second.backend_pid() != pid);  // recycled, not handed out past pool_recycle
        pool.release(second);
        pool.close();
        co_await pool.wait_closed();
    }());
}
