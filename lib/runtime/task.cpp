#include <uvpg/errors.hpp>
#include <uvpg/task.hpp>

#include <uv.h>

#include <cstdio>

namespace uvpg::detail {

uv_loop_t* default_loop() noexcept { return uv_default_loop(); }

void run_until(uv_loop_t* loop, const std::coroutine_handle<>& task) {
    while (!task.done()) {
        if (uv_run(loop, UV_RUN_ONCE) == 0 && !task.done())
            throw InterfaceError(
                "uvpg::run: the event loop has nothing left to wait for, but the task has not finished");
    }
}

void drain(uv_loop_t* loop) noexcept {
    // Handles closed during the run get their close callbacks here, so their memory is freed.
    uv_run(loop, UV_RUN_NOWAIT);
}

void Detached::promise_type::unhandled_exception() noexcept {
    try {
        throw;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uvpg: a spawned task ended with an exception: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "uvpg: a spawned task ended with an unknown exception\n");
    }
}

}  // namespace uvpg::detail
