// The connection state machine: one socket, one receive buffer, a queue of requests whose
// replies are matched in order. Driven by libuv callbacks; coroutines only wait on requests.
#pragma once
#include <uvpg/connection.hpp>
#include <uvpg/errors.hpp>

#include "lib/config/conn_params.hpp"
#include "lib/net/uv_handles.hpp"
#include "lib/runtime/access.hpp"
#include "lib/runtime/recycle.hpp"
#include "lib/values/row.hpp"
#include "lib/net/tls_session.hpp"
#include "proto/auth.hpp"
#include "proto/backend.hpp"
#include "proto/frontend.hpp"
#include "proto/sql.hpp"

#include <algorithm>
#include <coroutine>
#include <deque>
#include <functional>
#include <map>
#include <unordered_map>
#include <memory>
#include <optional>

namespace uvpg::detail {

// What one statement left behind; a simple query keeps its last statement's.
struct QueryResult {
    std::shared_ptr<const RowShape> shape;  // null when the statement returned no rows
    std::optional<RowPacker> packer;        // the rows' memory, made at the first row
    // Where each row starts in the packer's set. The first rows' places are kept inline, so a
    // small result allocates no index; the rest go in blocks that never move (growing a single
    // vector would copy the index of a large result over and over). The first block starts
    // small and doubles up to the full size.
    static constexpr std::size_t kIndexBlock = 1024, kInline = 8;
    const std::uint8_t* inline_index[kInline] = {};
    std::vector<std::unique_ptr<const std::uint8_t*[]>> index;  // rows from kInline on
    std::size_t count = 0;
    std::size_t first_capacity = 0;
    std::string tag;
    std::size_t size() const { return count; }
    static QueryResult empty(std::shared_ptr<const RowShape> shape) {
        QueryResult r;
        r.shape = std::move(shape);
        return r;
    }
    const std::uint8_t* at(std::size_t i) const {
        if (i < kInline) return inline_index[i];
        i -= kInline;
        return index[i / kIndexBlock][i % kIndexBlock];
    }
    void push_back(const std::uint8_t* row) {
        if (count < kInline) {
            inline_index[count++] = row;
            return;
        }
        const std::size_t i = count - kInline;
        if (i < kIndexBlock) {
            if (i == first_capacity) grow_first();
        } else if (i % kIndexBlock == 0) {
            index.push_back(std::make_unique_for_overwrite<const std::uint8_t*[]>(kIndexBlock));
        }
        index.back()[i % kIndexBlock] = row;
        ++count;
    }
    void grow_first() {
        const std::size_t cap = first_capacity ? first_capacity * 2 : kInline;
        auto block = std::make_unique_for_overwrite<const std::uint8_t*[]>(cap);
        if (first_capacity) std::copy(index[0].get(), index[0].get() + first_capacity, block.get());
        if (index.empty()) index.push_back(std::move(block));
        else index[0] = std::move(block);
        first_capacity = cap;
    }
    // No rows (the shape and tag stay).
    void clear_rows() noexcept {
        packer.reset();
        index.clear();
        count = 0;
        first_capacity = 0;
    }
    // As new, without building one.
    void clear() noexcept {
        clear_rows();
        shape.reset();
        tag.clear();
    }
    Row row(std::size_t i) const { return Access::row(packer->share(1), at(i)); }
};

// A named prepared statement kept by the connection (the statement cache), so that running
// the same SQL again sends only Bind/Execute/Sync and the server skips parsing and planning.
struct Prepared {
    std::string name;  // from its content (text and parameter types): see lib/conn/statement_cache.cpp
    std::shared_ptr<const RowShape> shape;  // null: the statement returns no rows
    // Once described: the result formats Bind asks for (binary where uvpg has a codec) and the
    // shape of rows that come back in them.
    std::vector<proto::Format> result_formats;
    std::shared_ptr<const RowShape> bound_shape;
    bool ready = false;                      // its Parse and Describe were answered without error
    bool live = true;                        // still in its connection's cache (see KnownStatement)
    // The server said it is missing (26000), its name taken (42P05) or its plan stale (0A000):
    // the next run sends Close/Parse/Describe with its Bind, in one write.
    bool reparse = false;
    std::uint64_t last_used = 0;
};

struct Request {
    enum class Kind { startup, simple, extended };
    Kind kind;
    QueryResult result;
    bool statement_done = false;  // the current statement ended; the next message starts another
    // COPY. The cursor's copy_* set a source (FROM STDIN: fills a buffer, returns the bytes,
    // 0 at the end) or a sink (TO STDOUT: takes each chunk). Without one, COPY is refused
    // without losing the connection, as psycopg2's execute() refuses it.
    std::function<std::size_t(char*, std::size_t)> copy_source;
    std::function<void(std::string_view)> copy_sink;
    bool copy_in = false;         // the server waits for CopyData: the source is being pumped
    bool copy_out = false;        // inside COPY TO STDOUT: CopyData goes to the sink (or nowhere)
    std::exception_ptr error;     // first error; the request still runs to ReadyForQuery
    std::shared_ptr<const std::string> sql;  // for psql's "LINE 1: ..." display of an error position
    std::string sqlstate;         // of `error`, when the server sent it
    std::shared_ptr<Prepared> statement;  // the cached statement it prepares or uses
    bool prepares = false;                // this request sends the statement's Parse
    // A BindComplete came: the statement was bound and ran, so an error after it is the
    // statement's own, never a cache fact to retry (a function may raise any SQLSTATE).
    bool bound = false;
    std::uint32_t binds = 0, executes = 0;  // executemany: BindCompletes and CommandCompletes
    bool failed_at_bind = false;  // its error came where a BindComplete was due (nothing of it ran)
    bool followed = false;  // when it completed, another caller's request was queued (or waited) behind it
    // executemany: many Bind/Execute pairs before one Sync. Their rows are dropped, their counts
    // summed; the cached statements the batch binds are forgotten if the server drops them.
    bool batch = false;
    std::int64_t batch_rows = -1;
    std::vector<std::shared_ptr<Prepared>> batch_statements;
    char tx_status = 0;                   // of the ReadyForQuery that ended it
    // Cursor::stream: rows are cut into batches as they arrive and the cursor takes them; the
    // connection stops reading while too many bytes of rows wait (see ConnectionImpl).
    struct Stream {
        std::deque<QueryResult> batches;  // full batches not taken yet (the last one at the end)
        std::size_t buffered = 0;         // bytes of rows received and not taken
        std::deque<std::size_t> sizes;    // bytes of each batch in `batches`, in order
        std::size_t filling = 0;          // bytes of rows in `result`, the batch being filled
        bool dropping = false;            // the cursor gave up on the rest: rows are dropped
    };
    std::unique_ptr<Stream> stream;
    std::coroutine_handle<> waiter;
    bool wake_queued = false;  // in its connection's ready list: `waiter` is resumed from there
    bool done = false;
    explicit Request(Kind k) : kind(k) {}
};

inline std::shared_ptr<Request> new_request(Request::Kind kind) {
    return std::allocate_shared<Request>(Recycling<Request>{}, kind);
}

// Streaming: batches of at most this many rows or bytes; reading stops while 8 MiB of rows
// wait for the cursor and starts again once 2 MiB do.
inline constexpr std::size_t kStreamBatchRows = 4096, kStreamBatchBytes = 256 * 1024;
inline constexpr std::size_t kStreamFirstChunk = 64 * 1024;
inline constexpr std::size_t kStreamHighWater = 8 << 20, kStreamLowWater = 2 << 20;

// Rows affected, from a command tag: "INSERT 0 5", "UPDATE 3", "SELECT 2", "COPY 7"; -1 if none.
std::int64_t rows_from_tag(std::string_view tag);

// A caller's memo of the cached statement it ran last (a cursor's), so that running the same
// SQL with the same parameter types again skips building the cache key and looking it up.
struct KnownStatement {
    std::shared_ptr<Prepared> statement;
    const void* connection = nullptr;
    std::shared_ptr<const std::string> sql;
    std::vector<std::uint32_t> types;
    // The statement, if it is still cached and ready on `conn` for this text and these types.
    const std::shared_ptr<Prepared>& find(const void* conn, const std::shared_ptr<const std::string>& text,
                                          std::span<const std::uint32_t> t) const {
        static const std::shared_ptr<Prepared> none;
        if (statement && statement->live && statement->ready && connection == conn && sql == text &&
            std::ranges::equal(types, t))
            return statement;
        return none;
    }
    // After a request: remembers the cached statement it used, if any.
    void remember(const void* conn, const std::shared_ptr<const std::string>& text, std::span<const std::uint32_t> t,
                  const std::shared_ptr<Prepared>& st) {
        if (!st || (st == statement && connection == conn && sql == text)) return;
        statement = st;
        connection = conn;
        sql = text;
        types.assign(t.begin(), t.end());
    }
};

// SQL with parameters, parsed once per connection (ConnectionImpl::parsed): the text as
// written, its placeholders, and the $n text sent, shared with the requests.
struct ParsedStatement {
    std::string source;
    proto::ParsedSql parsed;
    std::shared_ptr<const std::string> sent;
    mutable KnownStatement known;  // the cached statement it ran as last, for the next run
};
// Parses `sql` (ProgrammingError for bad placeholders).
std::shared_ptr<const ParsedStatement> parse_statement(std::string_view sql);

// One run of executemany's parameter sets that share their parameter types.
struct BatchSegment {
    std::vector<std::uint32_t> types;
    std::vector<proto::BindParam> params;  // `sets` sets of types.size() parameters, back to back
    std::size_t sets = 0;
};

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
        if (r->error) std::rethrow_exception(r->error);
        return std::move(r->result);
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
    // (KnownStatement), which saves looking it up; ignored unless still live and ready.
    std::shared_ptr<Request> query(std::shared_ptr<const std::string> sql, std::span<const std::uint32_t> types,
                                   std::span<const proto::BindParam> params,
                                   const std::shared_ptr<Prepared>& known = nullptr);
    // A statement not in the cache yet is prepared and described (Close/Parse/Describe/Sync) on
    // its own first, so that its Bind can ask for binary results column by column. Null when there
    // is nothing to do: cached already, being prepared, cache off, or the connection closed.
    std::shared_ptr<Request> prepare(const std::shared_ptr<const std::string>& sql, std::span<const std::uint32_t> types);
    // executemany: every parameter set bound and executed, segment by segment, then one Sync,
    // all in one write. A segment whose statement is cached binds it; another is parsed
    // unnamed. The first error skips the rest, and the implicit transaction (outside BEGIN)
    // rolls back whatever ran: all or nothing.
    std::shared_ptr<Request> query_batch(std::shared_ptr<const std::string> sql, std::span<const BatchSegment> segments);

