// Connection options: one field per libpq keyword uvpg supports, plus `loop` and `timeout`.
// Fields that are set override the DSN; unset ones come from PG* variables, ~/.pgpass and
// libpq's defaults.
#pragma once
#include <optional>
#include <string>

typedef struct uv_loop_s uv_loop_t;

namespace uvpg {

struct ConnectOptions {
    std::optional<std::string> host;              // name, address, or a unix socket dir (starts with '/')
    std::optional<std::string> hostaddr;          // numeric address, skips name lookup
    std::optional<std::string> port;              // default 5432
    std::optional<std::string> dbname;            // default: the user name
    std::optional<std::string> user;              // default: the OS user
    std::optional<std::string> password;
    std::optional<std::string> passfile;          // default ~/.pgpass
    std::optional<std::string> sslmode;           // disable, allow, prefer (default), require, verify-ca, verify-full
    std::optional<std::string> application_name;
    std::optional<std::string> fallback_application_name;
    std::optional<std::string> client_encoding;   // uvpg speaks UTF8 only
    std::optional<std::string> options;           // command-line options sent to the server (-c name=value)
    std::optional<double> connect_timeout;        // seconds; 0 or unset = wait forever (libpq)
    std::optional<double> timeout;                // seconds, per operation (aiopg's timeout); unset = none
    uv_loop_t* loop = nullptr;                    // nullptr = uv_default_loop()
};

}  // namespace uvpg
