// Network faults between uvpg and a real PostgreSQL, injected by the fault proxy of
// tests/proxy.hpp: one-byte chunks, a stream cut at every byte offset, black holes, RST and
// FIN. The client is used as an application uses it (uvpg::run, uvpg::connect through a DSN).
// What is checked each time: the result is right, or the failure is an OperationalError (never
// a success built from truncated data), the connection says closed, and nothing hangs: every
// wait is bounded, and a hang that a connection timeout turns into a TimeoutError is reported
// as such.
#include "outcome.hpp"
#include "proxy.hpp"
#include "support.hpp"

#include <uvpg/uvpg.hpp>

#include <doctest/doctest.h>

#include <cxxabi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <typeinfo>
#include <vector>

using namespace uvpg_test;

namespace {

std::string target_host() {
    std::string h = env("UVPG_TEST_HOST");
    if (h.empty()) FAIL("UVPG_TEST_HOST is not set: the proxy needs the test server's TCP address");
    return h;
}

std::uint16_t target_port() {
    std::string p = env("UVPG_TEST_PORT");
    if (p.empty()) FAIL("UVPG_TEST_PORT is not set: the proxy needs the test server's TCP address");
    return static_cast<std::uint16_t>(std::stoi(p));
}

// The superuser trust DSN of the test server, aimed at the proxy instead. In plain text: the
// proxy cuts and corrupts protocol bytes, which TLS would turn into record errors.
std::string via(const FaultProxy& p, const std::string& extra = "") {
    std::string d =
        "host=127.0.0.1 port=" + std::to_string(p.port()) + " user=postgres dbname=uvpg_test sslmode=disable";
    return extra.empty() ? d : d + " " + extra;
}

std::string via_user(const FaultProxy& p, const std::string& user, const std::string& password) {
    return "host=127.0.0.1 port=" + std::to_string(p.port()) + " dbname=uvpg_test sslmode=disable user=" + user +
           " password=" + password;
}

// Polls `pred` on the loop (so the client keeps running) until it holds; false past `limit_ms`.
template <class Pred>
uvpg::Task<bool> eventually(Pred pred, double limit_ms = 5000) {
    const double deadline = now_ms() + limit_ms;
    while (!pred()) {
        if (now_ms() > deadline) co_return false;
        co_await sleep_ms(1);
    }
    co_return true;
}

// A result as text, so that two deliveries of one session can be compared whole.
std::string render(const uvpg::Cursor& cur, const std::vector<uvpg::Row>& rows) {
    std::string out = cur.statusmessage() + " rowcount=" + std::to_string(cur.rowcount()) + " |";
    for (const auto& c : cur.description()) out += " " + c.name + ":" + std::to_string(c.type_code);
    for (const auto& r : rows) {
        out += "\n";
        for (const auto& v : r) out += (v.is_null() ? std::string("NULL") : std::string(v.raw())) + "\t";
    }
    return out;
}

uvpg::Task<uvpg::Notify> next_notify(uvpg::Connection::Notifies n) { co_return co_await n.get(); }

uvpg::Task<void> notify_from_outside(std::string sql) { co_await admin_scalar(std::move(sql)); }

// A whole session of the kind the library must survive chunked: parameters, a large parameter,
// a 5,000-row result, errors, several statements in one Query, a notice, LISTEN/NOTIFY (from
// another backend, with a long payload, and to ourselves). Checks each result and returns a
// transcript of all of them.
uvpg::Task<std::vector<std::string>> full_session(std::string dsn) {
    std::vector<std::string> out;
    uvpg::Connection conn = co_await uvpg::connect(dsn);
    CHECK(conn.backend_pid() > 0);
    CHECK(conn.parameter_status("server_encoding") == std::optional<std::string>("UTF8"));
    out.push_back("server_version " + conn.parameter_status("server_version").value_or("?"));
    uvpg::Cursor cur = co_await conn.cursor();

    co_await cur.execute("SELECT %s::int AS a, %s::text AS b, %s::float8 AS c",
                         {41, "h\xc3\xa9llo, w\xc3\xb6rld", 2.5});
    auto rows = co_await cur.fetchall();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["a"].as<int>() == 41);
    CHECK(rows[0]["b"].as<std::string>() == "h\xc3\xa9llo, w\xc3\xb6rld");
    CHECK(rows[0]["c"].as<double>() == 2.5);
    out.push_back(render(cur, rows));

