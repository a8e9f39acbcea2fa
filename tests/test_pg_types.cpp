// Unit tests of the built-in type table generated from PostgreSQL's pg_type.dat
// and pg_range.dat (proto/pg_types.{hpp,cpp}); no server.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <string_view>

#include "proto/pg_types.hpp"

namespace p = uvpg::proto;
namespace oid = uvpg::proto::oid;

namespace {

const p::PgType& must_find(std::uint32_t o) {
    const p::PgType* t = p::find_type(o);
    REQUIRE_MESSAGE(t != nullptr, "no built-in type with OID " << o);
    return *t;
}

void check_base(std::uint32_t o, std::string_view name, std::int16_t len, char category, std::uint32_t array) {
    CAPTURE(name);
    const p::PgType& t = must_find(o);
    CHECK(t.oid == o);
    CHECK(std::string_view(t.name) == name);
    CHECK(t.len == len);
    CHECK(t.kind == 'b');
    CHECK(t.category == category);
    CHECK(t.delim == ',');
    CHECK(t.array == array);
    CHECK(t.range_subtype == 0);
    CHECK(t.range_type == 0);
    CHECK(t.multirange == 0);
    if (array != 0) {
        const p::PgType& a = must_find(array);
        CHECK(std::string_view(a.name) == "_" + std::string(name));
        CHECK(a.elem == o);
        CHECK(a.len == -1);
        CHECK(a.category == 'A');
        CHECK(a.array == 0);
    }
}

}  // namespace

TEST_CASE("pg_types: well-known base types and their arrays") {
    check_base(16, "bool", 1, 'B', 1000);
    check_base(17, "bytea", -1, 'U', 1001);
    check_base(18, "char", 1, 'Z', 1002);
    check_base(20, "int8", 8, 'N', 1016);
    check_base(21, "int2", 2, 'N', 1005);
    check_base(23, "int4", 4, 'N', 1007);
    check_base(25, "text", -1, 'S', 1009);
    check_base(26, "oid", 4, 'N', 1028);
    check_base(114, "json", -1, 'U', 199);
    check_base(142, "xml", -1, 'U', 143);
    check_base(650, "cidr", -1, 'I', 651);
    check_base(700, "float4", 4, 'N', 1021);
    check_base(701, "float8", 8, 'N', 1022);
    check_base(774, "macaddr8", 8, 'U', 775);
    check_base(790, "money", 8, 'N', 791);
    check_base(829, "macaddr", 6, 'U', 1040);
    check_base(869, "inet", -1, 'I', 1041);
    check_base(1042, "bpchar", -1, 'S', 1014);
    check_base(1043, "varchar", -1, 'S', 1015);
    check_base(1082, "date", 4, 'D', 1182);
    check_base(1083, "time", 8, 'D', 1183);
    check_base(1114, "timestamp", 8, 'D', 1115);
    check_base(1184, "timestamptz", 8, 'D', 1185);
    check_base(1186, "interval", 16, 'T', 1187);
    check_base(1266, "timetz", 12, 'D', 1270);
    check_base(1560, "bit", -1, 'V', 1561);
    check_base(1562, "varbit", -1, 'V', 1563);
    check_base(1700, "numeric", -1, 'N', 1231);
    check_base(2950, "uuid", 16, 'U', 2951);
    check_base(3614, "tsvector", -1, 'U', 3643);
    check_base(3802, "jsonb", -1, 'U', 3807);
    check_base(5069, "xid8", 8, 'U', 271);

    // name: typlen NAMEDATALEN, typelem char (fixed-length subscripting), not an array.
    const p::PgType& name = must_find(19);
    CHECK(std::string_view(name.name) == "name");
    CHECK(name.len == 64);
    CHECK(name.elem == 18);
    CHECK(name.category == 'S');
    CHECK(p::type_display_name(19) == "name");
}

TEST_CASE("pg_types: OID constants") {
    static_assert(oid::bool_ == 16 && oid::bytea == 17 && oid::char_ == 18 && oid::int4 == 23);
    static_assert(oid::text == 25 && oid::oid == 26 && oid::json == 114 && oid::float8 == 701);
    static_assert(oid::numeric == 1700 && oid::jsonb == 3802 && oid::uuid == 2950);
    static_assert(oid::int4_array == 1007 && oid::bool_array == 1000 && oid::char_array == 1002);
    static_assert(oid::text_array == 1009 && oid::record_array == 2287 && oid::box_array == 1020);
    static_assert(oid::int4range == 3904 && oid::int4multirange == 4451 && oid::record == 2249);
    static_assert(oid::date == 1082 && oid::timestamptz == 1184 && oid::interval == 1186);
    static_assert(oid::money == 790 && oid::inet == 869 && oid::cidr == 650 && oid::macaddr8 == 774);
    static_assert(oid::varbit == 1562 && oid::xml == 142 && oid::tsvector == 3614);
    static_assert(oid::void_ == 2278 && oid::unknown == 705 && oid::cstring == 2275);
    CHECK(oid::int4 == 23);
}

