// Connection parameters: DSN parsing (key=value and URI), resolution against options, a fake
// environment, the password file and the defaults, and the masked DSN.
#include "lib/config/conn_params.hpp"

#include <uvpg/errors.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

using namespace uvpg;
using namespace uvpg::detail;

// GCC 12 flags designated initializers that leave fields out, which is how users write
// ConnectOptions; members declared with "{}" would not be flagged.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

struct FakeEnv {
    std::map<std::string, std::string> vars;
    std::string home = "/nonexistent-uvpg-home";
    std::string user = "osuser";
    Environment env() const {
        Environment e;
        e.getenv = [this](const char* name) -> std::optional<std::string> {
            auto it = vars.find(name);
            if (it == vars.end()) return std::nullopt;
            return it->second;
        };
        e.home_dir = [this] { return home; };
        e.os_user = [this] { return user; };
        return e;
    }
};

ConnParams resolve(std::string_view dsn, const ConnectOptions& o = {}, const FakeEnv& fe = {}) {
    return resolve_params(dsn, o, fe.env());
}

// what() of the E that f throws; fails the test when f throws nothing.
template <class E, class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    FAIL("expected an exception");
    return {};
}

std::string dsn_error(std::string_view dsn) {
    return error_of<ProgrammingError>([&] { parse_dsn(dsn); });
}

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/uvpg_dsn_XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string write(const std::string& name, const std::string& text, mode_t mode = 0600) const {
        const std::string file = path + "/" + name;
        std::ofstream(file, std::ios::binary) << text;
        REQUIRE(::chmod(file.c_str(), mode) == 0);
        return file;
    }
};

// Everything f writes to stderr (fd 2).
template <class F>
std::string capture_stderr(F&& f) {
    std::FILE* tmp = std::tmpfile();
    REQUIRE(tmp != nullptr);
    std::fflush(stderr);
    const int saved = ::dup(2);
    ::dup2(::fileno(tmp), 2);
    f();
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::string out;
    std::rewind(tmp);
    for (int c; (c = std::fgetc(tmp)) != EOF;) out += static_cast<char>(c);
    std::fclose(tmp);
    return out;
}

}  // namespace

TEST_CASE("key=value: pairs, blanks, quoting and escapes") {
    CHECK(parse_dsn("").empty());
    CHECK(parse_dsn(" \t\n ").empty());
    CHECK(parse_dsn("host=localhost port=5432 dbname=mydb") ==
          KeyValues{{"host", "localhost"}, {"port", "5432"}, {"dbname", "mydb"}});
    CHECK(parse_dsn("  host = h\tport =5433\n dbname= db  ") ==
          KeyValues{{"host", "h"}, {"port", "5433"}, {"dbname", "db"}});
    CHECK(parse_dsn(R"(password='it\'s a \\ secret' user='joe')") ==
          KeyValues{{"password", R"(it's a \ secret)"}, {"user", "joe"}});
    CHECK(parse_dsn("options='' user=u") == KeyValues{{"options", ""}, {"user", "u"}});
    CHECK(parse_dsn("options='-c geqo=off'") == KeyValues{{"options", "-c geqo=off"}});
    CHECK(parse_dsn(R"(dbname=my\ db)") == KeyValues{{"dbname", "my db"}});
    CHECK(parse_dsn(R"(dbname=a\\b\'c)") == KeyValues{{"dbname", R"(a\b'c)"}});
    CHECK(parse_dsn(R"(dbname=abc\)") == KeyValues{{"dbname", "abc"}});
    CHECK(parse_dsn("dbname=x='y'") == KeyValues{{"dbname", "x='y'"}});
    // libpq skips blanks after '=', so an empty unquoted value takes the next word.
    CHECK(parse_dsn("host= port=5432") == KeyValues{{"host", "port=5432"}});
    // The last value wins, in the place of the first.
    CHECK(parse_dsn("host=a port=1 host=b") == KeyValues{{"host", "b"}, {"port", "1"}});
    CHECK(parse_dsn("requiressl=1") == KeyValues{{"sslmode", "require"}});
    CHECK(parse_dsn("requiressl=0") == KeyValues{{"sslmode", "prefer"}});
    CHECK(parse_dsn("timeout=2.5") == KeyValues{{"timeout", "2.5"}});
}

TEST_CASE("key=value: every libpq keyword is accepted") {
    const char* keywords[] = {"service",
                              "user",
                              "password",
                              "passfile",
                              "channel_binding",
                              "dbname",
                              "host",
                              "hostaddr",
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
                              "sslkeylogfile"};
    std::string dsn = "port=5432 connect_timeout=10 timeout=1";
    for (const char* k : keywords) dsn += std::string(" ") + k + "=x";
    CHECK(parse_dsn(dsn).size() == std::size(keywords) + 3);
    // A real DSN with keywords uvpg does not use still connects.
    const ConnParams p = resolve(
        "host=h keepalives=1 keepalives_idle=30 sslcert=/c.pem "
        "gssencmode=disable channel_binding=prefer krbsrvname=postgres "
        "target_session_attrs=any load_balance_hosts=disable");
    CHECK(p.host == "h");
    CHECK(p.dsn_masked.find(" keepalives_idle=30 ") != std::string::npos);
}

