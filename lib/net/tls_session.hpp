// TLS for a connection through OpenSSL memory BIOs: libuv moves the bytes, OpenSSL never
// touches the socket. Sans-I/O like proto/: ciphertext in, plaintext out, and back.
#pragma once
#include "lib/config/tls_params.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace uvpg::detail {

// One TLS client session. Errors are returned as text (the connection turns them into
// OperationalError with its "connection to server ... failed: " prefix).
class TlsSession {
public:
    // Loads certificates and keys; nullptr with `error` set when a file is missing or bad,
    // or when the key file is readable by others (libpq's rule).
    static std::unique_ptr<TlsSession> create(const TlsParams& p, const std::string& host, std::string& error);
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    // Ciphertext from the socket.
    void feed(const std::uint8_t* data, std::size_t n);
    enum class Step { done, more, failed };
    // Drives the handshake; `done` once it completed and the server passed every check the
    // sslmode asks for (chain, CRL, host name). error() says why on `failed`.
    Step handshake();
    // The handshake ended in `done`: plaintext now goes through read() and write().
    bool established() const noexcept { return established_; }
    // Decrypts into [out, out + n): bytes written; 0 = nothing more for now; -1 = failed or
    // closed by the server (error() says which).
    long read(std::uint8_t* out, std::size_t n);
    // Encrypts plaintext; false on failure.
    bool write(const std::uint8_t* data, std::size_t n);
    // Moves the ciphertext waiting to be sent into `out` (appended).
    void take_output(std::vector<std::uint8_t>& out);
    bool has_output() const;
    const std::string& error() const { return error_; }

    // tls-server-end-point channel binding data (RFC 5929): the hash of the server's
    // certificate, with SHA-256 standing in for MD5 and SHA-1. Empty if it cannot be made.
    std::string server_end_point() const;
    std::string protocol() const;  // "TLSv1.3"
    std::string cipher() const;    // "TLS_AES_256_GCM_SHA384"
    std::string key_bits() const;  // the cipher's secret bits, "256"
    void close_notify();           // queues TLS close_notify (take_output sends it)

private:
    TlsSession() = default;
    bool check_peer();
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string error_;
    bool established_ = false;
};

// libpq's host name rules for verify-full: subjectAltName dNSName and iPAddress entries
// first, the Common Name only when the certificate has neither; a wildcard only as the whole
// leftmost label ("*.example.com" matches one label). Exposed for unit tests.
bool tls_name_matches(const std::string& pattern, const std::string& host);

}  // namespace uvpg::detail
