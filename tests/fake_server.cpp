#include "fake_server.hpp"

#include "proto/auth.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cerrno>
#include <cstring>

namespace uvpg_test {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kSlice{20};  // how often a blocked step looks at the stop flag

std::int32_t be32(const std::uint8_t* p) {
    return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                     (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}

void put32(WireBytes& out, std::int32_t v) {
    auto u = static_cast<std::uint32_t>(v);
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(u >> shift));
}

std::string errno_text(int e) { return std::string(std::strerror(e)); }

std::string describe_type(char t) {
    if (t == 0) return "the StartupMessage";
    if (t >= 0x20 && t < 0x7f) return std::string("'") + t + "'";
    return "type byte " + std::to_string(static_cast<unsigned char>(t));
}

std::string ms_text(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

}  // namespace

// Session

Session::Session(int fd, const std::atomic<bool>& stop, std::chrono::milliseconds timeout, ConnectionLog& log,
                 std::mutex& log_mutex)
    : fd_(fd), stop_(stop), timeout_(timeout), log_(log), log_mutex_(log_mutex) {}

Session::~Session() { close_fd(); }

void Session::close_fd() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void Session::read_exact(void* p, std::size_t n, const std::string& what) {
    if (fd_ < 0) throw ScriptError("the socket is already closed; cannot read " + what);
    auto* out = static_cast<std::uint8_t*>(p);
    const auto deadline = Clock::now() + timeout_;
    std::size_t got = 0;
    while (got < n) {
        if (stop_) throw ScriptError("the test stopped the server while it waited for " + what);
        if (Clock::now() >= deadline) throw ScriptError("no " + what + " from the client within " + ms_text(timeout_));
        pollfd pfd{fd_, POLLIN, 0};
        int rc = ::poll(&pfd, 1, static_cast<int>(kSlice.count()));
        if (rc < 0 && errno != EINTR) throw ScriptError("poll: " + errno_text(errno));
        if (rc <= 0) continue;
        ssize_t r = ::recv(fd_, out + got, n - got, 0);
        if (r == 0) throw ScriptError("the client closed the connection while the server waited for " + what);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            throw ScriptError("recv while waiting for " + what + ": " + errno_text(errno));
        }
        got += static_cast<std::size_t>(r);
    }
}

std::map<std::string, std::string> Session::read_startup() {
    for (;;) {
        std::uint8_t head[4];
        read_exact(head, 4, "StartupMessage length");
        const std::int32_t len = be32(head);
        if (len < 8 || len > 10000) throw ScriptError("StartupMessage length " + std::to_string(len) + " out of range");
        WireBytes body(static_cast<std::size_t>(len - 4));
        read_exact(body.data(), body.size(), "StartupMessage body");
        const std::int32_t code = be32(body.data());
        if (code == 80877103 || code == 80877104) {  // SSLRequest, GSSENCRequest: "not here"
            {
                std::lock_guard lk(log_mutex_);
                ++log_.ssl_requests;
            }
            send(std::string_view("N"));
            continue;
        }
        if (code != 196608) throw ScriptError("StartupMessage with protocol code " + std::to_string(code));
        std::map<std::string, std::string> params;
        std::size_t i = 4;
        auto cstr = [&](std::string& out) {
            auto* start = body.data() + i;
            auto* nul = static_cast<const std::uint8_t*>(std::memchr(start, 0, body.size() - i));
            if (!nul) throw ScriptError("StartupMessage: unterminated string");
            out.assign(reinterpret_cast<const char*>(start), static_cast<std::size_t>(nul - start));
            i = static_cast<std::size_t>(nul - body.data()) + 1;
        };
        for (;;) {
            if (i >= body.size()) throw ScriptError("StartupMessage: missing final NUL");
            std::string name, value;
            cstr(name);
            if (name.empty()) break;
            if (i >= body.size()) throw ScriptError("StartupMessage: parameter \"" + name + "\" without a value");
            cstr(value);
            params[name] = value;
        }
        if (i != body.size()) throw ScriptError("StartupMessage: bytes after the final NUL");
        std::lock_guard lk(log_mutex_);
        log_.startup = params;
        return params;
    }
}