    co_await cur.execute("SELECT %(x)s::bigint * 2 AS y, %(x)s::text AS again", {{"x", 21}});
    rows = co_await cur.fetchall();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["y"].as<long long>() == 42);
    out.push_back(render(cur, rows));

    uvpg::Bytes blob = {0, 1, 2, 0xfe, 0xff};
    co_await cur.execute("SELECT $1::int IS NULL AS n, $2::bytea AS b", {std::nullopt, blob});
    rows = co_await cur.fetchall();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["n"].as<bool>());
    CHECK(rows[0]["b"].as<uvpg::Bytes>() == blob);
    out.push_back(render(cur, rows));

    // A Bind of 100 kB, written one byte at a time by the proxy.
    std::string big(100000, 'p');
    big[50000] = 'q';
    co_await cur.execute("SELECT length($1::text) AS len, md5($1::text) AS sum, $1::text AS echo", {big});
    rows = co_await cur.fetchall();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["len"].as<int>() == 100000);
    CHECK(rows[0]["echo"].as<std::string>() == big);
    out.push_back(render(cur, {}) + " " + rows[0]["sum"].as<std::string>());

    co_await cur.execute("SELECT g AS n, 'row ' || g AS label, g % 7 = 0 AS seventh FROM generate_series(1, 5000) g");
    rows = co_await cur.fetchall();
    REQUIRE(rows.size() == 5000);
    CHECK(cur.rowcount() == 5000);
    bool all_right = true;
    for (int i = 0; i < 5000; ++i) {
        const auto& r = rows[static_cast<std::size_t>(i)];
        all_right = all_right && r[0].as<int>() == i + 1 && r[1].as<std::string>() == "row " + std::to_string(i + 1) &&
                    r[2].as<bool>() == ((i + 1) % 7 == 0);
    }
    CHECK(all_right);
    out.push_back(render(cur, rows));

    auto undefined = co_await attempt([&] { return cur.execute("SELECT * FROM no_such_table_here"); });
    CHECK_RAISED(undefined, uvpg::errors::UndefinedTable);
    out.push_back(undefined.describe());
    auto div = co_await attempt([&] { return cur.execute("SELECT 1 / (%s::int - 3)", {3}); });
    CHECK_RAISED(div, uvpg::errors::DivisionByZero);
    CHECK_RAISED(div, uvpg::DataError);
    out.push_back(div.describe());
    // Rows before the error are dropped with it.
    auto partial = co_await attempt([&] { return cur.execute("SELECT 1 / (g - 2) FROM generate_series(1, 3) g"); });
    CHECK_RAISED(partial, uvpg::errors::DivisionByZero);
    out.push_back(partial.describe());
    CHECK_FALSE(conn.closed());

    co_await cur.execute(
        "CREATE TEMP TABLE px (a int, b text); "
        "INSERT INTO px SELECT g, repeat('m', g) FROM generate_series(1, 50) g; "
        "SELECT count(*) AS n, sum(length(b)) AS total FROM px");
    rows = co_await cur.fetchall();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["n"].as<int>() == 50);
    CHECK(rows[0]["total"].as<int>() == 1275);
    out.push_back(render(cur, rows));

    co_await cur.execute("DO $$ BEGIN RAISE NOTICE 'through % proxy', 'the'; END $$");
    REQUIRE_FALSE(conn.notices().empty());
    CHECK(conn.notices().back() == "NOTICE:  through the proxy\n");
    out.push_back(conn.notices().back());

    // A channel of our own, so that other test runs on the same server cannot talk into it.
    const std::string chan = "proxy_chan_" + std::to_string(conn.backend_pid());
    co_await cur.execute("LISTEN " + chan);
    auto notifies = conn.notifies();
    auto [got, sent] = co_await uvpg::gather(next_notify(notifies),
                                             notify_from_outside("NOTIFY " + chan + ", 'from another backend'"));
    (void)sent;
    CHECK(got.channel == chan);
    CHECK(got.payload == "from another backend");
    CHECK(got.pid != conn.backend_pid());
    out.push_back(got.payload);
    auto [long_one, sent2] = co_await uvpg::gather(
        next_notify(notifies), notify_from_outside("SELECT pg_notify('" + chan + "', repeat('n', 7000))"));
    (void)sent2;
    CHECK(long_one.channel == chan);
    CHECK(long_one.payload == std::string(7000, 'n'));
    out.push_back(std::to_string(long_one.payload.size()));
    co_await cur.execute("NOTIFY " + chan + ", 'to myself'");
    auto self = notifies.get_nowait();
    REQUIRE(self);
    CHECK(self->channel == chan);
    CHECK(self->payload == "to myself");
    CHECK(self->pid == conn.backend_pid());
    out.push_back(self->payload);
    CHECK_FALSE(conn.closed());
    co_return out;
}

