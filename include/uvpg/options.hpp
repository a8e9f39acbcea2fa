// Connection options: one field per libpq keyword uvpg supports, plus uvpg's own (`timeout`,
// `max_message_size`, `statement_cache_size`, `max_pipeline`, `loop`).
// Fields that are set override the DSN; unset ones come from PG* variables, ~/.pgpass and
// libpq's defaults.
//
// The text fields are views: connect() and create_pool() copy them before they return, so
// they need to live only until that call returns. (Views, not strings, because g++ 12 destroys
// an aggregate temporary with non-trivial members twice when it is built inside a co_await
// expression, which is exactly how users write `co_await uvpg::connect({.host = h})`.)
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>

typedef struct uv_loop_s uv_loop_t;

namespace uvpg {

struct ConnectOptions {
    std::optional<std::string_view> host{};      // name, address, or a unix socket dir (starts with '/')
    std::optional<std::string_view> hostaddr{};  // numeric address, skips name lookup
    std::optional<std::string_view> port{};      // default 5432
    std::optional<std::string_view> dbname{};    // default: the user name
    std::optional<std::string_view> user{};      // default: the OS user
    std::optional<std::string_view> password{};
    std::optional<std::string_view> passfile{};  // default ~/.pgpass
    std::optional<std::string_view> sslmode{};   // disable, allow, prefer (default), require, verify-ca, verify-full
    // TLS and authentication, with libpq's meanings and defaults:
    std::optional<std::string_view>
        sslrootcert{};  // CA file to verify the server, or "system" (default ~/.postgresql/root.crt)
    std::optional<std::string_view> sslcert{};  // client certificate (default ~/.postgresql/postgresql.crt)
    std::optional<std::string_view> sslkey{};   // its key (default ~/.postgresql/postgresql.key)
    std::optional<std::string_view>
        sslcrl{};  // certificate revocation list (default ~/.postgresql/root.crl if present)
    std::optional<std::string_view> sslpassword{};  // for an encrypted sslkey
    std::optional<std::string_view> sslsni{};       // "1" (default) sends the host name in the handshake, "0" does not
    std::optional<std::string_view> ssl_min_protocol_version{};  // "TLSv1.2" (default) ... "TLSv1.3"
    std::optional<std::string_view> ssl_max_protocol_version{};
    std::optional<std::string_view>
        sslnegotiation{};  // "postgres" (default: SSLRequest first) or "direct" (TLS at once, PG 17)
    std::optional<std::string_view>
        channel_binding{};  // "disable", "prefer" (default), "require" (SCRAM-SHA-256-PLUS only)
    std::optional<std::string_view>
        require_auth{};  // methods the server may ask for: "scram-sha-256,md5", or "!password"...
    std::optional<std::string_view> application_name{};
    std::optional<std::string_view> fallback_application_name{};
    std::optional<std::string_view> client_encoding{};  // uvpg speaks UTF8 only
    std::optional<std::string_view> options{};          // command-line options sent to the server (-c name=value)
    std::optional<double> connect_timeout{};  // seconds; 0 or unset = wait forever; under 2 counts as 2 (libpq)
    std::optional<double> timeout{};          // seconds, per operation (aiopg's timeout); unset = none
    // uvpg's own: the largest message accepted from the server (default 1 GiB); a longer one
    // closes the connection with OperationalError before any of it is buffered.
    std::optional<std::size_t> max_message_size{};
    // uvpg's own: how many statements run with parameters each connection keeps prepared
    // (default 100, least recently used dropped first); 0 sends every one through the unnamed
    // statement. Also `statement_cache_size=N` in a DSN (this field wins). Statements are named
    // by a hash of their text and parameter types, so the cache is safe behind a transaction
    // pooler (pgbouncer): a name on any server connection means the same statement.
    std::optional<std::size_t> statement_cache_size{};
    // uvpg's own: how many requests one connection keeps in flight (pipelined; default 1000).
    // Cursors that share a connection send their statements without waiting for each other's
    // replies; past this many, the next one waits for the oldest reply. 0 = no bound.
    std::optional<std::size_t> max_pipeline{};
    uv_loop_t* loop = nullptr;  // nullptr = uv_default_loop()
};

}  // namespace uvpg
