// The state behind a uvpg::Cursor and the helpers its operations share (internal to lib/):
// lib/cursor/cursor.cpp (execute, fetch), lib/cursor/cursor_stream.cpp (stream) and lib/cursor/cursor_copy.cpp (COPY).
#pragma once
#include <uvpg/cursor.hpp>

#include "lib/conn/connection_impl.hpp"

#include <new>
#include <utility>

namespace uvpg::detail {

// The parameters to send, in $n order. Kept in the cursor so their buffers are reused.
struct Bound {
    std::vector<std::uint32_t> types;
    std::vector<proto::BindParam> params;
    std::vector<const Param*> ordered;
};

struct CursorState {
    // Its owners: the Cursor and the Tasks it made (CursorRef). Not atomic: a cursor and its
    // Tasks run on its connection's loop thread.
    std::size_t refs = 0;
    Connection conn;
    std::shared_ptr<const ParsedQuery> last_parsed;
    const void* parsed_on = nullptr;                 // the connection whose cache last_parsed came from
    std::shared_ptr<const std::string> last_simple;  // the last SQL run without parameters, kept for errors
    Bound bound;
    QueryResult result;  // the whole result, or while streaming the batch being fetched
    bool executed = false;
    bool closed = false;
    bool busy = false;
    std::size_t pos = 0;
    std::int64_t rowcount = -1;
    std::string query;
    std::string status;  // a stream's command tag, once its end has been fetched (else result.tag)
    // Cursor::stream: the request whose rows arrive (null once its end has been fetched), and
    // how many rows have been fetched from it.
    bool stream_mode = false;
    std::shared_ptr<Request> streaming;
    std::int64_t streamed = 0;

    CursorState() = default;
    CursorState(const CursorState&) = delete;
    CursorState& operator=(const CursorState&) = delete;
    ~CursorState() { drop_stream(); }

    // A stream not read to its end: the rest of its rows are dropped as they come.
    void drop_stream() noexcept {
        if (streaming && !conn.closed()) Access::impl(conn)->stream_drop(*streaming);
        streaming.reset();
        stream_mode = false;
        streamed = 0;
    }

    // As new, but keeping the memory its buffers grew (parameters, the query text), for the
    // next cursor (see CursorPool).
    // The parsed statement too: the next cursor on the same connection likely runs the same
    // SQL (a cursor per query), and keeps it only then (see Cursor's constructor).
    void recycle() noexcept {
        Bound keep_bound = std::move(bound);
        std::string keep_query = std::move(query);
        auto keep_parsed = std::move(last_parsed);
        const void* keep_parsed_on = parsed_on;
        this->~CursorState();
        new (this) CursorState();
        bound = std::move(keep_bound);
        query = std::move(keep_query);
        query.clear();
        last_parsed = std::move(keep_parsed);
        parsed_on = keep_parsed_on;
    }

