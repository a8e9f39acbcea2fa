// Connection parameters: libpq connection strings, merged with ConnectOptions, the PG*
// environment, the password file and libpq's defaults. Messages name the offending part of a
// DSN but never show a password, not even a fragment of a misquoted one.
#include "lib/dsn.hpp"

#include <uvpg/errors.hpp>

#include <netdb.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace uvpg::detail {
namespace {

// libpq's keywords (PQconninfoOptions up to PostgreSQL 18) so that real DSNs parse; uvpg uses
// the ones ConnParams has. "timeout" and "statement_cache_size" are uvpg's own; "requiressl" is
// rewritten as libpq does.
constexpr std::string_view kKeywords[] = {
    "service", "user", "password", "passfile", "channel_binding", "connect_timeout", "dbname",
    "host", "hostaddr", "port", "client_encoding", "options", "application_name",
    "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
    "keepalives_count", "tcp_user_timeout", "sslmode", "sslnegotiation", "sslcompression",
    "sslcert", "sslkey", "sslcertmode", "sslpassword", "sslrootcert", "sslcrl", "sslcrldir",
    "sslsni", "sslkeylogfile", "requirepeer", "require_auth", "min_protocol_version",
    "max_protocol_version", "ssl_min_protocol_version", "ssl_max_protocol_version",
    "gssencmode", "krbsrvname", "gsslib", "gssdelegation", "replication",
    "target_session_attrs", "load_balance_hosts", "scram_client_key", "scram_server_key",
    "oauth_issuer", "oauth_client_id", "oauth_client_secret", "oauth_scope", "requiressl",
    "timeout", "statement_cache_size",
};

bool is_keyword(std::string_view key) {
    return std::find(std::begin(kKeywords), std::end(kKeywords), key) != std::end(kKeywords);
}

// Values that appear neither in messages nor in dsn_masked.
bool is_secret(std::string_view key) {
    return key == "password" || key == "sslpassword" || key == "oauth_client_secret" ||
           key == "scram_client_key" || key == "scram_server_key";
}

// isspace() in the C locale, which is what libpq's parser effectively uses.
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

[[noreturn]] void bad(std::string message) { throw ProgrammingError(std::move(message)); }

void check_port(std::string_view value) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), port);
    if (value.empty() || value.size() > 5 || ec != std::errc() ||
        end != value.data() + value.size() || port < 1 || port > 65535)
        bad("invalid port number: " + quote(value));
}

// libpq reads connect_timeout as an integer with optional blanks around it.
double parse_connect_timeout(std::string_view text) {
    std::string_view value = trim(text);
    if (!value.empty() && value.front() == '+') value.remove_prefix(1);
    long seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
        seconds > 2147483647)
        bad("invalid integer value " + quote(text) + " for connection option \"connect_timeout\"");
    if (seconds < 0)
        bad("invalid connect_timeout value: " + quote(text) + " (seconds, 0 for none)");
    return static_cast<double>(seconds);
}

double check_seconds(double seconds, std::string_view key) {
    if (!std::isfinite(seconds) || seconds < 0)
        bad("invalid " + std::string(key) + " value: must be 0 or more seconds");
    return seconds;
}

// uvpg's per-operation timeout, in seconds, fractions allowed.
double parse_timeout(std::string_view text) {
    std::string_view value = trim(text);
    double seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() ||
        !std::isfinite(seconds) || seconds < 0)
        bad("invalid timeout value: " + quote(text) + " (seconds, 0 for none)");
    return seconds;
}

// uvpg's statement cache size: a whole number of statements, 0 for no cache (operators reach a
// DSN, not the code: 0 is what a pooler without prepared statement support needs).
std::size_t parse_statement_cache_size(std::string_view text) {
    std::string_view value = trim(text);
    if (!value.empty() && value.front() == '+') value.remove_prefix(1);
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size())
        bad("invalid statement_cache_size value: " + quote(text) + " (statements to keep prepared, 0 for none)");
    return n;
}

