// uvpg-paths: runs one hot path N times and nothing else, for instruction counts under callgrind
// (scripts/callgrind.sh runs it at two sizes and divides the difference, so that start-up,
// connecting and the first run's caches drop out). Times are not measured here: uvpg-bench does
// that, beside libpq.
//   select1   `SELECT 1` (simple query), one round trip each
//   prepared  `SELECT $1::int4`, a cached prepared statement, one round trip each
//   w4row     one row of W4's query (five columns read as C++ values), N rows in one result
//   w5insert  one W5 INSERT of two parameters, one round trip each
#include <uvpg/uvpg.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

double sink = 0;  // what was read, so that nothing is optimised away

uvpg::Task<void> run(std::string dsn, std::string path, int n) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    if (path == "select1") {
        for (int i = 0; i < n; ++i) {
            co_await cur.execute("SELECT 1");
            auto row = co_await cur.fetchone();
            sink += (*row)[0].as<int>();
        }
    } else if (path == "prepared") {
        for (int i = 0; i < n; ++i) {
            uvpg::Params params(i);
            co_await cur.execute("SELECT $1::int4", std::move(params));
            auto row = co_await cur.fetchone();
            sink += (*row)[0].as<int>();
        }
    } else if (path == "w4row") {
        uvpg::Params params(static_cast<std::int32_t>(n));
        co_await cur.execute(
            "SELECT i, i * 1.5::float8, 'row ' || i, now(), i % 2 = 0 FROM generate_series(1, $1::int4) i",
            std::move(params));
        auto rows = co_await cur.fetchall();
        for (const auto& r : rows) {
            sink += r[0].as<int>() + r[1].as<double>() + static_cast<double>(r[2].as<std::string_view>().size());
            sink += r[3].as<uvpg::TimestampTz>().pg_micros() > 0 ? 1 : 0;
            sink += r[4].as<bool>() ? 1 : 0;
        }
    } else if (path == "w5insert") {
        co_await cur.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS uvpg_paths_w5 (a int, b text); TRUNCATE uvpg_paths_w5");
        for (int i = 0; i < n; ++i) {
            uvpg::Params params(i, "some text");
            co_await cur.execute("INSERT INTO uvpg_paths_w5(a, b) VALUES ($1, $2)", std::move(params));
        }
    } else {
        throw std::invalid_argument("unknown path " + path);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: uvpg-paths DSN select1|prepared|w4row|w5insert N\n");
        return 2;
    }
    try {
        uvpg::run(run(argv[1], argv[2], std::atoi(argv[3])));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uvpg-paths: %s\n", e.what());
        return 1;
    }
    return sink < 0 ? 3 : 0;
}
