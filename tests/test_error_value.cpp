// Errors as values on the close path, without a server: is_operational() and what_of() answer
// what the exception to_exception() builds would say, without building or throwing it; and
// ending_error() (lib/ops/request_error.hpp), the pure function that decides what a request
// still running ends with when its connection closes under it.
#include <uvpg/errors.hpp>
#include <uvpg/errors_sqlstate.hpp>

#include "lib/errors/error.hpp"
#include "lib/ops/query_op.hpp"
#include "lib/ops/request_error.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

using namespace uvpg;
using detail::Errc;
using detail::ErrorValue;
namespace ops = uvpg::detail::ops;

namespace {

Diagnostics diag_with(std::string sqlstate, std::string primary = "it failed", std::string severity = "ERROR") {
    Diagnostics d;
    d.severity = severity;
    d.severity_nonlocalized = severity;
    d.sqlstate = std::move(sqlstate);
    d.message_primary = std::move(primary);
    return d;
}

// Every SQLSTATE of errcodes.txt (those with a class of their own and those without).
std::vector<std::string> all_sqlstates() {
    std::ifstream in(UVPG_ERRCODES_TXT);
    REQUIRE_MESSAGE(in, "cannot open " << UVPG_ERRCODES_TXT);
    std::vector<std::string> codes;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string code, kind, macro;
        words >> code >> kind >> macro;
        if (code.size() == 5 && macro.starts_with("ERRCODE_")) codes.push_back(code);
    }
    REQUIRE(codes.size() > 250);
    return codes;
}

// What the user would catch: whether it is an OperationalError, and its what().
struct Caught {
    bool operational = false;
    std::string what;
    const std::type_info* type = nullptr;
};
Caught caught(std::exception_ptr e) {
    REQUIRE(e);
    try {
        std::rethrow_exception(e);
    } catch (const OperationalError& x) {
        return {true, x.what(), &typeid(x)};
    } catch (const std::exception& x) {
        return {false, x.what(), &typeid(x)};
    }
}

ErrorValue lost_connection() {
    return detail::make_error(Errc::connection_lost, "server closed the connection unexpectedly\n");
}

}  // namespace

TEST_CASE("is_operational and what_of agree with the exception to_exception builds, for every SQLSTATE") {
    std::vector<std::string> codes = all_sqlstates();
    // And codes without a class of their own: the DB-API class psycopg2's rules pick.
    for (const char* c : {"57999", "5X999", "08999", "72999", "F9999", "HZ123", "XY999", "ZZ123", ""})
        codes.emplace_back(c);
    const auto query = std::make_shared<const std::string>("SELECT nosuch FROM t");
    for (const std::string& code : codes) {
        CAPTURE(code);
        ErrorValue e = detail::server_error(diag_with(code), query);
        e.diag.statement_position = "8";
        const Caught c = caught(detail::to_exception(e));
        CHECK(detail::is_operational(e) == c.operational);
        CHECK(detail::what_of(e) == c.what);
        CHECK(ops::RequestError(e).operational() == c.operational);
    }
}

TEST_CASE("is_operational and what_of agree with to_exception for each error code of lib/") {
    struct Case {
        Errc code;
        bool operational;
    };
    const Case cases[] = {
        {Errc::connect_failed, true}, {Errc::connection_lost, true}, {Errc::protocol_violation, true},
        {Errc::timeout, true},        {Errc::operational, true},     {Errc::closed, false},
        {Errc::programming, false},   {Errc::data, false},           {Errc::not_supported, false},
    };
    for (const Case& k : cases) {
        CAPTURE(static_cast<int>(k.code));
        const ErrorValue e = detail::make_error(k.code, "what went wrong");
        const Caught c = caught(detail::to_exception(e));
        CHECK(c.operational == k.operational);
        CHECK(detail::is_operational(e) == k.operational);
        CHECK(detail::what_of(e) == "what went wrong");
    }
    // An error code of another category (a system error) is an OperationalError.
    const ErrorValue sys{std::make_error_code(std::errc::connection_reset), "reset", {}, {}};
    CHECK(caught(detail::to_exception(sys)).operational);
    CHECK(detail::is_operational(sys));
    CHECK(detail::what_of(sys) == "reset");
}

TEST_CASE("a login refused by the server: its SQLSTATE's class when an OperationalError, else plain, reworded") {
    const std::string text = "connection to server at \"h\" (1.2.3.4), port 5432 failed: FATAL:  no\n";
    SUBCASE("28P01 is an OperationalError of its own class") {
        ErrorValue e = detail::make_error(Errc::connect_failed, text);
        e.diag = diag_with("28P01", "no", "FATAL");
        const Caught c = caught(detail::to_exception(e));
        CHECK(*c.type == typeid(errors::InvalidPassword));
        CHECK(c.what == text);
        CHECK(detail::what_of(e) == text);
        CHECK(detail::is_operational(e));
    }
    SUBCASE("3D000 (a ProgrammingError) is reported as a plain OperationalError, keeping its fields") {
        ErrorValue e = detail::make_error(Errc::connect_failed, text);
        e.diag = diag_with("3D000", "no", "FATAL");
        auto ex = detail::to_exception(e);
        const Caught c = caught(ex);
        CHECK(*c.type == typeid(OperationalError));
        CHECK(c.what == text);
        try {
            std::rethrow_exception(ex);
        } catch (const Error& err) {
            CHECK(err.pgcode() == "3D000");
            CHECK(err.pgerror() == "FATAL:  no\n");
        }
        CHECK(detail::is_operational(e));
    }
    SUBCASE("a server error with a message of its own keeps its class and says the message") {
        ErrorValue e = detail::server_error(diag_with("23505"));
        e.message = "reworded";
        const Caught c = caught(detail::to_exception(e));
        CHECK(*c.type == typeid(errors::UniqueViolation));
        CHECK(c.what == "reworded");
        CHECK(detail::what_of(e) == "reworded");
    }
}

