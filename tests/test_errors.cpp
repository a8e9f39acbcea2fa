// The exception hierarchy, the SQLSTATE classes generated from tools/errcodes.txt, and the
// messages formatted as psql prints them (expected texts recorded from psql 15).
#include <uvpg/errors.hpp>

#include "lib/errors/errors_internal.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <type_traits>
#include <typeinfo>

using namespace uvpg;
using detail::diagnostics_from_fields;
using detail::format_server_message;

namespace {

Diagnostics diag_with(std::string sqlstate, std::string message = "boom") {
    Diagnostics d;
    d.severity = "ERROR";
    d.severity_nonlocalized = "ERROR";
    d.sqlstate = std::move(sqlstate);
    d.message_primary = std::move(message);
    return d;
}

// The dynamic type of the exception make_server_error builds for this SQLSTATE.
const std::type_info& type_for(std::string sqlstate) {
    try {
        std::rethrow_exception(make_server_error(diag_with(std::move(sqlstate))));
    } catch (const std::exception& e) {
        return typeid(e);
    }
}

template <class Specific, class Base>
void check_sqlstate(const char* code) {
    static_assert(std::is_base_of_v<Base, Specific>);
    static_assert(std::is_base_of_v<DatabaseError, Specific>);
    CAPTURE(code);
    CHECK(std::string_view(Specific::sqlstate) == code);
    CHECK(type_for(code) == typeid(Specific));
    try {
        detail::throw_server_error(diag_with(code));
    } catch (const Base& e) {
        CHECK(e.pgcode() == code);
        CHECK(dynamic_cast<const Specific*>(&e) != nullptr);
        return;
    } catch (...) {
    }
    FAIL("not caught as its DB-API base");
}

std::filesystem::path errcodes_path() {
#ifdef UVPG_ERRCODES_TXT
    return UVPG_ERRCODES_TXT;
#else
    // __FILE__ is tests/test_errors.cpp relative to where the compiler ran, which is where meson
    // runs tests (the build root) or the source root for a direct g++ call.
    return std::filesystem::path(__FILE__).parent_path().parent_path() / "tools" / "errcodes.txt";
#endif
}

// The codes psycopg2's make_errors.py turns into classes: lines with a spec name, outside
// classes 00 and 01. Counted here independently of tools/gen_errcodes.py.
std::vector<std::string> errcodes_with_class() {
    std::ifstream in(errcodes_path());
    REQUIRE_MESSAGE(in, "cannot open " << errcodes_path());
    std::vector<std::string> codes;
    std::string line;
    while (std::getline(in, line)) {
        // "sqlstate  E|W|S  ERRCODE_macro  [spec_name]"; comments and "Section:" lines differ.
        std::istringstream words(line);
        std::string code, kind, macro, spec;
        words >> code >> kind >> macro >> spec;
        if (code.size() != 5 || !macro.starts_with("ERRCODE_") || spec.empty()) continue;
        if (code.starts_with("00") || code.starts_with("01")) continue;
        codes.push_back(code);
    }
    return codes;
}

}  // namespace