uvpg::Task<std::string> current_user_via(std::string dsn) {
    uvpg::Connection conn = co_await uvpg::connect(dsn);
    uvpg::Cursor cur = co_await conn.cursor();
    co_await cur.execute("SELECT current_user || ' ' || %s::text", {"ok"});
    auto row = co_await cur.fetchone();
    co_return (*row)[0].as<std::string>();
}

// One request of a pipeline: simple and extended protocol alternate, and #10 fails.
uvpg::Task<std::string> ask(uvpg::Connection& conn, int i) {
    uvpg::Cursor cur = co_await conn.cursor();
    try {
        if (i == 10) co_await cur.execute("SELECT 1 / 0");
        else if (i % 2) co_await cur.execute("SELECT %s::int * 3, repeat('r', %s)", {i, i * 10});
        else co_await cur.execute("SELECT " + std::to_string(i * 3) + ", repeat('r', " + std::to_string(i * 10) + ")");
    } catch (const uvpg::errors::DivisionByZero&) {
        co_return "error 22012";
    }
    auto row = co_await cur.fetchone();
    co_return std::to_string((*row)[0].as<int>()) + " " + std::to_string((*row)[1].as<std::string>().size());
}

// The cut sweep: connect, then one statement, through a proxy that cuts the server's stream.
// 3 rows; or a row, then an ERROR that drops it.
enum class SweepQuery { rows, error };

uvpg::Task<void> sweep_statement(uvpg::Cursor& cur, SweepQuery q) {
    if (q == SweepQuery::rows) co_await cur.execute("SELECT g, %s::text AS tag FROM generate_series(1, 3) g", {"cut"});
    else co_await cur.execute("SELECT 1 / (g - 2) FROM generate_series(1, 3) g");
}

struct CutRun {
    Outcome connect;
    Outcome execute;
    bool connected = false;
    bool closed_after = false;
    std::size_t rows = 0;
    double ms = 0;
};

uvpg::Task<CutRun> connect_and_query(std::string dsn, SweepQuery q) {
    CutRun run;
    const double t0 = now_ms();
    uvpg::Connection conn;
    try {
        conn = co_await uvpg::connect(dsn);
        run.connected = true;
    } catch (...) {
        run.connect.ep = std::current_exception();
    }
    if (run.connected) {
        // Straight on, without giving the loop a turn: the statement is written before the
        // client can have read a cut that came right after the handshake.
        uvpg::Cursor cur = co_await conn.cursor();
        run.execute = co_await attempt([&] { return sweep_statement(cur, q); });
        if (!run.execute) run.rows = (co_await cur.fetchall()).size();
        run.closed_after = conn.closed();
    }
    run.ms = now_ms() - t0;
    co_return run;
}

struct Sweep {
    std::uint64_t handshake = 0;  // bytes the server sends up to the first ReadyForQuery
    std::uint64_t total = 0;      // ... and up to the end of the statement's reply
};

// Runs the session once, whole, and counts the bytes the client receives.
Sweep measure(FaultProxy& proxy, const std::string& dsn, SweepQuery q) {
    proxy.set_cut_after(std::nullopt);
    Sweep s;
    const std::uint64_t base = proxy.counters().to_client;
    uvpg::run([](FaultProxy& p, std::string d, SweepQuery qq, std::uint64_t b, Sweep& out) -> uvpg::Task<void> {
        uvpg::Connection conn = co_await uvpg::connect(d);
        out.handshake = p.counters().to_client - b;
        uvpg::Cursor cur = co_await conn.cursor();
        auto e = co_await attempt([&] { return sweep_statement(cur, qq); });
        CHECK(bool(e) == (qq == SweepQuery::error));
        out.total = p.counters().to_client - b;
    }(proxy, dsn, q, base, s));
    return s;
}