TEST_CASE("key=value: malformed strings name the part") {
    CHECK(dsn_error("host") == R"(missing "=" after "host" in connection info string)");
    CHECK(dsn_error("host localhost") == R"(missing "=" after "host" in connection info string)");
    CHECK(dsn_error("dbname=d host='localhost") ==
          R"(unterminated quoted string in connection info string (value of "host"))");
    CHECK(dsn_error(R"(host='abc\')").find("unterminated") != std::string::npos);
    CHECK(dsn_error("foo=bar") == R"(invalid connection option "foo")");
    CHECK(dsn_error("=x") == R"(invalid connection option "")");
    CHECK(dsn_error("ssl=true") == R"(invalid connection option "ssl")");
    CHECK(dsn_error("port=abc") == R"(invalid port number: "abc")");
    for (const char* port : {"0", "65536", "-1", "123456", "54a", "'54 32'", "+5432"})
        CHECK(dsn_error(std::string("port=") + port).find("invalid port number") != std::string::npos);
    CHECK(parse_dsn("port=65535") == KeyValues{{"port", "65535"}});
    CHECK(dsn_error("connect_timeout=abc") == R"(invalid integer value "abc" for connection option "connect_timeout")");
    CHECK(dsn_error("connect_timeout=1.5").find("connect_timeout") != std::string::npos);
    CHECK(dsn_error("connect_timeout=-1").find("connect_timeout") != std::string::npos);
    CHECK(dsn_error("connect_timeout=99999999999").find("connect_timeout") != std::string::npos);
    CHECK(dsn_error("timeout=abc").find("timeout") != std::string::npos);
    CHECK(dsn_error("timeout=-2").find("timeout") != std::string::npos);
    CHECK(dsn_error("timeout=nan").find("timeout") != std::string::npos);
    CHECK(dsn_error(std::string("host=a\0b", 8)).find("NUL") != std::string::npos);
    CHECK(error_of<NotSupportedError>([] { parse_dsn("host=a,b"); }).find("multiple hosts are not supported yet") !=
          std::string::npos);
    CHECK_THROWS_AS(parse_dsn("port=5432,5433"), NotSupportedError);
    CHECK_THROWS_AS(parse_dsn("hostaddr=1.2.3.4,5.6.7.8"), NotSupportedError);
}

TEST_CASE("URI: every component, percent-decoded") {
    CHECK(parse_dsn("postgresql://alice:pw@db.example.com:6543/mydb?application_name=app&connect_timeout=10") ==
          KeyValues{{"user", "alice"},
                    {"password", "pw"},
                    {"host", "db.example.com"},
                    {"port", "6543"},
                    {"dbname", "mydb"},
                    {"application_name", "app"},
                    {"connect_timeout", "10"}});
    CHECK(parse_dsn("postgres://h") == KeyValues{{"host", "h"}});
    CHECK(parse_dsn("postgresql://").empty());
    CHECK(parse_dsn("postgresql:///").empty());
    CHECK(parse_dsn("postgresql://?").empty());
    CHECK(parse_dsn("postgresql://h/db?").size() == 2);
    CHECK(parse_dsn("postgresql:///mydb") == KeyValues{{"dbname", "mydb"}});
    CHECK(parse_dsn("postgresql://:5433") == KeyValues{{"port", "5433"}});
    CHECK(parse_dsn("postgresql://user@") == KeyValues{{"user", "user"}});
    CHECK(parse_dsn("postgresql://user:@h") == KeyValues{{"user", "user"}, {"host", "h"}});
    CHECK(parse_dsn("postgresql://:pw@h") == KeyValues{{"password", "pw"}, {"host", "h"}});
    CHECK(parse_dsn("postgresql://h?dbname=d&user=u") == KeyValues{{"host", "h"}, {"dbname", "d"}, {"user", "u"}});
    CHECK(parse_dsn("postgresql://us%40er:p%40ss%3aw%2Fd@h/my%20db?application_name=a%26b%3D") ==
          KeyValues{{"user", "us@er"},
                    {"password", "p@ss:w/d"},
                    {"host", "h"},
                    {"dbname", "my db"},
                    {"application_name", "a&b="}});
    CHECK(parse_dsn("postgresql://h/db?%61pplication_name=%20x%20") ==
          KeyValues{{"host", "h"}, {"dbname", "db"}, {"application_name", " x "}});
    // An unencoded '@' in the password: the last '@' ends the credentials.
    CHECK(parse_dsn("postgresql://u:p@ss@h/db") ==
          KeyValues{{"user", "u"}, {"password", "p@ss"}, {"host", "h"}, {"dbname", "db"}});
    CHECK(parse_dsn("postgresql://u:a:b@h") == KeyValues{{"user", "u"}, {"password", "a:b"}, {"host", "h"}});
    // IPv6 in brackets, with and without a port, with a percent-encoded zone.
    CHECK(parse_dsn("postgresql://[::1]:5433/db") == KeyValues{{"host", "::1"}, {"port", "5433"}, {"dbname", "db"}});
    CHECK(parse_dsn("postgresql://[2001:db8::1234]/database") ==
          KeyValues{{"host", "2001:db8::1234"}, {"dbname", "database"}});
    CHECK(parse_dsn("postgresql://[2001:db8::7]") == KeyValues{{"host", "2001:db8::7"}});
    CHECK(parse_dsn("postgresql://[fe80::1%25eth0]?port=1") == KeyValues{{"host", "fe80::1%eth0"}, {"port", "1"}});
    // A unix socket directory as the host.
    CHECK(parse_dsn("postgresql://%2Fvar%2Frun%2Fpostgresql/db") ==
          KeyValues{{"host", "/var/run/postgresql"}, {"dbname", "db"}});
    CHECK(parse_dsn("postgresql:///db?host=/tmp") == KeyValues{{"dbname", "db"}, {"host", "/tmp"}});
    CHECK(parse_dsn("postgresql://h1/db?host=h2") == KeyValues{{"host", "h2"}, {"dbname", "db"}});
    CHECK(parse_dsn("postgresql://h?ssl=true") == KeyValues{{"host", "h"}, {"sslmode", "require"}});
    CHECK(parse_dsn("postgresql://h?requiressl=1") == KeyValues{{"host", "h"}, {"sslmode", "require"}});
    const ConnParams p = resolve("postgresql://%2Ftmp:5434/d");
    CHECK(p.is_unix_socket());
    CHECK(p.socket_path() == "/tmp/.s.PGSQL.5434");
}

