// Cursor::stream (psycopg 3's stream(), asyncpg's cursor iteration): one statement whose rows
// the cursor takes batch by batch as they arrive, with the connection's flow control
// (lib/conn/pipeline.cpp) keeping memory flat.
#include "lib/cursor/cursor_state.hpp"

namespace uvpg::detail {

namespace {

// Waits for a stream's request to move on: its columns, a batch, or its end.
struct StreamWait {
    Request& r;
    std::coroutine_handle<> h = {};  // while suspended
    StreamWait(Request& req) noexcept : r(req) {}
    StreamWait(const StreamWait&) = delete;
    StreamWait& operator=(const StreamWait&) = delete;
    ~StreamWait() {
        if (h && r.waiter == h) r.waiter = {};  // its coroutine is destroyed: nothing resumes it
    }
    bool await_ready() const noexcept { return r.done; }
    void await_suspend(std::coroutine_handle<> caller) noexcept { r.waiter = h = caller; }
    void await_resume() noexcept { h = {}; }
};

}  // namespace

// Always the extended protocol (one statement, rows in binary where uvpg reads them); returns
// once the first batch of rows or the end has arrived, so that an error before any row is
// thrown here.
Task<void> stream_impl(CursorRef s, std::string sql, Params params) {
    BusyGuard busy(*s);
    live_connection(*s);
    s->reset();
    s->query = sql;
    auto st = parse_query(*s, sql);
    bind_params(st->parsed, params, s->bound);
    s->query = *st->sent;
    std::shared_ptr<Request> req;
    for (int attempt = 0;; ++attempt) {  // once more when the cached statement was not usable
        if (!live_connection(*s).has_room()) co_await wait_room(s.get());
        ConnectionImpl* c = &live_connection(*s);
        {
            HoldGuard hold;
            if (auto prep = start_prepare(*c, st->sent, s->bound.types, hold))
                co_await wait_prepared(c, std::move(prep));
            req = live_connection(*s).query(st->sent, s->bound.types, s->bound.params, nullptr, true);  // a StreamOp
        }
        Deadline deadline(*c);
        while (!req->done && req->stream().batches.empty()) {
            StreamWait w{*req};
            co_await w;
        }
        if (!(req->error && req->stream().batches.empty() && stale_plan(*req, attempt))) break;
    }
    // An error after some rows: a fetch throws it.
    if (req->error && req->stream().batches.empty()) std::rethrow_exception(req->error.exception());
    if (!req->result().shape && req->stream().batches.empty()) {  // no rows to stream (an INSERT, say)
        store(*s, std::move(req->result()));
        co_return;
    }
    s->result = QueryResult::empty(req->result().shape);
    s->executed = true;
    s->stream_mode = true;
    s->streaming = std::move(req);
}

// Up to n rows of the stream, waiting for them: fewer only at its end. A server error is
// thrown by the fetch after the one that returned the rows before it.
Task<std::vector<Row>> stream_take(CursorState* s, std::size_t n) {
    BusyGuard busy(*s);  // a second fetch while this one waits for rows is an InterfaceError
    std::vector<Row> out;
    while (out.size() < n) {
        if (s->pos < s->result.size()) {
            const std::size_t k = std::min(n - out.size(), s->result.size() - s->pos);
            const detail::RowSetBase* set = s->result.packer->share(k);
            for (std::size_t i = 0; i < k; ++i) out.push_back(Access::row(set, s->result.at(s->pos + i)));
            s->pos += k;
            s->streamed += static_cast<std::int64_t>(k);
            continue;
        }
        if (!s->streaming) break;
        Request& r = *s->streaming;
        if (!r.stream().batches.empty()) {
            s->result = std::move(r.stream().batches.front());
            r.stream().batches.pop_front();
            const std::size_t bytes = r.stream().sizes.front();
            r.stream().sizes.pop_front();
            s->pos = 0;
            if (!s->conn.closed()) Access::impl(s->conn)->stream_taken(r, bytes);
            continue;
        }
        if (r.done) {
            // fetchone/fetchmany hand over the rows before an error first, and the next fetch
            // raises it (psycopg 3's stream() yields them, then raises); fetchall raises at once:
            // "all the rows" short of its end would be a wrong answer.
            if (r.error && !out.empty() && n != SIZE_MAX) break;
            auto req = std::move(s->streaming);
            s->status = req->result().tag;
            s->rowcount = s->streamed;
            if (req->error) std::rethrow_exception(req->error.exception());
            break;
        }
        Deadline deadline(Access::checked(s->conn));
        StreamWait w{r};
        co_await w;
    }
    co_return out;
}

}  // namespace uvpg::detail
