// libuv streams (TCP or unix socket) for one connection, by the book: uv_close exactly once,
// memory freed in the close callback, callbacks to an owner that may go away first.
#pragma once
#include <uv.h>

#include <coroutine>
#include <cstdint>
#include <string>
#include <vector>

namespace uvpg::detail {

class SocketOwner {
public:
    virtual void on_connected(int status) = 0;
    virtual void on_alloc(std::size_t suggested, uv_buf_t* buf) = 0;
    virtual void on_read(ssize_t nread, const uv_buf_t* buf) = 0;
    virtual void on_written(int status) = 0;
    virtual void on_uncork() {}

protected:
    ~SocketOwner() = default;
};

// Heap-allocated; deletes itself in its close callback. The owner calls detach() or close()
// when it goes away, after which no callback reaches it.
class Socket {
public:
    static Socket* tcp(uv_loop_t* loop, SocketOwner* owner);
    static Socket* pipe(uv_loop_t* loop, SocketOwner* owner);

    int connect(const sockaddr* addr);      // on_connected follows
    void connect(const std::string& path);  // unix socket; on_connected follows
    int start_read();
    void stop_read();
    bool writing() const { return writing_; }
    // Writes `data` (the caller's buffer comes back empty). When it all goes out at once,
    // writing() stays false and no on_written follows; otherwise on_written follows. One
    // write at a time: the owner queues further bytes until writing() is false again.
    int write(std::vector<std::uint8_t>& data);
    // Asks for on_uncork() once, just before the loop next waits for I/O: requests made while
    // the loop handles a batch of replies go out together after it, not one by one in between.
    void cork();
    // While a large result streams in (on): the kernel wakes the loop only once kLowWater
    // bytes wait (SO_RCVLOWAT), not for each of the server's 8 KiB flushes. A timer brings back
    // wake-ups for every byte after a millisecond without a read (each call while on restarts
    // it), so a tail shorter than the mark, the result's end, waits at most that long.
    void low_water(bool on);
    static constexpr int kLowWater = 256 * 1024;
    // For tests: how many times the mark went up, and the kernel's current SO_RCVLOWAT (-1 if
    // it cannot say).
    std::uint64_t low_water_turns() const { return low_water_turns_; }
    int low_water_mark() const;
    // Closes the handle; no callback reaches the owner afterwards.
    void close();
    // Writes `last` (Terminate) if no write is in flight, then closes; detaches the owner.
    void write_and_close(std::vector<std::uint8_t> last);

private:
    Socket(SocketOwner* owner) : owner_(owner) {}
    ~Socket() = default;
    static void on_connect_cb(uv_connect_t* req, int status);
    static void on_alloc_cb(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf);
    static void on_read_cb(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
    static void on_write_cb(uv_write_t* req, int status);
    static void on_close_cb(uv_handle_t* h);
    static void on_prepare_cb(uv_prepare_t* p);
    static void on_low_water_cb(uv_timer_t* t);
    void set_low_water(int bytes);
    void init_handles(uv_loop_t* loop);

    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } h_;
    uv_connect_t connect_req_;
    uv_write_t write_req_;
    uv_prepare_t prepare_;
    uv_timer_t low_water_timer_;
    int handles_open_ = 3;  // the stream, the prepare handle and the timer; freed when all are closed
    bool low_water_ = false;
    std::uint64_t low_water_turns_ = 0;
    bool corked_ = false;
    std::vector<std::uint8_t> out_;  // bytes of the write in flight
    SocketOwner* owner_;
    bool writing_ = false;
    bool closing_ = false;
    bool close_after_write_ = false;
};

// Owns a uv_timer_t the same way (freed in its close callback).
class Timer {
public:
    template <class F>
    static Timer* start(uv_loop_t* loop, double seconds, F&& on_fire);
    void stop_and_free();  // cancels and frees; the callback never runs afterwards

private:
    struct Fn {
        virtual ~Fn() = default;
        virtual void operator()() = 0;
    };
    template <class F>
    struct FnImpl : Fn {
        F f;
        explicit FnImpl(F&& x) : f(std::move(x)) {}
        void operator()() override { f(); }
    };
    static Timer* start_impl(uv_loop_t* loop, double seconds, Fn* fn);
    static void on_timer_cb(uv_timer_t* t);
    static void on_close_cb(uv_handle_t* h);
    uv_timer_t timer_;
    Fn* fn_ = nullptr;
};

template <class F>
Timer* Timer::start(uv_loop_t* loop, double seconds, F&& on_fire) {
    return start_impl(loop, seconds, new FnImpl<std::decay_t<F>>(std::forward<F>(on_fire)));
}

// Resumes coroutines on a later turn of the loop, never inside the call that woke them (a
// release() from a destructor, a connection's close()). Freed in its close callback.
class Poster {
public:
    static Poster* create(uv_loop_t* loop);
    void post(std::coroutine_handle<> h);
    // A posted coroutine that is being destroyed: it is not resumed.
    void forget(std::coroutine_handle<> h) noexcept;
    void close();  // what is still queued is dropped; the owner has no waiters left by then

private:
    static void on_idle_cb(uv_idle_t* h);
    static void on_close_cb(uv_handle_t* h);
    uv_idle_t idle_;
    std::vector<std::coroutine_handle<>> queue_;
    std::vector<std::coroutine_handle<>> running_;  // the batch being resumed, from running_next_ on
    std::size_t running_next_ = 0;
    bool closing_ = false;
};

// "127.0.0.1:5432", "[::1]:5432" or the socket path, for messages.
std::string describe_address(const sockaddr* addr);
// The C library's text for a libuv error, as libpq words it: "Connection refused".
std::string system_error_text(int status);
// getaddrinfo's text for a failed name lookup (UV_EAI_*): "Name or service not known".
std::string lookup_error_text(int status);

}  // namespace uvpg::detail
