// statement_cache_size in a DSN (key=value and URI), as operators set it: parsing, the option
// winning over the DSN, and bad values.
#include "lib/config/conn_params.hpp"

#include <uvpg/errors.hpp>

#include <doctest/doctest.h>

using namespace uvpg;
using namespace uvpg::detail;

// GCC 12 flags designated initializers that leave fields out, which is how users write
// ConnectOptions.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

ConnParams resolve(std::string_view dsn, const ConnectOptions& o = {}) {
    Environment env;
    env.getenv = [](const char*) -> std::optional<std::string> { return std::nullopt; };
    env.home_dir = [] { return std::string("/nonexistent-uvpg-home"); };
    env.os_user = [] { return std::string("osuser"); };
    return resolve_params(dsn, o, env);
}

// what() of the ProgrammingError that resolving `dsn` throws; fails the test when none is.
std::string error_of(std::string_view dsn) {
    try {
        resolve(dsn);
    } catch (const ProgrammingError& e) {
        return e.what();
    }
    FAIL("expected a ProgrammingError for " << dsn);
    return {};
}

}  // namespace

TEST_CASE("statement_cache_size: key=value and URI, the option winning, the default") {
    CHECK(resolve("").statement_cache_size == 100);
    CHECK(resolve("statement_cache_size=0").statement_cache_size == 0);
    CHECK(resolve("host=h statement_cache_size=7 user=u").statement_cache_size == 7);
    CHECK(resolve("statement_cache_size=' 12 '").statement_cache_size == 12);
    CHECK(resolve("statement_cache_size=''").statement_cache_size == 100);                      // empty: the default
    CHECK(resolve("statement_cache_size=5 statement_cache_size=6").statement_cache_size == 6);  // the last wins
    CHECK(resolve("postgresql://u@h/db?statement_cache_size=0").statement_cache_size == 0);
    CHECK(resolve("postgres://h:5433/db?sslmode=disable&statement_cache_size=250").statement_cache_size == 250);
    CHECK(resolve("statement_cache_size=0", {.statement_cache_size = 9}).statement_cache_size == 9);
    CHECK(resolve("postgresql:///db?statement_cache_size=3", {.statement_cache_size = 0}).statement_cache_size == 0);
    // It shows in the masked DSN, as given.
    CHECK(resolve("host=h statement_cache_size=0").dsn_masked.find("statement_cache_size=0") != std::string::npos);
}

TEST_CASE("statement_cache_size: a bad value is a ProgrammingError that names it") {
    for (const char* dsn :
         {"statement_cache_size=-1", "statement_cache_size=lots", "statement_cache_size=1.5",
          "statement_cache_size=10x", "statement_cache_size=99999999999999999999999",
          "postgresql://h/db?statement_cache_size=-5", "postgresql://h/db?statement_cache_size=off"}) {
        CAPTURE(dsn);
        const std::string what = error_of(dsn);
        CHECK(what.find("invalid statement_cache_size value") != std::string::npos);
    }
    CHECK(error_of("statement_cache_size=lots").find("\"lots\"") != std::string::npos);
    // Even when an option overrides it, a malformed DSN is still an error (as for every keyword).
    CHECK_THROWS_AS(resolve("statement_cache_size=x", {.statement_cache_size = 1}), ProgrammingError);
}
