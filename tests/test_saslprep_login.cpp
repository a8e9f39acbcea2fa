// SCRAM logins with passwords that SASLprep (RFC 4013) changes or refuses, against the real test
// server: its roles were created by tests/pg_server.sh, so the server hashed each password with
// its own pg_saslprep, and a login succeeds only if uvpg prepared the same bytes.
#include "support.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace uvpg_test;

namespace {

// The variable's value; fails the test (never skips it) when the server did not set it.
std::string required(const char* name) {
    std::string v = env(name);
    INFO("tests/pg_server.sh exports ", name);
    REQUIRE(!v.empty());
    return v;
}

// Logs in over TCP (pg_hba says scram-sha-256 for these roles) and returns current_user. The
// password goes in ConnectOptions (the bytes exactly as they are) or, quoted, in the DSN.
uvpg::Task<std::string> login(std::string user, std::string password, bool in_dsn = false) {
    std::string dsn = "host=" + env("UVPG_TEST_HOST") + " port=" + env("UVPG_TEST_PORT") +
                      " dbname=uvpg_test passfile=/nonexistent user=" + user;
    uvpg::ConnectOptions opts;
    if (in_dsn) dsn += " password='" + password + "'";
    else opts.password = password;
    auto conn = co_await uvpg::connect(dsn, opts);
    auto cur = co_await conn.cursor();
    co_await cur.execute("SELECT current_user");
    auto row = co_await cur.fetchone();
    co_return (*row)[0].as<std::string>();
}

void check_login(const std::string& user, const std::string& password, bool in_dsn = false) {
    CAPTURE(user);
    CAPTURE(in_dsn);
    std::string who;
    try {
        who = uvpg::run(login(user, password, in_dsn));
    } catch (const uvpg::Error& e) {
        FAIL_CHECK("login failed: " << std::string(e.what()));
        return;
    }
    CHECK(who == user);
}

}  // namespace

TEST_CASE("SCRAM login: a fullwidth password, which the server stored NFKC-normalised") {
    const std::string user = required("UVPG_TEST_SASL_WIDE_USER");
    check_login(user, required("UVPG_TEST_SASL_WIDE_PASSWORD"));  // "ｓｅｃｒｅｔ" as typed
    check_login(user, required("UVPG_TEST_SASL_WIDE_PASSWORD"), true);
    check_login(user, "secret");  // what it normalises to
}

TEST_CASE("SCRAM login: composed and decomposed passwords are the same password") {
    const std::string composed = required("UVPG_TEST_SASL_COMPOSED_PASSWORD");      // "caf\u00e9"
    const std::string decomposed = required("UVPG_TEST_SASL_DECOMPOSED_PASSWORD");  // "cafe\u0301"
    REQUIRE(composed != decomposed);
    for (const char* var : {"UVPG_TEST_SASL_NFC_USER", "UVPG_TEST_SASL_NFD_USER"}) {
        const std::string user = required(var);
        check_login(user, composed);
        check_login(user, decomposed);
    }
}

TEST_CASE("SCRAM login: passwords SASLprep refuses are hashed as their raw bytes on both sides") {
    // A control character, a code point unassigned in Unicode 3.2, a failed bidi rule. Each also
    // holds characters NFKC would change, so normalising anyway would not log in.
    for (const char* name : {"CTRL", "UNASSIGNED", "BIDI"}) {
        const std::string user = required(("UVPG_TEST_SASL_" + std::string(name) + "_USER").c_str());
        check_login(user, required(("UVPG_TEST_SASL_" + std::string(name) + "_PASSWORD").c_str()));
    }
}

TEST_CASE("SCRAM login: a wrong password that normalises to nothing like the right one fails") {
    // Guards the tests above: the server really checks these roles' passwords.
    const std::string user = required("UVPG_TEST_SASL_WIDE_USER");
    CHECK_THROWS_AS(uvpg::run(login(user, "\xef\xbd\x93\xef\xbd\x85\xef\xbd\x83\xef\xbd\x92\xef\xbd\x85")),
                    uvpg::OperationalError);  // "ｓｅｃｒｅ": one letter short
}
