// uvpg-bench, reading rows into C++ values: W3 (catalog rows, 8 clients), W4 (a million rows
// decoded) and W8 (ten million rows streamed, memory flat).
#include "bench.hpp"
#include "pq.hpp"

#include <uvpg/uvpg.hpp>

#include <cmath>
#include <cstdint>
#include <thread>

#include "proto/codec_datetime.hpp"

namespace bench {

namespace {

// W3: MagicStack's pg_type query with (-1, true), `clients` connections, each value converted.
constexpr const char* kW3Sql =
    "SELECT typname, typnamespace, typowner, typlen, typbyval, typcategory, typispreferred, typisdefined, "
    "typdelim, typrelid, typelem, typarray FROM pg_type WHERE typtypmod = $1 AND typisdefined = $2";

struct Tally {
    long long queries = 0, rows = 0;
    double sum = 0;  // of the values read, so that no conversion is optimised away
};

double w3_row(const uvpg::Row& r) {
    double s = static_cast<double>(r[0].as<std::string_view>().size());
    for (int col : {1, 2, 9, 10, 11}) s += r[col].as<std::uint32_t>();
    s += r[3].as<std::int16_t>();
    for (int col : {4, 6, 7}) s += r[col].as<bool>() ? 1 : 0;
    for (int col : {5, 8}) s += r[col].as<std::string_view>()[0];
    return s;
}

double w3_row(const PGresult* r, int i) {
    double s = static_cast<double>(pq_text(r, i, 0).size());
    for (int col : {1, 2, 9, 10, 11}) s += pq_number<std::uint32_t>(r, i, col);
    s += pq_number<std::int16_t>(r, i, 3);
    for (int col : {4, 6, 7}) s += pq_bool(r, i, col) ? 1 : 0;
    for (int col : {5, 8}) s += pq_text(r, i, col)[0];
    return s;
}

uvpg::Task<void> w3_client(uvpg::Connection* conn, double end, Tally* t) {
    auto cur = co_await conn->cursor();
    while (now_s() < end) {
        uvpg::Params params(-1, true);
        co_await cur.execute(kW3Sql, std::move(params));
        auto rows = co_await cur.fetchall();
        for (const auto& r : rows) t->sum += w3_row(r);
        t->rows += static_cast<long long>(rows.size());
        ++t->queries;
    }
}

Sample w3_sample(const Clock& k, const std::vector<Tally>& tallies) {
    Tally all;
    for (const auto& t : tallies) {
        all.queries += t.queries;
        all.rows += t.rows;
    }
    const double wall = k.wall();
    Sample s = sample_of(k, static_cast<double>(all.rows), 1e9);  // CPU per row
    s.rate = static_cast<double>(all.queries) / wall;
    s.extra.emplace_back("rows_per_s", static_cast<double>(all.rows) / wall);
    return s;
}

uvpg::Task<std::vector<Sample>> w3_uvpg(std::string dsn, int clients, double duration) {
    std::vector<uvpg::Connection> conns;
    for (int i = 0; i < clients; ++i) conns.push_back(co_await uvpg::connect(dsn));
    std::vector<Tally> tallies(conns.size());
    std::vector<uvpg::Task<void>> ws;
    Clock k;
    const double end = k.t0 + duration;
    for (std::size_t i = 0; i < conns.size(); ++i) ws.push_back(w3_client(&conns[i], end, &tallies[i]));
    co_await uvpg::gather(std::move(ws));
    std::vector<Sample> out;
    out.push_back(w3_sample(k, tallies));
    co_return out;
}

void w3_libpq_client(PGconn* c, double end, Tally* t) {
    const char* values[] = {"-1", "t"};
    while (now_s() < end) {
        PGresult* r = PQexecPrepared(c, "w3", 2, values, nullptr, nullptr, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) pq_take(c, r, PGRES_TUPLES_OK);
        const int n = PQntuples(r);
        for (int i = 0; i < n; ++i) t->sum += w3_row(r, i);
        PQclear(r);
        t->rows += n;
        ++t->queries;
    }
}

// libpq: one thread per connection, each with the statement prepared.
std::vector<Sample> w3_libpq(const std::string& dsn, int clients, double duration) {
    std::vector<PqConn> conns;
    for (int i = 0; i < clients; ++i) {
        conns.emplace_back(dsn);
        pq_prepare(conns.back(), "w3", kW3Sql, 2);
    }
    std::vector<Tally> tallies(conns.size());
    std::vector<std::thread> ts;
    Clock k;
    const double end = k.t0 + duration;
    for (std::size_t i = 0; i < conns.size(); ++i)
        ts.emplace_back([&, i] {
            try {
                w3_libpq_client(conns[i], end, &tallies[i]);
            } catch (const Failure&) {
                tallies[i].queries = -1;
            }
        });
    for (auto& t : ts) t.join();
    for (const auto& t : tallies)
        if (t.queries < 0) throw Failure("W3: a libpq client failed");
    return {w3_sample(k, tallies)};
}

// W4: every value of a million rows converted into a C++ value. uvpg reads them in binary (a
// parameter makes the statement prepared, so Bind can ask for binary columns); libpq reads
// text and converts with the same parsers a careful C++ program would use.
constexpr const char* kW4Sql =
    "SELECT i, i * 1.5::float8, 'row ' || i, now(), i % 2 = 0 FROM generate_series(1, $1::int4) i";

Sample w4_sample(const Clock& k, std::size_t rows, double checksum) {
    Sample s = sample_of(k, static_cast<double>(rows), 1e9);
    s.extra.emplace_back("checksum", checksum);
    return s;
}

uvpg::Task<std::vector<Sample>> w4_uvpg(std::string dsn, long long n) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    Clock k;
    uvpg::Params params(static_cast<std::int32_t>(n));
    co_await cur.execute(kW4Sql, std::move(params));
    std::vector<uvpg::Row> rows = co_await cur.fetchall();
    double sum = 0;
    for (const auto& r : rows) {
        sum += r[0].as<int>();
        sum += r[1].as<double>();
        sum += static_cast<double>(r[2].as<std::string_view>().size());
        sum += r[3].as<uvpg::TimestampTz>().pg_micros() > 0 ? 1 : 0;  // each side reads its own now()
        sum += r[4].as<bool>() ? 1 : 0;
    }
    std::vector<Sample> out;
    out.push_back(w4_sample(k, rows.size(), sum));
    co_return out;
}

std::vector<Sample> w4_libpq(const std::string& dsn, long long n) {
    PqConn c(dsn);
    pq_exec(c, "SET DateStyle = ISO");
    const std::string count = std::to_string(n);
    const char* values[] = {count.c_str()};
    Clock k;
    PGresult* res = PQexecParams(c, kW4Sql, 1, nullptr, values, nullptr, nullptr, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) pq_take(c, res, PGRES_TUPLES_OK);
    const int rows = PQntuples(res);
    double sum = 0;
    for (int i = 0; i < rows; ++i) {
        std::int64_t ts_us = 0;  // µs since 2000-01-01, what TimestampTz::pg_micros() holds
        (void)uvpg::proto::text_to_timestamptz(pq_text(res, i, 3), ts_us);
        sum += pq_number<int>(res, i, 0) + pq_number<double>(res, i, 1) +
               static_cast<double>(pq_text(res, i, 2).size()) + (ts_us > 0 ? 1 : 0) + (pq_bool(res, i, 4) ? 1 : 0);
    }
    PQclear(res);
    return {w4_sample(k, static_cast<std::size_t>(rows), sum)};
}

// W8: `rows` rows x 3 columns read as they arrive, every value converted, resident memory
// sampled every 100,000 rows: its peak growth must not follow the size of the result.
constexpr const char* kW8Sql = "SELECT i, i::text, i * 2.5::float8 FROM generate_series(1, $1::int4) i";
constexpr long long kRssEvery = 100000;

Sample w8_sample(const Clock& k, long long rows, long long want, const RssPeak& rss, const char* driver) {
    if (rows != want)
        throw Failure(std::string("W8: ") + driver + " read " + std::to_string(rows) + " rows, not " +
                      std::to_string(want));
    Sample s = sample_of(k, static_cast<double>(rows), 1e9);
    s.extra.emplace_back("peak_rss_growth_mib", rss.growth_mib());
    return s;
}

uvpg::Task<std::vector<Sample>> w8_uvpg(std::string dsn, long long n) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    RssPeak rss;
    Clock k;
    uvpg::Params params(static_cast<std::int32_t>(n));
    co_await cur.stream(kW8Sql, std::move(params));
    long long rows = 0;
    double sum = 0;
    for (;;) {
        auto batch = co_await cur.fetchmany(10000);
        if (batch.empty()) break;
        for (const auto& r : batch)
            sum += r[0].as<int>() + static_cast<double>(r[1].as<std::string_view>().size()) + r[2].as<double>();
        if ((rows + static_cast<long long>(batch.size())) / kRssEvery != rows / kRssEvery) rss.sample();
        rows += static_cast<long long>(batch.size());
    }
    std::vector<Sample> out;
    out.push_back(w8_sample(k, rows, n, rss, "uvpg"));
    out.back().extra.emplace_back("checksum", sum);
    co_return out;
}

