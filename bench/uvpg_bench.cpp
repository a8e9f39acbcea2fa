// uvpg-bench: workloads of ../shared/BENCH.md run with uvpg and with the reference side by
// side on one server, A/B interleaved, medians reported. For now: W2 (point selects through
// the pool) against `pgbench -S -M prepared`, and W4 (decoding a million rows into C++
// values) against libpq's text results with the same conversions.
#include <uvpg/uvpg.hpp>

#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <random>
#include <thread>

#include <uv.h>
#include <string>
#include <vector>

#include "proto/codec_datetime.hpp"

#ifdef UVPG_BENCH_LIBPQ
#include <libpq-fe.h>
#endif

namespace {

struct Args {
    std::string dsn;
    int clients = 8;
    double duration = 5;
    int repeat = 3;
    int scale = 10;
    int threads = 1;  // event loops, each with its own pool (as pgbench -j); 1 = one pool
    bool reference = true;  // --no-reference: uvpg only (for profiling)
    bool pin = true;        // W1: client and its backend on one CPU (--no-pin)
    std::string workloads = "W1,W2,W4,W6,TLS";
    long long w4_rows = 1000000;
    std::string tls_dsn;     // TLS + SCRAM for the TLS workloads; default: --dsn with sslmode=require
    int connects = 200;      // connection set-ups timed per repetition
    int round_trips = 20000; // W1 over TLS: SELECT 1 per repetition
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "uvpg-bench: %s\n"
                 "usage: uvpg-bench --dsn DSN [--workload W1,W2,W4,W6,TLS] [--pin|--no-pin] [--clients N] [--duration SECONDS] [--repeat N]\n"
                 "                  [--scale N] [--threads N] [--w4-rows N] [--tls-dsn DSN] [--connects N]\n"
                 "                  [--round-trips N] [--no-reference]\n",
                 why);
    std::exit(2);
}

Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(("missing value for " + k).c_str());
            return argv[++i];
        };
        auto number = [&](double lo) {
            std::string v = value();
            char* end = nullptr;
            double d = std::strtod(v.c_str(), &end);
            if (v.empty() || *end || !(d >= lo)) usage(("bad value for " + k + ": " + v).c_str());
            return d;
        };
        if (k == "--dsn") a.dsn = value();
        else if (k == "--clients") a.clients = static_cast<int>(number(1));
        else if (k == "--duration") a.duration = number(0.1);
        else if (k == "--repeat") a.repeat = static_cast<int>(number(1));
        else if (k == "--scale") a.scale = static_cast<int>(number(1));
        else if (k == "--threads") a.threads = static_cast<int>(number(1));
        else if (k == "--no-reference") a.reference = false;
        else if (k == "--pin") a.pin = true;
        else if (k == "--no-pin") a.pin = false;
        else if (k == "--workload") a.workloads = value();
        else if (k == "--w4-rows") a.w4_rows = static_cast<long long>(number(1));
        else if (k == "--tls-dsn") a.tls_dsn = value();
        else if (k == "--connects") a.connects = static_cast<int>(number(1));
        else if (k == "--round-trips") a.round_trips = static_cast<int>(number(1));
        else usage(("unknown argument " + k).c_str());
    }
    if (a.dsn.empty()) usage("--dsn is required");
    if (a.tls_dsn.empty()) a.tls_dsn = a.dsn + " sslmode=require";
    return a;
}

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double sys_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_stime.tv_sec) + static_cast<double>(u.ru_stime.tv_usec) / 1e6;
}

double now_s() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string pg_bin(const char* name) {
    if (FILE* p = popen("pg_config --bindir 2>/dev/null", "r")) {
        char buf[512] = {0};
        bool got = std::fgets(buf, sizeof buf, p) != nullptr;
        pclose(p);
        std::string dir = got ? std::string(buf) : std::string();
        while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
        std::string path = dir + "/" + name;
        if (!dir.empty() && access(path.c_str(), X_OK) == 0) return path;
    }
    for (int v = 18; v >= 12; --v) {
        std::string path = "/usr/lib/postgresql/" + std::to_string(v) + "/bin/" + name;
        if (access(path.c_str(), X_OK) == 0) return path;
    }
    return name;
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Runs a command, returns its stdout; exits on failure.
std::string run_command(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) usage(("cannot run " + cmd).c_str());
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    int rc = pclose(p);
    if (rc != 0) {
        std::fprintf(stderr, "uvpg-bench: command failed (%d): %s\n%s\n", rc, cmd.c_str(), out.c_str());
        std::exit(1);
    }
    return out;
}

