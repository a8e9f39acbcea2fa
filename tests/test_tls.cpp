// TLS and the authentication matrix against the real test server (ssl = on, a test CA made at
// start-up by tests/pg_server.sh), and a scripted TLS server for what a real one won't do:
// bytes injected after 'S', an expired, revoked or foreign certificate, AuthenticationOk
// without a password under channel_binding=require, direct TLS negotiation.
#include "support.hpp"

#include "lib/net/tls_session.hpp"

#include <doctest/doctest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace uvpg_test;

namespace {

bool have_ssl() { return env("UVPG_TEST_SSL") == "1"; }

// The test server over TCP as `extra` says, with the CA the server's certificate comes from.
std::string ssl_dsn(const std::string& extra) {
    return "host=127.0.0.1 port=" + env("UVPG_TEST_PORT") + " user=postgres dbname=uvpg_test " + extra;
}

std::string root() { return env("UVPG_TEST_SSL_ROOT"); }

// The message of the exception `f` throws as E (and fails the test when it throws nothing).
template <class E = uvpg::OperationalError, class F>
std::string error_of(F f) {
    try {
        uvpg::run(f());
    } catch (const E& e) {
        return e.what();
    }
    FAIL("expected an exception");
    return {};
}

uvpg::Task<void> connect_only(std::string dsn) {
    auto conn = co_await uvpg::connect(dsn);
    co_return;
}

// Runs SQL on a connection made with `dsn` and returns the first column of the first row.
uvpg::Task<std::string> scalar_over(std::string dsn, std::string sql) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    co_await cur.execute(sql);
    auto row = co_await cur.fetchone();
    co_return row ? (*row)[0].as<std::string>() : std::string();
}