    // The parsed form of `sql`, kept for the connection's cursors: a new cursor running the
    // same SQL neither parses it again nor looks its statement up again.
    std::shared_ptr<const ParsedStatement> parsed(std::string_view sql);

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
            c.room_waiters_.push_back({caller, &granted});
            h = caller;
        }
        void await_resume() noexcept {
            h = {};
            if (granted) --c.reserved_;
        }
    };
    bool has_room() const noexcept {
        if (held_ || reserved_ != 0 || !room_waiters_.empty()) return false;
        return params_.max_pipeline == 0 || queue_.size() < params_.max_pipeline;
    }
    // Statements go out in the order they were called. A statement that is prepared first
    // (prepare(): its own Parse/Describe round trip) holds every later caller back until its
    // Bind is queued and the hold released, so that nothing called after it runs before it.
    // Waiters are let through one at a time, each when the one before it has queued.
    void release_hold() {
        held_ = false;
        grant_room();
    }
    RoomAwaiter room() { return RoomAwaiter{*this}; }
    void hold() noexcept { held_ = true; }  // later callers wait until release_hold()
    std::size_t in_flight() const noexcept { return queue_.size(); }

    // Streaming: the cursor took a batch of `bytes`, or gave up on the rest of the stream.
    // Reading starts again once what waits falls under the low-water mark.
    void stream_taken(Request& r, std::size_t bytes);
    void stream_drop(Request& r);
    bool reading_paused() const noexcept { return reading_paused_; }
    const Socket* socket() const noexcept { return socket_; }  // null before connecting and once closed
    std::size_t stream_peak() const noexcept { return stream_peak_; }  // most bytes of rows ever waiting

    // Registered types (Connection::register_type). Adding some rebuilds the result formats of
    // cached statements, so that their columns of those types come back in binary.
    const std::shared_ptr<const TypeRegistry>& types() const noexcept { return types_; }
    void add_types(const std::vector<std::pair<std::uint32_t, UserType>>& added);

    // Closes at once. Pending requests fail with `reason` (InterfaceError when null). Callers
    // outside a libuv callback of this connection call resume_ready() afterwards.
    void close(std::exception_ptr reason = nullptr) noexcept;
    bool closed() const noexcept { return state_ == State::closed; }
    // Why it closed (InterfaceError when the user closed it); null while open.
    std::exception_ptr close_error() const noexcept { return close_error_; }
    // The server's (or the network's) error that closed the connection while nothing waited on
    // it, once: psycopg2 raises it (OperationalError) for the first operation that meets the
    // closed connection, and InterfaceError ("connection already closed") after that.
    std::exception_ptr take_unreported() noexcept { return std::exchange(unreported_, nullptr); }
    // Drops a waiting coroutine that is being destroyed from the lists that would resume it.
    void forget_waiter(std::coroutine_handle<> h) noexcept;
    void forget_room_waiter(std::coroutine_handle<> h, bool granted) noexcept;
    // Something still waits on the connection (a statement, room, notifications).
    bool has_waiters() const noexcept { return !queue_.empty() || !notify_waiters.empty() || !room_waiters_.empty(); }
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
    bool ssl_in_use() const noexcept { return tls_ != nullptr && tls_ready_; }
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

    // SocketOwner
    void on_connected(int status) override;
    void on_alloc(std::size_t suggested, uv_buf_t* buf) override;
    void on_read(ssize_t nread, const uv_buf_t* buf) override;
    void on_written(int status) override;
    void on_uncork() override;

