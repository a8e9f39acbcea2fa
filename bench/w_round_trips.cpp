// uvpg-bench, one request at a time: W1 (round trips on one connection), W2 (point selects by
// 8 clients, beside pgbench) and TLS (connection set-up and W1 over TLS).
#include "bench.hpp"
#include "pq.hpp"

#include <uvpg/uvpg.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstring>
#include <random>
#include <thread>

namespace bench {

namespace {

// `n` `SELECT 1` round trips, simple query protocol, on one connection (W1, and W1 over TLS).
uvpg::Task<Sample> select1_loop(uvpg::Cursor* cur, int n) {
    Clock k;
    for (int i = 0; i < n; ++i) co_await cur->execute("SELECT 1");
    co_return sample_of(k, n, 1e6);
}

Sample select1_loop(PGconn* c, int n) {
    Clock k;
    for (int i = 0; i < n; ++i) pq_take(c, PQexec(c, "SELECT 1"), PGRES_TUPLES_OK);
    return sample_of(k, n, 1e6);
}

// The floor under any client's round trip: `n` `SELECT 1` as pre-encoded bytes on libpq's socket,
// each one send, poll and recv until ReadyForQuery, with no driver code at all. What a client
// spends above this is its own; the floor itself is the kernel's (TCP, wake-up, copies).
Sample socket_floor_loop(PGconn* c, int n) {
    static constexpr char kQuery[] = "Q\0\0\0\x0dSELECT 1";  // 'Q', Int32 13, "SELECT 1\0"
    const int fd = PQsocket(c);
    std::vector<char> in(4096);
    Clock k;
    for (int i = 0; i < n; ++i) {
        if (send(fd, kQuery, sizeof kQuery, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof kQuery))
            throw Failure("W1 socket floor: send failed");
        std::size_t have = 0, at = 0;
        for (bool ready = false; !ready;) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, -1) < 0) throw Failure("W1 socket floor: poll failed");
            const ssize_t got = recv(fd, in.data() + have, in.size() - have, 0);
            if (got <= 0) throw Failure("W1 socket floor: the server closed the connection");
            have += static_cast<std::size_t>(got);
            while (have - at >= 5) {  // walk whole messages: type, Int32 length
                std::uint32_t len;
                std::memcpy(&len, in.data() + at + 1, 4);
                len = __builtin_bswap32(len);
                if (have - at < 1 + len) break;
                if (in[at] == 'E') throw Failure("W1 socket floor: the server reported an error");
                ready = in[at] == 'Z';
                at += 1 + len;
            }
            if (!ready && have == in.size()) throw Failure("W1 socket floor: reply longer than expected");
        }
    }
    return sample_of(k, n, 1e6);
}

// W1: `SELECT 1` (simple query) and `SELECT $1::int4` (prepared), one after another. Pinned, the
// client and its backend share CPU 0: on 2-vCPU machines cross-core wake-ups otherwise swing a
// round-trip loop by 5x (docs/benchmarks.md).
uvpg::Task<std::vector<Sample>> w1_uvpg(std::string dsn, int n, bool pin) {
    auto conn = co_await uvpg::connect(dsn);
    auto cur = co_await conn.cursor();
    Pinned p(pin, conn.backend_pid());
    std::vector<Sample> out;
    out.push_back(co_await select1_loop(&cur, n));
    Clock prepared_clock;
    for (int i = 0; i < n; ++i) {
        uvpg::Params params(i);
        co_await cur.execute("SELECT $1::int4", std::move(params));
    }
    out.push_back(sample_of(prepared_clock, n, 1e6));
    for (auto& s : out) s.pinned = p.pinned;
    co_return out;
}

std::vector<Sample> w1_libpq(const std::string& dsn, int n, bool pin) {
    PqConn c(dsn);
    pq_prepare(c, "w1", "SELECT $1::int4", 1);
    Pinned p(pin, PQbackendPID(c));
    std::vector<Sample> out{select1_loop(c, n)};
    Clock prepared_clock;
    for (int i = 0; i < n; ++i) {
        const std::string v = std::to_string(i);
        const char* values[] = {v.c_str()};
        pq_take(c, PQexecPrepared(c, "w1", 1, values, nullptr, nullptr, 0), PGRES_TUPLES_OK);
    }
    out.push_back(sample_of(prepared_clock, n, 1e6));
    out.front().extra.emplace_back("socket_floor_cpu", socket_floor_loop(c, n).cpu);
    for (auto& s : out) s.pinned = p.pinned;
    return out;
}

// W2 with uvpg: `clients` tasks through a pool of `clients` connections.
uvpg::Task<void> w2_worker(uvpg::Pool* pool, long long* done, double end, long long accounts, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<long long> aid(1, accounts);
    auto conn = co_await pool->acquire();
    auto cur = co_await conn.cursor();
    while (now_s() < end) {
        uvpg::Params params(aid(rng));
        co_await cur.execute("SELECT abalance FROM pgbench_accounts WHERE aid = $1", std::move(params));
        auto row = co_await cur.fetchone();
        (void)(*row)[0].as<int>();
        ++*done;
    }
}

uvpg::Task<long long> w2_uvpg(std::string dsn, int clients, double duration, long long accounts, uv_loop_t* loop) {
    uvpg::PoolOptions options;
    options.loop = loop;
    options.minsize = options.maxsize = static_cast<std::size_t>(clients);
    auto pool = co_await uvpg::create_pool(dsn, options);
    long long done = 0;
    std::vector<uvpg::Task<void>> ws;
    const double end = now_s() + duration;
    for (int i = 0; i < clients; ++i)
        ws.push_back(w2_worker(&pool, &done, end, accounts, static_cast<unsigned>(i + 1)));
    co_await uvpg::gather(std::move(ws));
    co_return done;
}

