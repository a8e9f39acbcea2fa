// Range and multirange codecs: binary send/recv forms and the range_in/out, multirange_in/out text.
#include "proto/codec_container.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include "proto/codec_util.hpp"

// The text grammars follow PostgreSQL 18's range_parse/range_deparse (rangetypes.c) and
// multirange_in (multirangetypes.c), so what the server writes parses and what we write it accepts.

namespace uvpg::proto {
using namespace detail;

// ---- ranges ----

namespace {
constexpr std::uint8_t kRangeUnknownFlags = 0xE0;  // LB_NULL, UB_NULL, CONTAIN_EMPTY: never sent
bool has_lower(std::uint8_t f) { return (f & (kRangeEmpty | kRangeLbInf)) == 0; }
bool has_upper(std::uint8_t f) { return (f & (kRangeEmpty | kRangeUbInf)) == 0; }

void append_range_bound(std::string& out, std::string_view v) {
    bool quote = v.empty();
    for (char c : v) {
        if (c == '"' || c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == ',' || is_space(c)) {
            quote = true;
            break;
        }
    }
    append_quoted(out, v, quote, true);
}
}  // namespace

CodecErrc bin_to_range(ByteView in, BinRange& out) {
    out = BinRange{};
    if (in.empty()) return CodecErrc::truncated;
    const std::uint8_t flags = in[0];
    if (flags & kRangeUnknownFlags) return CodecErrc::bad_header;
    Cursor c{in, 1};
    std::optional<ByteView> lower, upper;
    if (has_lower(flags))
        if (CodecErrc e = read_bound(c, lower); e != CodecErrc::ok) return e;
    if (has_upper(flags))
        if (CodecErrc e = read_bound(c, upper); e != CodecErrc::ok) return e;
    if (c.remaining() != 0) return CodecErrc::trailing_bytes;
    out.flags = flags;
    out.lower = lower;
    out.upper = upper;
    return CodecErrc::ok;
}

void range_to_bin(const BinRange& r, Bytes& out) {
    std::uint8_t flags = r.flags & static_cast<std::uint8_t>(~kRangeUnknownFlags);
    if (flags & kRangeEmpty) {
        out.push_back(kRangeEmpty);
        return;
    }
    if (!r.lower) flags |= kRangeLbInf;
    if (!r.upper) flags |= kRangeUbInf;
    out.push_back(flags);
    if (has_lower(flags)) put_value(out, r.lower);
    if (has_upper(flags)) put_value(out, r.upper);
}

CodecErrc text_to_range(std::string_view in, TextRange& out) {
    out = TextRange{};
    std::size_t p = skip_space(in, 0);
    if (starts_with_nocase(in.substr(p), "empty")) {
        if (skip_space(in, p + 5) != in.size()) return CodecErrc::bad_text;
        out.flags = kRangeEmpty;
        return CodecErrc::ok;
    }
    std::uint8_t flags = 0;
    if (at(in, p) == '[') flags |= kRangeLbInc;
    else if (at(in, p) != '(') return CodecErrc::bad_text;
    ++p;
    // A bound that is completely empty is infinite; "" is the empty string.
    std::optional<std::string> bounds[2];
    for (int b = 0; b < 2; ++b) {
        const char c = at(in, p);
        if (c == ',' || c == ')' || c == ']') {
            flags |= b == 0 ? kRangeLbInf : kRangeUbInf;
        } else {
            std::string buf;
            if (CodecErrc e = read_quoted_field(in, p, ",)]", buf); e != CodecErrc::ok) return e;
            bounds[b] = std::move(buf);
        }
        if (b == 0) {
            if (at(in, p) != ',') return CodecErrc::bad_text;
            ++p;
        }
    }
    if (at(in, p) == ']') flags |= kRangeUbInc;
    else if (at(in, p) != ')') return CodecErrc::bad_text;  // a third comma
    if (skip_space(in, p + 1) != in.size()) return CodecErrc::bad_text;
    out.flags = flags;
    out.lower = std::move(bounds[0]);
    out.upper = std::move(bounds[1]);
    return CodecErrc::ok;
}

std::string range_to_text(std::uint8_t flags, std::optional<std::string_view> lower,
                          std::optional<std::string_view> upper) {
    if (flags & kRangeEmpty) return "empty";
    std::string out;
    out += (flags & kRangeLbInc) ? '[' : '(';
    if (has_lower(flags) && lower) append_range_bound(out, *lower);
    out += ',';
    if (has_upper(flags) && upper) append_range_bound(out, *upper);
    out += (flags & kRangeUbInc) ? ']' : ')';
    return out;
}

// ---- multiranges ----

CodecErrc bin_to_multirange(ByteView in, std::vector<ByteView>& ranges) {
    ranges.clear();
    Cursor c{in};
    std::int32_t n = 0;
    if (!c.i32(n)) return CodecErrc::truncated;
    if (n < 0) return CodecErrc::bad_header;
    if (static_cast<std::size_t>(n) > c.remaining() / 4) return CodecErrc::truncated;
    ranges.reserve(static_cast<std::size_t>(n));
    for (std::int32_t i = 0; i < n; ++i) {
        std::optional<ByteView> v;
        if (CodecErrc e = read_bound(c, v); e != CodecErrc::ok) {
            ranges.clear();
            return e;
        }
        ranges.push_back(*v);
    }
    if (c.remaining() != 0) {
        ranges.clear();
        return CodecErrc::trailing_bytes;
    }
    return CodecErrc::ok;
}

void multirange_to_bin(std::span<const ByteView> ranges, Bytes& out) {
    put_i32(out, static_cast<std::int32_t>(ranges.size()));
    for (ByteView r : ranges) put_value(out, r);
}

CodecErrc text_to_multirange(std::string_view in, std::vector<std::string>& ranges) {
    ranges.clear();
    std::size_t p = skip_space(in, 0);
    if (at(in, p) != '{') return CodecErrc::bad_text;
    ++p;
    // multirange_in only finds where each range ends (minding quotes and escapes, skipping
    // whitespace everywhere); range_in then parses it.
    enum class St { before, in, in_escaped, quoted, quoted_escaped, after, done };
    St st = St::before;
    std::size_t begin = 0;
    auto fail = [&ranges](CodecErrc e) {
        ranges.clear();
        return e;
    };
    for (; st != St::done; ++p) {
        const char ch = at(in, p);
        if (ch == '\0') return fail(CodecErrc::bad_text);
        if (is_space(ch)) continue;
        switch (st) {
        case St::before:
            if (ch == '[' || ch == '(') {
                begin = p;
                st = St::in;
            } else if (ch == '}' && ranges.empty()) {
                st = St::done;
            } else if (starts_with_nocase(in.substr(p), "empty")) {
                ranges.emplace_back(in.substr(p, 5));
                p += 4;
                st = St::after;
            } else {
                return fail(CodecErrc::bad_text);
            }
            break;
        case St::in:
            if (ch == ']' || ch == ')') {
                std::string r(in.substr(begin, p - begin + 1));
                TextRange check;
                if (CodecErrc e = text_to_range(r, check); e != CodecErrc::ok) return fail(e);
                ranges.push_back(std::move(r));
                st = St::after;
            } else if (ch == '"') {
                st = St::quoted;
            } else if (ch == '\\') {
                st = St::in_escaped;
            }
            break;
        case St::in_escaped: st = St::in; break;
        case St::quoted:
            if (ch == '"') {
                if (at(in, p + 1) == '"') ++p;  // "" is a quote inside quotes
                else st = St::in;
            } else if (ch == '\\') {
                st = St::quoted_escaped;
            }
            break;
        case St::quoted_escaped: st = St::quoted; break;
        case St::after:
            if (ch == ',') st = St::before;
            else if (ch == '}') st = St::done;
            else return fail(CodecErrc::bad_text);
            break;
        case St::done: break;
        }
    }
    if (skip_space(in, p) != in.size()) return fail(CodecErrc::bad_text);
    return CodecErrc::ok;
}

std::string multirange_to_text(std::span<const std::string_view> ranges) {
    std::string out = "{";
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        if (i > 0) out += ',';
        out += ranges[i];
    }
    out += '}';
    return out;
}

}  // namespace uvpg::proto
