#include "support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <coroutine>
#include <cstdio>
#include <cstdlib>

namespace uvpg_test {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

std::string dsn() {
    std::string d = env("UVPG_TEST_DSN");
    if (d.empty()) FAIL("UVPG_TEST_DSN is not set: run scripts/test.sh, or point it at a server");
    return d;
}

std::string dsn_with(const std::string& extra) { return dsn() + " " + extra; }

bool have_auth_roles() { return env("UVPG_TEST_AUTH") == "1"; }

namespace {
// The name of the running test case, for report_skip: doctest tells listeners, not tests.
std::string current_test;

struct CurrentTestListener : doctest::IReporter {
    explicit CurrentTestListener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats&) override {}
    void test_case_start(const doctest::TestCaseData& t) override { current_test = t.m_name; }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};
}  // namespace
DOCTEST_REGISTER_LISTENER("uvpg_current_test", 1, CurrentTestListener);

void report_skip(const std::string& why) {
    if (env("UVPG_TEST_NO_SKIP") == "1") FAIL("skipped (" << why << "), and UVPG_TEST_NO_SKIP=1 allows no skips");
    std::printf("SKIPPED: %s: %s\n", current_test.c_str(), why.c_str());
    std::fflush(stdout);
}

namespace {
struct SleepAwaiter {
    explicit SleepAwaiter(std::uint64_t m) : ms(m) {}
    std::uint64_t ms;
    uv_timer_t timer{};
    std::coroutine_handle<> h;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> caller) {
        h = caller;
        uv_timer_init(uv_default_loop(), &timer);
        timer.data = this;
        // Resumed from the close callback, so the handle inside this frame is free to go.
        uv_timer_start(
            &timer,
            [](uv_timer_t* t) {
                uv_close(reinterpret_cast<uv_handle_t*>(t),
                         [](uv_handle_t* hh) { static_cast<SleepAwaiter*>(hh->data)->h.resume(); });
            },
            ms, 0);
    }
    void await_resume() const noexcept {}
};
}  // namespace

uvpg::Task<void> sleep_ms(std::uint64_t ms) { co_await SleepAwaiter{ms}; }

uvpg::Task<std::string> admin_scalar(std::string sql) {
    auto conn = co_await uvpg::connect(dsn());
    auto cur = co_await conn.cursor();
    co_await cur.execute(sql);
    std::string out;
    if (!cur.description().empty()) {
        auto row = co_await cur.fetchone();
        if (row && !(*row)[0].is_null()) out = (*row)[0].as<std::string>();
    }
    co_return out;
}

double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace uvpg_test
