// A Cursor's Tasks own what they work on: one awaited after its cursor is gone runs on its own
// state, never on the state of a cursor made later (which reuses freed states), so that no
// cursor is handed a result it did not ask for.
#include "support.hpp"

#include <uvpg/errors.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace uvpg_test;

TEST_CASE("a Task awaited after its cursor is destroyed runs on its own state, not a later cursor's") {
    with_cursor([](uvpg::Connection& conn, uvpg::Cursor&) -> uvpg::Task<void> {
        uvpg::Task<void> orphan;
        {
            auto cur = co_await conn.cursor();
            orphan = cur.execute("SELECT 'orphan'");  // not started: Tasks start when awaited
        }
        auto later = co_await conn.cursor();  // may be given the state the first cursor left
        co_await std::move(orphan);           // runs, and keeps its result to itself
        // The later cursor ran nothing: it has nothing to fetch.
        CHECK(later.rowcount() == -1);
        CHECK_THROWS_AS(co_await later.fetchone(), uvpg::ProgrammingError);
        co_await later.execute("SELECT 'later'");
        auto row = co_await later.fetchone();
        REQUIRE(row);
        CHECK((*row)[0].as<std::string>() == "later");
    });
}

TEST_CASE("Tasks made by a cursor and awaited after it is destroyed end as usual, with its own rows") {
    with_cursor([](uvpg::Connection& conn, uvpg::Cursor&) -> uvpg::Task<void> {
        auto cur = std::make_unique<uvpg::Cursor>(co_await conn.cursor());
        uvpg::Task<void> running = cur->execute("SELECT 1, 'x'");
        auto fetch = cur->fetchall();  // a second Task on the same state, run later still
        cur.reset();                   // the cursor goes; what its Tasks work on stays theirs
        co_await std::move(running);
        auto other = co_await conn.cursor();
        co_await other.execute("SELECT 2");
        auto row = co_await other.fetchone();
        REQUIRE(row);
        CHECK((*row)[0].as<int>() == 2);
        auto rows = co_await std::move(fetch);  // the first cursor's rows, still its own
        REQUIRE(rows.size() == 1);
        CHECK((*rows.begin())[1].as<std::string>() == "x");
    });
}