// Checks one value wherever it came from (DSN, options, environment).
void check_value(std::string_view key, std::string_view value) {
    if (value.find('\0') != std::string_view::npos)
        bad("connection option " + quote(key) + " contains a NUL byte");
    if ((key == "host" || key == "hostaddr" || key == "port") &&
        value.find(',') != std::string_view::npos)
        throw NotSupportedError("multiple hosts are not supported yet (" + std::string(key) + "=" +
                                std::string(value) + ")");
    if (value.empty()) return;  // an empty value means "the default" for all of these
    if (key == "port") check_port(value);
    else if (key == "connect_timeout") parse_connect_timeout(value);
    else if (key == "timeout") parse_timeout(value);
    else if (key == "statement_cache_size") parse_statement_cache_size(value);
}

// Stores key=value, replacing an earlier value in place: the last one wins, as in libpq.
void store(KeyValues& out, std::string key, std::string value) {
    if (key == "requiressl") {
        value = !value.empty() && value[0] == '1' ? "require" : "prefer";
        key = "sslmode";
    }
    check_value(key, value);
    for (auto& [k, v] : out) {
        if (k == key) {
            v = std::move(value);
            return;
        }
    }
    out.emplace_back(std::move(key), std::move(value));
}

KeyValues parse_keyvalue(std::string_view dsn) {
    KeyValues out;
    std::string previous;  // keyword of the last value read
    std::size_t i = 0;
    const std::size_t n = dsn.size();
    while (i < n) {
        if (is_space(dsn[i])) {
            ++i;
            continue;
        }
        const std::size_t start = i;
        while (i < n && dsn[i] != '=' && !is_space(dsn[i])) ++i;
        std::string key(dsn.substr(start, i - start));
        while (i < n && is_space(dsn[i])) ++i;
        // Right after a secret, a stray word is most likely the rest of an unquoted password.
        const bool after_secret = is_secret(previous);
        if (i == n || dsn[i] != '=') {
            if (after_secret)
                bad("missing \"=\" after the value of " + quote(previous) +
                    " in connection info string (quote values that contain spaces)");
            bad("missing \"=\" after " + quote(key) + " in connection info string");
        }
        ++i;
        while (i < n && is_space(dsn[i])) ++i;
        std::string value;
        if (i < n && dsn[i] == '\'') {
            ++i;
            for (;;) {
                if (i == n)
                    bad("unterminated quoted string in connection info string (value of " +
                        quote(key) + ")");
                const char c = dsn[i++];
                if (c == '\\') {
                    if (i < n) value += dsn[i++];
                } else if (c == '\'') {
                    break;
                } else {
                    value += c;
                }
            }
        } else {
            while (i < n && !is_space(dsn[i])) {
                const char c = dsn[i++];
                if (c == '\\') {
                    if (i < n) value += dsn[i++];
                } else {
                    value += c;
                }
            }
        }
        if (!is_keyword(key)) {
            if (after_secret)
                bad("invalid connection option after the value of " + quote(previous) +
                    " (quote values that contain spaces)");
            bad("invalid connection option " + quote(key));
        }
        store(out, key, std::move(value));
        previous = std::move(key);
    }
    return out;
}

bool hex_digit(char c, int& v) {
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return false;
    return true;
}

// Percent-decodes one URI component; `part` names it in messages, which show the text only
// when it is not a secret. Spaces around a component are dropped, inside it rejected (libpq).
std::string uri_decode(std::string_view raw, std::string_view part, bool secret) {
    auto where = [&] {
        return " in URI " + std::string(part) + (secret ? std::string() : " " + quote(raw));
    };
    std::string_view s = raw;
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == ' ')
            bad("unexpected spaces" + where() + ", use percent-encoded spaces (%20) instead");
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        int hi = 0, lo = 0;
        if (i + 2 >= s.size() || !hex_digit(s[i + 1], hi) || !hex_digit(s[i + 2], lo))
            bad("invalid percent-encoded token" + where());
        if (hi == 0 && lo == 0) bad("forbidden value %00" + where());
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

