// Pipelining on the connection: the in-flight bound and the order of callers, executemany's
// batches, and streaming results (pausing the socket while the reader is behind).
#include "lib/conn/connection_impl.hpp"

namespace uvpg::detail {

std::shared_ptr<Request> ConnectionImpl::query_batch(std::shared_ptr<const std::string> sql,
                                                     std::span<const BatchSegment> segments) {
    auto req = new_request<ops::BatchOp>();
    if (closed()) {
        req->error = ops::RequestError(make_error(Errc::closed, closed_message()));
        req->done = true;
        return req;
    }
    auto& batch = std::get<ops::BatchOp>(req->op);
    const std::size_t mark = out_.size();
    bool sent = false;  // part of the batch went out early
    // The op encodes; the cache answers which segments bind a statement it has ready.
    auto ready = [this, &sql](std::span<const std::uint32_t> types) { return ready_statement(*sql, types); };
    try {
        batch.start(*sql, segments);
        while (batch.encode_next(out_, ready) == ops::BatchOp::Encoded::write_early) sent = write_early() || sent;
    } catch (...) {
        // A value the protocol cannot carry (over 2^31-1 bytes). Nothing sent yet: the batch is
        // taken back. Part of it sent: the stream cannot be resynchronised, so the connection
        // closes and later callers learn it.
        if (!sent) {
            out_.resize(mark);
            throw;
        }
        close(make_error(
            Errc::operational,
            "executemany: a parameter could not be encoded after part of the batch was sent; connection closed"));
        resume_ready();
        throw;
    }
    req->sql = std::move(sql);
    enqueue(req);
    return req;
}

bool ConnectionImpl::write_early() {
    // Plain TCP only (TLS records are cut by flush_now). A write error is left in place: the
    // flush that follows the request meets it again and reports it.
    if (tls_ || !socket_ || socket_->writing() || closed() || out_.empty()) return false;
    const std::size_t before = out_.size();
    (void)socket_->write(out_);
    return out_.size() != before;  // the socket took bytes (all, or the rest is in its queue)
}

void ConnectionImpl::stream_taken(Request& r, std::size_t bytes) {
    if (auto* st = std::get_if<ops::StreamOp>(&r.op)) apply(r, st->taken(bytes), 'd');
}

void ConnectionImpl::stream_drop(Request& r) {
    if (auto* st = std::get_if<ops::StreamOp>(&r.op)) apply(r, st->drop(), 'd');
}

void ConnectionImpl::pause_reading(bool pause) {
    const State want = pause ? State::paused : State::ready;
    if (state_ == want || !socket_ || !running()) return;
    state_ = want;
    // Everything read so far has been decoded, so nothing waits in the buffers meanwhile.
    if (pause) socket_->stop_read();
    else if (int rc = socket_->start_read(); rc != 0)
        connection_lost("could not receive data from server: " + system_error_text(rc));
}

// Past kBigResult bytes of one result, the socket wakes the loop in kLowWater steps; once the
// rows end (or the connection closes) it is back to every byte. Results smaller than that never
// see the mark, so the millisecond its tail may wait is under 1% of any result it touches.
void ConnectionImpl::watch_low_water(std::size_t n) {
    constexpr std::size_t kBigResult = 8 << 20;
    if (!socket_ || closed()) return;
    const Request* front = queue_.empty() ? nullptr : queue_.front().get();
    const bool in_rows = front && running() && front->core().in_rows();
    if (!in_rows) {
        if (result_bytes_ != 0) socket_->low_water(false);
        result_bytes_ = 0;
        return;
    }
    result_bytes_ += n;
    if (result_bytes_ >= kBigResult) socket_->low_water(true);
}

void ConnectionImpl::grant_room() {
    if (turnstile_.held || turnstile_.reserved || turnstile_.waiters.empty()) return;
    if (params_.max_pipeline != 0 && queue_.size() >= params_.max_pipeline) return;
    auto w = turnstile_.waiters.front();
    turnstile_.waiters.pop_front();
    *w.granted = true;
    turnstile_.reserved = true;
    ready_.push_back({nullptr, w.h});
}

// A room waiter whose coroutine is being destroyed.
void ConnectionImpl::forget_room_waiter(std::coroutine_handle<> h, bool granted) noexcept {
    for (auto it = turnstile_.waiters.begin(); it != turnstile_.waiters.end(); ++it) {
        if (it->h == h) {
            turnstile_.waiters.erase(it);
            return;  // never granted
        }
    }
    forget_waiter(h);
    if (granted) {  // the place it was let through to is the next waiter's
        turnstile_.reserved = false;
        grant_room();
        if (!resuming_active_) resume_ready();
    }
}

void ConnectionImpl::enqueue(std::shared_ptr<Request> req) {
    queue_.push_back(std::move(req));
    flush();
    grant_room();  // the next waiter may follow
}

}  // namespace uvpg::detail
