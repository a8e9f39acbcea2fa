// connect, authentication, connection state, cancel, notices and notifications against a
// real PostgreSQL started by scripts/test.sh.
#include "support.hpp"

#include <doctest/doctest.h>

#include <string>

#include <sys/stat.h>
#include <unistd.h>

using namespace uvpg_test;

namespace {

uvpg::Task<int> select_int(uvpg::Connection& conn, std::string sql) {
    auto cur = co_await conn.cursor();
    co_await cur.execute(sql);
    auto row = co_await cur.fetchone();
    co_return (*row)[0].as<int>();
}

// Waits until the backend `pid` is running a statement (polling the server's own view).
uvpg::Task<void> wait_until_active(std::int32_t pid) {
    for (int i = 0; i < 500; ++i) {
        auto state = co_await admin_scalar("SELECT state FROM pg_stat_activity WHERE pid = " + std::to_string(pid) +
                                           " AND wait_event = 'PgSleep'");
        if (state == "active") co_return;
        co_await sleep_ms(10);
    }
    FAIL("backend never became active");
}

std::string auth_dsn(const std::string& user, const std::string& password) {
    return "host=" + env("UVPG_TEST_HOST") + " port=" + env("UVPG_TEST_PORT") + " dbname=uvpg_test user=" + user +
           " password=" + password;
}

}  // namespace

TEST_CASE("connect with a DSN, and the connection's state") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn() + " password=not_used application_name=uvpg_tests");
        CHECK_FALSE(conn.closed());
        CHECK(conn.backend_pid() > 0);
        CHECK(conn.server_version() >= 150000);
        CHECK(conn.protocol_version() == 3);
        CHECK(conn.parameter_status("server_encoding") == "UTF8");
        CHECK(conn.parameter_status("application_name") == "uvpg_tests");
        CHECK_FALSE(conn.parameter_status("no_such_thing").has_value());
        CHECK(conn.transaction_status() == uvpg::TransactionStatus::idle);
        CHECK(conn.dsn().find("password=xxx") != std::string::npos);
        CHECK(conn.dsn().find("not_used") == std::string::npos);
        CHECK(co_await select_int(conn, "SELECT pg_backend_pid()") == conn.backend_pid());
        conn.close();
        CHECK(conn.closed());
    }());
}

TEST_CASE("connect with options as designated initialisers; they override the DSN") {
    std::string host = env("UVPG_TEST_HOST"), port = env("UVPG_TEST_PORT");
    uvpg::run([](std::string h, std::string p) -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect({.host = h, .port = p, .dbname = "uvpg_test", .user = "postgres"});
        CHECK(co_await select_int(conn, "SELECT 7") == 7);
        // Options override the DSN (psycopg2's rule).
        auto conn2 = co_await uvpg::connect("host=127.0.0.1 port=1 dbname=nope user=postgres",
                                            {.port = p, .dbname = "uvpg_test"});
        CHECK(co_await select_int(conn2, "SELECT 8") == 8);
    }(host, port));
}

TEST_CASE("connect through the unix socket") {
    std::string dir = env("UVPG_TEST_SOCKET_DIR");
    if (dir.empty()) UVPG_SKIP("no UVPG_TEST_SOCKET_DIR: an outside server (UVPG_TEST_DSN) may not share its socket");
    uvpg::run([](std::string d) -> uvpg::Task<void> {
        auto conn =
            co_await uvpg::connect("host=" + d + " port=" + env("UVPG_TEST_PORT") + " user=postgres dbname=uvpg_test");
        CHECK(co_await select_int(conn, "SELECT 11") == 11);
        auto addr = co_await admin_scalar("SELECT count(*) FROM pg_stat_activity WHERE client_addr IS NULL AND pid = " +
                                          std::to_string(conn.backend_pid()));
        CHECK(addr == "1");
    }(dir));
}

