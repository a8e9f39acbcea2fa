// uvpg's exceptions: psycopg2's DB-API hierarchy. One class per SQLSTATE lives in
// <uvpg/errors_sqlstate.hpp> (namespace uvpg::errors), generated from PostgreSQL's errcodes.txt.
#pragma once
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <uvpg/export.hpp>

namespace uvpg {

struct ErrorAccess;

// Every field of an ErrorResponse / NoticeResponse (psycopg2's Diagnostics). Absent fields are empty.
struct Diagnostics {
    std::string severity;               // 'S' (localized)
    std::string severity_nonlocalized;  // 'V'
    std::string sqlstate;               // 'C'
    std::string message_primary;        // 'M'
    std::string message_detail;         // 'D'
    std::string message_hint;           // 'H'
    std::string statement_position;     // 'P'
    std::string internal_position;      // 'p'
    std::string internal_query;         // 'q'
    std::string context;                // 'W'
    std::string schema_name;            // 's'
    std::string table_name;             // 't'
    std::string column_name;            // 'c'
    std::string datatype_name;          // 'd'
    std::string constraint_name;        // 'n'
    std::string source_file;            // 'F'
    std::string source_line;            // 'L'
    std::string source_function;        // 'R'
};

class UVPG_EXPORT Warning : public std::exception {
public:
    explicit Warning(std::string message) : message_(std::move(message)) {}
    const char* what() const noexcept override { return message_.c_str(); }

private:
    std::string message_;
};

class UVPG_EXPORT Error : public std::exception {
public:
    explicit Error(std::string message);
    // An error reported by the server: what() is the message as psql prints it.
    explicit Error(Diagnostics diag);
    // The same, for an error in `query` (the statement sent): a position in diag is shown as
    // psql shows it, "LINE 1: ..." and a caret, instead of " at character N".
    explicit Error(Diagnostics diag, std::string_view query);
    const char* what() const noexcept override;
    // SQLSTATE, or empty when the error was found on the client side.
    const std::string& pgcode() const noexcept;
    // The server's message as psql prints it ("ERROR:  ...\nDETAIL:  ..."), or empty.
    const std::string& pgerror() const noexcept;
    const Diagnostics& diag() const noexcept;

private:
    friend struct ErrorAccess;  // lib/: rewords a login failure as libpq does, keeping diag()
    // Shared so that copying an exception (std::exception_ptr, rethrow) never throws.
    std::shared_ptr<const struct ErrorData> data_;
};

class UVPG_EXPORT InterfaceError : public Error {
public:
    using Error::Error;
};
class UVPG_EXPORT DatabaseError : public Error {
public:
    using Error::Error;
};
class UVPG_EXPORT DataError : public DatabaseError {
public:
    using DatabaseError::DatabaseError;
};
class UVPG_EXPORT OperationalError : public DatabaseError {
public:
    using DatabaseError::DatabaseError;
};
class UVPG_EXPORT QueryCanceledError : public OperationalError {
public:
    using OperationalError::OperationalError;
};
class UVPG_EXPORT TransactionRollbackError : public OperationalError {
public:
    using OperationalError::OperationalError;
};
// uvpg's own: an operation ran past its `timeout`.
class UVPG_EXPORT TimeoutError : public OperationalError {
public:
    using OperationalError::OperationalError;
};
class UVPG_EXPORT IntegrityError : public DatabaseError {
public:
    using DatabaseError::DatabaseError;
};
class UVPG_EXPORT InternalError : public DatabaseError {
public:
    using DatabaseError::DatabaseError;
};
class UVPG_EXPORT ProgrammingError : public DatabaseError {
public:
    using DatabaseError::DatabaseError;
};
class UVPG_EXPORT NotSupportedError : public DatabaseError {
public:
    using DatabaseError::DatabaseError;
};

// Builds the exception for a server error: the uvpg::errors class of its SQLSTATE, or else the
// DB-API class psycopg2 picks for its SQLSTATE class (first two characters).
UVPG_EXPORT std::exception_ptr make_server_error(Diagnostics diag);
// The same, for an error in `query`: see Error(Diagnostics, std::string_view).
UVPG_EXPORT std::exception_ptr make_server_error(Diagnostics diag, std::string_view query);

}  // namespace uvpg

#include <uvpg/errors_sqlstate.hpp>
