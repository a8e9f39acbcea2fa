// Placeholder parsing: psycopg2's %s / %(name)s, PostgreSQL's $n, and rendering.
#include <doctest/doctest.h>

#include "proto/sql.hpp"

#include <stdexcept>

using namespace uvpg::proto;
using Strings = std::vector<std::string>;
using Slots = std::vector<std::size_t>;

namespace {

ParsedSql parse(std::string_view sql) {
    ParsedSql p;
    std::string error;
    const bool ok = parse_placeholders(sql, p, error);
    INFO("sql: ", sql, " error: ", error);
    REQUIRE(ok);
    CHECK(error.empty());
    CHECK(p.text.size() == p.slots.size() + 1);
    return p;
}

std::string error_of(std::string_view sql) {
    ParsedSql p;
    std::string error;
    if (parse_placeholders(sql, p, error)) return "(parsed)";
    CHECK(p.text.empty());  // nothing half-parsed is left behind
    CHECK(p.slots.empty());
    return error;
}

}  // namespace

TEST_CASE("no placeholders: the SQL unchanged") {
    for (std::string_view sql : {"SELECT 1", "", "SELECT '%' LIKE 'a%%'", "SELECT 5 % 3", "SELECT %d", "SELECT 100%",
                                 "SELECT %%s", "SELECT '$1'"}) {
        ParsedSql p = parse(sql);
        CHECK(p.style == PlaceholderStyle::none);
        CHECK(p.text == Strings{std::string(sql)});
        CHECK(p.param_count == 0);
        CHECK(render_dollar(p) == sql);
        CHECK(render_literals(p, {}) == sql);
    }
}

TEST_CASE("positional %s") {
    ParsedSql p = parse("SELECT %s, %s FROM t WHERE x = %s");
    CHECK(p.style == PlaceholderStyle::positional);
    CHECK(p.text == Strings{"SELECT ", ", ", " FROM t WHERE x = ", ""});
    CHECK(p.slots == Slots{0, 1, 2});
    CHECK(p.param_count == 3);
    CHECK(p.names.empty());
    CHECK(render_dollar(p) == "SELECT $1, $2 FROM t WHERE x = $3");
    CHECK(render_literals(p, {"42", "'a'", "NULL"}) == "SELECT 42, 'a' FROM t WHERE x = NULL");

    ParsedSql q = parse("%s");
    CHECK(q.text == Strings{"", ""});
    CHECK(render_dollar(q) == "$1");
    CHECK(parse("%s%s").slots == Slots{0, 1});
}

TEST_CASE("%% is a literal percent once %-style applies, and % is special everywhere") {
    ParsedSql p = parse("SELECT '100%%', %s LIKE 'a%%' -- 50%% off");
    CHECK(p.text == Strings{"SELECT '100%', ", " LIKE 'a%' -- 50% off"});
    CHECK(render_dollar(p) == "SELECT '100%', $1 LIKE 'a%' -- 50% off");

    // psycopg2 replaces inside quotes too; quoting a placeholder is the user's mistake.
    CHECK(render_dollar(parse("SELECT '%s'")) == "SELECT '$1'");
    CHECK(parse("SELECT %%%s").text == Strings{"SELECT %", ""});
    CHECK(parse("%%s%s").text == Strings{"%s", ""});
}

TEST_CASE("named %(name)s") {
    ParsedSql p = parse("SELECT %(a)s, %(b)s, %(a)s, %(long_name)s");
    CHECK(p.style == PlaceholderStyle::named);
    CHECK(p.names == Strings{"a", "b", "long_name"});
    CHECK(p.slots == Slots{0, 1, 0, 2});
    CHECK(p.param_count == 3);
    CHECK(render_dollar(p) == "SELECT $1, $2, $1, $3");
    CHECK(render_literals(p, {"1", "'x'", "NULL"}) == "SELECT 1, 'x', 1, NULL");

    ParsedSql odd = parse("SELECT %(weird name-1)s, %()s");
    CHECK(odd.names == Strings{"weird name-1", ""});
    CHECK(parse("%(x)s%%").text == Strings{"", "%"});
}

TEST_CASE("%-style errors, with psycopg2's messages") {
    CHECK(error_of("SELECT %d") == "(parsed)");  // not %-style: no %s or %( anywhere
    CHECK(error_of("SELECT %s, %d") == "unsupported format character 'd' (0x64) at index 12");
    CHECK(error_of("SELECT %s, % 1") == "unsupported format character ' ' (0x20) at index 12");
    CHECK(error_of("SELECT %s, %\x01") == "unsupported format character '?' (0x01) at index 12");
    CHECK(error_of("SELECT %s, 5%") == "incomplete format: '%' at the end of the query");
    CHECK(error_of("SELECT %(a") == "incomplete placeholder: '%(' without ')'");
    CHECK(error_of("SELECT %(a%%)s") == "incomplete placeholder: '%(' without ')'");
    CHECK(error_of("SELECT %(a)") == "incomplete format: '%(...)' without 's'");
    CHECK(error_of("SELECT %(a)d") == "unsupported format character 'd' (0x64) at index 11");
    CHECK(error_of("SELECT %s, %(a)s") == "argument formats can't be mixed");
    CHECK(error_of("SELECT %(a)s, %s") == "argument formats can't be mixed");
    CHECK(error_of("SELECT %s, $1") == "argument formats can't be mixed: $1 next to %s-style placeholders");
    CHECK(error_of("SELECT %(a)s WHERE x = $2") == "argument formats can't be mixed: $2 next to %s-style placeholders");
}

