// uvpg-bench's common parts: the configuration, the measuring helpers, and what a workload
// gives the runner (one Sample per table line and per driver, per repetition).
#pragma once
#include <sched.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

struct Config {
    std::string dsn;                     // empty: start a throwaway server (tests/pg_server.sh)
    std::string tls_dsn;                 // TLS workloads; empty: none by default
    std::string server_script;           // tests/pg_server.sh, found by itself when empty
    std::string json, plot;              // --json FILE, --plot FILE.svg
    std::vector<std::string> workloads;  // empty: the default list
    int clients = 8;                     // W2 pool size, W3 and W7 connections
    double duration = 10;                // seconds, W2, W3 and W7
    int repeat = 5;
    int scale = 10;           // pgbench -i -s
    int threads = 2;          // W2: event loops, each with its own pool (as pgbench -j 2)
    bool reference = true;    // --no-reference: uvpg only (for profiling)
    bool pin = true;          // W1 and W5: client and its backend on CPU 0
    int round_trips = 20000;  // W1 and W1 over TLS: queries per repetition
    int connects = 200;       // TLS: connection set-ups per repetition
    long long w4_rows = 1000000;
    int w5_rows = 20000;
    long long w6_rows = 1000000;
    long long w8_rows = 10000000;
    long long accounts = 0;  // pgbench_accounts rows, found at set-up
};

// An error that ends the run with exit code 1 (a throwaway server is still stopped).
struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

double cpu_seconds();  // user + system of the whole process (every thread)
double sys_seconds();
double children_cpu_seconds();  // of the children waited for (pgbench)
double now_s();                 // steady clock

// Wall and client CPU of one measured phase, from its construction.
struct Clock {
    double cpu0, sys0, t0;
    Clock();
    double wall() const;
    double cpu() const;
    double sys() const;
};

// One driver's figures for one table line in one repetition: `rate` units per second, `cpu`
// client CPU per unit in the line's CPU unit, and extra figures by name ("p99_ms", ...).
struct Sample {
    double rate = 0;
    double cpu = 0;
    bool pinned = false;
    std::vector<std::pair<std::string, double>> extra;
};
// `units` done in the phase timed by `k`; CPU per unit scaled by `cpu_scale` (1e6: µs, 1e9: ns).
Sample sample_of(const Clock& k, double units, double cpu_scale);

struct LineSpec {
    std::string id;  // "W1", "W5p", ...
    std::string description;
    std::string unit;       // of the rate: "q/s", "rows/s"
    std::string cpu_unit;   // "us/q", "ns/row"
    bool pinnable = false;  // says in its description whether it ran pinned
};

// A workload: its table lines and, per driver, a phase giving one Sample per line. The uvpg
// phase may throw uvpg::NotSupportedError: the line then says "not supported".
struct Workload {
    std::string id;
    std::vector<LineSpec> lines;
    std::function<std::vector<Sample>()> uvpg, reference;
    std::string reference_name = "libpq";
};

Workload w1_round_trips(const Config& c);
Workload w2_point_selects(const Config& c);
Workload w3_catalog_rows(const Config& c);
Workload w4_decode(const Config& c);
Workload w5_small_writes(const Config& c);
Workload w6_copy_in(const Config& c);
Workload w7_fan_out(const Config& c);
Workload w8_streaming(const Config& c);
Workload tls_workload(const Config& c);

// Pins this process and `backend` (the server process of its connection) to CPU 0 while it
// lives, if `pin`; `pinned` says whether that worked (pinning the backend needs its user or root).
struct Pinned {
    cpu_set_t before{};
    bool pinned = false;
    Pinned(bool pin, int backend);
    ~Pinned();
    Pinned(const Pinned&) = delete;
    Pinned& operator=(const Pinned&) = delete;
};

// The peak growth of this process's resident memory over a phase: sample() now and then.
struct RssPeak {
    double start, peak;
    RssPeak();
    void sample();
    double growth_mib() const { return peak - start; }
};

std::string pg_bin(const char* name);
std::string shell_quote(const std::string& s);
// Runs a shell command and returns its stdout; throws Failure when it fails.
std::string run_command(const std::string& cmd);
// The value at the 99th percentile (sorts `v`); 0 when empty.
double p99(std::vector<double>& v);

}  // namespace bench
