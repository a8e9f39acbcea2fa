// Container codecs: byte-exact vectors as the server writes them, round trips through both
// formats, and malformed input that must give the specific CodecErrc, never a crash.
#include <doctest/doctest.h>

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/codec_container.hpp"

using namespace uvpg::proto;
using namespace std::string_view_literals;

namespace doctest {
template <>
struct StringMaker<CodecErrc> {
    static String convert(CodecErrc e) { return describe(e); }
};
}  // namespace doctest

namespace {

// Builds big-endian wire bytes the way the server's pq_send* functions do.
struct Wire {
    Bytes b;
    Wire& i32(std::int64_t v) {
        const auto u = static_cast<std::uint32_t>(v);
        for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(u >> s));
        return *this;
    }
    Wire& u8(std::uint8_t v) {
        b.push_back(v);
        return *this;
    }
    Wire& str(std::string_view s) {
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    Wire& text(std::string_view s) { return i32(static_cast<std::int64_t>(s.size())).str(s); }
    Wire& int4(std::int32_t v) { return i32(4).i32(v); }  // an int4 element: length 4 + value
};

ByteView bv(const Bytes& b) { return {b.data(), b.size()}; }
Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
std::string str(ByteView b) { return std::string(b.begin(), b.end()); }

using OptSV = std::optional<std::string_view>;
using OptS = std::optional<std::string>;
using OptBV = std::optional<ByteView>;

}  // namespace

// ---- binary arrays ----

TEST_CASE("binary array: int4[] {1,2} byte for byte") {
    const Bytes wire = Wire{}.i32(1).i32(0).i32(23).i32(2).i32(1).int4(1).int4(2).b;
    const Bytes one = Wire{}.i32(1).b, two = Wire{}.i32(2).b;
    const ArrayDim dims[] = {{2, 1}};
    const OptBV elems[] = {bv(one), bv(two)};
    Bytes out;
    array_to_bin(23, dims, elems, out);
    CHECK(out == wire);

    BinArray a;
    REQUIRE(bin_to_array(bv(wire), a) == CodecErrc::ok);
    CHECK(a.elem_oid == 23);
    REQUIRE(a.dims.size() == 1);
    CHECK(a.dims[0].size == 2);
    CHECK(a.dims[0].lower_bound == 1);
    REQUIRE(a.elements.size() == 2);
    CHECK(Bytes(a.elements[0]->begin(), a.elements[0]->end()) == one);
    CHECK(Bytes(a.elements[1]->begin(), a.elements[1]->end()) == two);
}

TEST_CASE("binary array: NULL elements set the has-null flag") {
    const Bytes wire = Wire{}.i32(1).i32(1).i32(25).i32(3).i32(1).text("a").i32(-1).text("").b;
    const Bytes a_ = bytes_of("a"), empty;
    const ArrayDim dims[] = {{3, 1}};
    const OptBV elems[] = {bv(a_), std::nullopt, bv(empty)};
    Bytes out;
    array_to_bin(25, dims, elems, out);
    CHECK(out == wire);

    BinArray a;
    REQUIRE(bin_to_array(bv(wire), a) == CodecErrc::ok);
    REQUIRE(a.elements.size() == 3);
    CHECK(str(*a.elements[0]) == "a");
    CHECK_FALSE(a.elements[1].has_value());
    REQUIRE(a.elements[2].has_value());  // empty text, not NULL
    CHECK(a.elements[2]->empty());
}

TEST_CASE("binary array: empty array is ndim 0 with no dimensions") {
    const Bytes wire = Wire{}.i32(0).i32(0).i32(23).b;
    Bytes out;
    array_to_bin(23, {}, {}, out);
    CHECK(out == wire);
    BinArray a;
    REQUIRE(bin_to_array(bv(wire), a) == CodecErrc::ok);
    CHECK(a.elem_oid == 23);
    CHECK(a.dims.empty());
    CHECK(a.elements.empty());

    // A dimension of size 0 (array_recv accepts it) also holds no elements.
    const Bytes zero = Wire{}.i32(2).i32(0).i32(23).i32(0).i32(1).i32(1000000).i32(1).b;
    REQUIRE(bin_to_array(bv(zero), a) == CodecErrc::ok);
    CHECK(a.dims.size() == 2);
    CHECK(a.elements.empty());
}

TEST_CASE("binary array: two dimensions with non-1 lower bounds round-trip") {
    const Bytes wire = Wire{}.i32(2).i32(0).i32(23).i32(2).i32(-2).i32(2).i32(3).int4(1).int4(2).int4(3).int4(4).b;
    BinArray a;
    REQUIRE(bin_to_array(bv(wire), a) == CodecErrc::ok);
    REQUIRE(a.dims.size() == 2);
    CHECK(a.dims[0].size == 2);
    CHECK(a.dims[0].lower_bound == -2);
    CHECK(a.dims[1].size == 2);
    CHECK(a.dims[1].lower_bound == 3);
    REQUIRE(a.elements.size() == 4);
    CHECK((*a.elements[3])[3] == 4);
    Bytes out;
    array_to_bin(a.elem_oid, a.dims, a.elements, out);
    CHECK(out == wire);
}

