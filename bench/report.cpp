// uvpg-bench: the results as a table (stdout).
#include "report.hpp"

#include <cstdio>

namespace bench {

namespace {

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

// A figure with as many decimals as its size deserves, and its unit.
std::string figure(std::optional<double> v, const std::string& unit) {
    if (!v) return "-";
    const double x = *v;
    const char* f = x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : "%.2f";
    return fmt(f, x) + (unit.empty() ? "" : " " + unit);
}

std::string ratio(std::optional<double> r) { return r ? fmt("%.2f", *r) : "-"; }

constexpr const char* kRow = "%-7s %-66s %15s %15s %6s %13s %13s %6s\n";

}  // namespace

void print_header(const Config& c) {
    std::printf("uvpg-bench: median of %d interleaved repetitions (uvpg, then the reference); ratio = uvpg / reference\n",
                c.repeat);
    std::printf(kRow, "id", "workload", "uvpg", "reference", "ratio", "uvpg CPU", "ref CPU", "CPU x");
    std::fflush(stdout);
}

void print_line(const Line& l) {
    const bool unsupported = !l.unsupported.empty();
    std::printf(kRow, l.spec.id.c_str(), l.spec.description.c_str(),
                unsupported ? "not supported" : figure(l.uvpg_rate, l.spec.unit).c_str(),
                figure(l.ref_rate, l.spec.unit).c_str(), ratio(l.ratio()).c_str(),
                unsupported ? "-" : figure(l.uvpg_cpu, l.spec.cpu_unit).c_str(), figure(l.ref_cpu, l.spec.cpu_unit).c_str(),
                ratio(l.cpu_ratio()).c_str());
    std::string notes = l.reference_name == "libpq" ? "" : "; reference: " + l.reference_name;
    if (unsupported) notes += "; uvpg: " + l.unsupported;
    for (const auto& e : l.extra) notes += "; " + e.name + " uvpg " + figure(e.uvpg, "") + ", " + l.reference_name + " " + figure(e.ref, "");
    if (!notes.empty()) std::printf("%-7s %s\n", "", notes.c_str() + 2);
    std::fflush(stdout);
}

void print_summary(const Summary& s, const Config& c) {
    std::printf("geometric mean: rate ratio %s over %d lines (target >= 1.0), client CPU ratio %s over %d lines (target <= 0.6)\n",
                ratio(s.rate_ratio).c_str(), s.rate_lines, ratio(s.cpu_ratio).c_str(), s.cpu_lines);
    std::printf("(W2, W3, W7: %.0f s each; clients %d; accounts %lld)\n", c.duration, c.clients, c.accounts);
    std::fflush(stdout);
}

}  // namespace bench
