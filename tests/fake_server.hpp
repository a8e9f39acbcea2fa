// A scripted fake PostgreSQL server on 127.0.0.1, for the tests that need a server to misbehave
// on purpose (a real one will not). It runs in its own thread with blocking POSIX sockets, so
// the library under test keeps the libuv loop of the main thread to itself.
//
//   FakeServer srv({trust_handshake(), expect('Q'), send(bytes), close()});
//   uvpg::run(client(srv.port()));
//   CHECK(srv.error() == "");
//
// Every blocking step has a timeout, so a client that never answers makes the script fail (and
// close its socket, which unblocks the client) instead of hanging the test run.
#pragma once
#include "proto/backend.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace uvpg_test {

using WireBytes = uvpg::proto::Bytes;

// One frontend message as the server read it. type is 0 for the untyped StartupMessage.
struct FrontendMessage {
    char type = 0;
    WireBytes body;
    std::string_view text() const { return {reinterpret_cast<const char*>(body.data()), body.size()}; }
};

// What the server saw on one connection.
struct ConnectionLog {
    std::map<std::string, std::string> startup;  // StartupMessage parameters
    int ssl_requests = 0;                        // SSLRequest / GSSENCRequest answered 'N'
    std::vector<FrontendMessage> messages;       // every typed message read, in order
    bool client_closed = false;                  // EOF (or RST) seen from the client
};

// Thrown inside a step to fail the script; the message becomes FakeServer::error().
struct ScriptError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The server side of one accepted connection, handed to every step.
class Session {
public:
    Session(int fd, const std::atomic<bool>& stop, std::chrono::milliseconds timeout, ConnectionLog& log,
            std::mutex& log_mutex);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Reads the StartupMessage (answering any SSLRequest or GSSENCRequest with 'N' first, as a
    // server without TLS does), checks protocol 3.0 and returns its parameters.
    std::map<std::string, std::string> read_startup();
    // Reads one typed message and fails the script unless its type is `type` (0 = any type).
    FrontendMessage read_message(char type = 0);
    void send(const WireBytes& bytes);
    void send(std::string_view raw);
    // FIN: no more bytes from the server; the socket stays open for reading.
    void fin();
    // Reads (and logs) until the client closes. Fails the script after the timeout, or, when
    // `stoppable`, returns quietly once the test has asked the server to stop.
    void wait_eof(bool stoppable);
    // RST: SO_LINGER 0 then close.
    void reset();
    bool open() const { return fd_ >= 0; }

private:
    // Fills `n` bytes or throws ScriptError naming `what`; gives up on stop when `stoppable`.
    void read_exact(void* p, std::size_t n, const std::string& what);
    void close_fd();
    void log_messages(const WireBytes& bytes);

    int fd_;
    const std::atomic<bool>& stop_;
    std::chrono::milliseconds timeout_;
    ConnectionLog& log_;
    std::mutex& log_mutex_;
    WireBytes tail_;  // bytes read by wait_eof that do not yet form a whole message
};

using Step = std::function<void(Session&)>;
using Script = std::vector<Step>;

// Step factories.
Step expect_startup();
// Reads one message of `type`; `check` may inspect it and throw ScriptError.
Step expect(char type, std::function<void(const FrontendMessage&)> check = {});
Step send(WireBytes bytes);
Step send(const uvpg::proto::BackendMessage& msg);  // encoded at once: views need not outlive the call
Step send_raw(std::string raw);
Step fin();         // FIN only
Step wait_close();  // read until the client closes
Step close();       // FIN, then wait until the client closes: a clean FIN, never an RST
Step reset();       // RST
Step hold();        // never answer: read and drop until the client closes or the test stops
// Runs `f` (for steps that compute what to send from what the client sent).
Step call(std::function<void(Session&)> f);

// Bytes of common messages.
WireBytes msg(const uvpg::proto::BackendMessage& m);
// A message with an arbitrary declared length and body, for framing faults.
WireBytes raw_message(char type, std::int32_t declared_length, std::string_view body = {});
WireBytes error_response(std::string_view severity, std::string_view sqlstate, std::string_view message,
                         char type = 'E');
WireBytes row_description(const std::vector<std::string>& names, std::uint32_t type_oid = 25);
WireBytes data_row(const std::vector<std::optional<std::string>>& values);
WireBytes command_complete(std::string_view tag);
WireBytes ready_for_query(char status = 'I');
// What a server sends after authentication: ParameterStatus server_version=15.0,
// server_encoding=UTF8, client_encoding=UTF8, BackendKeyData, ReadyForQuery 'I'.
WireBytes after_auth();
// AuthenticationOk then after_auth().
WireBytes trust_reply();
// expect_startup() then trust_reply(): the usual happy path.
Step trust_handshake();
WireBytes operator+(WireBytes a, const WireBytes& b);

// The server half of SCRAM-SHA-256, with the faults a test asks for.
struct Scram {
    std::string password = "secret";
    enum class Nonce { extend, foreign, same } nonce = Nonce::extend;  // server nonce vs the client's
    std::string iterations = "4096";
    // The client is expected to answer server-first with its client-final; false for variants
    // it must refuse (it then closes instead).
    bool expect_client_final = true;
    enum class Final { good, bad_signature, server_error, ok_instead_of_final } final = Final::good;
};
// AuthenticationSASL, the client's SASLInitialResponse, server-first, and (when the client
// goes on) its SASLResponse, whose proof is verified, then the chosen server-final.
Step scram(Scram s);

// Outside FakeServer: a nested class with member initialisers cannot be a default argument there.
struct FakeServerOptions {
    std::chrono::milliseconds timeout{10000};  // every blocking step
};

class FakeServer {
public:
    using Options = FakeServerOptions;
    // One script for one connection, or one script per connection, accepted in order.
    explicit FakeServer(Script script);
    FakeServer(Script script, Options options);
    explicit FakeServer(std::vector<Script> scripts, Options options = {});
    ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    std::uint16_t port() const { return port_; }
    // Stops the steps that wait for the test (hold, the implicit hold at the end of a script)
    // and joins the thread. Called by every accessor below, so read them after the client is done.
    void finish();
    // "" when every script ran to its end; else what went wrong, naming connection and step.
    std::string error();
    ConnectionLog log(std::size_t connection = 0);

private:
    void run();
    void fail(const std::string& what);

    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    Options options_;
    std::vector<Script> scripts_;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::vector<ConnectionLog> logs_;
    std::string error_;
    std::thread thread_;
};

}  // namespace uvpg_test