TEST_CASE("URI: malformed URIs name the part") {
    CHECK(dsn_error("postgresql://h/db?foo=bar") == R"(invalid URI query parameter: "foo")");
    CHECK(dsn_error("postgresql://h/db?ssl=false") == R"(invalid URI query parameter: "ssl")");
    CHECK(
        dsn_error("postgresql://h/db?port").find("missing key/value separator \"=\" in URI query parameter \"port\"") ==
        0);
    CHECK(dsn_error("postgresql://h/db?user=b&&dbname=d").find("missing key/value separator") == 0);
    CHECK(dsn_error("postgresql://h/db?user=a=b")
              .find("extra key/value separator \"=\" in URI query parameter \"user\"") == 0);
    CHECK(dsn_error("postgresql://h:abc/db") == R"(invalid port number: "abc")");
    CHECK(dsn_error("postgresql://h:0/db") == R"(invalid port number: "0")");
    CHECK(dsn_error("postgresql://h:70000") == R"(invalid port number: "70000")");
    CHECK(dsn_error("postgresql://h/db?port=x") == R"(invalid port number: "x")");
    CHECK(dsn_error("postgresql://h/db?connect_timeout=soon").find("connect_timeout") != std::string::npos);
    CHECK(dsn_error("postgresql://h%zz/db") == R"(invalid percent-encoded token in URI host "h%zz")");
    CHECK(dsn_error("postgresql://h/db%2") == R"(invalid percent-encoded token in URI database name "db%2")");
    CHECK(dsn_error("postgresql://u%g0@h").find("user name") != std::string::npos);
    CHECK(dsn_error("postgresql://h/d%00b").find("forbidden value %00 in URI database name") == 0);
    CHECK(dsn_error("postgresql://h/db?user=%zz").find("query parameter \"user\"") != std::string::npos);
    CHECK(dsn_error("postgresql://h/my db").find("unexpected spaces in URI database name") == 0);
    CHECK(dsn_error("postgresql://[::1/db").find("\"]\"") != std::string::npos);
    CHECK(dsn_error("postgresql://[]/db") == "IPv6 host address may not be empty in URI");
    CHECK(dsn_error("postgresql://[::1]x/db").find("unexpected character \"x\"") == 0);
    for (const char* uri : {"postgresql://h1,h2/db", "postgresql://h1:1,h2:2/db", "postgresql://[::1],[::2]/db",
                            "postgresql://h/db?host=a,b"})
        CHECK(error_of<NotSupportedError>([&] { parse_dsn(uri); }).find("multiple hosts are not supported yet") == 0);
    CHECK(error_of<NotSupportedError>([] { parse_dsn("postgresql://h1,h2/db"); }) ==
          "multiple hosts are not supported yet");
    // Not a URI unless it starts with the scheme: then it is a key=value string.
    CHECK(dsn_error(" postgresql://h").find("missing \"=\"") == 0);
}

