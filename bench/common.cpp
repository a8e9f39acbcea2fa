// uvpg-bench: timing, CPU and memory readings, pinning, and running commands.
#include "bench.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace bench {

namespace {
double seconds(const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; }

rusage self_usage() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u;
}
}  // namespace

double cpu_seconds() {
    const rusage u = self_usage();
    return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double sys_seconds() { return seconds(self_usage().ru_stime); }

double children_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_CHILDREN, &u);
    return seconds(u.ru_utime) + seconds(u.ru_stime);
}

double now_s() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

Clock::Clock() : cpu0(cpu_seconds()), sys0(sys_seconds()), t0(now_s()) {}
double Clock::wall() const { return now_s() - t0; }
double Clock::cpu() const { return cpu_seconds() - cpu0; }
double Clock::sys() const { return sys_seconds() - sys0; }

Sample sample_of(const Clock& k, double units, double cpu_scale) {
    const double wall = k.wall(), cpu = k.cpu();
    Sample s;
    if (units > 0 && wall > 0) {
        s.rate = units / wall;
        s.cpu = cpu * cpu_scale / units;
        // The kernel's part of that CPU (system time): the floor that no client code removes.
        s.extra.emplace_back("kernel_cpu", k.sys() * cpu_scale / units);
    }
    return s;
}

Pinned::Pinned(bool pin, int backend) {
    if (!pin) return;
    sched_getaffinity(0, sizeof before, &before);
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    pinned = sched_setaffinity(0, sizeof one, &one) == 0 && sched_setaffinity(backend, sizeof one, &one) == 0;
}

Pinned::~Pinned() {
    if (pinned) sched_setaffinity(0, sizeof before, &before);
}

namespace {
// VmRSS of this process in MiB (/proc/self/status), 0 where there is none.
double vm_rss_mib() {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    double kib = 0;
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, "VmRSS:", 6) == 0) kib = std::strtod(line + 6, nullptr);
    std::fclose(f);
    return kib / 1024;
}
}  // namespace

RssPeak::RssPeak() : start(vm_rss_mib()), peak(start) {}
void RssPeak::sample() { peak = std::max(peak, vm_rss_mib()); }

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

std::string run_command(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) throw Failure("cannot run " + cmd);
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    int rc = pclose(p);
    if (rc != 0) throw Failure("command failed (" + std::to_string(rc) + "): " + cmd + "\n" + out);
    return out;
}

double p99(std::vector<double>& v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto at = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(v.size()))) - 1;
    return v[std::min(at, v.size() - 1)];
}

}  // namespace bench
