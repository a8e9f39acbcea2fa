#include "lib/net/uv_handles.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cmath>
#include <cstring>

#include <csignal>
#include <memory>
#include <utility>

namespace uvpg::detail {

namespace {
// A write to a peer that has gone sends SIGPIPE, which kills the process by default. libuv
// does not guard against it, so, like libpq, we make sure it cannot end the application; an
// application that installed its own handler keeps it.
void ignore_sigpipe_once() {
    static const bool done = [] {
        struct sigaction old {};
        if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) std::signal(SIGPIPE, SIG_IGN);
        return true;
    }();
    (void)done;
}
}  // namespace

Socket* Socket::tcp(uv_loop_t* loop, SocketOwner* owner) {
    ignore_sigpipe_once();
    auto* s = new Socket(owner);
    uv_tcp_init(loop, &s->h_.tcp);
    s->init_handles(loop);
    uv_tcp_nodelay(&s->h_.tcp, 1);
    return s;
}

Socket* Socket::pipe(uv_loop_t* loop, SocketOwner* owner) {
    ignore_sigpipe_once();
    auto* s = new Socket(owner);
    uv_pipe_init(loop, &s->h_.pipe, 0);
    s->init_handles(loop);
    return s;
}

void Socket::init_handles(uv_loop_t* loop) {
    h_.handle.data = this;
    uv_prepare_init(loop, &prepare_);
    prepare_.data = this;
    uv_timer_init(loop, &low_water_timer_);
    low_water_timer_.data = this;
}

int Socket::connect(const sockaddr* addr) {
    connect_req_.data = this;
    return uv_tcp_connect(&connect_req_, &h_.tcp, addr, on_connect_cb);
}

void Socket::connect(const std::string& path) {
    connect_req_.data = this;
    uv_pipe_connect(&connect_req_, &h_.pipe, path.c_str(), on_connect_cb);
}

void Socket::on_connect_cb(uv_connect_t* req, int status) {
    auto* s = static_cast<Socket*>(req->data);
    if (s->owner_) s->owner_->on_connected(status);
}

int Socket::start_read() { return uv_read_start(&h_.stream, on_alloc_cb, on_read_cb); }

void Socket::stop_read() {
    if (!closing_) uv_read_stop(&h_.stream);
}

void Socket::on_alloc_cb(uv_handle_t* h, std::size_t suggested, uv_buf_t* buf) {
    auto* s = static_cast<Socket*>(h->data);
    if (s->owner_) {
        s->owner_->on_alloc(suggested, buf);
    } else {
        *buf = uv_buf_init(nullptr, 0);  // libuv reports UV_ENOBUFS; we are closing anyway
    }
}

void Socket::on_read_cb(uv_stream_t* st, ssize_t nread, const uv_buf_t* buf) {
    auto* s = static_cast<Socket*>(st->data);
    if (s->owner_ && !s->closing_) s->owner_->on_read(nread, buf);
}

int Socket::write(std::vector<std::uint8_t>& data) {
    // Try the write at once: a request usually fits in the socket buffer, and then no write
    // request, no callback and no epoll re-arm is needed (uv_write would re-arm the watcher).
    uv_buf_t b = uv_buf_init(reinterpret_cast<char*>(data.data()), static_cast<unsigned>(data.size()));
    int n = uv_try_write(&h_.stream, &b, 1);
    if (n == static_cast<int>(data.size())) {
        data.clear();
        return 0;
    }
    if (n < 0 && n != UV_EAGAIN) return n;
    std::size_t done = n > 0 ? static_cast<std::size_t>(n) : 0;
    out_.assign(data.begin() + static_cast<std::ptrdiff_t>(done), data.end());
    data.clear();
    b = uv_buf_init(reinterpret_cast<char*>(out_.data()), static_cast<unsigned>(out_.size()));
    write_req_.data = this;
    int rc = uv_write(&write_req_, &h_.stream, &b, 1, on_write_cb);
    if (rc == 0) writing_ = true;
    return rc;
}

