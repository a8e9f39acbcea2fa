// Opening a connection: name lookup, TCP or unix-socket connect, StartupMessage and
// authentication (trust, cleartext password, md5, SCRAM-SHA-256), up to the first ReadyForQuery.
#include "lib/conn/connection_impl.hpp"
#include "lib/errors/errors_internal.hpp"
#include "proto/frontend.hpp"

#include <cstring>

namespace uvpg::detail {

namespace {
template <class E>
std::exception_ptr err(std::string msg) {
    return std::make_exception_ptr(E(std::move(msg)));
}

// The address connected to, as libpq shows it: "127.0.0.1", "::1".
std::string numeric_host(const sockaddr* addr) {
    char ip[INET6_ADDRSTRLEN] = {0};
    if (addr->sa_family == AF_INET) uv_ip4_name(reinterpret_cast<const sockaddr_in*>(addr), ip, sizeof ip);
    if (addr->sa_family == AF_INET6) uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(addr), ip, sizeof ip);
    return ip;
}
}  // namespace

std::shared_ptr<Request> ConnectionImpl::open() {
    auto req = new_request(Request::Kind::startup);
    queue_.push_back(req);
    // connect_timeout, else the per-operation timeout (aiopg's connect(timeout=...)).
    double limit = params_.connect_timeout > 0 ? params_.connect_timeout : params_.timeout.value_or(0);
    if (limit > 0) {
        connect_timer_ = Timer::start(loop_, limit, [this] {
            auto self = shared_from_this();
            fail_startup(err<TimeoutError>(error_log_ + "connection to " + where() + " failed: timeout expired\n"));
        });
    }
    // libpq: no TLS over unix sockets; allow starts in plain text, the stronger modes with TLS.
    tls_attempt_ = !params_.is_unix_socket() && params_.sslmode != "disable" && params_.sslmode != "allow";
    if (params_.is_unix_socket()) {
        state_ = State::connecting;
        peer_text_ = "server on socket \"" + params_.socket_path() + "\"";
        socket_ = Socket::pipe(loop_, this);
        socket_->connect(params_.socket_path());
    } else {
        start_resolve();
    }
    return req;
}

void ConnectionImpl::start_resolve() {
    state_ = State::resolving;
    const std::string& host = params_.hostaddr.empty() ? params_.host : params_.hostaddr;
    peer_text_ = "server at \"" + host + "\", port " + params_.port;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    if (!params_.hostaddr.empty()) hints.ai_flags = AI_NUMERICHOST;
    resolve_req_ = new uv_getaddrinfo_t;
    // The request holds a weak reference: the connection may be gone when the lookup ends.
    resolve_req_->data = new std::weak_ptr<ConnectionImpl>(weak_from_this());
    int rc = uv_getaddrinfo(loop_, resolve_req_, on_resolved, host.c_str(), params_.port.c_str(), &hints);
    if (rc != 0) {
        delete static_cast<std::weak_ptr<ConnectionImpl>*>(resolve_req_->data);
        delete resolve_req_;
        resolve_req_ = nullptr;
        fail_startup(err<OperationalError>(lookup_failed(rc)));
    }
}

std::string ConnectionImpl::lookup_failed(int status) const {
    if (!params_.hostaddr.empty())
        return "could not parse network address \"" + params_.hostaddr + "\": " + lookup_error_text(status) + "\n";
    return "could not translate host name \"" + params_.host + "\" to address: " + lookup_error_text(status) + "\n";
}

void ConnectionImpl::on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
    auto* weak = static_cast<std::weak_ptr<ConnectionImpl>*>(req->data);
    auto self = weak->lock();
    delete weak;
    delete req;
    if (!self || self->resolve_req_ != req || self->state_ != State::resolving) {
        uv_freeaddrinfo(res);
        return;
    }
    self->resolve_req_ = nullptr;
    if (status != 0) {
        self->fail_startup(err<OperationalError>(self->lookup_failed(status)));
        self->resume_ready();
        return;
    }
    self->addrs_ = res;
    self->next_addr_ = res;
    self->state_ = State::connecting;
    self->try_next_address();
    self->resume_ready();
}