FrontendMessage Session::read_message(char type) {
    const std::string what = type ? "message " + describe_type(type) : std::string("a message");
    std::uint8_t head[5];
    read_exact(head, 5, what);
    FrontendMessage m;
    m.type = static_cast<char>(head[0]);
    const std::int32_t len = be32(head + 1);
    if (len < 4 || len > (1 << 24))
        throw ScriptError("client message " + describe_type(m.type) + " with length " + std::to_string(len));
    m.body.resize(static_cast<std::size_t>(len - 4));
    read_exact(m.body.data(), m.body.size(), "the body of " + describe_type(m.type));
    {
        std::lock_guard lk(log_mutex_);
        log_.messages.push_back(m);
    }
    if (type && m.type != type)
        throw ScriptError("expected " + describe_type(type) + " from the client, got " + describe_type(m.type));
    return m;
}

void Session::send(const WireBytes& bytes) {
    if (fd_ < 0) throw ScriptError("the socket is already closed; cannot send");
    const auto deadline = Clock::now() + timeout_;
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        if (Clock::now() >= deadline)
            throw ScriptError("the client did not read what the server sent within " + ms_text(timeout_));
        pollfd pfd{fd_, POLLOUT, 0};
        int rc = ::poll(&pfd, 1, static_cast<int>(kSlice.count()));
        if (rc < 0 && errno != EINTR) throw ScriptError("poll: " + errno_text(errno));
        if (rc <= 0) continue;
        ssize_t w = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            throw ScriptError("send: " + errno_text(errno));
        }
        sent += static_cast<std::size_t>(w);
    }
}

void Session::send(std::string_view raw) { send(WireBytes(raw.begin(), raw.end())); }

void Session::fin() {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);  // ENOTCONN when the client already reset: fine either way
}

void Session::log_messages(const WireBytes& bytes) {
    tail_.insert(tail_.end(), bytes.begin(), bytes.end());
    std::size_t i = 0;
    std::lock_guard lk(log_mutex_);
    while (tail_.size() - i >= 5) {
        const std::int32_t len = be32(tail_.data() + i + 1);
        if (len < 4 || len > (1 << 24)) {  // not a message stream: keep nothing more
            i = tail_.size();
            break;
        }
        if (tail_.size() - i < 1 + static_cast<std::size_t>(len)) break;
        FrontendMessage m;
        m.type = static_cast<char>(tail_[i]);
        m.body.assign(tail_.begin() + static_cast<std::ptrdiff_t>(i + 5),
                      tail_.begin() + static_cast<std::ptrdiff_t>(i + 1 + static_cast<std::size_t>(len)));
        log_.messages.push_back(std::move(m));
        i += 1 + static_cast<std::size_t>(len);
    }
    tail_.erase(tail_.begin(), tail_.begin() + static_cast<std::ptrdiff_t>(i));
}

void Session::wait_eof(bool stoppable) {
    if (fd_ < 0) return;
    const auto deadline = Clock::now() + timeout_;
    for (;;) {
        if (stoppable && stop_) return;
        if (Clock::now() >= deadline) {
            // Closing here is what unblocks a client that waits for more: it sees EOF and fails.
            close_fd();
            throw ScriptError("the client did not close the connection within " + ms_text(timeout_));
        }
        pollfd pfd{fd_, POLLIN, 0};
        int rc = ::poll(&pfd, 1, static_cast<int>(kSlice.count()));
        if (rc < 0 && errno != EINTR) throw ScriptError("poll: " + errno_text(errno));
        if (rc <= 0) continue;
        std::uint8_t buf[4096];
        ssize_t r = ::recv(fd_, buf, sizeof buf, 0);
        if (r > 0) {
            log_messages(WireBytes(buf, buf + r));
            continue;
        }
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        // EOF, or ECONNRESET when the client closed with bytes of ours unread: closed either way.
        {
            std::lock_guard lk(log_mutex_);
            log_.client_closed = true;
        }
        close_fd();
        return;
    }
}