private:
    enum class State { resolving, connecting, ssl_response, tls_handshake, startup, ready, closed };

    // Connecting (lib/conn/startup.cpp).
    void start_resolve();
    static void on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* res);
    void try_next_address();
    void connect_failed(const std::string& why);
    void note_connect_failure(int status);          // adds libpq's lines for an address that failed
    std::string lookup_failed(int status) const;    // libpq's line for a failed name lookup
    void on_startup_message(const proto::BackendMessage& m, char type);
    void on_authentication(const proto::Authentication& a);
    void on_scram_first_done(std::unique_ptr<proto::ScramClient> scram, bool ok);
    void fail_startup(std::exception_ptr e);
    // TLS (lib/conn/startup.cpp): the reply to SSLRequest, the handshake, and libpq's fallback for
    // prefer (plain text after TLS failed) and allow (TLS after plain text was refused).
    void send_startup();
    void on_ssl_response(const std::uint8_t* data, std::size_t n);
    void start_tls();
    void drive_handshake();
    bool retry_connection(const std::string& failed);  // `failed`: this attempt's error line(s)
    // Authentication policy: require_auth and channel_binding.
    bool auth_allowed(const char* method, const char* what);
    void process_input();  // decodes and dispatches the plaintext buffered in decoder_
    // The last bytes for the socket: Terminate (when `terminate`), encrypted and followed by
    // TLS close_notify when TLS is up.
    std::vector<std::uint8_t> goodbye(bool terminate);

    // Running (lib/conn/connection.cpp).
    void dispatch(const proto::RawMessage& raw);
    void on_data_row(Request& r, proto::ByteView body);
    void on_row_description(Request& r);  // its shape is last_shape_
    void stream_cut(Request& r);         // the batch being filled joins the ones to take
    void pause_reading(bool pause);
    void watch_low_water(std::size_t n);  // after a read of `n` bytes (see Socket::low_water)
    void pump_copy_in();  // CopyData from the front request's source, as the socket takes it
    void on_query_message(Request& r, const proto::BackendMessage& m, char type);
    void on_command_complete(Request& r, std::string_view tag);
    void on_ready_for_query(Request& r, char status);
    bool handle_async(const proto::BackendMessage& m);
    void add_notice(const proto::NoticeResponse& n);
    void remember_shape(proto::ByteView body, const proto::RowDescription& desc);
    // The cached statement for (sql, types): a ready one, or a new one to prepare, or null
    // (cache off, or the statement is still being prepared by an earlier request).
    std::shared_ptr<Prepared> cached_statement(std::string_view sql, std::span<const std::uint32_t> types,
                                               bool& prepare);
    std::shared_ptr<Prepared> ready_statement(std::string_view sql, std::span<const std::uint32_t> types);
    static const std::string& statement_key(std::string_view sql, std::span<const std::uint32_t> types);
    void statement_done(Request& r);
    void forget_statements() noexcept;  // every cached statement, gone on the server or with the connection
    void protocol_violation(const std::string& what);
    void connection_lost(const std::string& why);
    void complete_front();
    void wake(const std::shared_ptr<Request>& r);  // its waiter goes on the ready list, once
    void grant_room();  // lets the next waiting caller queue, when there is room
    void enqueue(std::shared_ptr<Request> req);  // queues, writes, and lets the next caller in
    void flush();      // writes what is queued just before the loop next waits for I/O
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
    std::string error_log_;  // libpq's lines for the attempts that failed so far (addresses, TLS)
    sockaddr_storage peer_{};
    std::string peer_text_;

    proto::Decoder decoder_;
    std::vector<std::uint8_t> out_;  // bytes waiting for the write in flight to finish
    // TLS: the session, once the server said 'S' (or at once with sslnegotiation=direct);
    // ciphertext read and ciphertext waiting to be written.
    std::unique_ptr<TlsSession> tls_;
    bool tls_ready_ = false;      // handshake done: out_ is encrypted into wire_
    bool tls_attempt_ = false;    // this connection attempt asks for TLS
    bool tls_retried_ = false;    // the fallback of prefer/allow was used
    std::uint32_t attempt_ = 0;   // counts connection attempts (the fallback makes a second)
    std::vector<std::uint8_t> tls_in_, wire_;
    bool scram_binds_ = false;    // the SCRAM exchange under way binds the channel (PLUS)
    bool scram_plus_ = false;     // a SCRAM-SHA-256-PLUS exchange completed
    bool authenticated_ = false;  // the server asked for some authentication
    std::deque<std::shared_ptr<Request>> queue_;
    struct RoomWaiter {
        std::coroutine_handle<> h;
        bool* granted;
    };
    std::deque<RoomWaiter> room_waiters_;
    std::size_t reserved_ = 0;  // 1 while a waiter let through has not queued yet
    bool held_ = false;         // a statement being prepared keeps its place (prepare())
    bool reading_paused_ = false;  // a stream's reader fell behind: the socket is not read
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
    std::size_t ready_next_ = 0;    // the next entry to resume
    bool resuming_active_ = false;

    std::unique_ptr<proto::ScramClient> scram_;  // away on libuv's thread pool while it derives keys
    bool auth_ok_ = false;
    std::int32_t pid_ = 0, secret_ = 0;
    char tx_status_ = 'I';
    std::map<std::string, std::string, std::less<>> server_params_;
    std::deque<std::string> notices_;
    std::string close_reason_;  // what() of the error that closed the connection
    std::exception_ptr close_error_, unreported_;
    std::unordered_map<std::string, std::shared_ptr<Prepared>> statements_;
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::shared_ptr<const ParsedStatement>, TextHash, std::equal_to<>> parsed_;
    std::uint64_t statement_clock_ = 0;
    std::vector<std::uint8_t> last_desc_;  // the last RowDescription's body, and its shape
    std::shared_ptr<const RowShape> last_shape_;
    std::shared_ptr<const TypeRegistry> types_;  // Connection::register_type
};

// 'Z', or 0x01 for a byte that is not printable, for messages.
std::string message_type_text(char type);

}  // namespace uvpg::detail