TEST_CASE("malformed DSNs never show the password") {
    // Passwords are "s3cret", or "s3c qzx" where a space splits them.
    const char* dsns[] = {
        "password=s3cret port=abc",
        "password=s3cret foo=bar",
        "password=s3c qzx host=x",
        "password=s3c qzx=x",
        "user=u password='s3cret",
        "host=h password=s3cret connect_timeout=x",
        "password=s3cret sslmode=bogus",
        "password=s3cret sslnegotiation=direct",
        "password=s3cret host=a,b",
        "password=s3cret client_encoding=latin1",
        "password=s3cret hostaddr=nope",
        "postgresql://u:s3cret@host:abc/db",
        "postgresql://u:s3cret%zz@h/db",
        "postgresql://u:s3cret%00@h/db",
        "postgresql://u:s3c qzx@h/db",
        "postgresql://u:s3cret@[::1/db",
        "postgresql://u:s3cret@[]/db",
        "postgresql://u:s3cret@[::1]x/db",
        "postgresql://u:s3cret@h/db?foo=bar",
        "postgresql://u:s3cret@h1,h2/db",
        "postgresql://h/db?password=s3cret%zz",
        "postgresql://h/db?password=s3cret=x",
        "postgresql://h/db?password=s3c%20qzx%00",
        "postgresql://h/db?password=s3c qzx",
        "postgresql://u:s3cret@h/db?channel_binding=maybe",
        "postgresql://u:s3cret@h/db?service=x",
        "password=s3cret require_auth=md5,!password",
        "password=s3cret ssl_min_protocol_version=SSLv3",
    };
    for (const char* dsn : dsns) {
        CAPTURE(dsn);
        std::string what;
        try {
            resolve(dsn);
        } catch (const Error& e) {
            what = e.what();
        }
        CHECK(!what.empty());
        CHECK(what.find("s3c") == std::string::npos);
        CHECK(what.find("qzx") == std::string::npos);
    }
    // Also when the password comes from the options or the environment.
    FakeEnv fe{.vars = {{"PGPASSWORD", "s3cret"}}};
    CHECK(error_of<ProgrammingError>([&] { resolve("port=x", {.password = "s3cret"}, fe); }).find("s3c") ==
          std::string::npos);
}

TEST_CASE("resolve_params: defaults") {
    const ConnParams p = resolve("");
    CHECK(p.host == "/var/run/postgresql");
    CHECK(p.is_unix_socket());
    CHECK(p.socket_path() == "/var/run/postgresql/.s.PGSQL.5432");
    CHECK(p.hostaddr.empty());
    CHECK(p.port == "5432");
    CHECK(p.user == "osuser");
    CHECK(p.dbname == "osuser");
    CHECK(!p.password);
    CHECK(p.sslmode == "prefer");
    CHECK(p.client_encoding == "UTF8");
    CHECK(p.application_name.empty());
    CHECK(p.options.empty());
    CHECK(p.connect_timeout == 0);
    CHECK(!p.timeout);
    CHECK(p.loop == nullptr);
    CHECK(p.dsn_masked.empty());
    CHECK(
        p.startup_params() ==
        KeyValues{{"user", "osuser"}, {"database", "osuser"}, {"client_encoding", "UTF8"}, {"DateStyle", "ISO, MDY"}});

    // A hostaddr alone means TCP to it, not the default socket.
    const ConnParams q = resolve("hostaddr=127.0.0.1");
    CHECK(q.host.empty());
    CHECK(!q.is_unix_socket());
    CHECK(q.hostaddr == "127.0.0.1");
    CHECK(resolve("hostaddr=::1").hostaddr == "::1");
    CHECK(error_of<ProgrammingError>([] { resolve("hostaddr=db.example.com"); }).find("hostaddr") != std::string::npos);

    FakeEnv nobody{.user = ""};
    CHECK_THROWS_AS(resolve("", {}, nobody), OperationalError);
    CHECK(resolve("user=u", {}, nobody).dbname == "u");
}

TEST_CASE("resolve_params: options > DSN > environment > default") {
    using Field = std::optional<std::string_view> ConnectOptions::*;
    struct Case {
        const char* key;
        const char* envvar;
        Field field;
        std::string (*get)(const ConnParams&);
        const char* values[3];  // option, DSN, environment
        const char* fallback;   // no value, or an empty one
    };
    const Case cases[] = {
        {"host",
         "PGHOST",
         &ConnectOptions::host,
         [](const ConnParams& p) { return p.host; },
         {"h-opt", "h-dsn", "h-env"},
         "/var/run/postgresql"},
        {"hostaddr",
         "PGHOSTADDR",
         &ConnectOptions::hostaddr,
         [](const ConnParams& p) { return p.hostaddr; },
         {"10.0.0.1", "10.0.0.2", "10.0.0.3"},
         ""},
        {"port",
         "PGPORT",
         &ConnectOptions::port,
         [](const ConnParams& p) { return p.port; },
         {"1111", "2222", "3333"},
         "5432"},
        {"dbname",
         "PGDATABASE",
         &ConnectOptions::dbname,
         [](const ConnParams& p) { return p.dbname; },
         {"d-opt", "d-dsn", "d-env"},
         "osuser"},
        {"user",
         "PGUSER",
         &ConnectOptions::user,
         [](const ConnParams& p) { return p.user; },
         {"u-opt", "u-dsn", "u-env"},
         "osuser"},
        {"password",
         "PGPASSWORD",
         &ConnectOptions::password,
         [](const ConnParams& p) { return p.password.value_or("<none>"); },
         {"p-opt", "p-dsn", "p-env"},
         ""},
        {"sslmode",
         "PGSSLMODE",
         &ConnectOptions::sslmode,
         [](const ConnParams& p) { return std::string(p.sslmode.name()); },
         {"disable", "allow", "disable"},
         "prefer"},
        {"application_name",
         "PGAPPNAME",
         &ConnectOptions::application_name,
         [](const ConnParams& p) { return p.application_name; },
         {"a-opt", "a-dsn", "a-env"},
         ""},
        {"options",
         "PGOPTIONS",
         &ConnectOptions::options,
         [](const ConnParams& p) { return p.options; },
         {"-c a=1", "-c b=2", "-c c=3"},
         ""},
    };
    for (const Case& c : cases) {
        CAPTURE(c.key);
        const std::string key = c.key;
        ConnectOptions opt;
        opt.*(c.field) = c.values[0];
        const std::string dsn = key + "='" + c.values[1] + "'";
        FakeEnv env;
        env.vars[c.envvar] = c.values[2];
        CHECK(c.get(resolve(dsn, opt, env)) == c.values[0]);
        CHECK(c.get(resolve(dsn, {}, env)) == c.values[1]);
        CHECK(c.get(resolve("", {}, env)) == c.values[2]);
        CHECK(c.get(resolve("")) == (key == "password" ? "<none>" : c.fallback));
        // A given empty value hides the environment, then means the default (libpq).
        CHECK(c.get(resolve(key + "=''", {}, env)) == c.fallback);
        ConnectOptions empty;
        empty.*(c.field) = "";
        CHECK(c.get(resolve(dsn, empty, env)) == c.fallback);
    }
}

