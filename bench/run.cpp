// uvpg-bench: a workload's repetitions, A/B interleaved, and the medians of what they measured.
#include "report.hpp"

#include <uvpg/errors.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace bench {

namespace {

void progress(const std::string& id, int rep, int reps, const std::string& driver) {
    std::fprintf(stderr, "\r[%s %d/%d] %-10s", id.c_str(), rep, reps, (driver + "...").c_str());
    std::fflush(stderr);
}

std::optional<double> median(std::vector<double> v) {
    if (v.empty()) return std::nullopt;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::optional<double> find_extra(const Sample& s, const std::string& name) {
    for (const auto& [k, v] : s.extra)
        if (k == name) return v;
    return std::nullopt;
}

// The repetitions of one line, per driver.
struct Runs {
    std::vector<Sample> uvpg, ref;
};

template <class F>
std::optional<double> median_of(const std::vector<Sample>& samples, F field) {
    std::vector<double> v;
    for (const auto& s : samples)
        if (auto x = field(s)) v.push_back(*x);
    return median(std::move(v));
}

// The names of the extra figures, in order of first appearance ("checksum" is for checking only).
std::vector<std::string> extra_names(const Runs& r) {
    std::vector<std::string> names;
    for (const auto* side : {&r.uvpg, &r.ref})
        for (const auto& s : *side)
            for (const auto& e : s.extra)
                if (e.first != "checksum" && std::find(names.begin(), names.end(), e.first) == names.end())
                    names.push_back(e.first);
    return names;
}

std::string pin_note(const Runs& r, bool pin) {
    bool all = true;
    for (const auto* side : {&r.uvpg, &r.ref})
        for (const auto& s : *side) all = all && s.pinned;
    return all ? " [pinned CPU 0]" : pin ? " [pin refused]" : " [unpinned]";
}

Line line_of(const LineSpec& spec, const Runs& r, const Workload& w, const Config& c) {
    Line l;
    l.spec = spec;
    if (spec.pinnable) l.spec.description += pin_note(r, c.pin);
    l.reference_name = w.reference_name;
    auto rate = [](const Sample& s) { return std::optional<double>(s.rate); };
    auto cpu = [](const Sample& s) { return s.cpu > 0 ? std::optional<double>(s.cpu) : std::nullopt; };
    l.uvpg_rate = median_of(r.uvpg, rate);
    l.ref_rate = median_of(r.ref, rate);
    l.uvpg_cpu = median_of(r.uvpg, cpu);
    l.ref_cpu = median_of(r.ref, cpu);
    for (const auto& name : extra_names(r)) {
        auto field = [&name](const Sample& s) { return find_extra(s, name); };
        l.extra.push_back({name, median_of(r.uvpg, field), median_of(r.ref, field)});
    }
    return l;
}

// Both drivers read the same values: their checksums, where they give one, must agree.
void check_same_values(const Workload& w, const std::vector<Runs>& runs) {
    for (const auto& r : runs) {
        if (r.uvpg.empty() || r.ref.empty()) continue;
        auto u = find_extra(r.uvpg.back(), "checksum"), p = find_extra(r.ref.back(), "checksum");
        if (u && p && std::abs(*u - *p) > 1e-9 * std::max(std::abs(*u), std::abs(*p)))
            throw Failure(w.id + ": uvpg and " + w.reference_name + " read different values");
    }
}

void add(std::vector<Runs>& runs, const Workload& w, std::vector<Sample> got, std::vector<Sample> Runs::*side) {
    if (got.size() != runs.size()) throw Failure(w.id + ": a phase gave the wrong number of lines");
    for (std::size_t i = 0; i < got.size(); ++i) (runs[i].*side).push_back(std::move(got[i]));
}

}  // namespace

std::vector<Line> run_workload(const Workload& w, const Config& c) {
    std::vector<Runs> runs(w.lines.size());
    std::string unsupported;
    for (int rep = 1; rep <= c.repeat; ++rep) {
        if (unsupported.empty()) {
            progress(w.id, rep, c.repeat, "uvpg");
            try {
                add(runs, w, w.uvpg(), &Runs::uvpg);
            } catch (const uvpg::NotSupportedError& e) {
                unsupported = e.what();
            }
        }
        if (c.reference) {
            progress(w.id, rep, c.repeat, w.reference_name);
            add(runs, w, w.reference(), &Runs::ref);
        }
        check_same_values(w, runs);
    }
    std::fprintf(stderr, "\r%30s\r", "");  // the table line takes its place
    std::vector<Line> lines;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        lines.push_back(line_of(w.lines[i], runs[i], w, c));
        lines.back().unsupported = unsupported;
    }
    return lines;
}

void progress_end(const std::string& what) {
    std::fprintf(stderr, "\r%-30s\n", what.c_str());
    std::fflush(stderr);
}

std::optional<double> Line::ratio() const {
    if (!uvpg_rate || !ref_rate || *uvpg_rate <= 0 || *ref_rate <= 0) return std::nullopt;
    return *uvpg_rate / *ref_rate;
}

std::optional<double> Line::cpu_ratio() const {
    if (!uvpg_cpu || !ref_cpu || *uvpg_cpu <= 0 || *ref_cpu <= 0) return std::nullopt;
    return *uvpg_cpu / *ref_cpu;
}

Summary summarize(const std::vector<Line>& lines) {
    Summary s;
    double rate_logs = 0, cpu_logs = 0;
    for (const auto& l : lines) {
        if (auto r = l.ratio()) rate_logs += std::log(*r), ++s.rate_lines;
        if (auto r = l.cpu_ratio()) cpu_logs += std::log(*r), ++s.cpu_lines;
    }
    if (s.rate_lines) s.rate_ratio = std::exp(rate_logs / s.rate_lines);
    if (s.cpu_lines) s.cpu_ratio = std::exp(cpu_logs / s.cpu_lines);
    return s;
}

}  // namespace bench
