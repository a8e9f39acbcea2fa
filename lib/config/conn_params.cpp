// Connection parameters: a parsed connection string (lib/config/dsn_parse.cpp) merged with
// ConnectOptions, the PG* environment, the password file and libpq's defaults. Messages name
// the offending part of a DSN but never show a password.
#include "lib/config/conn_params.hpp"

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
std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

[[noreturn]] void bad(std::string message) { throw ProgrammingError(std::move(message)); }

// Keywords uvpg cannot honour. Ignoring them would quietly weaken what the user asked for
// (encryption, authentication, peer checks) or connect somewhere else (service files), so
// they are refused instead; harmless values pass.
bool non_empty(std::string_view v) { return !v.empty(); }
bool is_require(std::string_view v) { return v == "require"; }
bool not_false(std::string_view v) { return !v.empty() && v != "false" && v != "off" && v != "no" && v != "0"; }
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

SslModeValue parse_sslmode(const std::string& mode) {
    if (mode.empty()) return SslMode::prefer;
    if (auto m = SslModeValue::parse(mode)) return *m;
    bad("invalid sslmode value: " + quote(mode));
}

// require_auth (libpq 16): a comma-separated list of methods, all plain or all negated with
// '!'; returns the methods allowed.
std::vector<std::string> parse_require_auth(const std::string& list) {
    const auto& methods = kAuthMethodNames;
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
        for (std::string_view k : methods) known = known || m == k;
        if (!known) bad("invalid require_auth value: " + quote(list) + " (unknown method " + quote(m) + ")");
        (neg ? negated : plain) = true;
        if (negated && plain)
            bad("invalid require_auth value: " + quote(list) + " (negative and positive methods cannot be mixed)");
        for (const auto& g : given)
            if (g == m)
                bad("invalid require_auth value: " + quote(list) + " (method " + quote(m) + " is listed twice)");
        given.push_back(m);
    }
    if (!negated) return given;
    std::vector<std::string> allowed;
    for (std::string_view k : methods) {
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
    throw NotSupportedError("client_encoding " + quote(name) + " is not supported: uvpg speaks UTF8 only");
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
    const bool plain =
        !v.empty() && std::none_of(v.begin(), v.end(), [](char c) { return is_space(c) || c == '\'' || c == '\\'; });
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
    put("sslrootcert", o.sslrootcert);
    put("sslcert", o.sslcert);
    put("sslkey", o.sslkey);
    put("sslcrl", o.sslcrl);
    put("sslpassword", o.sslpassword);
    put("sslsni", o.sslsni);
    put("ssl_min_protocol_version", o.ssl_min_protocol_version);
    put("ssl_max_protocol_version", o.ssl_max_protocol_version);
    put("sslnegotiation", o.sslnegotiation);
    put("channel_binding", o.channel_binding);
    put("require_auth", o.require_auth);
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
    while ((rc = getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &found)) == ERANGE && buf.size() < (1u << 20))
        buf.resize(buf.size() * 2);
    if (rc != 0 || found == nullptr) return {};
    return {found->pw_name ? found->pw_name : "", found->pw_dir ? found->pw_dir : ""};
}

}  // namespace

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
    auto value = [&](const std::optional<std::string_view>& option, std::string_view key, const char* envvar) {
        return pick(option, key, envvar).value_or("");
    };

    for (const Refused& r : kRefused) {
        std::optional<std::string> v = from_dsn(r.key);
        if (!v) v = from_env(r.envvar);
        if (v && r.refused(*v))
            throw NotSupportedError(std::string(r.why) + " (" + std::string(r.key) + "=" + *v + ")");
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
    if (p.user.empty()) throw OperationalError("could not find the name of the operating system user; set user");
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
    p.sslmode = parse_sslmode(sslmode.value_or(""));
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
    const std::string min_version =
        value(o.ssl_min_protocol_version, "ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION");
    const std::string max_version =
        value(o.ssl_max_protocol_version, "ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION");
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
    const std::string negotiation = value(o.sslnegotiation, "sslnegotiation", "PGSSLNEGOTIATION");
    if (!negotiation.empty()) {
        auto n = SslNegotiationValue::parse(negotiation);
        if (!n) bad("invalid sslnegotiation value: " + quote(negotiation));
        t.sslnegotiation = *n;
    }
    const std::string mode(p.sslmode.name());
    const bool verifies_or_requires =
        p.sslmode == SslMode::require || p.sslmode == SslMode::verify_ca || p.sslmode == SslMode::verify_full;
    if (t.sslnegotiation == SslNegotiation::direct && !verifies_or_requires)
        bad("weak sslmode \"" + mode +
            "\" may not be used with sslnegotiation=direct (use \"require\", \"verify-ca\", or \"verify-full\")");
    if (t.rootcert == "system" && sslmode_given && p.sslmode != SslMode::verify_full)
        bad("weak sslmode \"" + mode + "\" may not be used with sslrootcert=system (use \"verify-full\")");
    const std::string binding = value(o.channel_binding, "channel_binding", "PGCHANNELBINDING");
    if (!binding.empty()) {
        auto b = ChannelBindingValue::parse(binding);
        if (!b) bad("invalid channel_binding value: " + quote(binding));
        t.channel_binding = *b;
    }
    if (env.home_dir) t.home = env.home_dir();
    const std::string require_auth = value(o.require_auth, "require_auth", "PGREQUIREAUTH");
    if (!require_auth.empty()) {
        p.allowed_auth = parse_require_auth(require_auth);
        p.auth_methods.require();  // an empty list then allows nothing
    }
    for (const auto& m : p.allowed_auth) p.auth_methods.add(*AuthMethods::parse(m));
    p.require_auth = require_auth;
    // Only "any" and "prefer-standby" get here (kRefused); both take the first server that answers.
    if (auto tsa = pick(std::nullopt, "target_session_attrs", "PGTARGETSESSIONATTRS"); tsa && !tsa->empty())
        if (auto v = TargetSessionAttrsValue::parse(*tsa)) p.target_session_attrs = *v;

    p.client_encoding = normalize_encoding(value(o.client_encoding, "client_encoding", "PGCLIENTENCODING"));
    p.application_name = value(o.application_name, "application_name", "PGAPPNAME");
    if (p.application_name.empty())
        p.application_name = value(o.fallback_application_name, "fallback_application_name", nullptr);
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
            if (auto found = pgpass_lookup(passfile, pwhost, p.port, p.dbname, p.user)) p.password = std::move(found);
        }
    }
    p.dsn_masked = masked_dsn(given, o);
    return p;
}

}  // namespace uvpg::detail
