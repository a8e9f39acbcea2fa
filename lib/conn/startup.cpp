// Opening a connection: name lookup, TCP or unix-socket connect, connect_timeout, and the driver
// of ops::StartupOp (lib/ops/startup_op.hpp), which takes every protocol decision from the first
// byte to the first ReadyForQuery. Here its actions become socket writes and reads, the TLS
// handshake (lib/net/tls_session.*), the SCRAM key derivation on libuv's thread pool, and the
// new connection of sslmode prefer/allow's fallback.
#include "lib/conn/connection_impl.hpp"
#include "lib/errors/errors_internal.hpp"
#include "proto/frontend.hpp"

#include <cstring>

namespace uvpg::detail {

namespace {
// The address connected to, as libpq shows it: "127.0.0.1", "::1".
std::string numeric_host(const sockaddr* addr) {
    char ip[INET6_ADDRSTRLEN] = {0};
    if (addr->sa_family == AF_INET) uv_ip4_name(reinterpret_cast<const sockaddr_in*>(addr), ip, sizeof ip);
    if (addr->sa_family == AF_INET6) uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(addr), ip, sizeof ip);
    return ip;
}

ops::StartupSettings startup_settings(const ConnParams& p) {
    ops::StartupSettings s;
    s.startup_params = p.startup_params();
    s.user = p.user;
    s.password = p.password;
    s.sslmode = p.sslmode;
    s.sslnegotiation = p.tls.sslnegotiation;
    s.channel_binding = p.tls.channel_binding;
    s.auth_methods = p.auth_methods;
    s.require_auth = p.require_auth;
    s.unix_socket = p.is_unix_socket();
    s.host_given = !p.host.empty();
    return s;
}
}  // namespace

std::shared_ptr<Request> ConnectionImpl::open() {
    auto req = new_request();
    queue_.push_back(req);
    startup_ = std::make_unique<StartupAttempt>();
    // connect_timeout, else the per-operation timeout (aiopg's connect(timeout=...)).
    double limit = params_.connect_timeout > 0 ? params_.connect_timeout : params_.timeout.value_or(0);
    if (limit > 0) {
        connect_timer_ = Timer::start(loop_, limit, [this] {
            auto self = shared_from_this();
            startup_failed(make_error(Errc::timeout, "timeout expired"));
        });
    }
    // libpq: no TLS over unix sockets; allow starts in plain text, the stronger modes with TLS.
    startup_->tls =
        !params_.is_unix_socket() && params_.sslmode != SslMode::disable && params_.sslmode != SslMode::allow;
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
        fail_startup(make_error(Errc::connect_failed, lookup_failed(rc)));
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
        self->fail_startup(make_error(Errc::connect_failed, self->lookup_failed(status)));
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
    if (startup_->error_log.empty())
        return startup_failed(make_error(Errc::connect_failed, "no address to connect to"));
    fail_startup(make_error(Errc::connect_failed, std::exchange(startup_->error_log, {})));
}

void ConnectionImpl::note_connect_failure(int status) {
    // As libpq: the system's words, then a hint; each address tried adds its lines.
    std::string& log = startup_->error_log;
    log += connect_failed_prefix(where()) + system_error_text(status) + "\n";
    log += params_.is_unix_socket() ? "\tIs the server running locally and accepting connections on that socket?\n"
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
            fail_startup(make_error(Errc::connect_failed, std::exchange(startup_->error_log, {})));
        }
        resume_ready();
        return;
    }
    if (addrs_) {
        uv_freeaddrinfo(addrs_);
        addrs_ = next_addr_ = nullptr;
    }
    state_ = State::startup;
    startup_->op.emplace(startup_settings(params_), startup_->tls, startup_->retried);
    if (int rc = socket_->start_read(); rc != 0) {
        startup_failed(make_error(Errc::connect_failed, system_error_text(rc)));
        resume_ready();
        return;
    }
    startup_next(startup_->op->start(out_));
    resume_ready();
}

std::string ConnectionImpl::startup_error_text(const std::string& why) const {
    return (startup_ ? startup_->error_log : std::string()) + connect_failed_prefix(where()) + why;
}

void ConnectionImpl::startup_failed(ErrorValue e, bool fallback) {
    if (e.code == Errc::protocol_violation) return protocol_violation(e.message);
    // libpq's lines: "connection to server at "host", port N failed: why", each ending in a
    // newline, after those of the attempts that failed before.
    std::string line = connect_failed_prefix(where()) + e.message;
    if (line.back() != '\n') line += '\n';
    if (fallback && retry_connection(line)) return;
    e.message = (startup_ ? std::exchange(startup_->error_log, {}) : std::string()) + line;
    fail_startup(e);
}

void ConnectionImpl::fail_startup(const ErrorValue& e) {
    close(e);
    resume_ready();
}

