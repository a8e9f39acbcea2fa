// The connection state machine: one socket, one receive buffer, a queue of requests whose
// replies are matched in order. Driven by libuv callbacks; coroutines only wait on requests.
#pragma once
#include <uvpg/connection.hpp>
#include <uvpg/errors.hpp>

#include "lib/config/conn_params.hpp"
#include "lib/net/tls_session.hpp"
#include "lib/net/uv_handles.hpp"
#include "lib/ops/query_ops.hpp"
#include "lib/ops/query_result.hpp"
#include "lib/ops/startup_op.hpp"
#include "lib/runtime/access.hpp"
#include "lib/runtime/recycle.hpp"
#include "lib/values/row.hpp"
#include "proto/auth.hpp"
#include "proto/backend.hpp"
#include "proto/frontend.hpp"
#include "proto/sql.hpp"

#include <algorithm>
#include <coroutine>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

namespace uvpg::detail {

// One caller's request: its running operation (lib/ops/), which decides what each message of
// its reply means, and what the driver needs to wake its awaiter. Allocated from a free list.
// What kind of request it is, is the kind of its op; open()'s request, which waits for the first
// ReadyForQuery, has an op that never runs (ops::StartupOp runs in ConnectionImpl::startup_).
struct Request {
    ops::QueryOp op;
    // Set when it ends in failure: the op's error, or why the connection closed under it (or
    // was closed before it was sent). A value until its awaiter turns it into the exception.
    ops::RequestError error;
    std::shared_ptr<const std::string> sql;  // for psql's "LINE 1: ..." display of an error position
    bool followed = false;  // when it completed, another caller's request was queued (or waited) behind it
    std::coroutine_handle<> waiter;
    bool wake_queued = false;  // in its connection's ready list: `waiter` is resumed from there
    bool done = false;
    Request() = default;
    template <class Op>
    explicit Request(std::in_place_type_t<Op> t) : op(t) {}

    ops::QueryCore& core() noexcept { return ops::core(op); }
    const ops::QueryCore& core() const noexcept { return ops::core(op); }
    QueryResult& result() noexcept { return core().result; }
    char tx_status() const noexcept { return core().tx_status; }
    ops::StreamOp& stream() noexcept { return *std::get_if<ops::StreamOp>(&op); }
    // The cached statement it prepared or used, if any.
    const std::shared_ptr<CachedStatement>& statement() const noexcept {
        static const std::shared_ptr<CachedStatement> none;
        if (auto* e = std::get_if<ops::ExtendedQueryOp>(&op)) return e->statement;
        if (auto* s = std::get_if<ops::StreamOp>(&op)) return s->statement;
        return none;
    }
};

template <class Op = ops::SimpleQueryOp>
std::shared_ptr<Request> new_request() {
    return std::allocate_shared<Request>(Recycling<Request>{}, std::in_place_type<Op>);
}

// A caller's memo of the cached statement it ran last (a cursor's), so that running the same
// SQL with the same parameter types again skips building the cache key and looking it up.
struct StatementMemo {
    std::shared_ptr<CachedStatement> statement;
    const void* connection = nullptr;
    std::shared_ptr<const std::string> sql;
    std::vector<std::uint32_t> types;
    // The statement, if it is still cached and ready on `conn` for this text and these types.
    const std::shared_ptr<CachedStatement>& find(const void* conn, const std::shared_ptr<const std::string>& text,
                                                 std::span<const std::uint32_t> t) const {
        static const std::shared_ptr<CachedStatement> none;
        if (statement && statement->live && statement->ready && connection == conn && sql == text &&
            std::ranges::equal(types, t))
            return statement;
        return none;
    }
    // After a request: remembers the cached statement it used, if any.
    void remember(const void* conn, const std::shared_ptr<const std::string>& text, std::span<const std::uint32_t> t,
                  const std::shared_ptr<CachedStatement>& st) {
        if (!st || (st == statement && connection == conn && sql == text)) return;
        statement = st;
        connection = conn;
        sql = text;
        types.assign(t.begin(), t.end());
    }
};

// SQL with parameters, parsed once per connection (ConnectionImpl::parsed): the text as
// written, its placeholders, and the $n text sent, shared with the requests. (In lib/ a
// "statement" is only ever a CachedStatement, one prepared on the server; SQL text is a query.)
struct ParsedQuery {
    std::string source;
    proto::ParsedSql parsed;
    std::shared_ptr<const std::string> sent;
    mutable StatementMemo memo;  // the cached statement it ran as last, for the next run
};
// Parses `sql` (ProgrammingError for bad placeholders).
std::shared_ptr<const ParsedQuery> parse_query(std::string_view sql);

// One run of executemany's parameter sets that share their parameter types (lib/ops/batch_op.hpp).
using BatchSegment = ops::BatchSegment;

// Awaits a request; returns its result or rethrows its error. A coroutine destroyed while it
// waits (its Task dropped) takes its handle back, so the request's end resumes nothing.
struct RequestAwaiter {
    std::shared_ptr<Request> r;
    std::coroutine_handle<> h = {};  // while suspended
    RequestAwaiter(std::shared_ptr<Request> req) noexcept : r(std::move(req)) {}
    RequestAwaiter(const RequestAwaiter&) = delete;
    RequestAwaiter& operator=(const RequestAwaiter&) = delete;
    ~RequestAwaiter() {
        if (h && r->waiter == h) r->waiter = {};
    }
    bool await_ready() const noexcept { return r->done; }
    void await_suspend(std::coroutine_handle<> caller) noexcept { r->waiter = h = caller; }
    // The request's own result, to be moved from (the awaiter keeps the request alive).
    QueryResult&& await_resume() {
        h = {};
        if (r->error) std::rethrow_exception(r->error.exception());  // the edge: the exception is built here
        return std::move(r->result());
    }
};

class ConnectionImpl final : public SocketOwner, public std::enable_shared_from_this<ConnectionImpl> {
public:
    explicit ConnectionImpl(ConnParams params);
    ~ConnectionImpl();

