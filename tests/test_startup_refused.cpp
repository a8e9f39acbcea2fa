// Logins refused at startup, scripted: an ErrorResponse that carries fewer fields than a
// PostgreSQL server sends (a pooler or proxy in front of one may send only a message) keeps what
// came, as before the startup operation (lib/ops/startup_op.*) took over; and a SCRAM-SHA-256-PLUS
// offer in plain text is refused as libpq refuses it.
#include "fake_server.hpp"
#include "outcome.hpp"
#include "support.hpp"

#include <doctest/doctest.h>

using namespace uvpg_test;

namespace {

// The exception's diag() and pgerror(), or a failed check when it is not a uvpg::Error.
struct Fields {
    uvpg::Diagnostics diag;
    std::string pgerror;
};
Fields fields_of(const Outcome& o) {
    try {
        std::rethrow_exception(o.ep);
    } catch (const uvpg::Error& e) {
        return {e.diag(), e.pgerror()};
    } catch (...) {
        FAIL("not a uvpg::Error: " << o.describe());
    }
    return {};
}

}  // namespace

TEST_CASE("a login refused with only a message keeps it in diag() and pgerror()") {
    // ErrorResponse with one field, 'M': no severity, no SQLSTATE.
    const std::vector<std::pair<char, std::string_view>> only_message{{'M', "too many clients for this pool"}};
    Script s{expect_startup(), send(uvpg::proto::ErrorResponse{only_message}), close()};
    FakeServer srv(s);
    const std::string port = std::to_string(srv.port());
    Outcome o = uvpg::run(
        connect_attempt("host=127.0.0.1 port=" + port + " user=u dbname=d connect_timeout=5 sslmode=disable"));
    REQUIRE_MESSAGE(o, "the login was refused");
    CHECK_MESSAGE(o.is<uvpg::OperationalError>(), o.describe());
    CHECK(o.what() ==
          "connection to server at \"127.0.0.1\", port " + port + " failed: too many clients for this pool\n");
    const Fields f = fields_of(o);
    CHECK(f.diag.message_primary == "too many clients for this pool");
    CHECK(f.pgerror == "too many clients for this pool\n");
    srv.finish();
    CHECK(srv.error() == "");
}

TEST_CASE("a login refused with a non-localized severity and a message keeps both") {
    const std::vector<std::pair<char, std::string_view>> fields{{'V', "FATAL"}, {'M', "no"}};
    Script s{expect_startup(), send(uvpg::proto::ErrorResponse{fields}), close()};
    FakeServer srv(s);
    const std::string port = std::to_string(srv.port());
    Outcome o = uvpg::run(
        connect_attempt("host=127.0.0.1 port=" + port + " user=u dbname=d connect_timeout=5 sslmode=disable"));
    REQUIRE_MESSAGE(o, "the login was refused");
    CHECK_MESSAGE(o.is<uvpg::OperationalError>(), o.describe());
    CHECK(o.what() == "connection to server at \"127.0.0.1\", port " + port + " failed: FATAL:  no\n");
    const Fields f = fields_of(o);
    CHECK(f.diag.severity_nonlocalized == "FATAL");
    CHECK(f.diag.message_primary == "no");
    srv.finish();
    CHECK(srv.error() == "");
}

// A server offers SCRAM-SHA-256-PLUS only over TLS: in plain text the offer means TLS was
// stripped between client and server, and libpq (fe-auth.c, pg_SASL_init) refuses to go on
// without channel binding, whatever channel_binding says. Nothing of the password may go out.
TEST_CASE("SCRAM-SHA-256-PLUS offered in plain text is refused before anything is sent") {
    uvpg::proto::Authentication sasl;
    sasl.code = uvpg::proto::Authentication::sasl;
    sasl.mechanisms = {"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"};
    // allow does not retry with TLS: libpq tries again only after the server's ErrorResponse.
    for (std::string extra : {"sslmode=disable", "sslmode=prefer", "sslmode=allow channel_binding=disable"}) {
        CAPTURE(extra);
        Script s{expect_startup(), send(sasl), wait_close()};
        FakeServer srv(s);
        const std::string port = std::to_string(srv.port());
        Outcome o = uvpg::run(
            connect_attempt("host=127.0.0.1 port=" + port + " user=u password=pw dbname=d connect_timeout=5 " + extra));
        REQUIRE_MESSAGE(o, "the login went on without channel binding");
        CHECK_MESSAGE(o.is<uvpg::OperationalError>(), o.describe());
        CHECK(o.what() == "connection to server at \"127.0.0.1\", port " + port +
                              " failed: server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection\n");
        srv.finish();
        CHECK(srv.error() == "");
        CHECK(srv.log().messages.empty());  // no SASLInitialResponse
    }
}