// A one-connection TLS server on a thread, playing a script. Blocking sockets and OpenSSL on a
// real fd: it is the other side of the wire, not the code under test.
class FakeTlsServer {
public:
    struct Script {
        std::string cert{}, key{};    // what the server presents
        bool ssl_request = true;      // expects SSLRequest first (false: direct TLS)
        char reply = 'S';             // answer to SSLRequest
        std::string inject{};         // plaintext sent right after the answer
        std::string after_startup{};  // sent (through TLS if up) after the StartupMessage
    };
    explicit FakeTlsServer(Script s) : script_(std::move(s)) {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port = ntohs(a.sin_port);
        REQUIRE(::listen(fd_, 4) == 0);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeTlsServer() {
        ::shutdown(fd_, SHUT_RDWR);
        thread_.join();
        ::close(fd_);
    }
    std::string dsn(const std::string& extra) const {
        return "host=localhost hostaddr=127.0.0.1 port=" + std::to_string(port) + " user=u dbname=d " + extra;
    }
    int port = 0;
    std::atomic<bool> handshake_done{false};
    int connections() const { return connections_; }
    // What the client sent in its hello (read after the handshake is done).
    std::string sni, alpn;

private:
    static bool read_n(int fd, void* buf, std::size_t n) {
        auto* p = static_cast<char*>(buf);
        while (n > 0) {
            pollfd pfd{fd, POLLIN, 0};
            if (::poll(&pfd, 1, 10000) <= 0) return false;  // a client that never writes: give up
            ssize_t r = ::read(fd, p, n);
            if (r <= 0) return false;
            p += r;
            n -= static_cast<std::size_t>(r);
        }
        return true;
    }
    static void write_all(int fd, const std::string& s) {
        std::size_t at = 0;
        while (at < s.size()) {
            ssize_t w = ::write(fd, s.data() + at, s.size() - at);
            if (w <= 0) return;
            at += static_cast<std::size_t>(w);
        }
    }
    void serve() {
        // The script plays the first connection; any later one (a retry) is counted and closed.
        for (;;) {
            pollfd pfd{fd_, POLLIN, 0};
            if (::poll(&pfd, 1, 10000) <= 0 || (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) return;
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            if (connections_++ == 0) handle(c);
            ::close(c);
        }
    }
    void handle(int c) {
        if (script_.ssl_request) {
            unsigned char req[8];
            if (!read_n(c, req, 8)) return;
            write_all(c, std::string(1, script_.reply) + script_.inject);
            if (script_.reply != 'S') {
                unsigned char len[4];
                if (!read_n(c, len, 4)) return;
                std::string rest(
                    (std::size_t{len[0]} << 24 | std::size_t{len[1]} << 16 | std::size_t{len[2]} << 8 | len[3]) - 4,
                    '\0');
                if (!read_n(c, rest.data(), rest.size())) return;
                write_all(c, script_.after_startup);
                char sink[256];
                while (::read(c, sink, sizeof sink) > 0) {
                }
                return;
            }
        }
        SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_use_certificate_chain_file(ctx, script_.cert.c_str());
        SSL_CTX_use_PrivateKey_file(ctx, script_.key.c_str(), SSL_FILETYPE_PEM);
        // Accepts ALPN "postgresql" when offered, as PostgreSQL 17 does.
        SSL_CTX_set_alpn_select_cb(
            ctx,
            [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned inlen, void*) {
                static const unsigned char pg[] = "\x0apostgresql";
                unsigned char* selected = nullptr;
                if (SSL_select_next_proto(&selected, outlen, pg, sizeof pg - 1, in, inlen) != OPENSSL_NPN_NEGOTIATED)
                    return SSL_TLSEXT_ERR_NOACK;
                *out = selected;
                return SSL_TLSEXT_ERR_OK;
            },
            nullptr);
        SSL* ssl = SSL_new(ctx);
        SSL_set_fd(ssl, c);
        if (SSL_accept(ssl) == 1) {
            if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) sni = name;
            const unsigned char* proto = nullptr;
            unsigned proto_len = 0;
            SSL_get0_alpn_selected(ssl, &proto, &proto_len);
            alpn.assign(reinterpret_cast<const char*>(proto), proto_len);
            handshake_done = true;
            unsigned char len[4];
            if (SSL_read(ssl, len, 4) == 4) {
                std::string rest(
                    (std::size_t{len[0]} << 24 | std::size_t{len[1]} << 16 | std::size_t{len[2]} << 8 | len[3]) - 4,
                    '\0');
                std::size_t got = 0;
                while (got < rest.size()) {
                    int r = SSL_read(ssl, rest.data() + got, static_cast<int>(rest.size() - got));
                    if (r <= 0) break;
                    got += static_cast<std::size_t>(r);
                }
                if (!script_.after_startup.empty())
                    SSL_write(ssl, script_.after_startup.data(), static_cast<int>(script_.after_startup.size()));
                char sink[256];
                while (SSL_read(ssl, sink, sizeof sink) > 0) {
                }
            }
        }
        SSL_free(ssl);
        SSL_CTX_free(ctx);
        ERR_clear_error();
    }
    Script script_;
    std::atomic<int> connections_{0};
    int fd_ = -1;
    std::thread thread_;
};

// A certificate for localhost from the test CA that a scripted server can present: the
// "revoked" one, which is valid to anyone who does not check the CRL.
std::string fake_cert() { return env("UVPG_TEST_SSL_REVOKED_CERT"); }
std::string fake_key() { return env("UVPG_TEST_SSL_REVOKED_KEY"); }

// AuthenticationOk, then ReadyForQuery (idle): a server that lets anyone in.
const std::string kLetIn = std::string("R\0\0\0\x08\0\0\0\0", 9) + std::string("Z\0\0\0\x05I", 6);

}  // namespace

