// uvpg-bench: the throwaway PostgreSQL and the tables the workloads read.
#include "server.hpp"

#include <uvpg/uvpg.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#ifndef UVPG_SOURCE_ROOT
#define UVPG_SOURCE_ROOT "."
#endif

namespace bench {

namespace {

// The shell command that stops the server and removes its directory, for the destructor and
// for the signal handler (which may only fork and exec: it is kept in a plain array).
char g_cleanup[8192];
volatile sig_atomic_t g_armed = 0;

void cleanup_now() {
    if (!g_armed) return;
    g_armed = 0;
    const pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", g_cleanup, static_cast<char*>(nullptr));
        _exit(127);
    }
    if (pid > 0) waitpid(pid, nullptr, 0);
}

extern "C" void on_signal(int sig) {
    cleanup_now();
    signal(sig, SIG_DFL);
    raise(sig);
}

void arm(const std::string& cmd) {
    if (cmd.size() >= sizeof g_cleanup) throw Failure("server directory path too long");
    std::memcpy(g_cleanup, cmd.c_str(), cmd.size() + 1);
    g_armed = 1;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) signal(sig, on_signal);
}

// pg_server.sh prints NAME=value or NAME='value' lines (possibly with `export `).
std::map<std::string, std::string> parse_env(const std::string& out) {
    std::map<std::string, std::string> env;
    std::size_t at = 0;
    while (at < out.size()) {
        std::size_t end = out.find('\n', at);
        if (end == std::string::npos) end = out.size();
        std::string line = out.substr(at, end - at);
        at = end + 1;
        if (line.rfind("export ", 0) == 0) line.erase(0, 7);
        const std::size_t eq = line.find('=');
        if (eq == std::string::npos) continue;
        std::string value = line.substr(eq + 1);
        if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
            value = value.substr(1, value.size() - 2);
        env[line.substr(0, eq)] = value;
    }
    return env;
}

}  // namespace

ThrowawayServer::ThrowawayServer(const std::string& script) {
    char tmpl[] = "/tmp/uvpg-bench-pg.XXXXXX";
    if (!mkdtemp(tmpl)) throw Failure("cannot make a temporary directory");
    dir_ = tmpl;
    const std::string sh = "bash " + shell_quote(script);
    arm(sh + " stop " + shell_quote(dir_) + " >/dev/null 2>&1; rm -rf " + shell_quote(dir_));
    std::fprintf(stderr, "uvpg-bench: starting a throwaway PostgreSQL in %s\n", dir_.c_str());
    try {
        env_ = parse_env(run_command(sh + " start " + shell_quote(dir_)));
        if (get("UVPG_TEST_DSN").empty()) throw Failure(script + " printed no UVPG_TEST_DSN");
    } catch (...) {
        cleanup_now();
        throw;
    }
}

ThrowawayServer::~ThrowawayServer() {
    std::fprintf(stderr, "uvpg-bench: stopping the throwaway PostgreSQL\n");
    cleanup_now();
}

std::string ThrowawayServer::get(const std::string& name) const {
    auto it = env_.find(name);
    return it == env_.end() ? std::string() : it->second;
}

std::string ThrowawayServer::tls_dsn() const {
    if (get("UVPG_TEST_SSL") != "1") return {};
    return "host=localhost port=" + get("UVPG_TEST_PORT") + " dbname=" + get("UVPG_TEST_SSL_SCRAM_DB") +
           " user=" + get("UVPG_TEST_SSL_SCRAM_USER") + " password=" + get("UVPG_TEST_SSL_SCRAM_PASSWORD") +
           " sslmode=verify-full sslrootcert=" + get("UVPG_TEST_SSL_ROOT");
}

std::string find_server_script(const std::string& explicit_path) {
    namespace fs = std::filesystem;
    if (!explicit_path.empty()) {
        if (access(explicit_path.c_str(), R_OK) != 0) throw Failure("cannot read --server-script " + explicit_path);
        return explicit_path;
    }
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    std::vector<fs::path> candidates;
    if (!ec) candidates = {exe.parent_path().parent_path().parent_path(), exe.parent_path().parent_path()};
    candidates.emplace_back(UVPG_SOURCE_ROOT);
    for (const auto& root : candidates) {
        const fs::path p = root / "tests" / "pg_server.sh";
        if (access(p.c_str(), R_OK) == 0) return p.string();
    }
    throw Failure("tests/pg_server.sh not found: give --dsn or --server-script");
}

namespace {

uvpg::Task<long long> scalar(std::string dsn, std::string sql) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    co_await cur.execute(sql);
    auto row = co_await cur.fetchone();
    co_return (*row)[0].as<std::optional<long long>>().value_or(0);
}

uvpg::Task<void> run_sql(std::string dsn, std::string sql) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    co_await cur.execute(sql);
}

bool table_exists(const std::string& dsn, const char* name) {
    return uvpg::run(scalar(dsn, std::string("SELECT count(*) FROM pg_class WHERE relname = '") + name + "'")) > 0;
}

long long pgbench_accounts(const std::string& dsn) {
    return table_exists(dsn, "pgbench_accounts") ? uvpg::run(scalar(dsn, "SELECT max(aid) FROM pgbench_accounts")) : 0;
}

}  // namespace

void prepare_tables(Config& c, bool w2, bool w7) {
    if (w2 && (c.accounts = pgbench_accounts(c.dsn)) == 0) {
        std::fprintf(stderr, "uvpg-bench: loading pgbench tables at scale %d...\n", c.scale);
        run_command(pg_bin("pgbench") + " -i -q -s " + std::to_string(c.scale) + " " + shell_quote(c.dsn) + " 2>&1");
        c.accounts = pgbench_accounts(c.dsn);
    }
    if (w7 && !table_exists(c.dsn, "world")) {
        std::fprintf(stderr, "uvpg-bench: loading the world table (10,000 rows)...\n");
        uvpg::run(
            run_sql(c.dsn,
                    "CREATE TABLE world (id int PRIMARY KEY, randomnumber int NOT NULL); "
                    "INSERT INTO world SELECT i, 1 + floor(random() * 10000)::int FROM generate_series(1, 10000) i; "
                    "ANALYZE world"));
    }
}

}  // namespace bench
