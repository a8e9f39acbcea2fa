// as<std::string>() of a binary value is the server's own text, byte for byte, for every type
// uvpg reads in binary. Each type's values are made on the server (a generate_series expression
// and hand-picked edges) and read twice through the same query: once with a parameter, so that
// the statement is prepared and its results come in binary, and once without, as a simple query
// whose results are the type output function's text. Nothing is excluded: a difference is a bug
// in uvpg's text for that type.
//
// The session is set so that both sides can be compared: TimeZone UTC (uvpg prints a binary
// timestamptz in UTC), DateStyle ISO and IntervalStyle postgres (the forms uvpg prints),
// extra_float_digits 1 (the default: shortest round-trip floats), bytea_output hex, and
// lc_monetary C (money itself reads in text, its binary form lacking the locale's formatting,
// so it is not among the types compared).
#include "support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

using namespace uvpg_test;

namespace {

std::string sql_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

// Rows (i, v) of `type`: `expr` over g in 1..count, then each edge (literals of the type, '|'
// between them) after them. The query must not contain a percent sign (it goes through %s
// formatting). (The edges are one string because g++ 12 cannot compile a braced list inside a
// co_await expression.)
std::string values(const std::string& type, const std::string& expr, std::string_view edge_list = "", int count = 120) {
    std::vector<std::string> edges;
    for (std::size_t at = 0; !edge_list.empty() && at <= edge_list.size();) {
        const std::size_t bar = std::min(edge_list.find('|', at), edge_list.size());
        edges.emplace_back(edge_list.substr(at, bar - at));
        at = bar + 1;
    }
    std::string sql = "SELECT g::int8 AS i, (" + expr + ")::" + type + " AS v FROM generate_series(1, " +
                      std::to_string(count) + ") g";
    for (std::size_t n = 0; n < edges.size(); ++n)
        sql += " UNION ALL SELECT " + std::to_string(100000 + n) + ", " + sql_quote(edges[n]) + "::" + type;
    return sql;
}

// Reads `rows` both ways and compares the text of every value; at least 100 non-NULL values.
uvpg::Task<void> compare(uvpg::Cursor& cur, const std::string& what, const std::string& rows) {
    CAPTURE(what);
    const std::string q1 = "SELECT v FROM (" + rows + ") AS t WHERE ";
    const std::string q2 = " ORDER BY i";
    co_await cur.execute(q1 + "%s" + q2, {true});
    const std::vector<uvpg::Row> bin = co_await cur.fetchall();
    co_await cur.execute(q1 + "true" + q2);
    const std::vector<uvpg::Row> text = co_await cur.fetchall();
    REQUIRE(bin.size() == text.size());
    std::size_t compared = 0, mismatched = 0;
    std::string first_mismatches;
    for (std::size_t r = 0; r < bin.size(); ++r) {
        const uvpg::Value b = bin[r][0], t = text[r][0];
        REQUIRE(b.is_null() == t.is_null());
        if (b.is_null()) continue;
        REQUIRE(b.is_binary());  // the statement with a parameter reads in binary
        REQUIRE_FALSE(t.is_binary());
        ++compared;
        const std::string server = t.as<std::string>(), ours = b.as<std::string>();
        if (server != ours && ++mismatched <= 5) first_mismatches += "\n  server: " + server + "\n  uvpg:   " + ours;
    }
    CHECK(compared >= 100);
    const std::string report =
        what + ": " + std::to_string(mismatched) + " of " + std::to_string(compared) + " differ" + first_mismatches;
    CHECK_MESSAGE(mismatched == 0, report);
}

template <class F>
void with_comparable_session(F body) {
    with_cursor([body](uvpg::Connection& conn, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("SET TimeZone = 'UTC'");
        co_await cur.execute("SET DateStyle = 'ISO, MDY'");
        co_await cur.execute("SET IntervalStyle = 'postgres'");
        co_await cur.execute("SET extra_float_digits = 1");
        co_await cur.execute("SET bytea_output = 'hex'");
        co_await cur.execute("SET lc_monetary = 'C'");
        co_await body(conn, cur);
    });
}

// Doubles spread over the whole exponent range, with many digits each.
const char* kWideDouble = "sin(g * 1.7) * 10::float8 ^ ((g * 37) - (g * 37 / 617) * 617 - 308)";

}  // namespace