void parse_uri_query(std::string_view params, KeyValues& out) {
    while (!params.empty()) {
        const std::size_t amp = params.find('&');
        const std::string_view param = params.substr(0, amp);
        params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
        const std::size_t eq = param.find('=');
        const std::string_view raw_key = param.substr(0, eq);
        if (eq == std::string_view::npos)
            bad("missing key/value separator \"=\" in URI query parameter " + quote(raw_key));
        if (param.find('=', eq + 1) != std::string_view::npos)
            bad("extra key/value separator \"=\" in URI query parameter " + quote(raw_key));
        std::string key = uri_decode(raw_key, "query parameter name", false);
        std::string value =
            uri_decode(param.substr(eq + 1), "query parameter " + quote(key), is_secret(key));
        if (key == "ssl" && value == "true") {  // JDBC's spelling, which libpq accepts
            key = "sslmode";
            value = "require";
        }
        if (!is_keyword(key)) bad("invalid URI query parameter: " + quote(key));
        store(out, std::move(key), std::move(value));
    }
}

// [user[:password]@][host][:port][/dbname][?key=value&...], after the scheme.
KeyValues parse_uri(std::string_view rest) {
    KeyValues out;
    const std::size_t authority_end = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, authority_end);
    std::string_view tail =
        authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);

    // The last '@' ends the credentials, so that an unencoded '@' in a password still works.
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view credentials = authority.substr(0, at);
        const std::size_t colon = credentials.find(':');
        std::string user = uri_decode(credentials.substr(0, colon), "user name", false);
        if (!user.empty()) store(out, "user", std::move(user));
        if (colon != std::string_view::npos) {
            std::string password = uri_decode(credentials.substr(colon + 1), "password", true);
            if (!password.empty()) store(out, "password", std::move(password));
        }
        authority = authority.substr(at + 1);
    }

    std::string_view host = authority;
    std::string_view port;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos)
            bad("missing \"]\" after the IPv6 host address in URI");
        host = authority.substr(1, close - 1);
        if (host.empty()) bad("IPv6 host address may not be empty in URI");
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty() && after.front() == ',')
            throw NotSupportedError("multiple hosts are not supported yet");
        if (!after.empty() && after.front() != ':')
            bad("unexpected character " + quote(after.substr(0, 1)) +
                " after the IPv6 host address in URI (expected \":\" or \"/\")");
        if (!after.empty()) port = after.substr(1);
    } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.find(',') != std::string_view::npos || port.find(',') != std::string_view::npos)
        throw NotSupportedError("multiple hosts are not supported yet");
    // Empty parts are left out, so that PGHOST, PGPORT and PGDATABASE still apply (libpq).
    if (std::string h = uri_decode(host, "host", false); !h.empty())
        store(out, "host", std::move(h));
    if (std::string p = uri_decode(port, "port", false); !p.empty())
        store(out, "port", std::move(p));

    if (!tail.empty() && tail.front() == '/') {
        const std::size_t q = tail.find('?');
        const std::string_view db = tail.substr(1, q == std::string_view::npos ? q : q - 1);
        if (std::string d = uri_decode(db, "database name", false); !d.empty())
            store(out, "dbname", std::move(d));
        tail = q == std::string_view::npos ? std::string_view() : tail.substr(q);
    }
    if (!tail.empty()) parse_uri_query(tail.substr(1), out);
    return out;
}

// Keywords uvpg cannot honour. Ignoring them would quietly weaken what the user asked for
// (encryption, authentication, peer checks) or connect somewhere else (service files), so
// they are refused instead; harmless values pass.
bool non_empty(std::string_view v) { return !v.empty(); }
bool is_require(std::string_view v) { return v == "require"; }
bool not_false(std::string_view v) {
    return !v.empty() && v != "false" && v != "off" && v != "no" && v != "0";
}
bool not_any(std::string_view v) { return !v.empty() && v != "any" && v != "prefer-standby"; }

