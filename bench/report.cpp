// uvpg-bench: the results as a table (stdout), as JSON and as an SVG bar chart of the ratios.
#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

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
    std::printf(
        "uvpg-bench: median of %d interleaved repetitions (uvpg, then the reference); ratio = uvpg / reference\n",
        c.repeat);
    std::printf(kRow, "id", "workload", "uvpg", "reference", "ratio", "uvpg CPU", "ref CPU", "CPU x");
    std::fflush(stdout);
}

void print_line(const Line& l) {
    const bool unsupported = !l.unsupported.empty();
    std::printf(kRow, l.spec.id.c_str(), l.spec.description.c_str(),
                unsupported ? "not supported" : figure(l.uvpg_rate, l.spec.unit).c_str(),
                figure(l.ref_rate, l.spec.unit).c_str(), ratio(l.ratio()).c_str(),
                unsupported ? "-" : figure(l.uvpg_cpu, l.spec.cpu_unit).c_str(),
                figure(l.ref_cpu, l.spec.cpu_unit).c_str(), ratio(l.cpu_ratio()).c_str());
    std::string notes = l.reference_name == "libpq" ? "" : "; reference: " + l.reference_name;
    if (unsupported) notes += "; uvpg: " + l.unsupported;
    for (const auto& e : l.extra) {
        const bool cpu = e.name.ends_with("_cpu");  // in the line's CPU unit
        const std::string unit = cpu ? l.spec.cpu_unit : "";
        if (!e.uvpg && e.ref && cpu && l.ref_cpu && *l.ref_cpu > 0) {  // a figure of the run itself, not per driver
            notes += "; " + e.name + " " + figure(e.ref, unit) + " (" + ratio(*e.ref / *l.ref_cpu) + "x " +
                     l.reference_name + "'s CPU)";
            continue;
        }
        notes += "; " + e.name + " uvpg " + figure(e.uvpg, unit) + ", " + l.reference_name + " " + figure(e.ref, unit);
    }
    if (!notes.empty()) std::printf("%-7s %s\n", "", notes.c_str() + 2);
    std::fflush(stdout);
}

void print_summary(const Summary& s, const Config& c) {
    std::printf(
        "geometric mean: rate ratio %s over %d lines (target >= 1.0), client CPU ratio %s over %d lines (target <= "
        "0.6)\n",
        ratio(s.rate_ratio).c_str(), s.rate_lines, ratio(s.cpu_ratio).c_str(), s.cpu_lines);
    std::printf("(W2, W3, W7: %.0f s each, %d connections)\n", c.duration, c.clients);
    std::fflush(stdout);
}

namespace {

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') out += std::string("\\") + ch;
        else if (u < 0x20) out += fmt("\\u%04x", u);
        else out += ch;
    }
    return out + "\"";
}

std::string json_number(std::optional<double> v) { return v && std::isfinite(*v) ? fmt("%.6g", *v) : "null"; }

void write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
    if (!f.flush()) throw Failure("cannot write " + path);
}

std::string json_line(const Line& l) {
    std::ostringstream o;
    o << "    {\"id\": " << json_string(l.spec.id) << ", \"description\": " << json_string(l.spec.description)
      << ", \"reference\": " << json_string(l.reference_name) << ", \"unit\": " << json_string(l.spec.unit)
      << ", \"uvpg_rate\": " << json_number(l.uvpg_rate) << ", \"reference_rate\": " << json_number(l.ref_rate)
      << ", \"ratio\": " << json_number(l.ratio()) << ", \"cpu_unit\": " << json_string(l.spec.cpu_unit)
      << ", \"uvpg_cpu\": " << json_number(l.uvpg_cpu) << ", \"reference_cpu\": " << json_number(l.ref_cpu)
      << ", \"cpu_ratio\": " << json_number(l.cpu_ratio())
      << ", \"uvpg_supported\": " << (l.unsupported.empty() ? "true" : "false");
    if (!l.unsupported.empty()) o << ", \"uvpg_unsupported\": " << json_string(l.unsupported);
    o << ", \"extra\": {";
    for (std::size_t i = 0; i < l.extra.size(); ++i)
        o << (i ? ", " : "") << json_string(l.extra[i].name) << ": {\"uvpg\": " << json_number(l.extra[i].uvpg)
          << ", \"reference\": " << json_number(l.extra[i].ref) << "}";
    o << "}}";
    return o.str();
}

}  // namespace