TEST_CASE("server text: float4 and float8, shortest round trip laid out as float4out/float8out") {
    with_comparable_session([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await compare(
            cur, "float4 over the exponent range",
            values("float4", "sin(g * 1.3) * 10::float8 ^ (g - (g / 76) * 76 - 38)",
                   "16777217|16777216|100000|999999|1000000|999999.9|123456.7|1234567|0.0001|0.00012345|0.00001|9."
                   "999999e-05|0|-0|NaN|Infinity|-Infinity|3.4028235e+38|-3.4028235e+38|1.1754944e-38|1.17549435e-38|"
                   "1e-40|1.4e-45|-1.4e-45|0.1|1|10|1.5|3.1415927|65536|4096.5|5e-05"));
        co_await compare(cur, "float4 integers and halves", values("float4", "(g * 8191 - 500000)::float8 / 2"));
        co_await compare(
            cur, "float8 over the exponent range",
            values("float8", kWideDouble,
                   "1e15|1e+15|999999999999999|999999999999999.9|123456789012345.6|1234567890123456|9007199254740993|0."
                   "0001|0.00009999|1e-05|0|-0|NaN|Infinity|-Infinity|1.7976931348623157e+308|-1.7976931348623157e+308|"
                   "2.2250738585072014e-308|2.225073858507201e-308|4.9e-324|-5e-324|1e-310|0.1|0.3|1e22|1e21|1e23|100|"
                   "1.5|3.141592653589793"));
        co_await compare(cur, "float8 near the fixed/exponent switch",
                         values("float8", "(g * 12345.678901) * 10::float8 ^ (g - (g / 24) * 24 - 8)"));
        co_await compare(cur, "float8 from thirds", values("float8", "g::float8 / 3 - 20"));
        // Where the shortest decimal lies exactly halfway between two floats (33554450 between
        // the float4s 33554448 and 33554452), which upstream Ryu prints and PostgreSQL's does not.
        co_await compare(cur, "float4 at midpoints",
                         values("float4", "33554432 + g * 4", "1e23|134217792|-33554448", 200));
        co_await compare(cur, "float8 at midpoints",
                         values("float8", "18014398509481984::numeric + g * 4", "1e23|-1e23", 200));
        // Bit patterns spread over every exponent (normal and subnormal), built exactly in float8.
        const std::string f4_bits =
            "(CASE WHEN g * 3 / 2 * 2 = g * 3 THEN 1 ELSE -1 END) * "
            "(CASE WHEN g <= 100 THEN mod(g::int8 * 2654435761, 8388608)::float8 / 8388608 * 2::float8 ^ -126 "
            "ELSE (1 + mod(g::int8 * 2654435761, 8388608)::float8 / 8388608) * 2::float8 ^ (mod(g * 7919, 254) - 126) "
            "END)";
        co_await compare(cur, "float4 from bit patterns", values("float4", f4_bits, "", 3000));
        const std::string f8_bits =
            "(CASE WHEN g * 3 / 2 * 2 = g * 3 THEN 1 ELSE -1 END) * "
            "(CASE WHEN g <= 100 THEN mod(g::numeric * 2862933555777941757, 4503599627370496)::int8::float8 / "
            "4503599627370496 * 2::float8 ^ -1022 "
            "ELSE (1 + mod(g::numeric * 2862933555777941757, 4503599627370496)::int8::float8 / 4503599627370496) * "
            "2::float8 ^ (mod(g * 7919, 2046) - 1022) END)";
        co_await compare(cur, "float8 from bit patterns", values("float8", f8_bits, "", 3000));
    });
}