// libpq (pg_SASL_init) says first that it knows none of the mechanisms, and only then that none of
// them binds the channel when channel_binding=require.
TEST_CASE("channel_binding=require and no SASL mechanism the client knows: libpq's 'none of the server's' text") {
    uvpg::proto::Authentication sasl;
    sasl.code = uvpg::proto::Authentication::sasl;
    sasl.mechanisms = {"SCRAM-SHA-512"};
    Script s{expect_startup(), send(sasl), wait_close()};
    FakeServer srv(s);
    const std::string port = std::to_string(srv.port());
    Outcome o = uvpg::run(
        connect_attempt("host=127.0.0.1 port=" + port +
                        " user=u password=pw dbname=d connect_timeout=5 sslmode=disable channel_binding=require"));
    REQUIRE_MESSAGE(o, "the login went on");
    CHECK(o.what() == "connection to server at \"127.0.0.1\", port " + port +
                          " failed: none of the server's SASL authentication mechanisms are supported\n");
    srv.finish();
    CHECK(srv.error() == "");
}

// libpq (fe-auth.c, pg_password_sendauth and pg_SASL_init): an empty password is no password, and
// nothing is sent (a server refuses an empty one anyway, with a less helpful message).
TEST_CASE("an empty password is no password: fe_sendauth: no password supplied, nothing sent") {
    uvpg::proto::Authentication sasl;
    sasl.code = uvpg::proto::Authentication::sasl;
    sasl.mechanisms = {"SCRAM-SHA-256"};
    uvpg::proto::Authentication cleartext;
    cleartext.code = uvpg::proto::Authentication::cleartext_password;
    for (const auto& request : {cleartext, sasl}) {
        CAPTURE(request.code);
        Script s{expect_startup(), send(request), wait_close()};
        FakeServer srv(s);
        const std::string port = std::to_string(srv.port());
        Outcome o = uvpg::run(
            connect_attempt("host=127.0.0.1 port=" + port +
                            " user=u password='' passfile=/nonexistent dbname=d connect_timeout=5 sslmode=disable"));
        REQUIRE_MESSAGE(o, "the login went on");
        CHECK(o.what() ==
              "connection to server at \"127.0.0.1\", port " + port + " failed: fe_sendauth: no password supplied\n");
        srv.finish();
        CHECK(srv.error() == "");
        CHECK(srv.log().messages.empty());
    }
}

// libpq (fe-auth.c, check_expected_areq) checks require_auth before channel_binding: a server that
// lets the client in without asking fails the first, and that is what libpq reports.
TEST_CASE("a login without authentication under require_auth and channel_binding=require: require_auth's text") {
    Script s{expect_startup(), send(trust_reply()), wait_close()};
    FakeServer srv(s);
    const std::string port = std::to_string(srv.port());
    Outcome o = uvpg::run(connect_attempt("host=127.0.0.1 port=" + port +
                                          " user=u password=pw dbname=d connect_timeout=5 sslmode=disable"
                                          " require_auth=scram-sha-256 channel_binding=require"));
    REQUIRE_MESSAGE(o, "the login went through");
    CHECK(o.what() ==
          "connection to server at \"127.0.0.1\", port " + port +
              " failed: authentication method requirement \"scram-sha-256\" failed: server did not complete "
              "authentication\n");
    srv.finish();
    CHECK(srv.error() == "");
}
