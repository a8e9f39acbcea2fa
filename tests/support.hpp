// Shared helpers for the integration tests: where the test server is, and small awaitables.
#pragma once
#include <uvpg/uvpg.hpp>

#include <uv.h>

#include <string>

namespace uvpg_test {

// The superuser DSN of the test server (UVPG_TEST_DSN, set by scripts/test.sh). Fails the
// test when unset: a test that needs a server must not pass without one.
std::string dsn();
// DSN of the test server with other settings appended: dsn_with("user=uvpg_md5 password=x").
std::string dsn_with(const std::string& extra);
// Whether the server has the per-auth-method roles of tests/pg_server.sh (UVPG_TEST_AUTH=1).
bool have_auth_roles();
std::string env(const char* name);

// Skips the rest of the running test case because what it needs is missing (TLS on the test
// server, the per-method roles): prints "SKIPPED: <test case>: <why>", which scripts/test.sh
// counts as skipped instead of passed, and returns from the enclosing function. With
// UVPG_TEST_NO_SKIP=1 (.ci/run sets it: in CI everything must run) the skip fails the test.
#define UVPG_SKIP(why)                 \
    do {                               \
        ::uvpg_test::report_skip(why); \
        return;                        \
    } while (0)
void report_skip(const std::string& why);

// Waits `ms` milliseconds on the default loop (for timeouts that a test checks, not races).
uvpg::Task<void> sleep_ms(std::uint64_t ms);

// Runs a SQL statement on a fresh superuser connection and returns the first column of the
// first row as text (or "" when there is none).
uvpg::Task<std::string> admin_scalar(std::string sql);

// Milliseconds on a monotonic clock.
double now_ms();

// Runs `body(connection, cursor)`, a coroutine, on a fresh superuser connection.
template <class F>
void with_cursor(F body) {
    uvpg::run([](F b) -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        co_await b(conn, cur);
    }(std::move(body)));
}

}  // namespace uvpg_test
