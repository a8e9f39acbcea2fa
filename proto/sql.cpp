// Placeholder parsing. proto/ is sans-I/O: no sockets, no libuv, no coroutines.
//
// Which style applies is decided once per statement:
//  - %-style when the text has at least one "%s" or "%(" (a "%%" pair is skipped while looking).
//    Then, as in psycopg2, every % is special everywhere, quotes and comments included: "%%" is
//    a literal %, anything else is an error. A native $n outside quotes is an error too, since
//    it would silently name one of the bound parameters.
//  - otherwise native: $n outside string literals, quoted identifiers, dollar-quoted strings and
//    comments. % is ordinary here ("%%" stays "%%"), so "LIKE 'a%'" needs no doubling.
//  - none when neither appears: text is the SQL unchanged.
// psycopg2 only looks at % when parameters are given; the caller (Cursor) keeps that rule by not
// calling parse_placeholders for a statement without parameters.
#include "proto/sql.hpp"

#include <algorithm>

namespace uvpg::proto {

namespace {

constexpr std::size_t kMaxParams = 65535;  // Bind's parameter count is an Int16 (read unsigned)

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool ident_start(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}
bool ident_cont(char c) { return ident_start(c) || is_digit(c) || c == '$'; }
bool tag_cont(char c) { return ident_start(c) || is_digit(c); }  // a dollar-quote tag has no $

// Index just past a quoted token that opens at `i`; sql.size() when it is unterminated (the
// server will report that, and nothing after it can be a placeholder).
std::size_t skip_quoted(std::string_view sql, std::size_t i, char q, bool backslash_escapes) {
    for (std::size_t j = i + 1; j < sql.size(); ++j) {
        if (backslash_escapes && sql[j] == '\\') {
            ++j;
        } else if (sql[j] == q) {
            if (j + 1 < sql.size() && sql[j + 1] == q) ++j;  // doubled quote stands for itself
            else return j + 1;
        }
    }
    return sql.size();
}

std::size_t skip_block_comment(std::string_view sql, std::size_t i) {
    int depth = 0;  // PostgreSQL nests /* */, unlike the SQL standard
    while (i + 1 < sql.size()) {
        if (sql[i] == '/' && sql[i + 1] == '*') {
            ++depth;
            i += 2;
        } else if (sql[i] == '*' && sql[i + 1] == '/') {
            i += 2;
            if (--depth == 0) return i;
        } else {
            ++i;
        }
    }
    return sql.size();
}

struct NativeRef {
    std::size_t begin, end;  // the "$n" span
    std::size_t n;
};

// Finds $n tokens the way PostgreSQL's lexer would see them (standard_conforming_strings on).
bool scan_native(std::string_view sql, std::vector<NativeRef>& refs, std::string& error) {
    const std::size_t size = sql.size();
    std::size_t i = 0;
    while (i < size) {
        const char c = sql[i];
        const char next = i + 1 < size ? sql[i + 1] : '\0';
        if (c == '\'') {
            i = skip_quoted(sql, i, '\'', false);
        } else if (c == '"') {
            i = skip_quoted(sql, i, '"', false);
        } else if ((c == 'e' || c == 'E') && next == '\'') {
            i = skip_quoted(sql, i + 1, '\'', true);
        } else if (ident_start(c)) {
            // Whole identifiers, so that "a$1" (a legal name) and "x$tag$" are not split.
            while (i < size && ident_cont(sql[i])) ++i;
        } else if (is_digit(c)) {
            while (i < size && (ident_start(sql[i]) || is_digit(sql[i]) || sql[i] == '.')) ++i;
        } else if (c == '-' && next == '-') {
            i = std::min(sql.find('\n', i), size);
        } else if (c == '/' && next == '*') {
            i = skip_block_comment(sql, i);
        } else if (c == '$' && is_digit(next)) {
            std::size_t j = i + 1, n = 0;
            for (; j < size && is_digit(sql[j]); ++j)
                n = std::min<std::size_t>(n * 10 + (sql[j] - '0'), kMaxParams + 1);
            if (n == 0 || n > kMaxParams) {
                error = "invalid placeholder " + std::string(sql.substr(i, j - i)) +
                        ": parameters are numbered from $1 to $65535";
                return false;
            }
            refs.push_back({i, j, n});
            i = j;
        } else if (c == '$') {
            std::size_t j = i + 1;
            if (j < size && ident_start(sql[j]))
                while (j < size && tag_cont(sql[j])) ++j;
            if (j < size && sql[j] == '$') {
                const std::string_view tag = sql.substr(i, j - i + 1);
                const std::size_t close = sql.find(tag, j + 1);
                i = close == std::string_view::npos ? size : close + tag.size();
            } else {
                ++i;
            }
        } else {
            ++i;
        }
    }
    return true;
}

bool has_percent_placeholder(std::string_view sql) {
    for (std::size_t i = 0; i + 1 < sql.size(); ++i) {
        if (sql[i] != '%') continue;
        if (sql[i + 1] == 's' || sql[i + 1] == '(') return true;
        if (sql[i + 1] == '%') ++i;
    }
    return false;
}

std::string bad_format_char(char c, std::size_t index) {
    static constexpr char hex[] = "0123456789abcdef";
    const auto u = static_cast<unsigned char>(c);
    std::string shown = (u >= 0x20 && u < 0x7f) ? std::string(1, c) : "?";
    return "unsupported format character '" + shown + "' (0x" + hex[u >> 4] + hex[u & 15] + ") at index " +
           std::to_string(index);
}

bool parse_percent(std::string_view sql, ParsedSql& out, std::string& error) {
    std::string piece;
    std::size_t i = 0;
    auto set_style = [&](PlaceholderStyle s) {
        if (out.style != PlaceholderStyle::none && out.style != s) {
            error = "argument formats can't be mixed";
            return false;
        }
        out.style = s;
        return true;
    };
    while (i < sql.size()) {
        const std::size_t pct = sql.find('%', i);
        if (pct == std::string_view::npos) {
            piece.append(sql.substr(i));
            break;
        }
        piece.append(sql.substr(i, pct - i));
        if (pct + 1 == sql.size()) {
            error = "incomplete format: '%' at the end of the query";
            return false;
        }
        const char f = sql[pct + 1];
        if (f == '%') {
            piece += '%';
            i = pct + 2;
            continue;
        }
        std::size_t slot = 0;
        if (f == 's') {
            if (!set_style(PlaceholderStyle::positional)) return false;
            slot = out.param_count++;
            i = pct + 2;
        } else if (f == '(') {
            // Like psycopg2, a name ends at ')' and cannot contain '%'.
            const std::size_t close = sql.find_first_of(")%", pct + 2);
            if (close == std::string_view::npos || sql[close] == '%') {
                error = "incomplete placeholder: '%(' without ')'";
                return false;
            }
            if (close + 1 == sql.size()) {
                error = "incomplete format: '%(...)' without 's'";
                return false;
            }
            if (sql[close + 1] != 's') {
                error = bad_format_char(sql[close + 1], close + 1);
                return false;
            }
            if (!set_style(PlaceholderStyle::named)) return false;
            const std::string_view name = sql.substr(pct + 2, close - pct - 2);
            auto it = std::find(out.names.begin(), out.names.end(), name);
            slot = static_cast<std::size_t>(it - out.names.begin());
            if (it == out.names.end()) out.names.emplace_back(name);
            i = close + 2;
        } else {
            error = bad_format_char(f, pct + 1);
            return false;
        }
        out.slots.push_back(slot);
        out.text.push_back(std::move(piece));
        piece.clear();
    }
    out.text.push_back(std::move(piece));
    if (out.style == PlaceholderStyle::named) out.param_count = out.names.size();
    if (std::max(out.param_count, out.slots.size()) > kMaxParams) {
        error = "too many placeholders: at most 65535 parameters can be bound";
        return false;
    }
    return true;
}

}  // namespace

bool parse_placeholders(std::string_view sql, ParsedSql& out, std::string& error) {
    out = ParsedSql{};
    std::vector<NativeRef> refs;
    if (!scan_native(sql, refs, error)) {
        out = ParsedSql{};
        return false;
    }
    if (has_percent_placeholder(sql)) {
        if (!refs.empty()) {
            error = "argument formats can't be mixed: " +
                    std::string(sql.substr(refs[0].begin, refs[0].end - refs[0].begin)) +
                    " next to %s-style placeholders";
            return false;
        }
        if (!parse_percent(sql, out, error)) {
            out = ParsedSql{};
            return false;
        }
        return true;
    }
    if (refs.empty()) {
        out.text.emplace_back(sql);
        return true;
    }
    out.style = PlaceholderStyle::native;
    std::size_t pos = 0;
    for (const auto& r : refs) {
        out.text.emplace_back(sql.substr(pos, r.begin - pos));
        out.slots.push_back(r.n - 1);
        out.param_count = std::max(out.param_count, r.n);
        pos = r.end;
    }
    out.text.emplace_back(sql.substr(pos));
    return true;
}

std::string render_dollar(const ParsedSql& parsed) {
    std::string out = parsed.text.empty() ? std::string() : parsed.text[0];
    for (std::size_t k = 0; k < parsed.slots.size(); ++k) {
        out += '$';
        out += std::to_string(parsed.slots[k] + 1);
        out += parsed.text[k + 1];
    }
    return out;
}

std::string render_literals(const ParsedSql& parsed, const std::vector<std::string>& literals) {
    std::string out = parsed.text.empty() ? std::string() : parsed.text[0];
    for (std::size_t k = 0; k < parsed.slots.size(); ++k) {
        // Precondition: one literal per parameter (Cursor checks the count first).
        out += literals.at(parsed.slots[k]);
        out += parsed.text[k + 1];
    }
    return out;
}

}  // namespace uvpg::proto
