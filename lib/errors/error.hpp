// Errors as values inside lib/: an error code of uvpg's own category, what to tell the user, and
// the server's fields when the server sent them. Operations and the connection pass these along;
// the DB-API exception is built in one place, to_exception(), where a result reaches the public
// API (docs/design.md, "Errors").
#pragma once
#include <uvpg/errors.hpp>

#include <exception>
#include <memory>
#include <string>
#include <system_error>

namespace uvpg::detail {

// What kind of failure, which decides the DB-API class. server_error takes its class from the
// SQLSTATE in Diagnostics instead.
enum class Errc {
    ok = 0,
    server_error,        // an ErrorResponse: the class of its SQLSTATE (uvpg::errors::*)
    connect_failed,      // name lookup, connect, TLS or login failed: OperationalError
    connection_lost,     // the server or the network went away mid-session: OperationalError
    protocol_violation,  // a malformed or unexpected message; the connection closes: OperationalError
    timeout,             // a deadline passed: TimeoutError
    closed,              // use after close, misuse of the API: InterfaceError
    programming,         // the caller's mistake the server would not catch: ProgrammingError
    data,                // a value that cannot be carried or read: DataError
    not_supported,       // NotSupportedError
    operational,         // any other OperationalError
};

const std::error_category& error_category() noexcept;
inline std::error_code make_error_code(Errc e) noexcept { return {static_cast<int>(e), error_category()}; }

struct ErrorValue {
    std::error_code code;
    std::string message;                       // what() of the exception (server errors: built from diag)
    Diagnostics diag;                          // server_error (and a login refused by the server)
    std::shared_ptr<const std::string> query;  // the statement sent, for psql's "LINE 1:" display
    explicit operator bool() const noexcept { return static_cast<bool>(code); }
};

inline ErrorValue make_error(Errc e, std::string message) {
    return ErrorValue{make_error_code(e), std::move(message), {}, {}};
}
ErrorValue server_error(Diagnostics d, std::shared_ptr<const std::string> query = nullptr);

// The one place an ErrorValue becomes the DB-API exception the user catches.
std::exception_ptr to_exception(const ErrorValue& e);
// What the close path asks of an error without building its exception (nor throwing it to
// find out): whether to_exception(e) is an OperationalError (TimeoutError and the SQLSTATE
// classes under it included; a server error's class comes from the generated SQLSTATE table),
// and its what().
bool is_operational(const ErrorValue& e) noexcept;
std::string what_of(const ErrorValue& e);

// libpq's prefix for a failed connection: 'connection to server at "h" (ip), port N failed: '
// or 'connection to server on socket "/path/.s.PGSQL.N" failed: '. `where` is the part between
// "connection to " and " failed" (ConnectionImpl::where()).
std::string connect_failed_prefix(std::string_view where);

// What libpq says when the server hangs up (psycopg2's users know it from there).
inline constexpr const char* kServerClosed =
    "server closed the connection unexpectedly\n"
    "\tThis probably means the server terminated abnormally\n"
    "\tbefore or while processing the request.";

// 'Z', or 0x01 for a byte that is not printable, for messages.
std::string message_type_text(char type);

}  // namespace uvpg::detail

template <>
struct std::is_error_code_enum<uvpg::detail::Errc> : std::true_type {};
