// TLS through OpenSSL memory BIOs, with libpq's rules for certificates, keys and host names.
#include "lib/net/tls_session.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <strings.h>
#include <cstring>

namespace uvpg::detail {

namespace {

std::string openssl_error(const char* fallback) {
    unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (e == 0) return fallback;
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    // "error:0A000086:SSL routines::certificate verify failed": keep the reason.
    std::string text = buf;
    if (const char* reason = ERR_reason_error_string(e)) text = reason;
    return text;
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

int protocol_version(const std::string& name) {
    if (name.empty()) return 0;
    if (name == "TLSv1") return TLS1_VERSION;
    if (name == "TLSv1.1") return TLS1_1_VERSION;
    if (name == "TLSv1.2") return TLS1_2_VERSION;
    if (name == "TLSv1.3") return TLS1_3_VERSION;
    return -1;
}

int password_cb(char* buf, int size, int, void* userdata) {
    const auto* password = static_cast<const std::string*>(userdata);
    if (!password || size <= 0) return 0;
    const int n = static_cast<int>(std::min<std::size_t>(password->size(), static_cast<std::size_t>(size - 1)));
    std::memcpy(buf, password->data(), static_cast<std::size_t>(n));
    buf[n] = '\0';
    return n;
}

// The host as an IP address, for comparing with iPAddress entries: 4 or 16 bytes, or empty.
std::string ip_bytes(const std::string& host) {
    unsigned char buf[16];
    if (inet_pton(AF_INET, host.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 4);
    if (inet_pton(AF_INET6, host.c_str(), buf) == 1) return std::string(reinterpret_cast<char*>(buf), 16);
    return {};
}

bool wildcard_matches(const std::string& pattern, const std::string& host) {
    // libpq: "*." then the rest matching the end of the host, with no dot before it.
    if (pattern.size() < 3 || pattern[0] != '*' || pattern[1] != '.') return false;
    if (pattern.size() > host.size()) return false;
    const std::size_t start = host.size() - pattern.size() + 1;  // where ".rest" begins in host
    if (strcasecmp(pattern.c_str() + 1, host.c_str() + start) != 0) return false;
    return host.find('.') >= start;
}

}  // namespace

bool tls_name_matches(const std::string& pattern, const std::string& host) {
    if (strcasecmp(pattern.c_str(), host.c_str()) == 0) return true;
    return !pattern.empty() && pattern[0] == '*' && wildcard_matches(pattern, host);
}

struct TlsSession::Impl {
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
    BIO* rbio = nullptr;  // ciphertext in: owned by ssl
    BIO* wbio = nullptr;  // ciphertext out: owned by ssl
    TlsParams params;
    std::string host;
    bool verify = false;  // the chain is checked (verify-ca, verify-full, or require with a root file)
    ~Impl() {
        if (ssl) SSL_free(ssl);
        if (ctx) SSL_CTX_free(ctx);
    }
};

TlsSession::~TlsSession() = default;

std::unique_ptr<TlsSession> TlsSession::create(const TlsParams& p, const std::string& host, std::string& error) {
    std::unique_ptr<TlsSession> s(new TlsSession);
    s->impl_ = std::make_unique<Impl>();
    Impl& im = *s->impl_;
    im.params = p;
    im.host = host;
    auto fail = [&](std::string why) {
        error = std::move(why);
        ERR_clear_error();
        return nullptr;
    };
    im.ctx = SSL_CTX_new(TLS_client_method());
    if (!im.ctx) return fail("could not create SSL context: " + openssl_error("out of memory"));
    const int min = protocol_version(p.min_protocol), max = protocol_version(p.max_protocol);
    if (min < 0) return fail("invalid ssl_min_protocol_version value: \"" + p.min_protocol + "\"");
    if (max < 0) return fail("invalid ssl_max_protocol_version value: \"" + p.max_protocol + "\"");
    if (min > 0 && !SSL_CTX_set_min_proto_version(im.ctx, min))
        return fail("could not set minimum SSL protocol version: " + openssl_error("unsupported"));
    if (max > 0 && !SSL_CTX_set_max_proto_version(im.ctx, max))
        return fail("could not set maximum SSL protocol version: " + openssl_error("unsupported"));
    // Renegotiation is off in the server since PostgreSQL 14 and never wanted here.
    SSL_CTX_set_options(im.ctx, SSL_OP_NO_RENEGOTIATION);

    const std::string pgdir = p.home.empty() ? std::string() : p.home + "/.postgresql/";
    // Root certificates: the chain is checked whenever there are some, even for require
    // (libpq's rule: a root file turns require into verify-ca).
    if (p.rootcert == "system") {
        if (SSL_CTX_set_default_verify_paths(im.ctx) != 1)
            return fail("could not load system root certificate paths: " + openssl_error("unknown error"));
        im.verify = true;
    } else {
        const std::string root =
            !p.rootcert.empty() ? p.rootcert : (pgdir.empty() ? std::string() : pgdir + "root.crt");
        if (!root.empty() && file_exists(root)) {
            if (SSL_CTX_load_verify_locations(im.ctx, root.c_str(), nullptr) != 1)
                return fail("could not read root certificate file \"" + root + "\": " + openssl_error("unknown error"));
            im.verify = true;
            const std::string crl = !p.crl.empty() ? p.crl : (pgdir.empty() ? std::string() : pgdir + "root.crl");
            X509_STORE* store = SSL_CTX_get_cert_store(im.ctx);
            if (!crl.empty() && file_exists(crl)) {
                if (X509_STORE_load_locations(store, crl.c_str(), nullptr) != 1)
                    return fail("could not read certificate revocation list file \"" + crl +
                                "\": " + openssl_error("unknown error"));
                X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
            } else if (!p.crl.empty()) {
                return fail("certificate revocation list file \"" + crl + "\" does not exist");
            }
        } else if (p.verify_chain()) {
            return fail("root certificate file \"" + (root.empty() ? std::string("~/.postgresql/root.crt") : root) +
                        "\" does not exist\nEither provide the file, use the system's trusted roots with "
                        "sslrootcert=system, or change sslmode to disable server certificate verification.");
        }
    }

    // Client certificate and key, when there is a certificate file.
    const std::string cert = !p.cert.empty() ? p.cert : (pgdir.empty() ? std::string() : pgdir + "postgresql.crt");
    if (!cert.empty() && file_exists(cert)) {
        if (SSL_CTX_use_certificate_chain_file(im.ctx, cert.c_str()) != 1)
            return fail("could not read certificate file \"" + cert + "\": " + openssl_error("unknown error"));
        const std::string key = !p.key.empty() ? p.key : (pgdir.empty() ? std::string() : pgdir + "postgresql.key");
        struct stat st {};
        if (key.empty() || ::stat(key.c_str(), &st) != 0)
            return fail("certificate present, but not private key file \"" + key + "\"");
        if (!S_ISREG(st.st_mode)) return fail("private key file \"" + key + "\" is not a regular file");
        const bool ours = st.st_uid == geteuid();
        if ((ours && (st.st_mode & (S_IRWXG | S_IRWXO))) ||
            (st.st_uid == 0 && (st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO))))
            return fail("private key file \"" + key +
                        "\" has group or world access; file must have permissions u=rw (0600) or less if owned by "
                        "the current user, or permissions u=rw,g=r (0640) or less if owned by root");
        SSL_CTX_set_default_passwd_cb(im.ctx, password_cb);
        SSL_CTX_set_default_passwd_cb_userdata(im.ctx, &im.params.password);
        if (SSL_CTX_use_PrivateKey_file(im.ctx, key.c_str(), SSL_FILETYPE_PEM) != 1)
            return fail("could not load private key file \"" + key + "\": " + openssl_error("unknown error"));
        if (SSL_CTX_check_private_key(im.ctx) != 1)
            return fail("certificate does not match private key file \"" + key +
                        "\": " + openssl_error("unknown error"));
    }

    im.ssl = SSL_new(im.ctx);
    if (!im.ssl) return fail("could not establish SSL connection: " + openssl_error("out of memory"));
    im.rbio = BIO_new(BIO_s_mem());
    im.wbio = BIO_new(BIO_s_mem());
    if (!im.rbio || !im.wbio) {
        if (im.rbio) BIO_free(im.rbio);
        if (im.wbio) BIO_free(im.wbio);
        return fail("could not establish SSL connection: out of memory");
    }
    BIO_set_mem_eof_return(im.rbio, -1);  // empty means "wait for more", not end of stream
    SSL_set_bio(im.ssl, im.rbio, im.wbio);
    SSL_set_connect_state(im.ssl);
    SSL_set_verify(im.ssl, im.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    // SNI for host names (never for addresses), and ALPN "postgresql" as libpq 17 sends it.
    if (p.sni && !host.empty() && ip_bytes(host).empty() && host[0] != '/')
        SSL_set_tlsext_host_name(im.ssl, host.c_str());
    static const unsigned char alpn[] = "\x0apostgresql";
    SSL_set_alpn_protos(im.ssl, alpn, sizeof alpn - 1);
    ERR_clear_error();
    return s;
}

void TlsSession::feed(const std::uint8_t* data, std::size_t n) {
    while (n > 0) {
        const int chunk = static_cast<int>(std::min<std::size_t>(n, 1 << 30));
        const int w = BIO_write(impl_->rbio, data, chunk);
        if (w <= 0) return;
        data += w;
        n -= static_cast<std::size_t>(w);
    }
}

TlsSession::Step TlsSession::handshake() {
    ERR_clear_error();
    const int r = SSL_do_handshake(impl_->ssl);
    if (r == 1) {
        if (!check_peer()) return Step::failed;
        established_ = true;
        return Step::done;
    }
    const int e = SSL_get_error(impl_->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return Step::more;
    const long verify = SSL_get_verify_result(impl_->ssl);
    if (verify != X509_V_OK && impl_->verify) {
        error_ = std::string("SSL error: certificate verify failed: ") + X509_verify_cert_error_string(verify);
    } else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN) {
        error_ = "SSL error: the server closed the connection during the handshake";
        ERR_clear_error();
    } else {
        error_ = "SSL error: " + openssl_error("handshake failed");
    }
    return Step::failed;
}

bool TlsSession::check_peer() {
    Impl& im = *impl_;
    X509* cert = SSL_get0_peer_certificate(im.ssl);
    if (!cert) {
        if (!im.verify) return true;
        error_ = "server did not send a certificate";
        return false;
    }
    if (im.params.sslmode != SslMode::verify_full) return true;
    // libpq: subjectAltName dNSName and iPAddress entries; the Common Name only without them.
    const std::string ip = ip_bytes(im.host);
    std::vector<std::string> names;
    bool matched = false, any_san = false;
    auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
    if (sans) {
        for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
            const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
            if (g->type == GEN_DNS) {
                any_san = true;
                const ASN1_STRING* s = g->d.dNSName;
                std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<std::size_t>(ASN1_STRING_length(s)));
                if (name.find('\0') != std::string::npos) continue;  // an embedded NUL never matches
                names.push_back(name);
                matched = matched || tls_name_matches(name, im.host);
            } else if (g->type == GEN_IPADD) {
                any_san = true;
                const ASN1_STRING* s = g->d.iPAddress;
                std::string addr(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<std::size_t>(ASN1_STRING_length(s)));
                char text[64] = "";
                if (addr.size() == 4 || addr.size() == 16)
                    inet_ntop(addr.size() == 4 ? AF_INET : AF_INET6, addr.data(), text, sizeof text);
                names.push_back(text);
                matched = matched || (!ip.empty() && addr == ip);
            }
        }
        GENERAL_NAMES_free(sans);
    }
    if (!any_san) {
        X509_NAME* subject = X509_get_subject_name(cert);
        const int at = subject ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
        if (at >= 0) {
            const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
            std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                             static_cast<std::size_t>(ASN1_STRING_length(s)));
            if (name.find('\0') == std::string::npos) {
                names.push_back(name);
                matched = tls_name_matches(name, im.host);
            }
        }
    }
    if (matched) return true;
    if (names.empty()) {
        error_ = "could not get server's host name from server certificate";
    } else if (names.size() == 1) {
        error_ = "server certificate for \"" + names[0] + "\" does not match host name \"" + im.host + "\"";
    } else {
        error_ = "server certificate for \"" + names[0] + "\" (and " + std::to_string(names.size() - 1) +
                 " other name" + (names.size() > 2 ? "s" : "") + ") does not match host name \"" + im.host + "\"";
    }
    return false;
}

