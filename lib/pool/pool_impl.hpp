// The pool's state: free connections (FIFO), the ones in use, the ones being opened, and the
// acquirers waiting in FIFO order. Connections go back through a Lease held by every handle.
#pragma once
#include <uvpg/pool.hpp>

#include "lib/conn/connection_impl.hpp"
#include "lib/net/uv_handles.hpp"

#include <deque>
#include <unordered_set>

namespace uvpg::detail {

class PoolImpl;

// Held by a pooled Connection and every Cursor made from it; the last one gives the
// connection back (or release() does, earlier).
struct Lease {
    std::shared_ptr<ConnectionImpl> conn;
    std::weak_ptr<PoolImpl> pool;
    bool released = false;
    Lease(std::shared_ptr<ConnectionImpl> c, std::weak_ptr<PoolImpl> p) : conn(std::move(c)), pool(std::move(p)) {}
    ~Lease();
};
inline bool lease_released(const Lease& l) noexcept { return l.released; }

// One acquirer waiting for a connection or for room to open one. If its coroutine is destroyed
// while it waits, it leaves the queue and gives back whatever it was handed.
struct PoolWaiter {
    explicit PoolWaiter(PoolImpl& p) : pool(p) {}
    PoolWaiter(const PoolWaiter&) = delete;
    PoolWaiter& operator=(const PoolWaiter&) = delete;
    ~PoolWaiter();
    PoolImpl& pool;
    std::coroutine_handle<> h;
    std::shared_ptr<ConnectionImpl> conn;  // handed over by a release
    bool slot = false;                     // room to open a new one (already counted in opening)
    ErrorValue error;                      // timeout, or the pool closing (its awaiter throws it)
    Timer* timer = nullptr;
};

class PoolImpl : public std::enable_shared_from_this<PoolImpl> {
public:
    PoolImpl(ConnParams params, const PoolOptions& o, std::function<Task<void>(Connection&)> on_connect);
    ~PoolImpl();

    std::size_t size() const { return used_.size() + free_.size() + opening_; }
    std::size_t freesize() const { return free_.size(); }
    std::size_t minsize() const { return minsize_; }
    std::size_t maxsize() const { return maxsize_; }
    bool closing() const { return closing_; }
    bool can_open() const { return maxsize_ == 0 || size() < maxsize_; }
    uv_loop_t* loop() const { return loop_; }
    std::optional<double> acquire_timeout() const { return params_.timeout; }

    // A free connection that is alive and young enough, marked used; else null.
    std::shared_ptr<ConnectionImpl> take_free();
    // Opens one connection; the caller has counted it in opening_. On failure the room is
    // handed to the next waiter.
    Task<std::shared_ptr<ConnectionImpl>> open_one();
    void reserve_opening() { ++opening_; }
    // Opens connections until size() >= minsize; they go to waiters or the free list.
    Task<void> fill_to_min();
    Connection lease(std::shared_ptr<ConnectionImpl> conn);  // for one already marked used
    Connection lease_new(std::shared_ptr<ConnectionImpl> conn) {
        used_.insert(conn);
        return lease(std::move(conn));
    }
    void give_back(std::shared_ptr<ConnectionImpl> conn);
    // Drops the connection from the free list as soon as it closes while idle.
    void watch(const std::shared_ptr<ConnectionImpl>& c);
    void wait(PoolWaiter& w);
    void abandon(PoolWaiter& w);
    void close_free();
    void forget_posted(std::coroutine_handle<> h) noexcept { poster_->forget(h); }
    void close();
    void terminate();
    bool done_closing() const { return closing_ && used_.empty() && opening_ == 0; }
    std::vector<std::coroutine_handle<>> close_waiters;

private:
    void hand_over(std::shared_ptr<ConnectionImpl> conn);
    void room_freed();
    void on_conn_closed(ConnectionImpl* c);
    void check_closed();
    bool expired(const ConnectionImpl& c) const;

    ConnParams params_;
    uv_loop_t* loop_;
    std::size_t minsize_, maxsize_;
    double recycle_;
    std::function<Task<void>(Connection&)> on_connect_;
    std::deque<std::shared_ptr<ConnectionImpl>> free_;
    std::unordered_set<std::shared_ptr<ConnectionImpl>> used_;
    std::size_t opening_ = 0;
    std::deque<PoolWaiter*> waiters_;
    Poster* poster_;
    bool closing_ = false;
};

}  // namespace uvpg::detail
