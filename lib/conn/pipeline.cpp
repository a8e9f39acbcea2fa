// Pipelining on the connection: the in-flight bound and the order of callers, executemany's
// batches, and streaming results (pausing the socket while the reader is behind).
#include "lib/conn/connection_impl.hpp"
#include "proto/frontend.hpp"

#include <algorithm>

namespace uvpg::detail {

namespace {
constexpr std::size_t kBatchStep = 256;                      // parameter sets encoded at a time
constexpr std::size_t kEarlyWrite = std::size_t{64} * 1024;  // bytes encoded before writing starts
}  // namespace

std::shared_ptr<Request> ConnectionImpl::query_batch(std::shared_ptr<const std::string> sql,
                                                     std::span<const BatchSegment> segments) {
    auto req = new_request<ops::BatchOp>(Request::Kind::extended);
    if (closed()) {
        req->error = ops::RequestError(make_error(Errc::closed, closed_message()));
        req->done = true;
        return req;
    }
    auto& batch = std::get<ops::BatchOp>(req->op);
    const std::size_t mark = out_.size();
    bool sent = false;  // part of the batch went out early
    try {
        for (const auto& seg : segments) {
            std::shared_ptr<CachedStatement> st = ready_statement(*sql, seg.types);
            if (st) batch.statements.push_back(st);
            else proto::encode_parse(out_, "", *sql, seg.types);
            const std::string_view name = st ? std::string_view(st->name) : std::string_view();
            // Rows are dropped: text results are fine. A long batch starts going out while the
            // rest is encoded, so that the server is not idle meanwhile.
            const std::size_t width = seg.types.size();
            for (std::size_t done = 0; done < seg.sets;) {
                const std::size_t n = std::min(kBatchStep, seg.sets - done);
                proto::encode_bind_execute_batch(out_, name, std::span(seg.params).subspan(done * width, n * width),
                                                 width, n);
                done += n;
                if (out_.size() >= kEarlyWrite) sent = write_early() || sent;
            }
        }
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
    proto::encode_sync(out_);
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
    const bool in_rows = front && front->kind != Request::Kind::startup && front->core().in_rows();
    if (!in_rows) {
        if (result_bytes_ != 0) socket_->low_water(false);
        result_bytes_ = 0;
        return;
    }
    result_bytes_ += n;
    if (result_bytes_ >= kBigResult) socket_->low_water(true);
}

void ConnectionImpl::grant_room() {
    if (held_ || reserved_ != 0 || room_waiters_.empty()) return;
    if (params_.max_pipeline != 0 && queue_.size() >= params_.max_pipeline) return;
    auto w = room_waiters_.front();
    room_waiters_.pop_front();
    *w.granted = true;
    reserved_ = 1;
    ready_.push_back({nullptr, w.h});
}

// A room waiter whose coroutine is being destroyed.
void ConnectionImpl::forget_room_waiter(std::coroutine_handle<> h, bool granted) noexcept {
    for (auto it = room_waiters_.begin(); it != room_waiters_.end(); ++it) {
        if (it->h == h) {
            room_waiters_.erase(it);
            return;  // never granted
        }
    }
    forget_waiter(h);
    if (granted) {  // the place it was let through to is the next waiter's
        reserved_ = 0;
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