TEST_CASE("resolve_params: application_name, client_encoding, timeouts, loop") {
    FakeEnv env;
    CHECK(resolve("fallback_application_name=fb").application_name == "fb");
    CHECK(resolve("application_name=app fallback_application_name=fb").application_name == "app");
    CHECK(resolve("", {.fallback_application_name = "fb"}).application_name == "fb");
    env.vars["PGAPPNAME"] = "env-app";
    CHECK(resolve("fallback_application_name=fb", {}, env).application_name == "env-app");
    env.vars.clear();

    for (const char* enc : {"UTF8", "utf8", "UTF-8", "utf-8", "Unicode", "auto", ""})
        CHECK(resolve(std::string("client_encoding='") + enc + "'").client_encoding == "UTF8");
    CHECK(error_of<NotSupportedError>([] { resolve("client_encoding=LATIN1"); }).find("UTF8") != std::string::npos);
    env.vars["PGCLIENTENCODING"] = "SQL_ASCII";
    CHECK_THROWS_AS(resolve("", {}, env), NotSupportedError);
    CHECK(resolve("client_encoding=utf8", {}, env).client_encoding == "UTF8");
    CHECK_THROWS_AS(resolve("client_encoding=utf8", {.client_encoding = "latin1"}), NotSupportedError);
    env.vars.clear();

    // connect_timeout: options > DSN > PGCONNECT_TIMEOUT; 1 is 2, 0 is none, negative is an error.
    env.vars["PGCONNECT_TIMEOUT"] = "30";
    CHECK(resolve("connect_timeout=20", {.connect_timeout = 10}, env).connect_timeout == 10);
    CHECK(resolve("connect_timeout=20", {}, env).connect_timeout == 20);
    CHECK(resolve("", {}, env).connect_timeout == 30);
    CHECK(resolve("connect_timeout=1").connect_timeout == 2);
    CHECK(resolve("connect_timeout=0").connect_timeout == 0);
    CHECK(resolve("connect_timeout=' 7 '").connect_timeout == 7);
    CHECK(resolve("", {.connect_timeout = 0.5}).connect_timeout == 2);
    CHECK(resolve("", {.connect_timeout = 2.5}).connect_timeout == 2.5);
    CHECK(resolve("", {.connect_timeout = 0}).connect_timeout == 0);
    CHECK_THROWS_AS(resolve("", {.connect_timeout = -1}), ProgrammingError);
    CHECK_THROWS_AS(resolve("connect_timeout=-1"), ProgrammingError);
    env.vars["PGCONNECT_TIMEOUT"] = "abc";
    CHECK(error_of<ProgrammingError>([&] { resolve("", {}, env); }).find("\"abc\"") != std::string::npos);
    CHECK(resolve("connect_timeout=5", {}, env).connect_timeout == 5);
    env.vars.clear();

    // timeout: uvpg's own, options > DSN, 0 is none.
    CHECK(resolve("timeout=2.5").timeout == 2.5);
    CHECK(resolve("timeout=2.5", {.timeout = 1.5}).timeout == 1.5);
    CHECK(!resolve("timeout=0").timeout);
    CHECK(!resolve("", {.timeout = 0}).timeout);
    CHECK_THROWS_AS(resolve("", {.timeout = -1}), ProgrammingError);
    CHECK_THROWS_AS(resolve("timeout=soon"), ProgrammingError);

    uv_loop_t* loop = reinterpret_cast<uv_loop_t*>(&env);
    CHECK(resolve("", {.loop = loop}).loop == loop);
}