struct Refused {
    std::string_view key;
    const char* envvar;
    bool (*refused)(std::string_view);
    const char* why;
};
constexpr Refused kRefused[] = {
    {"service", "PGSERVICE", non_empty, "service files are not supported yet"},
    {"replication", nullptr, not_false, "replication connections are not supported"},
    {"gssencmode", "PGGSSENCMODE", is_require, "GSSAPI encryption is not supported"},
    {"sslcertmode", "PGSSLCERTMODE", is_require, "sslcertmode=require is not supported yet"},
    {"requirepeer", "PGREQUIREPEER", non_empty, "requirepeer is not supported yet"},
    {"target_session_attrs", "PGTARGETSESSIONATTRS", not_any,
     "target_session_attrs other than \"any\" or \"prefer-standby\" is not supported yet"},
};

std::string normalize_sslmode(const std::string& mode) {
    if (mode.empty()) return "prefer";
    if (mode == "disable" || mode == "allow" || mode == "prefer" || mode == "require" || mode == "verify-ca" ||
        mode == "verify-full")
        return mode;
    bad("invalid sslmode value: " + quote(mode));
}

// require_auth (libpq 16): a comma-separated list of methods, all plain or all negated with
// '!'; returns the methods allowed.
std::vector<std::string> parse_require_auth(const std::string& list) {
    static const char* const methods[] = {"password", "md5", "gss", "sspi", "scram-sha-256", "none"};
    std::vector<std::string> given;
    bool negated = false, plain = false;
    std::size_t at = 0;
    while (at <= list.size()) {
        std::size_t comma = list.find(',', at);
        if (comma == std::string::npos) comma = list.size();
        std::string m = list.substr(at, comma - at);
        at = comma + 1;
        const bool neg = !m.empty() && m[0] == '!';
        if (neg) m.erase(0, 1);
        bool known = false;
        for (const char* k : methods) known = known || m == k;
        if (!known) bad("invalid require_auth value: " + quote(list) + " (unknown method " + quote(m) + ")");
        (neg ? negated : plain) = true;
        if (negated && plain) bad("invalid require_auth value: " + quote(list) + " (negative and positive methods cannot be mixed)");
        for (const auto& g : given)
            if (g == m) bad("invalid require_auth value: " + quote(list) + " (method " + quote(m) + " is listed twice)");
        given.push_back(m);
    }
    if (!negated) return given;
    std::vector<std::string> allowed;
    for (const char* k : methods) {
        bool excluded = false;
        for (const auto& g : given) excluded = excluded || g == k;
        if (!excluded) allowed.emplace_back(k);
    }
    return allowed;
}

// PostgreSQL compares encoding names ignoring case and punctuation ("utf-8" is UTF8).
std::string normalize_encoding(const std::string& name) {
    std::string key;
    for (char c : name)
        if (std::isalnum(static_cast<unsigned char>(c)))
            key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // "auto" would follow the locale in libpq; uvpg speaks UTF8 whatever the locale.
    if (key.empty() || key == "utf8" || key == "unicode" || key == "auto") return "UTF8";
    throw NotSupportedError("client_encoding " + quote(name) +
                            " is not supported: uvpg speaks UTF8 only");
}

void check_hostaddr(const std::string& addr) {
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST;  // parses, never looks anything up
    hints.ai_family = AF_UNSPEC;
    addrinfo* res = nullptr;
    if (getaddrinfo(addr.c_str(), nullptr, &hints, &res) != 0)
        bad("invalid hostaddr value: " + quote(addr) + " (a numeric IPv4 or IPv6 address)");
    freeaddrinfo(res);
}

std::string format_seconds(double seconds) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, seconds);
    return ec == std::errc() ? std::string(buf, end) : std::string("?");
}