void ConnectionImpl::try_next_address() {
    while (next_addr_) {
        addrinfo* a = next_addr_;
        next_addr_ = a->ai_next;
        if (socket_) socket_->close();
        socket_ = Socket::tcp(loop_, this);
        std::memcpy(&peer_, a->ai_addr, a->ai_addrlen);
        // libpq's words: the host as given (hostaddr when there is one), then the address
        // connected to when it reads differently: server at "localhost" (::1), port 5432.
        const std::string& shown = params_.hostaddr.empty() ? params_.host : params_.hostaddr;
        const std::string ip = numeric_host(a->ai_addr);
        peer_text_ = "server at \"" + shown + "\"" + (ip == shown ? "" : " (" + ip + ")") + ", port " + params_.port;
        int rc = socket_->connect(a->ai_addr);
        if (rc == 0) return;  // on_connected follows
        note_connect_failure(rc);
    }
    if (error_log_.empty()) return connect_failed("no address to connect to");
    fail_startup(err<OperationalError>(std::exchange(error_log_, {})));
}

void ConnectionImpl::note_connect_failure(int status) {
    // As libpq: the system's words, then a hint; each address tried adds its lines.
    error_log_ += "connection to " + where() + " failed: " + system_error_text(status) + "\n";
    error_log_ += params_.is_unix_socket() ? "\tIs the server running locally and accepting connections on that socket?\n"
                                           : "\tIs the server running on that host and accepting TCP/IP connections?\n";
}

void ConnectionImpl::on_connected(int status) {
    auto self = shared_from_this();
    if (state_ != State::connecting) return;
    if (status != 0) {
        note_connect_failure(status);
        if (next_addr_) {
            try_next_address();
        } else {
            fail_startup(err<OperationalError>(std::exchange(error_log_, {})));
        }
        resume_ready();
        return;
    }
    if (addrs_) {
        uv_freeaddrinfo(addrs_);
        addrs_ = next_addr_ = nullptr;
    }
    state_ = State::startup;
    if (int rc = socket_->start_read(); rc != 0) {
        connect_failed(system_error_text(rc));
        resume_ready();
        return;
    }
    if (!tls_attempt_) {
        send_startup();
    } else if (params_.tls.sslnegotiation == "direct") {
        start_tls();  // PostgreSQL 17: the handshake at once, ALPN "postgresql"
    } else {
        state_ = State::ssl_response;
        proto::encode_ssl_request(out_);
        flush();
    }
}

void ConnectionImpl::send_startup() {
    state_ = State::startup;
    proto::encode_startup(out_, params_.startup_params());
    flush();
}

void ConnectionImpl::on_ssl_response(const std::uint8_t* data, std::size_t n) {
    if (n == 0) return;
    // CVE-2021-23222: bytes after the one-byte answer did not come through TLS; a
    // man-in-the-middle may have injected them. Refuse rather than read them later as if they had.
    switch (data[0]) {
    case 'S':
        if (n > 1) return connect_failed("received unencrypted data after SSL response");
        return start_tls();
    case 'N':
        if (params_.sslmode == "prefer" || params_.sslmode == "allow") {
            tls_attempt_ = false;
            return send_startup();
        }
        return connect_failed("server does not support SSL, but SSL was required");
    case 'E':
        // libpq 17: the message of a server not yet authenticated is not read, and no plain
        // text follows (it is a failure to start a backend, not a refusal of TLS).
        return connect_failed("server sent an error response during SSL exchange");
    default:
        return connect_failed("received invalid response to SSL negotiation: " + message_type_text(static_cast<char>(data[0])));
    }
}

