// Connection failures read word for word as libpq's (what psql prints after "psql: error: "),
// with the server's fields kept in diag(). The expected texts were taken from libpq 15's psql
// against this same test server (tests/pg_server.sh), with host and port put back in.
#include "support.hpp"

#include <doctest/doctest.h>

using namespace uvpg_test;

namespace {

// The exception `connect(dsn)` throws, as E (the test fails when it connects).
template <class E = uvpg::OperationalError>
E failure_of(const std::string& dsn) {
    std::optional<E> caught;
    uvpg::run([](std::string d, std::optional<E>& out) -> uvpg::Task<void> {
        try {
            auto conn = co_await uvpg::connect(d);
        } catch (const E& e) {
            out.emplace(e);
        }
    }(dsn, caught));
    REQUIRE_MESSAGE(caught.has_value(), "connected: " << dsn);
    return *caught;
}

std::string port() {
    const std::string p = env("UVPG_TEST_PORT");
    REQUIRE_MESSAGE(!p.empty(), "UVPG_TEST_PORT is not set: start the test server (tests/pg_server.sh)");
    return p;
}

// libpq's prefix for the test server over TCP.
std::string at_server() { return "connection to server at \"127.0.0.1\", port " + port() + " failed: "; }

std::string tcp(const std::string& extra) { return "host=127.0.0.1 port=" + port() + " " + extra; }

// A port on which nothing listens: bound a moment ago, then closed.
int free_port() {
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_tcp_t probe;
    uv_tcp_init(&loop, &probe);
    sockaddr_in a{};
    uv_ip4_addr("127.0.0.1", 0, &a);
    REQUIRE(uv_tcp_bind(&probe, reinterpret_cast<const sockaddr*>(&a), 0) == 0);
    sockaddr_storage got{};
    int len = sizeof got;
    uv_tcp_getsockname(&probe, reinterpret_cast<sockaddr*>(&got), &len);
    const int p = ntohs(reinterpret_cast<sockaddr_in*>(&got)->sin_port);
    uv_close(reinterpret_cast<uv_handle_t*>(&probe), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return p;
}

}  // namespace

TEST_CASE("a refused port: the system's words and libpq's hint") {
    const std::string p = std::to_string(free_port());
    auto e = failure_of("host=127.0.0.1 user=postgres connect_timeout=10 port=" + p);
    CHECK(std::string(e.what()) == "connection to server at \"127.0.0.1\", port " + p +
                                       " failed: Connection refused\n"
                                       "\tIs the server running on that host and accepting TCP/IP connections?\n");
    CHECK(e.pgcode().empty());
    // hostaddr is what libpq shows when it is given, whatever host says.
    auto h = failure_of("host=db.example hostaddr=127.0.0.1 user=postgres port=" + p);
    CHECK(std::string(h.what()).rfind(
              "connection to server at \"127.0.0.1\", port " + p + " failed: Connection refused\n", 0) == 0);
}

TEST_CASE("a unix socket that is not there: the path, the system's words and libpq's hint") {
    auto e = failure_of("host=/nonexistent port=5432 user=postgres");
    CHECK(std::string(e.what()) ==
          "connection to server on socket \"/nonexistent/.s.PGSQL.5432\" failed: No such file or directory\n"
          "\tIs the server running locally and accepting connections on that socket?\n");
}

TEST_CASE("a name that does not resolve: getaddrinfo's words, as libpq prints them") {
    auto e = failure_of("host=nosuchhost.invalid port=1 user=postgres");
    CHECK(std::string(e.what()) ==
          "could not translate host name \"nosuchhost.invalid\" to address: Name or service not known\n");
}

TEST_CASE("a wrong password: libpq's prefix before the server's FATAL, the server's fields in diag()") {
    REQUIRE(have_auth_roles());
    const std::string line = at_server() + "FATAL:  password authentication failed for user \"uvpg_scram\"\n";
    auto plain = failure_of<uvpg::errors::InvalidPassword>(
        tcp("user=uvpg_scram password=wrong dbname=uvpg_test sslmode=disable"));
    CHECK(std::string(plain.what()) == line);
    CHECK(plain.pgcode() == "28P01");
    CHECK(plain.diag().severity == "FATAL");
    CHECK(plain.diag().message_primary == "password authentication failed for user \"uvpg_scram\"");
    CHECK(plain.pgerror() == "FATAL:  password authentication failed for user \"uvpg_scram\"\n");
    // Under prefer (the default) libpq tries once over TLS and once in plain text (the login was
    // refused before AuthenticationOk), and says so: a line for each attempt.
    auto prefer = failure_of<uvpg::errors::InvalidPassword>(tcp("user=uvpg_scram password=wrong dbname=uvpg_test"));
    CHECK(std::string(prefer.what()) == line + line);
}

TEST_CASE("a missing database, a missing role: one attempt (refused after AuthenticationOk), libpq's text") {
    auto db = failure_of(tcp("user=postgres dbname=nosuchdb"));
    CHECK(std::string(db.what()) == at_server() + "FATAL:  database \"nosuchdb\" does not exist\n");
    CHECK(db.pgcode() == "3D000");
    CHECK(db.diag().message_primary == "database \"nosuchdb\" does not exist");
    auto role = failure_of<uvpg::errors::InvalidAuthorizationSpecification>(tcp("user=nosuchrole dbname=postgres"));
    CHECK(std::string(role.what()) == at_server() + "FATAL:  role \"nosuchrole\" does not exist\n");
    CHECK(role.pgcode() == "28000");
    // Over the unix socket, libpq names the socket.
    auto sock =
        failure_of("host=" + env("UVPG_TEST_SOCKET_DIR") + " port=" + port() + " user=nosuchrole dbname=postgres");
    CHECK(std::string(sock.what()) == "connection to server on socket \"" + env("UVPG_TEST_SOCKET_DIR") + "/.s.PGSQL." +
                                          port() + "\" failed: FATAL:  role \"nosuchrole\" does not exist\n");
}

TEST_CASE("too many connections for a role: libpq's text, TooManyConnections") {
    const std::string user = env("UVPG_TEST_LIMITED_USER");
    REQUIRE_MESSAGE(!user.empty(), "UVPG_TEST_LIMITED_USER is not set: tests/pg_server.sh creates the role");
    auto e = failure_of<uvpg::errors::TooManyConnections>(tcp("user=" + user + " dbname=postgres"));
    CHECK(std::string(e.what()) == at_server() + "FATAL:  too many connections for role \"" + user + "\"\n");
    CHECK(e.pgcode() == "53300");
}
