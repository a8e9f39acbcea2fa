// A TCP fault proxy for the tests that put a real PostgreSQL behind a broken network: it
// listens on 127.0.0.1 (a port the kernel picks), relays every accepted client to the target
// server, and breaks the relay on request from the test thread.
//
//   FaultProxy proxy(env("UVPG_TEST_HOST"), port);
//   proxy.set_chunk(1);                       // every write carries one byte, both ways
//   ... connect to 127.0.0.1:proxy.port() ...
//   proxy.black_hole(); ... proxy.restore();  // stall both ways, then deliver what was held
//
// It runs in its own thread around poll(), with non-blocking sockets so that one stalled peer
// never stops the others, and owns every socket it opens: controls that close sockets are done
// by that thread and wait (bounded) until it has. The library under test keeps the libuv loop of
// the main thread to itself. No call here waits longer than a few seconds, and the destructor
// closes everything and joins.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

namespace uvpg_test {

// Bytes seen by the proxy since it started, over every connection.
struct ProxyCounters {
    std::uint64_t accepted = 0;                                        // client connections accepted
    std::uint64_t open = 0;                                            // relays not yet closed
    std::uint64_t from_client = 0;                                     // read from clients
    std::uint64_t to_server = 0;                                       // written to the server
    std::uint64_t from_server = 0;                                     // read from the server
    std::uint64_t to_client = 0;                                       // written to clients
    std::uint64_t held_up() const { return from_client - to_server; }  // read, not yet delivered
    std::uint64_t held_down() const { return from_server - to_client; }
};

// How a cut ends the relay.
enum class CutMode { fin, rst };

class FaultProxy {
public:
    // `host` is a name or address of the target, resolved once, here.
    FaultProxy(const std::string& host, std::uint16_t port);
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    std::uint16_t port() const { return port_; }

    // At most `max_bytes` per write in both directions; 0 = as much as the peer takes.
    void set_chunk(std::size_t max_bytes);
    // Every relay, the ones open and the ones to come, delivers at most `n` bytes of the server's
    // stream to its client (counted from that relay's start), then closes both of its sockets:
    // with FIN, or with RST. nullopt = no cut.
    void set_cut_after(std::optional<std::uint64_t> n, CutMode mode = CutMode::fin);
    // Stops forwarding both ways. Sockets stay open and what arrives is held (up to a cap, then
    // the proxy stops reading, as a full TCP window would); nobody sees a FIN or RST. Once this
    // returns, not one more byte is delivered.
    void black_hole();
    // Forwarding resumes; the held bytes go first, in order.
    void restore();
    // RST (SO_LINGER 0) on both sockets of every open relay; returns once done.
    void reset_all();
    // FIN on both sockets of every open relay (after dropping what the client sent and nobody
    // will read, so that the kernel does not turn the close into an RST); returns once done.
    void close_all();

    // A snapshot; tests wait on it by polling from their own loop, which must keep running.
    ProxyCounters counters() const;
    // "" unless the proxy itself failed (poll, accept, a socket it could not make).
    std::string error() const;

private:
    struct Relay;
    enum class Command { reset_all, close_all };

    void run();
    void run_command(Command c);
    void accept_clients();
    void service(Relay& r, short client_events, short server_events);
    void finish(Relay& r, bool rst);
    void fail(const std::string& what);
    void wake();

    sockaddr_storage target_{};
    socklen_t target_len_ = 0;
    int listen_fd_ = -1;
    int wake_rd_ = -1, wake_wr_ = -1;
    std::uint16_t port_ = 0;

    // Everything below, and every Relay, is guarded by mutex_. The proxy thread holds it from the
    // end of one poll() to the start of the next, so a control call that returns has been seen
    // by every later relay decision.
    mutable std::mutex mutex_;
    std::condition_variable changed_;  // a command was done, or the thread ended
    std::size_t chunk_ = 0;
    std::optional<std::uint64_t> cut_;
    CutMode cut_mode_ = CutMode::fin;
    bool black_hole_ = false;
    std::vector<Command> commands_;
    std::uint64_t commands_posted_ = 0, commands_done_ = 0;
    ProxyCounters counters_;
    std::vector<std::unique_ptr<Relay>> relays_;
    std::string error_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace uvpg_test
