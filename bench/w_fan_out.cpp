// uvpg-bench W7, fan-out (TechEmpower "multiple queries"): a request is 20 independent
// `SELECT id, randomnumber FROM world WHERE id = $1`, each with its own Sync; 32 requests in
// flight on each of `clients` connections, all on one thread, for `duration` seconds.
#include "bench.hpp"
#include "pq.hpp"

#include <uvpg/uvpg.hpp>

#include <poll.h>

#include <deque>
#include <random>

namespace bench {

namespace {

constexpr int kQueries = 20;   // per request
constexpr int kInFlight = 32;  // requests per connection
constexpr const char* kW7Sql = "SELECT id, randomnumber FROM world WHERE id = $1";

struct Requests {
    std::vector<double> latency_ms;
    double sum = 0;  // of the values read
};

Sample w7_sample(const Clock& k, Requests& done) {
    Sample s = sample_of(k, static_cast<double>(done.latency_ms.size()), 1e6);
    s.extra.emplace_back("p99_ms", p99(done.latency_ms));
    return s;
}

// uvpg: every query on a cursor of its own; the connection pipelines what they send.
uvpg::Task<void> w7_query(uvpg::Connection* conn, int id, Requests* done) {
    auto cur = co_await conn->cursor();
    uvpg::Params params(id);
    co_await cur.execute(kW7Sql, std::move(params));
    auto row = co_await cur.fetchone();
    done->sum += (*row)[0].as<int>() + (*row)[1].as<int>();
}

uvpg::Task<void> w7_requester(uvpg::Connection* conn, double end, unsigned seed, Requests* done) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> world_id(1, 10000);
    while (now_s() < end) {
        const double t0 = now_s();
        std::vector<uvpg::Task<void>> queries;
        for (int q = 0; q < kQueries; ++q) queries.push_back(w7_query(conn, world_id(rng), done));
        co_await uvpg::gather(std::move(queries));
        done->latency_ms.push_back((now_s() - t0) * 1e3);
    }
}

uvpg::Task<std::vector<Sample>> w7_uvpg(std::string dsn, int clients, double duration) {
    std::vector<uvpg::Connection> conns;
    for (int i = 0; i < clients; ++i) conns.push_back(co_await uvpg::connect(dsn));
    Requests done;
    std::vector<uvpg::Task<void>> requesters;
    Clock k;
    const double end = k.t0 + duration;
    for (std::size_t i = 0; i < conns.size() * kInFlight; ++i)
        requesters.push_back(w7_requester(&conns[i % conns.size()], end, static_cast<unsigned>(i + 1), &done));
    co_await uvpg::gather(std::move(requesters));
    std::vector<Sample> out;
    out.push_back(w7_sample(k, done));
    co_return out;
}

// libpq: each connection in pipeline mode, nonblocking, all driven by one poll loop.
struct FanoutConn {
    explicit FanoutConn(const std::string& dsn) : c(dsn), reader(c) {}
    PqConn c;
    PipelineReader reader;
    std::deque<double> started;  // requests in flight, oldest first
    int syncs = 0;               // of the oldest request
    int finished = 0;            // requests finished since the last refill
};

void send_request(FanoutConn& f, std::mt19937& rng) {
    std::uniform_int_distribution<int> world_id(1, 10000);
    f.started.push_back(now_s());
    for (int q = 0; q < kQueries; ++q) {
        const std::string id = std::to_string(world_id(rng));
        const char* values[] = {id.c_str()};
        if (!PQsendQueryPrepared(f.c, "w7", 1, values, nullptr, nullptr, 0) || !PQpipelineSync(f.c)) pq_fail(f.c);
    }
}

// Reads what has arrived on `f`, then starts as many requests as finished (until `end`).
void serve(FanoutConn& f, bool readable, double end, std::mt19937& rng, Requests& done) {
    auto on_result = [&](PGresult* r) { done.sum += pq_number<int>(r, 0, 0) + pq_number<int>(r, 0, 1); };
    auto on_sync = [&] {
        if (++f.syncs < kQueries) return;
        done.latency_ms.push_back((now_s() - f.started.front()) * 1e3);
        f.started.pop_front();
        f.syncs = 0;
        ++f.finished;
    };
    f.reader.drain(readable, on_result, on_sync);
    for (; f.finished > 0; --f.finished)
        if (now_s() < end) send_request(f, rng);
    f.reader.drain(false, on_result, on_sync);  // sending may have read what came meanwhile
}

std::vector<Sample> w7_libpq(const std::string& dsn, int clients, double duration) {
    std::deque<FanoutConn> conns;
    for (int i = 0; i < clients; ++i) {
        FanoutConn& f = conns.emplace_back(dsn);
        pq_prepare(f.c, "w7", kW7Sql, 1);
        if (PQsetnonblocking(f.c, 1) != 0 || !PQenterPipelineMode(f.c)) pq_fail(f.c);
    }
    std::mt19937 rng(1);
    Requests done;
    std::vector<pollfd> fds(conns.size());
    Clock k;
    const double end = k.t0 + duration;
    for (auto& f : conns)
        for (int r = 0; r < kInFlight; ++r) send_request(f, rng);
    for (;;) {
        bool busy = false;
        for (std::size_t i = 0; i < conns.size(); ++i) {
            const int pending = PQflush(conns[i].c);
            if (pending < 0) pq_fail(conns[i].c);
            fds[i] = {PQsocket(conns[i].c), static_cast<short>(POLLIN | (pending ? POLLOUT : 0)), 0};
            busy = busy || !conns[i].started.empty();
        }
        if (!busy) break;
        if (poll(fds.data(), fds.size(), -1) < 0) throw Failure("W7: poll failed");
        for (std::size_t i = 0; i < conns.size(); ++i)
            if (fds[i].revents) serve(conns[i], true, end, rng, done);
    }
    return {w7_sample(k, done)};
}

}  // namespace

Workload w7_fan_out(const Config& c) {
    const std::string what = "20-select requests, " + std::to_string(c.clients * kInFlight) + " in flight on " +
                             std::to_string(c.clients) + " conns (pipeline mode)";
    return {"W7",
            {{"W7", what, "req/s", "us/req", false}},
            [&c] { return uvpg::run(w7_uvpg(c.dsn, c.clients, c.duration)); },
            [&c] { return w7_libpq(c.dsn, c.clients, c.duration); },
            "libpq"};
}

}  // namespace bench