TEST_CASE("server text: bool, integers, oid-like types") {
    with_comparable_session([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await compare(cur, "bool", values("bool", "g * 7 / 3 * 3 = g * 7"));
        co_await compare(cur, "int2", values("int2", "(g - 60) * 541", "-32768|32767|0|-1"));
        co_await compare(cur, "int4", values("int4", "(g - 60) * 35791394", "-2147483648|2147483647|0"));
        co_await compare(
            cur, "int8",
            values("int8", "(g - 60) * 153722867280912930::int8", "-9223372036854775808|9223372036854775807|0"));
        co_await compare(cur, "oid", values("oid", "g::int8 * 35791394", "0|4294967295"));
        co_await compare(cur, "xid", values("xid", "(g::int8 * 35791394)::text", "0|4294967295"));
        co_await compare(cur, "cid", values("cid", "(g::int8 * 35791394)::text", "0|4294967295"));
        co_await compare(
            cur, "xid8",
            values("xid8", "(g::numeric * 153722867280912930)::text", "0|18446744073709551615|9223372036854775808"));
    });
}

TEST_CASE("server text: numeric with many digits, scales, NaN and infinities") {
    with_comparable_session([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await compare(
            cur, "numeric of varied scale",
            values("numeric",
                   "round((g - 60) * 98765432109876543210.0123456789::numeric / 10::numeric ^ (g - (g / 50) * 50), g - "
                   "(g / 40) * 40)",
                   "NaN|Infinity|-Infinity|0|0.000|-0.5|123.4500|1e-100|1e+100|-99999999999999999999999999999999."
                   "99999999999999999999|0.00000000000000000000000000000000000001|10000|100000000|0.0001"));
        co_await compare(cur, "numeric from division", values("numeric", "(g - 60)::numeric / 7"));
    });
}

TEST_CASE("server text: character types, bytea, json, jsonb, xml, uuid") {
    with_comparable_session([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        const std::string s =
            "repeat(chr(64 + g - (g / 26) * 26), g - (g / 5) * 5) || g || chr(9) || ' \" '' \\ ' || chr(200 + g * 13)";
        co_await compare(cur, "text", values("text", s, "| |NULL|caf\xc3\xa9"));
        co_await compare(cur, "varchar", values("varchar", s));
        co_await compare(cur, "bpchar", values("char(12)", "left(" + s + ", 10)", "|a"));
        co_await compare(cur, "name", values("name", s + " || repeat('n', g)"));
        co_await compare(cur, "\"char\" of every byte", values("\"char\"", "(g - 129)::int4::\"char\"", "", 256));
        co_await compare(cur, "bytea",
                         values("bytea", "decode(repeat(md5(g::text), g - (g / 4) * 4), 'hex')", "|\\x00ff|\\\\"));
        co_await compare(cur, "json",
                         values("json", "json_build_object('k', g, 's', " + s + ", 'a', ARRAY[g, -g])",
                                "{ \"spaced\" : [1, 2.50] }|null|\"x\""));
        co_await compare(cur, "jsonb",
                         values("jsonb", "jsonb_build_object('k', g, 's', " + s + ", 'f', g / 7.0)",
                                "{ \"spaced\" : [1, 2.50, 1e3] }|null|[]"));
        co_await compare(
            cur, "xml",
            values("xml", "xmlelement(name a, xmlattributes(g AS n), 'x & y ' || g)", "<b/>|text only|<!-- c -->"));
        co_await compare(cur, "uuid", values("uuid", "md5(g::text)::uuid", "00000000-0000-0000-0000-000000000000"));
    });
}