TEST_CASE("authentication: cleartext password, md5 and scram-sha-256") {
    if (!have_auth_roles()) UVPG_SKIP("the test server has no per-method roles (UVPG_TEST_AUTH != 1)");
    uvpg::run([]() -> uvpg::Task<void> {
        for (auto [user, pw] : {std::pair{"uvpg_password", "plain_secret"}, std::pair{"uvpg_md5", "md5_secret"},
                                std::pair{"uvpg_scram", "scram_secret"}}) {
            CAPTURE(user);
            auto conn = co_await uvpg::connect(auth_dsn(user, pw));
            auto cur = co_await conn.cursor();
            co_await cur.execute("SELECT current_user");
            auto row = co_await cur.fetchone();
            CHECK((*row)[0].as<std::string>() == user);
        }
    }());
}

TEST_CASE("a wrong password is an OperationalError carrying the server's message") {
    if (!have_auth_roles()) UVPG_SKIP("the test server has no per-method roles (UVPG_TEST_AUTH != 1)");
    uvpg::run([]() -> uvpg::Task<void> {
        for (auto user : {"uvpg_password", "uvpg_md5", "uvpg_scram"}) {
            CAPTURE(user);
            bool thrown = false;
            try {
                co_await uvpg::connect(auth_dsn(user, "wrong"));
            } catch (const uvpg::OperationalError& e) {
                thrown = true;
                CHECK(std::string(e.what()).find("password authentication failed for user") != std::string::npos);
                CHECK(e.pgcode() == "28P01");
                CHECK(dynamic_cast<const uvpg::errors::InvalidPassword*>(&e) != nullptr);
            }
            CHECK(thrown);
        }
        // No password at all for a role that needs one.
        CHECK_THROWS_AS(co_await uvpg::connect("host=" + env("UVPG_TEST_HOST") + " port=" + env("UVPG_TEST_PORT") +
                                               " dbname=uvpg_test user=uvpg_scram passfile=/nonexistent"),
                        uvpg::OperationalError);
    }());
}

TEST_CASE("a database that does not exist is an OperationalError") {
    uvpg::run([]() -> uvpg::Task<void> {
        try {
            co_await uvpg::connect(dsn_with("dbname=no_such_database"));
            FAIL("connected to a missing database");
        } catch (const uvpg::OperationalError& e) {
            CHECK(e.pgcode() == "3D000");
            CHECK(std::string(e.what()).find("no_such_database") != std::string::npos);
        }
    }());
}

TEST_CASE("nothing listening is an OperationalError at once") {
    uvpg::run([]() -> uvpg::Task<void> {
        // A port that was free a moment ago: bind, read the port, close.
        uv_tcp_t probe;
        uv_tcp_init(uv_default_loop(), &probe);
        sockaddr_in a{};
        uv_ip4_addr("127.0.0.1", 0, &a);
        uv_tcp_bind(&probe, reinterpret_cast<const sockaddr*>(&a), 0);
        sockaddr_storage got{};
        int len = sizeof got;
        uv_tcp_getsockname(&probe, reinterpret_cast<sockaddr*>(&got), &len);
        int port = ntohs(reinterpret_cast<sockaddr_in*>(&got)->sin_port);
        uv_close(reinterpret_cast<uv_handle_t*>(&probe), nullptr);
        co_await sleep_ms(1);
        try {
            co_await uvpg::connect("host=127.0.0.1 user=postgres connect_timeout=10 port=" + std::to_string(port));
            FAIL("connected to nothing");
        } catch (const uvpg::OperationalError& e) {
            CHECK(std::string(e.what()).find("failed: Connection refused\n") != std::string::npos);
        }
    }());
}

TEST_CASE("a black-holed address is an OperationalError within connect_timeout") {
    uvpg::run([]() -> uvpg::Task<void> {
        // A listener that never accepts and whose backlog is full stalls the handshake the way
        // a dropped route does; 10.255.255.1 is the classic unroutable address, used as well.
        for (std::string host : {"10.255.255.1"}) {
            double t0 = now_ms();
            CHECK_THROWS_AS(co_await uvpg::connect("host=" + host + " port=5432 user=u connect_timeout=2"),
                            uvpg::OperationalError);
            double elapsed = now_ms() - t0;
            CHECK(elapsed < 2000 + 1500);
        }
    }());
}