TEST_CASE("binary array: dims that do not match the elements become one dimension") {
    const Bytes x = bytes_of("x");
    const OptBV elems[] = {bv(x), bv(x), bv(x)};
    const ArrayDim wrong[] = {{2, 1}, {2, 1}};
    Bytes out;
    array_to_bin(25, wrong, elems, out);
    CHECK(out == Wire{}.i32(1).i32(0).i32(25).i32(3).i32(1).text("x").text("x").text("x").b);
    out.clear();
    const ArrayDim seven[] = {{1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {1, 1}};
    array_to_bin(25, seven, std::span(elems, 1), out);
    CHECK(out == Wire{}.i32(1).i32(0).i32(25).i32(1).i32(1).text("x").b);
}

TEST_CASE("binary array: malformed input gives the specific error") {
    BinArray a;
    CHECK(bin_to_array({}, a) == CodecErrc::truncated);
    CHECK(bin_to_array(bv(Wire{}.i32(1).i32(0).b), a) == CodecErrc::truncated);  // no oid
    CHECK(bin_to_array(bv(Wire{}.i32(-1).i32(0).i32(23).b), a) == CodecErrc::bad_header);
    CHECK(bin_to_array(bv(Wire{}.i32(7).i32(0).i32(23).b), a) == CodecErrc::too_many_dimensions);
    CHECK(bin_to_array(bv(Wire{}.i32(0).i32(2).i32(23).b), a) == CodecErrc::bad_header);  // flag
    CHECK(bin_to_array(bv(Wire{}.i32(1).i32(0).i32(23).i32(2).b), a) == CodecErrc::truncated);
    CHECK(bin_to_array(bv(Wire{}.i32(1).i32(0).i32(23).i32(-1).i32(1).b), a) == CodecErrc::bad_header);
    // lbound + size must stay within int32 (ArrayCheckBounds)
    CHECK(bin_to_array(bv(Wire{}.i32(1).i32(0).i32(23).i32(1).i32(INT32_MAX).int4(7).b), a) == CodecErrc::out_of_range);
    CHECK(bin_to_array(bv(Wire{}.i32(1).i32(0).i32(23).i32(1).i32(INT32_MAX - 1).int4(7).b), a) == CodecErrc::ok);
    // element length past the end, below -1, and bytes left over
    CHECK(bin_to_array(bv(Wire{}.i32(1).i32(0).i32(23).i32(1).i32(1).i32(5).i32(1).b), a) == CodecErrc::truncated);
    CHECK(bin_to_array(bv(Wire{}.i32(1).i32(1).i32(23).i32(1).i32(1).i32(-2).b), a) == CodecErrc::bad_header);
    CHECK(bin_to_array(bv(Wire{}.i32(1).i32(0).i32(23).i32(1).i32(1).int4(1).u8(0).b), a) == CodecErrc::trailing_bytes);
    CHECK(bin_to_array(bv(Wire{}.i32(0).i32(0).i32(23).u8(0).b), a) == CodecErrc::trailing_bytes);
    CHECK(bin_to_array(bv(Wire{}.i32(1).i32(0).i32(23).i32(2).i32(1).int4(1).i32(7).b), a) == CodecErrc::truncated);
    CHECK(a.elements.empty());  // a failed decode leaves nothing behind
    CHECK(a.dims.empty());
}

TEST_CASE("binary array: a huge element count with a tiny input fails before allocating") {
    BinArray a;
    // 2^31-1 elements claimed, 4 bytes present
    CHECK(bin_to_array(bv(Wire{}.i32(1).i32(0).i32(23).i32(INT32_MAX).i32(-5).i32(-1).b), a) == CodecErrc::truncated);
    // product 2^90 over six dimensions: must not overflow into a small number
    Wire w;
    w.i32(6).i32(0).i32(23);
    for (int i = 0; i < 6; ++i) w.i32(1 << 15).i32(1);
    w.i32(-1);
    CHECK(bin_to_array(bv(w.b), a) == CodecErrc::truncated);
    // 2^16 x 2^16 wraps to 0 in 32 bits: still truncated, not an empty array
    CHECK(bin_to_array(bv(Wire{}.i32(2).i32(0).i32(23).i32(65536).i32(1).i32(65536).i32(1).b), a) ==
          CodecErrc::truncated);
}

TEST_CASE("binary array: every strict prefix of a valid value is truncated") {
    const Bytes wire = Wire{}.i32(2).i32(1).i32(25).i32(2).i32(0).i32(1).i32(1).text("ab").i32(-1).b;
    BinArray a;
    REQUIRE(bin_to_array(bv(wire), a) == CodecErrc::ok);
    for (std::size_t n = 0; n < wire.size(); ++n)
        CHECK(bin_to_array(ByteView(wire.data(), n), a) == CodecErrc::truncated);
}

// ---- text arrays ----

TEST_CASE("text array: one dimension with NULL") {
    TextArray a;
    REQUIRE(text_to_array("{1,2,NULL}", ',', a) == CodecErrc::ok);
    REQUIRE(a.dims.size() == 1);
    CHECK(a.dims[0].size == 3);
    CHECK(a.dims[0].lower_bound == 1);
    CHECK(a.elements == std::vector<OptS>{"1", "2", std::nullopt});
    const OptSV elems[] = {"1"sv, "2"sv, std::nullopt};
    CHECK(array_to_text(a.dims, elems, ',') == "{1,2,NULL}");
}

TEST_CASE("text array: multi-dimensional and empty") {
    TextArray a;
    REQUIRE(text_to_array("{{1,2},{3,4}}", ',', a) == CodecErrc::ok);
    REQUIRE(a.dims.size() == 2);
    CHECK(a.dims[0].size == 2);
    CHECK(a.dims[1].size == 2);
    CHECK(a.elements == std::vector<OptS>{"1", "2", "3", "4"});

    REQUIRE(text_to_array("{{{1},{2},{3}},{{4},{5},{6}}}", ',', a) == CodecErrc::ok);
    REQUIRE(a.dims.size() == 3);
    CHECK(a.dims[0].size == 2);
    CHECK(a.dims[1].size == 3);
    CHECK(a.dims[2].size == 1);
    std::vector<OptSV> views(a.elements.begin(), a.elements.end());
    CHECK(array_to_text(a.dims, views, ',') == "{{{1},{2},{3}},{{4},{5},{6}}}");

    for (std::string_view empty : {"{}"sv, "  { }  "sv, "{{}}"sv, "{{},{}}"sv}) {
        CAPTURE(empty);
        REQUIRE(text_to_array(empty, ',', a) == CodecErrc::ok);
        CHECK(a.dims.empty());
        CHECK(a.elements.empty());
    }
    CHECK(array_to_text({}, {}, ',') == "{}");
    const ArrayDim zero[] = {{0, 1}};
    CHECK(array_to_text(zero, {}, ',') == "{}");

    REQUIRE(text_to_array("{{{{{{1}}}}}}", ',', a) == CodecErrc::ok);  // six is the limit
    CHECK(a.dims.size() == 6);
}

TEST_CASE("text array: explicit bounds") {
    TextArray a;
    REQUIRE(text_to_array("[0:1]={a,b}", ',', a) == CodecErrc::ok);
    REQUIRE(a.dims.size() == 1);
    CHECK(a.dims[0].size == 2);
    CHECK(a.dims[0].lower_bound == 0);
    CHECK(a.elements == std::vector<OptS>{"a", "b"});
    const OptSV ab[] = {"a"sv, "b"sv};
    CHECK(array_to_text(a.dims, ab, ',') == "[0:1]={a,b}");

    REQUIRE(text_to_array("[-2:-1][3:4]={{1,2},{3,4}}", ',', a) == CodecErrc::ok);
    REQUIRE(a.dims.size() == 2);
    CHECK(a.dims[0].lower_bound == -2);
    CHECK(a.dims[0].size == 2);
    CHECK(a.dims[1].lower_bound == 3);
    CHECK(a.dims[1].size == 2);
    const OptSV four[] = {"1"sv, "2"sv, "3"sv, "4"sv};
    CHECK(array_to_text(a.dims, four, ',') == "[-2:-1][3:4]={{1,2},{3,4}}");

    // [n] means [1:n]; whitespace around the items and after '=' is allowed
    REQUIRE(text_to_array(" [2] = {x,y}", ',', a) == CodecErrc::ok);
    CHECK(a.dims[0].lower_bound == 1);
    CHECK(a.dims[0].size == 2);
    // lower bounds of 1 are not written
    const ArrayDim ones[] = {{2, 1}};
    CHECK(array_to_text(ones, ab, ',') == "{a,b}");
}

TEST_CASE("text array: quoting edge cases") {
    const OptSV elems[] = {""sv,    "NULL"sv, "null"sv,      std::nullopt, "a\\b"sv, "a\"b"sv, "{}"sv,
                           "a,b"sv, " sp "sv, "tab\there"sv, "héllo"sv,    "日本"sv, "plain"sv};
    const ArrayDim dims[] = {{13, 1}};
    const std::string text = array_to_text(dims, elems, ',');
    CHECK(text == R"~({"","NULL","null",NULL,"a\\b","a\"b","{}","a,b"," sp ","tab	here",héllo,日本,plain})~");
    TextArray a;
    REQUIRE(text_to_array(text, ',', a) == CodecErrc::ok);
    REQUIRE(a.elements.size() == 13);
    for (std::size_t i = 0; i < 13; ++i) {
        CAPTURE(i);
        CHECK(a.elements[i].has_value() == elems[i].has_value());
        if (elems[i]) CHECK(*a.elements[i] == *elems[i]);
    }
}

