// Connection::cancel: a CancelRequest on a socket of its own, as libpq's PQcancel.
#include "lib/connection_impl.hpp"
#include "proto/frontend.hpp"

namespace uvpg {

namespace detail {
namespace {

// Connects, sends the CancelRequest and waits for the server to close the socket, which it
// does once it has taken the request.
class CancelOp final : public SocketOwner {
public:
    CancelOp(uv_loop_t* loop, const ConnectionImpl& c) {
        proto::encode_cancel_request(out_, c.backend_pid(), c.backend_secret());
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
    }
    bool done() const { return done_; }
    void set_waiter(std::coroutine_handle<> h) { waiter_ = h; }
    void check() const {
        if (status_ != 0) throw OperationalError("could not send cancel request: " + uv_error_text(status_));
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
    void finish(int status) {
        if (done_) return;
        done_ = true;
        status_ = status;
        if (socket_) {
            socket_->close();
            socket_ = nullptr;
        }
        if (auto h = std::exchange(waiter_, {})) h.resume();
    }
    Socket* socket_ = nullptr;
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
