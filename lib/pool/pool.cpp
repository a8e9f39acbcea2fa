// uvpg::Pool: aiopg's pool. Connections are handed out FIFO, opened while there is room,
// and come back through a Lease; the pool drops the ones it knows are broken.
#include "lib/pool/pool_impl.hpp"

#include <cstdio>

namespace uvpg {

namespace detail {

Lease::~Lease() {
    if (released) return;
    if (auto p = pool.lock()) p->give_back(std::move(conn));
    // Without its pool the connection simply closes with its last reference.
}

PoolImpl::PoolImpl(ConnParams params, const PoolOptions& o, std::function<Task<void>(Connection&)> on_connect)
    : params_(std::move(params)),
      loop_(params_.loop ? params_.loop : uv_default_loop()),
      minsize_(o.minsize),
      maxsize_(o.maxsize),
      recycle_(o.pool_recycle),
      on_connect_(std::move(on_connect)),
      poster_(Poster::create(loop_)) {}

PoolImpl::~PoolImpl() {
    for (auto& c : free_) c->on_closed = nullptr;
    poster_->close();
}

bool PoolImpl::expired(const ConnectionImpl& c) const {
    // The real time, not the loop's cached one (stale after a long stretch of work).
    // Whole milliseconds, truncated on purpose: born_ms is counted the same way.
    const std::uint64_t now_ms = uv_hrtime() / 1000000;
    return recycle_ >= 0 && static_cast<double>(now_ms - c.born_ms) > recycle_ * 1000.0;
}

void PoolImpl::watch(const std::shared_ptr<ConnectionImpl>& c) {
    // A free connection that the server closes (pg_terminate_backend, restart) is dropped at
    // once, so it is never handed out and its room goes to whoever waits.
    std::weak_ptr<PoolImpl> weak = weak_from_this();
    ConnectionImpl* raw = c.get();
    c->on_closed = [weak, raw] {
        if (auto p = weak.lock()) p->on_conn_closed(raw);
    };
}

void PoolImpl::on_conn_closed(ConnectionImpl* c) {
    for (auto it = free_.begin(); it != free_.end(); ++it) {
        if (it->get() == c) {
            auto keep = std::move(*it);  // destroyed after the erase, outside the deque
            free_.erase(it);
            room_freed();
            return;
        }
    }
}

std::shared_ptr<ConnectionImpl> PoolImpl::take_free() {
    while (!free_.empty()) {
        auto c = std::move(free_.front());
        free_.pop_front();
        if (c->closed()) continue;
        if (expired(*c)) {
            c->close_kept();
            continue;
        }
        used_.insert(c);
        return c;
    }
    return nullptr;
}

Task<std::shared_ptr<ConnectionImpl>> PoolImpl::open_one() {
    auto self = shared_from_this();
    std::shared_ptr<ConnectionImpl> conn;
    std::exception_ptr failure;
    try {
        conn = std::make_shared<ConnectionImpl>(params_);
        RequestAwaiter startup{conn->open()};  // named: g++ 12 and temporaries in co_await
        co_await startup;
        conn->born_ms = uv_hrtime() / 1000000;
        if (on_connect_) {
            Connection handle = Access::connection(conn);
            co_await on_connect_(handle);
        }
        if (closing_) throw InterfaceError("pool closed while a connection was being opened");
        if (conn->closed()) throw OperationalError(conn->closed_message());
    } catch (...) {
        failure = std::current_exception();
    }
    --opening_;
    if (failure) {
        if (conn) conn->close();
        room_freed();
        check_closed();
        std::rethrow_exception(failure);
    }
    co_return conn;
}

Task<void> PoolImpl::fill_to_min() {
    auto self = shared_from_this();
    std::size_t want = 0;
    while (size() + want < minsize_ && (maxsize_ == 0 || size() + want < maxsize_)) ++want;
    if (want == 0) co_return;
    opening_ += want;
    std::vector<Task<void>> opens;
    for (std::size_t i = 0; i < want; ++i) {
        opens.push_back([](PoolImpl* p) -> Task<void> {
            auto c = co_await p->open_one();
            p->watch(c);
            p->used_.insert(c);  // counted while it is handed over
            p->give_back(std::move(c));
        }(this));
    }
    co_await gather(std::move(opens));
}

Connection PoolImpl::lease(std::shared_ptr<ConnectionImpl> conn) {
    auto l = std::make_shared<Lease>(conn, weak_from_this());
    return Access::connection(std::move(conn), std::move(l));
}

void PoolImpl::give_back(std::shared_ptr<ConnectionImpl> conn) {
    if (!conn || used_.erase(conn) == 0) return;
    // Whatever still waits on a connection that is closed here is told at once (the user gave
    // it back: InterfaceError).
    auto drop = [&](const char* why) {
        conn->close_kept(why ? make_error(Errc::closed, why) : ErrorValue{});
        room_freed();
        check_closed();
        conn->resume_ready();
    };
    if (conn->closed() || closing_ || expired(*conn)) {
        return drop(conn->has_waiters()
                        ? "connection returned to its pool while an operation waited on it; connection closed"
                        : nullptr);
    }
    switch (conn->transaction_status()) {
    case TransactionStatus::idle:
        // A task still waiting for its notifications must not wait on someone else's connection.
        if (!conn->notify_waiters.empty())
            return drop("connection returned to its pool while a task waited for notifications; connection closed");
        return hand_over(std::move(conn));
    case TransactionStatus::intrans:
    case TransactionStatus::inerror: {
        // Rolled back before anyone else sees it; it counts as in use meanwhile.
        used_.insert(conn);
        [](std::shared_ptr<PoolImpl> p, std::shared_ptr<ConnectionImpl> c) -> Detached {
            try {
                RequestAwaiter rollback{c->query("ROLLBACK")};
                co_await rollback;
            } catch (const std::exception& e) {
                std::fprintf(stderr, "uvpg: pool: ROLLBACK of a released connection failed (%s); closing it\n",
                             e.what());
                c->close_kept();
            }
            p->give_back(std::move(c));
        }(shared_from_this(), std::move(conn));
        return;
    }
    default:
        // A statement still running (or an unknown state): not worth waiting for.
        std::fprintf(stderr, "uvpg: pool: a connection came back with a statement still running; closing it\n");
        return drop("connection returned to its pool with a statement still running; connection closed");
    }
}

void PoolImpl::hand_over(std::shared_ptr<ConnectionImpl> conn) {
    if (!waiters_.empty()) {
        PoolWaiter* w = waiters_.front();
        waiters_.pop_front();
        if (w->timer) w->timer->stop_and_free(), w->timer = nullptr;
        used_.insert(conn);
        w->conn = std::move(conn);
        poster_->post(w->h);
        return;
    }
    free_.push_back(std::move(conn));
}

void PoolImpl::room_freed() {
    if (waiters_.empty() || closing_ || !can_open()) return;
    PoolWaiter* w = waiters_.front();
    waiters_.pop_front();
    if (w->timer) w->timer->stop_and_free(), w->timer = nullptr;
    ++opening_;
    w->slot = true;
    poster_->post(w->h);
}

void PoolImpl::wait(PoolWaiter& w) {
    waiters_.push_back(&w);
    if (auto t = params_.timeout; t && *t > 0) {
        w.timer = Timer::start(loop_, *t, [this, &w, secs = *t] {
            // Leaves the queue without taking anything from anyone.
            for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
                if (*it == &w) {
                    waiters_.erase(it);
                    break;
                }
            }
            w.timer->stop_and_free();
            w.timer = nullptr;
            w.error = make_error(Errc::timeout, "no pool connection became free within " + std::to_string(secs) + " s");
            poster_->post(w.h);
        });
    }
}

PoolWaiter::~PoolWaiter() { pool.abandon(*this); }

void PoolImpl::abandon(PoolWaiter& w) {
    if (w.timer) w.timer->stop_and_free(), w.timer = nullptr;
    if (w.h) poster_->forget(w.h);  // handed something and posted, but destroyed before its turn
    for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
        if (*it == &w) {
            waiters_.erase(it);
            break;
        }
    }
    if (w.conn) give_back(std::move(w.conn));  // handed over but never taken
    if (w.slot) {                              // room reserved but never used
        w.slot = false;
        --opening_;
        room_freed();
        check_closed();
    }
}

