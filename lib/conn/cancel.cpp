// Connection::cancel: a CancelRequest on a socket of its own, as libpq's PQcancel, bounded as
// libpq 17's cancel connection is by connect_timeout (else the connection's timeout option).
// What is sent and what counts as done is ops::CancelOp's (lib/ops/cancel_op.hpp); here the
// socket and the timer.
#include "lib/conn/connection_impl.hpp"
#include "lib/ops/cancel_op.hpp"

namespace uvpg {

namespace detail {
namespace {

// Connects, sends the CancelRequest and waits for the server to close the socket, which it
// does once it has taken the request. A postmaster that accepts and never answers (overloaded,
// a half-open path) would keep it waiting forever: the timer ends the wait.
class CancelConnection final : public SocketOwner {
public:
    CancelConnection(uv_loop_t* loop, const ConnectionImpl& c)
        : where_(c.where()), op_(c.backend_pid(), c.backend_secret()) {
        const auto& p = c.params();
        const double limit = p.connect_timeout > 0 ? p.connect_timeout : p.timeout.value_or(0);
        if (limit > 0) timer_ = Timer::start(loop, limit, [this] { step(op_.on_timeout()); });
        if (c.params().is_unix_socket()) {
            socket_ = Socket::pipe(loop, this);
            socket_->connect(c.params().socket_path());
        } else {
            socket_ = Socket::tcp(loop, this);
            if (int rc = socket_->connect(reinterpret_cast<const sockaddr*>(&c.peer())); rc != 0) failed(rc);
        }
    }
    ~CancelConnection() {
        if (socket_) socket_->close();
        if (timer_) timer_->stop_and_free();
    }
    bool done() const { return done_; }
    void set_waiter(std::coroutine_handle<> h) { waiter_ = h; }
    void check() const {
        if (!error_) return;
        ErrorValue e = error_;
        e.message = ops::cancel_failed_text(where_, e.message);
        std::rethrow_exception(to_exception(e));
    }

    void on_connected(int status) override {
        if (status != 0) return failed(status);
        if (int rc = socket_->start_read(); rc != 0) return failed(rc);
        step(op_.start(out_));
    }
    void on_alloc(std::size_t, uv_buf_t* buf) override { *buf = uv_buf_init(scratch_, sizeof scratch_); }
    void on_read(ssize_t nread, const uv_buf_t*) override {
        if (nread == UV_EOF) return step(op_.on_closed_by_server());
        if (nread < 0) return failed(static_cast<int>(nread));
        step(op_.on_read(
            proto::ByteView(reinterpret_cast<const std::uint8_t*>(scratch_), static_cast<std::size_t>(nread))));
    }
    void on_written(int status) override {
        if (status != 0) failed(status);
    }

private:
    void failed(int status) { step(op_.on_io_error(system_error_text(status))); }
    void step(ops::Action a) {
        if (done_) return;
        if (a.kind != ops::Action::Kind::done) {
            if (!out_.empty() && socket_ && !socket_->writing()) {
                if (int rc = socket_->write(out_); rc != 0) failed(rc);
            }
            return;
        }
        done_ = true;
        error_ = std::move(a.error);
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
    ops::CancelOp op_;
    Socket* socket_ = nullptr;
    Timer* timer_ = nullptr;
    std::vector<std::uint8_t> out_;  // the CancelRequest until the socket takes it
    char scratch_[64];
    ErrorValue error_;
    bool done_ = false;
    std::coroutine_handle<> waiter_;
};

struct CancelAwaiter {
    CancelConnection& op;
    bool await_ready() const noexcept { return op.done(); }
    void await_suspend(std::coroutine_handle<> h) noexcept { op.set_waiter(h); }
    void await_resume() const { op.check(); }
};

Task<void> cancel_impl(std::shared_ptr<ConnectionImpl> c) {
    CancelConnection op(c->loop(), *c);
    co_await CancelAwaiter{op};
}

}  // namespace
}  // namespace detail

Task<void> Connection::cancel() { return detail::cancel_impl(checked().shared_from_this()); }

}  // namespace uvpg