    void reset() {
        drop_stream();
        result.clear();
        executed = false;
        pos = 0;
        rowcount = -1;
        status.clear();
    }
};

// Gives a state whose last owner went back to the thread's free list (or frees it).
void retire(CursorState* st) noexcept;

// A counted owner of a cursor's state, held by each Task the cursor makes, so that a Task
// awaited after its Cursor is gone works on its own state: the state of a cursor destroyed
// meanwhile is not handed to a new cursor while a Task of the old one may still write to it.
class CursorRef {
public:
    CursorRef() noexcept = default;
    explicit CursorRef(CursorState* p) noexcept : p_(p) {
        if (p_) ++p_->refs;
    }
    CursorRef(const CursorRef& o) noexcept : CursorRef(o.p_) {}
    CursorRef(CursorRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    CursorRef& operator=(CursorRef o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~CursorRef() {
        if (p_ && --p_->refs == 0) retire(p_);
    }
    CursorState* get() const noexcept { return p_; }
    CursorState* operator->() const noexcept { return p_; }
    CursorState& operator*() const noexcept { return *p_; }

private:
    CursorState* p_ = nullptr;
};

// Marks the cursor busy for one operation; a second concurrent one is an error, as in aiopg.
struct BusyGuard {
    CursorState& s;
    explicit BusyGuard(CursorState& st) : s(st) {
        if (s.busy) throw InterfaceError("another operation is already in progress on this cursor");
        s.busy = true;
    }
    ~BusyGuard() { s.busy = false; }
};

inline ConnectionImpl& live_connection(CursorState& s) {
    if (s.closed) throw InterfaceError("cursor already closed");
    return Access::checked(s.conn);
}

// Bounds one execute by the connection's `timeout`, as aiopg does: past it, TimeoutError, and
// the connection is closed, since its reply stream cannot be resynchronised without waiting.
class Deadline {
public:
    explicit Deadline(ConnectionImpl& c) {
        auto t = c.params().timeout;
        if (!t || *t <= 0) return;
        std::weak_ptr<ConnectionImpl> weak = c.shared_from_this();
        timer_ = Timer::start(c.loop(), *t, [weak, secs = *t] {
            if (auto conn = weak.lock()) {
                conn->close(make_error(Errc::timeout, "statement timeout: no reply within " + std::to_string(secs) +
                                                          " s; connection closed"));
                conn->resume_ready();
            }
        });
    }
    Deadline(const Deadline&) = delete;
    Deadline& operator=(const Deadline&) = delete;
    ~Deadline() {
        if (timer_) timer_->stop_and_free();
    }

private:
    Timer* timer_ = nullptr;
};

inline void store(CursorState& s, QueryResult&& res) {
    s.result = std::move(res);
    s.executed = true;
    s.pos = 0;
    s.rowcount = s.result.shape ? static_cast<std::int64_t>(s.result.size()) : rows_from_tag(s.result.tag);
}

// Running a statement, shared by execute, executemany (lib/cursor/cursor.cpp) and stream
// (lib/cursor/cursor_stream.cpp).
// The cursor's last statement, else the connection's parsed form (ProgrammingError for bad
// placeholders).
std::shared_ptr<const ParsedQuery> parse_query(CursorState& s, std::string_view sql);
// The parameters in $n order into `b`, or a ProgrammingError.
void bind_params(const proto::ParsedSql& parsed, const Params& params, Bound& b);
// Waits while the connection has max_pipeline requests in flight or a caller holds the line.
Task<void> wait_room(CursorState* s);
// Keeps later callers of the connection waiting while a statement is prepared (hold()), until
// its own request is queued or it fails.
struct HoldGuard {
    ConnectionImpl* c = nullptr;
    HoldGuard() = default;
    HoldGuard(const HoldGuard&) = delete;
    HoldGuard& operator=(const HoldGuard&) = delete;
    ~HoldGuard() { release(); }
    void release() {
        if (auto* held = std::exchange(c, nullptr)) held->release_hold();
    }
};

// Prepares (and describes) a statement not in the connection's cache yet, on its own, holding
// the connection's later callers back; null when it is cached already.
std::shared_ptr<Request> start_prepare(ConnectionImpl& c, const std::shared_ptr<const std::string>& sql,
                                       std::span<const std::uint32_t> types, HoldGuard& hold);
Task<void> wait_prepared(ConnectionImpl* c, std::shared_ptr<Request> prep);
// Whether a failed run may go once more (a cache fact before anything ran: see lib/cursor/cursor.cpp).
bool stale_plan(const Request& r, int attempt);

// Streaming (lib/cursor/cursor_stream.cpp): stream() and the fetches of a streamed result.
Task<void> stream_impl(CursorRef s, std::string sql, Params params);
Task<std::vector<Row>> stream_take(CursorState* s, std::size_t n);

// "name" with its double quotes doubled, for identifiers built into SQL.
std::string quote_ident(std::string_view name);

}  // namespace uvpg::detail
