// Connection startup as a sans-I/O operation: everything from the first byte on a connected
// socket to the first ReadyForQuery. The SSLRequest and its one-byte answer (or TLS at once
// with sslnegotiation=direct), the StartupMessage, every authentication exchange (trust,
// cleartext, md5, SCRAM-SHA-256 and -PLUS, with require_auth and channel_binding),
// NegotiateProtocolVersion, BackendKeyData, ReadyForQuery, and an ErrorResponse at login.
//
// The driver (lib/conn/startup.cpp) connects, moves bytes, runs the TLS handshake and the key
// derivation, and feeds the outcomes here; every protocol decision is taken here, including
// whether sslmode prefer/allow may try once more the other way (fallback()). One object per
// attempt: the fallback makes a new one on a new socket.
#pragma once
#include "lib/config/conn_enums.hpp"
#include "lib/errors/error.hpp"
#include "lib/ops/action.hpp"
#include "proto/auth.hpp"
#include "proto/backend.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace uvpg::detail::ops {

// What startup needs of the connection parameters (lib/config/conn_params.hpp).
struct StartupSettings {
    std::vector<std::pair<std::string, std::string>> startup_params;  // user, database, ...
    std::string user;
    std::optional<std::string> password;
    SslModeValue sslmode = SslMode::prefer;
    SslNegotiationValue sslnegotiation = SslNegotiation::postgres;
    ChannelBindingValue channel_binding = ChannelBinding::prefer;
    AuthMethods auth_methods;  // require_auth
    std::string require_auth;  // as given, for messages
    bool unix_socket = false;
    bool host_given = true;   // a host name (not only hostaddr): verify-full needs one
    std::string scram_nonce;  // tests: a fixed SCRAM client nonce; empty = random
};

// The SCRAM key derivation (PBKDF2, 4096 rounds or more), taken by the driver to run away from
// the loop and handed back with on_keys_derived().
struct KeyDerivation {
    std::unique_ptr<proto::ScramClient> scram;
    std::string server_first;
    bool ok = false;
    void run() { ok = scram->handle_server_first(server_first); }
};

class StartupOp {
public:
    // `tls`: this attempt asks for TLS; `retried`: it is the fallback attempt of prefer/allow.
    StartupOp(StartupSettings settings, bool tls, bool retried);

    // The socket is connected: SSLRequest, TLS at once, or the StartupMessage.
    Action start(proto::Bytes& out);

    // The answer to SSLRequest: the bytes of the first read (awaiting_ssl_reply()).
    Action on_ssl_reply(proto::ByteView bytes, proto::Bytes& out);
    // The TLS handshake ended (start_tls): `binding` is the server certificate's
    // tls-server-end-point hash for SCRAM-SHA-256-PLUS (empty if it could not be made).
    Action on_tls_ready(std::string binding, proto::Bytes& out);
    Action on_tls_failed(std::string why);

    // A message from the server. First its type, before it is decoded (libpq's rule: until
    // AuthenticationOk only Authentication, ErrorResponse and NegotiateProtocolVersion may
    // come), then the decoded message; the asynchronous ones (NoticeResponse, ParameterStatus,
    // NotificationResponse) are the connection's and do not come here.
    Action on_message_type(char type);
    Action on_message(char type, const proto::BackendMessage& m, proto::Bytes& out);

    // derive_keys: the work to run away from the loop, then its outcome.
    std::unique_ptr<KeyDerivation> take_key_derivation();
    Action on_keys_derived(std::unique_ptr<KeyDerivation> work, proto::Bytes& out);

    // The socket failed while reading: the server hung up (`eof`), else `why` says how.
    Action on_read_failed(bool eof, std::string_view why);

    // After done with an error: prefer (after TLS) or allow (after plain text) may try once more
    // the other way on a new connection, as libpq does.
    bool fallback() const noexcept { return fallback_; }
    bool tls() const noexcept { return tls_; }
    bool awaiting_ssl_reply() const noexcept { return phase_ == Phase::ssl_reply; }
    bool in_tls_handshake() const noexcept { return phase_ == Phase::tls_handshake; }
    // After done without error.
    std::int32_t backend_pid() const noexcept { return pid_; }
    std::int32_t backend_secret() const noexcept { return secret_; }
    char transaction_status() const noexcept { return tx_status_; }

private:
    enum class Phase : std::uint8_t {
        begin,
        ssl_reply,       // SSLRequest sent, waiting for 'S' or 'N'
        tls_handshake,   // the driver runs the handshake
        authenticating,  // StartupMessage sent, until AuthenticationOk
        deriving_keys,   // SCRAM: the driver runs the key derivation
        authenticated,   // AuthenticationOk came: BackendKeyData, until ReadyForQuery
        done,
    };
    Action send_startup(proto::Bytes& out);
    Action on_authentication(const proto::Authentication& a, proto::Bytes& out);
    Action on_sasl(const proto::Authentication& a, proto::Bytes& out);
    Action on_error_response(const proto::ErrorResponse& e);
    Action fail(Errc code, std::string why, bool fallback = false);
    bool fallback_allowed() const noexcept;  // prefer/allow, not yet retried, over TCP
    std::optional<Action> auth_refused(AuthMethod method, const char* what);
    bool has_password() const noexcept;

    StartupSettings s_;
    Phase phase_ = Phase::begin;
    bool tls_ = false;     // this attempt asks for TLS (an 'N' under prefer/allow clears it)
    bool tls_up_ = false;  // the handshake completed
    bool retried_ = false;
    bool fallback_ = false;
    bool authenticated_ = false;                 // the server asked for some authentication
    bool scram_binds_ = false;                   // the SCRAM exchange under way binds the channel (PLUS)
    bool scram_plus_ = false;                    // a SCRAM-SHA-256-PLUS exchange completed
    std::string binding_;                        // tls-server-end-point data, once TLS is up
    std::unique_ptr<proto::ScramClient> scram_;  // away with the driver while it derives keys
    std::unique_ptr<KeyDerivation> derivation_;  // waiting for the driver to take it
    std::int32_t pid_ = 0, secret_ = 0;
    char tx_status_ = 'I';
};

}  // namespace uvpg::detail::ops
