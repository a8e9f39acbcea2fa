// libFuzzer target: connection strings, their merge with options and environment, and the
// password file.
//
// Input: [flags] dsn [NUL extra]. flags & 3 picks the environment (empty, fixed values, or
// `extra` as one PG* variable chosen by (flags >> 2) & 15); flags >> 6 picks the preset
// ConnectOptions. `extra` is also the password file's text. Nothing is read from the machine:
// the environment is injected and the password file is always ours.
//
// Contract: only uvpg::Error subclasses may escape. They are caught here; anything else
// (std::out_of_range, std::length_error, ...) propagates and libFuzzer reports it as a crash.
#include "common.hpp"
#include "lib/config/conn_params.hpp"

#include <uvpg/errors.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

using namespace uvpg;
using namespace uvpg::detail;

namespace {

using uvpg_fuzz::check;

// A private directory for the password files, removed when the fuzzer exits.
struct ScratchDir {
    std::string path;
    ScratchDir() {
        const char* tmp = std::getenv("TMPDIR");
        path = std::string(tmp && *tmp ? tmp : "/tmp") + "/uvpg-fuzz-dsn.XXXXXX";
        check(mkdtemp(path.data()) != nullptr, "mkdtemp failed");
    }
    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

const std::string& scratch_dir() {
    static const ScratchDir dir;
    return dir.path;
}

// 0600, as pgpass_lookup insists; O_TRUNC so no text from an earlier run survives.
void write_private(const std::string& path, std::string_view text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    check(fd >= 0, "cannot write the password file");
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        check(n > 0, "cannot write the password file");
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

constexpr const char* kVars[16] = {
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSSLMODE",
    "PGAPPNAME",
    "PGOPTIONS",
    "PGCONNECT_TIMEOUT",
    "PGCLIENTENCODING",
    "PGREQUIRESSL",
    "PGSSLROOTCERT",
    "PGTARGETSESSIONATTRS",
    "PGSERVICE",
};

const std::map<std::string, std::string, std::less<>>& fixed_env() {
    static const std::map<std::string, std::string, std::less<>> env = {
        {"PGHOST", "/tmp"},
        {"PGPORT", "5433"},
        {"PGUSER", "fuzzer"},
        {"PGDATABASE", "fuzz"},
        {"PGAPPNAME", "fuzz_dsn"},
        {"PGCONNECT_TIMEOUT", "1"},
        {"PGSSLMODE", "disable"},
        {"PGCLIENTENCODING", "utf-8"},
        {"PGTARGETSESSIONATTRS", "any"},
    };
    return env;
}

Environment make_env(std::uint8_t flags, std::string_view extra) {
    Environment env;
    const std::string home = scratch_dir();
    env.home_dir = [home] { return home; };
    switch (flags & 3) {
    case 0:
        env.getenv = [](const char*) -> std::optional<std::string> { return std::nullopt; };
        env.os_user = [] { return std::string(); };  // no user anywhere: OperationalError
        break;
    case 1:
        env.getenv = [](const char* name) -> std::optional<std::string> {
            auto it = fixed_env().find(name);
            if (it == fixed_env().end()) return std::nullopt;
            return it->second;
        };
        env.os_user = [] { return std::string("osuser"); };
        break;
    default: {
        const std::string var = kVars[(flags >> 2) & 15];
        env.getenv = [var, value = std::string(extra)](const char* name) -> std::optional<std::string> {
            if (var == name) return value;
            return std::nullopt;
        };
        env.os_user = [] { return std::string("osuser"); };
        break;
    }
    }
    return env;
}

// The password file is always one of ours: options.passfile overrides whatever the DSN or the
// environment name, and "" falls back to home_dir(), which is the scratch directory.
ConnectOptions make_options(std::uint8_t preset, const std::string& passfile) {
    ConnectOptions o;
    o.passfile = passfile;
    switch (preset) {
    case 0: break;
    case 1:
        o.host = "localhost";
        o.port = "5432";
        o.user = "u";
        o.dbname = "db";
        o.connect_timeout = 1.5;
        o.timeout = 0.25;
        o.statement_cache_size = 0;
        break;
    case 2:
        o.password = "";  // an empty password still consults the password file
        o.sslmode = "allow";
        o.application_name = "";
        o.fallback_application_name = "fallback";
        o.max_message_size = 1 << 20;
        break;
    default:
        o.hostaddr = "::1";
        o.client_encoding = "UNICODE";
        o.options = "-c search_path=x";
        o.timeout = -1;  // refused with ProgrammingError
        break;
    }
    return o;
}

void check_params(const ConnParams& p) {
    check(!p.port.empty(), "no port");
    check(!p.user.empty(), "no user");
    check(!p.dbname.empty(), "no dbname");
    check(!p.host.empty() || !p.hostaddr.empty(), "no host and no hostaddr");
    const bool strong = p.sslmode == "require" || p.sslmode == "verify-ca" || p.sslmode == "verify-full";
    check(p.sslmode == "disable" || p.sslmode == "allow" || p.sslmode == "prefer" || strong, "an unknown sslmode");
    check(p.tls.sslmode == p.sslmode, "TLS parameters with another sslmode");
    check(p.tls.sslnegotiation == "postgres" || (p.tls.sslnegotiation == "direct" && strong),
          "direct TLS negotiation without require or stronger");
    check(p.tls.channel_binding == "disable" || p.tls.channel_binding == "prefer" || p.tls.channel_binding == "require",
          "an unknown channel_binding");
    check(p.tls.rootcert != "system" || p.sslmode == "verify-full", "sslrootcert=system without verify-full");
    check(!p.tls.min_protocol.empty(), "no minimum TLS version");
    check(p.client_encoding == "UTF8", "an encoding other than UTF8");
    check(p.connect_timeout == 0 || p.connect_timeout >= 2, "connect_timeout below libpq's 2 s");
    check(!p.timeout || *p.timeout > 0, "a zero timeout kept");
    (void)p.socket_path();
    (void)p.startup_params();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    try {
        (void)parse_dsn(all);  // the NUL check, and everything else on the whole input
    } catch (const Error&) {
    }
    if (size == 0) return 0;

    const std::uint8_t flags = data[0];
    std::string_view dsn = all.substr(1), extra;
    if (const std::size_t nul = dsn.find('\0'); nul != std::string_view::npos) {
        extra = dsn.substr(nul + 1);
        dsn = dsn.substr(0, nul);
    }

    try {
        const KeyValues kv = parse_dsn(dsn);
        for (std::size_t i = 0; i < kv.size(); ++i)
            for (std::size_t j = i + 1; j < kv.size(); ++j) check(kv[i].first != kv[j].first, "a keyword twice");
    } catch (const Error&) {
    }

    const std::string& dir = scratch_dir();
    write_private(dir + "/.pgpass", extra);
    const std::string passfile = (flags & 32) ? dir + "/.pgpass" : std::string();
    try {
        check_params(resolve_params(dsn, make_options(flags >> 6, passfile), make_env(flags, extra)));
    } catch (const Error&) {
    }

    // The password file on its own, for a few (host, port, dbname, user) it might name.
    static const char* hosts[] = {"", "/var/run/postgresql", "localhost", "h:x"};
    static const char* users[] = {"u", "*", "a\\:b", ""};
    (void)pgpass_lookup(dir + "/.pgpass", hosts[flags & 3], (flags & 4) ? "5432" : "", "db", users[(flags >> 3) & 3]);
    return 0;
}

namespace {

void write_seeds(const std::string& dir) {
    std::filesystem::create_directories(dir);
    const std::string seeds[] = {
        std::string("\x01", 1) + "host=localhost port=5432 dbname=postgres user=alice password=secret",
        std::string("\x21", 1) + "host=/tmp dbname='my db' application_name='it\\'s' connect_timeout=10 timeout=2.5",
        std::string("\x00", 1) + "postgresql://alice:p%40ss@localhost:5433/mydb?sslmode=disable&application_name=x",
        std::string("\x41", 1) + "postgres://[::1]:5432/db?connect_timeout=3&options=-c%20x%3Dy",
        std::string("\x61", 1) + "postgresql:///db?host=/var/run/postgresql&ssl=true",
        std::string("\x02", 1) + "hostaddr=127.0.0.1 user=u" + std::string("\0", 1) + "10.0.0.1",
        std::string("\x0a", 1) + "dbname=d" + std::string("\0", 1) + "65536",
        std::string("\x2d", 1) + "user=u" + std::string("\0", 1) + "latin1",
        std::string("\x21", 1) + "user=u dbname=db" + std::string("\0", 1) +
            "# comment\nlocalhost:5432:db:u:pw\\:1\n*:*:*:*:fallback\n",
        std::string("\xe1", 1) + "service=x sslmode=require requiressl=1 keepalives=1 target_session_attrs=read-write",
        std::string("\x01", 1) + "host=a,b port=1,2",
        std::string("\x01", 1) + "password=oops unquoted words",
        std::string("\x01", 1) + "gssencmode=require channel_binding=prefer require_auth=md5 replication=database",
        std::string("\x01", 1) + "client_encoding=LATIN1 sslrootcert=system",
        std::string("\x01", 1) + "postgresql://u@h/d?bad%zz=1",
    };
    int i = 0;
    for (const auto& s : seeds) std::ofstream(dir + "/seed-" + std::to_string(i++), std::ios::binary) << s;
}

}  // namespace

UVPG_FUZZ_SEEDS_FROM(write_seeds)