TEST_CASE("text array: unquoted elements as array_in reads them") {
    TextArray a;
    // surrounding whitespace dropped, inner kept; an escaped NULL is the string
    REQUIRE(text_to_array("{ a b , c ,\\NULL, N\\ULL ,nUlL, x\\ }", ',', a) == CodecErrc::ok);
    CHECK(a.elements == std::vector<OptS>{"a b", "c", "NULL", "NULL", std::nullopt, "x "});
    // a quoted element may be followed by whitespace
    REQUIRE(text_to_array("{\"a\" , \"b\"  }", ',', a) == CodecErrc::ok);
    CHECK(a.elements == std::vector<OptS>{"a", "b"});
}

TEST_CASE("text array: box uses ';' as delimiter") {
    TextArray a;
    REQUIRE(text_to_array("{(1,1),(0,0);(2,2),(1,1)}", ';', a) == CodecErrc::ok);
    CHECK(a.elements == std::vector<OptS>{"(1,1),(0,0)", "(2,2),(1,1)"});
    const OptSV boxes[] = {"(1,1),(0,0)"sv, "a;b"sv};
    const ArrayDim dims[] = {{2, 1}};
    CHECK(array_to_text(dims, boxes, ';') == "{(1,1),(0,0);\"a;b\"}");
}

