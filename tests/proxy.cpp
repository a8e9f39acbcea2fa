#include "proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace uvpg_test {

namespace {

// Past this much held in one direction the proxy stops reading that side, as a closed TCP
// window would; a peer then blocks in its own send buffer instead of the proxy growing forever.
constexpr std::size_t kHoldCap = 8u << 20;
constexpr std::size_t kReadSize = 64u << 10;
// poll() wakes at least this often, so a lost wake-up can delay the proxy but never stop it.
constexpr int kPollMs = 100;
// How long a control call waits for the proxy thread; past it the test fails instead of hanging.
constexpr std::chrono::seconds kCommandWait{5};

std::string errno_text(const std::string& what, int e) { return what + ": " + std::strerror(e); }

void set_nodelay(int fd) {
    // Without it, Nagle plus delayed ACKs turn one-byte chunks into 40 ms stalls.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool would_block(int e) { return e == EAGAIN || e == EWOULDBLOCK || e == EINTR; }

}  // namespace

// One direction of a relay: bytes read from one socket, waiting to be written to the other.
struct Flow {
    std::vector<std::uint8_t> buf;
    std::size_t off = 0;   // buf[off..] is still to be written
    bool eof = false;      // the source sent FIN
    bool shut = false;     // that FIN was passed on
    bool src_hup = false;  // the source reported POLLHUP after its EOF: stop polling it for input
    std::uint64_t delivered = 0;
    std::size_t pending() const { return buf.size() - off; }
    bool can_read() const { return !eof && pending() < kHoldCap; }
    void consumed(std::size_t n) {
        off += n;
        delivered += n;
        if (off == buf.size()) {
            buf.clear();
            off = 0;
        } else if (off > (1u << 20) && off * 2 > buf.size()) {
            buf.erase(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(off));
            off = 0;
        }
    }
};

struct FaultProxy::Relay {
    int client = -1;
    int server = -1;
    bool connecting = true;  // the connect to the server has not completed yet
    bool dead = false;
    Flow up;    // client -> server
    Flow down;  // server -> client
};

FaultProxy::FaultProxy(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = AF_UNSPEC;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0 || !res)
        throw std::runtime_error("proxy: cannot resolve target " + host + ": " + ::gai_strerror(rc));
    std::memcpy(&target_, res->ai_addr, res->ai_addrlen);
    target_len_ = res->ai_addrlen;
    ::freeaddrinfo(res);

    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error(errno_text("proxy: socket", errno));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 128) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        int e = errno;
        ::close(listen_fd_);
        throw std::runtime_error(errno_text("proxy: listen on 127.0.0.1", e));
    }
    port_ = ntohs(a.sin_port);
    int p[2];
    if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) {
        int e = errno;
        ::close(listen_fd_);
        throw std::runtime_error(errno_text("proxy: pipe", e));
    }
    wake_rd_ = p[0];
    wake_wr_ = p[1];
    thread_ = std::thread([this] { run(); });
}

FaultProxy::~FaultProxy() {
    {
        std::lock_guard lk(mutex_);
        stop_ = true;
    }
    wake();
    if (thread_.joinable()) thread_.join();
    // The thread is gone: what it left open is ours now.
    for (auto& r : relays_) finish(*r, false);
    relays_.clear();
    ::close(listen_fd_);
    ::close(wake_rd_);
    ::close(wake_wr_);
}

void FaultProxy::wake() {
    const char b = 1;
    // A full pipe already holds a wake-up; poll's own timeout covers any other loss.
    [[maybe_unused]] auto n = ::write(wake_wr_, &b, 1);
}

void FaultProxy::set_chunk(std::size_t max_bytes) {
    {
        std::lock_guard lk(mutex_);
        chunk_ = max_bytes;
    }
    wake();
}

void FaultProxy::set_cut_after(std::optional<std::uint64_t> n, CutMode mode) {
    {
        std::lock_guard lk(mutex_);
        cut_ = n;
        cut_mode_ = mode;
    }
    wake();
}

void FaultProxy::black_hole() {
    std::lock_guard lk(mutex_);
    black_hole_ = true;  // no wake-up needed: nothing is written while this holds
}

void FaultProxy::restore() {
    {
        std::lock_guard lk(mutex_);
        black_hole_ = false;
    }
    wake();
}

