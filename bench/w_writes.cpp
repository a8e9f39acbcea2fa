// uvpg-bench, writing: W5 (single-row INSERTs, one at a time and pipelined) and W6 (COPY in).
#include "bench.hpp"
#include "pq.hpp"

#include <uvpg/uvpg.hpp>

#include <algorithm>
#include <cstring>
#include <memory>

namespace bench {

namespace {

// W5: `n` single-row INSERTs into an unlogged table on one connection, first one at a time, then
// pipelined (uvpg: executemany; libpq: pipeline mode). Pinned like W1. The table is emptied
// before each phase and its row count checked after it.
constexpr const char* kW5Table = "CREATE UNLOGGED TABLE IF NOT EXISTS w5 (a int, b text); TRUNCATE w5";
constexpr const char* kW5Sql = "INSERT INTO w5(a, b) VALUES ($1, $2)";

void check_count(long long got, long long want, const char* what) {
    if (got != want)
        throw Failure(std::string("W5: ") + what + ": " + std::to_string(got) + " rows, not " + std::to_string(want));
}

uvpg::Task<long long> w5_count(uvpg::Cursor* cur) {
    co_await cur->execute("SELECT count(*) FROM w5");
    auto row = co_await cur->fetchone();
    co_return (*row)[0].as<long long>();
}

uvpg::Task<std::vector<Sample>> w5_uvpg(std::string dsn, int n, bool pin) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    Pinned p(pin, conn.backend_pid());
    co_await cur.execute(kW5Table);
    Clock one_clock;
    for (int i = 0; i < n; ++i) {
        uvpg::Params params(i, std::to_string(i));
        co_await cur.execute(kW5Sql, std::move(params));
    }
    std::vector<Sample> out;
    out.push_back(sample_of(one_clock, n, 1e6));
    check_count(co_await w5_count(&cur), n, "uvpg one at a time");
    co_await cur.execute("TRUNCATE w5");
    Clock many_clock;
    std::vector<uvpg::Params> seq;
    seq.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) seq.emplace_back(i, std::to_string(i));
    co_await cur.executemany(kW5Sql, std::move(seq));
    out.push_back(sample_of(many_clock, n, 1e6));
    check_count(cur.rowcount(), n, "uvpg executemany rowcount");
    check_count(co_await w5_count(&cur), n, "uvpg executemany");
    for (auto& s : out) s.pinned = p.pinned;
    co_return out;
}

long long w5_count(PGconn* c) {
    PGresult* r = PQexec(c, "SELECT count(*) FROM w5");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) pq_take(c, r, PGRES_TUPLES_OK);
    const auto n = pq_number<long long>(r, 0, 0);
    PQclear(r);
    return n;
}

void w5_send(PGconn* c, int i) {
    const std::string a = std::to_string(i);
    const char* values[] = {a.c_str(), a.c_str()};
    if (!PQsendQueryPrepared(c, "w5", 2, values, nullptr, nullptr, 0)) pq_fail(c);
}

// Pipeline mode: every INSERT sent without waiting, one Sync at the end. Nonblocking, and the
// results read as they come whenever the socket does not take more, so neither side can stall
// the other with full buffers.
long long w5_pipelined(PGconn* c, int n) {
    long long inserted = 0;
    bool synced = false;
    PipelineReader reader(c);
    auto on_result = [&](PGresult*) { ++inserted; };
    auto on_sync = [&] { synced = true; };
    if (PQsetnonblocking(c, 1) != 0 || !PQenterPipelineMode(c)) pq_fail(c);
    for (int i = 0; i < n; ++i) {
        w5_send(c, i);
        if (i % 64 != 63) continue;
        int f;
        while ((f = PQflush(c)) == 1) {  // the socket takes no more: read while waiting
            pq_wait(c, true);
            reader.drain(true, on_result, on_sync);
        }
        if (f < 0) pq_fail(c);
        reader.drain(true, on_result, on_sync);
    }
    if (!PQpipelineSync(c)) pq_fail(c);
    for (;;) {
        const int f = PQflush(c);
        if (f < 0) pq_fail(c);
        reader.drain(false, on_result, on_sync);  // what libpq holds already
        if (synced) break;
        pq_wait(c, f == 1);
        reader.drain(true, on_result, on_sync);
    }
    if (!PQexitPipelineMode(c) || PQsetnonblocking(c, 0) != 0) pq_fail(c);
    return inserted;
}