TEST_CASE("server text: dates, times, timestamps and intervals, BC, far years, infinity") {
    with_comparable_session([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await compare(cur, "date",
                         values("date", "date '2000-01-01' + (g - 60) * 37123",
                                "4714-11-24 BC|5874897-12-31|infinity|-infinity|0001-01-01|0001-12-31 "
                                "BC|1999-12-31|2000-02-29|10000-01-01"));
        co_await compare(cur, "time",
                         values("time", "time '00:00' + g * interval '731 s 123457 us'",
                                "24:00:00|23:59:59.999999|00:00:00|12:00:00.5"));
        const std::string offset =
            "CASE WHEN g * 7 / 2 * 2 = g * 7 THEN '+' ELSE '-' END || "
            "lpad((g - (g / 16) * 16)::text, 2, '0') || ':' || lpad((g * 7 - (g * 7 / 60) * 60)::text, 2, '0')";
        co_await compare(cur, "timetz",
                         values("timetz", "((time '00:00' + g * interval '731.123 s')::text || " + offset + ")",
                                "00:00:00+1559|24:00:00-1559|12:00:00+05:30:15|01:02:03-00:00:01|13:14:15.000001+00"));
        const std::string step = "(g - 60) * interval '66 years 37 days 5 hours 3.141592 s'";
        co_await compare(cur, "timestamp",
                         values("timestamp", "timestamp '2000-01-01' + " + step,
                                "294276-12-31 23:59:59.999999|4713-01-01 00:00:00 BC|4714-11-24 00:00:00 "
                                "BC|infinity|-infinity|1999-12-31 23:59:59.5|0001-01-01 00:00:00 "
                                "BC|1970-01-01|10000-06-30 12:00:00.000001"));
        co_await compare(cur, "timestamptz",
                         values("timestamptz", "timestamptz '2000-01-01 00:00+00' + " + step,
                                "294276-12-31 23:59:59.999999+00|4713-01-01 00:00:00+00 BC|4714-11-24 00:00:00+00 "
                                "BC|infinity|-infinity|1999-12-31 23:59:59.5+00|1900-01-01 00:00:00+05:30|10000-06-30 "
                                "12:00:00.000001+00"));
        co_await compare(
            cur, "interval of mixed signs",
            values("interval",
                   "make_interval(years => g - 60, months => g * 7 - (g * 7 / 23) * 23 - 11, "
                   "days => g * 13 - (g * 13 / 61) * 61 - 30, "
                   "secs => (g - 60) * 1234.567891 * (g - (g / 3) * 3 - 1))",
                   "0|178000000 years|-178000000 years|1 day -1 second|-1 month 1 day|-00:00:00.000001|2147483647 "
                   "days|-2147483648 days|2562047788:00:54.775807|-2562047788:00:54.775807|1 mon|-1 year -2 "
                   "mons|00:00:00.5|1 day|-1 day +00:00:01"));
    });
}

TEST_CASE("server text: network addresses, MAC addresses, bit strings") {
    with_comparable_session([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        const std::string v4 = "('10.' || g || '.' || (g * 7 - (g * 7 / 256) * 256) || '.' || (255 - g))::inet";
        const std::string v6 = "('2001:db8:' || to_hex(g) || '::' || to_hex(g * 511))::inet";
        co_await compare(cur, "inet v4",
                         values("inet", "set_masklen(" + v4 + ", g - (g / 33) * 33)",
                                "0.0.0.0|255.255.255.255/32|192.168.0.1/24|0.0.0.0/0"));
        co_await compare(
            cur, "inet v6",
            values("inet", "set_masklen(" + v6 + ", g)",
                   "::|::1|::ffff:1.2.3.4|fe80::1/64|::ffff:0:0/96|1::|1:0:0:1::1|2001:db8::1:0:0:1|0:0:1::"));
        co_await compare(cur, "cidr",
                         values("cidr", "network(set_masklen(" + v4 + ", g - (g / 33) * 33))",
                                "0.0.0.0/0|10.0.0.0/8|::/0|2001:db8::/32|::ffff:1.2.3.4/128"));
        co_await compare(cur, "cidr v6", values("cidr", "network(set_masklen(" + v6 + ", g))"));
        co_await compare(
            cur, "macaddr",
            values("macaddr",
                   "('08:00:2b:' || lpad(to_hex(g), 2, '0') || ':' || lpad(to_hex(255 - g), 2, '0') || ':0f')",
                   "00:00:00:00:00:00|ff:ff:ff:ff:ff:ff"));
        co_await compare(
            cur, "macaddr8",
            values("macaddr8",
                   "('08:00:2b:' || lpad(to_hex(g), 2, '0') || ':01:02:03:' || lpad(to_hex(255 - g), 2, '0'))",
                   "08:00:2b:01:02:03|ff:ff:ff:ff:ff:ff:ff:ff"));
        co_await compare(cur, "bit", values("bit(12)", "g::bit(12)"));
        co_await compare(
            cur, "varbit",
            values("varbit", "substr((g * 2654435761::int8)::bit(64)::text, 1, g - (g / 65) * 65)", "|1|0"));
    });
}