    // Starts name lookup, connect and startup; the returned request completes at the first
    // ReadyForQuery, or fails (and the connection closes) on any error or connect_timeout.
    std::shared_ptr<Request> open();

    // Queue a request and write it (several may be in flight).
    std::shared_ptr<Request> query(std::string_view sql);
    std::shared_ptr<Request> query(std::shared_ptr<const std::string> sql);  // the text kept for errors
    // `known`: the cached statement this caller used last time for the same text and types
    // (StatementMemo), which saves looking it up; ignored unless still live and ready.
    std::shared_ptr<Request> query(std::shared_ptr<const std::string> sql, std::span<const std::uint32_t> types,
                                   std::span<const proto::BindParam> params,
                                   const std::shared_ptr<CachedStatement>& known = nullptr, bool stream = false);
    // COPY by the simple protocol, with a source (FROM STDIN) or else a sink (TO STDOUT).
    std::shared_ptr<Request> copy(std::shared_ptr<const std::string> sql,
                                  std::function<std::size_t(char*, std::size_t)> source,
                                  std::function<void(std::string_view)> sink);
    // A statement not in the cache yet is prepared and described (Close/Parse/Describe/Sync) on
    // its own first, so that its Bind can ask for binary results column by column. Null when there
    // is nothing to do: cached already, being prepared, cache off, or the connection closed.
    std::shared_ptr<Request> prepare(const std::shared_ptr<const std::string>& sql,
                                     std::span<const std::uint32_t> types);
    // executemany: every parameter set bound and executed, segment by segment, then one Sync
    // (ops::BatchOp encodes it; a long batch starts going out while the rest is encoded). A segment whose statement is
    // cached binds it; another is parsed unnamed. The first error skips the rest, and the implicit transaction (outside
    // BEGIN) rolls back whatever ran: all or nothing.
    std::shared_ptr<Request> query_batch(std::shared_ptr<const std::string> sql,
                                         std::span<const BatchSegment> segments);

    // The parsed form of `sql`, kept for the connection's cursors: a new cursor running the
    // same SQL neither parses it again nor looks its statement up again.
    std::shared_ptr<const ParsedQuery> parsed(std::string_view sql);

