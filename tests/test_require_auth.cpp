// require_auth that negates every method (libpq 16, fe-connect.c: each "!method" clears its bit,
// "!none" requires authentication): no method is left, so libpq refuses every login, and so must
// uvpg. The list used to become an empty allowed set, which read as "no require_auth" and let
// every login through, a password sent included.
#include "outcome.hpp"
#include "support.hpp"

#include "lib/config/conn_params.hpp"

#include <doctest/doctest.h>

using namespace uvpg_test;

namespace {

constexpr const char* kNothing = "!password,!md5,!gss,!sspi,!scram-sha-256,!none";

std::string over_tcp(const std::string& extra) {
    return "host=127.0.0.1 port=" + env("UVPG_TEST_PORT") + " dbname=uvpg_test sslmode=disable " + extra;
}

}  // namespace

TEST_CASE("require_auth negating every method allows none") {
    using namespace uvpg::detail;
    Environment no_env;
    no_env.getenv = [](const char*) -> std::optional<std::string> { return std::nullopt; };
    no_env.os_user = [] { return std::string("osuser"); };
    const ConnParams p = resolve_params(std::string("require_auth=") + kNothing, {}, no_env);
    CHECK_FALSE(p.auth_methods.any());
    for (AuthMethod m : {AuthMethod::password, AuthMethod::md5, AuthMethod::gss, AuthMethod::sspi,
                         AuthMethod::scram_sha_256, AuthMethod::none})
        CHECK_FALSE(p.auth_methods.allows(m));
    // Without "!none" the server may still let the client in without asking (libpq: trust).
    const ConnParams q = resolve_params("require_auth=!password,!md5,!gss,!sspi,!scram-sha-256", {}, no_env);
    CHECK(q.auth_methods.allows(AuthMethod::none));
    CHECK_FALSE(q.auth_methods.allows(AuthMethod::password));
}

TEST_CASE("require_auth negating every method refuses a trust login and a password login") {
    REQUIRE_MESSAGE(have_auth_roles(),
                    "the test server needs its per-method roles (tests/pg_server.sh, UVPG_TEST_AUTH=1)");
    const std::string prefix = "connection to server at \"127.0.0.1\", port " + env("UVPG_TEST_PORT") +
                               " failed: authentication method requirement \"" + kNothing + "\" failed: ";
    Outcome trust = uvpg::run(connect_attempt(over_tcp(std::string("user=postgres require_auth=") + kNothing)));
    REQUIRE_MESSAGE(trust, "a trust login got through");
    CHECK_MESSAGE(trust.is<uvpg::OperationalError>(), trust.describe());
    CHECK(trust.what() == prefix + "server did not complete authentication\n");

    Outcome password = uvpg::run(
        connect_attempt(over_tcp(std::string("user=uvpg_password password=plain_secret require_auth=") + kNothing)));
    REQUIRE_MESSAGE(password, "a cleartext password login got through");
    CHECK(password.what() == prefix + "server requested a cleartext password\n");
}
