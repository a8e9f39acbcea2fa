// uvpg::connect and the public Connection handle over ConnectionImpl.
#include <uvpg/cursor.hpp>

#include "lib/conn/connection_impl.hpp"
#include "lib/pool/pool_impl.hpp"

namespace uvpg {

namespace detail {
namespace {
Task<Connection> connect_impl(ConnParams params) {
    auto impl = std::make_shared<ConnectionImpl>(std::move(params));
    RequestAwaiter startup{impl->open()};  // named: g++ 12 mishandles non-trivial temporaries in co_await
    co_await startup;
    co_return Access::connection(std::move(impl));
}

Task<Connection> fail_connect(std::exception_ptr e) {
    std::rethrow_exception(e);
    co_return Connection();
}
}  // namespace
}  // namespace detail

// Plain functions: the parameters are resolved here, while the option views are alive, and
// only owned values go into the coroutine (g++ 12 mishandles braced aggregate temporaries in
// coroutines, docs/design.md). A bad DSN is thrown at co_await, like every other connect error.
Task<Connection> connect(std::string_view dsn, const ConnectOptions& options) {
    try {
        return detail::connect_impl(detail::resolve_params(dsn, options));
    } catch (...) {
        return detail::fail_connect(std::current_exception());
    }
}
Task<Connection> connect(const ConnectOptions& options) { return connect("", options); }

Connection::Connection() noexcept = default;
Connection::Connection(std::shared_ptr<detail::ConnectionImpl> impl, std::shared_ptr<detail::Lease> lease) noexcept
    : impl_(std::move(impl)), lease_(std::move(lease)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

detail::ConnectionImpl& Connection::checked() const {
    if (!impl_) throw InterfaceError("connection already closed");
    if (lease_ && detail::lease_released(*lease_)) throw InterfaceError("connection already returned to its pool");
    if (impl_->closed()) {
        // The first operation to meet a connection the server closed raises its error.
        if (const auto* e = impl_->take_unreported()) std::rethrow_exception(detail::to_exception(*e));
        throw InterfaceError(impl_->closed_message());
    }
    return *impl_;
}

namespace {
Task<Cursor> make_cursor(Connection conn) { co_return detail::Access::cursor(std::move(conn)); }
}  // namespace

Task<Cursor> Connection::cursor() {
    checked();
    return make_cursor(Connection(impl_, lease_));
}

void Connection::close() noexcept {
    if (closed()) return;
    auto keep = impl_;
    keep->close();
    keep->resume_ready();  // waiters learn at once that it is closed
}

bool Connection::closed() const noexcept {
    return !impl_ || impl_->closed() || (lease_ && detail::lease_released(*lease_));
}
std::int32_t Connection::backend_pid() const { return checked().backend_pid(); }
bool Connection::ssl_in_use() const { return checked().ssl_in_use(); }
std::optional<std::string> Connection::ssl_attribute(std::string_view name) const {
    return checked().ssl_attribute(name);
}
std::optional<std::string> Connection::parameter_status(std::string_view name) const {
    return checked().parameter_status(name);
}
int Connection::server_version() const {
    // As PQserverVersion: "15.18" -> 150018, "9.6.24" -> 90624.
    auto v = checked().parameter_status("server_version").value_or("");
    int parts[3] = {0, 0, 0};
    std::size_t i = 0, k = 0;
    for (; i < v.size() && k < 3; ++i) {
        char c = v[i];
        if (c >= '0' && c <= '9') parts[k] = parts[k] * 10 + (c - '0');
        else if (c == '.') ++k;
        else break;
    }
    if (parts[0] >= 10) return parts[0] * 10000 + parts[1];
    return parts[0] * 10000 + parts[1] * 100 + parts[2];
}
TransactionStatus Connection::transaction_status() const noexcept {
    return impl_ ? impl_->transaction_status() : TransactionStatus::unknown;
}
std::string Connection::dsn() const { return impl_ ? impl_->params().dsn_masked : std::string(); }
uv_loop_t* Connection::loop() const { return checked().loop(); }
const std::deque<std::string>& Connection::notices() const {
    static const std::deque<std::string> none;
    return impl_ ? impl_->notices() : none;
}

Connection::Notifies Connection::notifies() const { return Notifies(impl_); }

namespace {
// The waiter does not keep the connection alive: when its last handle goes, the wait fails
// (InterfaceError) instead of waiting forever on a connection nobody can use.
struct NotifyAwaiter {
    detail::ConnectionImpl* c;
    std::optional<Notify> slot;
    bool gone = false;               // the connection was destroyed under the wait
    std::coroutine_handle<> h = {};  // while suspended
    // A waiter whose coroutine is destroyed while it waits leaves the connection's lists; a
    // notification it was handed goes back to the queue.
    ~NotifyAwaiter() {
        if (!h || gone) return;
        auto& ws = c->notify_waiters;
        for (auto it = ws.begin(); it != ws.end(); ++it) {
            if (it->slot == &slot) {
                ws.erase(it);
                return;
            }
        }
        c->forget_waiter(h);
        if (slot) c->notifies.push_front(std::move(*slot));
    }
    bool await_ready() const noexcept { return !c->notifies.empty() || c->closed(); }
    void await_suspend(std::coroutine_handle<> caller) {
        c->notify_waiters.push_back({caller, &slot, &gone});
        h = caller;
    }
    Notify await_resume() {
        h = {};
        if (gone)
            throw InterfaceError("connection closed: its last handle was dropped while waiting for notifications");
        if (slot) return std::move(*slot);
        if (!c->notifies.empty()) {
            Notify n = std::move(c->notifies.front());
            c->notifies.pop_front();
            return n;
        }
        // The class of what closed it: InterfaceError when the user did, else OperationalError.
        if (const auto* e = c->take_unreported()) std::rethrow_exception(detail::to_exception(*e));
        // Only a close by the user (or its pool) is an InterfaceError (Errc::closed).
        if (const auto* e = c->close_error(); e && e->code == detail::Errc::closed)
            throw InterfaceError(c->closed_message() + "; no more notifications");
        throw OperationalError(c->closed_message() + "; no more notifications");
    }
};
Task<Notify> get_notify(std::weak_ptr<detail::ConnectionImpl> weak) {
    auto c = weak.lock();
    if (!c) throw InterfaceError("connection already closed");
    NotifyAwaiter wait{c.get(), {}};  // named: g++ 12 mishandles non-trivial temporaries in co_await
    c.reset();                        // the connection lives as long as its handles, not as long as this wait
    co_return co_await wait;
}
}  // namespace

Task<Notify> Connection::Notifies::get() {
    if (c_.expired()) throw InterfaceError("connection already closed");
    return get_notify(c_);
}
std::optional<Notify> Connection::Notifies::get_nowait() {
    auto c = c_.lock();
    if (!c || c->notifies.empty()) return std::nullopt;
    Notify n = std::move(c->notifies.front());
    c->notifies.pop_front();
    return n;
}
std::size_t Connection::Notifies::size() const {
    auto c = c_.lock();
    return c ? c->notifies.size() : 0;
}

}  // namespace uvpg
