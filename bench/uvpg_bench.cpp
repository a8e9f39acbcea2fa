// uvpg-bench: the workloads of docs/benchmarks.md (W1-W8, and TLS) run with uvpg and with libpq (pgbench
// for W2) side by side on one server, A/B interleaved, medians and ratios reported. Without
// --dsn it starts a throwaway PostgreSQL with tests/pg_server.sh and stops it at the end.
#include "bench.hpp"
#include "report.hpp"
#include "server.hpp"

#include <uvpg/errors.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

namespace {

using bench::Config;

constexpr const char* kUsage =
    "usage: uvpg-bench [--dsn DSN] [--workload W1,W2,...|all] [--repeat N] [--duration SECONDS] [--clients N]\n"
    "                  [--pin|--no-pin] [--json FILE] [--plot FILE.svg] [--tls-dsn DSN] [--server-script PATH]\n"
    "                  [--scale N] [--threads N] [--round-trips N] [--connects N] [--w4-rows N] [--w5-rows N]\n"
    "                  [--w6-rows N] [--w8-rows N] [--no-reference]\n"
    "Workloads: W1 W2 W3 W4 W5 W6 W7 W8 TLS (default: W1-W8, and TLS when there is a TLS DSN).\n"
    "Without --dsn, a throwaway PostgreSQL is started with tests/pg_server.sh and stopped at the end.\n";

[[noreturn]] void usage(const std::string& why) {
    std::fprintf(stderr, "uvpg-bench: %s\n%s", why.c_str(), kUsage);
    std::exit(2);
}

const std::vector<std::string> kAll = {"W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "TLS"};

std::vector<std::string> parse_workloads(const std::string& list) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at <= list.size()) {
        std::size_t end = std::min(list.find(',', at), list.size());
        std::string w = list.substr(at, end - at);
        at = end + 1;
        std::transform(w.begin(), w.end(), w.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
        if (w == "ALL") return {};
        if (std::find(kAll.begin(), kAll.end(), w) == kAll.end()) usage("unknown workload '" + w + "'");
        if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
    }
    return out;
}

// The command line, one option at a time; anything wrong is a usage message and exit code 2.
class ArgReader {
public:
    ArgReader(int argc, char** argv) : argc_(argc), argv_(argv) {}
    bool next() { return ++i_ < argc_ && (key_ = argv_[i_], true); }
    const std::string& key() const { return key_; }
    std::string value() {
        if (i_ + 1 >= argc_) usage("missing value for " + key_);
        return argv_[++i_];
    }
    template <class T>
    T integer(T lo, T hi) {
        const std::string v = value();
        long long x = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
        if (v.empty() || ec != std::errc() || end != v.data() + v.size() || x < lo || x > hi)
            usage("bad value for " + key_ + ": '" + v + "' (a whole number from " + std::to_string(lo) + " to " +
                  std::to_string(hi) + ")");
        return static_cast<T>(x);
    }
    double seconds() {
        const std::string v = value();
        char* end = nullptr;
        const double d = std::strtod(v.c_str(), &end);
        if (v.empty() || *end || !std::isfinite(d) || d < 0.1 || d > 86400)
            usage("bad value for " + key_ + ": '" + v + "'");
        return d;
    }

private:
    int argc_;
    char** argv_;
    int i_ = 0;
    std::string key_;
};

bool parse_number_option(ArgReader& r, Config& a) {
    const std::string& k = r.key();
    if (k == "--clients") a.clients = r.integer(1, 1000);
    else if (k == "--duration") a.duration = r.seconds();
    else if (k == "--repeat") a.repeat = r.integer(1, 1000);
    else if (k == "--scale") a.scale = r.integer(1, 10000);
    else if (k == "--threads") a.threads = r.integer(1, 64);
    else if (k == "--round-trips") a.round_trips = r.integer(1, 100000000);
    else if (k == "--connects") a.connects = r.integer(1, 1000000);
    else if (k == "--w4-rows") a.w4_rows = r.integer(1LL, 2000000000LL);
    else if (k == "--w5-rows") a.w5_rows = r.integer(1, 100000000);
    else if (k == "--w6-rows") a.w6_rows = r.integer(1LL, 1000000000LL);
    else if (k == "--w8-rows") a.w8_rows = r.integer(1LL, 2000000000LL);
    else return false;
    return true;
}

Config parse_args(int argc, char** argv) {
    Config a;
    ArgReader r(argc, argv);
    while (r.next()) {
        const std::string& k = r.key();
        if (parse_number_option(r, a)) continue;
        if (k == "--help" || k == "-h") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
        if (k == "--dsn") a.dsn = r.value();
        else if (k == "--tls-dsn") a.tls_dsn = r.value();
        else if (k == "--server-script") a.server_script = r.value();
        else if (k == "--json") a.json = r.value();
        else if (k == "--plot") a.plot = r.value();
        else if (k == "--workload" || k == "--workloads") a.workloads = parse_workloads(r.value());
        else if (k == "--no-reference") a.reference = false;
        else if (k == "--pin") a.pin = true;
        else if (k == "--no-pin") a.pin = false;
        else usage("unknown argument '" + k + "'");
    }
    if (a.clients < a.threads) usage("--clients must be at least --threads");
    return a;
}

bench::Workload make_workload(const std::string& id, const Config& c) {
    if (id == "W1") return bench::w1_round_trips(c);
    if (id == "W2") return bench::w2_point_selects(c);
    if (id == "W3") return bench::w3_catalog_rows(c);
    if (id == "W4") return bench::w4_decode(c);
    if (id == "W5") return bench::w5_small_writes(c);
    if (id == "W6") return bench::w6_copy_in(c);
    if (id == "W7") return bench::w7_fan_out(c);
    if (id == "W8") return bench::w8_streaming(c);
    return bench::tls_workload(c);
}

// The chosen workloads in docs/benchmarks.md's order. The default: all, TLS only when there is a TLS DSN.
std::vector<std::string> chosen(const Config& c) {
    std::vector<std::string> out;
    for (const auto& w : kAll) {
        const bool wanted = c.workloads.empty()
                                ? (w != "TLS" || !c.tls_dsn.empty())
                                : std::find(c.workloads.begin(), c.workloads.end(), w) != c.workloads.end();
        if (wanted) out.push_back(w);
    }
    return out;
}

void run(Config& c) {
    std::unique_ptr<bench::ThrowawayServer> server;
    if (c.dsn.empty()) {
        server = std::make_unique<bench::ThrowawayServer>(bench::find_server_script(c.server_script));
        c.dsn = server->get("UVPG_TEST_DSN");
        if (c.tls_dsn.empty()) c.tls_dsn = server->tls_dsn();
    }
    const std::vector<std::string> ids = chosen(c);
    auto has = [&](const char* w) { return std::find(ids.begin(), ids.end(), w) != ids.end(); };
    if (has("TLS") && c.tls_dsn.empty()) c.tls_dsn = c.dsn + " sslmode=require";
    bench::prepare_tables(c, has("W2"), has("W7"));
    const double t0 = bench::now_s();
    bench::print_header(c);
    std::vector<bench::Line> lines;
    for (const auto& id : ids)
        for (auto& l : bench::run_workload(make_workload(id, c), c)) {
            bench::print_line(l);
            lines.push_back(std::move(l));
        }
    const bench::Summary s = bench::summarize(lines);
    bench::print_summary(s, c);
    if (!c.json.empty()) bench::write_json(c.json, lines, s, c);
    if (!c.plot.empty()) bench::write_svg(c.plot, lines, s);
    bench::progress_end("uvpg-bench: done in " + std::to_string(static_cast<int>(bench::now_s() - t0)) + " s");
}

}  // namespace

int main(int argc, char** argv) {
    Config c = parse_args(argc, argv);
    try {
        run(c);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "\nuvpg-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