TEST_CASE("the DB-API hierarchy") {
    static_assert(std::is_base_of_v<std::exception, Warning>);
    static_assert(!std::is_base_of_v<Error, Warning>);
    static_assert(std::is_base_of_v<std::exception, Error>);
    static_assert(std::is_base_of_v<Error, InterfaceError>);
    static_assert(std::is_base_of_v<Error, DatabaseError>);
    static_assert(!std::is_base_of_v<DatabaseError, InterfaceError>);
    static_assert(std::is_base_of_v<DatabaseError, DataError>);
    static_assert(std::is_base_of_v<DatabaseError, OperationalError>);
    static_assert(std::is_base_of_v<OperationalError, QueryCanceledError>);
    static_assert(std::is_base_of_v<OperationalError, TransactionRollbackError>);
    static_assert(std::is_base_of_v<OperationalError, TimeoutError>);
    static_assert(std::is_base_of_v<DatabaseError, IntegrityError>);
    static_assert(std::is_base_of_v<DatabaseError, InternalError>);
    static_assert(std::is_base_of_v<DatabaseError, ProgrammingError>);
    static_assert(std::is_base_of_v<DatabaseError, NotSupportedError>);

    auto caught_as = [](auto thrower, auto tag) {
        using Base = typename decltype(tag)::type;
        try {
            thrower();
        } catch (const Base&) {
            return true;
        } catch (...) {
        }
        return false;
    };
    auto unique = [] { detail::throw_server_error(diag_with("23505")); };
    CHECK(caught_as(unique, std::type_identity<errors::UniqueViolation>{}));
    CHECK(caught_as(unique, std::type_identity<IntegrityError>{}));
    CHECK(caught_as(unique, std::type_identity<DatabaseError>{}));
    CHECK(caught_as(unique, std::type_identity<Error>{}));
    CHECK(caught_as(unique, std::type_identity<std::exception>{}));
    CHECK_FALSE(caught_as(unique, std::type_identity<ProgrammingError>{}));
    CHECK_FALSE(caught_as(unique, std::type_identity<InterfaceError>{}));

    auto canceled = [] { detail::throw_server_error(diag_with("57014")); };
    CHECK(caught_as(canceled, std::type_identity<QueryCanceledError>{}));
    CHECK(caught_as(canceled, std::type_identity<OperationalError>{}));
    CHECK_FALSE(caught_as(canceled, std::type_identity<TimeoutError>{}));

    auto timeout = [] { throw TimeoutError("timed out"); };
    CHECK(caught_as(timeout, std::type_identity<OperationalError>{}));
    CHECK(caught_as(timeout, std::type_identity<DatabaseError>{}));
    CHECK(caught_as(timeout, std::type_identity<Error>{}));
    CHECK_FALSE(caught_as(timeout, std::type_identity<QueryCanceledError>{}));

    auto interface = [] { throw InterfaceError("cursor already closed"); };
    CHECK(caught_as(interface, std::type_identity<Error>{}));
    CHECK_FALSE(caught_as(interface, std::type_identity<DatabaseError>{}));

    Warning w("careful");
    CHECK(std::string(w.what()) == "careful");
}

TEST_CASE("SQLSTATEs map to their class and its psycopg2 base") {
    check_sqlstate<errors::UniqueViolation, IntegrityError>("23505");
    check_sqlstate<errors::UndefinedTable, ProgrammingError>("42P01");
    check_sqlstate<errors::QueryCanceled, QueryCanceledError>("57014");
    check_sqlstate<errors::QueryCanceled, OperationalError>("57014");
    check_sqlstate<errors::SerializationFailure, TransactionRollbackError>("40001");
    check_sqlstate<errors::DeadlockDetected, TransactionRollbackError>("40P01");
    check_sqlstate<errors::DivisionByZero, DataError>("22012");
    check_sqlstate<errors::InvalidPassword, OperationalError>("28P01");
    check_sqlstate<errors::FeatureNotSupported, NotSupportedError>("0A000");
    check_sqlstate<errors::InternalError_, InternalError>("XX000");
    check_sqlstate<errors::ProtocolViolation, OperationalError>("08P01");
    check_sqlstate<errors::InFailedSqlTransaction, InternalError>("25P02");
    check_sqlstate<errors::InvalidCatalogName, ProgrammingError>("3D000");
    check_sqlstate<errors::InvalidSavepointSpecification, InternalError>("3B001");
    check_sqlstate<errors::AdminShutdown, OperationalError>("57P01");
    check_sqlstate<errors::TooManyConnections, OperationalError>("53300");
    check_sqlstate<errors::SnapshotTooOld, DatabaseError>("72000");
    check_sqlstate<errors::NoData, DatabaseError>("02000");
    check_sqlstate<errors::RaiseException, InternalError>("P0001");
    check_sqlstate<errors::FdwError, OperationalError>("HV000");
    check_sqlstate<errors::LockFileExists, InternalError>("F0001");
    check_sqlstate<errors::CardinalityViolation, ProgrammingError>("21000");
    check_sqlstate<errors::ModifyingSqlDataNotPermitted, InternalError>("2F002");
    check_sqlstate<errors::ModifyingSqlDataNotPermittedExt, InternalError>("38002");
    check_sqlstate<errors::NullValueNotAllowed, DataError>("22004");
    check_sqlstate<errors::NullValueNotAllowedExt, InternalError>("39004");
    check_sqlstate<errors::InvalidCursorName, OperationalError>("34000");
    check_sqlstate<errors::WithCheckOptionViolation, ProgrammingError>("44000");
    check_sqlstate<errors::TriggeredActionException, DatabaseError>("09000");

    // Exactly the DB-API class, not a subclass of it.
    static_assert(!std::is_base_of_v<QueryCanceledError, errors::AdminShutdown>);
    static_assert(!std::is_base_of_v<OperationalError, errors::SnapshotTooOld>);
    static_assert(!std::is_base_of_v<OperationalError, errors::TriggeredActionException>);
}