void ConnectionImpl::start_tls() {
    const std::string& host = params_.host.empty() ? params_.hostaddr : params_.host;
    if (params_.sslmode == "verify-full" && params_.host.empty())
        return connect_failed("host name must be specified for a verified SSL connection");
    std::string error;
    tls_ = TlsSession::create(params_.tls, host, error);
    if (!tls_) {
        // libpq counts this as a failed handshake too: prefer goes on in plain text.
        state_ = State::tls_handshake;
        return connect_failed(error);
    }
    state_ = State::tls_handshake;
    drive_handshake();
}

void ConnectionImpl::drive_handshake() {
    const TlsSession::Step step = tls_->handshake();
    flush();
    if (step == TlsSession::Step::more) return;
    if (step == TlsSession::Step::failed) return connect_failed(tls_->error());  // prefer: plain text next
    tls_ready_ = true;
    send_startup();
}

bool ConnectionImpl::retry_connection(const std::string& failed) {
    // libpq's fallback (fe-connect.c, CONNECTION_FAILED): when the handshake fails, or the server
    // refuses the login before AuthenticationOk, prefer tries once more in plain text and allow
    // once more with TLS, on a new connection; libpq's error lines of both attempts are kept.
    // require and stronger never retry. This buys no security under prefer or allow, whose
    // plain text a man in the middle can force anyway (answering 'N' to SSLRequest).
    const bool fallback = !tls_retried_ && !params_.is_unix_socket() &&
                          ((params_.sslmode == "allow" && !tls_attempt_) || (params_.sslmode == "prefer" && tls_attempt_));
    if (!fallback || closed()) return false;
    error_log_ += failed;
    tls_retried_ = true;
    tls_attempt_ = !tls_attempt_;
    ++attempt_;
    tls_.reset();
    tls_ready_ = false;
    wire_.clear();
    out_.clear();
    decoder_ = proto::Decoder(params_.max_message);
    auth_ok_ = false;
    authenticated_ = false;
    scram_plus_ = false;
    scram_.reset();
    pid_ = secret_ = 0;
    server_params_.clear();
    if (socket_) socket_->close();
    socket_ = Socket::tcp(loop_, this);
    state_ = State::connecting;
    if (int rc = socket_->connect(reinterpret_cast<const sockaddr*>(&peer_)); rc != 0) {
        note_connect_failure(rc);
        fail_startup(err<OperationalError>(std::exchange(error_log_, {})));
        return true;  // handled: the attempt failed for good
    }
    return true;
}

bool ConnectionImpl::auth_allowed(const char* method, const char* what) {
    if (params_.allowed_auth.empty()) return true;
    for (const auto& m : params_.allowed_auth)
        if (m == method) return true;
    connect_failed(std::string("authentication method requirement \"") + params_.require_auth + "\" failed: " + what);
    return false;
}

void ConnectionImpl::connect_failed(const std::string& why) {
    // libpq's lines: "connection to server at "host", port N failed: why", each ending in a
    // newline, after those of the attempts that failed before.
    std::string line = why;
    if (line.rfind("connection to ", 0) != 0)
        line = "connection to " + where() + " failed: " + line;
    if (line.empty() || line.back() != '\n') line += '\n';
    // The handshake failed (lib/conn/connection.cpp reports a hang-up during it here too).
    if (state_ == State::tls_handshake && retry_connection(line)) return;
    fail_startup(err<OperationalError>(error_log_ + line));
}

void ConnectionImpl::fail_startup(std::exception_ptr e) {
    close(std::move(e));
    resume_ready();
}