TEST_CASE("a server that accepts and never answers hits connect_timeout") {
    uv_tcp_t server;
    uv_tcp_init(uv_default_loop(), &server);
    sockaddr_in a{};
    uv_ip4_addr("127.0.0.1", 0, &a);
    uv_tcp_bind(&server, reinterpret_cast<const sockaddr*>(&a), 0);
    // Connections are left in the backlog, never accepted: the client's StartupMessage is
    // never answered.
    uv_listen(reinterpret_cast<uv_stream_t*>(&server), 8, [](uv_stream_t*, int) {});
    sockaddr_storage got{};
    int len = sizeof got;
    uv_tcp_getsockname(&server, reinterpret_cast<sockaddr*>(&got), &len);
    int port = ntohs(reinterpret_cast<sockaddr_in*>(&got)->sin_port);
    uvpg::run([](int p) -> uvpg::Task<void> {
        double t0 = now_ms();
        try {
            co_await uvpg::connect("host=127.0.0.1 user=u connect_timeout=1 port=" + std::to_string(p));
            FAIL("connected");
        } catch (const uvpg::OperationalError& e) {
            CHECK(std::string(e.what()).find("timeout expired") != std::string::npos);
        }
        double elapsed = now_ms() - t0;
        CHECK(elapsed >= 900);
        CHECK(elapsed < 3000);
    }(port));
    uv_close(reinterpret_cast<uv_handle_t*>(&server), nullptr);
    uv_run(uv_default_loop(), UV_RUN_NOWAIT);
}

TEST_CASE("a malformed DSN is a ProgrammingError naming the part, never the password") {
    uvpg::run([]() -> uvpg::Task<void> {
        for (std::string bad : {"host=localhost password=s3cret bogus=1", "host=localhost password=s3cret port",
                                "postgresql://u:s3cret@host:99999/db", "host='unterminated password=s3cret",
                                "postgresql://u:s3cret@host/db?x=%zz"}) {
            CAPTURE(bad);
            try {
                co_await uvpg::connect(bad);
                FAIL("accepted a bad DSN");
            } catch (const uvpg::ProgrammingError& e) {
                std::string msg = e.what();
                CHECK(msg.find("s3cret") == std::string::npos);
                CHECK_FALSE(msg.empty());
            }
        }
    }());
}

TEST_CASE("pg_terminate_backend mid-query: the execute throws OperationalError and the connection is closed") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto pid = conn.backend_pid();
        auto victim = [](uvpg::Connection& c) -> uvpg::Task<std::string> {
            auto cur = co_await c.cursor();
            try {
                co_await cur.execute("SELECT pg_sleep(60)");
            } catch (const uvpg::OperationalError& e) {
                co_return std::string("OperationalError:") + e.pgcode();
            } catch (const std::exception& e) {
                co_return std::string("other:") + e.what();
            }
            co_return "no error";
        };
        auto killer = [](std::int32_t p) -> uvpg::Task<void> {
            co_await wait_until_active(p);
            co_await admin_scalar("SELECT pg_terminate_backend(" + std::to_string(p) + ")");
        };
        auto [outcome, done] = co_await uvpg::gather(victim(conn), killer(pid));
        (void)done;
        CHECK(outcome == "OperationalError:57P01");
        CHECK(conn.closed());
        CHECK_THROWS_AS(co_await conn.cursor(), uvpg::InterfaceError);
    }());
}

TEST_CASE("cancel() makes the running statement fail with QueryCanceledError; the connection survives") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto victim = [](uvpg::Connection& c) -> uvpg::Task<bool> {
            auto cur = co_await c.cursor();
            try {
                co_await cur.execute("SELECT pg_sleep(60)");
            } catch (const uvpg::QueryCanceledError& e) {
                CHECK(e.pgcode() == "57014");
                co_return true;
            }
            co_return false;
        };
        auto canceller = [](uvpg::Connection& c) -> uvpg::Task<void> {
            co_await wait_until_active(c.backend_pid());
            co_await c.cancel();
        };
        auto [canceled, done] = co_await uvpg::gather(victim(conn), canceller(conn));
        (void)done;
        CHECK(canceled);
        CHECK_FALSE(conn.closed());
        CHECK(co_await select_int(conn, "SELECT 5") == 5);
    }());
}