    // The in-flight bound (max_pipeline): room() is ready when one more request may be queued;
    // otherwise it waits, first come first served, for a reply to free a place.
    struct RoomAwaiter {
        ConnectionImpl& c;
        bool granted = false;
        std::coroutine_handle<> h = {};  // while suspended
        // Destroyed while it waits: leaves the line, and gives back the place it was granted.
        ~RoomAwaiter() {
            if (h) c.forget_room_waiter(h, granted);
        }
        bool await_ready() const noexcept { return c.has_room(); }
        void await_suspend(std::coroutine_handle<> caller) {
            c.turnstile_.waiters.push_back({caller, &granted});
            h = caller;
        }
        void await_resume() noexcept {
            h = {};
            if (granted) c.turnstile_.reserved = false;
        }
    };
    bool has_room() const noexcept {
        if (turnstile_.busy()) return false;
        return params_.max_pipeline == 0 || queue_.size() < params_.max_pipeline;
    }
    // Statements go out in the order they were called. A statement that is prepared first
    // (prepare(): its own Parse/Describe round trip) holds every later caller back until its
    // Bind is queued and the hold released, so that nothing called after it runs before it.
    // Waiters are let through one at a time, each when the one before it has queued.
    void release_hold() {
        turnstile_.held = false;
        grant_room();
    }
    RoomAwaiter room() { return RoomAwaiter{*this}; }
    void hold() noexcept { turnstile_.held = true; }  // later callers wait until release_hold()
    std::size_t in_flight() const noexcept { return queue_.size(); }

    // Streaming: the cursor took a batch of `bytes`, or gave up on the rest of the stream.
    // Reading starts again once what waits falls under the low-water mark.
    void stream_taken(Request& r, std::size_t bytes);
    void stream_drop(Request& r);
    bool reading_paused() const noexcept { return state_ == State::paused; }
    const Socket* socket() const noexcept { return socket_; }          // null before connecting and once closed
    std::size_t stream_peak() const noexcept { return stream_peak_; }  // most bytes of rows ever waiting

    // Registered types (Connection::register_type). Adding some rebuilds the result formats of
    // cached statements, so that their columns of those types come back in binary.
    const std::shared_ptr<const TypeRegistry>& types() const noexcept { return types_; }
    void add_types(const std::vector<std::pair<std::uint32_t, UserType>>& added);

    // Closes at once. Pending requests fail with `reason` (empty: closed by the user, an
    // InterfaceError "connection already closed"). Callers outside a libuv callback of this
    // connection call resume_ready() afterwards.
    void close(ErrorValue reason = {}) noexcept;
    // Its keeper (the pool) closes it: the same one step as close(), without calling the
    // keeper's own on_closed hook back.
    void close_kept(ErrorValue reason = {}) noexcept {
        on_closed = nullptr;
        close(std::move(reason));
    }
    bool closed() const noexcept { return state_ == State::closed; }
    // Why it closed (Errc::closed when the user closed it); null while open.
    const ErrorValue* close_error() const noexcept { return close_error_.value(); }
    // The server's (or the network's) error that closed the connection while nothing waited on
    // it, once: psycopg2 raises it (OperationalError) for the first operation that meets the
    // closed connection, and InterfaceError ("connection already closed") after that. Null when
    // there is none (left).
    const ErrorValue* take_unreported() noexcept {
        return std::exchange(unreported_, false) ? close_error_.value() : nullptr;
    }
    // Drops a waiting coroutine that is being destroyed from the lists that would resume it.
    void forget_waiter(std::coroutine_handle<> h) noexcept;
    void forget_room_waiter(std::coroutine_handle<> h, bool granted) noexcept;
    // Something still waits on the connection (a statement, room, notifications).
    bool has_waiters() const noexcept {
        return !queue_.empty() || !notify_waiters.empty() || !turnstile_.waiters.empty();
    }
    // "connection already closed", with why when the server or an error closed it.
    std::string closed_message() const;
    // Resumes the waiters of completed requests (after close(), from outside a callback).
    void resume_ready();

    const ConnParams& params() const { return params_; }
    std::string where() const;  // libpq's 'server at "127.0.0.1", port 5432', for messages
    uv_loop_t* loop() const { return loop_; }
    std::int32_t backend_pid() const { return pid_; }
    std::int32_t backend_secret() const { return secret_; }
    TransactionStatus transaction_status() const noexcept;
    std::optional<std::string> parameter_status(std::string_view name) const;
    const std::deque<std::string>& notices() const { return notices_; }
    // Called once when the connection closes, for whoever keeps it idle (the pool).
    std::function<void()> on_closed;
    std::uint64_t born_ms = 0;  // uv_hrtime() in ms when it opened, for pool_recycle

    // TLS in use, with libpq's PQsslAttribute names: library, protocol, cipher, key_bits,
    // compression.
    bool ssl_in_use() const noexcept { return tls_ != nullptr && tls_->established(); }
    std::optional<std::string> ssl_attribute(std::string_view name) const;

    // The address the connection reached, for CancelRequest.
    const sockaddr_storage& peer() const { return peer_; }