TEST_CASE("text array: malformed input") {
    TextArray a;
    const std::pair<std::string_view, CodecErrc> cases[] = {
        {"", CodecErrc::bad_text},
        {"1,2", CodecErrc::bad_text},
        {"{1,2", CodecErrc::bad_text},    // missing close brace
        {"{1,2}}", CodecErrc::bad_text},  // junk after
        {"{1,2} x", CodecErrc::bad_text},
        {"{{1,2},{3}}", CodecErrc::bad_text},  // ragged
        {"{{1,2},3}", CodecErrc::bad_text},
        {"{1,{2}}", CodecErrc::bad_text},
        {"{{},{1}}", CodecErrc::bad_text},
        {"{1,,2}", CodecErrc::bad_text},
        {"{1,}", CodecErrc::bad_text},
        {"{,1}", CodecErrc::bad_text},
        {"{1 2 \"x\"}", CodecErrc::bad_text},  // quotes must cover all of an element
        {"{\"a\"b}", CodecErrc::bad_text},
        {"{\"a}", CodecErrc::bad_text},
        {"{a\\", CodecErrc::bad_text},
        {"{a{}", CodecErrc::bad_text},
        {"{{{{{{{1}}}}}}}", CodecErrc::too_many_dimensions},
        {"[1][1][1][1][1][1][1]={{{{{{{1}}}}}}}", CodecErrc::too_many_dimensions},
        {"[1:3]={1,2}", CodecErrc::bad_text},  // bounds do not match contents
        {"[1:2]={{1,2}}", CodecErrc::bad_text},
        {"[1:2]={}", CodecErrc::bad_text},
        {"[2:1]={}", CodecErrc::bad_text},    // upper below lower
        {"[1:2]{1,2}", CodecErrc::bad_text},  // no '='
        {"[a]={1}", CodecErrc::bad_text},
        {"[1:]={1}", CodecErrc::bad_text},
        {"[1={1}", CodecErrc::bad_text},
        {"[+]={1}", CodecErrc::bad_text},
        {"[99999999999]={1}", CodecErrc::out_of_range},
        {"[1:2147483647]={1}", CodecErrc::out_of_range},
        {"[-2147483648:2147483646]={1}", CodecErrc::out_of_range},  // size past int32
        {"{1,2}\0"sv, CodecErrc::bad_text},
        {"{a\0b}"sv, CodecErrc::bad_text},
    };
    for (const auto& [text, want] : cases) {
        CAPTURE(text);
        CHECK(text_to_array(text, ',', a) == want);
        CHECK(a.elements.empty());
    }
}

TEST_CASE("text array: every prefix parses or fails cleanly") {
    const std::string text = R"~([0:1][1:2]={{"a\"b",NULL},{" c ",d\,e}})~";
    TextArray a;
    REQUIRE(text_to_array(text, ',', a) == CodecErrc::ok);
    CHECK(a.elements == std::vector<OptS>{"a\"b", std::nullopt, " c ", "d,e"});
    for (std::size_t n = 0; n < text.size(); ++n)
        CHECK(text_to_array(std::string_view(text).substr(0, n), ',', a) != CodecErrc::ok);
}

// ---- records ----

TEST_CASE("binary record: byte for byte and back") {
    const Bytes wire = Wire{}.i32(3).i32(23).int4(1).i32(25).text("abc").i32(25).i32(-1).b;
    BinRecord r;
    REQUIRE(bin_to_record(bv(wire), r) == CodecErrc::ok);
    CHECK(r.types == std::vector<std::uint32_t>{23, 25, 25});
    REQUIRE(r.fields.size() == 3);
    CHECK(r.fields[0]->size() == 4);
    CHECK(str(*r.fields[1]) == "abc");
    CHECK_FALSE(r.fields[2].has_value());
    Bytes out;
    record_to_bin(r.types, r.fields, out);
    CHECK(out == wire);

    const Bytes empty = Wire{}.i32(0).b;
    REQUIRE(bin_to_record(bv(empty), r) == CodecErrc::ok);
    CHECK(r.fields.empty());
}

TEST_CASE("binary record: nested record as a field") {
    Bytes inner;
    const Bytes two = Wire{}.i32(2).b;
    const std::uint32_t inner_types[] = {23};
    const OptBV inner_fields[] = {bv(two)};
    record_to_bin(inner_types, inner_fields, inner);
    Bytes outer;
    const std::uint32_t outer_types[] = {2249};
    const OptBV outer_fields[] = {bv(inner)};
    record_to_bin(outer_types, outer_fields, outer);
    BinRecord r, r2;
    REQUIRE(bin_to_record(bv(outer), r) == CodecErrc::ok);
    REQUIRE(bin_to_record(*r.fields[0], r2) == CodecErrc::ok);
    CHECK(r2.types == std::vector<std::uint32_t>{23});
    CHECK(Bytes(r2.fields[0]->begin(), r2.fields[0]->end()) == two);
}

TEST_CASE("binary record: malformed input") {
    BinRecord r;
    CHECK(bin_to_record({}, r) == CodecErrc::truncated);
    CHECK(bin_to_record(bv(Wire{}.i32(-1).b), r) == CodecErrc::bad_header);
    CHECK(bin_to_record(bv(Wire{}.i32(INT32_MAX).i32(23).i32(-1).b), r) == CodecErrc::truncated);
    CHECK(bin_to_record(bv(Wire{}.i32(1).i32(23).i32(4).u8(1).b), r) == CodecErrc::truncated);
    CHECK(bin_to_record(bv(Wire{}.i32(1).i32(23).i32(-2).b), r) == CodecErrc::bad_header);
    CHECK(bin_to_record(bv(Wire{}.i32(1).i32(23).i32(-1).u8(9).b), r) == CodecErrc::trailing_bytes);
    CHECK(r.fields.empty());
    CHECK(r.types.empty());
    const Bytes wire = Wire{}.i32(2).i32(23).int4(5).i32(25).text("xy").b;
    for (std::size_t n = 0; n < wire.size(); ++n)
        CHECK(bin_to_record(ByteView(wire.data(), n), r) == CodecErrc::truncated);
}

