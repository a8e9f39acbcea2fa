// How a connection ends: closed by the user, lost (EOF, a socket error), or broken by a
// protocol violation. Every pending request fails at once with the reason, and what waits on
// the connection is woken; the last bytes (Terminate, TLS close_notify) go out on the way.
#include "lib/conn/connection_impl.hpp"
#include "proto/frontend.hpp"

namespace uvpg::detail {

ConnectionImpl::~ConnectionImpl() {
    // Requests' and room's waiters hold a handle (through their cursor), so none can be
    // pending here. A task waiting for notifications holds none: its connection goes with the
    // last handle, and the wait fails now rather than never ending.
    while (!notify_waiters.empty()) {
        auto w = notify_waiters.front();
        notify_waiters.pop_front();
        *w.gone = true;
        w.h.resume();
    }
    forget_statements();  // a caller's memo must not match a connection made at this address later
    if (connect_timer_) connect_timer_->stop_and_free();
    if (addrs_) uv_freeaddrinfo(addrs_);
    if (socket_) socket_->write_and_close(goodbye(running()));
}

std::vector<std::uint8_t> ConnectionImpl::goodbye(bool terminate) {
    std::vector<std::uint8_t> bye;
    if (terminate) proto::encode_terminate(bye);
    if (!tls_) return bye;
    std::vector<std::uint8_t> wire;
    if (tls_->established() && !bye.empty()) {
        (void)tls_->write(bye.data(), bye.size());
        tls_->close_notify();
        tls_->take_output(wire);
    }
    return wire;
}

std::string ConnectionImpl::closed_message() const {
    if (close_reason_.empty()) return "connection already closed";
    return "connection already closed (" + close_reason_ + ")";
}

void ConnectionImpl::protocol_violation(const std::string& what) {
    fail_all(make_error(Errc::protocol_violation,
                        "protocol violation from " + where() + ": " + what + "; connection closed"),
             false);
}

void ConnectionImpl::connection_lost(const std::string& why) {
    // libpq's lines: each ends with a newline, and before the first ReadyForQuery they follow
    // the earlier attempts' lines and the "connection to server ... failed: " prefix.
    std::string msg = why + "\n";
    if (!running()) msg = startup_error_text(msg);
    fail_all(make_error(Errc::connection_lost, std::move(msg)), true);
}

void ConnectionImpl::close(ErrorValue reason) noexcept { fail_all(std::move(reason), false); }

// Every way a connection ends comes here: the connection closes, and every request pending on
// it fails at once (lib/ops/request_error.hpp, ending_error, says with what), and whatever waits
// on it is woken.
void ConnectionImpl::fail_all(ErrorValue reason, bool lost) noexcept {
    if (state_ == State::closed) return;
    bool was_ready = running();
    state_ = State::closed;
    forget_statements();
    if (!reason) reason = make_error(Errc::closed, "connection already closed");
    else close_reason_ = what_of(reason);
    if (connect_timer_) {
        connect_timer_->stop_and_free();
        connect_timer_ = nullptr;
    }
    if (resolve_req_) {
        uv_cancel(reinterpret_cast<uv_req_t*>(resolve_req_));  // its callback still runs and finds us closed
        resolve_req_ = nullptr;
    }
    if (addrs_) {
        uv_freeaddrinfo(addrs_);
        addrs_ = next_addr_ = nullptr;
    }
    if (socket_) {
        socket_->write_and_close(goodbye(was_ready));
        socket_ = nullptr;
    }
    const bool by_user = reason.code == Errc::closed;
    close_error_ = ops::RequestError(std::move(reason));
    // Nothing waits to be told (psycopg2: the next operation raises it, once). A close by the
    // user (InterfaceError) has nothing to report.
    unreported_ = !has_waiters() && !by_user;
    for (auto& r : queue_) {
        ops::RequestError own = r->error ? std::move(r->error) : ops::RequestError::of(r->core(), r->sql);
        r->error = ops::ending_error(std::move(own), close_error_, lost);
        r->done = true;
        wake(r);
    }
    queue_.clear();
    for (auto& w : notify_waiters) ready_.push_back({nullptr, w.h});
    notify_waiters.clear();
    for (auto& w : turnstile_.waiters) ready_.push_back({nullptr, w.h});  // they find the connection closed
    turnstile_.waiters.clear();
    if (auto hook = std::move(on_closed)) hook();
}

}  // namespace uvpg::detail
