// ErrorValue's category and its one conversion into a DB-API exception.
#include "lib/errors/error.hpp"
#include "lib/errors/errors_internal.hpp"

namespace uvpg::detail {

namespace {
class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "uvpg"; }
    std::string message(int c) const override {
        switch (static_cast<Errc>(c)) {
        case Errc::ok: return "success";
        case Errc::server_error: return "error reported by the server";
        case Errc::connect_failed: return "could not connect";
        case Errc::connection_lost: return "connection lost";
        case Errc::protocol_violation: return "protocol violation";
        case Errc::timeout: return "timed out";
        case Errc::closed: return "connection closed";
        case Errc::programming: return "programming error";
        case Errc::data: return "data error";
        case Errc::not_supported: return "not supported";
        case Errc::operational: return "operational error";
        }
        return "unknown uvpg error";
    }
};

// Whether the server sent any field: a failure of uvpg's own has an empty Diagnostics.
bool has_fields(const Diagnostics& d) {
    for (const std::string* f :
         {&d.severity, &d.severity_nonlocalized, &d.sqlstate, &d.message_primary, &d.message_detail, &d.message_hint,
          &d.statement_position, &d.internal_position, &d.internal_query, &d.context, &d.schema_name, &d.table_name,
          &d.column_name, &d.datatype_name, &d.constraint_name, &d.source_file, &d.source_line, &d.source_function})
        if (!f->empty()) return true;
    return false;
}
}  // namespace

const std::error_category& error_category() noexcept {
    static const Category c;
    return c;
}

ErrorValue server_error(Diagnostics d, std::shared_ptr<const std::string> query) {
    return ErrorValue{make_error_code(Errc::server_error), {}, std::move(d), std::move(query)};
}

std::exception_ptr to_exception(const ErrorValue& e) {
    if (e.code.category() != error_category()) return std::make_exception_ptr(OperationalError(e.message));
    switch (static_cast<Errc>(e.code.value())) {
    case Errc::server_error:
        // A login refused by the server (a message set) reads as libpq prints it, with the
        // class of its SQLSTATE.
        return error_class_of(e.diag.sqlstate)
            .make(Diagnostics(e.diag), e.query ? std::string_view(*e.query) : std::string_view(), e.message);
    case Errc::timeout: return std::make_exception_ptr(TimeoutError(e.message));
    case Errc::closed: return std::make_exception_ptr(InterfaceError(e.message));
    case Errc::programming: return std::make_exception_ptr(ProgrammingError(e.message));
    case Errc::data: return std::make_exception_ptr(DataError(e.message));
    case Errc::not_supported: return std::make_exception_ptr(NotSupportedError(e.message));
    case Errc::connect_failed:
        // A login refused by the server (its ErrorResponse in diag): psycopg2 raises
        // OperationalError whatever the SQLSTATE, so a class that is not one (3D000 is a
        // ProgrammingError) is reported as a plain OperationalError. what() is libpq's
        // "connection to server at ... failed: FATAL:  ..."; diag() keeps every field, also
        // when the server sent only a few (a pooler may send no severity and no SQLSTATE).
        if (has_fields(e.diag)) {
            const ErrorClass& c = error_class_of(e.diag.sqlstate);
            if (c.operational) return c.make(Diagnostics(e.diag), {}, e.message);
            OperationalError op(e.diag);
            ErrorAccess::reword(op, e.message);
            return std::make_exception_ptr(std::move(op));
        }
        break;
    case Errc::ok:
    case Errc::connection_lost:
    case Errc::protocol_violation:
    case Errc::operational: break;
    }
    return std::make_exception_ptr(OperationalError(e.message));
}

bool is_operational(const ErrorValue& e) noexcept {
    if (e.code.category() != error_category()) return true;
    switch (static_cast<Errc>(e.code.value())) {
    case Errc::server_error: return error_class_of(e.diag.sqlstate).operational;
    case Errc::closed:
    case Errc::programming:
    case Errc::data:
    case Errc::not_supported: return false;
    case Errc::ok:
    case Errc::connect_failed:
    case Errc::connection_lost:
    case Errc::protocol_violation:
    case Errc::timeout:
    case Errc::operational: break;
    }
    return true;
}

std::string what_of(const ErrorValue& e) {
    if (e.code == Errc::server_error && e.message.empty())
        return format_server_message(e.diag, e.query ? std::string_view(*e.query) : std::string_view());
    return e.message;
}

std::string message_type_text(char type) {
    unsigned char c = static_cast<unsigned char>(type);
    if (c >= 0x21 && c < 0x7f) return std::string("'") + type + "'";
    static const char hex[] = "0123456789abcdef";
    return std::string("0x") + hex[c >> 4] + hex[c & 15];
}

std::string connect_failed_prefix(std::string_view where) {
    return "connection to " + std::string(where) + " failed: ";
}

}  // namespace uvpg::detail
