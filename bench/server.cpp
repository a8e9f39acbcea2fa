// uvpg-bench: the tables the workloads read.
#include "server.hpp"

#include <uvpg/uvpg.hpp>

#include <cstdio>

namespace bench {

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
        uvpg::run(run_sql(c.dsn,
                          "CREATE TABLE world (id int PRIMARY KEY, randomnumber int NOT NULL); "
                          "INSERT INTO world SELECT i, 1 + floor(random() * 10000)::int FROM generate_series(1, 10000) i; "
                          "ANALYZE world"));
    }
}

}  // namespace bench
