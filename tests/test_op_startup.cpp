// Connection startup as a sans-I/O operation (lib/ops/startup_op.hpp), tested as wire
// transcripts without a server: the SSLRequest under each sslmode, the answer byte, every
// authentication exchange, NegotiateProtocolVersion, a refused login, unexpected messages, and an
// I/O error at every step. The driver's side (connect, TLS, thread pool) is test_connect's,
// test_tls's and test_startup_faults'.
#include "lib/ops/startup_op.hpp"
#include "op_transcript.hpp"
#include "proto/frontend.hpp"

#include <doctest/doctest.h>

using namespace uvpg;
using namespace uvpg::test;
using detail::Errc;
using detail::SslMode;
using detail::ops::KeyDerivation;
using detail::ops::StartupOp;
using detail::ops::StartupSettings;
using Kind = Action::Kind;
using proto::Authentication;

namespace {

const std::vector<std::pair<std::string, std::string>> kParams = {{"user", "alice"}, {"database", "app"}};

// RFC 7677's exchange with the empty user name PostgreSQL clients send (tests/test_auth.cpp).
constexpr std::string_view kNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=qvT2SWdEH5Q06albL+hjSYuUhCG7VndFyzIb7CK4n9k=";
constexpr std::string_view kServerFinal = "v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg=";

StartupSettings settings(SslMode mode, std::optional<std::string> password = "pencil") {
    StartupSettings s;
    s.startup_params = kParams;
    s.user = "alice";
    s.password = std::move(password);
    s.sslmode = mode;
    s.scram_nonce = std::string(kNonce);
    return s;
}

// The first attempt asks for TLS unless sslmode is disable or allow (lib/conn/startup.cpp).
StartupOp make_op(StartupSettings s, bool retried = false) {
    const bool tls = s.sslmode != SslMode::disable && s.sslmode != SslMode::allow;
    return StartupOp(std::move(s), tls, retried);
}

proto::ByteView view(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// Messages through the op as the driver hands them over: the type first, then the decoded
// message; ParameterStatus and NoticeResponse are the connection's (handle_async).
Action feed_startup(StartupOp& op, const Bytes& bytes, Bytes& out) {
    return feed_messages(bytes, [&](const proto::RawMessage& raw) {
        Action a = op.on_message_type(raw.type);
        if (a.kind == Kind::done) return a;
        proto::BackendMessage m;
        REQUIRE(proto::decode(raw, m) == proto::Errc::ok);
        if (std::holds_alternative<proto::ParameterStatus>(m) || std::holds_alternative<proto::NoticeResponse>(m))
            return Action::read();
        return op.on_message(raw.type, m, out);
    });
}
auto feed(Bytes bytes) {
    return [bytes = std::move(bytes)](StartupOp& op, Bytes& out) { return feed_startup(op, bytes, out); };
}
auto start() {
    return [](StartupOp& op, Bytes& out) { return op.start(out); };
}
auto ssl_reply(std::string bytes) {
    return [bytes = std::move(bytes)](StartupOp& op, Bytes& out) { return op.on_ssl_reply(view(bytes), out); };
}
auto tls_ready(std::string binding = {}) {
    return [binding = std::move(binding)](StartupOp& op, Bytes& out) { return op.on_tls_ready(binding, out); };
}
// The driver's derive_keys, done here and now.
auto derive_keys() {
    return [](StartupOp& op, Bytes& out) {
        std::unique_ptr<KeyDerivation> work = op.take_key_derivation();
        REQUIRE(work);
        work->run();
        return op.on_keys_derived(std::move(work), out);
    };
}

Bytes startup_message() {
    return frontend([](Bytes& b) { proto::encode_startup(b, kParams); });
}
Bytes ssl_request() {
    return frontend([](Bytes& b) { proto::encode_ssl_request(b); });
}
Bytes password_message(std::string_view p) {
    return frontend([&](Bytes& b) { proto::encode_password(b, p); });
}
Bytes ready_messages() {
    return backend(
        {proto::ParameterStatus{"server_version", "15.0"}, proto::BackendKeyData{4242, 77}, proto::ReadyForQuery{'I'}});
}
Bytes auth(std::int32_t code, std::string_view data = {}) {
    Authentication a;
    a.code = code;
    a.data = view(data);
    return backend({a});
}
Bytes sasl(std::vector<std::string_view> mechanisms) {
    Authentication a;
    a.code = Authentication::sasl;
    a.mechanisms = std::move(mechanisms);
    return backend({a});
}
Bytes error_response(std::string_view sqlstate, std::string_view message) {
    return backend({proto::ErrorResponse{{{'S', "FATAL"}, {'V', "FATAL"}, {'C', sqlstate}, {'M', message}}}});
}

// A SCRAM-SHA-256 login, step by step; with TLS first when `with_tls` (then under
// channel_binding=disable, so that the gs2 header stays "n,," and the bytes are RFC 7677's).
Transcript<StartupOp> scram_transcript(bool with_tls) {
    Transcript<StartupOp> t;
    if (with_tls) {
        t.step("SSLRequest", start(), ssl_request(), Kind::read);
        t.step("'S'", ssl_reply("S"), {}, Kind::start_tls);
        t.step("handshake done", tls_ready(), startup_message(), Kind::read);
    } else {
        t.step("StartupMessage", start(), startup_message(), Kind::read);
    }
    t.step("AuthenticationSASL", feed(sasl({"SCRAM-SHA-256"})), frontend([](Bytes& b) {
               proto::encode_sasl_initial_response(b, "SCRAM-SHA-256", view("n,,n=,r=" + std::string(kNonce)));
           }),
           Kind::read);
    t.step("SASLContinue", feed(auth(Authentication::sasl_continue, kServerFirst)), {}, Kind::derive_keys);
    t.step("keys derived", derive_keys(),
           frontend([](Bytes& b) { proto::encode_sasl_response(b, view(kClientFinal)); }), Kind::read);
    t.step("SASLFinal, AuthenticationOk", feed(concat({auth(Authentication::sasl_final, kServerFinal), auth(0)})), {},
           Kind::read);
    t.step("BackendKeyData, ReadyForQuery", feed(ready_messages()), {}, Kind::done);
    return t;
}

void check_ready(const StartupOp& op, const Action& a) {
    CHECK(a.kind == Kind::done);
    CHECK_MESSAGE(!a.error, a.error.message);
    CHECK(op.backend_pid() == 4242);
    CHECK(op.backend_secret() == 77);
    CHECK(op.transaction_status() == 'I');
}

// A login that failed: done, with this code and message, and whether prefer/allow may retry.
void check_failed(const StartupOp& op, const Action& a, Errc code, std::string_view message, bool fallback = false) {
    REQUIRE(a.kind == Kind::done);
    CHECK(a.error.code == detail::make_error_code(code));
    CHECK(a.error.message == message);
    CHECK(op.fallback() == fallback);
}

}  // namespace

TEST_CASE("startup transcript: trust, cleartext and md5 over plain text") {
    SUBCASE("trust") {
        Transcript<StartupOp> t;
        t.step("StartupMessage", start(), startup_message(), Kind::read);
        t.step("AuthenticationOk and the rest", feed(concat({auth(0), ready_messages()})), {}, Kind::done);
        StartupOp op = make_op(settings(SslMode::disable));
        check_ready(op, t.play(op));
    }
    SUBCASE("cleartext") {
        Transcript<StartupOp> t;
        t.step("StartupMessage", start(), startup_message(), Kind::read);
        t.step("AuthenticationCleartextPassword", feed(auth(Authentication::cleartext_password)),
               password_message("pencil"), Kind::read);
        t.step("AuthenticationOk and the rest", feed(concat({auth(0), ready_messages()})), {}, Kind::done);
        StartupOp op = make_op(settings(SslMode::disable));
        check_ready(op, t.play(op));
    }
    SUBCASE("md5") {
        const std::uint8_t salt[4] = {1, 2, 3, 4};
        Transcript<StartupOp> t;
        t.step("StartupMessage", start(), startup_message(), Kind::read);
        t.step("AuthenticationMD5Password", feed(auth(Authentication::md5_password, "\x01\x02\x03\x04")),
               password_message(proto::md5_password("alice", "pencil", salt)), Kind::read);
        t.step("AuthenticationOk and the rest", feed(concat({auth(0), ready_messages()})), {}, Kind::done);
        StartupOp op = make_op(settings(SslMode::disable));
        check_ready(op, t.play(op));
    }
}

TEST_CASE("startup transcript: SCRAM-SHA-256, the whole exchange with a fixed nonce") {
    Transcript<StartupOp> t = scram_transcript(false);
    StartupOp op = make_op(settings(SslMode::disable));
    check_ready(op, t.play(op));
}

TEST_CASE("startup transcript: SCRAM-SHA-256-PLUS over TLS binds the channel") {
    const std::string binding(32, '\x5a');
    Transcript<StartupOp> t;
    t.step("SSLRequest", start(), ssl_request(), Kind::read);
    t.step("'S'", ssl_reply("S"), {}, Kind::start_tls);
    t.step("handshake done", tls_ready(binding), startup_message(), Kind::read);
    proto::ScramClient expect("pencil", std::string(kNonce), {},
                              proto::ScramBinding{proto::ScramBinding::Flag::plus, binding});
    t.step("AuthenticationSASL", feed(sasl({"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"})), frontend([&](Bytes& b) {
               proto::encode_sasl_initial_response(b, "SCRAM-SHA-256-PLUS", view(expect.client_first()));
           }),
           Kind::read);
    CHECK(expect.client_first() == "p=tls-server-end-point,,n=,r=" + std::string(kNonce));
    t.step("SASLContinue", feed(auth(Authentication::sasl_continue, kServerFirst)), {}, Kind::derive_keys);
    REQUIRE(expect.handle_server_first(kServerFirst));
    t.step("keys derived", derive_keys(),
           frontend([&](Bytes& b) { proto::encode_sasl_response(b, view(expect.client_final())); }), Kind::read);
    StartupSettings s = settings(SslMode::require);
    s.channel_binding = detail::ChannelBinding::require;
    StartupOp op = make_op(std::move(s));
    Action a = t.play(op);
    CHECK(a.kind == Kind::read);
    // A wrong server signature ends it.
    Bytes out;
    check_failed(op, feed_startup(op, auth(Authentication::sasl_final, kServerFinal), out), Errc::connect_failed,
                 "SCRAM: incorrect server signature");
}

TEST_CASE("startup transcript: SSLRequest and its answer under each sslmode") {
    Bytes out;
    SUBCASE("disable and allow start in plain text") {
        for (SslMode m : {SslMode::disable, SslMode::allow}) {
            StartupOp op = make_op(settings(m));
            out.clear();
            CHECK(op.start(out).kind == Kind::read);
            CHECK(out == startup_message());
        }
    }
    SUBCASE("prefer, require, verify-ca, verify-full send SSLRequest; 'S' starts TLS") {
        for (SslMode m : {SslMode::prefer, SslMode::require, SslMode::verify_ca, SslMode::verify_full}) {
            StartupOp op = make_op(settings(m));
            out.clear();
            CHECK(op.start(out).kind == Kind::read);
            CHECK(out == ssl_request());
            CHECK(op.awaiting_ssl_reply());
            out.clear();
            CHECK(op.on_ssl_reply(view("S"), out).kind == Kind::start_tls);
            CHECK(out.empty());
            CHECK(op.in_tls_handshake());
        }
    }
    SUBCASE("'N': prefer goes on in plain text, require and stronger refuse") {
        StartupOp prefer = make_op(settings(SslMode::prefer));
        (void)prefer.start(out);
        out.clear();
        CHECK(prefer.on_ssl_reply(view("N"), out).kind == Kind::read);
        CHECK(out == startup_message());
        CHECK_FALSE(prefer.tls());
        for (SslMode m : {SslMode::require, SslMode::verify_ca, SslMode::verify_full}) {
            StartupOp op = make_op(settings(m));
            (void)op.start(out);
            check_failed(op, op.on_ssl_reply(view("N"), out), Errc::connect_failed,
                         "server does not support SSL, but SSL was required");
        }
    }
    SUBCASE("bytes after 'S' are refused (CVE-2021-23222)") {
        StartupOp op = make_op(settings(SslMode::prefer));
        (void)op.start(out);
        check_failed(op, op.on_ssl_reply(view("SR\0\0\0\x08\0\0\0\0"), out), Errc::connect_failed,
                     "received unencrypted data after SSL response");
    }
    SUBCASE("'E' and anything else") {
        StartupOp e = make_op(settings(SslMode::prefer));
        (void)e.start(out);
        check_failed(e, e.on_ssl_reply(view("E"), out), Errc::connect_failed,
                     "server sent an error response during SSL exchange");
        StartupOp x = make_op(settings(SslMode::prefer));
        (void)x.start(out);
        check_failed(x, x.on_ssl_reply(view("\x01"), out), Errc::connect_failed,
                     "received invalid response to SSL negotiation: 0x01");
    }
    SUBCASE("verify-full needs a host name") {
        StartupSettings s = settings(SslMode::verify_full);
        s.host_given = false;
        StartupOp op = make_op(std::move(s));
        (void)op.start(out);
        check_failed(op, op.on_ssl_reply(view("S"), out), Errc::connect_failed,
                     "host name must be specified for a verified SSL connection");
    }
    SUBCASE("sslnegotiation=direct: TLS at once") {
        StartupSettings s = settings(SslMode::require);
        s.sslnegotiation = detail::SslNegotiation::direct;
        StartupOp op = make_op(std::move(s));
        CHECK(op.start(out).kind == Kind::start_tls);
        CHECK(out.empty());
    }
    SUBCASE("a failed handshake: prefer may retry in plain text, require may not") {
        StartupOp prefer = make_op(settings(SslMode::prefer));
        (void)prefer.start(out);
        (void)prefer.on_ssl_reply(view("S"), out);
        check_failed(prefer, prefer.on_tls_failed("certificate verify failed"), Errc::connect_failed,
                     "certificate verify failed", true);
        StartupOp retried = make_op(settings(SslMode::prefer), true);
        (void)retried.start(out);
        (void)retried.on_ssl_reply(view("S"), out);
        check_failed(retried, retried.on_tls_failed("x"), Errc::connect_failed, "x", false);
        StartupOp require = make_op(settings(SslMode::require));
        (void)require.start(out);
        (void)require.on_ssl_reply(view("S"), out);
        check_failed(require, require.on_tls_failed("x"), Errc::connect_failed, "x", false);
    }
}

TEST_CASE("startup transcript: NegotiateProtocolVersion") {
    Bytes out;
    StartupOp ok = make_op(settings(SslMode::disable));
    (void)ok.start(out);
    CHECK(feed_startup(ok, backend({proto::NegotiateProtocolVersion{0, {}}}), out).kind == Kind::read);
    check_ready(ok, feed_startup(ok, concat({auth(0), ready_messages()}), out));

    StartupOp newer = make_op(settings(SslMode::disable));
    (void)newer.start(out);
    check_failed(newer, feed_startup(newer, backend({proto::NegotiateProtocolVersion{2, {"_pq_.x"}}}), out),
                 Errc::protocol_violation, "unexpected NegotiateProtocolVersion");
}

TEST_CASE("startup transcript: ErrorResponse at login, with libpq's retry rules") {
    Bytes out;
    SUBCASE("plain text: the server's words and fields") {
        StartupOp op = make_op(settings(SslMode::disable));
        (void)op.start(out);
        Action a = feed_startup(op, error_response("28P01", "password authentication failed for user \"alice\""), out);
        check_failed(op, a, Errc::connect_failed, "FATAL:  password authentication failed for user \"alice\"\n");
        CHECK(a.error.diag.sqlstate == "28P01");
        CHECK(a.error.diag.severity == "FATAL");
        // to_exception: the class of its SQLSTATE when an OperationalError, else a plain one.
        std::exception_ptr e = detail::to_exception(a.error);
        CHECK_THROWS_AS(std::rethrow_exception(e), OperationalError);
        detail::ErrorValue db = a.error;
        db.diag.sqlstate = "3D000";
        try {
            std::rethrow_exception(detail::to_exception(db));
        } catch (const ProgrammingError&) {
            FAIL("a refused login is never a ProgrammingError");
        } catch (const OperationalError& op_err) {
            CHECK(op_err.diag().sqlstate == "3D000");
            CHECK(std::string(op_err.what()) == a.error.message);
        }
    }
    SUBCASE("over TLS under prefer: retry in plain text, except after 57P03") {
        for (auto [state, fallback] : {std::pair{"28000", true}, std::pair{"57P03", false}}) {
            StartupOp op = make_op(settings(SslMode::prefer));
            Transcript<StartupOp> t;
            t.step("SSLRequest", start(), ssl_request(), Kind::read);
            t.step("'S'", ssl_reply("S"), {}, Kind::start_tls);
            t.step("handshake done", tls_ready(), startup_message(), Kind::read);
            t.play(op);
            check_failed(op, feed_startup(op, error_response(state, "no"), out), Errc::connect_failed, "FATAL:  no\n",
                         fallback);
        }
    }
    SUBCASE("allow in plain text: retry with TLS, once; prefer after 'N': no retry") {
        StartupOp allow = make_op(settings(SslMode::allow));
        (void)allow.start(out);
        check_failed(allow, feed_startup(allow, error_response("28000", "no"), out), Errc::connect_failed,
                     "FATAL:  no\n", true);
        StartupOp again = make_op(settings(SslMode::allow), true);
        (void)again.start(out);
        check_failed(again, feed_startup(again, error_response("28000", "no"), out), Errc::connect_failed,
                     "FATAL:  no\n", false);
        StartupOp prefer = make_op(settings(SslMode::prefer));
        (void)prefer.start(out);
        (void)prefer.on_ssl_reply(view("N"), out);
        check_failed(prefer, feed_startup(prefer, error_response("28000", "no"), out), Errc::connect_failed,
                     "FATAL:  no\n", false);
    }
    SUBCASE("after AuthenticationOk: no retry") {
        StartupOp op = make_op(settings(SslMode::prefer));
        (void)op.start(out);
        (void)op.on_ssl_reply(view("S"), out);
        (void)op.on_tls_ready({}, out);
        (void)feed_startup(op, auth(0), out);
        check_failed(op, feed_startup(op, error_response("53300", "too many"), out), Errc::connect_failed,
                     "FATAL:  too many\n", false);
    }
}

TEST_CASE("startup transcript: unexpected messages are protocol violations") {
    Bytes out;
    auto after_start = [&](SslMode m = SslMode::disable) {
        StartupOp op = make_op(settings(m));
        (void)op.start(out);
        return op;
    };
    SUBCASE("ParameterStatus, BackendKeyData or ReadyForQuery during authentication") {
        for (auto [bytes, text] : {std::pair{backend({proto::ParameterStatus{"a", "b"}}), "'S'"},
                                   std::pair{backend({proto::BackendKeyData{1, 2}}), "'K'"},
                                   std::pair{backend({proto::ReadyForQuery{'I'}}), "'Z'"}}) {
            StartupOp op = after_start();
            check_failed(op, feed_startup(op, bytes, out), Errc::protocol_violation,
                         std::string("unexpected message type ") + text + " during authentication");
        }
    }
    SUBCASE("a query's message after AuthenticationOk") {
        StartupOp op = after_start();
        check_failed(op, feed_startup(op, concat({auth(0), backend({proto::CommandComplete{"SELECT 1"}})}), out),
                     Errc::protocol_violation, "unexpected message type 'C' during startup");
    }
    SUBCASE("authentication after AuthenticationOk, SASL messages out of turn") {
        StartupOp twice = after_start();
        check_failed(twice, feed_startup(twice, concat({auth(0), auth(0)}), out), Errc::protocol_violation,
                     "authentication request after authentication completed");
        StartupOp cont = after_start();
        check_failed(cont, feed_startup(cont, auth(Authentication::sasl_continue, "r=x"), out),
                     Errc::protocol_violation, "SASLContinue without a SASL exchange");
        StartupOp fin = after_start();
        check_failed(fin, feed_startup(fin, auth(Authentication::sasl_final, "v=x"), out), Errc::protocol_violation,
                     "SASLFinal without a SASL exchange");
    }
    SUBCASE("AuthenticationOk before SASLFinal, even while the keys are being derived") {
        Transcript<StartupOp> t = scram_transcript(false);
        StartupOp during = make_op(settings(SslMode::disable));
        CHECK(t.play(during, 3).kind == Kind::derive_keys);
        check_failed(during, feed_startup(during, auth(0), out), Errc::protocol_violation,
                     "server skipped the end of the SCRAM exchange");
        StartupOp after = make_op(settings(SslMode::disable));
        CHECK(t.play(after, 4).kind == Kind::read);
        check_failed(after, feed_startup(after, auth(0), out), Errc::protocol_violation,
                     "server skipped the end of the SCRAM exchange");
    }
}

TEST_CASE("startup transcript: authentication policy (require_auth, channel_binding, passwords)") {
    Bytes out;
    auto op_with = [&](StartupSettings s) {
        StartupOp op = make_op(std::move(s));
        (void)op.start(out);
        return op;
    };
    SUBCASE("require_auth") {
        StartupSettings s = settings(SslMode::disable);
        s.auth_methods.add(detail::AuthMethod::md5);
        s.require_auth = "md5";
        StartupOp clear = op_with(s);
        check_failed(clear, feed_startup(clear, auth(Authentication::cleartext_password), out), Errc::connect_failed,
                     "authentication method requirement \"md5\" failed: server requested a cleartext password");
        StartupOp trust = op_with(s);
        check_failed(trust, feed_startup(trust, auth(0), out), Errc::connect_failed,
                     "authentication method requirement \"md5\" failed: server did not complete authentication");
        StartupOp scram = op_with(s);
        check_failed(scram, feed_startup(scram, sasl({"SCRAM-SHA-256"}), out), Errc::connect_failed,
                     "authentication method requirement \"md5\" failed: server requested SASL authentication");
    }
    SUBCASE("channel_binding=require") {
        StartupSettings s = settings(SslMode::disable);
        s.channel_binding = detail::ChannelBinding::require;
        StartupOp trust = op_with(s);
        check_failed(trust, feed_startup(trust, auth(0), out), Errc::connect_failed,
                     "channel binding required, but server authenticated client without channel binding");
        StartupOp md5 = op_with(s);
        check_failed(md5, feed_startup(md5, auth(Authentication::md5_password, "abcd"), out), Errc::connect_failed,
                     "channel binding required but not supported by server's authentication request");
        StartupOp scram = op_with(s);
        check_failed(scram, feed_startup(scram, sasl({"SCRAM-SHA-256"}), out), Errc::connect_failed,
                     "channel binding is required, but server did not offer an authentication method that supports "
                     "channel binding");
    }
    SUBCASE("no password, unknown mechanisms, GSSAPI") {
        StartupOp nopw = op_with(settings(SslMode::disable, std::nullopt));
        check_failed(nopw, feed_startup(nopw, auth(Authentication::cleartext_password), out), Errc::connect_failed,
                     "fe_sendauth: no password supplied");
        StartupOp mech = op_with(settings(SslMode::disable));
        check_failed(mech, feed_startup(mech, sasl({"SCRAM-SHA-512"}), out), Errc::connect_failed,
                     "none of the server's SASL authentication mechanisms are supported");
        StartupOp gss = op_with(settings(SslMode::disable));
        check_failed(gss, feed_startup(gss, auth(Authentication::gss), out), Errc::connect_failed,
                     "authentication method 7 is not supported by uvpg");
        StartupOp plus = op_with(settings(SslMode::require));
        (void)plus.on_ssl_reply(view("S"), out);
        (void)plus.on_tls_ready({}, out);  // no binding data could be made
        check_failed(plus, feed_startup(plus, sasl({"SCRAM-SHA-256-PLUS"}), out), Errc::connect_failed,
                     "could not compute channel binding data from the server certificate");
    }
    SUBCASE("a failed key derivation") {
        StartupOp op = op_with(settings(SslMode::disable));
        (void)feed_startup(op, sasl({"SCRAM-SHA-256"}), out);
        CHECK(feed_startup(op, auth(Authentication::sasl_continue, "r=someone-else,s=AAAA,i=4096"), out).kind ==
              Kind::derive_keys);
        auto work = op.take_key_derivation();
        work->run();
        check_failed(op, op.on_keys_derived(std::move(work), out), Errc::connect_failed, "SCRAM: nonce mismatch");
    }
}

TEST_CASE("startup transcript: an I/O error at every step ends the login with libpq's words") {
    // Over TLS under prefer: the hang-up during the handshake is the one that retries.
    Transcript<StartupOp> t = scram_transcript(true);
    StartupSettings s = settings(SslMode::prefer);
    s.channel_binding = detail::ChannelBinding::disable;
    {
        StartupOp whole(s, true, false);
        check_ready(whole, t.play(whole));
    }
    for (std::size_t n = 1; n < t.steps.size(); ++n) {
        CAPTURE(n);
        for (bool eof : {true, false}) {
            StartupOp op(s, true, false);
            Action before = t.play(op, n);
            REQUIRE(before.kind != Kind::done);
            Action a = op.on_read_failed(eof, "Connection reset by peer");
            if (n == 1) {
                check_failed(op, a, Errc::connect_failed, "server closed the connection during SSL negotiation");
            } else if (n == 2) {
                check_failed(op, a, Errc::connect_failed, "server closed the connection during the SSL handshake",
                             true);
            } else if (eof) {
                check_failed(op, a, Errc::connect_failed, detail::kServerClosed);
            } else {
                check_failed(op, a, Errc::connect_failed,
                             "could not receive data from server: Connection reset by peer");
            }
        }
    }
}