// Cuts the server's stream after every byte offset in [from, to) and checks each run. A cut
// inside the handshake must fail connect; a cut after it must let connect succeed and fail the
// statement; every failure is an OperationalError that is not a timeout (a timeout here would be
// a hang the connection timeout caught), and never a success with partial rows.
void sweep(FaultProxy& proxy, const std::string& dsn, SweepQuery q, const Sweep& s, std::uint64_t from,
           std::uint64_t to) {
    std::vector<std::string> bad;
    std::uint64_t runs = 0;
    double worst = 0;
    uvpg::run([](FaultProxy& p, std::string d, SweepQuery qq, Sweep sz, std::uint64_t a, std::uint64_t b,
                 std::vector<std::string>& bad_out, std::uint64_t& n_out, double& worst_out) -> uvpg::Task<void> {
        for (std::uint64_t n = a; n < b; ++n) {
            p.set_cut_after(n);
            CutRun r = co_await connect_and_query(d, qq);
            ++n_out;
            worst_out = std::max(worst_out, r.ms);
            std::string why;
            const bool in_handshake = n < sz.handshake;
            if (in_handshake) {
                if (r.connected) why = "connect succeeded on a truncated handshake";
                else if (!r.connect.is<uvpg::OperationalError>() || r.connect.is<uvpg::TimeoutError>())
                    why = "connect: " + r.connect.describe();
            } else if (!r.connected) {
                why = "connect failed after a whole handshake: " + r.connect.describe();
            } else if (!r.execute) {
                why = "execute succeeded on a truncated reply, " + std::to_string(r.rows) + " rows";
            } else if (!r.execute.is<uvpg::OperationalError>() || r.execute.is<uvpg::TimeoutError>()) {
                why = "execute: " + r.execute.describe();
            } else if (!r.closed_after) {
                why = "the connection is not closed after the loss";
            }
            if (r.ms > 3000) why += (why.empty() ? "" : "; ") + std::string("took ") + std::to_string(r.ms) + " ms";
            if (!why.empty()) bad_out.push_back("cut after " + std::to_string(n) + " bytes: " + why);
        }
    }(proxy, dsn, q, s, from, to, bad, runs, worst));
    proxy.set_cut_after(std::nullopt);
    std::string first;
    for (std::size_t i = 0; i < bad.size() && i < 8; ++i) first += "\n  " + bad[i];
    MESSAGE((runs - bad.size()), "/", runs, " cut points survived (bytes ", from, "..", (to - 1), " of ", s.total,
            ", handshake ", s.handshake, "), slowest run ", static_cast<int>(worst), " ms");
    CHECK_MESSAGE(bad.empty(), bad.size(), " cut points went wrong, the first:", first);
    CHECK(proxy.error() == "");
}

}  // namespace