void Socket::on_write_cb(uv_write_t* req, int status) {
    auto* s = static_cast<Socket*>(req->data);
    s->writing_ = false;
    if (s->close_after_write_) {
        s->close();
        return;
    }
    if (s->owner_ && !s->closing_) s->owner_->on_written(status);
}

void Socket::cork() {
    if (corked_ || closing_) return;
    corked_ = true;
    uv_prepare_start(&prepare_, on_prepare_cb);
}

void Socket::on_prepare_cb(uv_prepare_t* p) {
    auto* s = static_cast<Socket*>(p->data);
    uv_prepare_stop(p);
    s->corked_ = false;
    if (s->owner_ && !s->closing_) s->owner_->on_uncork();
}

void Socket::low_water(bool on) {
    if (closing_) return;
    if (!on) {
        if (!low_water_) return;
        uv_timer_stop(&low_water_timer_);
        set_low_water(1);
        return;
    }
    if (!low_water_) {
        set_low_water(kLowWater);
        ++low_water_turns_;
    }
    uv_timer_start(&low_water_timer_, on_low_water_cb, 1, 0);
}

void Socket::on_low_water_cb(uv_timer_t* t) {
    auto* s = static_cast<Socket*>(t->data);
    if (!s->closing_) s->set_low_water(1);
}

void Socket::set_low_water(int bytes) {
    // Best effort: where the option is refused (or a unix socket ignores it for polling), every
    // byte keeps waking the loop, as without it.
    uv_os_fd_t fd;
    if (uv_fileno(&h_.handle, &fd) == 0) setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes);
    low_water_ = bytes > 1;
}

int Socket::low_water_mark() const {
    uv_os_fd_t fd;
    int v = -1;
    socklen_t len = sizeof v;
    if (closing_ || uv_fileno(&h_.handle, &fd) != 0 || getsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &v, &len) != 0)
        return -1;
    return v;
}

void Socket::close() {
    owner_ = nullptr;
    if (closing_) return;
    closing_ = true;
    uv_close(&h_.handle, on_close_cb);
    uv_close(reinterpret_cast<uv_handle_t*>(&prepare_), on_close_cb);
    uv_close(reinterpret_cast<uv_handle_t*>(&low_water_timer_), on_close_cb);
}

void Socket::write_and_close(std::vector<std::uint8_t> last) {
    owner_ = nullptr;
    if (closing_) return;
    if (writing_ || last.empty() || write(last) != 0 || !writing_) {
        close();  // nothing to send, or it went out at once
        return;
    }
    close_after_write_ = true;
}

void Socket::on_close_cb(uv_handle_t* h) {
    auto* s = static_cast<Socket*>(h->data);
    if (--s->handles_open_ == 0) delete s;
}

Timer* Timer::start_impl(uv_loop_t* loop, double seconds, Fn* fn) {
    auto* t = new Timer;
    t->fn_ = fn;
    uv_timer_init(loop, &t->timer_);
    t->timer_.data = t;
    auto ms = seconds <= 0 ? 0 : static_cast<std::uint64_t>(std::llround(seconds * 1000.0));
    // libuv counts from the loop's cached time, taken when this iteration began: a timer armed
    // after a long stretch of work in the same iteration would fire that much early. Count from
    // now, as asyncio does.
    uv_update_time(loop);
    uv_timer_start(&t->timer_, on_timer_cb, ms, 0);
    return t;
}

void Timer::on_timer_cb(uv_timer_t* t) {
    // One-shot: the callback may free the timer, so it is taken out before it runs.
    auto* self = static_cast<Timer*>(t->data);
    std::unique_ptr<Fn> fn(std::exchange(self->fn_, nullptr));
    if (fn) (*fn)();
}

void Timer::stop_and_free() {
    delete fn_;
    fn_ = nullptr;
    uv_timer_stop(&timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_close_cb);
}

