// sslmode prefer and allow fall back as libpq does, against the real test server, whose
// pg_hba.conf (tests/pg_server.sh) lets uvpg_nossl in only without TLS and uvpg_tls_scram only
// with TLS: prefer goes on in plain text after a TLS login was refused, allow with TLS after a
// plain login was refused, and require/disable never retry. The texts are libpq 15's (psql).
#include "support.hpp"

#include <doctest/doctest.h>

using namespace uvpg_test;

namespace {

// TLS is always on in the test server: a run without it must fail, not pass quietly.
void require_tls() {
    REQUIRE_MESSAGE(env("UVPG_TEST_SSL") == "1",
                    "UVPG_TEST_SSL is not 1: the test server runs with TLS (tests/pg_server.sh)");
}

std::string tcp(const std::string& extra) {
    const std::string p = env("UVPG_TEST_PORT");
    REQUIRE(!p.empty());
    return "host=127.0.0.1 port=" + p + " " + extra;
}

std::string at_server() { return "connection to server at \"127.0.0.1\", port " + env("UVPG_TEST_PORT") + " failed: "; }

// Whether the session `dsn` opens runs over TLS, by the server's own account.
bool ssl_of(const std::string& dsn) {
    return uvpg::run([](std::string d) -> uvpg::Task<bool> {
        auto conn = co_await uvpg::connect(d);
        auto cur = co_await conn.cursor();
        co_await cur.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
        auto row = co_await cur.fetchone();
        REQUIRE(row);
        const bool server_says = (*row)[0].as<bool>();
        CHECK(conn.ssl_in_use() == server_says);
        co_return server_says;
    }(dsn));
}

std::string error_of(const std::string& dsn) {
    std::string what;
    uvpg::run([](std::string d, std::string& out) -> uvpg::Task<void> {
        try {
            auto conn = co_await uvpg::connect(d);
        } catch (const uvpg::OperationalError& e) {
            out = e.what();
        }
    }(dsn, what));
    REQUIRE_MESSAGE(!what.empty(), "connected: " << dsn);
    return what;
}

std::string nossl(const std::string& mode) {
    return tcp("user=postgres dbname=" + env("UVPG_TEST_NOSSL_DB") + " sslmode=" + mode);
}

std::string tls_only(const std::string& mode, const std::string& password) {
    return tcp("user=" + env("UVPG_TEST_SSL_SCRAM_USER") + " password=" + password +
               " dbname=" + env("UVPG_TEST_SSL_SCRAM_DB") + " sslmode=" + mode);
}

}  // namespace

TEST_CASE("a database reachable only without TLS: prefer and allow connect in plain text, require is refused") {
    require_tls();
    CHECK_FALSE(ssl_of(nossl("prefer")));  // TLS login refused, then plain text (libpq)
    CHECK_FALSE(ssl_of(nossl("allow")));   // plain text first
    CHECK_FALSE(ssl_of(nossl("disable")));
    const std::string db = env("UVPG_TEST_NOSSL_DB");
    CHECK(error_of(nossl("require")) == at_server() +
                                            "FATAL:  pg_hba.conf rejects connection for host \"127.0.0.1\", user "
                                            "\"postgres\", database \"" +
                                            db + "\", SSL encryption\n");
}

TEST_CASE("a database reachable only with TLS: allow retries with TLS, prefer and require use it, disable is refused") {
    require_tls();
    const std::string pw = env("UVPG_TEST_SSL_SCRAM_PASSWORD");
    CHECK(ssl_of(tls_only("allow", pw)));  // plain login refused, then TLS (libpq)
    CHECK(ssl_of(tls_only("prefer", pw)));
    CHECK(ssl_of(tls_only("require", pw)));
    const std::string refused_plain =
        at_server() + "FATAL:  pg_hba.conf rejects connection for host \"127.0.0.1\", user \"" +
        env("UVPG_TEST_SSL_SCRAM_USER") + "\", database \"" + env("UVPG_TEST_SSL_SCRAM_DB") + "\", no encryption\n";
    CHECK(error_of(tls_only("disable", pw)) == refused_plain);
    // Both of allow's attempts refused: libpq reports both, plain text first.
    CHECK(error_of(tls_only("allow", "wrong")) == refused_plain + at_server() +
                                                      "FATAL:  password authentication failed for user \"" +
                                                      env("UVPG_TEST_SSL_SCRAM_USER") + "\"\n");
}

TEST_CASE("a login refused after AuthenticationOk is not retried, whatever the sslmode") {
    require_tls();
    // The database is checked after authentication: libpq makes one attempt, and so does uvpg.
    for (const char* mode : {"allow", "prefer", "require"}) {
        CAPTURE(mode);
        CHECK(error_of(tcp(std::string("user=postgres dbname=nosuchdb sslmode=") + mode)) ==
              at_server() + "FATAL:  database \"nosuchdb\" does not exist\n");
    }
}