TEST_CASE("server text: arrays, with quoting, NULLs, dimensions and lower bounds") {
    with_comparable_session([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await compare(cur, "int4[]",
                         values("int4[]", "ARRAY[g, -g, NULL, g * 1000]",
                                "{}|[0:1]={1,2}|[-5:-4][3:4]={{1,2},{3,4}}|{{1,2},{3,4}}"));
        co_await compare(cur, "int8[]", values("int8[]", "ARRAY[[g, -g], [g::int8 << 40, NULL]]"));
        co_await compare(cur, "int2[]", values("int2[]", "ARRAY[g, -g]::int2[]"));
        co_await compare(cur, "text[]",
                         values("text[]",
                                "ARRAY['a b', '', 'NULL', 'null', 'x\"y', 'back\\slash', '{}', "
                                "',', g::text, repeat('q', g), NULL, ' lead', 'trail ', chr(200 + g)]",
                                "{}|{\"\"}|{NULL}|{\"NULL\"}"));
        co_await compare(cur, "varchar[]", values("varchar[]", "ARRAY['a ', g::text, '', NULL, 'x,y']::varchar[]"));
        co_await compare(cur, "bpchar[]", values("char(3)[]", "ARRAY['a', '', g::text]::char(3)[]"));
        co_await compare(cur, "name[]", values("name[]", "ARRAY['a b', g::text]::name[]"));
        co_await compare(
            cur, "\"char\"[]",
            values("\"char\"[]",
                   "ARRAY[(g - 60)::int4::\"char\", 'a'::\"char\", '\"'::\"char\", '\\'::\"char\", ','::\"char\"]"));
        co_await compare(cur, "float4[]",
                         values("float4[]",
                                "ARRAY[(sin(g * 1.3) * 10::float8 ^ (g - (g / 76) * 76 - 38))::float4, 'NaN', "
                                "'-Infinity', '-0', 16777217]"));
        co_await compare(cur, "float8[]",
                         values("float8[]", std::string("ARRAY[") + kWideDouble +
                                                ", 'NaN', 'Infinity', '-0', 1e15, 1e-5, 4.9e-324]"));
        co_await compare(cur, "numeric[]",
                         values("numeric[]", "ARRAY[(g - 60)::numeric / 7, 'NaN', 'Infinity', 1.50]"));
        co_await compare(cur, "bool[]", values("bool[]", "ARRAY[g > 60, NULL, true]"));
        co_await compare(cur, "bytea[]", values("bytea[]", "ARRAY[decode(md5(g::text), 'hex'), '', '\\\\'::bytea]"));
        co_await compare(cur, "date[]",
                         values("date[]", "ARRAY[date '2000-01-01' + (g - 60) * 37123, 'infinity', '4714-11-24 BC']"));
        co_await compare(
            cur, "timestamp[]",
            values("timestamp[]", "ARRAY[timestamp '2000-01-01' + (g - 60) * interval '66 years 1.5 s', 'infinity']"));
        co_await compare(
            cur, "timestamptz[]",
            values("timestamptz[]",
                   "ARRAY[timestamptz '2000-01-01 00:00+00' + (g - 60) * interval '66 years 1.5 s', '-infinity']"));
        co_await compare(cur, "timetz[]", values("timetz[]", "ARRAY[('12:00:00.25+' || (g - (g / 15) * 15))::timetz]"));
        co_await compare(cur, "time[]", values("time[]", "ARRAY[time '00:00' + g * interval '731 s 123457 us']"));
        co_await compare(
            cur, "interval[]",
            values("interval[]",
                   "ARRAY[make_interval(years => g - 60, days => 3 - g, secs => g / 7.0), '-1 day +00:00:01']"));
        co_await compare(cur, "uuid[]", values("uuid[]", "ARRAY[md5(g::text)::uuid, NULL]"));
        co_await compare(cur, "inet[]",
                         values("inet[]", "ARRAY[('10.0.0.' || g)::inet, ('::' || g)::inet, '10.0.0.0/8']"));
        co_await compare(cur, "cidr[]", values("cidr[]", "ARRAY[('10.' || g || '.0.0/16')::cidr]"));
        co_await compare(cur, "macaddr[]",
                         values("macaddr[]", "ARRAY[('08:00:2b:01:02:' || lpad(to_hex(g), 2, '0'))::macaddr]"));
        co_await compare(cur, "macaddr8[]",
                         values("macaddr8[]", "ARRAY[('08:00:2b:01:02:03:04:' || lpad(to_hex(g), 2, '0'))::macaddr8]"));
        co_await compare(cur, "varbit[]", values("varbit[]", "ARRAY[g::bit(8)::varbit, '']"));
        co_await compare(cur, "bit[]", values("bit(4)[]", "ARRAY[g::bit(4)]"));
        co_await compare(cur, "json[]", values("json[]", "ARRAY[json_build_object('k', g, 's', 'a \"q\" b'), 'null']"));
        co_await compare(cur, "jsonb[]",
                         values("jsonb[]", "ARRAY[jsonb_build_object('k', g, 's', 'a \"q\" b'), '[]']"));
        co_await compare(cur, "xml[]", values("xml[]", "ARRAY[xmlelement(name a, g), 'x,y'::xml]"));
        co_await compare(cur, "oid[]", values("oid[]", "ARRAY[g::oid, 4294967295::oid]"));
        co_await compare(cur, "xid[]", values("xid[]", "ARRAY[g::text::xid]"));
        co_await compare(cur, "cid[]", values("cid[]", "ARRAY[g::text::cid]"));
        co_await compare(cur, "xid8[]", values("xid8[]", "ARRAY[g::text::xid8, '18446744073709551615']"));
        co_await compare(cur, "record[]", values("record[]", "ARRAY[ROW(g, 'a b'), ROW(NULL, '\"')]"));
    });
}

