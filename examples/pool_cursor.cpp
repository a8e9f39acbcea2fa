// The seed's pool example in uvpg form: a pool, a cursor that holds a pooled connection, and
// the connection back in the pool when the cursor goes.
// Connects to $UVPG_EXAMPLE_DSN, or to the seed's "dbname=aiopg user=aiopg ..." when unset.
#include <uvpg/uvpg.hpp>

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <string>

uvpg::Task<void> test_select(const std::string& dsn) {
    uvpg::Pool pool = co_await uvpg::create_pool(dsn);
    {
        uvpg::Cursor cur = co_await pool.cursor();  // holds a pooled connection
        co_await cur.execute("SELECT 1");
        std::optional<uvpg::Row> ret = co_await cur.fetchone();
        assert(ret && (*ret)[0].as<int>() == 1);
        std::printf("SELECT 1 -> %d (pool size %zu, free %zu)\n", (*ret)[0].as<int>(), pool.size(), pool.freesize());
    }  // cursor closed, connection back in the pool
    std::printf("after the cursor: pool size %zu, free %zu\n", pool.size(), pool.freesize());
    pool.close();
    co_await pool.wait_closed();
}

int main() {
    const char* env = std::getenv("UVPG_EXAMPLE_DSN");
    std::string dsn = env ? env : "dbname=aiopg user=aiopg password=secret host=127.0.0.1";
    try {
        uvpg::run(test_select(dsn));
    } catch (const uvpg::Error& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
    return 0;
}
