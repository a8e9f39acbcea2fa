// Password authentication: MD5 hashing and the SCRAM-SHA-256(-PLUS) client (RFC 5802 / RFC 7677,
// RFC 5929 tls-server-end-point binding; PostgreSQL's variant). proto/ is sans-I/O; libcrypto is
// its only outside dependency.
#pragma once
#include "proto/saslprep.hpp"  // saslprep_password: what SCRAM hashes

#include <cstdint>
#include <string>
#include <string_view>

namespace uvpg::proto {

// "md5" + hex(md5(hex(md5(password + user)) + salt)), as PasswordMessage expects; empty if
// libcrypto offers no MD5 (a FIPS-only provider).
std::string md5_password(std::string_view user, std::string_view password, const std::uint8_t salt[4]);

std::string base64_encode(std::string_view bytes);
// false on any invalid character or bad padding.
bool base64_decode(std::string_view text, std::string& out);

// How the client takes part in SCRAM channel binding (RFC 5802 section 6, RFC 5929), i.e. the
// gs2 header it sends. PostgreSQL only offers the tls-server-end-point binding type.
//   none:      "n,,"  the client does not support channel binding (no TLS, or binding disabled).
//   supported: "y,,"  the client supports it but thinks the server does not: TLS is up, yet the
//                     server did not offer SCRAM-SHA-256-PLUS. A server that did offer it
//                     refuses this (it means someone removed PLUS from the list on the way).
//   plus:      "p=tls-server-end-point,,"  mechanism SCRAM-SHA-256-PLUS; data is the binding
//                     data: the raw hash of the server certificate (DER), with the hash of the
//                     certificate's signature algorithm, SHA-256 for MD5 and SHA-1 (RFC 5929 4.1).
// data is used only with plus, where it must not be empty.
struct ScramBinding {
    enum class Flag { none /* n */, supported /* y */, plus /* p=tls-server-end-point */ };
    Flag flag = Flag::none;
    std::string data;
};

// Client side of SCRAM-SHA-256 and SCRAM-SHA-256-PLUS, username sent empty as libpq does: the
// server takes the user from the startup packet.
//   ScramClient c(password, binding);            // or with a fixed nonce in tests
//   send SASLInitialResponse(c.mechanism(), c.client_first())
//   if (!c.handle_server_first(data)) fail(c.error());  then send SASLResponse(c.client_final())
//   if (!c.handle_server_final(data)) fail(c.error());  // verifies the server signature
// Without a binding (the first two constructors) it is SCRAM-SHA-256 with gs2 header "n,,".
class ScramClient {
public:
    explicit ScramClient(std::string password);  // 18 random bytes, base64
    // For tests: a fixed nonce, and a user name (the RFC 7677 vector uses "user").
    ScramClient(std::string password, std::string client_nonce, const std::string& user = {});
    ScramClient(std::string password, const ScramBinding& binding);  // random nonce
    ScramClient(std::string password, std::string client_nonce, const std::string& user, const ScramBinding& binding);
    static constexpr std::uint32_t kMaxIterations = 1u << 20;  // refuse to burn more CPU
    // The cap for this exchange, checked before any hashing; call before handle_server_first.
    void set_max_iterations(std::uint32_t n) { max_iterations_ = n; }

    // The SASL mechanism name to send: "SCRAM-SHA-256-PLUS" with Flag::plus, else "SCRAM-SHA-256".
    const char* mechanism() const;
    // gs2 header + "n=,r=<nonce>", e.g. "n,,n=,r=<nonce>"; empty if no nonce could be made or the
    // binding is unusable (error() says why).
    const std::string& client_first() const { return client_first_; }
    bool handle_server_first(std::string_view server_first);
    // "c=<base64(gs2 header + binding data)>,r=...,p=...": c=biws for "n,,", c=eSws for "y,,".
    const std::string& client_final() const { return client_final_; }
    bool handle_server_final(std::string_view server_final);
    const std::string& error() const { return error_; }  // why the last step failed
    // True once the server signature was verified. AuthenticationOk before that must be refused:
    // a server that skips SASLFinal has not proven it knows the password.
    bool finished() const { return state_ == State::done; }

private:
    enum class State { initial, sent_final, done, failed };
    void start(const std::string& user, const ScramBinding& binding);  // builds client-first from nonce_
    bool fail(const char* why);                                        // records why, wipes the password, returns false
    State state_ = State::initial;
    ScramBinding::Flag flag_ = ScramBinding::Flag::none;
    std::string channel_binding_;  // the c= value: base64(gs2 header + binding data)
    std::uint32_t max_iterations_ = kMaxIterations;
    std::string password_, nonce_, client_first_bare_, client_first_, client_final_;
    std::string server_signature_;  // raw 32 bytes expected in server-final
    std::string error_;
};

}  // namespace uvpg::proto