std::vector<Sample> w5_libpq(const std::string& dsn, int n, bool pin) {
    PqConn c(dsn);
    Pinned p(pin, PQbackendPID(c));
    pq_exec(c, kW5Table);
    pq_prepare(c, "w5", kW5Sql, 2);
    Clock one_clock;
    for (int i = 0; i < n; ++i) {
        const std::string a = std::to_string(i);
        const char* values[] = {a.c_str(), a.c_str()};
        pq_take(c, PQexecPrepared(c, "w5", 2, values, nullptr, nullptr, 0), PGRES_COMMAND_OK);
    }
    std::vector<Sample> out{sample_of(one_clock, n, 1e6)};
    check_count(w5_count(c), n, "libpq one at a time");
    pq_exec(c, "TRUNCATE w5");
    Clock many_clock;
    const long long inserted = w5_pipelined(c, n);
    out.push_back(sample_of(many_clock, n, 1e6));
    check_count(inserted, n, "libpq pipeline results");
    check_count(w5_count(c), n, "libpq pipeline");
    for (auto& s : out) s.pinned = p.pinned;
    return out;
}

// W6: rows (int, text) through COPY FROM STDIN into a fresh unlogged table, the same bytes for
// both drivers, handed over in 64 KiB pieces.
std::string w6_data(long long rows) {
    std::string data;
    data.reserve(static_cast<std::size_t>(rows) * 24);
    for (long long i = 1; i <= rows; ++i)
        data += std::to_string(i) + "\tsome text for row " + std::to_string(i % 1000) + "\n";
    return data;
}

constexpr const char* kW6Table = "DROP TABLE IF EXISTS uvpg_w6; CREATE UNLOGGED TABLE uvpg_w6 (a int, b text)";

void check_copied(double copied, long long rows, const char* driver) {
    if (copied != static_cast<double>(rows))
        throw Failure(std::string("W6: ") + driver + " copied a different number of rows");
}

uvpg::Task<std::vector<Sample>> w6_uvpg(std::string dsn, std::shared_ptr<const std::string> data, long long rows) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    co_await cur.execute(kW6Table);
    std::size_t at = 0;
    Clock k;
    co_await cur.copy_in("COPY uvpg_w6 FROM STDIN", [&](char* buf, std::size_t size) {
        const std::size_t n = std::min(size, data->size() - at);
        std::memcpy(buf, data->data() + at, n);
        at += n;
        return n;
    });
    std::vector<Sample> out;
    out.push_back(sample_of(k, static_cast<double>(rows), 1e9));
    check_copied(static_cast<double>(cur.rowcount()), rows, "uvpg");
    co_return out;
}

std::vector<Sample> w6_libpq(const std::string& dsn, const std::string& data, long long rows) {
    PqConn c(dsn);
    pq_exec(c, kW6Table);
    Clock k;
    pq_take(c, PQexec(c, "COPY uvpg_w6 FROM STDIN"), PGRES_COPY_IN);
    for (std::size_t at = 0; at < data.size(); at += 65536) {
        const int n = static_cast<int>(std::min<std::size_t>(65536, data.size() - at));
        if (PQputCopyData(c, data.data() + at, n) != 1) pq_fail(c);
    }
    if (PQputCopyEnd(c, nullptr) != 1) pq_fail(c);
    PGresult* r = PQgetResult(c);
    const double copied = std::strtod(PQcmdTuples(r), nullptr);
    pq_take(c, r, PGRES_COMMAND_OK);
    while ((r = PQgetResult(c))) PQclear(r);
    std::vector<Sample> out{sample_of(k, static_cast<double>(rows), 1e9)};
    check_copied(copied, rows, "libpq");
    return out;
}

}  // namespace

Workload w5_small_writes(const Config& c) {
    const std::string n = std::to_string(c.w5_rows);
    return {"W5",
            {{"W5", n + " single-row INSERTs one at a time", "rows/s", "us/row", true},
             {"W5p", n + " INSERTs pipelined (executemany; pipeline mode)", "rows/s", "us/row", true}},
            [&c] { return uvpg::run(w5_uvpg(c.dsn, c.w5_rows, c.pin)); },
            [&c] { return w5_libpq(c.dsn, c.w5_rows, c.pin); },
            "libpq"};
}

Workload w6_copy_in(const Config& c) {
    auto data = std::make_shared<const std::string>(w6_data(c.w6_rows));
    const std::string what = "COPY FROM STDIN " + std::to_string(c.w6_rows) + " rows (int, text)";
    return {"W6",
            {{"W6", what, "rows/s", "ns/row", false}},
            [&c, data] { return uvpg::run(w6_uvpg(c.dsn, data, c.w6_rows)); },
            [&c, data] { return w6_libpq(c.dsn, *data, c.w6_rows); },
            "libpq"};
}

}  // namespace bench
