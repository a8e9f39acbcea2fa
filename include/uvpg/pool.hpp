// uvpg::create_pool and uvpg::Pool: aiopg's connection pool.
#pragma once
#include <uvpg/connection.hpp>
#include <uvpg/cursor.hpp>
#include <uvpg/export.hpp>
#include <uvpg/options.hpp>
#include <uvpg/task.hpp>

#include <cstddef>
#include <functional>
#include <memory>

namespace uvpg {

namespace detail {
class PoolImpl;
struct Access;
}  // namespace detail

// Runs once for each new pooled connection, before its first use (aiopg: on_connect).
using OnConnect = Task<void> (*)(Connection&);

// The pool's own options, then the connect options (ConnectOptions' fields, in its order). A
// flat aggregate so that designated initialisers read like aiopg's keyword arguments:
//   co_await uvpg::create_pool(dsn, {.minsize = 1, .maxsize = 8, .timeout = 5});
// Every field is trivially destructible on purpose (g++ 12, see options.hpp): text fields are
// views copied by create_pool() before it returns, and on_connect is a function pointer (a
// captureless lambda converts); for a capturing callable use the create_pool overload below.
struct UVPG_EXPORT PoolOptions {
    // The pool's own fields come first, in aiopg's order, because designated initialisers must
    // follow declaration order: {.minsize = 1, .maxsize = 8, .timeout = 5} compiles only so.
    std::size_t minsize = 10;  // opened by create_pool and kept open
    std::size_t maxsize = 10;  // 0 = unlimited
    // Seconds: bounds acquire()'s wait (TimeoutError) and, as a connect option, each operation.
    std::optional<double> timeout{};
    double pool_recycle = -1;  // seconds; a connection older than this is closed, not handed out; -1 = never
    OnConnect on_connect = nullptr;

    // The connect fields, in ConnectOptions' order (timeout above serves both).
    std::optional<std::string_view> host{};
    std::optional<std::string_view> hostaddr{};
    std::optional<std::string_view> port{};
    std::optional<std::string_view> dbname{};
    std::optional<std::string_view> user{};
    std::optional<std::string_view> password{};
    std::optional<std::string_view> passfile{};
    std::optional<std::string_view> sslmode{};
    std::optional<std::string_view> sslrootcert{};
    std::optional<std::string_view> sslcert{};
    std::optional<std::string_view> sslkey{};
    std::optional<std::string_view> sslcrl{};
    std::optional<std::string_view> sslpassword{};
    std::optional<std::string_view> sslsni{};
    std::optional<std::string_view> ssl_min_protocol_version{};
    std::optional<std::string_view> ssl_max_protocol_version{};
    std::optional<std::string_view> sslnegotiation{};
    std::optional<std::string_view> channel_binding{};
    std::optional<std::string_view> require_auth{};
    std::optional<std::string_view> application_name{};
    std::optional<std::string_view> fallback_application_name{};
    std::optional<std::string_view> client_encoding{};
    std::optional<std::string_view> options{};
    std::optional<double> connect_timeout{};
    std::optional<std::size_t> max_message_size{};
    std::optional<std::size_t> statement_cache_size{};
    std::optional<std::size_t> max_pipeline{};
    uv_loop_t* loop = nullptr;

    ConnectOptions connect_options() const;
};

// Move-only handle. Destroying it closes the pool (as close()); connections still out are
// closed when they come back.
class UVPG_EXPORT Pool {
public:
    Pool() noexcept;
    Pool(Pool&&) noexcept;
    Pool& operator=(Pool&&) noexcept;
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;
    ~Pool();

    std::size_t minsize() const noexcept;
    std::size_t maxsize() const noexcept;
    // Connections in use + free + being opened.
    std::size_t size() const noexcept;
    std::size_t freesize() const noexcept;

    // A free connection, or a new one while size() < maxsize, or the first to come back
    // (FIFO). Throws TimeoutError past `timeout`, InterfaceError on a closed pool, and the
    // connect or on_connect error when a new connection cannot be opened. The Connection goes
    // back to the pool when it (and every Cursor made from it) is destroyed, or by release().
    Task<Connection> acquire();
    // Gives a connection back now. One inside a transaction is rolled back before reuse (closed
    // if that fails); a closed or broken one is dropped. InterfaceError if it is not this pool's.
    // One with a statement still running, or a task still waiting for its notifications, is
    // closed: whatever waits on it fails at once with InterfaceError.
    void release(Connection& conn);
    // A cursor that owns a pooled connection and gives it back when destroyed.
    Task<Cursor> cursor();
    // Closes the free connections; the next acquire opens up to minsize again.
    Task<void> clear();
    // Stops handing out connections and closes the free ones.
    void close();
    // Closes every connection, the ones in use too (their pending work fails with InterfaceError).
    void terminate();
    // Completes when close() or terminate() has been called and every connection is back and
    // closed; InterfaceError when neither has been called.
    Task<void> wait_closed();
    bool closed() const noexcept;

    // co_await pool: the same as co_await pool.acquire().
    // It owns the acquire() task and awaits it as co_await on the task itself would.
    class AcquireAwaiter {
    public:
        explicit AcquireAwaiter(Task<Connection> t)
            : task_(std::move(t)), awaiter_(std::move(task_).operator co_await()) {}
        bool await_ready() noexcept { return awaiter_.await_ready(); }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) noexcept { return awaiter_.await_suspend(h); }
        Connection await_resume() { return awaiter_.await_resume(); }

    private:
        Task<Connection> task_;
        decltype(std::declval<Task<Connection>>().operator co_await()) awaiter_;  // refers to task_'s frame
    };
    AcquireAwaiter operator co_await() { return AcquireAwaiter(acquire()); }

private:
    friend struct detail::Access;  // lib/runtime/access.hpp: lib/'s way in
    explicit Pool(std::shared_ptr<detail::PoolImpl> impl) noexcept;
    std::shared_ptr<detail::PoolImpl> impl_;
};

// Opens a pool with `minsize` connections (aiopg.create_pool). ProgrammingError when
// minsize > maxsize (maxsize not 0), and the connect error when a first connection fails.
UVPG_EXPORT Task<Pool> create_pool(std::string_view dsn = "", const PoolOptions& options = {});
UVPG_EXPORT Task<Pool> create_pool(const PoolOptions& options);
// With a capturing on_connect (it replaces options.on_connect).
UVPG_EXPORT Task<Pool> create_pool(std::string_view dsn, const PoolOptions& options,
                                   std::function<Task<void>(Connection&)> on_connect);

}  // namespace uvpg
