// Startup faults that a real server produces only rarely (a fork failure, a TLS retry refused),
// scripted: uvpg must answer each as libpq does.
#include "fake_server.hpp"
#include "outcome.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

using namespace uvpg_test;

// libpq (fe-connect.c, CONNECTION_SSL_STARTUP, SSLok == 'N'): only require/verify-* fail on 'N';
// allow's retry "proceeds with normal startup" in plain text on the same connection.
TEST_CASE("sslmode=allow, plain login refused, server answers N to the TLS retry: libpq goes on in plain text") {
    Script first{expect_startup(), send(error_response("FATAL", "53300", "sorry, too many clients already")), close()};
    Script second{expect_startup(), send(trust_reply()), wait_close()};
    std::vector<Script> scripts{first, second};
    FakeServer srv(scripts);
    const std::string dsn =
        "host=127.0.0.1 port=" + std::to_string(srv.port()) + " user=u dbname=d connect_timeout=5 sslmode=allow";
    Outcome o = uvpg::run(connect_attempt(dsn));
    CHECK_MESSAGE(!o, o.describe());
    CHECK(o.what().find("SSL was required") == std::string::npos);
    srv.finish();
    CHECK(srv.log(1).ssl_requests == 1);
}

// A postmaster that cannot fork answers an SSLRequest with a whole ErrorResponse at once
// (report_fork_failure_to_client); libpq checks for bytes after the answer only after 'S'.
TEST_CASE("an ErrorResponse in answer to SSLRequest is reported as such, not as injected data") {
    Script s{send(error_response("FATAL", "53300", "could not fork new process for connection")), wait_close()};
    FakeServer srv(s);
    const std::string dsn =
        "host=127.0.0.1 port=" + std::to_string(srv.port()) + " user=u dbname=d connect_timeout=5 sslmode=prefer";
    Outcome o = uvpg::run(connect_attempt(dsn));
    REQUIRE(o);
    CHECK_MESSAGE(o.what().find("unencrypted data") == std::string::npos, o.describe());
}

TEST_CASE("print uvpg's texts") {
    const char* dsns[] = {"host=localhost port=1 connect_timeout=5", "host=nosuch.invalid port=5432",
                          "hostaddr=127.0.0.1 port=1", "host=localhost hostaddr=127.0.0.1 port=1",
                          "host=/nonexistent port=5432"};
    for (const char* d : dsns) {
        Outcome o = uvpg::run(connect_attempt(d));
        MESSAGE("[" << d << "]\n" << o.what() << "|END");
    }
    const char* host = std::getenv("UVPG_TEST_HOST");
    const char* port = std::getenv("UVPG_TEST_PORT");
    REQUIRE(host);
    std::string base = std::string("host=") + host + " port=" + port;
    for (std::string extra : {" user=nosuchrole dbname=postgres", " user=postgres dbname=nosuchdb",
                              " user=postgres dbname=postgres sslmode=require user=nosuchrole"}) {
        Outcome o = uvpg::run(connect_attempt(base + extra));
        MESSAGE("[" << extra << "]\n" << o.what() << "|END");
    }
}

// libpq (fe-connect.c): "Once we've identified a target address, all errors except the
// preceding socket()-failure case should be prefixed with host-identity information."
TEST_CASE("a TLS setup error starting with 'could not' gets libpq's host prefix") {
    const char* host = std::getenv("UVPG_TEST_HOST");
    const char* port = std::getenv("UVPG_TEST_PORT");
    REQUIRE(host);
    REQUIRE(std::getenv("UVPG_TEST_SSL"));
    const std::string dsn = std::string("host=") + host + " port=" + port +
                            " user=postgres dbname=postgres sslmode=require sslrootcert=/etc/hostname";
    Outcome o = uvpg::run(connect_attempt(dsn));
    REQUIRE(o);
    MESSAGE(o.what());
    CHECK(o.what().rfind("connection to server at \"" + std::string(host) + "\", port " + port +
                             " failed: could not read root certificate file",
                         0) == 0);
}