long TlsSession::read(std::uint8_t* out, std::size_t n) {
    ERR_clear_error();
    const int r = SSL_read(impl_->ssl, out, static_cast<int>(std::min<std::size_t>(n, 1 << 30)));
    if (r > 0) return r;
    const int e = SSL_get_error(impl_->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
    if (e == SSL_ERROR_ZERO_RETURN) error_ = "SSL connection has been closed unexpectedly";
    else error_ = "SSL error: " + openssl_error("read failed");
    return -1;
}

bool TlsSession::write(const std::uint8_t* data, std::size_t n) {
    ERR_clear_error();
    while (n > 0) {
        const int r = SSL_write(impl_->ssl, data, static_cast<int>(std::min<std::size_t>(n, 1 << 30)));
        if (r <= 0) {
            error_ = "SSL error: " + openssl_error("write failed");
            return false;
        }
        data += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

bool TlsSession::has_output() const { return BIO_ctrl_pending(impl_->wbio) > 0; }

void TlsSession::take_output(std::vector<std::uint8_t>& out) {
    std::size_t pending = BIO_ctrl_pending(impl_->wbio);
    if (pending == 0) return;
    const std::size_t at = out.size();
    out.resize(at + pending);
    const int r = BIO_read(impl_->wbio, out.data() + at, static_cast<int>(pending));
    out.resize(at + static_cast<std::size_t>(r > 0 ? r : 0));
}

std::string TlsSession::server_end_point() const {
    X509* cert = SSL_get0_peer_certificate(impl_->ssl);
    if (!cert) return {};
    int md_nid = NID_undef;
    if (!OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md_nid, nullptr)) return {};
    if (md_nid == NID_md5 || md_nid == NID_sha1) md_nid = NID_sha256;  // RFC 5929 section 4.1
    const EVP_MD* md = EVP_get_digestbynid(md_nid);
    if (!md) return {};
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, md, hash, &len) != 1) return {};
    return std::string(reinterpret_cast<const char*>(hash), len);
}

std::string TlsSession::protocol() const { return SSL_get_version(impl_->ssl); }

std::string TlsSession::key_bits() const {
    int bits = 0;
    SSL_get_cipher_bits(impl_->ssl, &bits);
    return std::to_string(bits);
}

void TlsSession::close_notify() {
    (void)SSL_shutdown(impl_->ssl);
    ERR_clear_error();
}

std::string TlsSession::cipher() const {
    const char* c = SSL_get_cipher_name(impl_->ssl);
    return c ? c : "";
}

}  // namespace uvpg::detail