bool ConnectionImpl::retry_connection(const std::string& failed) {
    // The op said whether libpq would try once more (StartupOp::fallback()); here the new
    // connection: the same address, the other TLS choice, nothing of this attempt kept.
    if (closed() || !startup_ || !startup_->op) return false;
    StartupAttempt& st = *startup_;
    st.error_log += failed;
    st.retried = true;
    st.tls = !st.op->tls();
    ++st.attempt;
    st.op.reset();
    tls_.reset();
    wire_.clear();
    out_.clear();
    decoder_ = proto::Decoder(params_.max_message);
    server_params_.clear();
    if (socket_) socket_->close();
    socket_ = Socket::tcp(loop_, this);
    state_ = State::connecting;
    if (int rc = socket_->connect(reinterpret_cast<const sockaddr*>(&peer_)); rc != 0) {
        note_connect_failure(rc);
        fail_startup(make_error(Errc::connect_failed, std::exchange(st.error_log, {})));
        return true;  // handled: the attempt failed for good
    }
    return true;
}

void ConnectionImpl::startup_next(ops::Action a) {
    switch (a.kind) {
    case ops::Action::Kind::read:
    case ops::Action::Kind::write: return flush();
    case ops::Action::Kind::start_tls: return start_tls();
    case ops::Action::Kind::derive_keys: return derive_keys();
    case ops::Action::Kind::done:
        if (a.error) return startup_failed(std::move(a.error), startup_->op->fallback());
        return startup_done();
    }
}

void ConnectionImpl::startup_done() {
    const ops::StartupOp& op = *startup_->op;
    pid_ = op.backend_pid();
    secret_ = op.backend_secret();
    tx_status_ = op.transaction_status();
    state_ = State::ready;
    startup_.reset();  // the failed attempts before this one are of no more interest (libpq)
    if (connect_timer_) {
        connect_timer_->stop_and_free();
        connect_timer_ = nullptr;
    }
    complete_front();
}

void ConnectionImpl::on_startup_message(const proto::RawMessage& raw) {
    ops::StartupOp& op = *startup_->op;
    if (ops::Action a = op.on_message_type(raw.type); a.kind == ops::Action::Kind::done)
        return startup_next(std::move(a));
    proto::BackendMessage m;
    if (auto e = proto::decode(raw, m); e != proto::Errc::ok)
        return protocol_violation(std::string(proto::describe(e)) + " (message type " + message_type_text(raw.type) +
                                  ")");
    // NoticeResponse, NotificationResponse and ParameterStatus may come in any state.
    if (handle_async(m)) return;
    startup_next(op.on_message(raw.type, m, out_));
}

bool ConnectionImpl::awaiting_ssl_reply() const noexcept {
    return state_ == State::startup && startup_ && startup_->op && startup_->op->awaiting_ssl_reply();
}

bool ConnectionImpl::on_startup_read(ssize_t nread) {
    if (state_ != State::startup || !startup_ || !startup_->op) return false;
    ops::StartupOp& op = *startup_->op;
    if (nread < 0) {
        startup_next(op.on_read_failed(nread == UV_EOF, system_error_text(static_cast<int>(nread))));
        return true;
    }
    const auto n = static_cast<std::size_t>(nread);
    if (op.awaiting_ssl_reply()) {
        startup_next(op.on_ssl_reply(proto::ByteView(tls_in_.data(), n), out_));
        return true;
    }
    if (op.in_tls_handshake() && tls_) {
        tls_->feed(tls_in_.data(), n);
        drive_handshake();
        return true;
    }
    return false;
}

void ConnectionImpl::start_tls() {
    const std::string& host = params_.host.empty() ? params_.hostaddr : params_.host;
    std::string error;
    tls_ = TlsSession::create(params_.tls, host, error);
    if (!tls_) return startup_next(startup_->op->on_tls_failed(std::move(error)));
    drive_handshake();
}

void ConnectionImpl::drive_handshake() {
    const TlsSession::Step step = tls_->handshake();
    flush();
    if (step == TlsSession::Step::more) return;
    if (step == TlsSession::Step::failed) return startup_next(startup_->op->on_tls_failed(tls_->error()));
    // The certificate's hash for SCRAM-SHA-256-PLUS, unless channel binding is off.
    std::string binding;
    if (params_.tls.channel_binding != ChannelBinding::disable) binding = tls_->server_end_point();
    startup_next(startup_->op->on_tls_ready(std::move(binding), out_));
}

void ConnectionImpl::derive_keys() {
    // PBKDF2 (4096 rounds or more) runs on libuv's thread pool, not on the loop.
    struct Work {
        uv_work_t req;
        std::weak_ptr<ConnectionImpl> conn;
        std::unique_ptr<ops::KeyDerivation> job;
        std::uint32_t attempt = 0;
    };
    auto* w = new Work;
    w->req.data = w;
    w->conn = weak_from_this();
    w->job = startup_->op->take_key_derivation();
    w->attempt = startup_->attempt;
    int rc = uv_queue_work(
        loop_, &w->req, [](uv_work_t* r) { static_cast<Work*>(r->data)->job->run(); },
        [](uv_work_t* r, int status) {
            std::unique_ptr<Work> work(static_cast<Work*>(r->data));
            auto c = work->conn.lock();
            if (!c || c->closed() || !c->startup_ || !c->startup_->op || c->startup_->attempt != work->attempt)
                return;  // gone, closed, or a later attempt now
            if (status != 0) work->job->ok = false;
            c->startup_next(c->startup_->op->on_keys_derived(std::move(work->job), c->out_));
            c->resume_ready();
        });
    if (rc != 0) {
        delete w;
        return startup_failed(make_error(Errc::connect_failed, system_error_text(rc)));
    }
}

}  // namespace uvpg::detail