void ConnectionImpl::on_startup_message(const proto::BackendMessage& m, char type) {
    if (auto* a = std::get_if<proto::Authentication>(&m)) return on_authentication(*a);
    if (auto* k = std::get_if<proto::BackendKeyData>(&m)) {
        pid_ = k->pid;
        secret_ = k->secret;
        return;
    }
    if (auto* e = std::get_if<proto::ErrorResponse>(&m)) {
        // A login refused: psycopg2 raises OperationalError whatever the SQLSTATE, so a class
        // that is not one (3D000 is a ProgrammingError) is reported as a plain OperationalError.
        // Its text is libpq's, "connection to server at ... failed: FATAL:  ..."; diag() keeps
        // every field of the server's.
        Diagnostics d = diagnostics_from_fields(e->fields);
        const std::string line = "connection to " + where() + " failed: " + format_server_message(d);
        // Refused before AuthenticationOk: prefer/allow try the other way (libpq), except for
        // "cannot connect now" (57P03), after which libpq only tries another host.
        if (!auth_ok_ && d.sqlstate != "57P03" && retry_connection(line)) return;
        auto ex = make_server_error(d);
        try {
            std::rethrow_exception(ex);
        } catch (OperationalError& op) {
            ErrorAccess::reword(op, error_log_ + line);
        } catch (...) {
            OperationalError op(std::move(d));
            ErrorAccess::reword(op, error_log_ + line);
            ex = std::make_exception_ptr(std::move(op));
        }
        return fail_startup(ex);
    }
    if (auto* z = std::get_if<proto::ReadyForQuery>(&m)) {
        if (!auth_ok_) return protocol_violation("ReadyForQuery before authentication completed");
        tx_status_ = z->status;
        state_ = State::ready;
        error_log_.clear();  // the failed attempts before this one are of no more interest (libpq)
        if (connect_timer_) {
            connect_timer_->stop_and_free();
            connect_timer_ = nullptr;
        }
        complete_front();
        return;
    }
    if (auto* v = std::get_if<proto::NegotiateProtocolVersion>(&m)) {
        // We ask for 3.0 with no _pq_ options, so a server has nothing to downgrade.
        if (v->newest_minor == 0 && v->unrecognized.empty()) return;
        return protocol_violation("unexpected NegotiateProtocolVersion");
    }
    protocol_violation("unexpected message type " + message_type_text(type) + " during startup");
}

void ConnectionImpl::on_scram_first_done(std::unique_ptr<proto::ScramClient> scram, bool ok) {
    scram_ = std::move(scram);
    if (!ok) {
        std::string why = scram_->error().empty() ? "SCRAM key derivation failed" : scram_->error();
        return connect_failed(why);
    }
    const std::string& fin = scram_->client_final();
    proto::encode_sasl_response(out_, proto::ByteView(reinterpret_cast<const std::uint8_t*>(fin.data()), fin.size()));
    flush();
}