// A value as a connection string needs it: quoted when empty or holding blanks, quotes or
// backslashes, with ' and \ escaped.
std::string dsn_value(std::string_view v) {
    const bool plain = !v.empty() && std::none_of(v.begin(), v.end(), [](char c) {
        return is_space(c) || c == '\'' || c == '\\';
    });
    if (plain) return std::string(v);
    std::string out = "'";
    for (char c : v) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

// psycopg2's dsn: the DSN's pairs with the set options merged in, the password as "xxx".
std::string masked_dsn(KeyValues given, const ConnectOptions& o) {
    auto put = [&](std::string_view key, const auto& value) {
        if (!value) return;
        for (auto& [k, v] : given) {
            if (k == key) {
                v = std::string(*value);
                return;
            }
        }
        given.emplace_back(std::string(key), std::string(*value));
    };
    auto seconds = [](const std::optional<double>& v) -> std::optional<std::string> {
        if (!v) return std::nullopt;
        return format_seconds(*v);
    };
    put("host", o.host);
    put("hostaddr", o.hostaddr);
    put("port", o.port);
    put("dbname", o.dbname);
    put("user", o.user);
    put("password", o.password);
    put("passfile", o.passfile);
    put("sslmode", o.sslmode);
#define UVPG_PUT_OPTION_FIELD(name) put(#name, o.name);
    UVPG_TLS_OPTION_FIELDS(UVPG_PUT_OPTION_FIELD)
#undef UVPG_PUT_OPTION_FIELD
    put("application_name", o.application_name);
    put("fallback_application_name", o.fallback_application_name);
    put("client_encoding", o.client_encoding);
    put("options", o.options);
    put("connect_timeout", seconds(o.connect_timeout));
    put("timeout", seconds(o.timeout));
    std::string out;
    for (const auto& [k, v] : given) {
        if (!out.empty()) out += ' ';
        out += k + "=" + (is_secret(k) ? std::string("xxx") : dsn_value(v));
    }
    return out;
}

struct PasswdEntry {
    std::string name;
    std::string dir;
};

PasswdEntry passwd_entry() {
    std::string buf(16384, '\0');
    passwd pw{};
    passwd* found = nullptr;
    int rc;
    while ((rc = getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &found)) == ERANGE &&
           buf.size() < (1u << 20))
        buf.resize(buf.size() * 2);
    if (rc != 0 || found == nullptr) return {};
    return {found->pw_name ? found->pw_name : "", found->pw_dir ? found->pw_dir : ""};
}

}  // namespace

KeyValues parse_dsn(std::string_view dsn) {
    if (dsn.find('\0') != std::string_view::npos) bad("connection string contains a NUL byte");
    for (std::string_view scheme : {"postgresql://", "postgres://"})
        if (dsn.starts_with(scheme)) return parse_uri(dsn.substr(scheme.size()));
    return parse_keyvalue(dsn);
}

std::string ConnParams::socket_path() const { return host + "/.s.PGSQL." + port; }

KeyValues ConnParams::startup_params() const {
    KeyValues out{{"user", user}, {"database", dbname}};
    if (!application_name.empty()) out.emplace_back("application_name", application_name);
    out.emplace_back("client_encoding", client_encoding);
    // Dates and times in text results (simple queries) are read in ISO form, as pgjdbc asks
    // too; a DateStyle the user sets in options wins.
    std::string lower_options = options;
    for (char& c : lower_options) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower_options.find("datestyle") == std::string::npos) out.emplace_back("DateStyle", "ISO, MDY");
    if (!options.empty()) out.emplace_back("options", options);
    return out;
}

Environment Environment::system() {
    Environment env;
    env.getenv = [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (v == nullptr) return std::nullopt;
        return std::string(v);
    };
    env.home_dir = [] {
        const char* home = std::getenv("HOME");
        return home != nullptr && *home != '\0' ? std::string(home) : passwd_entry().dir;
    };
    env.os_user = [] { return passwd_entry().name; };
    return env;
}