void Session::reset() {
    if (fd_ < 0) return;
    linger l{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close_fd();
}

// Steps

Step expect_startup() {
    return [](Session& s) { s.read_startup(); };
}

Step expect(char type, std::function<void(const FrontendMessage&)> check) {
    return [type, check = std::move(check)](Session& s) {
        auto m = s.read_message(type);
        if (check) check(m);
    };
}

Step send(WireBytes bytes) {
    return [bytes = std::move(bytes)](Session& s) { s.send(bytes); };
}

Step send(const uvpg::proto::BackendMessage& m) { return send(msg(m)); }

Step send_raw(std::string raw) {
    return [raw = std::move(raw)](Session& s) { s.send(std::string_view(raw)); };
}

Step fin() {
    return [](Session& s) { s.fin(); };
}

Step wait_close() {
    return [](Session& s) { s.wait_eof(false); };
}

Step close() {
    return [](Session& s) {
        s.fin();
        s.wait_eof(false);
    };
}

Step reset() {
    return [](Session& s) { s.reset(); };
}

Step hold() {
    return [](Session& s) { s.wait_eof(true); };
}

Step call(std::function<void(Session&)> f) { return f; }

// Messages

WireBytes msg(const uvpg::proto::BackendMessage& m) {
    WireBytes out;
    uvpg::proto::encode_backend(out, m);
    return out;
}

WireBytes raw_message(char type, std::int32_t declared_length, std::string_view body) {
    WireBytes out;
    out.push_back(static_cast<std::uint8_t>(type));
    put32(out, declared_length);
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

WireBytes error_response(std::string_view severity, std::string_view sqlstate, std::string_view message, char type) {
    std::vector<std::pair<char, std::string_view>> fields{
        {'S', severity}, {'V', severity}, {'C', sqlstate}, {'M', message}};
    if (type == 'N') return msg(uvpg::proto::NoticeResponse{fields});
    return msg(uvpg::proto::ErrorResponse{fields});
}

WireBytes row_description(const std::vector<std::string>& names, std::uint32_t type_oid) {
    uvpg::proto::RowDescription d;
    for (const auto& n : names) {
        uvpg::proto::FieldDescription f;
        f.name = n;
        f.type_oid = type_oid;
        f.type_size = -1;
        f.type_modifier = -1;
        d.fields.push_back(f);
    }
    return msg(d);
}

WireBytes data_row(const std::vector<std::optional<std::string>>& values) {
    std::vector<std::optional<std::string_view>> views;
    for (const auto& v : values) views.push_back(v ? std::optional<std::string_view>(*v) : std::nullopt);
    WireBytes out;
    uvpg::proto::encode_data_row(out, views);
    return out;
}

WireBytes command_complete(std::string_view tag) { return msg(uvpg::proto::CommandComplete{tag}); }

WireBytes ready_for_query(char status) { return msg(uvpg::proto::ReadyForQuery{status}); }

WireBytes operator+(WireBytes a, const WireBytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

WireBytes after_auth() {
    using namespace uvpg::proto;
    return msg(ParameterStatus{"server_version", "15.0"}) + msg(ParameterStatus{"server_encoding", "UTF8"}) +
           msg(ParameterStatus{"client_encoding", "UTF8"}) + msg(BackendKeyData{4242, 1234567}) + ready_for_query('I');
}

WireBytes trust_reply() { return msg(uvpg::proto::Authentication{}) + after_auth(); }

Step trust_handshake() {
    return [](Session& s) {
        s.read_startup();
        s.send(trust_reply());
    };
}

// SCRAM

namespace {

using Digest = std::string;  // 32 raw bytes

Digest hmac(std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
        throw ScriptError("HMAC failed");
    return Digest(reinterpret_cast<char*>(out), len);
}

Digest sha256(std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr)) throw ScriptError("SHA-256 failed");
    return Digest(reinterpret_cast<char*>(out), len);
}

Digest salted_password(std::string_view password, std::string_view salt, int iterations) {
    unsigned char out[32];
    if (!PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                           reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                           iterations, EVP_sha256(), sizeof out, out))
        throw ScriptError("PBKDF2 failed");
    return Digest(reinterpret_cast<char*>(out), sizeof out);
}

WireBytes auth_message(std::int32_t code, std::string_view data) {
    WireBytes out;
    out.push_back('R');
    put32(out, static_cast<std::int32_t>(8 + data.size()));
    put32(out, code);
    out.insert(out.end(), data.begin(), data.end());
    return out;
}

}  // namespace

