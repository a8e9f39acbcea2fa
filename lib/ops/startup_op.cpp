// Connection startup, sans-I/O (see startup_op.hpp): the TLS negotiation and the login up to the
// first ReadyForQuery. Authentication itself is in lib/ops/auth_exchange.cpp.
#include "lib/ops/startup_op.hpp"

#include <uvpg/errors_sqlstate.hpp>

#include "lib/errors/errors_internal.hpp"
#include "proto/frontend.hpp"

namespace uvpg::detail::ops {

namespace {
// SQLSTATE 57P03 cannot_connect_now (the server is starting up or shutting down): libpq only
// tries another host after it, never the other sslmode.
constexpr std::string_view kCannotConnectNow = errors::CannotConnectNow::sqlstate;
}  // namespace

StartupOp::StartupOp(StartupSettings settings, bool tls, bool retried)
    : s_(std::move(settings)), tls_(tls), retried_(retried) {}

Action StartupOp::fail(Errc code, std::string why, bool fallback) {
    phase_ = Phase::done;
    fallback_ = fallback && fallback_allowed();
    scram_.reset();
    return Action::fail(make_error(code, std::move(why)));
}

bool StartupOp::fallback_allowed() const noexcept {
    // libpq's fallback (fe-connect.c, CONNECTION_FAILED): when the handshake fails, or the server
    // refuses the login before AuthenticationOk, prefer tries once more in plain text and allow
    // once more with TLS, on a new connection; libpq's error lines of both attempts are kept.
    // require and stronger never retry. This buys no security under prefer or allow, whose
    // plain text a man in the middle can force anyway (answering 'N' to SSLRequest).
    return !retried_ && !s_.unix_socket &&
           ((s_.sslmode == SslMode::allow && !tls_) || (s_.sslmode == SslMode::prefer && tls_));
}

Action StartupOp::start(proto::Bytes& out) {
    if (!tls_) return send_startup(out);
    if (s_.sslnegotiation == SslNegotiation::direct) {  // PostgreSQL 17: the handshake at once, ALPN "postgresql"
        if (s_.sslmode == SslMode::verify_full && !s_.host_given)
            return fail(Errc::connect_failed, "host name must be specified for a verified SSL connection");
        phase_ = Phase::tls_handshake;
        return Action::start_tls();
    }
    phase_ = Phase::ssl_reply;
    proto::encode_ssl_request(out);
    return Action::read();
}

Action StartupOp::send_startup(proto::Bytes& out) {
    phase_ = Phase::authenticating;
    proto::encode_startup(out, s_.startup_params);
    return Action::read();
}

Action StartupOp::on_ssl_reply(proto::ByteView bytes, proto::Bytes& out) {
    if (bytes.empty()) return Action::read();
    // CVE-2021-23222: bytes after the one-byte answer did not come through TLS; a
    // man-in-the-middle may have injected them. Refuse rather than read them later as if they had.
    switch (bytes[0]) {
    case 'S':
        if (bytes.size() > 1) return fail(Errc::connect_failed, "received unencrypted data after SSL response");
        if (s_.sslmode == SslMode::verify_full && !s_.host_given)
            return fail(Errc::connect_failed, "host name must be specified for a verified SSL connection");
        phase_ = Phase::tls_handshake;
        return Action::start_tls();
    case 'N':
        if (s_.sslmode == SslMode::prefer || s_.sslmode == SslMode::allow) {
            tls_ = false;
            return send_startup(out);
        }
        return fail(Errc::connect_failed, "server does not support SSL, but SSL was required");
    case 'E':
        // libpq 17: the message of a server not yet authenticated is not read, and no plain
        // text follows (it is a failure to start a backend, not a refusal of TLS).
        return fail(Errc::connect_failed, "server sent an error response during SSL exchange");
    default:
        return fail(Errc::connect_failed,
                    "received invalid response to SSL negotiation: " + message_type_text(static_cast<char>(bytes[0])));
    }
}

Action StartupOp::on_tls_ready(std::string binding, proto::Bytes& out) {
    tls_up_ = true;
    binding_ = std::move(binding);
    return send_startup(out);
}

// libpq counts every TLS failure as a failed handshake (a missing certificate file too): prefer
// goes on in plain text.
Action StartupOp::on_tls_failed(std::string why) { return fail(Errc::connect_failed, std::move(why), true); }

Action StartupOp::on_read_failed(bool eof, std::string_view why) {
    // A server that hangs up on SSLRequest, or during the handshake (prefer then retries in plain text).
    if (phase_ == Phase::ssl_reply)
        return fail(Errc::connect_failed, "server closed the connection during SSL negotiation");
    if (phase_ == Phase::tls_handshake)
        return fail(Errc::connect_failed, "server closed the connection during the SSL handshake", true);
    if (eof) return fail(Errc::connect_failed, kServerClosed);
    return fail(Errc::connect_failed, "could not receive data from server: " + std::string(why));
}

Action StartupOp::on_message_type(char type) {
    // Until authentication ends only Authentication, ErrorResponse and NegotiateProtocolVersion
    // may come (libpq's rule); a BackendKeyData or ParameterStatus there is a confused server.
    if (phase_ != Phase::authenticated && type != 'R' && type != 'E' && type != 'v')
        return fail(Errc::protocol_violation,
                    "unexpected message type " + message_type_text(type) + " during authentication");
    return Action::read();
}

Action StartupOp::on_message(char type, const proto::BackendMessage& m, proto::Bytes& out) {
    if (auto* a = std::get_if<proto::Authentication>(&m)) return on_authentication(*a, out);
    if (auto* k = std::get_if<proto::BackendKeyData>(&m)) {
        pid_ = k->pid;
        secret_ = k->secret;
        return Action::read();
    }
    if (auto* e = std::get_if<proto::ErrorResponse>(&m)) return on_error_response(*e);
    if (auto* z = std::get_if<proto::ReadyForQuery>(&m)) {
        if (phase_ != Phase::authenticated)
            return fail(Errc::protocol_violation, "ReadyForQuery before authentication completed");
        tx_status_ = z->status;
        phase_ = Phase::done;
        return Action::done();
    }
    if (auto* v = std::get_if<proto::NegotiateProtocolVersion>(&m)) {
        // We ask for 3.0 with no _pq_ options, so a server has nothing to downgrade.
        if (v->newest_minor == 0 && v->unrecognized.empty()) return Action::read();
        return fail(Errc::protocol_violation, "unexpected NegotiateProtocolVersion");
    }
    return fail(Errc::protocol_violation, "unexpected message type " + message_type_text(type) + " during startup");
}

Action StartupOp::on_error_response(const proto::ErrorResponse& e) {
    // A login refused: psycopg2 raises OperationalError whatever the SQLSTATE (to_exception
    // keeps a subclass of it and makes any other class a plain OperationalError). Its text is
    // libpq's, "connection to server at ... failed: FATAL:  ..."; diag keeps every field of the
    // server's.
    Diagnostics d = diagnostics_from_fields(e.fields);
    // Refused before AuthenticationOk: prefer/allow try the other way (libpq), except for
    // "cannot connect now", after which libpq only tries another host.
    const bool fallback = phase_ != Phase::authenticated && d.sqlstate != kCannotConnectNow;
    std::string why = format_server_message(d);
    Action a = fail(Errc::connect_failed, std::move(why), fallback);
    a.error.diag = std::move(d);
    return a;
}

}  // namespace uvpg::detail::ops
