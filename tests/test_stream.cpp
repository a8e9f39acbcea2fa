// Cursor::stream: rows handed over batch by batch as they arrive, the socket paused while the
// reader is behind (memory bounded whatever the result's size), errors in the middle thrown
// where they are reached, and a stream given up on leaving the connection usable.
#include <doctest/doctest.h>

#include "lib/conn/connection_impl.hpp"
#include "tests/support.hpp"

#include <string>
#include <vector>

using uvpg_test::dsn;

TEST_CASE("streaming 3,000,000 rows: values right, the socket paused while the reader is behind, memory bounded") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto other = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        auto side = co_await other.cursor();
        const std::int64_t n = 3000000;
        co_await cur.stream("SELECT i, 'row ' || i, i * 0.5::float8 FROM generate_series(1, %s) i", {n});
        CHECK(cur.description().size() == 3);
        CHECK(cur.rowcount() == -1);
        // The reader falls behind: it does other work until the connection has stopped reading.
        // This ends either way: the rows (about 90 MB) cannot all arrive without a pause.
        int side_trips = 0;
        while (!uvpg::detail::Access::impl(conn)->reading_paused()) {
            co_await side.execute("SELECT 1");
            ++side_trips;
        }
        CHECK(side_trips > 0);
        std::int64_t count = 0, sum = 0;
        double halves = 0;
        bool text_right = true;
        for (;;) {
            auto rows = co_await cur.fetchmany(10000);
            if (rows.empty()) break;
            for (const auto& row : rows) {
                const auto i = row[0].as<std::int64_t>();
                ++count;
                sum += i;
                halves += row[2].as<double>();
                if ((count % 100000) == 0)
                    text_right = text_right && row[1].as<std::string>() == "row " + std::to_string(i);
            }
        }
        CHECK(count == n);
        CHECK(sum == n * (n + 1) / 2);
        CHECK(halves == doctest::Approx(static_cast<double>(n) * (n + 1) / 4));
        CHECK(text_right);
        CHECK(cur.rowcount() == n);
        CHECK(cur.statusmessage() == "SELECT 3000000");
        // At most the high-water mark (8 MiB) and one batch more ever waited.
        CHECK(uvpg::detail::Access::impl(conn)->stream_peak() <= (8u << 20) + (256u << 10));
        CHECK(uvpg::detail::Access::impl(conn)->stream_peak() >= (8u << 20));
        CHECK(!uvpg::detail::Access::impl(conn)->reading_paused());
        co_await cur.execute("SELECT 42");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 42);
    }());
}

TEST_CASE("streaming: an error in the middle is thrown after the rows before it") {
    uvpg_test::with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.stream("SELECT 10 / (5000 - i) FROM generate_series(1, 10000) i");
        std::int64_t got = 0;
        bool failed = false;
        try {
            for (;;) {
                auto rows = co_await cur.fetchmany(1000);
                if (rows.empty()) break;
                got += static_cast<std::int64_t>(rows.size());
            }
        } catch (const uvpg::errors::DivisionByZero&) {
            failed = true;
        }
        CHECK(failed);
        CHECK(got == 4999);
        co_await cur.execute("SELECT 1");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 1);
    });
}

TEST_CASE("streaming: fetchall never returns a result cut short by an error; it raises it") {
    uvpg_test::with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        // The error comes after 4,999 rows, more than one batch: fetchall must not hand them
        // over as if they were all the rows.
        co_await cur.stream("SELECT 10 / (5000 - i) FROM generate_series(1, 10000) i");
        CHECK_THROWS_AS(co_await cur.fetchall(), uvpg::errors::DivisionByZero);
        // After some rows taken with fetchmany, the rest through fetchall: the error too.
        co_await cur.stream("SELECT 10 / (5000 - i) FROM generate_series(1, 10000) i");
        CHECK((co_await cur.fetchmany(100)).size() == 100);
        CHECK_THROWS_AS(co_await cur.fetchall(), uvpg::errors::DivisionByZero);
        // The connection goes on.
        co_await cur.execute("SELECT 1");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 1);
    });
}

TEST_CASE("streaming: an error before any row is thrown by stream(); small and rowless results") {
    uvpg_test::with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        CHECK_THROWS_AS(co_await cur.stream("SELECT * FROM no_such_table_s"), uvpg::errors::UndefinedTable);
        CHECK_THROWS_AS(co_await cur.stream("SELECT %s", {1, 2}), uvpg::ProgrammingError);

        co_await cur.stream("SELECT generate_series(1, %s)", {3});
        auto one = co_await cur.fetchone();
        CHECK(one);
        CHECK((*one)[0].as<int>() == 1);
        CHECK(cur.rownumber() == 1u);
        CHECK_THROWS_AS(co_await cur.scroll(0), uvpg::ProgrammingError);
        auto rest = co_await cur.fetchall();
        CHECK(rest.size() == 2);
        CHECK(!co_await cur.fetchone());
        CHECK(cur.rowcount() == 3);

        co_await cur.stream("SELECT 1 WHERE false");
        CHECK((co_await cur.fetchall()).empty());
        CHECK(cur.rowcount() == 0);

        co_await cur.execute("CREATE TEMP TABLE st (a int)");
        co_await cur.stream("INSERT INTO st SELECT generate_series(1, 5)");
        CHECK(cur.rowcount() == 5);
        CHECK_THROWS_AS(co_await cur.fetchone(), uvpg::ProgrammingError);
    });
}

TEST_CASE(
    "streaming: a stream given up on (another execute, a closed or dropped cursor) leaves the connection usable") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        const std::string big = "SELECT i, repeat('x', 100) FROM generate_series(1, 500000) i";
        co_await cur.stream(big);
        CHECK((co_await cur.fetchmany(10)).size() == 10);
        co_await cur.execute("SELECT 2");  // the rest of the stream is dropped as it arrives
        CHECK((*co_await cur.fetchone())[0].as<int>() == 2);

        co_await cur.stream(big);
        cur.close();
        auto cur2 = co_await conn.cursor();
        co_await cur2.execute("SELECT 3");
        CHECK((*co_await cur2.fetchone())[0].as<int>() == 3);

        {
            auto cur3 = co_await conn.cursor();
            co_await cur3.stream(big);
            CHECK((co_await cur3.fetchmany(1)).size() == 1);
        }  // destroyed mid-stream
        co_await cur2.execute("SELECT 4");
        CHECK((*co_await cur2.fetchone())[0].as<int>() == 4);
        CHECK(!uvpg::detail::Access::impl(conn)->reading_paused());
    }());
}