TEST_CASE("resolve_params: the TLS keywords, their environment variables and checks") {
    ConnParams p = resolve(
        "sslmode=verify-full sslrootcert=/ca.pem sslcert=/c.pem sslkey=/k.pem sslcrl=/crl.pem sslpassword=pw "
        "sslsni=0 ssl_min_protocol_version=TLSv1.3 channel_binding=require");
    CHECK(p.tls.rootcert == "/ca.pem");
    CHECK(p.tls.cert == "/c.pem");
    CHECK(p.tls.key == "/k.pem");
    CHECK(p.tls.crl == "/crl.pem");
    CHECK(p.tls.password == "pw");
    CHECK_FALSE(p.tls.sni);
    CHECK(p.tls.min_protocol == "TLSv1.3");
    CHECK(p.tls.channel_binding == "require");
    CHECK(p.dsn_masked.find("sslpassword=xxx") != std::string::npos);
    ConnParams d = resolve("");
    CHECK(d.tls.sni);
    CHECK(d.tls.min_protocol == "TLSv1.2");  // libpq's default since 14
    CHECK(d.tls.channel_binding == "prefer");
    CHECK(d.allowed_auth.empty());
    FakeEnv env{.vars = {{"PGSSLROOTCERT", "/e.pem"},
                         {"PGCHANNELBINDING", "disable"},
                         {"PGREQUIREAUTH", "md5"},
                         {"PGSSLMINPROTOCOLVERSION", "TLSv1.3"}}};
    ConnParams e = resolve("", {}, env);
    CHECK(e.tls.rootcert == "/e.pem");
    CHECK(e.tls.channel_binding == "disable");
    CHECK(e.tls.min_protocol == "TLSv1.3");
    CHECK(e.allowed_auth == std::vector<std::string>{"md5"});
    ConnParams o = resolve("sslcert=/dsn.pem", {.sslcert = "/opt.pem", .require_auth = "!password,!md5"});
    CHECK(o.tls.cert == "/opt.pem");  // options win over the DSN
    CHECK(o.allowed_auth == std::vector<std::string>{"gss", "sspi", "scram-sha-256", "none"});
    CHECK(resolve("require_auth=scram-sha-256,none").allowed_auth == std::vector<std::string>{"scram-sha-256", "none"});
    CHECK(error_of<ProgrammingError>([] { resolve("require_auth=md5,!password"); }).find("cannot be mixed") !=
          std::string::npos);
    CHECK(error_of<ProgrammingError>([] { resolve("require_auth=kerberos"); }).find("unknown method") !=
          std::string::npos);
    CHECK(error_of<ProgrammingError>([] { resolve("require_auth=md5,md5"); }).find("listed twice") !=
          std::string::npos);
    CHECK(error_of<ProgrammingError>([] { resolve("channel_binding=maybe"); }) ==
          R"(invalid channel_binding value: "maybe")");
    CHECK(error_of<ProgrammingError>([] { resolve("sslsni=2"); }) == R"(invalid sslsni value: "2")");
    CHECK(error_of<ProgrammingError>([] { resolve("ssl_min_protocol_version=SSLv3"); }) ==
          R"(invalid ssl_min_protocol_version value: "SSLv3")");
    CHECK(error_of<ProgrammingError>([] {
              resolve("ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2");
          }).find("invalid SSL protocol version range") == 0);
}

TEST_CASE("resolve_params: sslmode and what uvpg cannot honour") {
    for (const char* mode : {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}) {
        CHECK(resolve(std::string("sslmode=") + mode).sslmode == mode);
        CHECK(resolve(std::string("sslmode=") + mode).tls.sslmode == mode);
    }
    CHECK(error_of<ProgrammingError>([] { resolve("sslmode=bogus"); }) == R"(invalid sslmode value: "bogus")");
    CHECK(resolve("postgresql://h?ssl=true").sslmode == "require");  // JDBC's spelling
    CHECK(resolve("requiressl=1").sslmode == "require");
    CHECK(resolve("requiressl=0").sslmode == "prefer");
    FakeEnv env{.vars = {{"PGREQUIRESSL", "1"}}};
    CHECK(resolve("", {}, env).sslmode == "require");
    env.vars["PGSSLMODE"] = "disable";  // PGSSLMODE takes precedence over PGREQUIRESSL
    CHECK(resolve("", {}, env).sslmode == "disable");
    CHECK(resolve("sslrootcert=system").sslmode == "verify-full");  // libpq: system roots mean verify-full
    CHECK(error_of<ProgrammingError>([] { resolve("sslrootcert=system sslmode=require"); }) ==
          R"(weak sslmode "require" may not be used with sslrootcert=system (use "verify-full"))");
    CHECK(error_of<ProgrammingError>([] { resolve("sslnegotiation=direct"); }).find("weak sslmode \"prefer\"") == 0);
    CHECK(resolve("sslnegotiation=direct sslmode=require").tls.sslnegotiation == "direct");
    CHECK(error_of<ProgrammingError>([] { resolve("sslnegotiation=fast"); }) ==
          R"(invalid sslnegotiation value: "fast")");

    for (const char* dsn : {"service=mydb", "replication=database", "replication=true", "gssencmode=require",
                            "sslcertmode=require", "requirepeer=postgres", "target_session_attrs=read-write"})
        CHECK_THROWS_AS(resolve(dsn), NotSupportedError);
    for (const char* dsn : {"replication=false", "replication=0", "gssencmode=prefer", "channel_binding=disable",
                            "channel_binding=require", "target_session_attrs=prefer-standby", "sslcertmode=allow"})
        CHECK_NOTHROW(resolve(dsn));
    FakeEnv service{.vars = {{"PGSERVICE", "mydb"}}};
    CHECK_THROWS_AS(resolve("", {}, service), NotSupportedError);

    FakeEnv hosts{.vars = {{"PGHOST", "a,b"}}};
    CHECK_THROWS_AS(resolve("", {}, hosts), NotSupportedError);
    CHECK(resolve("host=c", {}, hosts).host == "c");
    CHECK_THROWS_AS(resolve("", {.host = "a,b"}), NotSupportedError);
    CHECK_THROWS_AS(resolve("", {.port = "x"}), ProgrammingError);
    CHECK_THROWS_AS(resolve("", {.user = std::string("a\0b", 3)}), ProgrammingError);
}

