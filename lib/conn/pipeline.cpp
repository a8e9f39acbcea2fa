// Pipelining on the connection: the in-flight bound and the order of callers, executemany's
// batches, and streaming results (pausing the socket while the reader is behind).
#include "lib/conn/connection_impl.hpp"
#include "proto/frontend.hpp"

#include <algorithm>
#include <charconv>

namespace uvpg::detail {

namespace {
constexpr std::size_t kBatchStep = 256;          // parameter sets encoded at a time
constexpr std::size_t kEarlyWrite = 64 * 1024;   // bytes encoded before writing starts
}  // namespace

std::shared_ptr<Request> ConnectionImpl::query_batch(std::shared_ptr<const std::string> sql,
                                                     std::span<const BatchSegment> segments) {
    auto req = new_request(Request::Kind::extended);
    if (closed()) {
        req->error = std::make_exception_ptr(InterfaceError(closed_message()));
        req->done = true;
        return req;
    }
    req->batch = true;
    const std::size_t mark = out_.size();
    bool sent = false;  // part of the batch went out early
    try {
        for (const auto& seg : segments) {
            std::shared_ptr<Prepared> st = ready_statement(*sql, seg.types);
            if (st) req->batch_statements.push_back(st);
            else proto::encode_parse(out_, "", *sql, seg.types);
            const std::string_view name = st ? std::string_view(st->name) : std::string_view();
            // Rows are dropped: text results are fine. A long batch starts going out while the
            // rest is encoded, so that the server is not idle meanwhile.
            const std::size_t width = seg.types.size();
            for (std::size_t done = 0; done < seg.sets;) {
                const std::size_t n = std::min(kBatchStep, seg.sets - done);
                proto::encode_bind_execute_batch(out_, name, std::span(seg.params).subspan(done * width, n * width), width, n);
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
        close(std::make_exception_ptr(
            OperationalError("executemany: a parameter could not be encoded after part of the batch was sent; connection closed")));
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
    if (!r.stream) return;
    r.stream->buffered -= std::min(bytes, r.stream->buffered);
    if (r.stream->buffered <= kStreamLowWater) pause_reading(false);
}

void ConnectionImpl::stream_drop(Request& r) {
    if (!r.stream) return;
    r.stream->dropping = true;
    r.stream->batches.clear();
    r.stream->sizes.clear();
    r.stream->buffered = 0;
    if (r.result.count) r.result = QueryResult::empty(r.result.shape);
    pause_reading(false);
}

void ConnectionImpl::pause_reading(bool pause) {
    if (pause == reading_paused_ || !socket_ || closed()) return;
    reading_paused_ = pause;
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
    const bool in_rows = front && front->kind != Request::Kind::startup &&
                         ((front->result.shape && !front->statement_done) || front->copy_out);
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

std::int64_t rows_from_tag(std::string_view tag) {
    auto sp = tag.rfind(' ');
    if (sp == std::string_view::npos) return -1;
    std::int64_t n = -1;
    auto num = tag.substr(sp + 1);
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec != std::errc() || p != num.data() + num.size()) return -1;
    return n;
}

void ConnectionImpl::stream_cut(Request& r) {
    Request::Stream& st = *r.stream;
    if (r.result.count == 0) return;
    auto shape = r.result.shape;
    st.batches.push_back(std::move(r.result));
    st.sizes.push_back(st.filling);
    st.buffered += st.filling;
    st.filling = 0;
    stream_peak_ = std::max(stream_peak_, st.buffered);
    r.result = QueryResult::empty(std::move(shape));
    r.result.tag = st.batches.back().tag;
    wake(queue_.front());  // r is the front request
    if (st.buffered >= kStreamHighWater) pause_reading(true);
}

void ConnectionImpl::on_row_description(Request& r) {
    if (r.statement_done) {  // a new statement of a simple query
        r.result.clear();
        r.statement_done = false;
    }
    r.result.shape = last_shape_;
    r.result.clear_rows();
    if (r.stream) wake(queue_.front());  // the columns are known (r is the front request)
}

}  // namespace uvpg::detail
