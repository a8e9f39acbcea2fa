// SCRAM faults a real server does not commit, scripted: a server that skips the end of the
// exchange has not proven that it knows the password, whenever its AuthenticationOk comes.
#include "fake_server.hpp"
#include "outcome.hpp"
#include "support.hpp"

#include <doctest/doctest.h>
#include <uv.h>

using namespace uvpg_test;
using uvpg::proto::Authentication;

// The server answers the client-first with SASLContinue and, in the same write, AuthenticationOk
// and the rest of a login: the client is still deriving its keys (on libuv's thread pool) when
// AuthenticationOk arrives, with no SASLFinal before it. Before lib/ops/startup_op this logged in
// (the SCRAM client was away on the thread pool, so the check for an unfinished exchange missed
// it) and later sent the SASLResponse on the open connection.
TEST_CASE("AuthenticationOk while the SCRAM keys are being derived is refused") {
    Authentication sasl;
    sasl.code = Authentication::sasl;
    sasl.mechanisms = {"SCRAM-SHA-256"};
    Script s{expect_startup(), send(sasl), call([](Session& session) {
                 FrontendMessage first = session.read_message('p');
                 // SASLInitialResponse: mechanism\0, int32 length, "n,,n=,r=<client nonce>".
                 const std::string_view body = first.text();
                 const std::size_t at = body.find("r=");
                 if (at == std::string_view::npos) throw ScriptError("no nonce in the client-first message");
                 const std::string server_first =
                     std::string(body.substr(at)) + "srv,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
                 Authentication cont;
                 cont.code = Authentication::sasl_continue;
                 cont.data = uvpg::proto::ByteView(reinterpret_cast<const std::uint8_t*>(server_first.data()),
                                                   server_first.size());
                 WireBytes bytes = msg(cont);
                 const WireBytes ok = msg(Authentication{});
                 const WireBytes rest = after_auth();
                 bytes.insert(bytes.end(), ok.begin(), ok.end());
                 bytes.insert(bytes.end(), rest.begin(), rest.end());
                 session.send(bytes);
             }),
             wait_close()};
    FakeServer srv(s);
    const std::string dsn = "host=127.0.0.1 port=" + std::to_string(srv.port()) +
                            " user=u password=pw dbname=d connect_timeout=5 sslmode=disable";
    Outcome o = uvpg::run(connect_attempt(dsn));
    // The key derivation the refused login started still runs on libuv's thread pool: let it end
    // (its callback finds the connection gone) before the process exits and OpenSSL cleans up.
    uv_run(uv_default_loop(), UV_RUN_DEFAULT);
    REQUIRE_MESSAGE(o, "a login without SASLFinal was accepted");
    CHECK(o.is<uvpg::OperationalError>());
    CHECK(o.what() == "protocol violation from server at \"127.0.0.1\", port " + std::to_string(srv.port()) +
                          ": server skipped the end of the SCRAM exchange; connection closed");
    srv.finish();
    CHECK(srv.error() == "");
}
