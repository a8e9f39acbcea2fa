// Fault tests against the scripted fake server (tests/fake_server.hpp): a server that breaks the
// protocol, resets, hangs or dies at chosen points. The client side uses the public API only,
// as an application would. Each case checks the DB-API class of the failure, that the connection
// ends up closed, and that nothing hangs: the fake server times out every wait, and its socket
// closing then unblocks a client that waits for too much.
#include "fake_server.hpp"
#include "outcome.hpp"
#include "support.hpp"

#include "proto/auth.hpp"

#include <uvpg/uvpg.hpp>

#include <doctest/doctest.h>

#include <cxxabi.h>

#include <climits>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <memory>
#include <typeinfo>

using namespace uvpg_test;
namespace pr = uvpg::proto;

namespace {

std::string dsn_for(const FakeServer& srv, const std::string& extra = "", int connect_timeout = 5) {
    std::string d = "host=127.0.0.1 port=" + std::to_string(srv.port()) +
                    " user=u dbname=d connect_timeout=" + std::to_string(connect_timeout);
    return extra.empty() ? d : d + " " + extra;
}

// Connects to a fake server whose script breaks the startup; returns the failure.
Outcome startup_failure(Script script, const std::string& extra_dsn = "", int connect_timeout = 5,
                        double* elapsed_ms = nullptr) {
    FakeServer srv(std::move(script));
    const double t0 = now_ms();
    Outcome f = uvpg::run(connect_attempt(dsn_for(srv, extra_dsn, connect_timeout)));
    if (elapsed_ms) *elapsed_ms = now_ms() - t0;
    CHECK(srv.error() == "");
    return f;
}

// A query whose reply is broken: what execute did, and what the connection looks like after.
struct QueryOutcome {
    Outcome execute;
    bool closed_after = false;
    Outcome execute_again;  // a second execute on the same cursor
    Outcome new_cursor;     // conn.cursor() afterwards
};

uvpg::Task<QueryOutcome> query_outcome(std::string dsn) {
    QueryOutcome o;
    uvpg::Connection conn = co_await uvpg::connect(dsn);
    uvpg::Cursor cur = co_await conn.cursor();
    o.execute = co_await attempt([&] { return cur.execute("SELECT a FROM t"); });
    o.closed_after = conn.closed();
    o.execute_again = co_await attempt([&] { return cur.execute("SELECT 1"); });
    o.new_cursor = co_await attempt([&] { return conn.cursor(); });
    co_return o;
}

// After a good handshake, the server answers the first Query with `reply`, then `ending`
// (by default: it waits for the client to close, which the client must do by itself).
QueryOutcome query_fault(WireBytes reply, Step ending = wait_close(), FakeServer::Options options = {},
                         double* elapsed_ms = nullptr) {
    FakeServer srv({trust_handshake(),
                    expect('Q',
                           [](const FrontendMessage& m) {
                               if (m.text() != std::string_view("SELECT a FROM t\0", 16))
                                   throw ScriptError("unexpected query text: " + std::string(m.text()));
                           }),
                    send(std::move(reply)), std::move(ending)},
                   options);
    const double t0 = now_ms();
    QueryOutcome o = uvpg::run(query_outcome(dsn_for(srv)));
    if (elapsed_ms) *elapsed_ms = now_ms() - t0;
    CHECK(srv.error() == "");
    return o;
}

// The contract for a connection broken under a query: OperationalError now, closed, and
// InterfaceError (closed) for anything that follows.
void check_broken(const QueryOutcome& o) {
    CHECK_RAISED(o.execute, uvpg::OperationalError);
    CHECK(o.closed_after);
    CHECK_RAISED(o.execute_again, uvpg::InterfaceError);
    CHECK_RAISED(o.new_cursor, uvpg::InterfaceError);
}

std::string be32(std::int32_t v) {
    auto u = static_cast<std::uint32_t>(v);
    return {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8), static_cast<char>(u)};
}
std::string be16(std::int16_t v) {
    auto u = static_cast<std::uint16_t>(v);
    return {static_cast<char>(u >> 8), static_cast<char>(u)};
}

WireBytes one_column(std::uint32_t type_oid = 25) { return row_description({"a"}, type_oid); }

}  // namespace