uvpg::Task<long long> count_accounts(std::string dsn) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    co_await cur.execute("SELECT count(*) FROM pg_class WHERE relname = 'pgbench_accounts'");
    if ((*co_await cur.fetchone())[0].as<int>() == 0) co_return 0;
    co_await cur.execute("SELECT max(aid) FROM pgbench_accounts");
    co_return (*co_await cur.fetchone())[0].as<std::optional<long long>>().value_or(0);
}

struct Phase {
    double qps = 0;
    double cpu_us_per_query = 0;
};

// W2 with uvpg: `clients` tasks through a pool of `clients` connections.
uvpg::Task<Phase> w2_uvpg(std::string dsn, int clients, double duration, long long accounts, uv_loop_t* loop) {
    auto pool = co_await uvpg::create_pool(dsn, {.loop = loop,
                                                 .minsize = static_cast<std::size_t>(clients),
                                                 .maxsize = static_cast<std::size_t>(clients)});
    long long total = 0;
    double deadline = 0;
    auto worker = [](uvpg::Pool& p, long long& n, const double& end, long long acc, unsigned seed) -> uvpg::Task<void> {
        std::mt19937_64 rng(seed);
        std::uniform_int_distribution<long long> aid(1, acc);
        auto conn = co_await p.acquire();
        auto cur = co_await conn.cursor();
        while (now_s() < end) {
            co_await cur.execute("SELECT abalance FROM pgbench_accounts WHERE aid = $1", {aid(rng)});
            auto row = co_await cur.fetchone();
            (void)(*row)[0].as<int>();
            ++n;
        }
    };
    std::vector<uvpg::Task<void>> ws;
    double cpu0 = cpu_seconds(), t0 = now_s();
    deadline = t0 + duration;
    for (int i = 0; i < clients; ++i) ws.push_back(worker(pool, total, deadline, accounts, static_cast<unsigned>(i + 1)));
    co_await uvpg::gather(std::move(ws));
    double wall = now_s() - t0, cpu = cpu_seconds() - cpu0;
    co_return Phase{static_cast<double>(total) / wall, total ? cpu * 1e6 / static_cast<double>(total) : 0};
}

// W2 on `threads` event loops at once, clients split between them; CPU is the whole process's.
Phase w2_uvpg_threads(const Args& a, long long accounts) {
    if (a.threads == 1) return uvpg::run(w2_uvpg(a.dsn, a.clients, a.duration, accounts, nullptr));
    std::vector<Phase> parts(static_cast<std::size_t>(a.threads));
    std::vector<std::thread> ts;
    double cpu0 = cpu_seconds();
    for (int t = 0; t < a.threads; ++t) {
        int share = a.clients / a.threads + (t < a.clients % a.threads ? 1 : 0);
        ts.emplace_back([&, t, share] {
            uv_loop_t loop;
            uv_loop_init(&loop);
            parts[static_cast<std::size_t>(t)] = uvpg::run(&loop, w2_uvpg(a.dsn, share, a.duration, accounts, &loop));
            uv_run(&loop, UV_RUN_NOWAIT);
            uv_loop_close(&loop);
        });
    }
    for (auto& t : ts) t.join();
    Phase sum;
    for (auto& p : parts) sum.qps += p.qps;
    double cpu = cpu_seconds() - cpu0;
    sum.cpu_us_per_query = sum.qps > 0 ? cpu * 1e6 / (sum.qps * a.duration) : 0;
    return sum;
}

// W2 reference: pgbench -S -M prepared -c N -j 2, its CPU from the child's rusage.
Phase w2_pgbench(const std::string& dsn, int clients, double duration) {
    rusage before{};
    getrusage(RUSAGE_CHILDREN, &before);
    std::string cmd = pg_bin("pgbench") + " -n -S -M prepared -c " + std::to_string(clients) + " -j 2 -T " +
                      std::to_string(static_cast<int>(duration + 0.5)) + " " + shell_quote(dsn) + " 2>&1";
    std::string out = run_command(cmd);
    rusage after{};
    getrusage(RUSAGE_CHILDREN, &after);
    Phase ph;
    auto pos = out.find("tps = ");
    if (pos != std::string::npos) ph.qps = std::strtod(out.c_str() + pos + 6, nullptr);
    auto secs = [](const rusage& u) {
        return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
               static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
    };
    static const std::string processed = "number of transactions actually processed: ";
    auto tx = out.find(processed);
    double n = tx == std::string::npos ? 0 : std::strtod(out.c_str() + tx + processed.size(), nullptr);
    if (n > 0) ph.cpu_us_per_query = (secs(after) - secs(before)) * 1e6 / n;
    return ph;
}