TEST_CASE("pg_types: ranges and multiranges") {
    struct R {
        std::uint32_t range, subtype, multi, range_array, multi_array;
        const char* name;
    };
    const R ranges[] = {
        {3904, 23, 4451, 3905, 6150, "int4range"},   {3906, 1700, 4532, 3907, 6151, "numrange"},
        {3908, 1114, 4533, 3909, 6152, "tsrange"},   {3910, 1184, 4534, 3911, 6153, "tstzrange"},
        {3912, 1082, 4535, 3913, 6155, "daterange"}, {3926, 20, 4536, 3927, 6157, "int8range"},
    };
    for (const R& r : ranges) {
        CAPTURE(r.name);
        const p::PgType& t = must_find(r.range);
        CHECK(std::string_view(t.name) == r.name);
        CHECK(t.kind == 'r');
        CHECK(t.category == 'R');
        CHECK(t.range_subtype == r.subtype);
        CHECK(t.range_type == 0);
        CHECK(t.multirange == r.multi);
        CHECK(t.array == r.range_array);
        CHECK(t.elem == 0);

        const p::PgType& m = must_find(r.multi);
        CHECK(m.kind == 'm');
        CHECK(m.category == 'R');
        CHECK(m.range_subtype == r.subtype);
        CHECK(m.range_type == r.range);
        CHECK(m.multirange == 0);
        CHECK(m.array == r.multi_array);
    }
    CHECK(std::string_view(must_find(4451).name) == "int4multirange");
    CHECK(p::type_display_name(3905) == "int4range[]");
    CHECK(p::type_display_name(6150) == "int4multirange[]");
}

TEST_CASE("pg_types: pseudo, composite and special types") {
    const p::PgType& record = must_find(2249);
    CHECK(std::string_view(record.name) == "record");
    CHECK(record.kind == 'p');
    CHECK(record.category == 'P');
    CHECK(record.array == 2287);
    // _record is written out in pg_type.dat (not autogenerated): pseudo, category P.
    const p::PgType& records = must_find(2287);
    CHECK(std::string_view(records.name) == "_record");
    CHECK(records.kind == 'p');
    CHECK(records.category == 'P');
    CHECK(records.elem == 2249);
    CHECK(p::type_display_name(2287) == "record[]");

    CHECK(must_find(705).len == -2);   // unknown
    CHECK(must_find(2275).len == -2);  // cstring
    CHECK(must_find(2275).kind == 'p');
    CHECK(must_find(2281).len == 8);  // internal: SIZEOF_POINTER
    CHECK(must_find(2278).kind == 'p');

    const p::PgType& pg_class = must_find(83);
    CHECK(std::string_view(pg_class.name) == "pg_class");
    CHECK(pg_class.kind == 'c');
    CHECK(pg_class.category == 'C');
    CHECK(pg_class.array == 273);
    CHECK(must_find(273).kind == 'b');
    CHECK(must_find(273).category == 'A');

    // box is the one built-in type with ';' as its delimiter, and its array keeps it.
    CHECK(must_find(603).delim == ';');
    CHECK(must_find(1020).delim == ';');
    CHECK(must_find(1020).elem == 603);
    // int2vector / oidvector have an element type but are not arrays named "_...".
    CHECK(must_find(22).elem == 21);
    CHECK(must_find(22).category == 'A');
    CHECK(p::type_display_name(22) == "int2vector");
    CHECK(p::type_display_name(30) == "oidvector");
}