TEST_CASE("ending_error: what a request still running ends with when its connection closes") {
    const ops::RequestError lost(lost_connection());
    const ops::RequestError terminated(detail::server_error(diag_with("57P01", "terminating", "FATAL")));
    const ops::RequestError unique(detail::server_error(diag_with("23505", "duplicate key")));
    SUBCASE("lost: its own OperationalError (57P01) stands, as it explains the loss") {
        CHECK(ops::ending_error(terminated, lost, true) == terminated);
        CHECK_THROWS_AS(std::rethrow_exception(ops::ending_error(terminated, lost, true).exception()),
                        errors::AdminShutdown);
    }
    SUBCASE("lost: its own error of another class (23505) goes with the statement's outcome") {
        CHECK(ops::ending_error(unique, lost, true) == lost);
        CHECK_THROWS_WITH_AS(std::rethrow_exception(ops::ending_error(unique, lost, true).exception()),
                             "server closed the connection unexpectedly\n", OperationalError);
    }
    SUBCASE("closed otherwise: its own error stands, whatever its class") {
        CHECK(ops::ending_error(unique, lost, false) == unique);
        CHECK(ops::ending_error(terminated, lost, false) == terminated);
    }
    SUBCASE("no error of its own: the reason, lost or not") {
        CHECK(ops::ending_error({}, lost, true) == lost);
        CHECK(ops::ending_error({}, lost, false) == lost);
        CHECK(ops::ending_error({}, unique, false) == unique);
    }
    SUBCASE("the requests of one close share its one reason") {
        const ops::RequestError a = ops::ending_error({}, lost, true), b = ops::ending_error(unique, lost, true);
        CHECK(a == b);
        REQUIRE(a.value());
        CHECK(a.value() == b.value());
    }
}

TEST_CASE("ending_error: the user's own exception from a COPY source or sink, as it is") {
    const ops::RequestError lost(lost_connection());
    auto own_of = [](auto thrown) {
        ops::QueryCore core;
        try {
            throw thrown;
        } catch (const OperationalError&) {  // as the COPY ops take it (lib/ops/copy_op.*)
            core.keep_thrown(true);
        } catch (const std::exception&) {
            core.keep_thrown(false);
        }
        REQUIRE(core.thrown);
        return std::pair{ops::RequestError::of(core, nullptr), core.thrown};
    };
    SUBCASE("not lost: it stands, the very exception the user threw") {
        auto [own, thrown] = own_of(std::runtime_error("source failed"));
        const ops::RequestError end = ops::ending_error(own, lost, false);
        CHECK(end == own);
        CHECK(end.value() == nullptr);
        CHECK(end.exception() == thrown);
        CHECK_THROWS_WITH_AS(std::rethrow_exception(end), "source failed", std::runtime_error);
    }
    SUBCASE("lost: one that is not an OperationalError goes") {
        auto [own, thrown] = own_of(std::runtime_error("source failed"));
        CHECK_FALSE(own.operational());
        CHECK(ops::ending_error(own, lost, true) == lost);
    }
    SUBCASE("lost: an OperationalError of the user's stands") {
        auto [own, thrown] = own_of(OperationalError("the user's own"));
        CHECK(own.operational());
        const ops::RequestError end = ops::ending_error(own, lost, true);
        CHECK(end == own);
        CHECK(end.exception() == thrown);
    }
    SUBCASE("a second exception does not replace the first") {
        ops::QueryCore core;
        try {
            throw std::runtime_error("first");
        } catch (const std::exception&) {
            core.keep_thrown(false);
        }
        try {
            throw OperationalError("second");
        } catch (const OperationalError&) {
            core.keep_thrown(true);
        }
        CHECK_FALSE(core.thrown_operational);
        CHECK_THROWS_WITH_AS(std::rethrow_exception(core.thrown), "first", std::runtime_error);
    }
}

TEST_CASE("RequestError::of: the op's first error, with the statement sent for the LINE display") {
    ops::QueryCore core;
    CHECK_FALSE(ops::RequestError::of(core, nullptr));
    Diagnostics d = diag_with("42P01", "relation \"nope\" does not exist");
    d.statement_position = "15";
    core.fail(detail::server_error(d));
    const auto sql = std::make_shared<const std::string>("SELECT * FROM nope");
    const ops::RequestError r = ops::RequestError::of(core, sql);
    REQUIRE(r);
    REQUIRE(r.value());
    CHECK(r.value()->query == sql);
    CHECK_FALSE(r.operational());
    CHECK_THROWS_WITH_AS(std::rethrow_exception(r.exception()), doctest::Contains("LINE 1: SELECT * FROM nope"),
                         errors::UndefinedTable);
    // Empty: no exception at all.
    CHECK(ops::RequestError().exception() == nullptr);
}