TEST_CASE("server text: records, ranges and multiranges") {
    with_comparable_session([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await compare(
            cur, "record",
            values("record",
                   "ROW(g, 'x' || g, g / 7.0::float8, NULL::int, ARRAY[g, -g], "
                   "'a b', '', 'q\"u\\o''te', '(,)', ROW(g, 'in ner'), "
                   "(g / 3.0)::float4, date '2000-01-01' + g, decode('00ff', 'hex'), (g - 60)::int4::\"char\", "
                   "timestamptz '2000-01-01 00:00+00' + g * interval '1 year 1 s', "
                   "make_interval(days => g - 60, secs => 60 - g), ('10.0.0.' || g)::inet)"));
        co_await compare(cur, "int4range",
                         values("int4range", "int4range(g - 60, g * 2, '(]')", "empty|(,)|[1,)|(,5]|[-2147483648,0)"));
        co_await compare(cur, "int8range", values("int8range", "int8range(g::int8 << 40, NULL)", "empty|[0,1)"));
        co_await compare(cur, "numrange",
                         values("numrange", "numrange((g - 60)::numeric / 7, g * 1.5, '[]')",
                                "empty|(,)|[-Infinity,Infinity]|(1.50,2.500)"));
        co_await compare(
            cur, "daterange",
            values("daterange", "daterange(date '2000-01-01' + (g - 60) * 37123, date '2000-01-01' + g * 40000)",
                   "empty|(,infinity)|[-infinity,)|[4714-11-24 BC,2000-01-01]"));
        co_await compare(
            cur, "tsrange",
            values("tsrange", "tsrange(timestamp '2000-01-01' + (g - 60) * interval '66 years 1.5 s', NULL, '(]')",
                   "empty|[-infinity,infinity]|[\"0001-01-01 00:00:00 BC\",)"));
        co_await compare(
            cur, "tstzrange",
            values("tstzrange",
                   "tstzrange(timestamptz '2000-01-01 00:00+00' + (g - 60) * interval '66 years 1.5 s', 'infinity')",
                   "empty|[,infinity)"));
        co_await compare(cur, "int4multirange",
                         values("int4multirange", "int4multirange(int4range(g, g + 5), int4range(g + 10, NULL))",
                                "{}|{(,)}|{[1,2),[3,4)}"));
        co_await compare(cur, "int8multirange", values("int8multirange", "int8multirange(int8range(-g, g))"));
        co_await compare(cur, "nummultirange",
                         values("nummultirange", "nummultirange(numrange(g / 7.0, NULL), numrange(NULL, -g))"));
        co_await compare(cur, "datemultirange",
                         values("datemultirange", "datemultirange(daterange(date '2000-01-01' + g, 'infinity'))"));
        co_await compare(
            cur, "tsmultirange",
            values("tsmultirange", "tsmultirange(tsrange(timestamp '2000-01-01' + g * interval '1 year 1 s', NULL))"));
        co_await compare(
            cur, "tstzmultirange",
            values("tstzmultirange",
                   "tstzmultirange(tstzrange(NULL, timestamptz '2000-01-01 00:00+00' + g * interval '1 year 1 s'))"));
        co_await compare(cur, "int4range[]", values("int4range[]", "ARRAY[int4range(g, g + 5), 'empty']"));
    });
}

