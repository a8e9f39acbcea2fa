// Password authentication: MD5 hashing and the SCRAM-SHA-256 client (RFC 5802 / RFC 7677,
// PostgreSQL's variant). proto/ is sans-I/O; libcrypto is its only outside dependency.
#pragma once
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

// The bytes SCRAM hashes for a password, as PostgreSQL's SASLprep decides them: ASCII and
// non-UTF-8 passwords unchanged, otherwise non-ASCII spaces mapped to ' ' and "mapped to
// nothing" characters dropped, falling back to the raw bytes if a prohibited character remains.
std::string saslprep_password(std::string_view password);

// Client side of SCRAM-SHA-256 without channel binding (gs2 header "n,,"), username sent
// empty as libpq does: the server takes the user from the startup packet.
//   ScramClient c(password);                    // or with a fixed nonce in tests
//   send SASLInitialResponse("SCRAM-SHA-256", c.client_first())
//   if (!c.handle_server_first(data)) fail(c.error());  then send SASLResponse(c.client_final())
//   if (!c.handle_server_final(data)) fail(c.error());  // verifies the server signature
class ScramClient {
public:
    explicit ScramClient(std::string password);                       // 18 random bytes, base64
    // For tests: a fixed nonce, and a user name (the RFC 7677 vector uses "user").
    ScramClient(std::string password, std::string client_nonce, std::string user = {});
    static constexpr std::uint32_t kMaxIterations = 1u << 20;          // refuse to burn more CPU
    // The cap for this exchange, checked before any hashing; call before handle_server_first.
    void set_max_iterations(std::uint32_t n) { max_iterations_ = n; }

    // "n,,n=,r=<nonce>"; empty if no nonce could be made (error() says why).
    const std::string& client_first() const { return client_first_; }
    bool handle_server_first(std::string_view server_first);
    const std::string& client_final() const { return client_final_; }  // "c=biws,r=...,p=..."
    bool handle_server_final(std::string_view server_final);
    const std::string& error() const { return error_; }                // why the last step failed
    // True once the server signature was verified. AuthenticationOk before that must be refused:
    // a server that skips SASLFinal has not proven it knows the password.
    bool finished() const { return state_ == State::done; }

private:
    enum class State { initial, sent_final, done, failed };
    bool fail(const char* why);  // records why, wipes the password, returns false
    State state_ = State::initial;
    std::uint32_t max_iterations_ = kMaxIterations;
    std::string password_, nonce_, client_first_bare_, client_first_, client_final_;
    std::string server_signature_;  // raw 32 bytes expected in server-final
    std::string error_;
};

}  // namespace uvpg::proto
