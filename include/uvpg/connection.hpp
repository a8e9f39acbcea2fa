// uvpg::connect and uvpg::Connection: one PostgreSQL session on a libuv loop.
#pragma once
#include <uvpg/export.hpp>
#include <uvpg/options.hpp>
#include <uvpg/task.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace uvpg {

class Cursor;
namespace detail {
class ConnectionImpl;
struct Lease;
struct Access;
}  // namespace detail

// A NOTIFY received by LISTEN (aiopg: Notify(pid, channel, payload)).
struct Notify {
    std::int32_t pid = 0;
    std::string channel;
    std::string payload;
};

// psycopg2.extensions.TRANSACTION_STATUS_*.
enum class TransactionStatus { idle = 0, active = 1, intrans = 2, inerror = 3, unknown = 4 };

// Move-only handle of a connection. Dropping the last handle (and every Cursor made from it)
// closes the connection. Every method throws InterfaceError once the connection is closed,
// except close(), closed(), transaction_status() (unknown), dsn(), notices() and notifies();
// when the server (or the network) closed it while nothing waited on it, the first one throws
// that error instead (OperationalError, with the server's diag(): psycopg2's rule).
class UVPG_EXPORT Connection {
public:
    Connection() noexcept;
    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    // A new client-side cursor on this connection. The cursor keeps the connection alive.
    Task<Cursor> cursor();
    // Closes at once: sends Terminate, fails pending operations with InterfaceError.
    void close() noexcept;
    bool closed() const noexcept;
    // Asks the server, on a separate socket, to cancel the running statement; that statement
    // then fails with QueryCanceledError. Completes when the server has taken the request;
    // TimeoutError when it has not within connect_timeout (else `timeout`), as libpq 17.
    Task<void> cancel();

    std::int32_t backend_pid() const;
    // A ParameterStatus value the server reported (server_version, TimeZone, ...), if any.
    std::optional<std::string> parameter_status(std::string_view name) const;
    // As libpq's PQserverVersion: 150018 for 15.18.
    int server_version() const;
    int protocol_version() const noexcept { return 3; }
    // TLS, as libpq's PQsslInUse and PQsslAttribute: attributes "library" ("OpenSSL"),
    // "protocol" ("TLSv1.3"), "cipher", "key_bits", "compression" ("off"); nullopt without TLS
    // or for another name.
    bool ssl_in_use() const;
    std::optional<std::string> ssl_attribute(std::string_view name) const;
    TransactionStatus transaction_status() const noexcept;
    // The parameters given, password masked as "xxx".
    std::string dsn() const;
    uv_loop_t* loop() const;

    // Teaches this connection a type by name, with one catalog query (psycopg2's register_type
    // and register_composite, aiopg's enable_hstore): an enum, a composite, a domain, or an
    // extension type such as hstore, and its array type. Afterwards its columns come back in
    // binary where uvpg can read them: a composite as uvpg::Record or std::tuple with typed
    // fields, a domain as its base type, an enum as text, hstore as uvpg::Hstore. `name` may be
    // schema-qualified. A type that does not exist is errors::UndefinedObject.
    Task<void> register_type(std::string_view name);

    // The last notices received ("NOTICE:  ...\n", at most 50 kept, as psycopg2).
    const std::deque<std::string>& notices() const;

    // LISTEN notifications, as something a coroutine waits on (aiopg: conn.notifies).
    class UVPG_EXPORT Notifies {
    public:
        // The next notification; waits for one. Once the connection is closed and the queue is
        // drained: InterfaceError when the user closed it (or dropped its last handle, or gave
        // it back to its pool), OperationalError when the server or the network did.
        Task<Notify> get();
        std::optional<Notify> get_nowait();
        std::size_t size() const;
        bool empty() const { return size() == 0; }

    private:
        friend class Connection;
        explicit Notifies(std::weak_ptr<detail::ConnectionImpl> c) : c_(std::move(c)) {}
        std::weak_ptr<detail::ConnectionImpl> c_;
    };
    Notifies notifies() const;

private:
    friend struct detail::Access;  // lib/runtime/access.hpp: lib/'s way in
    // A pooled connection also holds a lease, which gives it back to its pool when the last
    // handle (this Connection and its Cursors) is gone.
    explicit Connection(std::shared_ptr<detail::ConnectionImpl> impl,
                        std::shared_ptr<detail::Lease> lease = nullptr) noexcept;
    // The live connection, or InterfaceError (closed, or given back to its pool).
    detail::ConnectionImpl& checked() const;

    std::shared_ptr<detail::ConnectionImpl> impl_;
    std::shared_ptr<detail::Lease> lease_;
};

// Opens a connection (aiopg.connect). `dsn` is a libpq connection string or URI; fields set in
// `options` override it. Throws ProgrammingError for a bad DSN, OperationalError when the
// server cannot be reached, refuses the login (the uvpg::errors class of its SQLSTATE, such as
// errors::InvalidPassword) or does not answer within connect_timeout.
UVPG_EXPORT Task<Connection> connect(std::string_view dsn = "", const ConnectOptions& options = {});
UVPG_EXPORT Task<Connection> connect(const ConnectOptions& options);

}  // namespace uvpg
