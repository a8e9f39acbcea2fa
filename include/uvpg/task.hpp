// Task<T>, run, spawn and gather: C++20 coroutines on a libuv loop.
#pragma once
#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <uvpg/detail/frame_alloc.hpp>
#include <uvpg/export.hpp>
#include <variant>
#include <vector>

typedef struct uv_loop_s uv_loop_t;

namespace uvpg {

template <class T = void>
class Task;

namespace detail {

struct Access;  // lib/runtime/access.hpp: lib/'s (and the tests') way to a Task's handle

template <class T>
using slot_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

struct PromiseBase {
    std::coroutine_handle<> continuation;
    std::exception_ptr error;

    static void* operator new(std::size_t n) { return frame_alloc(n); }
    static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, n); }

    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
        bool await_ready() noexcept { return false; }
        template <class P>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
            auto c = h.promise().continuation;
            return c ? c : std::noop_coroutine();
        }
        void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { error = std::current_exception(); }
};

template <class T>
struct Promise : PromiseBase {
    std::optional<T> value;
    Task<T> get_return_object() noexcept;
    template <class U = T>
    void return_value(U&& v) {
        value.emplace(std::forward<U>(v));
    }
    T take() {
        if (error) std::rethrow_exception(error);
        return std::move(*value);
    }
};

template <>
struct Promise<void> : PromiseBase {
    Task<void> get_return_object() noexcept;
    void return_void() noexcept {}
    void take() {
        if (error) std::rethrow_exception(error);
    }
};

// A fire-and-forget coroutine that starts at once and frees itself when it ends.
struct Detached {
    struct promise_type {
        static void* operator new(std::size_t n) { return frame_alloc(n); }
        static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, n); }
        Detached get_return_object() noexcept { return {}; }
        std::suspend_never initial_suspend() noexcept { return {}; }
        std::suspend_never final_suspend() noexcept { return {}; }
        void return_void() noexcept {}
        UVPG_EXPORT void unhandled_exception() noexcept;  // reports to stderr; a detached task has no one to tell
    };
};

UVPG_EXPORT uv_loop_t* default_loop() noexcept;
// Runs `loop` until `done` becomes true. Throws InterfaceError if the loop runs out of work first.
UVPG_EXPORT void run_until(uv_loop_t* loop, const std::coroutine_handle<>& task);
// Lets close callbacks of handles closed during the run fire, so nothing leaks.
UVPG_EXPORT void drain(uv_loop_t* loop) noexcept;

}  // namespace detail

// A lazily started, move-only coroutine result; an exception inside is rethrown at co_await.
template <class T>
class [[nodiscard]] Task {
public:
    using promise_type = detail::Promise<T>;
    using value_type = T;

    Task() noexcept = default;
    explicit Task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
    Task(Task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
    Task& operator=(Task&& o) noexcept {
        if (this != &o) {
            if (h_) h_.destroy();
            h_ = std::exchange(o.h_, {});
        }
        return *this;
    }
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;
    ~Task() {
        if (h_) h_.destroy();
    }

    bool valid() const noexcept { return bool(h_); }
    bool done() const noexcept { return h_ && h_.done(); }

    auto operator co_await() && noexcept {
        struct Awaiter {
            std::coroutine_handle<promise_type> h;
            bool await_ready() noexcept { return !h || h.done(); }
            std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
                h.promise().continuation = caller;
                return h;
            }
            T await_resume() { return h.promise().take(); }
        };
        return Awaiter{h_};
    }

private:
    friend struct detail::Access;
    template <class U>
    friend U run(uv_loop_t* loop, Task<U> task);
    std::coroutine_handle<promise_type> h_;
};

namespace detail {
template <class T>
Task<T> Promise<T>::get_return_object() noexcept {
    return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}
inline Task<void> Promise<void>::get_return_object() noexcept {
    return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}
}  // namespace detail