Step scram(Scram cfg) {
    return [cfg](Session& s) {
        using namespace uvpg::proto;
        Authentication offer;
        offer.code = Authentication::sasl;
        offer.mechanisms = {"SCRAM-SHA-256"};
        s.send(msg(offer));

        // SASLInitialResponse: mechanism, Int32 length, client-first-message.
        auto first = s.read_message('p');
        std::string_view body = first.text();
        auto nul = body.find('\0');
        if (nul == std::string_view::npos || body.substr(0, nul) != "SCRAM-SHA-256")
            throw ScriptError("SASLInitialResponse without mechanism SCRAM-SHA-256");
        body.remove_prefix(nul + 1);
        if (body.size() < 4) throw ScriptError("SASLInitialResponse without a length");
        const std::int32_t n = be32(reinterpret_cast<const std::uint8_t*>(body.data()));
        body.remove_prefix(4);
        if (n < 0 || static_cast<std::size_t>(n) != body.size())
            throw ScriptError("SASLInitialResponse length " + std::to_string(n) + " for " +
                              std::to_string(body.size()) + " bytes");
        if (!body.starts_with("n,,"))
            throw ScriptError("client-first-message without gs2 header \"n,,\": " + std::string(body));
        const std::string client_first_bare(body.substr(3));
        auto r = client_first_bare.find("r=");
        if (r == std::string::npos || (r != 0 && client_first_bare[r - 1] != ','))
            throw ScriptError("client-first-message without a nonce: " + client_first_bare);
        std::string client_nonce = client_first_bare.substr(r + 2);
        client_nonce = client_nonce.substr(0, client_nonce.find(','));
        if (client_nonce.empty()) throw ScriptError("empty client nonce");

        std::string nonce;
        switch (cfg.nonce) {
        case Scram::Nonce::extend: nonce = client_nonce + "fakeServerNonce0123456789"; break;
        case Scram::Nonce::foreign: nonce = "X" + client_nonce.substr(1) + "fakeServerNonce"; break;
        case Scram::Nonce::same: nonce = client_nonce; break;
        }
        const std::string salt = "fake-server-salt";
        const std::string server_first = "r=" + nonce + ",s=" + base64_encode(salt) + ",i=" + cfg.iterations;
        s.send(auth_message(Authentication::sasl_continue, server_first));
        if (!cfg.expect_client_final) return;

        // SASLResponse: "c=biws,r=<nonce>,p=<proof>".
        auto fin = s.read_message('p');
        const std::string client_final(fin.text());
        auto p = client_final.rfind(",p=");
        if (p == std::string::npos) throw ScriptError("client-final-message without a proof: " + client_final);
        const std::string without_proof = client_final.substr(0, p);
        if (without_proof != "c=biws,r=" + nonce)
            throw ScriptError("client-final-message \"" + without_proof + "\" does not echo the nonce");
        std::string proof;
        if (!base64_decode(client_final.substr(p + 3), proof)) throw ScriptError("client proof is not base64");

        const std::string auth = client_first_bare + "," + server_first + "," + without_proof;
        const Digest salted = salted_password(cfg.password, salt, std::stoi(cfg.iterations));
        const Digest client_key = hmac(salted, "Client Key");
        const Digest client_signature = hmac(sha256(client_key), auth);
        std::string expected = client_key;
        for (std::size_t i = 0; i < expected.size(); ++i)
            expected[i] = static_cast<char>(expected[i] ^ client_signature[i]);
        if (proof != expected) throw ScriptError("the client's SCRAM proof is wrong");

        Digest server_signature = hmac(hmac(salted, "Server Key"), auth);
        switch (cfg.final) {
        case Scram::Final::good:
            s.send(auth_message(Authentication::sasl_final, "v=" + base64_encode(server_signature)));
            break;
        case Scram::Final::bad_signature:
            server_signature[7] = static_cast<char>(server_signature[7] ^ 0x01);
            s.send(auth_message(Authentication::sasl_final, "v=" + base64_encode(server_signature)));
            break;
        case Scram::Final::server_error: s.send(auth_message(Authentication::sasl_final, "e=invalid-proof")); break;
        case Scram::Final::ok_instead_of_final: s.send(msg(Authentication{})); break;
        }
    };
}