TEST_CASE("use of a closed connection is an InterfaceError, and close() fails pending work") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        auto pending = [](uvpg::Cursor& c) -> uvpg::Task<bool> {
            try {
                co_await c.execute("SELECT pg_sleep(60)");
            } catch (const uvpg::InterfaceError&) {
                co_return true;
            }
            co_return false;
        };
        auto closer = [](uvpg::Connection& c) -> uvpg::Task<void> {
            co_await wait_until_active(c.backend_pid());
            c.close();
        };
        auto [failed, done] = co_await uvpg::gather(pending(cur), closer(conn));
        (void)done;
        CHECK(failed);
        CHECK(conn.closed());
        CHECK(cur.closed());
        CHECK_THROWS_AS(co_await conn.cursor(), uvpg::InterfaceError);
        CHECK_THROWS_AS(co_await cur.execute("SELECT 1"), uvpg::InterfaceError);
        CHECK_THROWS_AS(co_await cur.fetchone(), uvpg::InterfaceError);
        CHECK_THROWS_AS(conn.backend_pid(), uvpg::InterfaceError);
        CHECK_THROWS_AS(co_await conn.cancel(), uvpg::InterfaceError);
        conn.close();  // twice is harmless
    }());
}

TEST_CASE("notices are kept, the last 50") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        auto cur = co_await conn.cursor();
        co_await cur.execute("DO $$ BEGIN RAISE NOTICE 'hello %', 42; END $$");
        REQUIRE(conn.notices().size() == 1);
        CHECK(conn.notices().back() == "NOTICE:  hello 42\n");
        co_await cur.execute("DO $$ BEGIN FOR i IN 1..60 LOOP RAISE NOTICE 'n%', i; END LOOP; END $$");
        CHECK(conn.notices().size() == 50);
        CHECK(conn.notices().back() == "NOTICE:  n60\n");
    }());
}

TEST_CASE("LISTEN/NOTIFY: notifications are awaitable") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto listener = co_await uvpg::connect(dsn());
        auto lcur = co_await listener.cursor();
        co_await lcur.execute("LISTEN uvpg_chan");
        auto notifies = listener.notifies();
        CHECK(notifies.empty());
        auto waiter = [](uvpg::Connection::Notifies n) -> uvpg::Task<uvpg::Notify> { co_return co_await n.get(); };
        auto sender = []() -> uvpg::Task<void> { co_await admin_scalar("NOTIFY uvpg_chan, 'payload 1'"); };
        auto [got, done] = co_await uvpg::gather(waiter(notifies), sender());
        (void)done;
        CHECK(got.channel == "uvpg_chan");
        CHECK(got.payload == "payload 1");
        CHECK(got.pid != listener.backend_pid());
        // A notification to ourselves arrives with our own query's reply and is queued.
        co_await lcur.execute("NOTIFY uvpg_chan, 'self'");
        REQUIRE(notifies.size() == 1);
        auto n = notifies.get_nowait();
        REQUIRE(n);
        CHECK(n->payload == "self");
        CHECK(n->pid == listener.backend_pid());
        // After close, a waiter learns it instead of waiting forever.
        listener.close();
        CHECK_THROWS_AS(co_await notifies.get(), uvpg::Error);
    }());
}

TEST_CASE("several requests in flight on one connection are answered in order") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn());
        std::vector<uvpg::Task<int>> tasks;
        for (int i = 0; i < 20; ++i)
            tasks.push_back(select_int(conn, "SELECT " + std::to_string(i) + " + pg_backend_pid() * 0"));
        auto results = co_await uvpg::gather(std::move(tasks));
        for (int i = 0; i < 20; ++i) CHECK(results[static_cast<std::size_t>(i)] == i);
    }());
}