TEST_CASE("SQLSTATEs without a class get psycopg2's base for their class") {
    CHECK(type_for("99999") == typeid(DatabaseError));
    CHECK(type_for("ZZ000") == typeid(DatabaseError));
    CHECK(type_for("ZZP01") == typeid(DatabaseError));
    CHECK(type_for("") == typeid(DatabaseError));
    CHECK(type_for("0") == typeid(DatabaseError));
    CHECK(type_for("01000") == typeid(DatabaseError));  // a warning: no class, no base
    CHECK(type_for("09999") == typeid(DatabaseError));
    CHECK(type_for("0B999") == typeid(DatabaseError));
    CHECK(type_for("08999") == typeid(OperationalError));
    CHECK(type_for("0A999") == typeid(NotSupportedError));
    CHECK(type_for("20999") == typeid(ProgrammingError));
    CHECK(type_for("21999") == typeid(ProgrammingError));
    CHECK(type_for("22999") == typeid(DataError));
    CHECK(type_for("23999") == typeid(IntegrityError));
    CHECK(type_for("24999") == typeid(InternalError));
    CHECK(type_for("25999") == typeid(InternalError));
    CHECK(type_for("26999") == typeid(OperationalError));
    CHECK(type_for("27999") == typeid(OperationalError));
    CHECK(type_for("28999") == typeid(OperationalError));
    CHECK(type_for("2B999") == typeid(InternalError));
    CHECK(type_for("2D999") == typeid(InternalError));
    CHECK(type_for("2F999") == typeid(InternalError));
    CHECK(type_for("2Z999") == typeid(DatabaseError));
    CHECK(type_for("34999") == typeid(OperationalError));
    CHECK(type_for("38999") == typeid(InternalError));
    CHECK(type_for("39999") == typeid(InternalError));
    CHECK(type_for("3B999") == typeid(InternalError));
    CHECK(type_for("3D999") == typeid(ProgrammingError));
    CHECK(type_for("3F999") == typeid(ProgrammingError));
    CHECK(type_for("40999") == typeid(TransactionRollbackError));
    CHECK(type_for("42999") == typeid(ProgrammingError));
    CHECK(type_for("44999") == typeid(ProgrammingError));
    CHECK(type_for("43999") == typeid(DatabaseError));
    CHECK(type_for("50999") == typeid(OperationalError));  // the whole of '5'
    CHECK(type_for("5X999") == typeid(OperationalError));
    CHECK(type_for("57999") == typeid(OperationalError));
    CHECK(type_for("72999") == typeid(DatabaseError));
    CHECK(type_for("F9999") == typeid(InternalError));  // the whole of 'F', 'H', 'P', 'X'
    CHECK(type_for("HZ123") == typeid(OperationalError));
    CHECK(type_for("PX999") == typeid(InternalError));
    CHECK(type_for("XY999") == typeid(InternalError));

    auto base = [](std::string_view s) { return detail::base_error_factory(s); };
    CHECK((base("57014") != base("57000")));  // QueryCanceledError, not OperationalError
    CHECK((base("57000") == base("53000")));
    CHECK((base("570140") == base("53000")));  // psycopg2 compares the whole string

    // The pgcode is kept whatever the class.
    try {
        std::rethrow_exception(make_server_error(diag_with("ZZ123")));
    } catch (const DatabaseError& e) {
        CHECK(e.pgcode() == "ZZ123");
    }
}