TEST_CASE("verify-full over TLS: in use, its protocol and cipher, and the server agrees") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    uvpg::run([]() -> uvpg::Task<void> {
        for (const std::string host : {"localhost", "127.0.0.1"}) {
            CAPTURE(host);
            auto conn =
                co_await uvpg::connect("host=" + host + " port=" + env("UVPG_TEST_PORT") +
                                       " user=postgres dbname=uvpg_test sslmode=verify-full sslrootcert=" + root());
            CHECK(conn.ssl_in_use());
            CHECK(conn.ssl_attribute("library") == "OpenSSL");
            CHECK(conn.ssl_attribute("protocol") == "TLSv1.3");
            CHECK(!conn.ssl_attribute("cipher").value_or("").empty());
            CHECK(std::stoi(conn.ssl_attribute("key_bits").value_or("0")) >= 128);
            CHECK_FALSE(conn.ssl_attribute("nonsense").has_value());
            auto cur = co_await conn.cursor();
            co_await cur.execute("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            auto row = co_await cur.fetchone();
            REQUIRE(row);
            CHECK((*row)[0].as<bool>());
            CHECK((*row)[1].as<std::string>() == "TLSv1.3");
            // A large result and a large parameter through TLS records, both ways.
            std::string big(3'000'000, 'x');
            co_await cur.execute("SELECT length(%s), repeat('y', 2000000)", {big});
            row = co_await cur.fetchone();
            CHECK((*row)[0].as<int>() == 3'000'000);
            CHECK((*row)[1].as<std::string_view>().size() == 2'000'000u);
        }
    }());
}

TEST_CASE("sslmode: prefer takes TLS when offered, disable and allow do not, require does not verify") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    const char* q = "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    CHECK(uvpg::run(scalar_over(ssl_dsn(""), q)) == "true");  // prefer is the default
    CHECK(uvpg::run(scalar_over(ssl_dsn("sslmode=disable"), q)) == "false");
    CHECK(uvpg::run(scalar_over(ssl_dsn("sslmode=allow"), q)) == "false");
    // require without a root certificate: encrypted, the (unknown to us) CA not checked.
    CHECK(uvpg::run(scalar_over(ssl_dsn("sslmode=require"), q)) == "true");
    // ...but a root file makes require check the chain, as libpq does.
    CHECK(error_of([] {
              return connect_only(ssl_dsn("sslmode=require sslrootcert=" + env("UVPG_TEST_SSL_UNKNOWN_CA")));
          }).find("certificate verify failed") != std::string::npos);
    // Unix sockets never use TLS, whatever the mode (libpq).
    CHECK(uvpg::run(scalar_over("host=" + env("UVPG_TEST_SOCKET_DIR") + " port=" + env("UVPG_TEST_PORT") +
                                    " user=postgres dbname=uvpg_test sslmode=require",
                                q)) == "false");
    CHECK(uvpg::run(scalar_over(ssl_dsn("ssl_min_protocol_version=TLSv1.2 ssl_max_protocol_version=TLSv1.2"),
                                "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) == "TLSv1.2");
}

TEST_CASE(
    "libpq's fallback: prefer retries in plain text after a refused TLS login; allow tries TLS when plain is refused") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    const char* q = "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    const std::string nossl = "dbname=" + env("UVPG_TEST_NOSSL_DB");
    // The server refuses this database over TLS: prefer goes on in plain text, as libpq does.
    CHECK(uvpg::run(scalar_over(ssl_dsn(nossl), q)) == "false");
    CHECK(uvpg::run(scalar_over(ssl_dsn(nossl + " sslmode=disable"), q)) == "false");
    CHECK(error_of([&] { return connect_only(ssl_dsn(nossl + " sslmode=require")); }).find("pg_hba.conf") !=
          std::string::npos);
    const std::string tls_only = "dbname=" + env("UVPG_TEST_SSL_SCRAM_DB") +
                                 " user=" + env("UVPG_TEST_SSL_SCRAM_USER") +
                                 " password=" + env("UVPG_TEST_SSL_SCRAM_PASSWORD");
    CHECK(uvpg::run(scalar_over(ssl_dsn(tls_only + " sslmode=allow"), q)) == "true");  // hostnossl ... reject, then TLS
    CHECK(error_of([&] { return connect_only(ssl_dsn(tls_only + " sslmode=disable")); }).find("pg_hba.conf") !=
          std::string::npos);
}

TEST_CASE("SCRAM-SHA-256-PLUS: channel_binding=require over TLS logs in; a wrong password does not") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    const std::string base = "dbname=" + env("UVPG_TEST_SSL_SCRAM_DB") + " user=" + env("UVPG_TEST_SSL_SCRAM_USER") +
                             " sslmode=verify-full sslrootcert=" + root() + " host=localhost";
    const std::string ok = base + " password=" + env("UVPG_TEST_SSL_SCRAM_PASSWORD");
    for (const char* cb : {"require", "prefer", "disable"}) {
        CAPTURE(cb);
        CHECK(uvpg::run(scalar_over(ssl_dsn(ok + " channel_binding=" + cb), "SELECT current_user")) ==
              env("UVPG_TEST_SSL_SCRAM_USER"));
    }
    CHECK(error_of([&] {
              return connect_only(ssl_dsn(base + " password=wrong channel_binding=require"));
          }).find("password authentication failed") != std::string::npos);
}