// W2 on `threads` event loops at once, clients split between them; CPU is the whole process's.
std::vector<Sample> w2_uvpg_threads(const Config& c) {
    std::vector<long long> done(static_cast<std::size_t>(c.threads));
    std::vector<std::thread> ts;
    Clock k;
    for (int t = 0; t < c.threads; ++t) {
        const int share = c.clients / c.threads + (t < c.clients % c.threads ? 1 : 0);
        ts.emplace_back([&, t, share] {
            uv_loop_t loop;
            uv_loop_init(&loop);
            done[static_cast<std::size_t>(t)] = uvpg::run(&loop, w2_uvpg(c.dsn, share, c.duration, c.accounts, &loop));
            uv_run(&loop, UV_RUN_NOWAIT);
            uv_loop_close(&loop);
        });
    }
    for (auto& t : ts) t.join();
    long long total = 0;
    for (long long d : done) total += d;
    return {sample_of(k, static_cast<double>(total), 1e6)};
}

// W2 reference: pgbench -S -M prepared -c N -j 2, its CPU from the child's rusage.
std::vector<Sample> w2_pgbench(const Config& c) {
    const double cpu0 = children_cpu_seconds();
    std::string cmd = pg_bin("pgbench") + " -n -S -M prepared -c " + std::to_string(c.clients) + " -j 2 -T " +
                      std::to_string(static_cast<int>(c.duration + 0.5)) + " " + shell_quote(c.dsn) + " 2>&1";
    std::string out = run_command(cmd);
    const double cpu = children_cpu_seconds() - cpu0;
    Sample s;
    auto pos = out.find("tps = ");
    if (pos != std::string::npos) s.rate = std::strtod(out.c_str() + pos + 6, nullptr);
    static const std::string processed = "number of transactions actually processed: ";
    auto tx = out.find(processed);
    double n = tx == std::string::npos ? 0 : std::strtod(out.c_str() + tx + processed.size(), nullptr);
    if (n > 0) s.cpu = cpu * 1e6 / n;
    return {s};
}

void require_tls(bool in_use, const char* driver) {
    if (!in_use) throw Failure(std::string("TLS: the ") + driver + " connection is not encrypted (check --tls-dsn)");
}

// TLS: connection set-up (TCP + TLS + authentication, one after another), then `SELECT 1`
// round trips on one connection over TLS, pinned as W1.
uvpg::Task<std::vector<Sample>> tls_uvpg(std::string dsn, int connects, int round_trips, bool pin) {
    Clock connect_clock;
    for (int i = 0; i < connects; ++i) {
        auto conn = co_await uvpg::connect(dsn);
        require_tls(conn.ssl_in_use(), "uvpg");
    }
    std::vector<Sample> out;
    out.push_back(sample_of(connect_clock, connects, 1e6));
    auto conn = co_await uvpg::connect(dsn);
    require_tls(conn.ssl_in_use(), "uvpg");
    auto cur = co_await conn.cursor();
    Pinned p(pin, conn.backend_pid());
    out.push_back(co_await select1_loop(&cur, round_trips));
    out.back().pinned = p.pinned;
    co_return out;
}

std::vector<Sample> tls_libpq(const std::string& dsn, int connects, int round_trips, bool pin) {
    Clock connect_clock;
    for (int i = 0; i < connects; ++i) {
        require_tls(PQsslInUse(PqConn(dsn)), "libpq");
    }
    std::vector<Sample> out;
    out.push_back(sample_of(connect_clock, connects, 1e6));
    PqConn c(dsn);
    require_tls(PQsslInUse(c), "libpq");
    Pinned p(pin, PQbackendPID(c));
    out.push_back(select1_loop(c, round_trips));
    out.back().pinned = p.pinned;
    return out;
}

}  // namespace

Workload w1_round_trips(const Config& c) {
    return {"W1",
            {{"W1", "SELECT 1 round trips, 1 connection", "q/s", "us/q", true},
             {"W1p", "SELECT $1::int4 round trips, 1 connection", "q/s", "us/q", true}},
            [&c] { return uvpg::run(w1_uvpg(c.dsn, c.round_trips, c.pin)); },
            [&c] { return w1_libpq(c.dsn, c.round_trips, c.pin); },
            "libpq"};
}

Workload w2_point_selects(const Config& c) {
    const std::string what = "point selects, pool " + std::to_string(c.clients) + " on " + std::to_string(c.threads) +
                             " loop(s); pgbench -S -M prepared -j 2";
    return {"W2",
            {{"W2", what, "q/s", "us/q", false}},
            [&c] { return w2_uvpg_threads(c); },
            [&c] { return w2_pgbench(c); },
            "pgbench"};
}

Workload tls_workload(const Config& c) {
    std::vector<LineSpec> lines{
        {"TLS", "connection set-up (TCP + TLS + auth), one at a time", "conn/s", "us/conn", false},
        {"W1/TLS", "SELECT 1 round trips over TLS, 1 connection", "q/s", "us/q", true}};
    auto uvpg_phase = [&c] { return uvpg::run(tls_uvpg(c.tls_dsn, c.connects, c.round_trips, c.pin)); };
    return {"TLS", std::move(lines), uvpg_phase,
            [&c] { return tls_libpq(c.tls_dsn, c.connects, c.round_trips, c.pin); }, "libpq"};
}

}  // namespace bench