void write_json(const std::string& path, const std::vector<Line>& lines, const Summary& s, const Config& c) {
    std::ostringstream o;
    o << "{\n  \"tool\": \"uvpg-bench\",\n  \"repeat\": " << c.repeat
      << ",\n  \"duration_s\": " << json_number(c.duration) << ",\n  \"clients\": " << c.clients
      << ",\n  \"workloads\": [\n";
    for (std::size_t i = 0; i < lines.size(); ++i) o << json_line(lines[i]) << (i + 1 < lines.size() ? ",\n" : "\n");
    o << "  ],\n  \"summary\": {\"rate_ratio_geomean\": " << json_number(s.rate_ratio)
      << ", \"rate_lines\": " << s.rate_lines
      << ", \"rate_target\": 1.0, \"cpu_ratio_geomean\": " << json_number(s.cpu_ratio)
      << ", \"cpu_lines\": " << s.cpu_lines << ", \"cpu_target\": 0.6}\n}\n";
    write_file(path, o.str());
}

namespace {

std::string xml_escape(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (ch == '&') out += "&amp;";
        else if (ch == '<') out += "&lt;";
        else if (ch == '>') out += "&gt;";
        else if (ch == '"') out += "&quot;";
        else out += ch;
    }
    return out;
}

// The chart's geometry: one row a bar, labels on the left, ratios on a linear axis.
struct Chart {
    static constexpr double kLabel = 430, kBars = 420, kRow = 24, kTop = 56;
    double xmax = 1.5;
    double x(double v) const { return kLabel + std::min(v, xmax) / xmax * kBars; }
    double y(std::size_t row) const { return kTop + kRow * static_cast<double>(row); }
};

void svg_bar(std::ostringstream& o, const Chart& ch, std::size_t row, const std::string& label, std::optional<double> r,
             const std::string& none, bool bold) {
    const double y = ch.y(row);
    o << "<text x=\"" << Chart::kLabel - 8 << "\" y=\"" << y + 16 << "\" text-anchor=\"end\""
      << (bold ? " font-weight=\"bold\"" : "") << ">" << xml_escape(label) << "</text>\n";
    if (!r) {
        o << "<text x=\"" << Chart::kLabel + 4 << "\" y=\"" << y + 16 << "\" fill=\"#888\">" << xml_escape(none)
          << "</text>\n";
        return;
    }
    const char* fill = *r >= 1 ? (bold ? "#1b7a4a" : "#4caf7d") : (bold ? "#a3392b" : "#e07a5f");
    o << "<rect x=\"" << Chart::kLabel << "\" y=\"" << y + 4 << "\" width=\"" << ch.x(*r) - Chart::kLabel
      << "\" height=\"" << Chart::kRow - 8 << "\" fill=\"" << fill << "\"/>\n";
    o << "<text x=\"" << ch.x(*r) + 4 << "\" y=\"" << y + 16 << "\">" << fmt("%.2f", *r) << "</text>\n";
}

}  // namespace

void write_svg(const std::string& path, const std::vector<Line>& lines, const Summary& s) {
    Chart ch;
    for (const auto& l : lines)
        if (auto r = l.ratio()) ch.xmax = std::max(ch.xmax, std::ceil(*r * 1.1 * 2) / 2);
    const double height = ch.y(lines.size() + 1) + 40, width = Chart::kLabel + Chart::kBars + 60;
    std::ostringstream o;
    o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
      << "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"10\" y=\"24\" font-size=\"15\" font-weight=\"bold\">uvpg-bench: rate ratio uvpg / reference "
         "(right of the line: uvpg faster)</text>\n";
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const Line& l = lines[i];
        std::string label = l.spec.id + "  " + l.spec.description;
        if (label.size() > 64) label = label.substr(0, 61) + "...";
        svg_bar(o, ch, i, label, l.ratio(), l.unsupported.empty() ? "no reference" : "uvpg: not supported", false);
    }
    svg_bar(o, ch, lines.size(), "geometric mean", s.rate_ratio, "-", true);
    const double bottom = ch.y(lines.size() + 1) + 4;
    for (double t = 0; t <= ch.xmax + 1e-9; t += 0.5)
        o << "<text x=\"" << ch.x(t) << "\" y=\"" << bottom + 14 << "\" text-anchor=\"middle\" fill=\"#555\">"
          << fmt("%.1f", t) << "</text>\n";
    o << "<line x1=\"" << ch.x(1) << "\" y1=\"" << Chart::kTop - 8 << "\" x2=\"" << ch.x(1) << "\" y2=\"" << bottom
      << "\" stroke=\"black\" stroke-dasharray=\"4 3\"/>\n</svg>\n";
    write_file(path, o.str());
}

}  // namespace bench