TEST_CASE("dsn_masked: the given parameters, password as xxx") {
    CHECK(resolve("host=h password=s3cret user='a b'").dsn_masked == "host=h password=xxx user='a b'");
    CHECK(resolve("postgresql://u:s3cret@h:5433/db?sslpassword=k3y").dsn_masked ==
          "user=u password=xxx host=h port=5433 dbname=db sslpassword=xxx");
    const ConnectOptions o{.dbname = "x", .password = "p", .connect_timeout = 10, .timeout = 2.5};
    CHECK(resolve("host=h dbname=d", o).dsn_masked == "host=h dbname=x password=xxx connect_timeout=10 timeout=2.5");
    CHECK(resolve("application_name='it\\'s \\\\' options=''").dsn_masked ==
          R"(application_name='it\'s \\' options='')");
    const FakeEnv env{.vars = {{"PGHOST", "envhost"}, {"PGPASSWORD", "envpw"}}};
    CHECK(resolve("dbname=d", {}, env).dsn_masked == "dbname=d");
    // The masked form parses back to the same parameters.
    const std::string masked = resolve(R"(options='-c a=1 -c b=\'x\'' application_name=a\\b)").dsn_masked;
    CHECK(parse_dsn(masked) == KeyValues{{"options", "-c a=1 -c b='x'"}, {"application_name", R"(a\b)"}});
}

TEST_CASE("startup_params and socket_path") {
    const ConnParams p = resolve("host=/tmp port=5433 user=u dbname=d application_name=app options='-c x=1'");
    CHECK(p.socket_path() == "/tmp/.s.PGSQL.5433");
    CHECK(p.startup_params() == KeyValues{{"user", "u"},
                                          {"database", "d"},
                                          {"application_name", "app"},
                                          {"client_encoding", "UTF8"},
                                          {"DateStyle", "ISO, MDY"},
                                          {"options", "-c x=1"}});
    CHECK(resolve("user=u fallback_application_name=fb").startup_params() == KeyValues{{"user", "u"},
                                                                                       {"database", "u"},
                                                                                       {"application_name", "fb"},
                                                                                       {"client_encoding", "UTF8"},
                                                                                       {"DateStyle", "ISO, MDY"}});
    // A DateStyle the user sets through options is left alone.
    CHECK(resolve("user=u options='-c DateStyle=German'").startup_params() ==
          KeyValues{{"user", "u"}, {"database", "u"}, {"client_encoding", "UTF8"}, {"options", "-c DateStyle=German"}});
}

TEST_CASE("pgpass_lookup: libpq's matching rules") {
    TempDir dir;
    const std::string file = dir.write("pgpass",
                                       "# a comment line:*:*:*:nope\n"
                                       "\n"
                                       "db.example.com:5432:app:alice:first\n"
                                       "db.example.com:5432:app:alice:second\n"
                                       "localhost:5432:*:bob:local\r\n"
                                       "/tmp:5433:*:bob:tmpdir\n"
                                       "we\\:ird:*:*:carol:p\\:w\\\\d:ignored\n"
                                       "\\*:*:*:dave:literal-star\n"
                                       "*:*:*:dave:any\n"
                                       "h:5432:db:short\n"
                                       "*:*:*:erin:\n"
                                       "*:*:*:frank:last line without newline");
    auto lookup = [&](std::string host, std::string port, std::string db, std::string user) {
        return pgpass_lookup(file, host, port, db, user);
    };
    CHECK(lookup("db.example.com", "5432", "app", "alice") == "first");
    CHECK(lookup("DB.example.com", "5432", "app", "alice") == std::nullopt);
    CHECK(lookup("db.example.com", "5433", "app", "alice") == std::nullopt);
    CHECK(lookup("db.example.com", "5432", "other", "alice") == std::nullopt);
    // '' and the default socket directory are "localhost"; other directories match literally.
    CHECK(lookup("", "5432", "x", "bob") == "local");
    CHECK(lookup("/var/run/postgresql", "", "x", "bob") == "local");
    CHECK(lookup("localhost", "5432", "x", "bob") == "local");
    CHECK(lookup("/tmp", "5433", "x", "bob") == "tmpdir");
    CHECK(lookup("/tmp", "5432", "x", "bob") == std::nullopt);
    CHECK(lookup("we:ird", "1", "x", "carol") == "p:w\\d");
    CHECK(lookup("*", "1", "x", "dave") == "literal-star");
    CHECK(lookup("anyhost", "1", "x", "dave") == "any");
    CHECK(lookup("h", "5432", "db", "short") == std::nullopt);  // no password field
    CHECK(lookup("h", "1", "x", "erin") == "");
    CHECK(lookup("h", "1", "x", "frank") == "last line without newline");
    CHECK(lookup("h", "1", "", "frank") == std::nullopt);
    CHECK(lookup("h", "1", "x", "") == std::nullopt);
    CHECK(lookup("h", "1", "x", "nobody") == std::nullopt);
}