TEST_CASE("server text: registered enums, composites, domains, hstore, and their arrays") {
    with_comparable_session([](uvpg::Connection& conn, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE dummy ()");  // a temp schema for the types below
        co_await cur.execute("CREATE TYPE pg_temp.st_mood AS ENUM ('sad', 'o k', 'happy', 'qu\"ote')");
        co_await cur.execute(
            "CREATE TYPE pg_temp.st_pair AS (a int4, b text, c float8, d pg_temp.st_mood, e numeric[])");
        co_await cur.execute("CREATE DOMAIN pg_temp.st_money AS numeric(12, 2)");
        co_await cur.execute("CREATE DOMAIN pg_temp.st_when AS timestamptz");
        co_await cur.execute("CREATE EXTENSION IF NOT EXISTS hstore");
        for (const char* t : {"pg_temp.st_mood", "pg_temp.st_pair", "pg_temp.st_money", "pg_temp.st_when", "hstore"})
            co_await conn.register_type(t);
        const std::string mood = "(ARRAY['sad', 'o k', 'happy', 'qu\"ote'])[g - (g / 4) * 4 + 1]::pg_temp.st_mood";
        co_await compare(cur, "enum", values("pg_temp.st_mood", mood));
        co_await compare(cur, "enum[]",
                         values("pg_temp.st_mood[]", "ARRAY[" + mood + ", NULL]", "{}|{qu\\\"ote,\"o k\"}"));
        const std::string pair = "ROW(g, 'b ' || g, g / 7.0, " + mood + ", ARRAY[g / 3.0, NULL])::pg_temp.st_pair";
        co_await compare(cur, "composite", values("pg_temp.st_pair", pair));
        co_await compare(cur, "composite[]", values("pg_temp.st_pair[]", "ARRAY[" + pair + ", NULL]"));
        co_await compare(cur, "domain over numeric", values("pg_temp.st_money", "(g - 60) * 123.456"));
        co_await compare(
            cur, "domain over timestamptz",
            values("pg_temp.st_when", "timestamptz '2000-01-01 00:00+00' + g * interval '1000 days 0.5 s'"));
        co_await compare(
            cur, "hstore",
            values("hstore", "hstore(ARRAY['k' || g, 'a b', 'q\"', 'n'], ARRAY[g::text, 'x=>y', '\\', NULL])",
                   "|a=>1"));
        co_await compare(cur, "hstore[]", values("hstore[]", "ARRAY[hstore('k', g::text), '']"));
    });
}