// W4: every value of a million rows converted into a C++ value. uvpg reads them in binary (a
// parameter makes the statement prepared, so Bind can ask for binary columns); libpq reads
// text and converts with the same parsers a careful C++ program would use.
constexpr const char* kW4Sql =
    "SELECT i, i * 1.5::float8, 'row ' || i, now(), i %% 2 = 0 FROM generate_series(1, %s::int4) i";

struct RowPhase {
    double rows_per_s = 0;
    double cpu_ns_per_row = 0;
    double sys_ns_per_row = 0;  // the kernel's share of cpu_ns_per_row
    double checksum = 0;
};

uvpg::Task<RowPhase> w4_uvpg(std::string dsn, long long n) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    double cpu0 = cpu_seconds(), sys0 = sys_seconds(), t0 = now_s();
    co_await cur.execute(kW4Sql, {static_cast<std::int32_t>(n)});
    std::vector<uvpg::Row> rows = co_await cur.fetchall();
    RowPhase ph;
    double sum = 0;
    for (const auto& r : rows) {
        sum += r[0].as<int>();
        sum += r[1].as<double>();
        sum += static_cast<double>(r[2].as<std::string_view>().size());
        sum += r[3].as<uvpg::TimestampTz>().pg_micros() > 0 ? 1 : 0;  // each side reads its own now()
        sum += r[4].as<bool>() ? 1 : 0;
    }
    double wall = now_s() - t0, cpu = cpu_seconds() - cpu0;
    ph.rows_per_s = static_cast<double>(rows.size()) / wall;
    ph.cpu_ns_per_row = cpu * 1e9 / static_cast<double>(rows.size());
    ph.sys_ns_per_row = (sys_seconds() - sys0) * 1e9 / static_cast<double>(rows.size());
    ph.checksum = sum;
    co_return ph;
}

#ifdef UVPG_BENCH_LIBPQ
// The reference's errors end the run with libpq's message.
[[noreturn]] void pq_fail(PGconn* c) { usage(("libpq: " + std::string(PQerrorMessage(c))).c_str()); }

PGconn* pq_connect(const std::string& dsn) {
    PGconn* c = PQconnectdb(dsn.c_str());
    if (PQstatus(c) != CONNECTION_OK) pq_fail(c);
    return c;
}
#endif

#ifdef UVPG_BENCH_LIBPQ
RowPhase w4_libpq(const std::string& dsn, long long n) {
    PGconn* c = pq_connect(dsn);
    PQclear(PQexec(c, "SET DateStyle = ISO"));
    std::string sql = kW4Sql;
    sql.replace(sql.find("%s"), 2, std::to_string(n));
    sql.replace(sql.find("%%"), 2, "%");
    double cpu0 = cpu_seconds(), sys0 = sys_seconds(), t0 = now_s();
    PGresult* res = PQexec(c, sql.c_str());
    if (PQresultStatus(res) != PGRES_TUPLES_OK) pq_fail(c);
    const int rows = PQntuples(res);
    double sum = 0;
    for (int i = 0; i < rows; ++i) {
        auto field = [&](int col) { return std::string_view(PQgetvalue(res, i, col), static_cast<std::size_t>(PQgetlength(res, i, col))); };
        std::string_view f0 = field(0), f1 = field(1), f3 = field(3);
        int x = 0;
        std::from_chars(f0.data(), f0.data() + f0.size(), x);
        double d = 0;
        std::from_chars(f1.data(), f1.data() + f1.size(), d);
        std::int64_t ts_us = 0;  // µs since 2000-01-01, what TimestampTz::pg_micros() holds
        (void)uvpg::proto::text_to_timestamptz(f3, ts_us);
        sum += x + d + static_cast<double>(field(2).size()) + (ts_us > 0 ? 1 : 0) + (field(4) == "t" ? 1 : 0);
    }
    PQclear(res);
    double wall = now_s() - t0, cpu = cpu_seconds() - cpu0, sys = sys_seconds() - sys0;
    PQfinish(c);
    return RowPhase{rows / wall, cpu * 1e9 / rows, sys * 1e9 / rows, sum};
}
#endif