TEST_CASE("one class per errcodes.txt line that psycopg2 turns into a class") {
    const std::vector<std::string> codes = errcodes_with_class();
    CHECK(codes.size() == errors::sqlstate_class_count);
    CHECK(errors::sqlstate_class_count == 251);  // PostgreSQL 15's list, psycopg2's count
    std::set<std::string> unique(codes.begin(), codes.end());
    CHECK(unique.size() == codes.size());
    for (const std::string& code : codes) {
        CAPTURE(code);
        CHECK((detail::find_sqlstate_error(code) != nullptr));
        try {
            std::rethrow_exception(make_server_error(diag_with(code)));
        } catch (const Error& e) {
            CHECK(e.pgcode() == code);
        }
    }
    CHECK_FALSE((detail::find_sqlstate_error("00000") != nullptr));
    CHECK_FALSE((detail::find_sqlstate_error("01000") != nullptr));
    CHECK_FALSE((detail::find_sqlstate_error("2350") != nullptr));
    CHECK_FALSE((detail::find_sqlstate_error("235050") != nullptr));
    CHECK_FALSE((detail::find_sqlstate_error("") != nullptr));
    CHECK_FALSE((detail::find_sqlstate_error("ZZZZZ") != nullptr));
}

TEST_CASE("diagnostics_from_fields fills every field") {
    const std::vector<std::pair<char, std::string_view>> fields = {
        {'S', "ERREUR"},
        {'V', "ERROR"},
        {'C', "23505"},
        {'M', "primary"},
        {'D', "detail"},
        {'H', "hint"},
        {'P', "12"},
        {'p', "3"},
        {'q', "SELECT 1"},
        {'W', "context"},
        {'s', "public"},
        {'t', "t"},
        {'c', "id"},
        {'d', "int4"},
        {'n', "t_pkey"},
        {'F', "nbtinsert.c"},
        {'L', "666"},
        {'R', "_bt_check_unique"},
        {'X', "unknown codes are ignored"},
        {'\0', "so is this"},
    };
    const Diagnostics d = diagnostics_from_fields(fields);
    CHECK(d.severity == "ERREUR");
    CHECK(d.severity_nonlocalized == "ERROR");
    CHECK(d.sqlstate == "23505");
    CHECK(d.message_primary == "primary");
    CHECK(d.message_detail == "detail");
    CHECK(d.message_hint == "hint");
    CHECK(d.statement_position == "12");
    CHECK(d.internal_position == "3");
    CHECK(d.internal_query == "SELECT 1");
    CHECK(d.context == "context");
    CHECK(d.schema_name == "public");
    CHECK(d.table_name == "t");
    CHECK(d.column_name == "id");
    CHECK(d.datatype_name == "int4");
    CHECK(d.constraint_name == "t_pkey");
    CHECK(d.source_file == "nbtinsert.c");
    CHECK(d.source_line == "666");
    CHECK(d.source_function == "_bt_check_unique");

    const Diagnostics empty = diagnostics_from_fields({});
    CHECK(empty.severity.empty());
    CHECK(empty.sqlstate.empty());
    CHECK(empty.source_function.empty());

    const Diagnostics repeated = diagnostics_from_fields({{'M', "first"}, {'M', "second"}});
    CHECK(repeated.message_primary == "second");

    // The exception keeps all of it.
    try {
        detail::throw_server_error(d);
    } catch (const errors::UniqueViolation& e) {
        CHECK(e.pgcode() == "23505");
        CHECK(e.diag().constraint_name == "t_pkey");
        CHECK(e.diag().source_function == "_bt_check_unique");
        CHECK(e.diag().severity_nonlocalized == "ERROR");
    }
}

TEST_CASE("client-side errors carry no server data") {
    const ProgrammingError e("can't execute an empty query");
    CHECK(std::string(e.what()) == "can't execute an empty query");
    CHECK(e.pgcode().empty());
    CHECK(e.pgerror().empty());
    CHECK(e.diag().message_primary.empty());
    CHECK(e.diag().sqlstate.empty());
}