TEST_CASE("channel_binding=require refuses every login that is not SCRAM-SHA-256-PLUS") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    if (!have_auth_roles()) UVPG_SKIP("the test server has no per-method roles (UVPG_TEST_AUTH != 1)");
    // Over plain text: SCRAM without binding; md5; cleartext; trust.
    CHECK(error_of([] {
              return connect_only(
                  ssl_dsn("sslmode=disable user=uvpg_scram password=scram_secret channel_binding=require"));
          }).find("channel binding is required, but server did not offer") != std::string::npos);
    CHECK(error_of([] {
              return connect_only(ssl_dsn("sslmode=disable user=uvpg_md5 password=md5_secret channel_binding=require"));
          }).find("channel binding required but not supported by server's authentication request") !=
          std::string::npos);
    CHECK(error_of([] {
              return connect_only(ssl_dsn("user=uvpg_password password=plain_secret channel_binding=require"));
          }).find("channel binding required but not supported") != std::string::npos);
    CHECK(error_of([] { return connect_only(ssl_dsn("channel_binding=require")); })  // trust, over TLS
              .find("server authenticated client without channel binding") != std::string::npos);
    // Over TLS the same SCRAM role binds (the host line matches hostssl connections too).
    CHECK(uvpg::run(scalar_over(ssl_dsn("user=uvpg_scram password=scram_secret channel_binding=require"),
                                "SELECT 1")) == "1");
}

TEST_CASE("require_auth: methods the server may not use are refused before a password is sent") {
    if (!have_auth_roles()) UVPG_SKIP("the test server has no per-method roles (UVPG_TEST_AUTH != 1)");
    auto refused = [](const std::string& extra) { return error_of([&] { return connect_only(ssl_dsn(extra)); }); };
    CHECK(refused("user=uvpg_scram password=scram_secret require_auth=md5") ==
          "connection to server at \"127.0.0.1\", port " + env("UVPG_TEST_PORT") +
              " failed: authentication method requirement \"md5\" failed: server requested SASL authentication\n");
    CHECK(refused("user=uvpg_password password=plain_secret require_auth=!password")
              .find("server requested a cleartext password") != std::string::npos);
    CHECK(refused("user=uvpg_md5 password=md5_secret require_auth=scram-sha-256")
              .find("server requested a hashed password") != std::string::npos);
    CHECK(refused("require_auth=scram-sha-256").find("server did not complete authentication") != std::string::npos);
    CHECK(uvpg::run(scalar_over(ssl_dsn("user=uvpg_md5 password=md5_secret require_auth=md5,scram-sha-256"),
                                "SELECT 1")) == "1");
    CHECK(uvpg::run(scalar_over(ssl_dsn("require_auth=none"), "SELECT 1")) == "1");
}

