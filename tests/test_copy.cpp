// COPY FROM STDIN / TO STDOUT through Cursor: psycopg2's copy_from, copy_to and copy_expert
// over streams, the streaming forms, and errors in the middle of a COPY.
#include "support.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <sstream>
#include <stdexcept>

using namespace uvpg_test;

namespace {

// 100,000 rows in COPY's text format: numbers, escapes (tab, newline, backslash), unicode,
// empty strings and NULLs, as the server prints them back.
std::string copy_rows(int n) {
    std::string out;
    for (int i = 1; i <= n; ++i) {
        out += std::to_string(i);
        out += '\t';
        switch (i % 5) {
        case 0: out += "\\N"; break;
        case 1: out += "plain " + std::to_string(i * 7); break;
        case 2: out += "tab\\there\\nnewline \\\\ backslash"; break;
        case 3: out += "ünïcødé ✓"; break;
        default: break;  // the empty string
        }
        out += '\n';
    }
    return out;
}

template <class F>
void with_dsn_cursor(const std::string& dsn, F body) {
    uvpg::run([](std::string d, F b) -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(d);
        auto cur = co_await conn.cursor();
        co_await b(cur);
    }(dsn, std::move(body)));
}

}  // namespace

TEST_CASE("copy_from then copy_to round-trips 100,000 rows byte for byte, over TLS and in plain text") {
    for (const char* mode : {"sslmode=prefer", "sslmode=disable"}) {
        CAPTURE(mode);
        with_dsn_cursor(dsn_with(mode), [](uvpg::Cursor& cur) -> uvpg::Task<void> {
            co_await cur.execute("CREATE TEMP TABLE c1 (id int, note text)");
            const std::string data = copy_rows(100000);
            std::istringstream in(data);
            co_await cur.copy_from(in, "c1");
            CHECK(cur.rowcount() == 100000);
            CHECK(cur.statusmessage() == "COPY 100000");
            std::ostringstream out;
            co_await cur.copy_expert("COPY (SELECT * FROM c1 ORDER BY id) TO STDOUT", out);
            CHECK(cur.rowcount() == 100000);
            CHECK(out.str() == data);
            co_await cur.execute("SELECT count(*), count(note), sum(id) FROM c1");
            auto row = co_await cur.fetchone();
            CHECK((*row)[0].as<long long>() == 100000);
            CHECK((*row)[1].as<long long>() == 80000);
            CHECK((*row)[2].as<long long>() == 5000050000LL);
        });
    }
}

TEST_CASE("copy_from and copy_to with a separator, a NULL string and columns; CSV through copy_expert") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE c2 (a int, b text, \"C x\" text DEFAULT 'dflt')");
        // Named, not braced in the co_await (g++ 12, docs/design.md).
        std::vector<std::string> ab{"a", "b"}, all{"a", "b", "C x"};
        std::istringstream in("1|one\n2|NULL\n3|th|ree\\|\n");
        CHECK_THROWS_AS(co_await cur.copy_from(in, "c2", "|", "NULL", ab), uvpg::DataError);  // extra column
        std::istringstream good("1|one\n2|NULL\n3|th\\|ree\n");
        co_await cur.copy_from(good, "c2", "|", "NULL", ab);
        CHECK(cur.rowcount() == 3);
        std::ostringstream out;
        co_await cur.copy_to(out, "c2", ",", "-", all);
        CHECK(out.str() == "1,one,dflt\n2,-,dflt\n3,th|ree,dflt\n");
        std::istringstream csv("4,\"quoted, comma\",x\n5,,y\n");
        co_await cur.copy_expert("COPY c2 FROM STDIN WITH (FORMAT csv)", csv);
        std::ostringstream csv_out;
        co_await cur.copy_expert("COPY (SELECT * FROM c2 WHERE a > 3 ORDER BY a) TO STDOUT WITH (FORMAT csv)", csv_out);
        CHECK(csv_out.str() == "4,\"quoted, comma\",x\n5,,y\n");
    });
}