TEST_CASE("pgpass_lookup: missing file, permissions, not a plain file") {
    TempDir dir;
    std::optional<std::string> found;
    std::string err = capture_stderr([&] { found = pgpass_lookup(dir.path + "/none", "h", "1", "d", "u"); });
    CHECK(!found);
    CHECK(err.empty());

    for (mode_t mode : {0600, 0400}) {
        const std::string file = dir.write("ok", "*:*:*:*:pw\n", mode);
        err = capture_stderr([&] { found = pgpass_lookup(file, "h", "1", "d", "u"); });
        CHECK(found == "pw");
        CHECK(err.empty());
    }
    for (mode_t mode : {0644, 0640, 0604, 0601, 0610, 0620}) {
        CAPTURE(mode);
        const std::string file = dir.write("open", "*:*:*:*:pw\n", mode);
        err = capture_stderr([&] { found = pgpass_lookup(file, "h", "1", "d", "u"); });
        CHECK(!found);
        CHECK(err.find("has group or world access") != std::string::npos);
        CHECK(err.find(file) != std::string::npos);
    }
    err = capture_stderr([&] { found = pgpass_lookup(dir.path, "h", "1", "d", "u"); });
    CHECK(!found);
    CHECK(err.find("is not a plain file") != std::string::npos);
    const std::string fifo = dir.path + "/fifo";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    err = capture_stderr([&] { found = pgpass_lookup(fifo, "h", "1", "d", "u"); });
    CHECK(!found);
    CHECK(err.find("is not a plain file") != std::string::npos);
}

TEST_CASE("resolve_params: the password file") {
    TempDir dir;
    const std::string file = dir.write("pass",
                                       "localhost:5432:osuser:osuser:socketpw\n"
                                       "db.example.com:6000:app:alice:namepw\n"
                                       "10.1.2.3:5432:app:alice:addrpw\n"
                                       "*:*:*:*:anypw\n");
    FakeEnv env;
    // Through passfile= in the DSN, in the options, PGPASSFILE, and ~/.pgpass.
    CHECK(resolve("passfile=" + file, {}, env).password == "socketpw");
    CHECK(resolve("", {.passfile = file}, env).password == "socketpw");
    env.vars["PGPASSFILE"] = file;
    CHECK(resolve("", {}, env).password == "socketpw");
    CHECK(resolve("passfile=/nonexistent", {}, env).password == std::nullopt);
    env.vars.clear();
    env.home = dir.path;
    dir.write(".pgpass", "*:*:*:*:homepw\n");
    CHECK(resolve("", {}, env).password == "homepw");
    env.home = "";
    CHECK(resolve("", {}, env).password == std::nullopt);

    // Matched with the resolved host (else hostaddr), port, dbname and user.
    env.vars["PGPASSFILE"] = file;
    CHECK(resolve("host=db.example.com port=6000 dbname=app user=alice", {}, env).password == "namepw");
    CHECK(resolve("hostaddr=10.1.2.3 dbname=app user=alice", {}, env).password == "addrpw");
    CHECK(resolve("host=db.example.com hostaddr=10.1.2.3 port=6000 dbname=app user=alice", {}, env).password ==
          "namepw");
    CHECK(resolve("postgresql://alice@db.example.com:6000/app", {}, env).password == "namepw");
    CHECK(resolve("host=other", {}, env).password == "anypw");

    // Only when no password was given; an empty one counts as none (libpq).
    CHECK(resolve("password=given", {}, env).password == "given");
    CHECK(resolve("", {.password = "opt"}, env).password == "opt");
    CHECK(resolve("password=''", {}, env).password == "socketpw");
    env.vars["PGPASSWORD"] = "envpw";
    CHECK(resolve("", {}, env).password == "envpw");
    env.vars["PGPASSWORD"] = "";
    CHECK(resolve("", {}, env).password == "socketpw");

    // An insecure file is ignored.
    env.vars.erase("PGPASSWORD");
    env.vars["PGPASSFILE"] = dir.write("loose", "*:*:*:*:loosepw\n", 0644);
    std::optional<std::string> pw = "unset";
    const std::string err = capture_stderr([&] { pw = resolve("", {}, env).password; });
    CHECK(pw == std::nullopt);
    CHECK(err.find("WARNING: password file") == 0);
}

TEST_CASE("Environment::system reads the process environment") {
    const Environment env = Environment::system();
    CHECK(env.getenv("UVPG_TEST_SURELY_UNSET_VARIABLE_42") == std::nullopt);
    CHECK_NOTHROW(env.home_dir());
    CHECK_NOTHROW(env.os_user());
}
