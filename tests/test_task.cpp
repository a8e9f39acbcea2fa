// Task, run, spawn and gather on a libuv loop.
#include <uvpg/errors.hpp>
#include <uvpg/task.hpp>

#include "lib/runtime/recycle.hpp"

#include <doctest/doctest.h>
#include <uv.h>

#include <coroutine>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// A timer awaitable on a given loop; resumes from the close callback so nothing leaks.
struct Sleep {
    Sleep(uv_loop_t* l, std::uint64_t m) : loop(l), ms(m) {}
    uv_loop_t* loop;
    std::uint64_t ms;
    uv_timer_t timer{};
    std::coroutine_handle<> h;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> caller) {
        h = caller;
        uv_timer_init(loop, &timer);
        timer.data = this;
        uv_timer_start(
            &timer,
            [](uv_timer_t* t) {
                uv_close(reinterpret_cast<uv_handle_t*>(t),
                         [](uv_handle_t* hh) { static_cast<Sleep*>(hh->data)->h.resume(); });
            },
            ms, 0);
    }
    void await_resume() const noexcept {}
};

uvpg::Task<int> answer() { co_return 42; }
uvpg::Task<int> add_later(uv_loop_t* loop, int a, int b, std::uint64_t ms) {
    co_await Sleep{loop, ms};
    co_return a + b;
}
uvpg::Task<void> throws_later(uv_loop_t* loop) {
    co_await Sleep{loop, 1};
    throw std::runtime_error("boom");
}
uvpg::Task<std::string> nested() {
    int v = co_await answer();
    co_return std::to_string(v);
}

// A task that waits on nothing that can wake it: run() must not hang.
struct Never {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept {}
};
uvpg::Task<void> stuck() { co_await Never{}; }

}  // namespace

TEST_CASE("run returns the value of a task that never suspends") {
    CHECK(uvpg::run(answer()) == 42);
    CHECK(uvpg::run(nested()) == "42");
}

TEST_CASE("run drives the loop until the task ends") { CHECK(uvpg::run(add_later(uv_default_loop(), 2, 3, 5)) == 5); }

TEST_CASE("run on an application's own loop") {
    uv_loop_t loop;
    REQUIRE(uv_loop_init(&loop) == 0);
    CHECK(uvpg::run(&loop, add_later(&loop, 20, 22, 1)) == 42);
    CHECK(uv_loop_close(&loop) == 0);  // nothing left open
}

TEST_CASE("an exception inside a task is rethrown by run and at co_await") {
    CHECK_THROWS_WITH_AS(uvpg::run(throws_later(uv_default_loop())), "boom", std::runtime_error);
    auto outer = []() -> uvpg::Task<bool> {
        try {
            co_await throws_later(uv_default_loop());
        } catch (const std::runtime_error&) {
            co_return true;
        }
        co_return false;
    };
    CHECK(uvpg::run(outer()));
}

TEST_CASE("run of a task that can never finish throws InterfaceError instead of hanging") {
    CHECK_THROWS_AS(uvpg::run(stuck()), uvpg::InterfaceError);
}

TEST_CASE("a task not awaited never runs and frees its frame") {
    bool ran = false;
    {
        auto t = [&]() -> uvpg::Task<void> {
            ran = true;
            co_return;
        }();
        CHECK(t.valid());
    }
    CHECK_FALSE(ran);
}

TEST_CASE("gather runs tasks concurrently and returns results in order") {
    auto loop = uv_default_loop();
    auto main = [loop]() -> uvpg::Task<std::tuple<int, int, std::monostate>> {
        auto void_task = [loop]() -> uvpg::Task<void> { co_await Sleep{loop, 1}; };
        co_return co_await uvpg::gather(add_later(loop, 1, 1, 30), add_later(loop, 2, 2, 1), void_task());
    };
    uint64_t t0 = uv_now(loop);
    auto [a, b, c] = uvpg::run(main());
    (void)c;
    CHECK(a == 2);
    CHECK(b == 4);
    // Concurrent: total time is about the longest sleep, not the sum (no upper bound asserted).
    CHECK(uv_now(loop) - t0 >= 29);
}

TEST_CASE("gather of a vector, including an empty one") {
    auto loop = uv_default_loop();
    auto main = [loop]() -> uvpg::Task<std::vector<int>> {
        std::vector<uvpg::Task<int>> ts;
        for (int i = 0; i < 10; ++i) ts.push_back(add_later(loop, i, i, static_cast<std::uint64_t>(10 - i)));
        co_return co_await uvpg::gather(std::move(ts));
    };
    auto v = uvpg::run(main());
    REQUIRE(v.size() == 10);
    for (int i = 0; i < 10; ++i) CHECK(v[static_cast<std::size_t>(i)] == 2 * i);
    auto empty = []() -> uvpg::Task<std::size_t> {
        auto r = co_await uvpg::gather(std::vector<uvpg::Task<int>>{});
        co_return r.size();
    };
    CHECK(uvpg::run(empty()) == 0);
}

TEST_CASE("gather waits for every task, then rethrows the first exception") {
    auto loop = uv_default_loop();
    bool slow_finished = false;
    auto slow = [&]() -> uvpg::Task<int> {
        co_await Sleep{loop, 20};
        slow_finished = true;
        co_return 1;
    };
    auto main = [&]() -> uvpg::Task<void> { co_await uvpg::gather(slow(), throws_later(loop)); };
    CHECK_THROWS_WITH_AS(uvpg::run(main()), "boom", std::runtime_error);
    CHECK(slow_finished);
}

TEST_CASE("spawn starts a detached task that runs while the loop runs") {
    auto loop = uv_default_loop();
    int counter = 0;
    auto bump = [&](std::uint64_t ms) -> uvpg::Task<void> {
        co_await Sleep{loop, ms};
        ++counter;
    };
    uvpg::spawn(loop, bump(1));
    uvpg::spawn(loop, bump(2));
    CHECK(counter == 0);
    uvpg::run(add_later(loop, 0, 0, 20));
    CHECK(counter == 2);
}

TEST_CASE("coroutine frames: a freed block of a size class is handed out again; big blocks pass through") {
    void* a = uvpg::detail::frame_alloc(100);
    REQUIRE(a != nullptr);
    std::memset(a, 0xab, 100);
    uvpg::detail::frame_free(a, 100);
    void* b = uvpg::detail::frame_alloc(120);  // the same 128-byte class
    REQUIRE(b != nullptr);
#if !defined(UVPG_ASAN)
    CHECK(b == a);
#endif
    std::memset(b, 0xcd, 120);
    uvpg::detail::frame_free(b, 120);
    void* big = uvpg::detail::frame_alloc(1 << 20);  // past the classes: operator new's
    REQUIRE(big != nullptr);
    std::memset(big, 0, 1 << 20);
    uvpg::detail::frame_free(big, 1 << 20);
    uvpg::detail::frame_free(nullptr, 64);  // nothing to do
}
