// uvpg-bench: running a workload's repetitions, and the table, JSON and SVG of the results.
#pragma once
#include "bench.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bench {

struct Extra {
    std::string name;
    std::optional<double> uvpg, ref;
};

// One table line: the medians over the repetitions of each driver.
struct Line {
    LineSpec spec;
    std::string reference_name;  // "libpq", "pgbench"
    std::string unsupported;     // why uvpg could not run it; empty when it did
    std::optional<double> uvpg_rate, ref_rate, uvpg_cpu, ref_cpu;
    std::vector<Extra> extra;
    std::optional<double> ratio() const;      // uvpg rate / reference rate
    std::optional<double> cpu_ratio() const;  // uvpg CPU / reference CPU, per unit
};

// The geometric means over the lines that ran with both drivers.
struct Summary {
    std::optional<double> rate_ratio, cpu_ratio;
    int rate_lines = 0, cpu_lines = 0;
};

// Runs `w` c.repeat times, uvpg then the reference each time (progress on stderr); a uvpg
// phase that throws uvpg::NotSupportedError is not run again and its lines say so.
std::vector<Line> run_workload(const Workload& w, const Config& c);
void progress_end(const std::string& what);

Summary summarize(const std::vector<Line>& lines);
void print_header(const Config& c);
void print_line(const Line& l);
void print_summary(const Summary& s, const Config& c);
void write_json(const std::string& path, const std::vector<Line>& lines, const Summary& s, const Config& c);
void write_svg(const std::string& path, const std::vector<Line>& lines, const Summary& s);

}  // namespace bench
