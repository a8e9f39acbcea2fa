// libFuzzer target: placeholder parsing and rendering on arbitrary SQL text.
//
// Input: the SQL text. Checked: a parse either fails with a message and an empty result, or
// yields text pieces and slots that agree with each other and with its style; rendering never
// asks for a parameter that is not there. The same text, quoted as mogrify quotes a string
// parameter, must stay one literal: no $n inside it may be seen by the scanner.
#include "common.hpp"
#include "proto/sql.hpp"

#include <uvpg/errors.hpp>
#include <uvpg/params.hpp>
#include <uvpg/value.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace uvpg::proto;

namespace {

using uvpg_fuzz::check;

std::size_t total_text(const ParsedSql& p) {
    std::size_t n = 0;
    for (const auto& t : p.text) n += t.size();
    return n;
}

// A literal that ended early would let "$1" or "--" in the text become SQL.
void check_quoting(std::string_view text) {
    if (text.find('%') != std::string_view::npos) return;  // would switch the statement to %-style
    std::string literal;
    try {
        literal = uvpg::Param(text).literal();
    } catch (const uvpg::DataError&) {
        check(text.find('\0') != std::string_view::npos, "a text without NUL refused as a Param");
        return;
    }
    const std::string before = "SELECT " + literal + " = ";
    ParsedSql parsed;
    std::string error;
    check(parse_placeholders(before + "$1", parsed, error), "a quoted literal broke the statement");
    check(parsed.style == PlaceholderStyle::native && parsed.slots == std::vector<std::size_t>{0} &&
              parsed.text[0] == before,
          "a placeholder was found inside a quoted literal");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view sql(reinterpret_cast<const char*>(data), size);
    check_quoting(sql);
    ParsedSql parsed;
    parsed.text = {"stale"};  // parse_placeholders must start from scratch
    std::string error;
    if (!parse_placeholders(sql, parsed, error)) {
        check(!error.empty(), "failure without a message");
        check(parsed.text.empty() && parsed.slots.empty() && parsed.names.empty() && parsed.param_count == 0,
              "a failed parse left a result behind");
        return 0;
    }

    check(parsed.text.size() == parsed.slots.size() + 1, "text pieces do not surround the placeholders");
    check(total_text(parsed) <= sql.size(), "the text pieces are longer than the SQL");
    check(parsed.param_count <= 65535, "more parameters than Bind can carry");
    for (std::size_t slot : parsed.slots) check(slot < parsed.param_count, "a slot beyond param_count");
    switch (parsed.style) {
    case PlaceholderStyle::none:
        check(parsed.slots.empty() && parsed.param_count == 0 && parsed.text[0] == sql, "style none changed the SQL");
        break;
    case PlaceholderStyle::positional:
        check(parsed.param_count == parsed.slots.size(), "positional: count differs from the placeholders");
        for (std::size_t k = 0; k < parsed.slots.size(); ++k) check(parsed.slots[k] == k, "positional: out of order");
        check(parsed.names.empty(), "positional with names");
        break;
    case PlaceholderStyle::named:
        check(parsed.param_count == parsed.names.size(), "named: count differs from the names");
        for (std::size_t i = 0; i < parsed.names.size(); ++i) {
            check(std::find(parsed.slots.begin(), parsed.slots.end(), i) != parsed.slots.end(), "named: unused name");
            check(std::count(parsed.names.begin(), parsed.names.end(), parsed.names[i]) == 1, "named: duplicate name");
        }
        break;
    case PlaceholderStyle::native:
        check(!parsed.slots.empty(), "native without a placeholder");
        check(*std::max_element(parsed.slots.begin(), parsed.slots.end()) + 1 == parsed.param_count,
              "native: param_count is not the highest $n");
        break;
    }

    const std::string dollar = render_dollar(parsed);
    check(dollar.size() >= total_text(parsed) + 2 * parsed.slots.size(), "render_dollar dropped text");
    // One distinct literal per parameter, so that a slot rendered in the wrong place shows.
    std::vector<std::string> literals;
    for (std::size_t i = 0; i < parsed.param_count; ++i) literals.push_back("'L" + std::to_string(i) + "'");
    const std::string rendered = render_literals(parsed, literals);
    std::size_t expected = total_text(parsed);
    for (std::size_t slot : parsed.slots) expected += literals[slot].size();
    check(rendered.size() == expected, "render_literals has the wrong length");
    return 0;
}

namespace {

void write_seeds(const std::string& dir) {
    std::filesystem::create_directories(dir);
    const char* seeds[] = {
        "SELECT 1",
        "SELECT %s, %s FROM t WHERE a = %s",
        "SELECT %(id)s, %(name)s, %(id)s",
        "SELECT $1, $2::int, $10 FROM t WHERE x LIKE 'a%' AND y = $1",
        "SELECT '%%s' || %s, 100 %% 7",
        "SELECT 'it''s $1', \"col$1\", E'\\'$2', $tag$ $3 $tag$, $$ $4 $$, a$1 -- $5\n, $6 /* $7 /* $8 */ $9 */ + $11",
        "SELECT %s, $1",
        "SELECT %(a)s, %s",
        "SELECT %d",
        "SELECT %(unterminated",
        "SELECT 100%",
        "SELECT $0, $65536",
        "SELECT 1.5e3, 0x1f, 1_000 FROM t WHERE c = $1",
        "INSERT INTO t VALUES (%(a b)s, %()s)",
        "it's $1 -- \\' $2 /* $3",
    };
    int i = 0;
    for (const char* s : seeds) std::ofstream(dir + "/seed-" + std::to_string(i++), std::ios::binary) << s;
}

}  // namespace

UVPG_FUZZ_SEEDS_FROM(write_seeds)