    // Notifications.
    std::deque<Notify> notifies;
    struct NotifyWaiter {
        std::coroutine_handle<> h;
        std::optional<Notify>* slot;
        bool* gone;  // set when the connection is destroyed under the waiter (its last handle dropped)
    };
    std::deque<NotifyWaiter> notify_waiters;

    // Tests and fuzz/fuzz_connection.cpp (lib/conn/receive_entry.cpp): a connection ready
    // without a socket (nothing is written), and server bytes handled as if read from one.
    static std::shared_ptr<ConnectionImpl> ready_without_socket(ConnParams params);
    void receive(proto::ByteView bytes);

    // SocketOwner
    void on_connected(int status) override;
    void on_alloc(std::size_t suggested, uv_buf_t* buf) override;
    void on_read(ssize_t nread, const uv_buf_t* buf) override;
    void on_written(int status) override;
    void on_uncork() override;

private:
    // The connection's one state. startup: the socket is connected and ops::StartupOp runs on it
    // (its phases are its own). ready and paused are both running (startup done, queries flow);
    // paused: the socket is not read while a stream's reader is behind (the StreamOp said
    // pause_reading, until it says resume_reading).
    enum class State { resolving, connecting, startup, ready, paused, closed };
    bool running() const noexcept { return state_ == State::ready || state_ == State::paused; }

    // Connecting (lib/conn/startup.cpp): name lookup, connect, and the driver of ops::StartupOp,
    // which takes every protocol decision.
    void start_resolve();
    static void on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* res);
    void try_next_address();
    void note_connect_failure(int status);                  // adds libpq's lines for an address that failed
    std::string lookup_failed(int status) const;            // libpq's line for a failed name lookup
    void startup_next(ops::Action a);                       // the op's next action, as I/O
    void on_startup_message(const proto::RawMessage& raw);  // dispatch() hands startup's messages over
    bool on_startup_read(ssize_t nread);  // the SSL answer, handshake bytes, read errors; false: decode as usual
    bool awaiting_ssl_reply() const noexcept;
    void start_tls();
    void drive_handshake();
    void derive_keys();  // the SCRAM key derivation, on libuv's thread pool
    void startup_done();
    // Startup failed: `e.message` says why; libpq's lines follow those of the attempts before.
    // `fallback`: the op says prefer/allow may try once more the other way (libpq's fallback:
    // plain text after TLS failed, TLS after plain text was refused).
    void startup_failed(ErrorValue e, bool fallback = false);
    void fail_startup(const ErrorValue& e);            // closes with `e` as it is
    bool retry_connection(const std::string& failed);  // `failed`: this attempt's error line(s)
    // The earlier attempts' lines, then 'connection to server at "h", port N failed: ' and `why`.
    std::string startup_error_text(const std::string& why) const;
    void process_input();  // decodes and dispatches the plaintext buffered in decoder_
    // The last bytes for the socket: Terminate (when `terminate`), encrypted and followed by
    // TLS close_notify when TLS is up.
    std::vector<std::uint8_t> goodbye(bool terminate);

    // Running (lib/conn/connection.cpp).
    void dispatch(const proto::RawMessage& raw);
    void on_data_row(Request& r, const proto::DataRow& row);  // decoded and validated
    void on_row_description(Request& r);                      // its shape is last_shape_
    // Does what the front request's op answered to a message of type `type`.
    void apply(Request& r, ops::Step s, char type);
    void pause_reading(bool pause);
    void watch_low_water(std::size_t n);  // after a read of `n` bytes (see Socket::low_water)
    void pump_copy_in();                  // CopyData from the front request's source, as the socket takes it
    void on_query_message(Request& r, const proto::RawMessage& raw, const proto::BackendMessage& m);
    void on_command_complete(Request& r, std::string_view tag);
    void on_ready_for_query(Request& r, char status);
    bool handle_async(const proto::BackendMessage& m);
    void add_notice(const proto::NoticeResponse& n);
    void remember_shape(proto::ByteView body, const proto::RowDescription& desc);
    // The cached statement for (sql, types): a ready one, or a new one to prepare, or null
    // (cache off, or the statement is still being prepared by an earlier request).
    std::shared_ptr<CachedStatement> cached_statement(std::string_view sql, std::span<const std::uint32_t> types,
                                                      bool& prepare);
    std::shared_ptr<CachedStatement> ready_statement(std::string_view sql, std::span<const std::uint32_t> types);
    static const std::string& statement_key(std::string_view sql, std::span<const std::uint32_t> types);
    void statement_done(Request& r);
    void forget_statements() noexcept;  // every cached statement, gone on the server or with the connection
    void protocol_violation(const std::string& what);
    void connection_lost(const std::string& why);
    // The one way the connection ends (close, connection_lost, protocol_violation): closed,
    // every pending request failed (`lost`: the connection went away under them), every
    // waiter woken.
    void fail_all(ErrorValue reason, bool lost) noexcept;
    void complete_front();
    void wake(const std::shared_ptr<Request>& r);  // its waiter goes on the ready list, once
    void grant_room();                             // lets the next waiting caller queue, when there is room
    void enqueue(std::shared_ptr<Request> req);    // queues, writes, and lets the next caller in
    void flush();                                  // writes what is queued just before the loop next waits for I/O
    void flush_now();
    bool write_early();  // writes what is encoded so far, in the middle of a long request; true if sent