TEST_CASE("a COPY with a bad row reports the server's error and leaves the connection usable") {
    with_cursor([](uvpg::Connection& conn, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE c3 (id int PRIMARY KEY)");
        // The bad row far into the data: the server refuses it while more is still coming.
        std::string data;
        for (int i = 1; i <= 50000; ++i) data += (i == 30000 ? std::string("oops") : std::to_string(i)) + "\n";
        std::istringstream in(data);
        std::string what;
        try {
            co_await cur.copy_from(in, "c3");
        } catch (const uvpg::DataError& e) {
            what = e.what();
        }
        CHECK(what.find("invalid input syntax for type integer: \"oops\"") != std::string::npos);
        CHECK(conn.transaction_status() == uvpg::TransactionStatus::idle);
        co_await cur.execute("SELECT count(*) FROM c3");
        CHECK((*co_await cur.fetchone())[0].as<long long>() == 0);  // nothing half-done
        // A duplicate key: IntegrityError, and again the connection goes on.
        std::istringstream dup("1\n1\n");
        CHECK_THROWS_AS(co_await cur.copy_from(dup, "c3"), uvpg::IntegrityError);
        std::istringstream ok("1\n2\n");
        co_await cur.copy_from(ok, "c3");
        CHECK(cur.rowcount() == 2);
    });
}

TEST_CASE("copy_in streams from a source as the socket takes it; an exception in it sends CopyFail") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        co_await cur.execute("CREATE TEMP TABLE c4 (id int, pad text)");
        int next = 1, calls = 0;
        const std::string pad(200, 'p');
        auto source = [&](char* buf, std::size_t size) -> std::size_t {
            ++calls;
            std::size_t used = 0;
            while (next <= 200000) {
                std::string line = std::to_string(next) + "\t" + pad + "\n";
                if (used + line.size() > size) break;
                std::memcpy(buf + used, line.data(), line.size());
                used += line.size();
                ++next;
            }
            return used;
        };
        co_await cur.copy_in("COPY c4 FROM STDIN", source);
        CHECK(cur.rowcount() == 200000);
        CHECK(calls > 100);  // 40 MB asked for in buffer-sized pieces, not all at once
        auto failing = [n = 0](char* buf, std::size_t) mutable -> std::size_t {
            if (++n == 3) throw std::runtime_error("the source broke");
            std::memcpy(buf, "7\tx\n", 4);
            return 4;
        };
        std::string what;
        try {
            co_await cur.copy_in("COPY c4 FROM STDIN", failing);
        } catch (const std::runtime_error& e) {
            what = e.what();
        }
        CHECK(what == "the source broke");
        co_await cur.execute("SELECT count(*) FROM c4 WHERE id = 7");
        CHECK((*co_await cur.fetchone())[0].as<long long>() == 1);  // the failed COPY added nothing
    });
}

TEST_CASE("copy_out hands each chunk to a sink; an exception in it ends the COPY and the connection goes on") {
    with_cursor([](uvpg::Connection&, uvpg::Cursor& cur) -> uvpg::Task<void> {
        std::size_t bytes = 0, chunks = 0;
        co_await cur.copy_out("COPY (SELECT i FROM generate_series(1, 100000) i) TO STDOUT", [&](std::string_view c) {
            bytes += c.size();
            ++chunks;
        });
        CHECK(cur.rowcount() == 100000);
        CHECK(bytes == 588895);   // the digits of 1..100000 and their newlines
        CHECK(chunks == 100000);  // one CopyData a row, as the server sends them
        std::size_t seen = 0;
        std::string what;
        try {
            co_await cur.copy_out("COPY (SELECT i FROM generate_series(1, 1000) i) TO STDOUT", [&](std::string_view) {
                if (++seen == 10) throw std::runtime_error("the sink broke");
            });
        } catch (const std::runtime_error& e) {
            what = e.what();
        }
        CHECK(what == "the sink broke");
        CHECK(seen == 10);  // nothing more after the error
        co_await cur.execute("SELECT 5");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 5);
        // copy_expert with an input stream on a COPY TO: ProgrammingError, connection fine.
        std::istringstream nothing;
        CHECK_THROWS_AS(co_await cur.copy_expert("COPY (SELECT 1) TO STDOUT", nothing), uvpg::ProgrammingError);
        co_await cur.execute("SELECT 6");
        CHECK((*co_await cur.fetchone())[0].as<int>() == 6);
    });
}