TEST_CASE("timeout: a statement past it is a TimeoutError and closes the connection, as aiopg") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn(), {.timeout = 0.3});
        auto cur = co_await conn.cursor();
        co_await cur.execute("SELECT pg_sleep(0.01)");  // within the limit
        double t0 = now_ms();
        try {
            co_await cur.execute("SELECT pg_sleep(30)");
            FAIL("no timeout");
        } catch (const uvpg::TimeoutError& e) {
            CHECK(dynamic_cast<const uvpg::OperationalError*>(&e));
        }
        double elapsed = now_ms() - t0;
        CHECK(elapsed >= 250);
        CHECK(elapsed < 5000);
        CHECK(conn.closed());
        CHECK_THROWS_AS(co_await cur.execute("SELECT 1"), uvpg::InterfaceError);
        // A fresh connection works.
        auto again = co_await uvpg::connect(dsn());
        CHECK(co_await select_int(again, "SELECT 1") == 1);
    }());
}

TEST_CASE("a message over max_message_size closes the connection with OperationalError") {
    uvpg::run([]() -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(dsn(), {.max_message_size = 4096});
        auto cur = co_await conn.cursor();
        co_await cur.execute("SELECT repeat('x', 3000)");  // under the cap
        CHECK((*co_await cur.fetchone())[0].as<std::string>().size() == 3000);
        try {
            co_await cur.execute("SELECT repeat('x', 10000)");
            FAIL("accepted an oversized message");
        } catch (const uvpg::OperationalError& e) {
            CHECK(std::string(e.what()).find("protocol violation") != std::string::npos);
        }
        CHECK(conn.closed());
        CHECK_THROWS_AS(co_await uvpg::connect(dsn(), {.max_message_size = 10}), uvpg::ProgrammingError);
    }());
}

TEST_CASE("IPv6, and a name that resolves to several addresses (tried in order)") {
    std::string port = env("UVPG_TEST_PORT");
    if (port.empty()) UVPG_SKIP("no UVPG_TEST_PORT: an outside server's addresses are unknown");
    uvpg::run([](std::string p) -> uvpg::Task<void> {
        // "localhost" resolves to ::1 and 127.0.0.1 on most systems: whichever answers first is
        // kept, a refused one is skipped.
        auto conn = co_await uvpg::connect("host=localhost user=postgres dbname=uvpg_test port=" + p);
        CHECK(co_await select_int(conn, "SELECT 1") == 1);
        if (env("UVPG_TEST_IPV6") == "1") {
            auto v6 = co_await uvpg::connect("host=::1 user=postgres dbname=uvpg_test port=" + p);
            auto cur = co_await v6.cursor();
            co_await cur.execute("SELECT family(inet_client_addr())");
            CHECK((*co_await cur.fetchone())[0].as<int>() == 6);
            auto uri = co_await uvpg::connect("postgresql://postgres@[::1]:" + p + "/uvpg_test");
            CHECK(co_await select_int(uri, "SELECT 2") == 2);
        }
    }(port));
}

TEST_CASE("the password from a passfile and from PGPASSWORD") {
    if (!have_auth_roles()) UVPG_SKIP("the test server has no per-method roles (UVPG_TEST_AUTH != 1)");
    char path[] = "/tmp/uvpg-pgpass-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    std::string line = "*:*:uvpg_test:uvpg_scram:scram_secret\n";
    REQUIRE(write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()));
    close(fd);
    chmod(path, 0600);
    std::string base =
        "host=" + env("UVPG_TEST_HOST") + " port=" + env("UVPG_TEST_PORT") + " dbname=uvpg_test user=uvpg_scram";
    uvpg::run([](std::string b, std::string file) -> uvpg::Task<void> {
        auto conn = co_await uvpg::connect(b + " passfile=" + file);
        CHECK(co_await select_int(conn, "SELECT 3") == 3);
        // A passfile others can read is ignored, as libpq does.
        chmod(file.c_str(), 0644);
        CHECK_THROWS_AS(co_await uvpg::connect(b + " passfile=" + file), uvpg::OperationalError);
        setenv("PGPASSWORD", "scram_secret", 1);
        auto conn2 = co_await uvpg::connect(b + " passfile=/nonexistent");
        unsetenv("PGPASSWORD");
        CHECK(co_await select_int(conn2, "SELECT 4") == 4);
    }(base, path));
    unlink(path);
}