TEST_CASE("pgerror and what() as psql prints them") {
    SUBCASE("primary and severity only") {
        const Error e(diag_with("42P01", "relation \"nosuch\" does not exist"));
        CHECK(e.pgerror() == "ERROR:  relation \"nosuch\" does not exist\n");
        CHECK(std::string(e.what()) == e.pgerror());
        CHECK(e.pgcode() == "42P01");
    }
    SUBCASE("the severity is the localized one, the non-localized one when it is missing") {
        Diagnostics d = diag_with("57P01", "terminating connection due to administrator command");
        d.severity = "FATAL";
        d.severity_nonlocalized = "FATAL";
        CHECK(format_server_message(d) == "FATAL:  terminating connection due to administrator command\n");
        d.severity = "FATAL (localisé)";
        CHECK(format_server_message(d).starts_with("FATAL (localisé):  terminating"));
        d.severity.clear();
        CHECK(format_server_message(d).starts_with("FATAL:  terminating"));
    }
    SUBCASE("DETAIL") {
        Diagnostics d = diag_with("23505", "duplicate key value violates unique constraint \"t_pkey\"");
        d.message_detail = "Key (id)=(1) already exists.";
        d.constraint_name = "t_pkey";  // shown only by the verbose format
        d.source_file = "nbtinsert.c";
        const Error e(d);
        CHECK(e.pgerror() ==
              "ERROR:  duplicate key value violates unique constraint \"t_pkey\"\n"
              "DETAIL:  Key (id)=(1) already exists.\n");
    }
    SUBCASE("statement position with the query: LINE and caret, then HINT") {
        Diagnostics d = diag_with("42883", "function nosuchfunc(integer) does not exist");
        d.statement_position = "8";
        d.message_hint =
            "No function matches the given name and argument types. You might need to add "
            "explicit type casts.";
        const Error e(d, "select nosuchfunc(1);");
        CHECK(e.pgerror() ==
              "ERROR:  function nosuchfunc(integer) does not exist\n"
              "LINE 1: select nosuchfunc(1);\n"
              "               ^\n"
              "HINT:  No function matches the given name and argument types. You might need to "
              "add explicit type casts.\n");
        CHECK(std::string(e.what()) == e.pgerror());
    }
    SUBCASE("statement position without the query: ' at character N'") {
        Diagnostics d = diag_with("42P01", "relation \"nosuch\" does not exist");
        d.statement_position = "15";
        CHECK(Error(d).pgerror() == "ERROR:  relation \"nosuch\" does not exist at character 15\n");
        CHECK(Error(d, "select * from nosuch;").pgerror() ==
              "ERROR:  relation \"nosuch\" does not exist\n"
              "LINE 1: select * from nosuch;\n"
              "                      ^\n");
    }
    SUBCASE("internal query: LINE from it, then QUERY and CONTEXT") {
        Diagnostics d = diag_with("42703", "column \"nosuchcol\" does not exist");
        d.internal_position = "8";
        d.internal_query = "SELECT nosuchcol from t";
        d.context = "PL/pgSQL function inline_code_block line 1 at PERFORM";
        const std::string expected =
            "ERROR:  column \"nosuchcol\" does not exist\n"
            "LINE 1: SELECT nosuchcol from t\n"
            "               ^\n"
            "QUERY:  SELECT nosuchcol from t\n"
            "CONTEXT:  PL/pgSQL function inline_code_block line 1 at PERFORM\n";
        CHECK(Error(d).pgerror() == expected);
        CHECK(Error(d, "DO $$ begin perform nosuchcol from t; end $$;").pgerror() == expected);
        // Notices leave CONTEXT out, as libpq does by default.
        CHECK(format_server_message(d, {}, false).find("CONTEXT") == std::string::npos);
        d.internal_query.clear();
        CHECK(Error(d).pgerror().starts_with("ERROR:  column \"nosuchcol\" does not exist at character 8\nCONTEXT:  "));
    }
    SUBCASE("DETAIL, HINT and CONTEXT from RAISE") {
        Diagnostics d = diag_with("P0001", "boom");
        d.message_detail = "the detail";
        d.message_hint = "the hint";
        d.context = "PL/pgSQL function inline_code_block line 1 at RAISE";
        CHECK(Error(d).pgerror() ==
              "ERROR:  boom\n"
              "DETAIL:  the detail\n"
              "HINT:  the hint\n"
              "CONTEXT:  PL/pgSQL function inline_code_block line 1 at RAISE\n");
    }
    SUBCASE("a long line is cut around the position") {
        const std::string a(92, 'a');
        Diagnostics d = diag_with("42703", "column \"nosuchcol1\" does not exist");
        d.statement_position = "104";
        CHECK(format_server_message(d, "select '" + a + "', nosuchcol1 from t;") ==
              "ERROR:  column \"nosuchcol1\" does not exist\n"
              "LINE 1: ...aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', nosuchcol1...\n"
              "                                                             ^\n");

        const std::string b(100, 'b');
        d.statement_position = "8";
        CHECK(format_server_message(d, "select nosuchcol2, '" + b + "' from t;") ==
              "ERROR:  column \"nosuchcol1\" does not exist\n"
              "LINE 1: select nosuchcol2, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...\n"
              "               ^\n");

        const std::string c(51, 'c');
        const std::string dd(59, 'd');
        d.statement_position = "63";
        CHECK(format_server_message(d, "select '" + c + "', nosuchcol3, '" + dd + "' from t;") ==
              "ERROR:  column \"nosuchcol1\" does not exist\n"
              "LINE 1: ...ccccccccccccccccccccccccccccccccccccccccccccccc', nosuchcol3...\n"
              "                                                             ^\n");
    }
    SUBCASE("the line holding the position, tabs shown as spaces") {
        Diagnostics d = diag_with("42703", "column \"nosuchcol4\" does not exist");
        d.statement_position = "17";
        CHECK(format_server_message(d, "select 1,\n  2,\n\tnosuchcol4 from t;") ==
              "ERROR:  column \"nosuchcol4\" does not exist\n"
              "LINE 3:  nosuchcol4 from t;\n"
              "         ^\n");
        // "\r\n" is one line break, a lone '\r' is one too.
        d.statement_position = "18";
        CHECK(format_server_message(d, "select 1,\r\n  2,\r\tnosuchcol4 from t;")
                  .ends_with("LINE 3:  nosuchcol4 from t;\n         ^\n"));
    }
    SUBCASE("wide characters take two columns") {
        Diagnostics d = diag_with("42703", "column \"nosuchcol5\" does not exist");
        d.statement_position = "24";
        CHECK(format_server_message(d, "select '日本語テキスト', 'é', nosuchcol5 from t;") ==
              "ERROR:  column \"nosuchcol5\" does not exist\n"
              "LINE 1: select '日本語テキスト', 'é', nosuchcol5 from t;\n"
              "                                      ^\n");
    }
    SUBCASE("a position outside the query shows no cursor") {
        Diagnostics d = diag_with("42601", "syntax error at end of input");
        d.statement_position = "9";
        CHECK(format_server_message(d, "select (") ==
              "ERROR:  syntax error at end of input\nLINE 1: select (\n                ^\n");
        d.statement_position = "10";
        CHECK(format_server_message(d, "select (") == "ERROR:  syntax error at end of input\n");
        d.statement_position = "0";
        CHECK(format_server_message(d, "select (") == "ERROR:  syntax error at end of input\n");
        d.statement_position = "junk";
        CHECK(format_server_message(d, "select (") == "ERROR:  syntax error at end of input\n");
        d.statement_position = "99999999999999999999999";
        CHECK(format_server_message(d, "select (") == "ERROR:  syntax error at end of input\n");
    }
    SUBCASE("truncated UTF-8 does not read past the end") {
        Diagnostics d = diag_with("42601", "syntax error");
        d.statement_position = "2";
        const std::string q = "x\xE6\x97";  // a 3-byte lead with one continuation byte
        CHECK(format_server_message(d, q) == "ERROR:  syntax error\nLINE 1: " + q + "\n         ^\n");
    }
    SUBCASE("empty diagnostics") { CHECK(format_server_message(Diagnostics{}) == "\n"); }
}

TEST_CASE("copying an exception is cheap and never throws") {
    static_assert(std::is_nothrow_copy_constructible_v<Error>);
    static_assert(std::is_nothrow_copy_assignable_v<Error>);
    static_assert(std::is_nothrow_move_constructible_v<Error>);
    static_assert(std::is_nothrow_copy_constructible_v<errors::UniqueViolation>);
    static_assert(std::is_nothrow_copy_constructible_v<QueryCanceledError>);
    static_assert(sizeof(errors::UniqueViolation) <= sizeof(void*) * 3);

    Diagnostics d = diag_with("23505", "duplicate key");
    d.message_detail = std::string(1000, 'x');
    const errors::UniqueViolation original(d);
    const errors::UniqueViolation copy = original;
    CHECK(copy.what() == original.what());  // the same shared text, not a copy of it
    CHECK(&copy.diag() == &original.diag());

    // A moved-from exception is still safe to look at.
    errors::UniqueViolation source(d);
    const errors::UniqueViolation moved(std::move(source));
    CHECK(moved.pgcode() == "23505");
    CHECK(std::string(source.what()).empty());
    CHECK(source.pgcode().empty());
    CHECK(source.pgerror().empty());
    CHECK(source.diag().sqlstate.empty());
}