void PoolImpl::close_free() {
    auto doomed = std::move(free_);
    free_.clear();
    for (auto& c : doomed) c->close_kept();
}

void PoolImpl::close() {
    if (closing_) return;
    closing_ = true;
    close_free();
    auto waiting = std::move(waiters_);
    waiters_.clear();
    for (PoolWaiter* w : waiting) {
        if (w->timer) w->timer->stop_and_free(), w->timer = nullptr;
        w->error = make_error(Errc::closed, "pool is closed");
        poster_->post(w->h);
    }
    check_closed();
}

void PoolImpl::terminate() {
    close();
    // Closed and forgotten at once (aiopg): their handles coming back later change nothing.
    auto doomed = std::move(used_);
    used_.clear();
    for (auto& c : doomed) {
        c->close_kept(make_error(Errc::closed, "pool terminated"));
        c->resume_ready();
    }
    check_closed();
}

void PoolImpl::check_closed() {
    if (!done_closing()) return;
    auto waiting = std::move(close_waiters);
    close_waiters.clear();
    for (auto h : waiting) poster_->post(h);
}

namespace {

struct WaiterAwaiter {
    PoolImpl& pool;
    PoolWaiter& w;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
        w.h = h;
        pool.wait(w);
    }
    void await_resume() const noexcept {}
};

