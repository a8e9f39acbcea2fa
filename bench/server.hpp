// uvpg-bench: the throwaway PostgreSQL (tests/pg_server.sh) and the tables the workloads read.
#pragma once
#include "bench.hpp"

#include <map>
#include <string>

namespace bench {

// Starts a server in a fresh temporary directory with tests/pg_server.sh; stops it and removes
// the directory when it goes, and also on SIGINT, SIGTERM or SIGHUP.
class ThrowawayServer {
public:
    explicit ThrowawayServer(const std::string& script);
    ~ThrowawayServer();
    ThrowawayServer(const ThrowawayServer&) = delete;
    ThrowawayServer& operator=(const ThrowawayServer&) = delete;

    // What pg_server.sh printed (UVPG_TEST_DSN, UVPG_TEST_SSL, ...).
    const std::map<std::string, std::string>& env() const { return env_; }
    std::string get(const std::string& name) const;
    // The TLS + SCRAM DSN of the server's TLS-only database (as scripts/main.sh builds it), or
    // "" when the server has no TLS.
    std::string tls_dsn() const;

private:
    std::string dir_;
    std::map<std::string, std::string> env_;
};

// tests/pg_server.sh: `explicit_path` if given, else beside the executable's build tree, else
// in the source tree uvpg-bench was built from.
std::string find_server_script(const std::string& explicit_path);

// Loads what the chosen workloads read and is missing: the pgbench tables (W2; also fills
// c.accounts) and the TechEmpower `world` table (W7).
void prepare_tables(Config& c, bool w2, bool w7);

}  // namespace bench