TEST_CASE("pg_types: the table is sorted, unique and consistent") {
    const auto all = p::builtin_types();
    REQUIRE(all.size() > 150);
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const p::PgType& t = all[i];
        CAPTURE(t.name);
        if (i > 0) CHECK(all[i - 1].oid < t.oid);
        CHECK(t.oid != 0);
        CHECK(names.insert(t.name).second);
        CHECK(p::find_type(t.oid) == &t);
        CHECK(p::find_type(std::string_view(t.name)) == &t);
        CHECK((t.len > 0 || t.len == -1 || t.len == -2));
        CHECK(std::string_view("bcdeprm").find(t.kind) != std::string_view::npos);
        if (t.array != 0) {
            const p::PgType* a = p::find_type(t.array);
            REQUIRE(a != nullptr);
            CHECK(a->elem == t.oid);
            CHECK(a->name[0] == '_');
            CHECK(std::string_view(a->name).substr(1) == t.name);
            CHECK(a->delim == t.delim);
            CHECK(p::type_display_name(t.array) == std::string(t.name) + "[]");
        }
        if (t.elem != 0) CHECK(p::find_type(t.elem) != nullptr);
        if (t.name[0] == '_') {
            REQUIRE(t.elem != 0);
            CHECK(p::find_type(t.elem)->array == t.oid);
        }
        if (t.range_subtype != 0) CHECK(p::find_type(t.range_subtype) != nullptr);
        if (t.kind == 'r') {
            CHECK(t.range_subtype != 0);
            REQUIRE(p::find_type(t.multirange) != nullptr);
            CHECK(p::find_type(t.multirange)->range_type == t.oid);
        }
        if (t.kind == 'm') {
            REQUIRE(p::find_type(t.range_type) != nullptr);
            CHECK(p::find_type(t.range_type)->multirange == t.oid);
            CHECK(p::find_type(t.range_type)->range_subtype == t.range_subtype);
        }
        if (t.kind != 'r' && t.kind != 'm') {
            CHECK(t.range_subtype == 0);
            CHECK(t.range_type == 0);
            CHECK(t.multirange == 0);
        }
    }
    CHECK(all.front().oid == 16);
}

TEST_CASE("pg_types: lookups that find nothing") {
    CHECK(p::find_type(std::uint32_t{0}) == nullptr);
    CHECK(p::find_type(std::uint32_t{1}) == nullptr);
    CHECK(p::find_type(std::uint32_t{15}) == nullptr);
    CHECK(p::find_type(std::uint32_t{24}) != nullptr);
    CHECK(p::find_type(std::uint32_t{31}) == nullptr);
    CHECK(p::find_type(std::uint32_t{16384}) == nullptr);
    CHECK(p::find_type(std::uint32_t{999999}) == nullptr);
    CHECK(p::find_type(std::uint32_t{0xFFFFFFFFu}) == nullptr);

    CHECK(p::find_type(std::string_view()) == nullptr);
    CHECK(p::find_type("") == nullptr);
    CHECK(p::find_type("integer") == nullptr);  // SQL alias, not a typname
    CHECK(p::find_type("INT4") == nullptr);     // typnames are exact
    CHECK(p::find_type("int4[]") == nullptr);
    CHECK(p::find_type("int") == nullptr);
    CHECK(p::find_type("int44") == nullptr);
    CHECK(p::find_type("zzz") == nullptr);
    CHECK(p::find_type("_") == nullptr);
}

TEST_CASE("pg_types: lookup by name") {
    CHECK(p::find_type("int4") == p::find_type(23u));
    CHECK(p::find_type("_int4") == p::find_type(1007u));
    CHECK(p::find_type("bool")->oid == 16);
    CHECK(p::find_type("_bool")->oid == 1000);
    CHECK(p::find_type("jsonb")->oid == 3802);
    CHECK(p::find_type("int4multirange")->oid == 4451);
    CHECK(p::find_type("record")->oid == 2249);
    CHECK(p::find_type("_record")->oid == 2287);
    CHECK(p::find_type("any")->oid == 2276);
    CHECK(p::find_type("pg_brin_minmax_multi_summary")->oid == 4601);
    const std::string owned = "timestamptz";
    CHECK(p::find_type(std::string_view(owned))->oid == 1184);
}

TEST_CASE("pg_types: type_display_name") {
    CHECK(p::type_display_name(23) == "int4");
    CHECK(p::type_display_name(1007) == "int4[]");
    CHECK(p::type_display_name(16) == "bool");
    CHECK(p::type_display_name(1000) == "bool[]");
    CHECK(p::type_display_name(1002) == "char[]");
    CHECK(p::type_display_name(1009) == "text[]");
    CHECK(p::type_display_name(1020) == "box[]");
    CHECK(p::type_display_name(3802) == "jsonb");
    CHECK(p::type_display_name(3807) == "jsonb[]");
    CHECK(p::type_display_name(4451) == "int4multirange");
    CHECK(p::type_display_name(2249) == "record");
    CHECK(p::type_display_name(12345) == "oid 12345");
    CHECK(p::type_display_name(0) == "oid 0");
    CHECK(p::type_display_name(4294967295u) == "oid 4294967295");
}
