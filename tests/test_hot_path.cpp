// What the per-query fast path must not break: results big enough to live in 2 MiB chunks,
// cursor states reused by the next cursor, SQL parsed once per connection and the cached
// statement it ran as remembered across cursors, even when the server drops statements.
#include <doctest/doctest.h>

#include "lib/conn/connection_impl.hpp"
#include "tests/support.hpp"

#include <algorithm>
#include <string>
#include <vector>

using uvpg_test::dsn;

TEST_CASE("a result over many 2 MiB chunks reads back exactly, and its rows outlive the cursor and the connection") {
    constexpr int kRows = 200000;  // about 14 MB of rows: seven chunks of 2 MiB and the small ones
    std::vector<uvpg::Row> text_rows, binary_rows;
    uvpg::run([&]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        co_await cur.execute("SELECT i, repeat('x', 40 + i % 17) FROM generate_series(1, 200000) i");  // text
        text_rows = co_await cur.fetchall();
        co_await cur.execute("SELECT i, repeat('y', 40 + i % 17) FROM generate_series(1, $1::int4) i",
                             {kRows});  // binary
        binary_rows = co_await cur.fetchall();
    }());
    // The cursor and the connection are gone; the rows keep their memory.
    REQUIRE(text_rows.size() == kRows);
    REQUIRE(binary_rows.size() == kRows);
    for (int i = 1; i <= kRows; ++i) {
        const auto& t = text_rows[static_cast<std::size_t>(i - 1)];
        const auto& b = binary_rows[static_cast<std::size_t>(i - 1)];
        if (t[0].as<int>() != i || t[1].as<std::string>() != std::string(40 + i % 17, 'x') || b[0].as<int>() != i ||
            b[1].as<std::string>() != std::string(40 + i % 17, 'y')) {
            FAIL("row " << i << " differs");
        }
    }
    CHECK(text_rows.back()[0].as<int>() == kRows);
}

TEST_CASE("a cursor opened after others were closed starts fresh") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        for (int round = 0; round < 3; ++round) {
            {
                auto cur = co_await conn.cursor();
                co_await cur.execute("SELECT i FROM generate_series(1, 10) i");
                (void)co_await cur.fetchone();
            }
            {
                auto streaming = co_await conn.cursor();
                co_await streaming.stream("SELECT i FROM generate_series(1, $1::int4) i", {100000});
                CHECK((co_await streaming.fetchmany(10)).size() == 10);
            }  // abandoned in the middle of its stream
            auto cur = co_await conn.cursor();
            CHECK(cur.rowcount() == -1);
            CHECK(cur.description().empty());
            CHECK(cur.query().empty());
            CHECK(cur.statusmessage().empty());
            CHECK(!cur.rownumber());
            CHECK(!cur.closed());
            bool refused = false;
            try {
                (void)co_await cur.fetchone();
            } catch (const uvpg::ProgrammingError&) {
                refused = true;
            }
            CHECK(refused);
            co_await cur.execute("SELECT $1::int4 + 1", {round});
            CHECK((*co_await cur.fetchone())[0].as<int>() == round + 1);
            CHECK(cur.rowcount() == 1);
        }
    }());
}

TEST_CASE("cursors share the connection's parsed statement; dropped and evicted statements are prepared again") {
    uvpg::ConnectOptions options;
    options.statement_cache_size = 1;  // two statements alternating evict each other
    uvpg::run([](uvpg::ConnectOptions o) -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn(), o);
        auto other = co_await conn.cursor();
        const std::string add = "SELECT $1::int4 + 100", mul = "SELECT $1::int4 * 3";
        for (int i = 0; i < 12; ++i) {
            auto cur = co_await conn.cursor();  // a new cursor each time: the memo is the connection's
            co_await cur.execute(add, {i});
            CHECK((*co_await cur.fetchone())[0].as<int>() == i + 100);
            co_await other.execute(i % 2 ? mul : add, {i});
            CHECK((*co_await other.fetchone())[0].as<int>() == (i % 2 ? i * 3 : i + 100));
            if (i % 4 == 3) co_await other.execute("DEALLOCATE ALL");  // the server forgets them all
        }
        // Bad placeholders: the error, with the text as asked kept as the cursor's query.
        auto cur = co_await conn.cursor();
        bool refused = false;
        try {
            co_await cur.execute("SELECT %s, %s", {1});
        } catch (const uvpg::ProgrammingError&) {
            refused = true;
        }
        CHECK(refused);
        CHECK(cur.query() == "SELECT %s, %s");
    }(options));
}