// FakeServer

FakeServer::FakeServer(Script script) : FakeServer(std::vector<Script>{std::move(script)}, Options{}) {}
FakeServer::FakeServer(Script script, Options options) : FakeServer(std::vector<Script>{std::move(script)}, options) {}

FakeServer::FakeServer(std::vector<Script> scripts, Options options)
    : options_(options), scripts_(std::move(scripts)), logs_(scripts_.size()) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("fake server: socket: " + errno_text(errno));
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;  // a free port, chosen by the kernel
    socklen_t alen = sizeof a;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &alen) != 0) {
        int e = errno;
        ::close(listen_fd_);
        throw std::runtime_error("fake server: bind/listen: " + errno_text(e));
    }
    port_ = ntohs(a.sin_port);
    // Listening before the thread starts: a client may connect at once and wait in the backlog.
    thread_ = std::thread([this] { run(); });
}

FakeServer::~FakeServer() {
    finish();
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

void FakeServer::finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
}

std::string FakeServer::error() {
    finish();
    std::lock_guard lk(mutex_);
    return error_;
}

ConnectionLog FakeServer::log(std::size_t connection) {
    finish();
    std::lock_guard lk(mutex_);
    return connection < logs_.size() ? logs_[connection] : ConnectionLog{};
}

void FakeServer::fail(const std::string& what) {
    std::lock_guard lk(mutex_);
    if (error_.empty()) error_ = what;
}

void FakeServer::run() {
    for (std::size_t c = 0; c < scripts_.size(); ++c) {
        const std::string conn = "fake server, connection " + std::to_string(c);
        int fd = -1;
        const auto deadline = Clock::now() + options_.timeout;
        while (fd < 0) {
            if (stop_) return fail(conn + ": the test ended before the client connected");
            if (Clock::now() >= deadline)
                return fail(conn + ": no client connected within " + ms_text(options_.timeout));
            pollfd pfd{listen_fd_, POLLIN, 0};
            if (::poll(&pfd, 1, static_cast<int>(kSlice.count())) <= 0) continue;
            fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Session s(fd, stop_, options_.timeout, logs_[c], mutex_);
        const Script& script = scripts_[c];
        std::size_t step = 0;
        try {
            for (; step < script.size(); ++step) script[step](s);
            s.wait_eof(true);  // the client ends the session (or the test stops the server)
        } catch (const std::exception& e) {
            // The Session closes its socket on the way out, which frees a client still waiting.
            return fail(conn + (step < script.size() ? ", step " + std::to_string(step) : ", after the last step") +
                        ": " + e.what());
        }
    }
}

}  // namespace uvpg_test