void FaultProxy::reset_all() { run_command(Command::reset_all); }
void FaultProxy::close_all() { run_command(Command::close_all); }

void FaultProxy::run_command(Command c) {
    std::unique_lock lk(mutex_);
    if (stop_) throw std::runtime_error("proxy: stopped");
    commands_.push_back(c);
    const std::uint64_t id = ++commands_posted_;
    lk.unlock();
    wake();
    lk.lock();
    if (!changed_.wait_for(lk, kCommandWait, [&] { return commands_done_ >= id || stop_; }))
        throw std::runtime_error("proxy: the relay thread did not carry out a command within 5 s" +
                                 (error_.empty() ? std::string() : " (" + error_ + ")"));
}

ProxyCounters FaultProxy::counters() const {
    std::lock_guard lk(mutex_);
    return counters_;
}

std::string FaultProxy::error() const {
    std::lock_guard lk(mutex_);
    return error_;
}

void FaultProxy::fail(const std::string& what) {
    if (error_.empty()) error_ = what;
}

void FaultProxy::finish(Relay& r, bool rst) {
    if (r.dead) return;
    r.dead = true;
    for (int* fd : {&r.client, &r.server}) {
        if (*fd < 0) continue;
        if (rst) {
            linger l{1, 0};
            ::setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        } else {
            // Unread input makes close() send RST instead of FIN: drop it first (bounded, the
            // socket is non-blocking and a peer can refill it only so fast).
            std::uint8_t scratch[4096];
            for (int i = 0; i < 256 && ::recv(*fd, scratch, sizeof scratch, 0) > 0; ++i) {
            }
        }
        ::close(*fd);
        *fd = -1;
    }
    --counters_.open;
}

void FaultProxy::accept_clients() {
    for (;;) {
        int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) {
            if (!would_block(errno) && errno != ECONNABORTED) fail(errno_text("proxy: accept", errno));
            return;
        }
        set_nodelay(c);
        auto r = std::make_unique<Relay>();
        r->client = c;
        ++counters_.accepted;
        ++counters_.open;
        r->server = ::socket(target_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (r->server < 0) {
            fail(errno_text("proxy: socket", errno));
            finish(*r, false);
            continue;
        }
        set_nodelay(r->server);
        if (::connect(r->server, reinterpret_cast<const sockaddr*>(&target_), target_len_) != 0 &&
            errno != EINPROGRESS) {
            finish(*r, false);  // the target refused: the client sees the connection end
            continue;
        }
        relays_.push_back(std::move(r));
    }
}

namespace {

// Reads what `from` has into `f`. False when the relay must end with RST (a read error).
bool read_into(int from, Flow& f, std::uint64_t& counter) {
    if (!f.can_read()) return true;
    const std::size_t room = std::min(kReadSize, kHoldCap - f.pending());
    const std::size_t old = f.buf.size();
    f.buf.resize(old + room);
    ssize_t n = ::recv(from, f.buf.data() + old, room, 0);
    f.buf.resize(old + (n > 0 ? static_cast<std::size_t>(n) : 0));
    if (n > 0) {
        counter += static_cast<std::uint64_t>(n);
        return true;
    }
    if (n == 0) {
        f.eof = true;
        return true;
    }
    return would_block(errno);
}

// Writes at most `limit` held bytes of `f` to `to`. False on a write error.
bool write_from(int to, Flow& f, std::size_t limit, std::uint64_t& counter) {
    const std::size_t n = std::min(f.pending(), limit);
    if (n == 0) return true;
    ssize_t w = ::send(to, f.buf.data() + f.off, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
        f.consumed(static_cast<std::size_t>(w));
        counter += static_cast<std::uint64_t>(w);
        return true;
    }
    return w == 0 || would_block(errno);
}

}  // namespace