void ConnectionImpl::on_authentication(const proto::Authentication& a) {
    using A = proto::Authentication;
    auto need_password = [this]() -> bool {
        if (params_.password) return true;
        connect_failed("fe_sendauth: no password supplied");
        return false;
    };
    auto refuse = [this](const std::string& why) { connect_failed(why); };
    const bool binding_required = params_.tls.channel_binding == "require";
    if (auth_ok_) return protocol_violation("authentication request after authentication completed");
    switch (a.code) {
    case A::ok:
        if (scram_) return protocol_violation("server skipped the end of the SCRAM exchange");
        // channel_binding=require: nothing but a completed SCRAM-SHA-256-PLUS exchange will do.
        if (binding_required && !scram_plus_)
            return refuse("channel binding required, but server authenticated client without channel binding");
        if (!authenticated_ && !auth_allowed("none", "server did not complete authentication")) return;
        auth_ok_ = true;
        return;
    case A::cleartext_password:
        authenticated_ = true;
        if (!auth_allowed("password", "server requested a cleartext password")) return;
        if (binding_required) return refuse("channel binding required but not supported by server's authentication request");
        if (!need_password()) return;
        proto::encode_password(out_, *params_.password);
        return flush();
    case A::md5_password: {
        authenticated_ = true;
        if (!auth_allowed("md5", "server requested a hashed password")) return;
        if (binding_required) return refuse("channel binding required but not supported by server's authentication request");
        if (!need_password()) return;
        proto::encode_password(out_, proto::md5_password(params_.user, *params_.password, a.data.data()));
        return flush();
    }
    case A::sasl: {
        authenticated_ = true;
        if (!auth_allowed("scram-sha-256", "server requested SASL authentication")) return;
        bool plain = false, plus = false;
        for (auto mech : a.mechanisms) {
            plain = plain || mech == "SCRAM-SHA-256";
            plus = plus || mech == "SCRAM-SHA-256-PLUS";
        }
        // libpq's choice: PLUS whenever TLS is up and the server offers it (unless
        // channel_binding=disable); "y" tells the server we could have bound the channel.
        proto::ScramBinding binding;
        if (ssl_in_use() && params_.tls.channel_binding != "disable") {
            if (plus) {
                binding.flag = proto::ScramBinding::Flag::plus;
                binding.data = tls_->server_end_point();
                if (binding.data.empty())
                    return refuse("could not compute channel binding data from the server certificate");
            } else {
                binding.flag = proto::ScramBinding::Flag::supported;
            }
        }
        if (binding_required && binding.flag != proto::ScramBinding::Flag::plus)
            return refuse("channel binding is required, but server did not offer an authentication method that supports "
                          "channel binding");
        if (binding.flag != proto::ScramBinding::Flag::plus && !plain)
            return refuse("none of the server's SASL authentication mechanisms are supported");
        if (!need_password()) return;
        scram_plus_ = false;
        const bool binds = binding.flag == proto::ScramBinding::Flag::plus;
        scram_ = std::make_unique<proto::ScramClient>(*params_.password, std::move(binding));
        scram_binds_ = binds;
        const std::string& first = scram_->client_first();
        proto::encode_sasl_initial_response(
            out_, scram_->mechanism(),
            proto::ByteView(reinterpret_cast<const std::uint8_t*>(first.data()), first.size()));
        return flush();
    }
    case A::sasl_continue: {
        if (!scram_) return protocol_violation("SASLContinue without a SASL exchange");
        // PBKDF2 (4096 rounds or more) runs on libuv's thread pool, not on the loop.
        struct Work {
            uv_work_t req;
            std::weak_ptr<ConnectionImpl> conn;
            std::unique_ptr<proto::ScramClient> scram;
            std::string server_first;
            std::uint32_t attempt = 0;
            bool ok = false;
        };
        auto* w = new Work;
        w->req.data = w;
        w->conn = weak_from_this();
        w->scram = std::move(scram_);
        w->attempt = attempt_;
        w->server_first.assign(reinterpret_cast<const char*>(a.data.data()), a.data.size());
        int rc = uv_queue_work(
            loop_, &w->req,
            [](uv_work_t* r) {
                auto* work = static_cast<Work*>(r->data);
                work->ok = work->scram->handle_server_first(work->server_first);
            },
            [](uv_work_t* r, int status) {
                std::unique_ptr<Work> work(static_cast<Work*>(r->data));
                auto c = work->conn.lock();
                if (!c || c->closed() || c->attempt_ != work->attempt) return;  // a later attempt now
                c->on_scram_first_done(std::move(work->scram), status == 0 && work->ok);
                c->resume_ready();
            });
        if (rc != 0) {
            scram_ = std::move(w->scram);
            delete w;
            return connect_failed(system_error_text(rc));
        }
        return;
    }
    case A::sasl_final: {
        if (!scram_) return protocol_violation("SASLFinal without a SASL exchange");
        std::string_view data(reinterpret_cast<const char*>(a.data.data()), a.data.size());
        if (!scram_->handle_server_final(data))
            return connect_failed(scram_->error());
        scram_.reset();  // verified; AuthenticationOk follows
        scram_plus_ = scram_binds_;
        return;
    }
    default:
        return connect_failed("authentication method " + std::to_string(a.code) + " is not supported by uvpg");
    }
}

}  // namespace uvpg::detail
