// Connection::cancel: a CancelRequest on a socket of its own, as libpq's PQcancel, bounded as
// libpq 17's cancel connection is by connect_timeout (else the connection's timeout option).
#include "lib/conn/connection_impl.hpp"
#include "proto/frontend.hpp"

namespace uvpg {

namespace detail {
namespace {

// Connects, sends the CancelRequest and waits for the server to close the socket, which it
// does once it has taken the request. A postmaster that accepts and never answers (overloaded,
// a half-open path) would keep it waiting forever: the timer ends the wait.
class CancelOp final : public SocketOwner {
public:
    CancelOp(uv_loop_t* loop, const ConnectionImpl& c) : where_(c.where()) {
        proto::encode_cancel_request(out_, c.backend_pid(), c.backend_secret());
        const auto& p = c.params();
        const double limit = p.connect_timeout > 0 ? p.connect_timeout : p.timeout.value_or(0);
        if (limit > 0) timer_ = Timer::start(loop, limit, [this] { finish(UV_ETIMEDOUT, true); });
        if (c.params().is_unix_socket()) {
            socket_ = Socket::pipe(loop, this);
            socket_->connect(c.params().socket_path());
        } else {
            socket_ = Socket::tcp(loop, this);
            if (int rc = socket_->connect(reinterpret_cast<const sockaddr*>(&c.peer())); rc != 0) finish(rc);
        }
    }
    ~CancelOp() {
        if (socket_) socket_->close();
        if (timer_) timer_->stop_and_free();
    }
    bool done() const { return done_; }
    void set_waiter(std::coroutine_handle<> h) { waiter_ = h; }
    void check() const {
        if (timed_out_)
            throw TimeoutError("could not send cancel request: connection to " + where_ + " failed: timeout expired");
        if (status_ != 0)
            throw OperationalError("could not send cancel request: connection to " + where_ +
                                   " failed: " + system_error_text(status_));
    }

    void on_connected(int status) override {
        if (status != 0) return finish(status);
        if (int rc = socket_->start_read(); rc != 0) return finish(rc);
        if (int rc = socket_->write(out_); rc != 0) finish(rc);
    }
    void on_alloc(std::size_t, uv_buf_t* buf) override { *buf = uv_buf_init(scratch_, sizeof scratch_); }
    void on_read(ssize_t nread, const uv_buf_t*) override {
        if (nread < 0) finish(nread == UV_EOF ? 0 : static_cast<int>(nread));
    }
    void on_written(int status) override {
        if (status != 0) finish(status);
    }

private:
    void finish(int status, bool timed_out = false) {
        if (done_) return;
        done_ = true;
        status_ = status;
        timed_out_ = timed_out;
        if (timer_) {
            timer_->stop_and_free();  // also right from its own callback: it fires once
            timer_ = nullptr;
        }
        if (socket_) {
            socket_->close();
            socket_ = nullptr;
        }
        if (auto h = std::exchange(waiter_, {})) h.resume();
    }
    std::string where_;
    Socket* socket_ = nullptr;
    Timer* timer_ = nullptr;
    bool timed_out_ = false;
    std::vector<std::uint8_t> out_;
    char scratch_[64];
    int status_ = 0;
    bool done_ = false;
    std::coroutine_handle<> waiter_;
};

struct CancelAwaiter {
    CancelOp& op;
    bool await_ready() const noexcept { return op.done(); }
    void await_suspend(std::coroutine_handle<> h) noexcept { op.set_waiter(h); }
    void await_resume() const { op.check(); }
};

Task<void> cancel_impl(std::shared_ptr<ConnectionImpl> c) {
    CancelOp op(c->loop(), *c);
    co_await CancelAwaiter{op};
}

}  // namespace
}  // namespace detail

Task<void> Connection::cancel() { return detail::cancel_impl(checked().shared_from_this()); }

}  // namespace uvpg