void Timer::on_close_cb(uv_handle_t* h) { delete static_cast<Timer*>(h->data); }

Poster* Poster::create(uv_loop_t* loop) {
    auto* p = new Poster;
    uv_idle_init(loop, &p->idle_);
    p->idle_.data = p;
    return p;
}

void Poster::post(std::coroutine_handle<> h) {
    if (closing_) return;
    // An active idle handle makes the loop poll without blocking, so the queue runs next turn.
    if (queue_.empty()) uv_idle_start(&idle_, on_idle_cb);
    queue_.push_back(h);
}

void Poster::on_idle_cb(uv_idle_t* h) {
    auto* self = static_cast<Poster*>(h->data);
    uv_idle_stop(h);
    // A resumed coroutine may post again (that waits a turn) or destroy one still in the batch
    // (forget() takes it out).
    self->running_.swap(self->queue_);
    for (self->running_next_ = 0; self->running_next_ < self->running_.size();)
        if (auto c = self->running_[self->running_next_++]) c.resume();
    self->running_.clear();
    self->running_next_ = 0;
}

void Poster::forget(std::coroutine_handle<> h) noexcept {
    for (auto& c : queue_)
        if (c == h) c = {};
    for (std::size_t i = running_next_; i < running_.size(); ++i)
        if (running_[i] == h) running_[i] = {};
}

void Poster::close() {
    closing_ = true;
    queue_.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_), on_close_cb);
}

void Poster::on_close_cb(uv_handle_t* h) { delete static_cast<Poster*>(h->data); }

std::string describe_address(const sockaddr* addr) {
    char ip[INET6_ADDRSTRLEN] = {0};
    if (addr->sa_family == AF_INET) {
        auto* a = reinterpret_cast<const sockaddr_in*>(addr);
        uv_ip4_name(a, ip, sizeof ip);
        return std::string(ip) + ":" + std::to_string(ntohs(a->sin_port));
    }
    if (addr->sa_family == AF_INET6) {
        auto* a = reinterpret_cast<const sockaddr_in6*>(addr);
        uv_ip6_name(a, ip, sizeof ip);
        return "[" + std::string(ip) + "]:" + std::to_string(ntohs(a->sin6_port));
    }
    return "?";
}

std::string system_error_text(int status) {
    // libuv's codes are negated errno values on Unix; the C library says them as libpq does
    // ("Connection refused"). Its own codes (UV_EOF, UV_EAI_*) have no errno: libuv's text.
    if (status < 0 && status > -4096 && status != UV_EOF) {
        char buf[256];
        const int e = -status;
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
        return strerror_r(e, buf, sizeof buf);  // GNU strerror_r returns the text
#else
        if (strerror_r(e, buf, sizeof buf) == 0) return buf;
#endif
    }
    return uv_strerror(status);
}

std::string lookup_error_text(int status) {
    // getaddrinfo's own text (gai_strerror), as libpq prints it: "Name or service not known".
    int code = 0;
    switch (status) {
    case UV_EAI_ADDRFAMILY: code = EAI_ADDRFAMILY; break;
    case UV_EAI_AGAIN: code = EAI_AGAIN; break;
    case UV_EAI_BADFLAGS: code = EAI_BADFLAGS; break;
    case UV_EAI_FAIL: code = EAI_FAIL; break;
    case UV_EAI_FAMILY: code = EAI_FAMILY; break;
    case UV_EAI_MEMORY: code = EAI_MEMORY; break;
    case UV_EAI_NODATA: code = EAI_NODATA; break;
    case UV_EAI_NONAME: code = EAI_NONAME; break;
    case UV_EAI_OVERFLOW: code = EAI_OVERFLOW; break;
    case UV_EAI_SERVICE: code = EAI_SERVICE; break;
    case UV_EAI_SOCKTYPE: code = EAI_SOCKTYPE; break;
    default: return system_error_text(status);
    }
    return gai_strerror(code);
}

}  // namespace uvpg::detail