    ConnParams params_;
    uv_loop_t* loop_;
    State state_ = State::resolving;
    Socket* socket_ = nullptr;
    Timer* connect_timer_ = nullptr;
    uv_getaddrinfo_t* resolve_req_ = nullptr;  // owned by libuv until its callback
    addrinfo* addrs_ = nullptr;
    addrinfo* next_addr_ = nullptr;
    sockaddr_storage peer_{};
    std::string peer_text_;

    proto::Decoder decoder_;
    std::vector<std::uint8_t> out_;  // bytes waiting for the write in flight to finish
    // TLS: the session, once the server said 'S' (or at once with sslnegotiation=direct);
    // ciphertext read and ciphertext waiting to be written.
    std::unique_ptr<TlsSession> tls_;
    std::vector<std::uint8_t> tls_in_, wire_;
    // From open() to the first ReadyForQuery (lib/conn/startup.cpp); null once ready.
    struct StartupAttempt {
        std::optional<ops::StartupOp> op;  // on the connected socket
        bool tls = false;                  // the next attempt asks for TLS
        bool retried = false;              // the fallback of prefer/allow was used
        std::uint32_t attempt = 0;         // counts attempts, so that a late key derivation knows its own
        std::string error_log;             // libpq's lines for the attempts that failed so far (addresses, TLS)
    };
    std::unique_ptr<StartupAttempt> startup_;
    std::deque<std::shared_ptr<Request>> queue_;
    // Who may queue next: callers queue in the order they called, within max_pipeline. This is
    // admission, not the connection's state (state_): it only decides when room() lets a
    // waiting caller through (lib/conn/pipeline.cpp, grant_room).
    struct Turnstile {
        struct Waiter {
            std::coroutine_handle<> h;
            bool* granted;
        };
        std::deque<Waiter> waiters;  // callers waiting in room(), first come first served
        bool reserved = false;       // a waiter let through has not queued yet
        bool held = false;           // a statement being prepared keeps its place (prepare())
        bool busy() const noexcept { return held || reserved || !waiters.empty(); }
    };
    Turnstile turnstile_;
    std::size_t result_bytes_ = 0;  // read while the front request's rows (or COPY data) came in
    std::size_t stream_peak_ = 0;
    // Waiters of completed work, resumed after dispatch in order: a request's waiter (taken
    // from the request when its turn comes, so that a coroutine destroyed meanwhile is not
    // resumed) or a coroutine handle (room, notifications; nulled by forget_waiter).
    struct Ready {
        std::shared_ptr<Request> req;
        std::coroutine_handle<> h;
    };
    std::vector<Ready> ready_;
    std::size_t ready_next_ = 0;  // the next entry to resume
    bool resuming_active_ = false;

    std::int32_t pid_ = 0, secret_ = 0;
    char tx_status_ = 'I';
    std::map<std::string, std::string, std::less<>> server_params_;
    std::deque<std::string> notices_;
    std::string close_reason_;       // what() of the error that closed the connection
    ops::RequestError close_error_;  // why it closed (what its pending requests failed with); empty while open
    bool unreported_ = false;        // close_error_ is still to be reported, once
    std::unordered_map<std::string, std::shared_ptr<CachedStatement>> statements_;
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::shared_ptr<const ParsedQuery>, TextHash, std::equal_to<>> parsed_;
    std::uint64_t statement_clock_ = 0;
    std::vector<std::uint8_t> last_desc_;  // the last RowDescription's body, and its shape
    std::shared_ptr<const RowShape> last_shape_;
    std::shared_ptr<const TypeRegistry> types_;  // Connection::register_type
};

}  // namespace uvpg::detail