std::vector<Sample> w8_libpq(const std::string& dsn, long long n) {
    PqConn c(dsn);
    const std::string count = std::to_string(n);
    const char* values[] = {count.c_str()};
    RssPeak rss;
    Clock k;
    if (!PQsendQueryParams(c, kW8Sql, 1, nullptr, values, nullptr, nullptr, 0) || !PQsetSingleRowMode(c)) pq_fail(c);
    long long rows = 0;
    double sum = 0;
    while (PGresult* r = PQgetResult(c)) {
        const ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE) {
            sum += pq_number<int>(r, 0, 0) + static_cast<double>(pq_text(r, 0, 1).size()) + pq_number<double>(r, 0, 2);
            if (++rows % kRssEvery == 0) rss.sample();
        }
        pq_take(c, r, st == PGRES_SINGLE_TUPLE ? st : PGRES_TUPLES_OK);
    }
    std::vector<Sample> out{w8_sample(k, rows, n, rss, "libpq")};
    out.back().extra.emplace_back("checksum", sum);
    return out;
}

}  // namespace

Workload w3_catalog_rows(const Config& c) {
    const std::string what = "pg_type rows (-1, true), " + std::to_string(c.clients) + " conns (libpq: a thread each)";
    return {"W3",
            {{"W3", what, "q/s", "ns/row", false}},
            [&c] { return uvpg::run(w3_uvpg(c.dsn, c.clients, c.duration)); },
            [&c] { return w3_libpq(c.dsn, c.clients, c.duration); },
            "libpq"};
}

Workload w4_decode(const Config& c) {
    const std::string what = "decode " + std::to_string(c.w4_rows) + " rows x 5 types into C++ (libpq: text)";
    return {"W4",
            {{"W4", what, "rows/s", "ns/row", false}},
            [&c] { return uvpg::run(w4_uvpg(c.dsn, c.w4_rows)); },
            [&c] { return w4_libpq(c.dsn, c.w4_rows); },
            "libpq"};
}

Workload w8_streaming(const Config& c) {
    const std::string what = "stream " + std::to_string(c.w8_rows) + " rows x 3 (libpq single-row mode)";
    return {"W8",
            {{"W8", what, "rows/s", "ns/row", false}},
            [&c] { return uvpg::run(w8_uvpg(c.dsn, c.w8_rows)); },
            [&c] { return w8_libpq(c.dsn, c.w8_rows); },
            "libpq"};
}

}  // namespace bench