TEST_CASE("text record: NULL, empty string and quoting") {
    std::vector<OptS> f;
    REQUIRE(text_to_record("(1,abc,)", f) == CodecErrc::ok);
    CHECK(f == std::vector<OptS>{"1", "abc", std::nullopt});
    REQUIRE(text_to_record("(,)", f) == CodecErrc::ok);
    CHECK(f == std::vector<OptS>{std::nullopt, std::nullopt});
    REQUIRE(text_to_record("()", f) == CodecErrc::ok);  // one NULL column (or zero columns)
    CHECK(f == std::vector<OptS>{std::nullopt});
    REQUIRE(text_to_record(R"~( ("",x) )~", f) == CodecErrc::ok);
    CHECK(f == std::vector<OptS>{"", "x"});
    // doubled quotes and backslashes, quoted parts mixed with unquoted, spaces kept
    REQUIRE(text_to_record(R"~(("a""b","c\\d",x"y,z"w, sp ,\,))~", f) == CodecErrc::ok);
    CHECK(f == std::vector<OptS>{"a\"b", "c\\d", "xy,zw", " sp ", ","});

    const OptSV fields[] = {"1"sv, "abc"sv, std::nullopt};
    CHECK(record_to_text(fields) == "(1,abc,)");
    const OptSV tricky[] = {""sv, "a b"sv, "x\"y"sv, "c\\d"sv, "(p)"sv, "a,b"sv, "ünï"sv};
    const std::string text = record_to_text(tricky);
    CHECK(text == R"~(("","a b","x""y","c\\d","(p)","a,b",ünï))~");
    REQUIRE(text_to_record(text, f) == CodecErrc::ok);
    REQUIRE(f.size() == 7);
    for (std::size_t i = 0; i < 7; ++i) CHECK(*f[i] == *tricky[i]);
    CHECK(record_to_text({}) == "()");
}

TEST_CASE("text record: nested records") {
    const OptSV inner[] = {"2"sv, "x y"sv, std::nullopt};
    const std::string inner_text = record_to_text(inner);
    CHECK(inner_text == R"~((2,"x y",))~");
    const OptSV outer[] = {"1"sv, inner_text};
    const std::string outer_text = record_to_text(outer);
    CHECK(outer_text == R"~((1,"(2,""x y"",)"))~");
    std::vector<OptS> f, g;
    REQUIRE(text_to_record(outer_text, f) == CodecErrc::ok);
    REQUIRE(f.size() == 2);
    CHECK(*f[1] == inner_text);
    REQUIRE(text_to_record(*f[1], g) == CodecErrc::ok);
    CHECK(g == std::vector<OptS>{"2", "x y", std::nullopt});
}

TEST_CASE("text record: malformed input") {
    std::vector<OptS> f;
    for (std::string_view bad :
         {""sv, "1,2"sv, "(1,2"sv, "(1,2)x"sv, "(\"abc)"sv, "(a\\"sv, "(a"sv, "("sv, "(1)(2)"sv, "(a\0)"sv}) {
        CAPTURE(bad);
        CHECK(text_to_record(bad, f) == CodecErrc::bad_text);
        CHECK(f.empty());
    }
}

// ---- ranges ----

TEST_CASE("binary range: int4range vectors") {
    BinRange r;
    const Bytes closed_open = Wire{}.u8(kRangeLbInc).int4(1).int4(5).b;  // [1,5)
    REQUIRE(bin_to_range(bv(closed_open), r) == CodecErrc::ok);
    CHECK(r.flags == kRangeLbInc);
    REQUIRE(r.lower.has_value());
    REQUIRE(r.upper.has_value());
    CHECK((*r.lower)[3] == 1);
    CHECK((*r.upper)[3] == 5);
    Bytes out;
    range_to_bin(r, out);
    CHECK(out == closed_open);

    const Bytes empty = Wire{}.u8(kRangeEmpty).b;
    REQUIRE(bin_to_range(bv(empty), r) == CodecErrc::ok);
    CHECK(r.flags == kRangeEmpty);
    CHECK_FALSE(r.lower.has_value());
    CHECK_FALSE(r.upper.has_value());
    out.clear();
    range_to_bin(BinRange{kRangeEmpty | kRangeLbInc, std::nullopt, std::nullopt}, out);
    CHECK(out == empty);

    const Bytes upto10 = Wire{}.u8(kRangeLbInf | kRangeUbInc).int4(10).b;  // (,10]
    REQUIRE(bin_to_range(bv(upto10), r) == CodecErrc::ok);
    CHECK_FALSE(r.lower.has_value());
    REQUIRE(r.upper.has_value());
    out.clear();
    range_to_bin(r, out);
    CHECK(out == upto10);

    const Bytes all = Wire{}.u8(kRangeLbInf | kRangeUbInf).b;  // (,)
    REQUIRE(bin_to_range(bv(all), r) == CodecErrc::ok);
    CHECK_FALSE(r.lower.has_value());
    CHECK_FALSE(r.upper.has_value());

    // a bound the flags call present but the caller left out is written as infinite
    const Bytes five = Wire{}.i32(5).b;
    out.clear();
    range_to_bin(BinRange{kRangeLbInc, bv(five), std::nullopt}, out);
    CHECK(out == Wire{}.u8(kRangeLbInc | kRangeUbInf).int4(5).b);
}

TEST_CASE("binary range: malformed input") {
    BinRange r;
    CHECK(bin_to_range({}, r) == CodecErrc::truncated);
    for (std::uint8_t bad : {0x20, 0x40, 0x80, 0x21, 0xff}) {
        CAPTURE(bad);
        CHECK(bin_to_range(bv(Wire{}.u8(bad).b), r) == CodecErrc::bad_header);
    }
    CHECK(bin_to_range(bv(Wire{}.u8(0).i32(4).i32(1).b), r) == CodecErrc::truncated);  // no upper
    CHECK(bin_to_range(bv(Wire{}.u8(0).i32(8).i32(1).b), r) == CodecErrc::truncated);
    CHECK(bin_to_range(bv(Wire{}.u8(kRangeUbInf).i32(-1).b), r) == CodecErrc::bad_header);
    CHECK(bin_to_range(bv(Wire{}.u8(kRangeEmpty).u8(0).b), r) == CodecErrc::trailing_bytes);
    CHECK(bin_to_range(bv(Wire{}.u8(kRangeLbInf | kRangeUbInf).int4(1).b), r) == CodecErrc::trailing_bytes);
    CHECK(r.flags == 0);
}