TEST_CASE("the statement memo does not outlive its connection's cache") {
    // The same SQL on a second connection is prepared there, not taken from the first one's.
    uvpg::run([]() -> uvpg::Task<void> {
        const std::string sql = "SELECT $1::int4 - 1";
        for (int round = 0; round < 3; ++round) {
            auto conn = co_await uvpg::connect(dsn());
            auto cur = co_await conn.cursor();
            for (int i = 0; i < 3; ++i) {
                co_await cur.execute(sql, {i});
                CHECK((*co_await cur.fetchone())[0].as<int>() == i - 1);
            }
            conn.close();
        }
    }());
}

TEST_CASE("the inline conversions (oid, int2, name, \"char\", bpchar) agree with the general path") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        const std::string cols =
            "SELECT 4294967295::oid, 1259::oid, (-32768)::int2, 32767::int2, 'nm'::name, 'c'::\"char\", "
            "'ab'::char(4), NULL::oid";
        co_await cur.execute(cols + " WHERE $1", {true});  // binary: the inline paths
        const auto b = *co_await cur.fetchone();
        co_await cur.execute(cols);  // text: the general path
        const auto t = *co_await cur.fetchone();
        for (const auto* r : {&b, &t}) {
            CHECK((*r)[0].as<unsigned>() == 4294967295u);
            CHECK((*r)[0].as<unsigned long long>() == 4294967295ull);
            CHECK((*r)[1].as<unsigned long>() == 1259ul);
            CHECK((*r)[2].as<short>() == -32768);
            CHECK((*r)[2].as<int>() == -32768);
            CHECK((*r)[3].as<long long>() == 32767);
            CHECK((*r)[4].as<std::string_view>() == "nm");
            CHECK((*r)[5].as<std::string_view>() == "c");
            CHECK((*r)[6].as<std::string_view>() == "ab  ");
            CHECK(!(*r)[7].as<std::optional<unsigned>>());
            CHECK_THROWS_AS((void)(*r)[0].as<int>(), uvpg::DataError);  // 4294967295 is not an int
        }
        CHECK(b[0].is_binary());
        CHECK(!t[0].is_binary());
    }());
}

TEST_CASE("a long executemany starts writing before it is all encoded, and stays all or nothing") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        co_await cur.execute("CREATE TEMP TABLE hp_many (id int PRIMARY KEY, body text)");
        const std::string body(100, 'b');  // 5,000 sets of about 130 bytes: many early writes
        std::vector<uvpg::Params> seq;
        for (int i = 0; i < 5000; ++i) seq.emplace_back(i, body + std::to_string(i));
        seq.emplace_back(4999, "the same key again");  // fails last, after everything was sent
        bool failed = false;
        try {
            co_await cur.executemany("INSERT INTO hp_many VALUES ($1, $2)", std::move(seq));
        } catch (const uvpg::IntegrityError&) {
            failed = true;
        }
        CHECK(failed);
        co_await cur.execute("SELECT count(*) FROM hp_many");
        CHECK((*co_await cur.fetchone())[0].as<long long>() == 0);  // none of it ran

        std::vector<uvpg::Params> ok;
        for (int i = 0; i < 5000; ++i) ok.emplace_back(i, body + std::to_string(i));
        co_await cur.executemany("INSERT INTO hp_many VALUES ($1, $2)", std::move(ok));
        CHECK(cur.rowcount() == 5000);
        co_await cur.execute("SELECT count(*), sum(length(body)), max(id) FROM hp_many");
        const auto r = *co_await cur.fetchone();
        CHECK(r[0].as<long long>() == 5000);
        CHECK(r[1].as<long long>() == 5000 * 100 + 10 + 90 * 2 + 900 * 3 + 4000 * 4);
        CHECK(r[2].as<int>() == 4999);
    }());
}

