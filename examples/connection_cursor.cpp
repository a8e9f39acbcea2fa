// The seed example in uvpg form: connect, open a cursor, run a query, fetch every row.
// Connects to $UVPG_EXAMPLE_DSN, or to the seed's "dbname=aiopg user=aiopg ..." when unset.
#include <uvpg/uvpg.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

uvpg::Task<void> go(std::string dsn) {
    uvpg::Connection conn = co_await uvpg::connect(dsn);
    uvpg::Cursor cur = co_await conn.cursor();
    co_await cur.execute("CREATE TEMP TABLE tbl (id int, val text)");
    co_await cur.execute("INSERT INTO tbl VALUES (%s, %s), (%s, %s)", {1, "one", 2, "two"});
    co_await cur.execute("SELECT * FROM tbl");
    std::vector<uvpg::Row> ret = co_await cur.fetchall();
    for (const uvpg::Row& row : ret) std::printf("%d %s\n", row["id"].as<int>(), row["val"].as<std::string>().c_str());
}

int main() {
    const char* env = std::getenv("UVPG_EXAMPLE_DSN");
    std::string dsn = env ? env : "dbname=aiopg user=aiopg password=secret host=127.0.0.1";
    try {
        uvpg::run(go(dsn));
    } catch (const uvpg::Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