Task<Connection> acquire_impl(std::shared_ptr<PoolImpl> p) {
    if (p->closing()) throw InterfaceError("pool is closed");
    co_await p->fill_to_min();
    if (auto c = p->take_free()) co_return p->lease(std::move(c));
    if (p->can_open()) {
        p->reserve_opening();
    } else {
        PoolWaiter w(*p);
        WaiterAwaiter wait{*p, w};
        co_await wait;
        if (w.error) std::rethrow_exception(to_exception(w.error));
        if (w.conn) co_return p->lease(std::move(w.conn));
        w.slot = false;  // the room reserved for us is used now: open_one accounts for it
    }
    auto c = co_await p->open_one();
    p->watch(c);
    co_return p->lease_new(std::move(c));
}

}  // namespace
}  // namespace detail
}  // namespace uvpg

namespace uvpg {

namespace detail {
namespace {

Task<Pool> create_pool_impl(std::shared_ptr<PoolImpl> p) {
    co_await p->fill_to_min();
    co_return Access::pool(std::move(p));
}

Task<Pool> fail_pool(std::exception_ptr e) {
    std::rethrow_exception(e);
    co_return Pool();
}

Task<Cursor> pool_cursor(std::shared_ptr<PoolImpl> p) {
    Connection conn = co_await acquire_impl(p);
    co_return co_await conn.cursor();  // the cursor holds the lease; conn's handle goes now
}

Task<void> clear_impl(std::shared_ptr<PoolImpl> p) {
    p->close_free();
    co_return;
}

struct CloseAwaiter {
    PoolImpl& pool;
    std::coroutine_handle<> h = {};  // while suspended
    // Destroyed while it waits: nothing resumes it.
    ~CloseAwaiter() {
        if (!h) return;
        std::erase(pool.close_waiters, h);
        pool.forget_posted(h);
    }
    bool await_ready() const noexcept { return pool.done_closing(); }
    void await_suspend(std::coroutine_handle<> caller) {
        pool.close_waiters.push_back(caller);
        h = caller;
    }
    void await_resume() noexcept { h = {}; }
};

Task<void> wait_closed_impl(std::shared_ptr<PoolImpl> p) {
    if (!p->closing()) throw InterfaceError("wait_closed() called before close() or terminate()");
    CloseAwaiter wait{*p};
    co_await wait;
}

}  // namespace
}  // namespace detail

ConnectOptions PoolOptions::connect_options() const {
    ConnectOptions c;
    c.host = host;
    c.hostaddr = hostaddr;
    c.port = port;
    c.dbname = dbname;
    c.user = user;
    c.password = password;
    c.passfile = passfile;
    c.sslmode = sslmode;
    c.sslrootcert = sslrootcert;
    c.sslcert = sslcert;
    c.sslkey = sslkey;
    c.sslcrl = sslcrl;
    c.sslpassword = sslpassword;
    c.sslsni = sslsni;
    c.ssl_min_protocol_version = ssl_min_protocol_version;
    c.ssl_max_protocol_version = ssl_max_protocol_version;
    c.sslnegotiation = sslnegotiation;
    c.channel_binding = channel_binding;
    c.require_auth = require_auth;
    c.application_name = application_name;
    c.fallback_application_name = fallback_application_name;
    c.client_encoding = client_encoding;
    c.options = options;
    c.connect_timeout = connect_timeout;
    c.timeout = timeout;
    c.max_message_size = max_message_size;
    c.statement_cache_size = statement_cache_size;
    c.max_pipeline = max_pipeline;
    c.loop = loop;
    return c;
}

// Plain functions: the options are views, read here before the coroutine starts (g++ 12).
Task<Pool> create_pool(std::string_view dsn, const PoolOptions& options,
                       std::function<Task<void>(Connection&)> on_connect) {
    try {
        if (options.maxsize != 0 && options.minsize > options.maxsize)
            throw ProgrammingError("minsize (" + std::to_string(options.minsize) + ") is greater than maxsize (" +
                                   std::to_string(options.maxsize) + ")");
        if (options.pool_recycle < 0 && options.pool_recycle != -1)
            throw ProgrammingError("pool_recycle must be -1 (never) or a number of seconds");
        auto params = detail::resolve_params(dsn, options.connect_options());
        return detail::create_pool_impl(
            std::make_shared<detail::PoolImpl>(std::move(params), options, std::move(on_connect)));
    } catch (...) {
        return detail::fail_pool(std::current_exception());
    }
}
Task<Pool> create_pool(std::string_view dsn, const PoolOptions& options) {
    std::function<Task<void>(Connection&)> cb;
    if (options.on_connect) cb = options.on_connect;
    return create_pool(dsn, options, std::move(cb));
}
Task<Pool> create_pool(const PoolOptions& options) { return create_pool("", options); }

Pool::Pool() noexcept = default;
Pool::Pool(std::shared_ptr<detail::PoolImpl> impl) noexcept : impl_(std::move(impl)) {}
Pool::Pool(Pool&&) noexcept = default;
Pool& Pool::operator=(Pool&& o) noexcept {
    if (this != &o) {
        if (impl_) impl_->close();
        impl_ = std::move(o.impl_);
    }
    return *this;
}
Pool::~Pool() {
    if (impl_) impl_->close();
}

std::size_t Pool::minsize() const noexcept { return impl_ ? impl_->minsize() : 0; }
std::size_t Pool::maxsize() const noexcept { return impl_ ? impl_->maxsize() : 0; }
std::size_t Pool::size() const noexcept { return impl_ ? impl_->size() : 0; }
std::size_t Pool::freesize() const noexcept { return impl_ ? impl_->freesize() : 0; }
bool Pool::closed() const noexcept { return !impl_ || impl_->closing(); }

Task<Connection> Pool::acquire() {
    if (!impl_) throw InterfaceError("pool is closed");
    return detail::acquire_impl(impl_);
}

void Pool::release(Connection& conn) {
    const auto& lease = detail::Access::lease(conn);
    if (!lease || lease->pool.lock() != impl_ || !impl_)
        throw InterfaceError("this connection was not handed out by this pool");
    if (lease->released) throw InterfaceError("connection already returned to its pool");
    lease->released = true;
    impl_->give_back(lease->conn);
    conn = Connection();
}

Task<Cursor> Pool::cursor() {
    if (!impl_) throw InterfaceError("pool is closed");
    return detail::pool_cursor(impl_);
}

Task<void> Pool::clear() {
    if (!impl_) throw InterfaceError("pool is closed");
    return detail::clear_impl(impl_);
}

void Pool::close() {
    if (impl_) impl_->close();
}

void Pool::terminate() {
    if (impl_) impl_->terminate();
}

Task<void> Pool::wait_closed() {
    if (!impl_) throw InterfaceError("pool is closed");
    return detail::wait_closed_impl(impl_);
}

}  // namespace uvpg