// Runs `loop` until `task` finishes, then returns its value or rethrows its exception
// (aiopg: loop.run_until_complete). Must not be called from inside a running loop.
template <class T>
T run(uv_loop_t* loop, Task<T> task) {
    auto h = task.h_;
    if (!h) return detail::Promise<T>{}.take();
    h.resume();
    detail::run_until(loop, h);
    struct Drain {
        uv_loop_t* loop;
        ~Drain() { detail::drain(loop); }
    } drain{loop};
    if constexpr (std::is_void_v<T>) {
        h.promise().take();
        task = Task<T>();
    } else {
        T v = h.promise().take();
        task = Task<T>();
        return v;
    }
}
template <class T>
T run(Task<T> task) {
    return run(detail::default_loop(), std::move(task));
}

namespace detail {
template <class T>
Detached spawn_wrapper(Task<T> task) {
    co_await std::move(task);
}
}  // namespace detail

// Starts `task` detached (aiopg: asyncio.ensure_future). It runs now until its first suspension,
// then on `loop` while the loop runs. An exception that escapes it is reported on stderr.
template <class T>
void spawn(uv_loop_t* loop, Task<T> task) {
    (void)loop;  // tasks run on the loop of the I/O they wait for; kept for aiopg's shape
    detail::spawn_wrapper(std::move(task));
}

namespace detail {
struct GatherState {
    std::size_t remaining = 0;
    std::coroutine_handle<> parent;
    std::exception_ptr first_error;
    void finish_one() {
        if (--remaining == 0) parent.resume();
    }
};

template <class T>
Detached gather_one(Task<T> task, GatherState& st, std::optional<slot_t<T>>& slot) {
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(task);
            slot.emplace();
        } else {
            slot.emplace(co_await std::move(task));
        }
    } catch (...) {
        if (!st.first_error) st.first_error = std::current_exception();
    }
    st.finish_one();
}

// Starts every child, then suspends the parent until the last one ends.
template <class Start>
struct GatherAwaiter {
    GatherState& st;
    Start start;
    bool await_ready() noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> parent) {
        st.parent = parent;
        st.remaining += 1;  // held until every child has started, so none resumes us too early
        start();
        return --st.remaining != 0;
    }
    void await_resume() {
        if (st.first_error) std::rethrow_exception(st.first_error);
    }
};

template <class... Ts>
Task<std::tuple<slot_t<Ts>...>> gather_impl(Task<Ts>... tasks) {
    GatherState st;
    std::tuple<std::optional<slot_t<Ts>>...> slots;
    st.remaining = sizeof...(Ts);
    auto start = [&] { std::apply([&](auto&... s) { (gather_one(std::move(tasks), st, s), ...); }, slots); };
    co_await GatherAwaiter<decltype(start)>{st, start};
    co_return std::apply([](auto&... s) { return std::tuple<slot_t<Ts>...>(std::move(*s)...); }, slots);
}

template <class T>
Task<std::vector<slot_t<T>>> gather_vector(std::vector<Task<T>> tasks) {
    GatherState st;
    std::vector<std::optional<slot_t<T>>> slots(tasks.size());
    st.remaining = tasks.size();
    auto start = [&] {
        for (std::size_t i = 0; i < tasks.size(); ++i) gather_one(std::move(tasks[i]), st, slots[i]);
    };
    co_await GatherAwaiter<decltype(start)>{st, start};
    std::vector<slot_t<T>> out;
    out.reserve(slots.size());
    for (auto& s : slots) out.push_back(std::move(*s));
    co_return out;
}
}  // namespace detail

// Awaits several tasks concurrently (aiopg: asyncio.gather). Every task runs to its end; then
// the results come back in order (std::monostate for Task<void>), or the first exception is
// rethrown.
template <class... Ts>
Task<std::tuple<detail::slot_t<Ts>...>> gather(Task<Ts>... tasks) {
    return detail::gather_impl(std::move(tasks)...);
}
template <class T>
Task<std::vector<detail::slot_t<T>>> gather(std::vector<Task<T>> tasks) {
    return detail::gather_vector(std::move(tasks));
}

}  // namespace uvpg