ConnParams resolve_params(std::string_view dsn, const ConnectOptions& o, const Environment& env) {
    const KeyValues given = parse_dsn(dsn);
    auto from_dsn = [&](std::string_view key) -> std::optional<std::string> {
        for (const auto& [k, v] : given)
            if (k == key) return v;
        return std::nullopt;
    };
    auto from_env = [&](const char* name) -> std::optional<std::string> {
        if (name == nullptr || !env.getenv) return std::nullopt;
        return env.getenv(name);
    };
    // A set option, else the DSN, else the environment. A given empty value still counts (it
    // hides the environment, as in libpq) and then means the default.
    auto pick = [&](const std::optional<std::string_view>& option, std::string_view key,
                    const char* envvar) -> std::optional<std::string> {
        std::optional<std::string> v;
        if (option) v.emplace(*option);
        if (!v) v = from_dsn(key);
        if (!v) v = from_env(envvar);
        if (v) check_value(key, *v);
        return v;
    };
    auto value = [&](const std::optional<std::string_view>& option, std::string_view key,
                     const char* envvar) { return pick(option, key, envvar).value_or(""); };

    for (const Refused& r : kRefused) {
        std::optional<std::string> v = from_dsn(r.key);
        if (!v) v = from_env(r.envvar);
        if (v && r.refused(*v))
            throw NotSupportedError(std::string(r.why) + " (" + std::string(r.key) + "=" + *v +
                                    ")");
    }

    ConnParams p;
    p.hostaddr = value(o.hostaddr, "hostaddr", "PGHOSTADDR");
    if (!p.hostaddr.empty()) check_hostaddr(p.hostaddr);
    p.host = value(o.host, "host", "PGHOST");
    if (p.host.empty() && p.hostaddr.empty()) p.host = kDefaultSocketDir;
    p.port = value(o.port, "port", "PGPORT");
    if (p.port.empty()) p.port = kDefaultPort;

    p.user = value(o.user, "user", "PGUSER");
    if (p.user.empty() && env.os_user) p.user = env.os_user();
    if (p.user.empty())
        throw OperationalError("could not find the name of the operating system user; set user");
    p.dbname = value(o.dbname, "dbname", "PGDATABASE");
    if (p.dbname.empty()) p.dbname = p.user;

    std::optional<std::string> sslmode = pick(o.sslmode, "sslmode", "PGSSLMODE");
    if (!sslmode) {
        // libpq: the deprecated PGREQUIRESSL, and sslrootcert=system asking for verification.
        const std::optional<std::string> requiressl = from_env("PGREQUIRESSL");
        std::optional<std::string> rootcert = from_dsn("sslrootcert");
        if (!rootcert) rootcert = from_env("PGSSLROOTCERT");
        if (requiressl && !requiressl->empty() && (*requiressl)[0] == '1') sslmode = "require";
        else if (rootcert == "system") sslmode = "verify-full";
    }
    p.sslmode = normalize_sslmode(sslmode.value_or(""));
    const bool sslmode_given = sslmode && !sslmode->empty();

    TlsParams& t = p.tls;
    t.sslmode = p.sslmode;
    t.rootcert = value(o.sslrootcert, "sslrootcert", "PGSSLROOTCERT");
    t.cert = value(o.sslcert, "sslcert", "PGSSLCERT");
    t.key = value(o.sslkey, "sslkey", "PGSSLKEY");
    t.crl = value(o.sslcrl, "sslcrl", "PGSSLCRL");
    t.password = value(o.sslpassword, "sslpassword", nullptr);
    const std::string sni = value(o.sslsni, "sslsni", "PGSSLSNI");
    if (!sni.empty() && sni != "0" && sni != "1") bad("invalid sslsni value: " + quote(sni));
    t.sni = sni != "0";
    const std::string min_version = value(o.ssl_min_protocol_version, "ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION");
    const std::string max_version = value(o.ssl_max_protocol_version, "ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION");
    auto version_rank = [](const std::string& v) {
        const char* const names[] = {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
        for (int i = 0; i < 4; ++i)
            if (v == names[i]) return i;
        return -1;
    };
    if (!min_version.empty() && version_rank(min_version) < 0)
        bad("invalid ssl_min_protocol_version value: " + quote(min_version));
    if (!max_version.empty() && version_rank(max_version) < 0)
        bad("invalid ssl_max_protocol_version value: " + quote(max_version));
    if (!min_version.empty()) t.min_protocol = min_version;
    t.max_protocol = max_version;
    if (!t.max_protocol.empty() && version_rank(t.min_protocol) > version_rank(t.max_protocol))
        bad("invalid SSL protocol version range: " + t.min_protocol + " is above " + t.max_protocol);
    t.sslnegotiation = value(o.sslnegotiation, "sslnegotiation", "PGSSLNEGOTIATION");
    if (t.sslnegotiation.empty()) t.sslnegotiation = "postgres";
    if (t.sslnegotiation != "postgres" && t.sslnegotiation != "direct")
        bad("invalid sslnegotiation value: " + quote(t.sslnegotiation));
    if (t.sslnegotiation == "direct" && p.sslmode != "require" && p.sslmode != "verify-ca" && p.sslmode != "verify-full")
        bad("weak sslmode \"" + p.sslmode +
            "\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")");
    if (t.rootcert == "system" && sslmode_given && p.sslmode != "verify-full")
        bad("weak sslmode \"" + p.sslmode + "\" may not be used with sslrootcert=system (use \"verify-full\")");
    t.channel_binding = value(o.channel_binding, "channel_binding", "PGCHANNELBINDING");
    if (t.channel_binding.empty()) t.channel_binding = "prefer";
    if (t.channel_binding != "disable" && t.channel_binding != "prefer" && t.channel_binding != "require")
        bad("invalid channel_binding value: " + quote(t.channel_binding));
    if (env.home_dir) t.home = env.home_dir();
    const std::string require_auth = value(o.require_auth, "require_auth", "PGREQUIREAUTH");
    if (!require_auth.empty()) p.allowed_auth = parse_require_auth(require_auth);
    p.require_auth = require_auth;

    p.client_encoding =
        normalize_encoding(value(o.client_encoding, "client_encoding", "PGCLIENTENCODING"));
    p.application_name = value(o.application_name, "application_name", "PGAPPNAME");
    if (p.application_name.empty())
        p.application_name =
            value(o.fallback_application_name, "fallback_application_name", nullptr);
    p.options = value(o.options, "options", "PGOPTIONS");

    double connect_timeout = 0;
    if (o.connect_timeout) connect_timeout = check_seconds(*o.connect_timeout, "connect_timeout");
    else if (auto t = pick(std::nullopt, "connect_timeout", "PGCONNECT_TIMEOUT"); t && !t->empty())
        connect_timeout = parse_connect_timeout(*t);
    // libpq: a positive timeout below 2 s becomes 2 s, so that rounding never makes it ~0.
    p.connect_timeout = connect_timeout <= 0 ? 0 : std::max(connect_timeout, 2.0);

    double timeout = 0;
    if (o.timeout) timeout = check_seconds(*o.timeout, "timeout");
    else if (auto t = from_dsn("timeout"); t && !t->empty()) timeout = parse_timeout(*t);
    if (timeout > 0) p.timeout = timeout;
    p.loop = o.loop;
    if (o.statement_cache_size) p.statement_cache_size = *o.statement_cache_size;
    else if (auto n = from_dsn("statement_cache_size"); n && !n->empty())
        p.statement_cache_size = parse_statement_cache_size(*n);
    if (o.max_pipeline) p.max_pipeline = *o.max_pipeline;
    if (o.max_message_size) {
        if (*o.max_message_size < 1024)
            throw ProgrammingError("invalid max_message_size value: " + std::to_string(*o.max_message_size) +
                                   " (at least 1024 bytes)");
        p.max_message = *o.max_message_size;
    }

    p.password = pick(o.password, "password", "PGPASSWORD");
    if (!p.password || p.password->empty()) {
        std::string passfile = value(o.passfile, "passfile", "PGPASSFILE");
        if (passfile.empty() && env.home_dir) {
            const std::string home = env.home_dir();
            if (!home.empty()) passfile = home + "/.pgpass";
        }
        if (!passfile.empty()) {
            const std::string& pwhost = p.host.empty() ? p.hostaddr : p.host;
            if (auto found = pgpass_lookup(passfile, pwhost, p.port, p.dbname, p.user))
                p.password = std::move(found);
        }
    }
    p.dsn_masked = masked_dsn(given, o);
    return p;
}

}  // namespace uvpg::detail