void FaultProxy::service(Relay& r, short ce, short se) {
    if (r.dead) return;
    if (r.connecting && (se & (POLLOUT | POLLERR | POLLHUP))) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(r.server, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) return finish(r, false);
        r.connecting = false;
        se &= static_cast<short>(~POLLOUT);  // that was the connect completing, not room to write
    }
    const short in = POLLIN | POLLHUP | POLLERR;
    if ((ce & in) && r.up.can_read() && !read_into(r.client, r.up, counters_.from_client)) return finish(r, true);
    if (!r.connecting && (se & in) && r.down.can_read() && !read_into(r.server, r.down, counters_.from_server))
        return finish(r, true);
    // A hang-up on a side that has nothing left to read: stop polling it, or poll() would
    // report it on every round; one that still has input the proxy cannot take is given up.
    for (auto [ev, flow] : {std::pair{ce, &r.up}, std::pair{se, &r.down}}) {
        if (!(ev & (POLLHUP | POLLERR)) || flow->can_read()) continue;
        if (!flow->eof || (ev & POLLERR)) return finish(r, true);
        flow->src_hup = true;
    }
    if (black_hole_) return;
    const std::size_t chunk = chunk_ ? chunk_ : SIZE_MAX;
    if (!r.connecting && (se & POLLOUT) && !write_from(r.server, r.up, chunk, counters_.to_server))
        return finish(r, true);
    std::size_t down_limit = chunk;
    if (cut_)
        down_limit =
            static_cast<std::size_t>(std::min<std::uint64_t>(down_limit, *cut_ - std::min(*cut_, r.down.delivered)));
    if ((ce & POLLOUT) && !write_from(r.client, r.down, down_limit, counters_.to_client)) return finish(r, true);
}

void FaultProxy::run() {
    std::unique_lock lk(mutex_);
    std::vector<pollfd> fds;
    std::vector<Relay*> polled;
    while (!stop_) {
        fds.assign({pollfd{wake_rd_, POLLIN, 0}, pollfd{listen_fd_, POLLIN, 0}});
        polled.clear();
        for (auto& rp : relays_) {
            Relay& r = *rp;
            const bool flowing = !black_hole_;
            const bool cut_reached = cut_ && r.down.delivered >= *cut_;
            short ce = 0, se = 0;
            if (r.up.can_read() && !r.up.src_hup) ce |= POLLIN;
            if (flowing && r.down.pending() && !cut_reached) ce |= POLLOUT;
            if (r.connecting) {
                se = POLLOUT;
            } else {
                if (r.down.can_read() && !r.down.src_hup) se |= POLLIN;
                if (flowing && r.up.pending()) se |= POLLOUT;
            }
            // A descriptor that waits for nothing and has hung up would wake poll() at once, forever.
            fds.push_back(pollfd{(r.up.src_hup && !ce) ? -1 : r.client, ce, 0});
            fds.push_back(pollfd{(r.down.src_hup && !se) ? -1 : r.server, se, 0});
            polled.push_back(&r);
        }
        lk.unlock();
        int rc = ::poll(fds.data(), fds.size(), kPollMs);
        const int poll_errno = errno;
        lk.lock();
        if (stop_) break;
        if (rc < 0) {
            if (poll_errno == EINTR) continue;
            fail(errno_text("proxy: poll", poll_errno));
            break;
        }
        if (fds[0].revents) {
            char scratch[64];
            while (::read(wake_rd_, scratch, sizeof scratch) > 0) {
            }
        }
        // Commands first: a relay they close must not be serviced from a stale poll result.
        for (Command c : commands_)
            for (auto& r : relays_) finish(*r, c == Command::reset_all);
        commands_done_ += commands_.size();
        commands_.clear();
        if (fds[1].revents) accept_clients();
        for (std::size_t i = 0; i < polled.size(); ++i)
            service(*polled[i], fds[2 + 2 * i].revents, fds[3 + 2 * i].revents);
        // Decisions that need no event: cuts (also at 0 bytes, right after accept) and passing on FINs.
        for (auto& rp : relays_) {
            Relay& r = *rp;
            if (r.dead) continue;
            if (cut_ && r.down.delivered >= *cut_) {
                finish(r, cut_mode_ == CutMode::rst);
                continue;
            }
            if (black_hole_ || r.connecting) continue;
            if (r.up.eof && !r.up.pending() && !r.up.shut) {
                ::shutdown(r.server, SHUT_WR);
                r.up.shut = true;
            }
            if (r.down.eof && !r.down.pending() && !r.down.shut) {
                ::shutdown(r.client, SHUT_WR);
                r.down.shut = true;
            }
            if (r.up.shut && r.down.shut) finish(r, false);
        }
        std::erase_if(relays_, [](const std::unique_ptr<Relay>& r) { return r->dead; });
        changed_.notify_all();
    }
    stop_ = true;
    changed_.notify_all();
}

}  // namespace uvpg_test
