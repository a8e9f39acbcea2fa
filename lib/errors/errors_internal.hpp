// Turning an ErrorResponse into an exception (internal to lib/).
#pragma once
#include <uvpg/errors.hpp>

#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uvpg {
// Error's one door for lib/: a new what() for an error that keeps its class, pgerror() and
// diag() (a refused login reads as libpq prints it, "connection to server at ... failed: FATAL:  ...").
struct ErrorAccess {
    static void reword(Error& e, std::string message);
};
}  // namespace uvpg

namespace uvpg::detail {

// Copies every field of an ErrorResponse or NoticeResponse (S V C M D H P p q W s t c d n F L R)
// into Diagnostics. Unknown codes are ignored, as the protocol asks; a repeated code keeps the
// last value.
Diagnostics diagnostics_from_fields(const std::vector<std::pair<char, std::string_view>>& fields);

// The message as libpq's default verbosity formats it (what psql prints): "ERROR:  primary\n",
// then the LINE/caret display, "DETAIL:  ", "HINT:  ", "QUERY:  " and "CONTEXT:  " lines, each
// only when present. `query` is the statement sent, empty if unknown (a statement position then
// reads " at character N"). libpq leaves CONTEXT out of notices: pass with_context = false.
std::string format_server_message(const Diagnostics& diag, std::string_view query = {}, bool with_context = true);

// std::rethrow_exception(make_server_error(...)), for tests that need a server error thrown.
[[noreturn]] void throw_server_error(Diagnostics d);
[[noreturn]] void throw_server_error(Diagnostics d, std::string_view query);

// One exception class of a server error (a SQLSTATE's own, or the DB-API class psycopg2 picks):
// how to build it, and whether it is an OperationalError, which the close path asks without
// building it. Defined in the generated lib/errors/errors_sqlstate.cpp.
struct ErrorClass {
    // what() is `what` when not empty (a refused login, worded as libpq does), else the server's
    // message formatted from the fields, with `query` for psql's "LINE 1:" display.
    std::exception_ptr (*make)(Diagnostics&&, std::string_view query, std::string what);
    bool operational;  // derives from OperationalError
};
using ErrorFactory = const ErrorClass*;
// The uvpg::errors class of this SQLSTATE, or nullptr.
ErrorFactory find_sqlstate_error(std::string_view sqlstate) noexcept;
// The DB-API class psycopg2's base_exception_from_sqlstate() picks; never nullptr.
ErrorFactory base_error_factory(std::string_view sqlstate) noexcept;
// The class of a server error with this SQLSTATE: its own, else the DB-API one.
inline const ErrorClass& error_class_of(std::string_view sqlstate) noexcept {
    ErrorFactory f = find_sqlstate_error(sqlstate);
    return f ? *f : *base_error_factory(sqlstate);
}

}  // namespace uvpg::detail