TEST_CASE("%-style leaves $ that is not a native placeholder alone") {
    CHECK(render_dollar(parse("SELECT %s, '$1', \"$2\", $$ $3 $$ -- $4")) == "SELECT $1, '$1', \"$2\", $$ $3 $$ -- $4");
    CHECK(render_dollar(parse("SELECT price$1, %s")) == "SELECT price$1, $1");
}

TEST_CASE("native $n") {
    ParsedSql p = parse("SELECT $1, $2::int WHERE a = $1");
    CHECK(p.style == PlaceholderStyle::native);
    CHECK(p.text == Strings{"SELECT ", ", ", "::int WHERE a = ", ""});
    CHECK(p.slots == Slots{0, 1, 0});
    CHECK(p.param_count == 2);
    CHECK(render_dollar(p) == "SELECT $1, $2::int WHERE a = $1");
    CHECK(render_literals(p, {"'x'", "5"}) == "SELECT 'x', 5::int WHERE a = 'x'");

    ParsedSql gap = parse("SELECT $3");
    CHECK(gap.param_count == 3);
    CHECK(gap.slots == Slots{2});
    CHECK(parse("SELECT $65535").param_count == 65535);
    CHECK(render_dollar(parse("SELECT $007")) == "SELECT $7");
    CHECK(parse("$1+$2").slots == Slots{0, 1});
    CHECK(parse("SELECT($1)").slots == Slots{0});
    // % is ordinary in native SQL: LIKE patterns need no doubling and %% is left as written.
    ParsedSql like = parse("SELECT x LIKE 'a%' AND y = $1 AND z = '100%%' AND 7 % 2 = 1");
    CHECK(render_dollar(like) == "SELECT x LIKE 'a%' AND y = $1 AND z = '100%%' AND 7 % 2 = 1");
}

TEST_CASE("native $n is not seen inside literals, identifiers, dollar quotes and comments") {
    auto slots_of = [](std::string_view sql) { return parse(sql).slots; };
    CHECK(slots_of("SELECT '$1', $2") == Slots{1});
    CHECK(slots_of("SELECT 'it''s $1', $2") == Slots{1});
    CHECK(slots_of("SELECT 'a\\', $2") == Slots{1});  // standard string: backslash is plain
    CHECK(slots_of("SELECT E'it\\'s $1', $2") == Slots{1});
    CHECK(slots_of("SELECT e'\\\\', $2") == Slots{1});
    CHECK(slots_of("SELECT E'x''$1', $2") == Slots{1});
    CHECK(slots_of("SELECT U&'\\0041 $1', $2") == Slots{1});
    CHECK(slots_of("SELECT \"col$1\", \"a\"\"$1\", $2") == Slots{1});
    CHECK(slots_of("SELECT $$ $1 $$, $2") == Slots{1});
    CHECK(slots_of("SELECT $tag$ $1 $$ $1 $tag$, $2") == Slots{1});
    CHECK(slots_of("SELECT $a$ $b$ $1 $b$ $a$, $2") == Slots{1});
    CHECK(slots_of("SELECT $_x1$ $1 $_x1$, $2") == Slots{1});
    CHECK(slots_of("SELECT 1 -- $1\n, $2") == Slots{1});
    CHECK(slots_of("SELECT /* $1 /* $1 */ $1 */ $2") == Slots{1});
    CHECK(slots_of("SELECT a$1, foo$bar$, $2") == Slots{1});  // $ inside identifiers
    CHECK(slots_of("SELECT 1e5, $2") == Slots{1});
    CHECK(slots_of("SELECT $ 1, $2") == Slots{1});
    CHECK(slots_of("SELECT 1/2 - -3, $2") == Slots{1});
    // Unterminated quotes and comments hide the rest; the server reports them.
    CHECK(parse("SELECT '$1").style == PlaceholderStyle::none);
    CHECK(parse("SELECT $q$ $1").style == PlaceholderStyle::none);
    CHECK(parse("SELECT /* $1").style == PlaceholderStyle::none);
    CHECK(parse("SELECT -- $1").style == PlaceholderStyle::none);
    CHECK(parse("SELECT \"$1").style == PlaceholderStyle::none);
    CHECK(parse("SELECT E'\\").style == PlaceholderStyle::none);
}

TEST_CASE("native $n errors") {
    CHECK(error_of("SELECT $0") == "invalid placeholder $0: parameters are numbered from $1 to $65535");
    CHECK(error_of("SELECT $00") == "invalid placeholder $00: parameters are numbered from $1 to $65535");
    CHECK(error_of("SELECT $65536") == "invalid placeholder $65536: parameters are numbered from $1 to $65535");
    CHECK(error_of("SELECT $99999999999999999999999") ==
          "invalid placeholder $99999999999999999999999: parameters are numbered from $1 to $65535");
    CHECK(error_of("SELECT '$0', $1") == "(parsed)");
}

TEST_CASE("too many %s placeholders for one Bind") {
    std::string many;
    for (int i = 0; i < 65536; ++i) many += "%s,";
    CHECK(error_of(many) == "too many placeholders: at most 65535 parameters can be bound");
    many.resize(many.size() - 3);
    CHECK(parse(many).param_count == 65535);
}

TEST_CASE("a parse reuses its output") {
    ParsedSql p;
    std::string error;
    REQUIRE(parse_placeholders("SELECT %(a)s", p, error));
    REQUIRE(parse_placeholders("SELECT 1", p, error));
    CHECK(p.style == PlaceholderStyle::none);
    CHECK(p.names.empty());
    CHECK(p.slots.empty());
    CHECK(p.text == Strings{"SELECT 1"});
}

TEST_CASE("render_literals checks its precondition") {
    ParsedSql p = parse("SELECT %s, %s");
    CHECK_THROWS_AS(render_literals(p, {"1"}), std::out_of_range);
}
