// Placeholders in SQL text: psycopg2's %s and %(name)s (%% is a literal %) and PostgreSQL's
// native $n, split out so that execute sends $n-bound parameters and mogrify renders literals.
// proto/ is sans-I/O: no sockets, no libuv, no coroutines.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace uvpg::proto {

enum class PlaceholderStyle { none, positional, named, native };

struct ParsedSql {
    PlaceholderStyle style = PlaceholderStyle::none;
    // SQL text around the placeholders: text.size() == slots.size() + 1, %% already made %.
    std::vector<std::string> text;
    // For each placeholder in order: the 0-based parameter it stands for (positional: its
    // position; native: n - 1; named: its index in `names`).
    std::vector<std::size_t> slots;
    std::vector<std::string> names;  // named style: distinct names in order of first appearance
    std::size_t param_count = 0;     // positional: number of %s; native: highest n; named: names.size()
};

// Parses `sql` for placeholders. %-style is psycopg2's: every % outside nothing is special
// ("%%" for a literal percent), mixing %s and %(name)s is an error, any other %x is an error.
// When no %-placeholder appears, $n outside quotes, identifiers, dollar-quoted strings and
// comments are native placeholders. Returns false with a message in `error` on bad input.
bool parse_placeholders(std::string_view sql, ParsedSql& out, std::string& error);

// The SQL to send: each placeholder as $k (k = slot + 1).
std::string render_dollar(const ParsedSql& parsed);

// The SQL with each placeholder replaced by literals[slot] (for mogrify).
std::string render_literals(const ParsedSql& parsed, const std::vector<std::string>& literals);

}  // namespace uvpg::proto