TEST_CASE("verify-full checks the host name; verify-ca only the chain; an unknown CA is refused") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    const std::string ca = " sslrootcert=" + root();
    // The real server's certificate is for localhost: asked as other.example, it is a mismatch.
    const std::string as_other =
        "host=other.example hostaddr=127.0.0.1 port=" + env("UVPG_TEST_PORT") + " user=postgres dbname=uvpg_test";
    CHECK(error_of([&] {
              return connect_only(as_other + " sslmode=verify-full" + ca);
          }).find("does not match host name \"other.example\"") != std::string::npos);
    uvpg::run(connect_only(as_other + " sslmode=verify-ca" + ca));
    const std::string unknown = error_of(
        [] { return connect_only(ssl_dsn("sslmode=verify-ca sslrootcert=" + env("UVPG_TEST_SSL_UNKNOWN_CA"))); });
    CHECK(unknown.find("certificate verify failed") != std::string::npos);
    CHECK(error_of([] {
              return connect_only(ssl_dsn("sslmode=verify-ca sslrootcert=/nonexistent/root.crt"));
          }).find("root certificate file \"/nonexistent/root.crt\" does not exist") != std::string::npos);
}

TEST_CASE("client certificates: cert authentication, encrypted keys, and keys others can read") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    const std::string user =
        "user=" + env("UVPG_TEST_SSL_CERT_USER") + " sslmode=verify-full host=localhost sslrootcert=" + root();
    const std::string cert = " sslcert=" + env("UVPG_TEST_SSL_CLIENT_CERT");
    CHECK(uvpg::run(scalar_over(ssl_dsn(user + cert + " sslkey=" + env("UVPG_TEST_SSL_CLIENT_KEY")),
                                "SELECT current_user")) == env("UVPG_TEST_SSL_CERT_USER"));
    CHECK(uvpg::run(scalar_over(
              ssl_dsn(user + cert + " sslkey=" + env("UVPG_TEST_SSL_CLIENT_KEY_ENC") + " sslpassword=uvpg-key-pass"),
              "SELECT 1")) == "1");
    CHECK(error_of([&] {
              return connect_only(
                  ssl_dsn(user + cert + " sslkey=" + env("UVPG_TEST_SSL_CLIENT_KEY_ENC") + " sslpassword=wrong"));
          }).find("could not load private key file") != std::string::npos);
    // Without a certificate the server's hba line (cert) refuses: its error, as OperationalError.
    CHECK(error_of([&] { return connect_only(ssl_dsn(user + " sslcert=/nonexistent.crt")); }).find("certificate") !=
          std::string::npos);
    // A certificate from a CA the server does not trust: the server ends the handshake.
    CHECK(error_of([&] {
              return connect_only(ssl_dsn(user + " sslcert=" + env("UVPG_TEST_SSL_UNKNOWN_CERT") +
                                          " sslkey=" + env("UVPG_TEST_SSL_UNKNOWN_KEY")));
          }).find("SSL error") != std::string::npos);
    // A key file that others can read is refused before anything is sent (libpq's rule).
    const std::string loose = env("UVPG_TEST_SSL_DIR") + "/loose-copy.key";
    std::filesystem::copy_file(env("UVPG_TEST_SSL_CLIENT_KEY"), loose,
                               std::filesystem::copy_options::overwrite_existing);
    ::chmod(loose.c_str(), 0644);
    CHECK(error_of([&] {
              return connect_only(ssl_dsn(user + cert + " sslkey=" + loose));
          }).find("has group or world access") != std::string::npos);
    std::filesystem::remove(loose);
}

TEST_CASE("a server that sends bytes after 'S' before the handshake is refused (CVE-2021-23222)") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    FakeTlsServer s({.cert = fake_cert(), .key = fake_key(), .inject = kLetIn});
    CHECK(error_of([&] {
              return connect_only(s.dsn("sslmode=require"));
          }).find("received unencrypted data after SSL response") != std::string::npos);
}

