// libpq connection strings into keywords and values: the key=value form and postgresql:// URIs,
// each value checked as it is read (lib/config/conn_params.cpp merges them with options and the environment).
// Messages name the offending part but never show a password, not even a fragment of a
// misquoted one.
#include "lib/config/conn_params.hpp"

#include <uvpg/errors.hpp>

#include <charconv>
#include <cmath>

namespace uvpg::detail {
namespace {

// libpq's keywords (PQconninfoOptions up to PostgreSQL 18) so that real DSNs parse; uvpg uses
// the ones ConnParams has. "timeout" and "statement_cache_size" are uvpg's own; "requiressl" is
// rewritten as libpq does.
constexpr std::string_view kKeywords[] = {
    "service",
    "user",
    "password",
    "passfile",
    "channel_binding",
    "connect_timeout",
    "dbname",
    "host",
    "hostaddr",
    "port",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "sslmode",
    "sslnegotiation",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslcertmode",
    "sslpassword",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslkeylogfile",
    "requirepeer",
    "require_auth",
    "min_protocol_version",
    "max_protocol_version",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "gssencmode",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "replication",
    "target_session_attrs",
    "load_balance_hosts",
    "scram_client_key",
    "scram_server_key",
    "oauth_issuer",
    "oauth_client_id",
    "oauth_client_secret",
    "oauth_scope",
    "requiressl",
    "timeout",
    "statement_cache_size",
};

bool is_keyword(std::string_view key) {
    return std::find(std::begin(kKeywords), std::end(kKeywords), key) != std::end(kKeywords);
}
}  // namespace

// Values that appear neither in messages nor in dsn_masked.
bool is_secret(std::string_view key) {
    return key == "password" || key == "sslpassword" || key == "oauth_client_secret" || key == "scram_client_key" ||
           key == "scram_server_key";
}

// isspace() in the C locale, which is what libpq's parser effectively uses.
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
namespace {

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
    if (value.empty() || value.size() > 5 || ec != std::errc() || end != value.data() + value.size() || port < 1 ||
        port > 65535)
        bad("invalid port number: " + quote(value));
}
}  // namespace

// libpq reads connect_timeout as an integer with optional blanks around it.
double parse_connect_timeout(std::string_view text) {
    std::string_view value = trim(text);
    if (!value.empty() && value.front() == '+') value.remove_prefix(1);
    long seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || seconds > 2147483647)
        bad("invalid integer value " + quote(text) + " for connection option \"connect_timeout\"");
    if (seconds < 0) bad("invalid connect_timeout value: " + quote(text) + " (seconds, 0 for none)");
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
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || !std::isfinite(seconds) ||
        seconds < 0)
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
    if (value.find('\0') != std::string_view::npos) bad("connection option " + quote(key) + " contains a NUL byte");
    if ((key == "host" || key == "hostaddr" || key == "port") && value.find(',') != std::string_view::npos)
        throw NotSupportedError("multiple hosts are not supported yet (" + std::string(key) + "=" + std::string(value) +
                                ")");
    if (value.empty()) return;  // an empty value means "the default" for all of these
    if (key == "port") check_port(value);
    else if (key == "connect_timeout") parse_connect_timeout(value);
    else if (key == "timeout") parse_timeout(value);
    else if (key == "statement_cache_size") parse_statement_cache_size(value);
}
namespace {

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
                if (i == n) bad("unterminated quoted string in connection info string (value of " + quote(key) + ")");
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
    auto where = [&] { return " in URI " + std::string(part) + (secret ? std::string() : " " + quote(raw)); };
    std::string_view s = raw;
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == ' ') bad("unexpected spaces" + where() + ", use percent-encoded spaces (%20) instead");
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
        std::string value = uri_decode(param.substr(eq + 1), "query parameter " + quote(key), is_secret(key));
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
    std::string_view tail = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);

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
        if (close == std::string_view::npos) bad("missing \"]\" after the IPv6 host address in URI");
        host = authority.substr(1, close - 1);
        if (host.empty()) bad("IPv6 host address may not be empty in URI");
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty() && after.front() == ',') throw NotSupportedError("multiple hosts are not supported yet");
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
    if (std::string h = uri_decode(host, "host", false); !h.empty()) store(out, "host", std::move(h));
    if (std::string p = uri_decode(port, "port", false); !p.empty()) store(out, "port", std::move(p));

    if (!tail.empty() && tail.front() == '/') {
        const std::size_t q = tail.find('?');
        const std::string_view db = tail.substr(1, q == std::string_view::npos ? q : q - 1);
        if (std::string d = uri_decode(db, "database name", false); !d.empty()) store(out, "dbname", std::move(d));
        tail = q == std::string_view::npos ? std::string_view() : tail.substr(q);
    }
    if (!tail.empty()) parse_uri_query(tail.substr(1), out);
    return out;
}

}  // namespace

KeyValues parse_dsn(std::string_view dsn) {
    if (dsn.find('\0') != std::string_view::npos) bad("connection string contains a NUL byte");
    for (std::string_view scheme : {"postgresql://", "postgres://"})
        if (dsn.starts_with(scheme)) return parse_uri(dsn.substr(scheme.size()));
    return parse_keyvalue(dsn);
}

}  // namespace uvpg::detail