TEST_CASE("text range: parse") {
    TextRange r;
    REQUIRE(text_to_range("empty", r) == CodecErrc::ok);
    CHECK(r.flags == kRangeEmpty);
    REQUIRE(text_to_range("  EMPTY ", r) == CodecErrc::ok);
    CHECK(r.flags == kRangeEmpty);

    REQUIRE(text_to_range("[1,5)", r) == CodecErrc::ok);
    CHECK(r.flags == kRangeLbInc);
    CHECK(r.lower == OptS("1"));
    CHECK(r.upper == OptS("5"));

    REQUIRE(text_to_range("(,10]", r) == CodecErrc::ok);
    CHECK(r.flags == (kRangeLbInf | kRangeUbInc));
    CHECK_FALSE(r.lower.has_value());
    CHECK(r.upper == OptS("10"));

    REQUIRE(text_to_range(" (,) ", r) == CodecErrc::ok);
    CHECK(r.flags == (kRangeLbInf | kRangeUbInf));

    REQUIRE(text_to_range("[\"a b\",)", r) == CodecErrc::ok);
    CHECK(r.flags == (kRangeLbInc | kRangeUbInf));
    CHECK(r.lower == OptS("a b"));

    REQUIRE(text_to_range(R"~(["",""])~", r) == CodecErrc::ok);  // empty strings, not infinite
    CHECK(r.flags == (kRangeLbInc | kRangeUbInc));
    CHECK(r.lower == OptS(""));
    CHECK(r.upper == OptS(""));

    REQUIRE(text_to_range(R"~([a\,b,"x""y\\z"))~", r) == CodecErrc::ok);
    CHECK(r.lower == OptS("a,b"));
    CHECK(r.upper == OptS("x\"y\\z"));

    REQUIRE(text_to_range(R"~(["2024-01-01 10:00:00+00","2024-01-02 00:00:00+00"))~", r) == CodecErrc::ok);
    CHECK(r.lower == OptS("2024-01-01 10:00:00+00"));
}

TEST_CASE("text range: format and round trip") {
    CHECK(range_to_text(kRangeEmpty, std::nullopt, std::nullopt) == "empty");
    CHECK(range_to_text(kRangeLbInc, "1"sv, "5"sv) == "[1,5)");
    CHECK(range_to_text(kRangeLbInf | kRangeUbInc, std::nullopt, "10"sv) == "(,10]");
    CHECK(range_to_text(kRangeLbInf | kRangeUbInf, std::nullopt, std::nullopt) == "(,)");
    CHECK(range_to_text(kRangeLbInc | kRangeUbInf, "a b"sv, std::nullopt) == "[\"a b\",)");
    CHECK(range_to_text(kRangeLbInc, ""sv, "x\"y"sv) == R"~(["","x""y"))~");
    CHECK(range_to_text(0, "c\\d"sv, "[]"sv) == R"~(("c\\d","[]"))~");
    CHECK(range_to_text(kRangeLbInf, "ignored"sv, "z"sv) == "(,z)");

    const std::string_view bounds[] = {"", " ", "a,b", "(x]", "q\"q", "b\\s", "ünï", "plain"};
    for (std::string_view lo : bounds) {
        for (std::string_view hi : bounds) {
            const std::string text = range_to_text(kRangeLbInc | kRangeUbInc, lo, hi);
            CAPTURE(text);
            TextRange r;
            REQUIRE(text_to_range(text, r) == CodecErrc::ok);
            CHECK(r.flags == (kRangeLbInc | kRangeUbInc));
            CHECK(r.lower == OptS(std::string(lo)));
            CHECK(r.upper == OptS(std::string(hi)));
        }
    }
}

TEST_CASE("text range: malformed input") {
    TextRange r;
    for (std::string_view bad : {""sv, "[1,5"sv, "1,5)"sv, "[1,2,3]"sv, "empty x"sv, "emptyx"sv, "[1)"sv, "[1,5)x"sv,
                                 "[\"1,5)"sv, "[1\\"sv, "{1,5}"sv, "[1,5)\0"sv}) {
        CAPTURE(bad);
        CHECK(text_to_range(bad, r) == CodecErrc::bad_text);
    }
}

// ---- multiranges ----

TEST_CASE("binary multirange: vectors and round trip") {
    const Bytes r1 = Wire{}.u8(kRangeLbInc).int4(1).int4(3).b;
    const Bytes r2 = Wire{}.u8(kRangeLbInc).int4(5).int4(7).b;
    const Bytes wire = Wire{}
                           .i32(2)
                           .i32(static_cast<std::int64_t>(r1.size()))
                           .str(str(bv(r1)))
                           .i32(static_cast<std::int64_t>(r2.size()))
                           .str(str(bv(r2)))
                           .b;
    std::vector<ByteView> ranges;
    REQUIRE(bin_to_multirange(bv(wire), ranges) == CodecErrc::ok);
    REQUIRE(ranges.size() == 2);
    CHECK(Bytes(ranges[1].begin(), ranges[1].end()) == r2);
    BinRange r;
    REQUIRE(bin_to_range(ranges[0], r) == CodecErrc::ok);
    CHECK((*r.upper)[3] == 3);
    Bytes out;
    multirange_to_bin(ranges, out);
    CHECK(out == wire);

    REQUIRE(bin_to_multirange(bv(Wire{}.i32(0).b), ranges) == CodecErrc::ok);
    CHECK(ranges.empty());
}

