// The SCRAM key derivation runs on libuv's thread pool (lib/conn/startup.cpp, derive_keys): a
// connection that ends while it runs (connect_timeout, or a fallback of sslmode allow that starts
// another attempt) must drop its outcome, never send the SASLResponse later on another socket,
// and leave nothing behind for ASan.
#include "fake_server.hpp"
#include "outcome.hpp"
#include "support.hpp"

#include <doctest/doctest.h>
#include <uv.h>

using namespace uvpg_test;

namespace {

// The most iterations the client accepts (proto::ScramClient::kMaxIterations): the derivation
// takes long enough for the connection to end while it runs.
Scram slow_scram() {
    Scram s;
    s.password = "pw";
    s.iterations = std::to_string(1u << 20);
    s.expect_client_final = false;
    return s;
}

std::size_t count_type(const ConnectionLog& log, char type) {
    std::size_t n = 0;
    for (const auto& m : log.messages) n += m.type == type ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("connect timeout while the SCRAM keys are derived: TimeoutError, the late outcome dropped") {
    Script s{expect_startup(), scram(slow_scram()), hold()};
    FakeServer srv(s);
    const std::string port = std::to_string(srv.port());
    Outcome o = uvpg::run(
        connect_attempt("host=127.0.0.1 port=" + port + " user=u password=pw dbname=d sslmode=disable timeout=0.05"));
    // The derivation may still run: its end must find the connection gone.
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    REQUIRE_MESSAGE(o, "the login cannot succeed");
    CHECK_MESSAGE(o.is<uvpg::TimeoutError>(), o.describe());
    CHECK(o.what() == "connection to server at \"127.0.0.1\", port " + port + " failed: timeout expired\n");
    srv.finish();
    CHECK(srv.error() == "");
    // The SASLInitialResponse only: no SASLResponse followed once the connection was closed.
    CHECK(count_type(srv.log(), 'p') == 1);
}

TEST_CASE("sslmode=allow refused while the SCRAM keys are derived: the TLS retry logs in alone") {
    // The first (plain) attempt: SASLContinue, then at once FATAL: allow retries with TLS (the
    // fake server answers 'N', so in plain text again) and the second attempt is let in.
    Script first{expect_startup(), scram(slow_scram()), send(error_response("FATAL", "28000", "no entry")),
                 wait_close()};
    Script second{trust_handshake(), hold()};
    std::vector<Script> scripts{first, second};
    FakeServer srv(scripts);
    const std::string port = std::to_string(srv.port());
    Outcome o = uvpg::run(connect_attempt("host=127.0.0.1 port=" + port +
                                          " user=u password=pw dbname=d sslmode=allow connect_timeout=10"));
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    CHECK_MESSAGE(!o, o.describe());
    srv.finish();
    CHECK(srv.error() == "");
    CHECK(srv.log(1).ssl_requests == 1);
    CHECK(count_type(srv.log(0), 'p') == 1);  // the first attempt's SASLResponse never went out
    CHECK(count_type(srv.log(1), 'p') == 0);  // nor on the second connection
}