// W1: round trips on one connection, `SELECT 1` (simple query) and `SELECT $1::int4`
// (prepared), one after another. Pinned, the client and its backend share CPU 0: on these
// 2-vCPU machines cross-core wake-ups otherwise swing a round-trip loop by 5x (BENCH.md).
struct Pinned {
    cpu_set_t before{};
    bool pinned = false;
    Pinned(bool pin, int backend) {
        if (!pin) return;
        sched_getaffinity(0, sizeof before, &before);
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(0, &one);
        // The backend is the server's process: pinning it needs the same user or root.
        pinned = sched_setaffinity(0, sizeof one, &one) == 0 && sched_setaffinity(backend, sizeof one, &one) == 0;
    }
    ~Pinned() {
        if (pinned) sched_setaffinity(0, sizeof before, &before);
    }
};

struct RoundTrips {
    double simple_qps = 0, simple_cpu_us = 0, prepared_qps = 0, prepared_cpu_us = 0;
    bool pinned = false;
};

uvpg::Task<RoundTrips> w1_uvpg(std::string dsn, int n, bool pin) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    Pinned p(pin, conn.backend_pid());
    RoundTrips rt;
    rt.pinned = p.pinned;
    double cpu0 = cpu_seconds(), t0 = now_s();
    for (int i = 0; i < n; ++i) co_await cur.execute("SELECT 1");
    rt.simple_qps = n / (now_s() - t0);
    rt.simple_cpu_us = (cpu_seconds() - cpu0) * 1e6 / n;
    cpu0 = cpu_seconds();
    t0 = now_s();
    for (int i = 0; i < n; ++i) co_await cur.execute("SELECT $1::int4", {i});
    rt.prepared_qps = n / (now_s() - t0);
    rt.prepared_cpu_us = (cpu_seconds() - cpu0) * 1e6 / n;
    co_return rt;
}

#ifdef UVPG_BENCH_LIBPQ
RoundTrips w1_libpq(const std::string& dsn, int n, bool pin) {
    PGconn* c = pq_connect(dsn);
    RoundTrips rt;
    {
        Pinned p(pin, PQbackendPID(c));
        rt.pinned = p.pinned;
        double cpu0 = cpu_seconds(), t0 = now_s();
        for (int i = 0; i < n; ++i) PQclear(PQexec(c, "SELECT 1"));
        rt.simple_qps = n / (now_s() - t0);
        rt.simple_cpu_us = (cpu_seconds() - cpu0) * 1e6 / n;
        PQclear(PQprepare(c, "w1", "SELECT $1::int4", 1, nullptr));
        cpu0 = cpu_seconds();
        t0 = now_s();
        for (int i = 0; i < n; ++i) {
            const std::string v = std::to_string(i);
            const char* values[] = {v.c_str()};
            PGresult* r = PQexecPrepared(c, "w1", 1, values, nullptr, nullptr, 0);
            if (PQresultStatus(r) != PGRES_TUPLES_OK) pq_fail(c);
            PQclear(r);
        }
        rt.prepared_qps = n / (now_s() - t0);
        rt.prepared_cpu_us = (cpu_seconds() - cpu0) * 1e6 / n;
    }
    PQfinish(c);
    return rt;
}
#endif

// W6: 1,000,000 rows (int, text) through COPY FROM STDIN into a fresh unlogged table, the
// same bytes for both drivers, handed over in 64 KiB pieces.
std::string w6_data(long long rows) {
    std::string data;
    data.reserve(static_cast<std::size_t>(rows) * 24);
    for (long long i = 1; i <= rows; ++i) data += std::to_string(i) + "\tsome text for row " + std::to_string(i % 1000) + "\n";
    return data;
}

constexpr const char* kW6Table = "DROP TABLE IF EXISTS uvpg_w6; CREATE UNLOGGED TABLE uvpg_w6 (a int, b text)";