TEST_CASE("binary multirange: malformed input") {
    std::vector<ByteView> ranges;
    CHECK(bin_to_multirange({}, ranges) == CodecErrc::truncated);
    CHECK(bin_to_multirange(bv(Wire{}.i32(-1).b), ranges) == CodecErrc::bad_header);
    CHECK(bin_to_multirange(bv(Wire{}.i32(INT32_MAX).i32(1).u8(1).b), ranges) == CodecErrc::truncated);
    CHECK(bin_to_multirange(bv(Wire{}.i32(1).i32(9).u8(1).b), ranges) == CodecErrc::truncated);
    CHECK(bin_to_multirange(bv(Wire{}.i32(1).i32(-1).b), ranges) == CodecErrc::bad_header);
    CHECK(bin_to_multirange(bv(Wire{}.i32(1).i32(1).u8(1).u8(0).b), ranges) == CodecErrc::trailing_bytes);
    CHECK(ranges.empty());
}

TEST_CASE("text multirange: parse and format") {
    std::vector<std::string> ranges;
    REQUIRE(text_to_multirange("{}", ranges) == CodecErrc::ok);
    CHECK(ranges.empty());
    REQUIRE(text_to_multirange(" { } ", ranges) == CodecErrc::ok);
    CHECK(ranges.empty());
    REQUIRE(text_to_multirange("{[1,3),[5,7)}", ranges) == CodecErrc::ok);
    CHECK(ranges == std::vector<std::string>{"[1,3)", "[5,7)"});
    REQUIRE(text_to_multirange(" { [1,3) , Empty,(,) } ", ranges) == CodecErrc::ok);
    CHECK(ranges == std::vector<std::string>{"[1,3)", "Empty", "(,)"});
    // quotes and escapes hide the characters that would end a range
    REQUIRE(text_to_multirange(R"~({["a,}",b),[x\],"y""]"]})~", ranges) == CodecErrc::ok);
    REQUIRE(ranges.size() == 2);
    TextRange r;
    REQUIRE(text_to_range(ranges[0], r) == CodecErrc::ok);
    CHECK(r.lower == OptS("a,}"));
    REQUIRE(text_to_range(ranges[1], r) == CodecErrc::ok);
    CHECK(r.lower == OptS("x]"));
    CHECK(r.upper == OptS("y\"]"));

    const std::string_view parts[] = {"[1,3)", "[5,7)"};
    CHECK(multirange_to_text(parts) == "{[1,3),[5,7)}");
    CHECK(multirange_to_text({}) == "{}");
}

TEST_CASE("text multirange: malformed input") {
    std::vector<std::string> ranges;
    for (std::string_view bad :
         {""sv, "[1,3)"sv, "{[1,3)"sv, "{[1,3),}"sv, "{,[1,3)}"sv, "{[1,3)}x"sv, "{[1,3]x}"sv, "{[1,3,4)}"sv,
          "{[1,3) [4,5)}"sv, "{1}"sv, "{\"[1,3)}"sv, "{[\"1,3)}"sv, "{emptyx}"sv}) {
        CAPTURE(bad);
        CHECK(text_to_multirange(bad, ranges) == CodecErrc::bad_text);
        CHECK(ranges.empty());
    }
}

// ---- hstore ----

TEST_CASE("binary hstore: vectors and round trip") {
    const Bytes wire = Wire{}.i32(2).text("a").text("1").text("b").i32(-1).b;
    std::vector<std::pair<std::string_view, OptSV>> pairs;
    REQUIRE(bin_to_hstore(bv(wire), pairs) == CodecErrc::ok);
    REQUIRE(pairs.size() == 2);
    CHECK(pairs[0].first == "a");
    CHECK(pairs[0].second == OptSV("1"));
    CHECK(pairs[1].first == "b");
    CHECK_FALSE(pairs[1].second.has_value());
    Bytes out;
    hstore_to_bin(pairs, out);
    CHECK(out == wire);

    REQUIRE(bin_to_hstore(bv(Wire{}.i32(0).b), pairs) == CodecErrc::ok);
    CHECK(pairs.empty());
    REQUIRE(bin_to_hstore(bv(Wire{}.i32(1).text("").text("").b), pairs) == CodecErrc::ok);
    CHECK(pairs[0].second == OptSV(""));
}

TEST_CASE("binary hstore: malformed input") {
    std::vector<std::pair<std::string_view, OptSV>> pairs;
    CHECK(bin_to_hstore({}, pairs) == CodecErrc::truncated);
    CHECK(bin_to_hstore(bv(Wire{}.i32(-1).b), pairs) == CodecErrc::bad_header);
    CHECK(bin_to_hstore(bv(Wire{}.i32(INT32_MAX).text("a").i32(-1).b), pairs) == CodecErrc::truncated);
    CHECK(bin_to_hstore(bv(Wire{}.i32(1).i32(-1).i32(-1).b), pairs) == CodecErrc::bad_header);  // NULL key
    CHECK(bin_to_hstore(bv(Wire{}.i32(1).text("a").i32(-2).b), pairs) == CodecErrc::bad_header);
    CHECK(bin_to_hstore(bv(Wire{}.i32(1).text("a").i32(5).str("xy").b), pairs) == CodecErrc::truncated);
    CHECK(bin_to_hstore(bv(Wire{}.i32(1).text("a").i32(-1).u8(0).b), pairs) == CodecErrc::trailing_bytes);
    CHECK(pairs.empty());
}