// Past 8 MiB of one result the socket wakes the loop only once 256 KiB wait (SO_RCVLOWAT), and
// a 1 ms timer brings the tail in. These check that nothing is stranded and that the mark is
// back to 1 for whatever follows.
namespace {

const uvpg::detail::Socket& socket_of(const uvpg::Connection& c) {
    REQUIRE(uvpg::detail::Access::impl(c)->socket() != nullptr);
    return *uvpg::detail::Access::impl(c)->socket();
}

std::string tls_dsn() {
    return "host=127.0.0.1 port=" + uvpg_test::env("UVPG_TEST_PORT") +
           " user=postgres dbname=uvpg_test sslmode=require";
}

// A result of about 24 MB (`rows` rows of 79 bytes), read whole; then a small query.
uvpg::Task<void> big_result_then_small(std::string conninfo, std::vector<int> sizes) {
    auto conn = co_await uvpg::connect(conninfo);
    auto cur = co_await conn.cursor();
    const auto& sock = socket_of(conn);
    CHECK(sock.low_water_mark() == 1);
    for (int rows : sizes) {
        const auto turns = sock.low_water_turns();
        co_await cur.execute("SELECT i, repeat('z', 60) FROM generate_series(1, $1::int4) i", {rows});
        auto all = co_await cur.fetchall();
        REQUIRE(all.size() == static_cast<std::size_t>(rows));
        CHECK(all.front()[0].as<int>() == 1);
        CHECK(all.back()[0].as<int>() == rows);
        CHECK(all.back()[1].as<std::string>() == std::string(60, 'z'));
        CHECK(sock.low_water_turns() > turns);
        CHECK(sock.low_water_mark() == 1);
        co_await cur.execute("SELECT 1");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 1);
    }
}

}  // namespace

TEST_CASE("a result past the low-water threshold arrives whole, tail included, and the mark is 1 again after it") {
    // Tails of different lengths behind the last full 256 KiB.
    uvpg::run(big_result_then_small(dsn(), {300001, 300777, 303333}));
}

TEST_CASE("over TLS, the low-water mark counts ciphertext and still brings every row in") {
    if (uvpg_test::env("UVPG_TEST_SSL") != "1") UVPG_SKIP("the test server has no TLS (UVPG_TEST_SSL != 1)");
    uvpg::run(big_result_then_small(tls_dsn(), {300001}));
}

TEST_CASE("a stream past the threshold keeps every row in order, through the socket's pauses") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        const auto& sock = socket_of(conn);
        constexpr int kRows = 400000;  // about 32 MB: the stream pauses at 8 MiB unread
        co_await cur.stream("SELECT i, repeat('s', 60) FROM generate_series(1, $1::int4) i", {kRows});
        int expect = 1;
        bool in_order = true;
        for (;;) {
            auto batch = co_await cur.fetchmany(5000);
            if (batch.empty()) break;
            for (const auto& r : batch) in_order = in_order && r[0].as<int>() == expect++;
        }
        CHECK(in_order);
        CHECK(expect - 1 == kRows);
        CHECK(sock.low_water_turns() > 0);
        CHECK(sock.low_water_mark() == 1);
        co_await cur.execute("SELECT 2");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 2);
    }());
}

TEST_CASE("COPY TO STDOUT past the threshold delivers every byte") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        const auto& sock = socket_of(conn);
        constexpr int kRows = 300000;
        std::size_t bytes = 0, lines = 0;
        co_await cur.copy_out("COPY (SELECT i, repeat('c', 60) FROM generate_series(1, 300000) i) TO STDOUT",
                              [&](std::string_view chunk) {
                                  bytes += chunk.size();
                                  lines += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
                              });
        std::size_t digits = 0;
        for (int i = 1; i <= kRows; ++i) digits += std::to_string(i).size();
        CHECK(lines == kRows);
        CHECK(bytes == digits + static_cast<std::size_t>(kRows) * (1 + 60 + 1));
        CHECK(sock.low_water_turns() > 0);
        CHECK(sock.low_water_mark() == 1);
    }());
}

TEST_CASE("a backend killed in the middle of a big stream is reported, not waited for") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        const auto& sock = socket_of(conn);
        co_await cur.stream("SELECT i, repeat('k', 60) FROM generate_series(1, 100000000) i");
        // Read until the mark has gone up once, then end the backend.
        while (sock.low_water_turns() == 0) {
            auto batch = co_await cur.fetchmany(5000);
            REQUIRE(!batch.empty());
        }
        const std::string pid = std::to_string(conn.backend_pid());
        CHECK(co_await uvpg_test::admin_scalar("SELECT pg_terminate_backend(" + pid + ")") == "t");
        bool reported = false;
        try {
            for (;;) {
                auto batch = co_await cur.fetchmany(5000);
                if (batch.empty()) break;
            }
        } catch (const uvpg::OperationalError&) {
            reported = true;
        }
        CHECK(reported);
        CHECK(conn.closed());
    }());
}