uvpg::Task<RowPhase> w6_uvpg(std::string dsn, const std::string* data, long long rows) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    co_await cur.execute(kW6Table);
    std::size_t at = 0;
    double cpu0 = cpu_seconds(), t0 = now_s();
    co_await cur.copy_in("COPY uvpg_w6 FROM STDIN", [&](char* buf, std::size_t size) {
        const std::size_t n = std::min(size, data->size() - at);
        std::memcpy(buf, data->data() + at, n);
        at += n;
        return n;
    });
    RowPhase ph;
    ph.rows_per_s = static_cast<double>(rows) / (now_s() - t0);
    ph.cpu_ns_per_row = (cpu_seconds() - cpu0) * 1e9 / static_cast<double>(rows);
    ph.checksum = static_cast<double>(cur.rowcount());
    co_return ph;
}

#ifdef UVPG_BENCH_LIBPQ
RowPhase w6_libpq(const std::string& dsn, const std::string& data, long long rows) {
    PGconn* c = pq_connect(dsn);
    PQclear(PQexec(c, kW6Table));
    double cpu0 = cpu_seconds(), t0 = now_s();
    PGresult* r = PQexec(c, "COPY uvpg_w6 FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) pq_fail(c);
    PQclear(r);
    for (std::size_t at = 0; at < data.size(); at += 65536) {
        const int n = static_cast<int>(std::min<std::size_t>(65536, data.size() - at));
        if (PQputCopyData(c, data.data() + at, n) != 1) pq_fail(c);
    }
    if (PQputCopyEnd(c, nullptr) != 1) pq_fail(c);
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) pq_fail(c);
    const double copied = std::strtod(PQcmdTuples(r), nullptr);
    PQclear(r);
    while ((r = PQgetResult(c))) PQclear(r);
    RowPhase ph{static_cast<double>(rows) / (now_s() - t0), (cpu_seconds() - cpu0) * 1e9 / static_cast<double>(rows), 0, copied};
    PQfinish(c);
    return ph;
}
#endif

// TLS: connection set-up (TCP + TLS + authentication, one after another) and W1 (`SELECT 1`
// round trips on one connection) over TLS. Per set-up and per query: wall time and client CPU.
struct TlsPhase {
    double connect_ms = 0, connect_cpu_ms = 0;
    double qps = 0, cpu_us_per_query = 0;
};

uvpg::Task<TlsPhase> tls_uvpg(std::string dsn, int connects, int round_trips) {
    TlsPhase ph;
    double cpu0 = cpu_seconds(), t0 = now_s();
    for (int i = 0; i < connects; ++i) {
        auto conn = co_await uvpg::connect(dsn);
        if (!conn.ssl_in_use()) usage("TLS: the uvpg connection is not encrypted (check --tls-dsn)");
    }
    ph.connect_ms = (now_s() - t0) * 1e3 / connects;
    ph.connect_cpu_ms = (cpu_seconds() - cpu0) * 1e3 / connects;
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    cpu0 = cpu_seconds();
    t0 = now_s();
    for (int i = 0; i < round_trips; ++i) co_await cur.execute("SELECT 1");
    ph.qps = round_trips / (now_s() - t0);
    ph.cpu_us_per_query = (cpu_seconds() - cpu0) * 1e6 / round_trips;
    co_return ph;
}

