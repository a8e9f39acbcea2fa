// Frontend encoders against hand-written wire bytes (PostgreSQL 15 "Message Formats"), plus the
// Writer/Reader primitives they are built on.
#include "proto/frontend.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <span>
#include <stdexcept>

using namespace uvpg::proto;

namespace {

// One piece of expected wire bytes: a single byte, or a string's bytes without its NUL.
struct Piece {
    Bytes b;
    Piece(int v) : b{static_cast<std::uint8_t>(v)} {}
    Piece(const char* s) : b(s, s + std::strlen(s)) {}
};

Bytes wire(std::initializer_list<Piece> pieces) {
    Bytes out;
    for (const auto& p : pieces) out.insert(out.end(), p.b.begin(), p.b.end());
    return out;
}

ByteView view(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

template <class F>
Bytes encoded(F&& f) {
    Bytes out;
    f(out);
    return out;
}

}  // namespace

TEST_CASE("Writer: big-endian fields and a back-patched length") {
    Bytes out{0xAA};  // something already in the buffer must be left alone
    Writer w(out);
    w.begin('x');
    w.u8(1);
    w.i16(-2);
    w.i32(0x01020304);
    w.i32(-1);
    w.cstr("hi");
    w.bytes(nullptr, 0);
    w.end();
    CHECK(out == wire({0xAA, 'x', 0, 0, 0, 18, 1, 0xFF, 0xFE, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFF, 'h', 'i', 0}));
}

TEST_CASE("Writer: untyped message counts only its own bytes") {
    Bytes out{'S', 0, 0, 0, 4};
    Writer w(out);
    w.begin(0);
    w.i32(7);
    w.end();
    CHECK(out == wire({'S', 0, 0, 0, 4, 0, 0, 0, 8, 0, 0, 0, 7}));
}

TEST_CASE("Reader: bounds-checked reads") {
    const Bytes b = wire({0x80, 0x01, 0xFF, 0xFF, 0xFF, 0xFE, 'a', 'b', 0, 'c'});
    Reader r(b);
    CHECK(r.i16() == static_cast<std::int16_t>(0x8001));
    CHECK(r.i32() == -2);
    CHECK(r.cstr() == "ab");
    CHECK(r.ok());
    CHECK_FALSE(r.done());
    CHECK(r.remaining() == 1);
    CHECK(r.cstr().empty());  // no NUL before the end
    CHECK_FALSE(r.ok());
    CHECK(r.remaining() == 0);
    CHECK(r.u8() == 0);
    CHECK_FALSE(r.done());

    Reader e{ByteView{}};
    CHECK(e.done());
    CHECK(e.bytes(0).empty());
    CHECK(e.ok());
    CHECK(e.i32() == 0);
    CHECK_FALSE(e.ok());

    Reader s(b);
    CHECK(s.bytes(11).empty());
    CHECK_FALSE(s.ok());

    Reader u(b);
    u.bytes(8);
    CHECK(u.u32() == 0);  // only 2 bytes left
    CHECK_FALSE(u.ok());
}

TEST_CASE("StartupMessage") {
    CHECK(encoded([](Bytes& o) {
              encode_startup(o, {{"user", "bob"}, {"database", "db"}});
          }) == wire({0, 0, 0, 30, 0, 3, 0, 0, "user", 0, "bob", 0, "database", 0, "db", 0, 0}));
    CHECK(encoded([](Bytes& o) { encode_startup(o, {}, 0x00030002); }) == wire({0, 0, 0, 9, 0, 3, 0, 2, 0}));
}

TEST_CASE("SSLRequest and CancelRequest") {
    CHECK(encoded([](Bytes& o) { encode_ssl_request(o); }) == wire({0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F}));
    CHECK(encoded([](Bytes& o) { encode_cancel_request(o, 0x01020304, -1); }) ==
          wire({0, 0, 0, 16, 0x04, 0xD2, 0x16, 0x2E, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFF}));
}

TEST_CASE("PasswordMessage, SASLInitialResponse, SASLResponse") {
    CHECK(encoded([](Bytes& o) { encode_password(o, "secret"); }) == wire({'p', 0, 0, 0, 11, "secret", 0}));
    CHECK(encoded([](Bytes& o) { encode_password(o, ""); }) == wire({'p', 0, 0, 0, 5, 0}));
    CHECK(encoded([](Bytes& o) { encode_sasl_initial_response(o, "SCRAM-SHA-256", view("abc")); }) ==
          wire({'p', 0, 0, 0, 25, "SCRAM-SHA-256", 0, 0, 0, 0, 3, "abc"}));
    CHECK(encoded([](Bytes& o) { encode_sasl_initial_response(o, "SCRAM-SHA-256", std::nullopt); }) ==
          wire({'p', 0, 0, 0, 22, "SCRAM-SHA-256", 0, 0xFF, 0xFF, 0xFF, 0xFF}));
    CHECK(encoded([](Bytes& o) { encode_sasl_initial_response(o, "M", ByteView{}); }) ==
          wire({'p', 0, 0, 0, 10, 'M', 0, 0, 0, 0, 0}));
    CHECK(encoded([](Bytes& o) { encode_sasl_response(o, view("c=biws")); }) == wire({'p', 0, 0, 0, 10, "c=biws"}));
}

TEST_CASE("Query") {
    CHECK(encoded([](Bytes& o) { encode_query(o, "SELECT 1"); }) == wire({'Q', 0, 0, 0, 13, "SELECT 1", 0}));
    CHECK(encoded([](Bytes& o) { encode_query(o, ""); }) == wire({'Q', 0, 0, 0, 5, 0}));
}

TEST_CASE("Parse") {
    const std::uint32_t types[] = {23, 0xFFFFFFFE};
    CHECK(encoded([&](Bytes& o) { encode_parse(o, "s1", "SELECT $1, $2", types); }) ==
          wire({'P', 0, 0, 0, 31, "s1", 0, "SELECT $1, $2", 0, 0, 2, 0, 0, 0, 23, 0xFF, 0xFF, 0xFF, 0xFE}));
    CHECK(encoded([](Bytes& o) { encode_parse(o, "", "SELECT 1", {}); }) ==
          wire({'P', 0, 0, 0, 16, 0, "SELECT 1", 0, 0, 0}));
}

TEST_CASE("Bind: all-text parameters send no format codes") {
    const BindParam params[] = {{view("42"), Format::text}, {std::nullopt, Format::text}};
    const Format results[] = {Format::binary};
    CHECK(encoded([&](Bytes& o) { encode_bind(o, "", "s1", params, results); }) ==
          wire({'B', 0, 0, 0, 26, 0, "s1", 0,   0,    0,                                // no parameter format codes
                0,   2, 0, 0, 0,  2, '4',  '2', 0xFF, 0xFF, 0xFF, 0xFF, 0, 1, 0, 1}));  // one result format: binary
}

TEST_CASE("Bind: a binary parameter sends one code per parameter") {
    const std::uint8_t bin[] = {0x00, 0x01};
    const BindParam params[] = {
        {view("a"), Format::text}, {ByteView(bin), Format::binary}, {std::nullopt, Format::binary}};
    const Format results[] = {Format::text, Format::binary};
    CHECK(encoded([&](Bytes& o) { encode_bind(o, "p", "", params, results); }) ==
          wire({'B', 0, 0,   0, 38, 'p', 0, 0,    0,    3,    0,    0,    0,    1, 0, 1, 0, 3, 0, 0,
                0,   1, 'a', 0, 0,  0,   2, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0, 2, 0, 0, 0, 1}));
}

TEST_CASE("Bind: no parameters, no result formats, an empty value") {
    CHECK(encoded([](Bytes& o) { encode_bind(o, "", "", {}, {}); }) ==
          wire({'B', 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0}));
    const BindParam params[] = {{ByteView{}, Format::text}};
    CHECK(encoded([&](Bytes& o) { encode_bind(o, "", "", params, {}); }) ==
          wire({'B', 0, 0, 0, 16, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}));
}

TEST_CASE("Describe, Execute, Close") {
    CHECK(encoded([](Bytes& o) { encode_describe(o, 'S', "s1"); }) == wire({'D', 0, 0, 0, 8, 'S', "s1", 0}));
    CHECK(encoded([](Bytes& o) { encode_describe(o, 'P', ""); }) == wire({'D', 0, 0, 0, 6, 'P', 0}));
    CHECK(encoded([](Bytes& o) { encode_execute(o, "", 0); }) == wire({'E', 0, 0, 0, 9, 0, 0, 0, 0, 0}));
    CHECK(encoded([](Bytes& o) { encode_execute(o, "c", 256); }) == wire({'E', 0, 0, 0, 10, 'c', 0, 0, 0, 1, 0}));
    CHECK(encoded([](Bytes& o) { encode_close(o, 'P', "p"); }) == wire({'C', 0, 0, 0, 7, 'P', 'p', 0}));
    CHECK(encoded([](Bytes& o) { encode_close(o, 'S', "stmt"); }) == wire({'C', 0, 0, 0, 10, 'S', "stmt", 0}));
}

TEST_CASE("Sync, Flush, CopyDone, Terminate") {
    CHECK(encoded([](Bytes& o) { encode_sync(o); }) == wire({'S', 0, 0, 0, 4}));
    CHECK(encoded([](Bytes& o) { encode_flush(o); }) == wire({'H', 0, 0, 0, 4}));
    CHECK(encoded([](Bytes& o) { encode_copy_done(o); }) == wire({'c', 0, 0, 0, 4}));
    CHECK(encoded([](Bytes& o) { encode_terminate(o); }) == wire({'X', 0, 0, 0, 4}));
}

TEST_CASE("CopyData and CopyFail") {
    const std::uint8_t data[] = {'1', '\t', 0x00, '\n'};
    CHECK(encoded([&](Bytes& o) { encode_copy_data(o, data); }) == wire({'d', 0, 0, 0, 8, '1', '\t', 0, '\n'}));
    CHECK(encoded([](Bytes& o) { encode_copy_data(o, {}); }) == wire({'d', 0, 0, 0, 4}));
    CHECK(encoded([](Bytes& o) { encode_copy_fail(o, "oops"); }) == wire({'f', 0, 0, 0, 9, "oops", 0}));
}

TEST_CASE("a pipelined request is its messages back to back") {
    Bytes out;
    const BindParam params[] = {{view("7"), Format::text}};
    encode_parse(out, "", "SELECT $1", {});
    encode_bind(out, "", "", params, {});
    encode_describe(out, 'P', "");
    encode_execute(out, "", 0);
    encode_sync(out);
    CHECK(out ==
          wire({'P', 0, 0, 0,   17, 0, "SELECT $1", 0, 0,   0, 'B', 0, 0, 0, 17, 0, 0, 0, 0, 0, 1,   0, 0, 0, 1,
                '7', 0, 0, 'D', 0,  0, 0,           6, 'P', 0, 'E', 0, 0, 0, 9,  0, 0, 0, 0, 0, 'S', 0, 0, 0, 4}));
}

TEST_CASE("input the wire cannot carry throws and leaves the buffer unchanged") {
    Bytes out;
    encode_sync(out);
    const Bytes before = out;
    using namespace std::string_view_literals;
    CHECK_THROWS_AS(encode_query(out, "SELECT\0 1"sv), std::invalid_argument);
    CHECK_THROWS_AS(encode_parse(out, "s", "x\0"sv, {}), std::invalid_argument);
    CHECK_THROWS_AS(encode_password(out, "a\0b"sv), std::invalid_argument);
    CHECK_THROWS_AS(encode_startup(out, {{"user", std::string("a\0b", 3)}}), std::invalid_argument);
    CHECK_THROWS_AS(encode_startup(out, {{"", "x"}}), std::invalid_argument);
    CHECK_THROWS_AS(encode_describe(out, 'X', "s"), std::invalid_argument);
    CHECK_THROWS_AS(encode_close(out, 0, "s"), std::invalid_argument);
    const std::vector<std::uint32_t> many(65536, 0);
    CHECK_THROWS_AS(encode_parse(out, "", "SELECT", many), std::length_error);
    const std::vector<BindParam> too_many(65536);
    CHECK_THROWS_AS(encode_bind(out, "", "", too_many, {}), std::length_error);
    CHECK(out == before);
}

TEST_CASE("Parse and Bind carry up to 65535 parameters (the server reads the count unsigned)") {
    const std::vector<std::uint32_t> types(65535, 25);
    Bytes out;
    encode_parse(out, "", "", types);
    REQUIRE(out.size() == 1 + 4 + 1 + 1 + 2 + 65535 * 4);
    CHECK(out[7] == 0xFF);
    CHECK(out[8] == 0xFF);

    const std::vector<BindParam> params(65535);  // all NULL, all text
    out.clear();
    encode_bind(out, "", "", params, {});
    REQUIRE(out.size() == 1 + 4 + 2 + 2 + 2 + 65535 * 4 + 2);
    CHECK(out[9] == 0xFF);
    CHECK(out[10] == 0xFF);
}

TEST_CASE("executemany's Bind/Execute batch is the same bytes as one Bind and one Execute per set") {
    const std::uint8_t bin[] = {0x00, 0x00, 0x00, 0x07};
    // Three sets of two: all text; one binary and a NULL; an empty value.
    const BindParam params[] = {{view("1"), Format::text},       {view("one"), Format::text},
                                {ByteView(bin), Format::binary}, {std::nullopt, Format::text},
                                {view("3"), Format::text},       {ByteView{}, Format::text}};
    for (std::string_view statement : {"", "uvpg_7"}) {
        Bytes expected;
        for (std::size_t i = 0; i < 3; ++i) {
            encode_bind(expected, "", statement, std::span<const BindParam>(params).subspan(i * 2, 2), {});
            encode_execute(expected, "", 0);
        }
        Bytes out = wire({'S', 0, 0, 0, 4});  // appended after what is there
        const Bytes before = out;
        encode_bind_execute_batch(out, statement, params, 2, 3);
        REQUIRE(out.size() == before.size() + expected.size());
        CHECK(std::equal(expected.begin(), expected.end(), out.begin() + static_cast<std::ptrdiff_t>(before.size())));
    }
    // Nothing for no sets; a NUL in the name or too few parameters append nothing and throw.
    Bytes out;
    encode_bind_execute_batch(out, "s", params, 2, 0);
    CHECK(out.empty());
    using namespace std::string_view_literals;
    CHECK_THROWS_AS(encode_bind_execute_batch(out, "s\0"sv, params, 2, 3), std::invalid_argument);
    CHECK_THROWS_AS(encode_bind_execute_batch(out, "s", params, 2, 4), std::invalid_argument);
    CHECK(out.empty());
}