TEST_CASE("a handshake that fails under prefer is retried in plain text (libpq); require does not retry") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    // 'S' followed by unencrypted bytes: refused at once, no retry (libpq's rule too).
    FakeTlsServer s({.reply = 'S', .inject = std::string(64, 'x')});
    CHECK(error_of([&] { return connect_only(s.dsn("sslmode=prefer")); }).find("received unencrypted data") !=
          std::string::npos);
    CHECK(s.connections() == 1);
    // A certificate that does not verify: the handshake fails, and prefer tries once more in
    // plain text (the scripted server closes that second connection); both attempts reported.
    FakeTlsServer s2({.cert = env("UVPG_TEST_SSL_UNKNOWN_CERT"), .key = env("UVPG_TEST_SSL_UNKNOWN_KEY")});
    const std::string what = error_of([&] { return connect_only(s2.dsn("sslmode=prefer sslrootcert=" + root())); });
    CAPTURE(what);
    CHECK(what.find("certificate verify failed") != std::string::npos);
    CHECK(what.find("\nconnection to server at \"127.0.0.1\", port " + std::to_string(s2.port) + " failed: ") !=
          std::string::npos);
    CHECK(s2.connections() == 2);
    FakeTlsServer s3({.cert = env("UVPG_TEST_SSL_UNKNOWN_CERT"), .key = env("UVPG_TEST_SSL_UNKNOWN_KEY")});
    CHECK(error_of([&] {
              return connect_only(s3.dsn("sslmode=require sslrootcert=" + root()));
          }).find("certificate verify failed") != std::string::npos);
    CHECK(s3.connections() == 1);
}

TEST_CASE("an answer to SSLRequest other than 'S' or 'N' is refused, whatever the sslmode") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    for (char reply : {'X', 'E', '\0'}) {
        CAPTURE(static_cast<int>(reply));
        FakeTlsServer s({.reply = reply});
        const std::string what = error_of([&] { return connect_only(s.dsn("sslmode=prefer")); });
        CHECK((what.find("invalid response to SSL negotiation") != std::string::npos ||
               what.find("server sent an error response during SSL exchange") != std::string::npos));
        CHECK(s.connections() == 1);  // no retry in plain text (libpq 17)
    }
}

TEST_CASE("a server without TLS: require refuses, prefer goes on in plain text") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    {
        FakeTlsServer s({.reply = 'N'});
        CHECK(error_of([&] { return connect_only(s.dsn("sslmode=require")); }) ==
              "connection to server at \"127.0.0.1\", port " + std::to_string(s.port) +
                  " failed: server does not support SSL, but SSL was required\n");
    }
    FakeTlsServer s({.reply = 'N', .after_startup = kLetIn});
    uvpg::run([&]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(s.dsn("sslmode=prefer"));
        CHECK_FALSE(conn.ssl_in_use());
        CHECK_FALSE(conn.ssl_attribute("protocol").has_value());
    }());
}

TEST_CASE("certificates a scripted server presents: expired, revoked, for another host") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    const std::string ca = " sslrootcert=" + root();
    {
        FakeTlsServer s({.cert = env("UVPG_TEST_SSL_EXPIRED_CERT"), .key = env("UVPG_TEST_SSL_EXPIRED_KEY")});
        CHECK(error_of([&] { return connect_only(s.dsn("sslmode=verify-ca" + ca)); }).find("certificate has expired") !=
              std::string::npos);
    }
    {
        // A man in the middle with a valid certificate from the same CA, for another name.
        FakeTlsServer s({.cert = env("UVPG_TEST_SSL_OTHER_CERT"), .key = env("UVPG_TEST_SSL_OTHER_KEY")});
        CHECK(error_of([&] { return connect_only(s.dsn("sslmode=verify-full" + ca)); }) ==
              "connection to server at \"127.0.0.1\", port " + std::to_string(s.port) +
                  " failed: server certificate for \"other.example\" does not match host name \"localhost\"\n");
    }
    {
        FakeTlsServer s({.cert = env("UVPG_TEST_SSL_REVOKED_CERT"), .key = env("UVPG_TEST_SSL_REVOKED_KEY")});
        CHECK(error_of([&] {
                  return connect_only(s.dsn("sslmode=verify-full sslcrl=" + env("UVPG_TEST_SSL_CRL") + ca));
              }).find("certificate revoked") != std::string::npos);
    }
    {
        // The same revoked certificate passes without the CRL: the check is the CRL's.
        FakeTlsServer s({.cert = env("UVPG_TEST_SSL_REVOKED_CERT"),
                         .key = env("UVPG_TEST_SSL_REVOKED_KEY"),
                         .after_startup = kLetIn});
        uvpg::run([&]() -> uvpg::Task<void> {
            auto conn = co_await uvpg::connect(s.dsn("sslmode=verify-full" + ca));
            CHECK(conn.ssl_in_use());
        }());
    }
}