// ---------------------------------------------------------------------------------------------
TEST_SUITE("fake server: startup") {
    TEST_CASE("trust handshake: startup parameters, server facts, and Terminate on close") {
        FakeServer srv({trust_handshake(), wait_close()});
        uvpg::run([](std::string dsn) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(dsn);
            CHECK_FALSE(conn.closed());
            CHECK(conn.backend_pid() == 4242);
            CHECK(conn.server_version() == 150000);
            CHECK(conn.parameter_status("server_encoding") == std::optional<std::string>("UTF8"));
            CHECK(conn.transaction_status() == uvpg::TransactionStatus::idle);
            conn.close();
            CHECK(conn.closed());
        }(dsn_for(srv)));
        CHECK(srv.error() == "");
        auto log = srv.log();
        CHECK(log.startup["user"] == "u");
        CHECK(log.startup["database"] == "d");
        REQUIRE(log.messages.size() == 1);
        CHECK(log.messages[0].type == 'X');
        CHECK(log.client_closed);
    }

    // The harness itself: a script the client does not follow must show in error(), or every
    // CHECK(srv.error() == "") above and below proves nothing.
    TEST_CASE("the fake server reports a step the client never satisfied") {
        FakeServer srv({trust_handshake(), expect('Q')});
        auto f = uvpg::run(connect_attempt(dsn_for(srv)));  // connects, then closes at once
        CHECK_MESSAGE(!f, f.describe());
        const std::string e = srv.error();
        CHECK(e.find("step 1") != std::string::npos);
        CHECK(e.find("'Q'") != std::string::npos);
    }

    TEST_CASE("truncated message then FIN") {
        // Authentication claims 4 body bytes, 2 arrive, then the server closes.
        auto f = startup_failure({expect_startup(), send(raw_message('R', 8, std::string("\0\0", 2))), close()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("message with length 3") {
        auto f = startup_failure({expect_startup(), send(raw_message('R', 3)), wait_close()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("message with a negative length (0xffffffff)") {
        auto f = startup_failure({expect_startup(), send(raw_message('R', -1)), wait_close()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("message with length 2^31-1 fails at once, without waiting for the body") {
        double ms = 0;
        auto f = startup_failure(
            {expect_startup(), send(raw_message('R', 0x7fffffff, std::string("\0\0\0\0", 4))), wait_close()}, "", 5,
            &ms);
        CHECK_RAISED(f, uvpg::OperationalError);
        CHECK(ms < 3000);  // a client waiting for the body would sit until connect_timeout (5 s)
    }

    TEST_CASE("unknown message type during startup") {
        auto f = startup_failure({expect_startup(), send(raw_message('Q', 4)), wait_close()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("ErrorResponse 28P01 during startup") {
        auto f = startup_failure(
            {expect_startup(), send(error_response("FATAL", "28P01", "password authentication failed for user \"u\"")),
             close()});
        CHECK_RAISED(f, uvpg::OperationalError);
        CHECK_RAISED(f, uvpg::errors::InvalidPassword);
        CHECK(f.pgcode() == "28P01");
        CHECK(f.what().find("password authentication failed for user \"u\"") != std::string::npos);
    }

    TEST_CASE("ErrorResponse 3D000 during startup is an OperationalError, as psycopg2 raises") {
        auto f = startup_failure(
            {expect_startup(), send(error_response("FATAL", "3D000", "database \"d\" does not exist")), close()});
        CHECK_RAISED(f, uvpg::OperationalError);
        CHECK(f.pgcode() == "3D000");
        CHECK(f.what().find("database \"d\" does not exist") != std::string::npos);
    }

    TEST_CASE("ErrorResponse 53300 after AuthenticationOk") {
        auto f = startup_failure(
            {expect_startup(),
             send(msg(pr::Authentication{}) + error_response("FATAL", "53300", "sorry, too many clients already")),
             close()});
        CHECK_RAISED(f, uvpg::errors::TooManyConnections);
        CHECK(f.pgcode() == "53300");
    }

    TEST_CASE("FIN right after accept") {
        auto f = startup_failure({close()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("RST right after accept") {
        auto f = startup_failure({reset()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("server that accepts and never answers: connect_timeout=1") {
        double ms = 0;
        auto f = startup_failure({hold()}, "", 1, &ms);
        CHECK_RAISED(f, uvpg::OperationalError);
        CHECK(ms >= 900);
        CHECK(ms < 3000);
    }

    TEST_CASE("ReadyForQuery before any authentication") {
        auto f = startup_failure({expect_startup(), send(ready_for_query()), wait_close()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("AuthenticationOk twice") {
        auto f = startup_failure({expect_startup(), send(msg(pr::Authentication{}) + trust_reply()), wait_close()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    // libpq accepts only R, E and v until authentication ends (reliability.md, section 6).
    TEST_CASE("BackendKeyData before authentication") {
        auto f = startup_failure({expect_startup(), send(msg(pr::BackendKeyData{1, 2}) + trust_reply()), wait_close()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("DataRow during startup, after AuthenticationOk") {
        auto f = startup_failure(
            {expect_startup(), send(msg(pr::Authentication{}) + data_row({"1"}) + after_auth()), wait_close()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("NegotiateProtocolVersion claiming 2^31-1 options in 12 bytes") {
        auto f =
            startup_failure({expect_startup(), send(raw_message('v', 12, be32(0) + be32(0x7fffffff))), wait_close()});
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("unsupported authentication method (7, GSSAPI)") {
        pr::Authentication gss;
        gss.code = pr::Authentication::gss;
        auto f = startup_failure({expect_startup(), send(msg(gss)), wait_close()}, "password=secret");
        // psycopg2 raises OperationalError for every failed connect; uvpg may say NotSupportedError.
        CHECK_RAISED(f, uvpg::DatabaseError);
        CHECK(f.what().find('7') != std::string::npos);
    }

    TEST_CASE("AuthenticationMD5Password with a 3-byte salt") {
        auto f =
            startup_failure({expect_startup(), send(raw_message('R', 11, be32(5) + std::string("abc"))), wait_close()},
                            "password=secret");
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("MD5 password handshake (control for the malformed salt)") {
        const std::uint8_t salt[4] = {1, 2, 3, 4};
        pr::Authentication md5;
        md5.code = pr::Authentication::md5_password;
        md5.data = pr::ByteView(salt, 4);
        const std::string expected = pr::md5_password("u", "secret", salt) + std::string(1, '\0');
        FakeServer srv({expect_startup(), send(msg(md5)),
                        expect('p',
                               [expected](const FrontendMessage& m) {
                                   if (m.text() != expected)
                                       throw ScriptError("wrong md5 password: " + std::string(m.text()));
                               }),
                        send(trust_reply())});
        auto f = uvpg::run(connect_attempt(dsn_for(srv, "password=secret")));
        CHECK_MESSAGE(!f, f.describe());
        CHECK(srv.error() == "");
    }

    TEST_CASE("AuthenticationSASL without SCRAM-SHA-256") {
        pr::Authentication sasl;
        sasl.code = pr::Authentication::sasl;
        sasl.mechanisms = {"FOO-BAR"};
        auto f = startup_failure({expect_startup(), send(msg(sasl)), wait_close()}, "password=secret");
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("AuthenticationSASLContinue without a SASL exchange") {
        auto f = startup_failure({expect_startup(), send(raw_message('R', 8 + 5, be32(11) + "r=abc")), wait_close()},
                                 "password=secret");
        CHECK_RAISED(f, uvpg::OperationalError);
    }

}  // TEST_SUITE

// ---------------------------------------------------------------------------------------------
TEST_SUITE("fake server: SCRAM") {
    TEST_CASE("a correct SCRAM-SHA-256 exchange connects (control)") {
        FakeServer srv({expect_startup(), scram({}), send(msg(pr::Authentication{}) + after_auth())});
        auto f = uvpg::run(connect_attempt(dsn_for(srv, "password=secret")));
        CHECK_MESSAGE(!f, f.describe());
        CHECK(srv.error() == "");  // also: the client's proof was right
    }

    TEST_CASE("SCRAM: bad server signature") {
        Scram s;
        s.final = Scram::Final::bad_signature;
        auto f =
            startup_failure({expect_startup(), scram(s), send(msg(pr::Authentication{}) + after_auth()), wait_close()},
                            "password=secret");
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("SCRAM: server nonce does not start with the client's") {
        Scram s;
        s.nonce = Scram::Nonce::foreign;
        s.expect_client_final = false;
        auto f = startup_failure({expect_startup(), scram(s), wait_close()}, "password=secret");
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("SCRAM: server nonce equal to the client's (no server part)") {
        Scram s;
        s.nonce = Scram::Nonce::same;
        s.expect_client_final = false;
        auto f = startup_failure({expect_startup(), scram(s), wait_close()}, "password=secret");
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("SCRAM: 2,000,000,000 iterations are refused before hashing") {
        Scram s;
        s.iterations = "2000000000";
        s.expect_client_final = false;
        double ms = 0;
        auto f = startup_failure({expect_startup(), scram(s), wait_close()}, "password=secret", 5, &ms);
        CHECK_RAISED(f, uvpg::OperationalError);
        CHECK(ms < 3000);  // hashing would run into connect_timeout (5 s)
    }

    TEST_CASE("SCRAM: server-final with e=invalid-proof") {
        Scram s;
        s.final = Scram::Final::server_error;
        auto f = startup_failure({expect_startup(), scram(s), wait_close()}, "password=secret");
        CHECK_RAISED(f, uvpg::OperationalError);
    }

    TEST_CASE("SCRAM: AuthenticationOk instead of SASLFinal") {
        Scram s;
        s.final = Scram::Final::ok_instead_of_final;
        auto f = startup_failure({expect_startup(), scram(s), send(after_auth()), wait_close()}, "password=secret");
        CHECK_RAISED(f, uvpg::OperationalError);
    }

}  // TEST_SUITE

// ---------------------------------------------------------------------------------------------
TEST_SUITE("fake server: query") {
    TEST_CASE("truncated DataRow then FIN") {
        auto o = query_fault(one_column() + raw_message('D', 20, be16(1) + be32(5) + "ab"), close());
        check_broken(o);
    }

    TEST_CASE("DataRow without RowDescription") {
        check_broken(query_fault(data_row({"1"}) + command_complete("SELECT 1") + ready_for_query()));
    }

    TEST_CASE("DataRow with the wrong column count") {
        check_broken(
            query_fault(one_column() + data_row({"1", "2"}) + command_complete("SELECT 1") + ready_for_query()));
    }

    TEST_CASE("DataRow with a column length of -2") {
        check_broken(query_fault(one_column() + raw_message('D', 4 + 2 + 4, be16(1) + be32(-2))));
    }

    TEST_CASE("DataRow with a column length of INT32_MIN") {
        check_broken(query_fault(one_column() + raw_message('D', 4 + 2 + 4, be16(1) + be32(INT32_MIN))));
    }

    TEST_CASE("DataRow with a column length past the end of the message") {
        check_broken(query_fault(one_column() + raw_message('D', 4 + 2 + 4 + 3, be16(1) + be32(4) + "abc")));
    }

    TEST_CASE("RowDescription claiming 100 fields, carrying 1") {
        auto one = msg(pr::RowDescription{{pr::FieldDescription{.name = "a", .type_oid = 25}}});
        one[5] = 0;
        one[6] = 100;  // the Int16 field count
        check_broken(query_fault(one));
    }

    TEST_CASE("unknown message type during a query") { check_broken(query_fault(one_column() + raw_message('Q', 4))); }

    TEST_CASE("message type byte 0 during a query") { check_broken(query_fault(raw_message('\0', 4))); }

    // The type byte is the server's: an error message quoting it raw would carry control bytes
    // (or, for 0, end at the NUL) into logs and terminals.
    TEST_CASE("a non-printable type byte is named readably in the error") {
        auto o = query_fault(raw_message('\x01', 4));
        check_broken(o);
        const std::string w = o.execute.what();
        bool printable = true;
        for (char c : w) printable = printable && ((c >= 0x20 && c < 0x7f) || c == '\n');
        CHECK_MESSAGE(printable, "what(): ", w);
    }

    TEST_CASE("message with length 3 during a query") { check_broken(query_fault(one_column() + raw_message('D', 3))); }

    TEST_CASE("message with a negative length during a query") {
        check_broken(query_fault(raw_message('D', INT32_MIN)));
    }

    TEST_CASE("message with length 2^31-1 during a query fails at once") {
        // The server waits at most 3 s for the client to close: a client waiting for 2 GiB would
        // get EOF then, and the server would report that it did not close by itself.
        double ms = 0;
        auto o = query_fault(one_column() + raw_message('D', 0x7fffffff, be16(1)), wait_close(),
                             {.timeout = std::chrono::milliseconds(3000)}, &ms);
        check_broken(o);
        CHECK(ms < 2500);
    }

    // libpq treats any message but DataRow/RowDescription/Error/Notice/... over 30000 bytes as
    // loss of sync (reliability.md, section 6 and plan C.3): a 1 MB ParameterStatus is not real.
    TEST_CASE("ParameterStatus claiming 1 MB is refused before its body arrives") {
        auto o = query_fault(one_column() + raw_message('S', 1 << 20, "server_version"), wait_close(),
                             {.timeout = std::chrono::milliseconds(2000)});
        check_broken(o);
    }

    TEST_CASE("ReadyForQuery with status 'X'") {
        check_broken(query_fault(command_complete("SELECT 0") + raw_message('Z', 5, "X")));
    }

    TEST_CASE("CommandComplete whose tag has no NUL") {
        check_broken(query_fault(raw_message('C', 4 + 8, "SELECT 1")));
    }

    // The messages every query ends with are read straight from their bytes; anything but their
    // exact shape still goes through the decoder and breaks the connection.
    TEST_CASE("CommandComplete with bytes after its tag's NUL, and ReadyForQuery with two status bytes") {
        check_broken(query_fault(raw_message('C', 4 + 11, std::string("SELECT 1\0xy", 11)) + ready_for_query()));
        check_broken(query_fault(command_complete("SELECT 0") + raw_message('Z', 4 + 2, "II")));
        check_broken(query_fault(command_complete("SELECT 0") + raw_message('Z', 4)));
    }

    TEST_CASE("AuthenticationOk in the middle of a query") {
        check_broken(query_fault(one_column() + msg(pr::Authentication{})));
    }

    TEST_CASE("ErrorResponse FATAL 57P01 then FIN") {
        auto o =
            query_fault(one_column() + data_row({"1"}) +
                            error_response("FATAL", "57P01", "terminating connection due to administrator command"),
                        close());
        check_broken(o);
        CHECK_RAISED(o.execute, uvpg::errors::AdminShutdown);
        CHECK(o.execute.pgcode() == "57P01");
        CHECK(o.execute.what().find("terminating connection due to administrator command") != std::string::npos);
    }

    TEST_CASE("FATAL right after CommandComplete is not a success") {
        auto o =
            query_fault(one_column() + data_row({"1"}) + command_complete("SELECT 1") +
                            error_response("FATAL", "57P01", "terminating connection due to administrator command"),
                        close());
        check_broken(o);
        CHECK(o.execute.pgcode() == "57P01");
    }

    TEST_CASE("FIN in the middle of a result: libpq's words") {
        auto o = query_fault(one_column() + data_row({"1"}), close());
        check_broken(o);
        CHECK(o.execute.what() ==
              "server closed the connection unexpectedly\n"
              "\tThis probably means the server terminated abnormally\n"
              "\tbefore or while processing the request.\n");
    }

    TEST_CASE("RST in the middle of a result: libpq's words, with the system's text") {
        auto o = query_fault(one_column() + data_row({"1"}), reset());
        check_broken(o);
        // The kernel reports the RST as ECONNRESET, or as an end of file when the client's read
        // came first: libpq's text for each, never libuv's names.
        const std::string what = o.execute.what();
        CHECK_MESSAGE((what == "could not receive data from server: Connection reset by peer\n" ||
                       what == "server closed the connection unexpectedly\n"
                               "\tThis probably means the server terminated abnormally\n"
                               "\tbefore or while processing the request.\n"),
                      what);
    }

    TEST_CASE("a query written after the server reset the idle connection") {
        // The client writes into a socket that has already received the RST: an error, never SIGPIPE.
        std::promise<void> reset_done;
        std::shared_future<void> ready = reset_done.get_future().share();
        FakeServer srv({trust_handshake(), reset(), call([&reset_done](Session&) { reset_done.set_value(); })});
        auto o = uvpg::run([](std::string dsn, std::shared_future<void> ready) -> uvpg::Task<QueryOutcome> {
            QueryOutcome o;
            uvpg::Connection conn = co_await uvpg::connect(dsn);
            uvpg::Cursor cur = co_await conn.cursor();
            // Blocks the loop on purpose, so the library cannot have seen the RST yet. Bounded, in
            // case the script failed before it got there.
            ready.wait_for(std::chrono::seconds(10));
            o.execute = co_await attempt([&] { return cur.execute("SELECT 1"); });
            o.closed_after = conn.closed();
            o.execute_again = co_await attempt([&] { return cur.execute("SELECT 1"); });
            o.new_cursor = co_await attempt([&] { return conn.cursor(); });
            co_return o;
        }(dsn_for(srv), ready));
        check_broken(o);
        CHECK(srv.error() == "");
    }

    TEST_CASE("NoticeResponse, ParameterStatus and NotificationResponse between DataRows") {
        FakeServer srv({trust_handshake(), expect('Q'),
                        send(one_column() + data_row({"1"}) +
                             error_response("NOTICE", "00000", "hello from the middle of a result", 'N') +
                             data_row({"2"}) + msg(pr::ParameterStatus{"application_name", "changed"}) +
                             msg(pr::NotificationResponse{777, "chan", "payload"}) + data_row({"3"}) +
                             command_complete("SELECT 3") + ready_for_query())});
        uvpg::run([](std::string dsn) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(dsn);
            uvpg::Cursor cur = co_await conn.cursor();
            co_await cur.execute("SELECT a FROM t");
            auto rows = co_await cur.fetchall();
            REQUIRE(rows.size() == 3);
            CHECK(rows[0][0].as<std::string>() == "1");
            CHECK(rows[1][0].as<std::string>() == "2");
            CHECK(rows[2][0].as<std::string>() == "3");
            CHECK(cur.rowcount() == 3);
            CHECK(cur.statusmessage() == "SELECT 3");
            REQUIRE(conn.notices().size() == 1);
            CHECK(conn.notices().back().find("hello from the middle of a result") != std::string::npos);
            auto n = conn.notifies().get_nowait();
            REQUIRE(n);
            CHECK(n->pid == 777);
            CHECK(n->channel == "chan");
            CHECK(n->payload == "payload");
            CHECK(conn.parameter_status("application_name") == std::optional<std::string>("changed"));
            CHECK_FALSE(conn.closed());
        }(dsn_for(srv)));
        CHECK(srv.error() == "");
    }

    TEST_CASE("a NotificationResponse while idle wakes a waiting notifies().get()") {
        FakeServer srv({trust_handshake(), send(msg(pr::NotificationResponse{9, "ch", "hi"}))});
        uvpg::run([](std::string dsn) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(dsn);
            uvpg::Notify n = co_await conn.notifies().get();
            CHECK(n.pid == 9);
            CHECK(n.channel == "ch");
            CHECK(n.payload == "hi");
            CHECK_FALSE(conn.closed());
        }(dsn_for(srv)));
        CHECK(srv.error() == "");
    }

    TEST_CASE("a server ERROR (not FATAL) keeps the connection usable (control)") {
        FakeServer srv({trust_handshake(), expect('Q'),
                        send(error_response("ERROR", "42P01", "relation \"t\" does not exist") + ready_for_query()),
                        expect('Q'),
                        send(one_column() + data_row({"1"}) + command_complete("SELECT 1") + ready_for_query())});
        uvpg::run([](std::string dsn) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(dsn);
            uvpg::Cursor cur = co_await conn.cursor();
            auto f = co_await attempt([&] { return cur.execute("SELECT a FROM t"); });
            CHECK_RAISED(f, uvpg::errors::UndefinedTable);
            CHECK(f.pgcode() == "42P01");
            CHECK_FALSE(conn.closed());
            co_await cur.execute("SELECT 1");
            auto row = co_await cur.fetchone();
            REQUIRE(row);
            CHECK((*row)[0].as<std::string>() == "1");
        }(dsn_for(srv)));
        CHECK(srv.error() == "");
    }

    TEST_CASE("a request queued behind the failing one fails too") {
        // Both queries are written before the server answers anything, so the second one is
        // pending in the connection's queue when the first one's reply turns out broken.
        FakeServer srv(
            {trust_handshake(), expect('Q'), expect('Q'), send(one_column() + raw_message('D', 3)), wait_close()});
        uvpg::run([](std::string dsn) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(dsn);
            uvpg::Cursor a = co_await conn.cursor();
            uvpg::Cursor b = co_await conn.cursor();
            auto [fa, fb] = co_await uvpg::gather(attempt([&] { return a.execute("SELECT a FROM t"); }),
                                                  attempt([&] { return b.execute("SELECT b FROM t"); }));
            CHECK_RAISED(fa, uvpg::OperationalError);
            CHECK_RAISED(fb, uvpg::OperationalError);
            CHECK(conn.closed());
            auto again = co_await attempt([&] { return a.execute("SELECT 1"); });
            CHECK_RAISED(again, uvpg::InterfaceError);
        }(dsn_for(srv)));
        CHECK(srv.error() == "");
    }

    TEST_CASE("extended protocol: BindComplete with a body breaks the connection") {
        auto bad = msg(pr::ParseComplete{}) + raw_message('2', 4 + 1, "x") + one_column(23) + data_row({"42"}) +
                   command_complete("SELECT 1") + ready_for_query();
        FakeServer srv({trust_handshake(), expect('P'), expect('B'), expect('D'), expect('E'), expect('S'), send(bad),
                        wait_close()});
        uvpg::run([](std::string dsn) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(dsn, {.statement_cache_size = 0});
            uvpg::Cursor cur = co_await conn.cursor();
            auto f = co_await attempt([&] { return cur.execute("SELECT %s", {42}); });
            CHECK_RAISED(f, uvpg::OperationalError);
            CHECK(conn.closed());
        }(dsn_for(srv)));
        CHECK(srv.error() == "");
    }

    TEST_CASE("extended protocol: a good reply (control), then a DataRow with the wrong column count") {
        auto parse_check = [](const FrontendMessage& m) {
            if (m.text().find("SELECT $1") == std::string_view::npos)
                throw ScriptError("Parse without the statement: " + std::string(m.text()));
        };
        auto good = msg(pr::ParseComplete{}) + msg(pr::BindComplete{}) + one_column(23) + data_row({"42"}) +
                    command_complete("SELECT 1") + ready_for_query();
        auto bad = msg(pr::ParseComplete{}) + msg(pr::BindComplete{}) + one_column(23) + data_row({"42", "43"}) +
                   command_complete("SELECT 1") + ready_for_query();
        FakeServer srv({trust_handshake(), expect('P', parse_check), expect('B'), expect('D'), expect('E'), expect('S'),
                        send(good), expect('P', parse_check), expect('B'), expect('D'), expect('E'), expect('S'),
                        send(bad), wait_close()});
        uvpg::run([](std::string dsn) -> uvpg::Task<void> {
            // The script speaks the unnamed-statement flow, so the statement cache is off here.
            uvpg::Connection conn = co_await uvpg::connect(dsn, {.statement_cache_size = 0});
            uvpg::Cursor cur = co_await conn.cursor();
            co_await cur.execute("SELECT %s", {42});
            auto row = co_await cur.fetchone();
            REQUIRE(row);
            CHECK((*row)[0].as<int>() == 42);
            auto f = co_await attempt([&] { return cur.execute("SELECT %s", {42}); });
            CHECK_RAISED(f, uvpg::OperationalError);
            CHECK(conn.closed());
        }(dsn_for(srv)));
        CHECK(srv.error() == "");
    }

    TEST_CASE("CommandComplete while idle closes the connection") {
        FakeServer srv({trust_handshake(), send(command_complete("SELECT 1")), wait_close()});
        uvpg::run([](std::string dsn) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(dsn);
            // Waiting for a notification is how an idle client waits for the connection to end.
            auto f = co_await attempt([&] { return conn.notifies().get(); });
            CHECK_RAISED(f, uvpg::OperationalError);
            CHECK(conn.closed());
            auto again = co_await attempt([&] { return conn.cursor(); });
            CHECK_RAISED(again, uvpg::InterfaceError);
        }(dsn_for(srv)));
        CHECK(srv.error() == "");
    }

    TEST_CASE("FATAL 57P01 while idle, then FIN") {
        FakeServer srv({trust_handshake(),
                        send(error_response("FATAL", "57P01", "terminating connection due to administrator command")),
                        close()});
        uvpg::run([](std::string dsn) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(dsn);
            auto f = co_await attempt([&] { return conn.notifies().get(); });
            CHECK_RAISED(f, uvpg::OperationalError);
            CHECK(conn.closed());
            auto again = co_await attempt([&] { return conn.cursor(); });
            CHECK_RAISED(again, uvpg::Error);
        }(dsn_for(srv)));
        CHECK(srv.error() == "");
    }

}  // TEST_SUITE
