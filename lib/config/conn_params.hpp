// Connection parameters: libpq connection strings (key=value and postgresql:// URIs), merged
// with ConnectOptions, the PG* environment variables, ~/.pgpass and libpq's defaults.
#pragma once
#include <uvpg/options.hpp>

#include "lib/config/tls_params.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uvpg::detail {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// libpq's defaults as Debian builds it: the server's socket directory, and the port.
inline constexpr const char* kDefaultSocketDir = "/var/run/postgresql";
inline constexpr const char* kDefaultPort = "5432";

// Parses a libpq connection string: "key=value key2='quoted \' value'" or a URI
// "postgresql://user:pass@host:port/db?key=value" (also "postgres://"), percent-decoded.
// Keywords must be libpq's; an unknown keyword, a missing '=', an unterminated quote, a bad
// percent escape or a bad port throw ProgrammingError naming the offending part, never the
// password. Comma-separated host lists throw NotSupportedError (not yet).
KeyValues parse_dsn(std::string_view dsn);

// Checks of single values, shared by the parser and by the merging of options and the
// environment (lib/config/dsn_parse.cpp): ProgrammingError naming the key for a bad value.
bool is_secret(std::string_view key);  // values shown neither in messages nor in dsn_masked
bool is_space(char c);
void check_value(std::string_view key, std::string_view value);
double parse_connect_timeout(std::string_view text);
double parse_timeout(std::string_view text);
double check_seconds(double seconds, std::string_view key);
std::size_t parse_statement_cache_size(std::string_view text);

// Everything needed to open a connection, every default applied.
struct ConnParams {
    std::string host;      // hostname/address, or a unix socket directory (starts with '/')
    std::string hostaddr;  // numeric address to connect to instead of resolving host
    std::string port = "5432";
    std::string dbname;
    std::string user;
    std::optional<std::string> password;  // from the DSN, options, PGPASSWORD or the passfile
    SslModeValue sslmode = SslMode::prefer;
    TlsParams tls;  // every TLS keyword; tls.sslmode == sslmode
    // require_auth: the methods the server may use ("password", "md5", "scram-sha-256",
    // "none"); empty = any. libpq's "!" lists are turned into this positive set, by name and
    // as the set of bits startup checks (which alone tells "every method negated": none allowed).
    std::vector<std::string> allowed_auth;
    AuthMethods auth_methods;
    std::string require_auth;  // as given, for messages
    TargetSessionAttrsValue target_session_attrs = TargetSessionAttrs::any;
    std::string application_name;
    std::string client_encoding = "UTF8";
    std::string options;            // sent as the startup "options" parameter when not empty
    double connect_timeout = 0;     // seconds, 0 = none (libpq: values 1 treated as 2)
    std::optional<double> timeout;  // per-operation timeout in seconds
    uv_loop_t* loop = nullptr;
    std::size_t max_message = std::size_t{1} << 30;  // largest backend message accepted
    std::size_t statement_cache_size = 100;          // named prepared statements kept; 0 = none
    std::size_t max_pipeline = 1000;                 // requests in flight on one connection; 0 = no bound
    std::string dsn_masked;                          // the given parameters as "key=value ...", password as "xxx"

    bool is_unix_socket() const { return !host.empty() && host[0] == '/'; }
    // Path of the unix socket: <host>/.s.PGSQL.<port>.
    std::string socket_path() const;
    // StartupMessage parameters: user, database, application_name, client_encoding, options.
    KeyValues startup_params() const;
};

// Source of environment variables and of the home directory, replaceable in tests.
struct Environment {
    std::function<std::optional<std::string>(const char* name)> getenv;  // default: ::getenv
    std::function<std::string()> home_dir;                               // default: $HOME, else the passwd entry
    std::function<std::string()> os_user;                                // default: the passwd entry of geteuid()
    static Environment system();
};

// Merges: set ConnectOptions fields > DSN > PG* environment > passfile (password only) > defaults.
// Throws ProgrammingError for a bad DSN or a bad value (port not a number, negative timeout,
// statement_cache_size not a whole number, unknown sslmode or channel_binding, a bad require_auth list);
// NotSupportedError for several hosts, a client_encoding other than UTF8, and keywords whose demands uvpg cannot meet
// (service, replication, gssencmode/sslcertmode=require, requirepeer, target_session_attrs other than
// any/prefer-standby); OperationalError when no user name is given and the OS user cannot be found.
ConnParams resolve_params(std::string_view dsn, const ConnectOptions& options,
                          const Environment& env = Environment::system());

// ~/.pgpass lookup with libpq's rules: lines host:port:db:user:password, '*' matches anything,
// '\' escapes ':' and '\'; lines starting with '#' are comments; the first matching line wins.
// An empty host or the default socket directory matches as "localhost" (other socket
// directories match literally, as in libpq). A missing file gives nullopt silently; the file is
// ignored (with a warning on stderr, as libpq) when it is not a plain file or when group or
// others have any access to it.
std::optional<std::string> pgpass_lookup(const std::string& path, const std::string& host, const std::string& port,
                                         const std::string& dbname, const std::string& user);

}  // namespace uvpg::detail