#ifdef UVPG_BENCH_LIBPQ
TlsPhase tls_libpq(const std::string& dsn, int connects, int round_trips) {
    TlsPhase ph;
    double cpu0 = cpu_seconds(), t0 = now_s();
    for (int i = 0; i < connects; ++i) {
        PGconn* c = pq_connect(dsn);
        if (!PQsslInUse(c)) usage("TLS: the libpq connection is not encrypted (check --tls-dsn)");
        PQfinish(c);
    }
    ph.connect_ms = (now_s() - t0) * 1e3 / connects;
    ph.connect_cpu_ms = (cpu_seconds() - cpu0) * 1e3 / connects;
    PGconn* c = pq_connect(dsn);
    cpu0 = cpu_seconds();
    t0 = now_s();
    for (int i = 0; i < round_trips; ++i) {
        PGresult* r = PQexec(c, "SELECT 1");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) pq_fail(c);
        PQclear(r);
    }
    ph.qps = round_trips / (now_s() - t0);
    ph.cpu_us_per_query = (cpu_seconds() - cpu0) * 1e6 / round_trips;
    PQfinish(c);
    return ph;
}
#endif

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    Args a = parse_args(argc, argv);
    try {
        long long accounts = uvpg::run(count_accounts(a.dsn));
        if (accounts == 0) {
            std::fprintf(stderr, "uvpg-bench: loading pgbench tables at scale %d...\n", a.scale);
            run_command(pg_bin("pgbench") + " -i -q -s " + std::to_string(a.scale) + " " + shell_quote(a.dsn) + " 2>&1");
            accounts = uvpg::run(count_accounts(a.dsn));
        }
        auto wants = [&](const char* w) { return ("," + a.workloads + ",").find(std::string(",") + w + ",") != std::string::npos; };
        std::printf("workload  %-46s %12s %12s %7s %14s %14s\n", "", "uvpg rate", "ref rate", "ratio", "uvpg CPU", "ref CPU");
        if (wants("W1")) {
            std::vector<double> us, usc, up, upc, ps, psc, pp, ppc;
            bool pinned = a.pin;
            for (int r = 0; r < a.repeat; ++r) {
                std::fprintf(stderr, "uvpg-bench: W1 repetition %d/%d\n", r + 1, a.repeat);
                RoundTrips u = uvpg::run(w1_uvpg(a.dsn, a.round_trips, a.pin));
                pinned = pinned && u.pinned;
                us.push_back(u.simple_qps);
                usc.push_back(u.simple_cpu_us);
                up.push_back(u.prepared_qps);
                upc.push_back(u.prepared_cpu_us);
#ifdef UVPG_BENCH_LIBPQ
                if (a.reference) {
                    RoundTrips p = w1_libpq(a.dsn, a.round_trips, a.pin);
                    pinned = pinned && p.pinned;
                    ps.push_back(p.simple_qps);
                    psc.push_back(p.simple_cpu_us);
                    pp.push_back(p.prepared_qps);
                    ppc.push_back(p.prepared_cpu_us);
                }
#endif
            }
            const std::string how = pinned ? " (pinned to CPU 0)" : (a.pin ? " (pinning refused: unpinned)" : " (unpinned)");
            std::printf("W1        %-46s %10.0f/s %10.0f/s %7.2f %9.1f us/q %9.1f us/q\n", ("SELECT 1 round trips" + how).c_str(),
                        median(us), median(ps), median(ps) > 0 ? median(us) / median(ps) : 0, median(usc), median(psc));
            std::printf("W1        %-46s %10.0f/s %10.0f/s %7.2f %9.1f us/q %9.1f us/q\n", ("SELECT $1::int4 prepared" + how).c_str(),
                        median(up), median(pp), median(pp) > 0 ? median(up) / median(pp) : 0, median(upc), median(ppc));
        }
        if (wants("W2")) {
            std::vector<double> uq, ucpu, pq, pcpu;
            for (int r = 0; r < a.repeat; ++r) {
                std::fprintf(stderr, "uvpg-bench: W2 repetition %d/%d\n", r + 1, a.repeat);
                Phase u = w2_uvpg_threads(a, accounts);
                Phase p = a.reference ? w2_pgbench(a.dsn, a.clients, a.duration) : Phase{};
                uq.push_back(u.qps);
                ucpu.push_back(u.cpu_us_per_query);
                pq.push_back(p.qps);
                pcpu.push_back(p.cpu_us_per_query);
            }
            double mu = median(uq), mp = median(pq), cu = median(ucpu), cp = median(pcpu);
            std::printf("W2        %-46s %10.0f/s %10.0f/s %7.2f %9.1f us/q %9.1f us/q\n",
                        ("point selects, " + std::to_string(a.clients) + " clients/" + std::to_string(a.threads) +
                         " loop(s) vs pgbench -S -M prepared -j 2").c_str(), mu, mp, mp > 0 ? mu / mp : 0, cu, cp);
        }
        if (wants("W4")) {
            std::vector<double> ur, ucpu, pr, pcpu, usys, psys;
            for (int r = 0; r < a.repeat; ++r) {
                std::fprintf(stderr, "uvpg-bench: W4 repetition %d/%d\n", r + 1, a.repeat);
                RowPhase u = uvpg::run(w4_uvpg(a.dsn, a.w4_rows));
                ur.push_back(u.rows_per_s);
                ucpu.push_back(u.cpu_ns_per_row);
                usys.push_back(u.sys_ns_per_row);
#ifdef UVPG_BENCH_LIBPQ
                if (a.reference) {
                    RowPhase p = w4_libpq(a.dsn, a.w4_rows);
                    if (std::abs(p.checksum - u.checksum) > 1e-6 * std::abs(p.checksum))
                        usage("W4: uvpg and libpq read different values");
                    pr.push_back(p.rows_per_s);
                    pcpu.push_back(p.cpu_ns_per_row);
                    psys.push_back(p.sys_ns_per_row);
                }
#endif
            }
            double mu = median(ur), mp = median(pr), cu = median(ucpu), cp = median(pcpu);
            std::printf("W4        %-46s %10.0f/s %10.0f/s %7.2f %9.0f ns/row %7.0f ns/row\n",
                        ("decode " + std::to_string(a.w4_rows) + " rows (int4,float8,text,timestamptz,bool) vs libpq text").c_str(),
                        mu, mp, mp > 0 ? mu / mp : 0, cu, cp);
            std::printf("          of which in the kernel (wake-ups, page faults, receive copies): %.0f and %.0f ns/row\n",
                        median(usys), median(psys));
        }
        if (wants("W6")) {
            const long long rows = 1000000;
            const std::string data = w6_data(rows);
            std::vector<double> ur, ucpu, pr, pcpu;
            for (int r = 0; r < a.repeat; ++r) {
                std::fprintf(stderr, "uvpg-bench: W6 repetition %d/%d\n", r + 1, a.repeat);
                RowPhase u = uvpg::run(w6_uvpg(a.dsn, &data, rows));
                if (u.checksum != static_cast<double>(rows)) usage("W6: uvpg copied a different number of rows");
                ur.push_back(u.rows_per_s);
                ucpu.push_back(u.cpu_ns_per_row);
#ifdef UVPG_BENCH_LIBPQ
                if (a.reference) {
                    RowPhase p = w6_libpq(a.dsn, data, rows);
                    if (p.checksum != static_cast<double>(rows)) usage("W6: libpq copied a different number of rows");
                    pr.push_back(p.rows_per_s);
                    pcpu.push_back(p.cpu_ns_per_row);
                }
#endif
            }
            const double mu = median(ur), mp = median(pr);
            std::printf("W6        %-46s %10.0f/s %10.0f/s %7.2f %9.0f ns/row %7.0f ns/row\n",
                        "COPY FROM STDIN 1000000 rows (int, text) vs libpq", mu, mp, mp > 0 ? mu / mp : 0, median(ucpu),
                        median(pcpu));
        }
        if (wants("TLS")) {
            std::vector<double> uc, ucc, pc, pcc, uq, uqc, pq, pqc;
            for (int r = 0; r < a.repeat; ++r) {
                std::fprintf(stderr, "uvpg-bench: TLS repetition %d/%d\n", r + 1, a.repeat);
                TlsPhase u = uvpg::run(tls_uvpg(a.tls_dsn, a.connects, a.round_trips));
                uc.push_back(u.connect_ms);
                ucc.push_back(u.connect_cpu_ms);
                uq.push_back(u.qps);
                uqc.push_back(u.cpu_us_per_query);
#ifdef UVPG_BENCH_LIBPQ
                if (a.reference) {
                    TlsPhase p = tls_libpq(a.tls_dsn, a.connects, a.round_trips);
                    pc.push_back(p.connect_ms);
                    pcc.push_back(p.connect_cpu_ms);
                    pq.push_back(p.qps);
                    pqc.push_back(p.cpu_us_per_query);
                }
#endif
            }
            const double mu = median(uc), mp = median(pc);
            std::printf("TLS       %-46s %8.2f ms   %8.2f ms   %7.2f %9.2f ms    %7.2f ms\n",
                        "connection set-up (TCP + TLS + auth) vs libpq", mu, mp, mu > 0 ? mp / mu : 0, median(ucc), median(pcc));
            const double qu = median(uq), qp = median(pq);
            std::printf("W1/TLS    %-46s %10.0f/s %10.0f/s %7.2f %9.1f us/q %9.1f us/q\n", "SELECT 1 round trips over TLS vs libpq",
                        qu, qp, qp > 0 ? qu / qp : 0, median(uqc), median(pqc));
        }
        std::printf("(median of %d interleaved runs; W2 %.0f s each, accounts %lld; ratio = uvpg's rate / libpq's)\n", a.repeat,
                    a.duration, accounts);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uvpg-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