TEST_CASE("text hstore: parse") {
    std::vector<std::pair<std::string, OptS>> h;
    REQUIRE(text_to_hstore(R"~("a"=>"1", "b"=>NULL)~", h) == CodecErrc::ok);
    REQUIRE(h.size() == 2);
    CHECK(h[0].first == "a");
    CHECK(h[0].second == OptS("1"));
    CHECK(h[1].first == "b");
    CHECK_FALSE(h[1].second.has_value());

    REQUIRE(text_to_hstore(" a => 1 ,b=>null, c=>\"NULL\" ,d=>NuLL", h) == CodecErrc::ok);
    REQUIRE(h.size() == 4);
    CHECK(h[0] == std::pair<std::string, OptS>{"a", "1"});
    CHECK_FALSE(h[1].second.has_value());
    CHECK(h[2].second == OptS("NULL"));  // quoted: the string
    CHECK_FALSE(h[3].second.has_value());

    REQUIRE(text_to_hstore(R"~("a\"b"=>"c\\d", "k,=>"=>"", ""=>x\ y)~", h) == CodecErrc::ok);
    REQUIRE(h.size() == 3);
    CHECK(h[0] == std::pair<std::string, OptS>{"a\"b", "c\\d"});
    CHECK(h[1] == std::pair<std::string, OptS>{"k,=>", ""});
    CHECK(h[2] == std::pair<std::string, OptS>{"", "x y"});

    REQUIRE(text_to_hstore("", h) == CodecErrc::ok);
    CHECK(h.empty());
    REQUIRE(text_to_hstore("   ", h) == CodecErrc::ok);
    CHECK(h.empty());
}

TEST_CASE("text hstore: format and round trip") {
    const std::pair<std::string_view, OptSV> pairs[] = {{"a", "1"sv}, {"b", std::nullopt},  {"q\"k", "b\\s"},
                                                        {"", ""sv},   {"sp ace", "NULL"sv}, {"ü", "日本"sv}};
    const std::string text = hstore_to_text(pairs);
    CHECK(text == R"~("a"=>"1", "b"=>NULL, "q\"k"=>"b\\s", ""=>"", "sp ace"=>"NULL", "ü"=>"日本")~");
    std::vector<std::pair<std::string, OptS>> h;
    REQUIRE(text_to_hstore(text, h) == CodecErrc::ok);
    REQUIRE(h.size() == 6);
    for (std::size_t i = 0; i < 6; ++i) {
        CAPTURE(i);
        CHECK(h[i].first == pairs[i].first);
        CHECK(h[i].second.has_value() == pairs[i].second.has_value());
        if (pairs[i].second) CHECK(*h[i].second == *pairs[i].second);
    }
    CHECK(hstore_to_text({}) == "");
}

TEST_CASE("text hstore: malformed input") {
    std::vector<std::pair<std::string, OptS>> h;
    for (std::string_view bad : {"a"sv, "a=>"sv, "a=1"sv, "a>1"sv, "\"a=>1"sv, "a=>\"1"sv, "a=>1 b=>2"sv, "=>1"sv,
                                 "a=>1,=>2"sv, "a\\"sv, "\"a\\"sv, "a=>1\0"sv, "a =  > 1"sv}) {
        CAPTURE(bad);
        CHECK(text_to_hstore(bad, h) == CodecErrc::bad_text);
        CHECK(h.empty());
    }
}

// ---- hostile input ----

TEST_CASE("every parser survives pseudo-random bytes") {
    std::uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1103515245u + 12345u;
        return static_cast<std::uint8_t>(seed >> 16);
    };
    // Bias towards the bytes that matter: small lengths, structural characters.
    const char alphabet[] = "{}[]()\",;\\=> :-0123456789aNULLempty\x00\xff";
    for (int round = 0; round < 3000; ++round) {
        const std::size_t n = next() % 48;
        Bytes b(n);
        for (auto& x : b) {
            const std::uint8_t r = next();
            x = (r & 1) ? static_cast<std::uint8_t>(alphabet[r % (sizeof alphabet - 1)]) : next() % 8;
        }
        const std::string_view s(reinterpret_cast<const char*>(b.data()), b.size());
        BinArray ba;
        TextArray ta;
        BinRecord br;
        BinRange brg;
        TextRange trg;
        std::vector<OptS> fields;
        std::vector<ByteView> mr;
        std::vector<std::string> tmr;
        std::vector<std::pair<std::string_view, OptSV>> bh;
        std::vector<std::pair<std::string, OptS>> th;
        (void)bin_to_array(bv(b), ba);
        (void)text_to_array(s, ',', ta);
        (void)bin_to_record(bv(b), br);
        (void)text_to_record(s, fields);
        (void)bin_to_range(bv(b), brg);
        (void)text_to_range(s, trg);
        (void)bin_to_multirange(bv(b), mr);
        (void)text_to_multirange(s, tmr);
        (void)bin_to_hstore(bv(b), bh);
        (void)text_to_hstore(s, th);
        // What parses must format back into something that parses to the same value.
        if (text_to_array(s, ',', ta) == CodecErrc::ok) {
            std::vector<OptSV> v(ta.elements.begin(), ta.elements.end());
            TextArray again;
            REQUIRE(text_to_array(array_to_text(ta.dims, v, ','), ',', again) == CodecErrc::ok);
            CHECK(again.elements == ta.elements);
        }
        if (text_to_record(s, fields) == CodecErrc::ok) {
            std::vector<OptSV> v(fields.begin(), fields.end());
            std::vector<OptS> again;
            REQUIRE(text_to_record(record_to_text(v), again) == CodecErrc::ok);
            CHECK(again == fields);
        }
        if (text_to_hstore(s, th) == CodecErrc::ok) {
            std::vector<std::pair<std::string_view, OptSV>> v;
            for (const auto& [k, val] : th) v.emplace_back(k, val ? OptSV(*val) : std::nullopt);
            std::vector<std::pair<std::string, OptS>> again;
            REQUIRE(text_to_hstore(hstore_to_text(v), again) == CodecErrc::ok);
            CHECK(again == th);
        }
    }
}