TEST_SUITE("proxy") {
    TEST_CASE("the proxy itself: relays a session unchanged, counts both ways, passes on a clean close") {
        FaultProxy proxy(target_host(), target_port());
        uvpg::run([](FaultProxy& p) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(via(p));
            uvpg::Cursor cur = co_await conn.cursor();
            co_await cur.execute("SELECT 1, %s::text", {"relayed"});
            auto row = co_await cur.fetchone();
            REQUIRE(row);
            CHECK((*row)[1].as<std::string>() == "relayed");
            auto c = p.counters();
            CHECK(c.accepted == 1);
            CHECK(c.open == 1);
            CHECK(c.to_client > 0);
            CHECK(c.from_client == c.to_server);
            CHECK(c.from_server == c.to_client);
            // Terminate, FIN to the server, its FIN back: the relay ends by itself.
            conn.close();
            CHECK(co_await eventually([&] { return p.counters().open == 0; }));
        }(proxy));
        CHECK(proxy.error() == "");
    }

    TEST_CASE("one-byte chunks both ways: a whole session arrives intact and equal to an unchunked one") {
        FaultProxy proxy(target_host(), target_port());
        const double t0 = now_ms();
        auto whole = uvpg::run(full_session(via(proxy)));
        const double t1 = now_ms();
        proxy.set_chunk(1);
        const auto before = proxy.counters();
        auto chunked = uvpg::run(full_session(via(proxy)));
        const double t2 = now_ms();
        const auto after = proxy.counters();
        CHECK(chunked == whole);
        CHECK(chunked.size() == 14);
        // Sanity of the fault itself: the session moved well over 100 kB each way one byte at a time.
        CHECK(after.to_client - before.to_client > 100000);
        CHECK(after.to_server - before.to_server > 100000);
        MESSAGE("unchunked ", static_cast<int>(t1 - t0), " ms, one byte per write ", static_cast<int>(t2 - t1), " ms");
        CHECK(proxy.error() == "");
    }

    TEST_CASE("one-byte chunks both ways: SCRAM-SHA-256 and MD5 authentication") {
        if (!have_auth_roles()) UVPG_SKIP("the test server has no per-method roles (UVPG_TEST_AUTH != 1)");
        FaultProxy proxy(target_host(), target_port());
        proxy.set_chunk(1);
        CHECK(uvpg::run(current_user_via(via_user(proxy, "uvpg_scram", "scram_secret"))) == "uvpg_scram ok");
        CHECK(uvpg::run(current_user_via(via_user(proxy, "uvpg_md5", "md5_secret"))) == "uvpg_md5 ok");
        // A wrong password still fails as the server says, chunked.
        auto wrong = uvpg::run(attempt([&] { return current_user_via(via_user(proxy, "uvpg_scram", "nope")); }));
        CHECK_RAISED(wrong, uvpg::errors::InvalidPassword);
        CHECK(proxy.error() == "");
    }

    TEST_CASE("several queries pipelined on one connection through one-byte chunks are answered in order") {
        FaultProxy proxy(target_host(), target_port());
        proxy.set_chunk(1);
        uvpg::run([](FaultProxy& p) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(via(p));
            std::vector<uvpg::Task<std::string>> tasks;
            for (int i = 0; i < 20; ++i) tasks.push_back(ask(conn, i));
            auto got = co_await uvpg::gather(std::move(tasks));
            REQUIRE(got.size() == 20);
            for (int i = 0; i < 20; ++i) {
                CAPTURE(i);
                std::string want = i == 10 ? "error 22012" : std::to_string(i * 3) + " " + std::to_string(i * 10);
                CHECK(got[static_cast<std::size_t>(i)] == want);
            }
            CHECK_FALSE(conn.closed());
            CHECK(conn.transaction_status() == uvpg::TransactionStatus::idle);
        }(proxy));
        CHECK(proxy.error() == "");
    }

    TEST_CASE("the server's stream cut after every byte of the handshake and of a 3-row reply") {
        FaultProxy proxy(target_host(), target_port());
        // connect_timeout and timeout turn a hang into a TimeoutError, which the sweep reports.
        const std::string dsn = via(proxy, "connect_timeout=5 timeout=5");
        Sweep s = measure(proxy, dsn, SweepQuery::rows);
        REQUIRE(s.handshake > 0);
        REQUIRE(s.total > s.handshake);
        sweep(proxy, dsn, SweepQuery::rows, s, 0, s.total);
    }

    TEST_CASE("the stream cut inside a reply that holds a row and then an ERROR: still an OperationalError") {
        // psycopg2 raises OperationalError whenever the connection broke, whatever SQLSTATE the
        // server had sent before it did; cursor.hpp promises the same ("OperationalError when the
        // connection is lost"). Cuts after the ErrorResponse and before ReadyForQuery test it.
        FaultProxy proxy(target_host(), target_port());
        const std::string dsn = via(proxy, "connect_timeout=5 timeout=5");
        Sweep s = measure(proxy, dsn, SweepQuery::error);
        REQUIRE(s.total > s.handshake);
        sweep(proxy, dsn, SweepQuery::error, s, s.handshake, s.total);
    }

    namespace {
    uvpg::Task<Outcome> run_sql(uvpg::Connection& conn, std::string sql) {
        uvpg::Cursor cur = co_await conn.cursor();
        co_return co_await attempt([&] { return cur.execute(sql); });
    }
    }  // namespace

    TEST_CASE("a statement queued behind one whose ERROR came just before the loss fails with OperationalError") {
        // Two statements in flight; the stream is cut after the first one's ErrorResponse, before its
        // ReadyForQuery. The second one never ran: the other statement's division by zero is not its
        // error, the lost connection is.
        FaultProxy proxy(target_host(), target_port());
        uvpg::run([](FaultProxy& p) -> uvpg::Task<void> {
            auto base = p.counters().to_client;
            std::uint64_t handshake = 0, first_reply = 0;
            {
                uvpg::Connection conn = co_await uvpg::connect(via(p, "timeout=5"));
                handshake = p.counters().to_client - base;
                auto e = co_await run_sql(conn, "SELECT 1 / 0");
                CHECK_RAISED(e, uvpg::errors::DivisionByZero);
                first_reply = p.counters().to_client - base - handshake;
            }
            const std::uint64_t ready_for_query = 6;
            p.set_cut_after(handshake + first_reply - ready_for_query);
            uvpg::Connection conn = co_await uvpg::connect(via(p, "timeout=5"));
            auto [first, second] = co_await uvpg::gather(run_sql(conn, "SELECT 1 / 0"), run_sql(conn, "SELECT 2"));
            CHECK(conn.closed());
            CHECK_FALSE(second.is<uvpg::errors::DivisionByZero>());
            CHECK_RAISED(second, uvpg::OperationalError);
            CHECK_RAISED(first, uvpg::OperationalError);
            p.set_cut_after(std::nullopt);
        }(proxy));
        CHECK(proxy.error() == "");
    }

    TEST_CASE("the server's stream cut after every byte of a SCRAM-SHA-256 handshake") {
        if (!have_auth_roles()) UVPG_SKIP("the test server has no per-method roles (UVPG_TEST_AUTH != 1)");
        FaultProxy proxy(target_host(), target_port());
        const std::string dsn = via_user(proxy, "uvpg_scram", "scram_secret") + " connect_timeout=5 timeout=5";
        Sweep s = measure(proxy, dsn, SweepQuery::rows);
        REQUIRE(s.total > s.handshake);
        sweep(proxy, dsn, SweepQuery::rows, s, 0, s.handshake + 1);
    }

    TEST_CASE("black hole during connect: connect_timeout=2 ends it with a TimeoutError in about 2 s") {
        FaultProxy proxy(target_host(), target_port());
        proxy.black_hole();
        const double t0 = now_ms();
        auto f = uvpg::run(attempt([&] { return uvpg::connect(via(proxy, "connect_timeout=2")); }));
        const double elapsed = now_ms() - t0;
        CHECK_RAISED(f, uvpg::TimeoutError);
        CHECK_RAISED(f, uvpg::OperationalError);
        CHECK(elapsed >= 1900);
        CHECK(elapsed < 4000);
        // The proxy accepted and held the client's first bytes: a black hole, not a refusal.
        auto c = proxy.counters();
        CHECK(c.accepted == 1);
        CHECK(c.from_client > 0);
        CHECK(c.to_server == 0);
        CHECK(c.to_client == 0);
        MESSAGE("connect gave up after ", static_cast<int>(elapsed), " ms");
        CHECK(proxy.error() == "");
    }

    TEST_CASE("black hole during a query with timeout=0.5: TimeoutError, connection closed; close() does not wait") {
        FaultProxy proxy(target_host(), target_port());
        uvpg::run([](FaultProxy& p) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(via(p), {.timeout = 0.5});
            uvpg::Cursor cur = co_await conn.cursor();
            co_await cur.execute("SELECT 1");
            p.black_hole();
            const double t0 = now_ms();
            auto f = co_await attempt([&] { return cur.execute("SELECT %s::int", {2}); });
            const double elapsed = now_ms() - t0;
            CHECK_RAISED(f, uvpg::TimeoutError);
            CHECK(elapsed >= 450);
            CHECK(elapsed < 2000);
            CHECK(conn.closed());
            auto again = co_await attempt([&] { return cur.execute("SELECT 1"); });
            CHECK_RAISED(again, uvpg::InterfaceError);
            MESSAGE("the query timed out after ", static_cast<int>(elapsed), " ms");

            // A connection made before the black hole closes at once inside it (asyncpg's
            // test_connection_close_timeout asks for a bound; uvpg's close() is synchronous).
            p.restore();
            uvpg::Connection other = co_await uvpg::connect(via(p));
            uvpg::Cursor ocur = co_await other.cursor();
            co_await ocur.execute("SELECT 1");
            p.black_hole();
            const double t1 = now_ms();
            other.close();
            CHECK(other.closed());
            CHECK(now_ms() - t1 < 100);
            p.restore();
        }(proxy));
        CHECK(proxy.error() == "");
    }

    namespace {

    uvpg::Task<std::string> answer(uvpg::Cursor& cur, std::string sql, bool& done) {
        co_await cur.execute(sql);
        auto row = co_await cur.fetchone();
        done = true;
        co_return row ? (*row)["answer"].as<std::string>() : std::string("no row");
    }

    // Waits until the proxy holds `bytes` of the client's request, checks that it got nowhere,
    // keeps it a while longer, then lets it through.
    uvpg::Task<void> release_request(FaultProxy& p, std::uint64_t bytes, std::uint64_t to_server_before, bool& done) {
        CHECK(co_await eventually([&] { return p.counters().held_up() >= bytes; }));
        CHECK(p.counters().to_server == to_server_before);
        co_await sleep_ms(200);  // well inside timeout=5: the client waits quietly
        CHECK_FALSE(done);
        p.restore();
    }

    // Waits until the statement of backend `pid` blocks on the advisory lock that `admin` holds,
    // black-holes the proxy, lets the statement finish, waits until the proxy holds the whole
    // reply (`reply` bytes), checks the client still waits, then lets the reply through.
    uvpg::Task<void> release_reply(FaultProxy& p, uvpg::Cursor& admin, std::int32_t pid, std::uint64_t reply,
                                   bool& done) {
        bool blocked = false;
        for (int i = 0; i < 1000 && !blocked; ++i) {
            co_await admin.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", {pid});
            auto row = co_await admin.fetchone();
            blocked = row && (*row)[0].as<std::optional<bool>>().value_or(false);
            if (!blocked) co_await sleep_ms(5);
        }
        CHECK(blocked);
        p.black_hole();
        co_await admin.execute("SELECT pg_advisory_unlock(74001)");
        CHECK(co_await eventually([&] { return p.counters().held_down() >= reply; }));
        CHECK_FALSE(done);
        p.restore();
    }

    }  // namespace

    TEST_CASE("black hole, then restore before any timeout: held bytes arrive and the query completes normally") {
        FaultProxy proxy(target_host(), target_port());
        uvpg::run([](FaultProxy& p) -> uvpg::Task<void> {
            uvpg::Connection conn = co_await uvpg::connect(via(p), {.timeout = 5});
            uvpg::Cursor cur = co_await conn.cursor();

            // The request held on its way to the server.
            const std::string sql = "SELECT 41 + 1 AS answer";
            const std::uint64_t query_bytes = 1 + 4 + sql.size() + 1;  // Query: type, length, text, NUL
            p.black_hole();
            bool done = false;
            const std::uint64_t to_server = p.counters().to_server;
            auto [got, released] =
                co_await uvpg::gather(answer(cur, sql, done), release_request(p, query_bytes, to_server, done));
            (void)released;
            CHECK(got == "42");
            CHECK_FALSE(conn.closed());

            // The reply held on its way back: the statement waits on a lock until the proxy is a
            // black hole, so the server has the request and answers into it.
            uvpg::Connection admin = co_await uvpg::connect(dsn());
            uvpg::Cursor acur = co_await admin.cursor();
            co_await acur.execute("SELECT pg_advisory_lock(74001)");
            const auto before = p.counters().to_client;
            co_await cur.execute("SELECT pg_advisory_lock(74002), 43 AS answer");  // the same reply, measured
            const std::uint64_t reply = p.counters().to_client - before;
            co_await cur.execute("SELECT pg_advisory_unlock(74002)");
            done = false;
            auto [got2, released2] =
                co_await uvpg::gather(answer(cur, "SELECT pg_advisory_lock(74001), 43 AS answer", done),
                                      release_reply(p, acur, conn.backend_pid(), reply, done));
            (void)released2;
            CHECK(got2 == "43");
            CHECK_FALSE(conn.closed());
            co_await cur.execute("SELECT 7 AS answer");
            CHECK((*co_await cur.fetchone())[0].as<int>() == 7);
        }(proxy));
        CHECK(proxy.error() == "");
    }

    namespace {
    enum class Loss { rst, fin };
    const char* loss_name(Loss l) { return l == Loss::rst ? "RST" : "FIN"; }
    void lose_all(FaultProxy& p, Loss l) {
        if (l == Loss::rst) p.reset_all();
        else p.close_all();
    }
    }  // namespace

    TEST_CASE("RST and FIN of an idle connection: the next execute is an OperationalError, no SIGPIPE") {
        FaultProxy proxy(target_host(), target_port());
        uvpg::run([](FaultProxy& p) -> uvpg::Task<void> {
            for (Loss loss : {Loss::rst, Loss::fin}) {
                CAPTURE(loss_name(loss));
                // The loss is not seen yet when execute writes: the write or the read that follows fails.
                uvpg::Connection conn = co_await uvpg::connect(via(p, "timeout=5"));
                uvpg::Cursor cur = co_await conn.cursor();
                co_await cur.execute("SELECT 1");
                lose_all(p, loss);
                auto f = co_await attempt([&] { return cur.execute("SELECT %s::int", {2}); });
                CHECK_RAISED(f, uvpg::OperationalError);
                CHECK_FALSE(f.is<uvpg::TimeoutError>());
                CHECK(conn.closed());
                auto again = co_await attempt([&] { return cur.execute("SELECT 1"); });
                CHECK_RAISED(again, uvpg::InterfaceError);

                // The idle client notices by itself; a waiter on notifications learns it as an
                // OperationalError, and later calls are InterfaceErrors that say why (connection.hpp: every
                // method throws InterfaceError once the connection is closed).
                uvpg::Connection idle = co_await uvpg::connect(via(p, "timeout=5"));
                uvpg::Cursor icur = co_await idle.cursor();
                auto notifies = idle.notifies();
                lose_all(p, loss);
                auto w = co_await attempt([&] { return notifies.get(); });
                CHECK_RAISED(w, uvpg::OperationalError);
                CHECK(co_await eventually([&] { return idle.closed(); }));
                auto later = co_await attempt([&] { return icur.execute("SELECT 1"); });
                CHECK_RAISED(later, uvpg::InterfaceError);
                CHECK(later.describe().find("connection already closed (") != std::string::npos);
            }
        }(proxy));
        CHECK(proxy.error() == "");
    }

    namespace {
    // About 121 bytes a row on the wire: 100,000 rows are about 12 MB.
    uvpg::Task<Outcome> big_query(uvpg::Cursor& cur, int rows = 100000) {
        co_return co_await attempt([&] {
            return cur.execute("SELECT g, repeat('z', 100) FROM generate_series(1, " + std::to_string(rows) + ") g");
        });
    }

    // Resets every relay once the client has had `after` bytes of the result and delivery is
    // frozen. How far delivery runs on before the freeze depends on how fast the loop is (under
    // ASan on a loaded machine, about 9 MB was seen), so the result is made far larger than that.
    uvpg::Task<void> reset_mid_result(FaultProxy& p, std::uint64_t after) {
        CHECK(co_await eventually([&] { return p.counters().to_client >= after; }));
        p.black_hole();
        CHECK(p.counters().to_client < after + (32u << 20));  // of about 48 MB
        p.reset_all();
        p.restore();
    }
    }  // namespace

    TEST_CASE("RST or FIN in the middle of a 12 MB result: OperationalError, no partial success") {
        FaultProxy proxy(target_host(), target_port());
        uvpg::run([](FaultProxy& p) -> uvpg::Task<void> {
            for (CutMode mode : {CutMode::rst, CutMode::fin}) {
                CAPTURE(mode == CutMode::rst ? "cut with RST" : "cut with FIN");
                const auto base = p.counters().to_client;
                uvpg::Connection conn = co_await uvpg::connect(via(p), {.timeout = 10});
                const std::uint64_t handshake = p.counters().to_client - base;
                const std::uint64_t cut = handshake + (256u << 10);
                p.set_cut_after(cut, mode);
                uvpg::Cursor cur = co_await conn.cursor();
                const double t0 = now_ms();
                Outcome f = co_await big_query(cur);
                CHECK_RAISED(f, uvpg::OperationalError);
                CHECK_FALSE(f.is<uvpg::TimeoutError>());
                CHECK(now_ms() - t0 < 5000);
                CHECK(conn.closed());
                CHECK(p.counters().to_client - base == cut);
                p.set_cut_after(std::nullopt);
            }
            // reset_all() while the result streams.
            uvpg::Connection conn = co_await uvpg::connect(via(p), {.timeout = 10});
            uvpg::Cursor cur = co_await conn.cursor();
            const std::uint64_t after = p.counters().to_client + (64u << 10);
            auto [f, reset] = co_await uvpg::gather(big_query(cur, 400000), reset_mid_result(p, after));
            (void)reset;
            CHECK_RAISED(f, uvpg::OperationalError);
            CHECK_FALSE(f.is<uvpg::TimeoutError>());
            CHECK(conn.closed());
        }(proxy));
        CHECK(proxy.error() == "");
    }

}  // TEST_SUITE