TEST_CASE("verify-full reads the Common Name only when the certificate has no subjectAltName") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    const std::string ca = " sslmode=verify-full sslrootcert=" + root();
    {
        FakeTlsServer s({.cert = env("UVPG_TEST_SSL_CN_ONLY_CERT"),
                         .key = env("UVPG_TEST_SSL_CN_ONLY_KEY"),
                         .after_startup = kLetIn});
        uvpg::run(connect_only(s.dsn(ca)));  // CN=localhost, no SAN
        CHECK(s.handshake_done);
    }
    FakeTlsServer s({.cert = env("UVPG_TEST_SSL_SAN_OTHER_CERT"), .key = env("UVPG_TEST_SSL_SAN_OTHER_KEY")});
    CHECK(error_of([&] {
              return connect_only(s.dsn(ca));
          }).find("server certificate for \"other.example\" does not match host name \"localhost\"") !=
          std::string::npos);
}

TEST_CASE("channel_binding=require refuses a TLS server that lets the client in without a password") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    FakeTlsServer s({.cert = fake_cert(), .key = fake_key(), .after_startup = kLetIn});
    CHECK(error_of([&] {
              return connect_only(s.dsn("sslmode=require channel_binding=require"));
          }).find("server authenticated client without channel binding") != std::string::npos);
    CHECK(s.handshake_done);
}

TEST_CASE("sslnegotiation=direct: TLS at once, without SSLRequest, with ALPN postgresql and SNI") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    FakeTlsServer s({.cert = fake_cert(), .key = fake_key(), .ssl_request = false, .after_startup = kLetIn});
    uvpg::run([&]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(s.dsn("sslmode=verify-full sslnegotiation=direct sslrootcert=" + root()));
        CHECK(conn.ssl_in_use());
    }());
    CHECK(s.alpn == "postgresql");
    CHECK(s.sni == "localhost");
}

TEST_CASE("sslsni=0 sends no server name; an address is never sent as one") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    {
        FakeTlsServer s({.cert = fake_cert(), .key = fake_key(), .after_startup = kLetIn});
        uvpg::run(connect_only(s.dsn("sslmode=require sslsni=0")));
        CHECK(s.handshake_done);
        CHECK(s.sni.empty());
    }
    FakeTlsServer s({.cert = fake_cert(), .key = fake_key(), .after_startup = kLetIn});
    uvpg::run(connect_only("host=127.0.0.1 port=" + std::to_string(s.port) + " user=u dbname=d sslmode=require"));
    CHECK(s.handshake_done);
    CHECK(s.sni.empty());
}

TEST_CASE("sslrootcert=system checks against the system's roots (which do not know the test CA)") {
    if (!have_ssl()) UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    CHECK(error_of([] {
              return connect_only(ssl_dsn("host=localhost sslrootcert=system"));
          }).find("certificate verify failed") != std::string::npos);
}

TEST_CASE("host names as libpq matches them: exact, case-insensitive, a wildcard only as the whole leftmost label") {
    using uvpg::detail::tls_name_matches;
    CHECK(tls_name_matches("db.example.com", "db.example.com"));
    CHECK(tls_name_matches("DB.Example.COM", "db.example.com"));
    CHECK_FALSE(tls_name_matches("db.example.com", "db2.example.com"));
    CHECK(tls_name_matches("*.example.com", "db.example.com"));
    CHECK(tls_name_matches("*.EXAMPLE.com", "DB.example.COM"));
    CHECK_FALSE(tls_name_matches("*.example.com", "a.b.example.com"));  // one label only
    CHECK_FALSE(tls_name_matches("*.example.com", "example.com"));
    CHECK_FALSE(tls_name_matches("*.example.com", ".example.com"));
    CHECK_FALSE(tls_name_matches("db*.example.com", "db1.example.com"));  // no partial wildcards
    CHECK_FALSE(tls_name_matches("*", "localhost"));
    CHECK_FALSE(tls_name_matches("*.com", "example.org"));
    CHECK_FALSE(tls_name_matches("", "localhost"));
}

namespace {

// A self-signed certificate on `key`, signed with `md`.
X509* self_signed(EVP_PKEY* key, const EVP_MD* md) {
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    X509_sign(x, key, md);
    return x;
}

// tls-server-end-point as RFC 5929 4.1 defines it, computed here apart from lib/net/tls_session.cpp.
std::string expected_end_point(X509* cert, const EVP_MD* md) {
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    X509_digest(cert, md, buf, &len);
    return std::string(reinterpret_cast<char*>(buf), len);
}

}  // namespace

TEST_CASE("tls-server-end-point hashes the certificate with its signature's hash, SHA-256 for MD5 and SHA-1") {
    // A TLS server in memory, the client session driven against it byte for byte.
    EVP_PKEY* key = EVP_EC_gen("P-384");
    REQUIRE(key);
    struct Case {
        const EVP_MD* sign;
        const EVP_MD* expect;
    };
    for (Case c : {Case{EVP_sha256(), EVP_sha256()}, Case{EVP_sha384(), EVP_sha384()}, Case{EVP_sha512(), EVP_sha512()},
                   Case{EVP_sha1(), EVP_sha256()}}) {
        CAPTURE(EVP_MD_get0_name(c.sign));
        X509* cert = self_signed(key, c.sign);
        SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
        SSL_CTX_set_security_level(ctx, 0);  // a SHA-1 signature is the point of one case
        REQUIRE(SSL_CTX_use_certificate(ctx, cert) == 1);
        REQUIRE(SSL_CTX_use_PrivateKey(ctx, key) == 1);
        SSL* server = SSL_new(ctx);
        BIO* in = BIO_new(BIO_s_mem());
        BIO* out = BIO_new(BIO_s_mem());
        SSL_set_bio(server, in, out);
        SSL_set_accept_state(server);

        uvpg::detail::TlsParams p;
        p.sslmode = "require";
        std::string error;
        auto client = uvpg::detail::TlsSession::create(p, "localhost", error);
        REQUIRE(client);
        auto step = uvpg::detail::TlsSession::Step::more;
        for (int round = 0; round < 10 && step == uvpg::detail::TlsSession::Step::more; ++round) {
            step = client->handshake();
            std::vector<std::uint8_t> wire;
            client->take_output(wire);
            BIO_write(in, wire.data(), static_cast<int>(wire.size()));
            SSL_do_handshake(server);
            char buf[16384];
            int n = 0;
            while ((n = BIO_read(out, buf, sizeof buf)) > 0)
                client->feed(reinterpret_cast<std::uint8_t*>(buf), static_cast<std::size_t>(n));
        }
        REQUIRE(step == uvpg::detail::TlsSession::Step::done);
        CHECK(client->server_end_point() == expected_end_point(cert, c.expect));
        SSL_free(server);
        SSL_CTX_free(ctx);
        X509_free(cert);
    }
    EVP_PKEY_free(key);
}
