// uvpg::Cursor: psycopg2's client-side cursor over the connection's request queue.
#include <uvpg/cursor.hpp>

#include "lib/cursor/cursor_state.hpp"
#include "proto/frontend.hpp"
#include "proto/sql.hpp"

#include <charconv>

namespace uvpg {

namespace detail {

namespace {

constexpr std::size_t kMaxParams = 65535;  // the protocol's Int16 parameter count

// The parameters in $n order into `out` (a reused buffer).
void order_params(const proto::ParsedSql& parsed, const Params& params, std::vector<const Param*>& out) {
    using S = proto::PlaceholderStyle;
    out.clear();
    if (parsed.style == S::named) {
        if (!params.is_named())
            throw ProgrammingError("the query uses %(name)s placeholders but the parameters are positional");
        for (const auto& name : parsed.names) {
            const Param* p = params.find(name);
            if (!p) throw ProgrammingError("no value for the query parameter \"" + name + "\"");
            out.push_back(p);
        }
        return;  // names the query does not use are ignored, as psycopg2 does with a dict
    }
    if (params.is_named()) {
        if (parsed.style == S::none) return;
        throw ProgrammingError("the query uses positional placeholders but the parameters are named");
    }
    const auto& pos = params.positional();
    if (pos.size() != parsed.param_count)
        throw ProgrammingError("the query has " + std::to_string(parsed.param_count) + " placeholders but " +
                               std::to_string(pos.size()) + " parameters were given");
    for (const auto& p : pos) out.push_back(&p);
}

std::vector<const Param*> order_params(const proto::ParsedSql& parsed, const Params& params) {
    std::vector<const Param*> out;
    order_params(parsed, params, out);
    return out;
}

}  // namespace

// Running a statement, shared with lib/cursor/cursor_stream.cpp (declared in lib/cursor/cursor_state.hpp).

// The cursor's last statement, else the connection's parsed form (ProgrammingError for bad
// placeholders).
std::shared_ptr<const ParsedQuery> parse_query(CursorState& s, std::string_view sql) {
    if (s.last_parsed && s.last_parsed->source == sql) return s.last_parsed;
    const bool cached = !s.conn.closed();
    s.last_parsed = cached ? Access::impl(s.conn)->parsed(sql) : detail::parse_query(sql);
    s.parsed_on = cached ? Access::impl(s.conn).get() : nullptr;
    return s.last_parsed;
}

// The parameters in $n order into `b`, or a ProgrammingError.
void bind_params(const proto::ParsedSql& parsed, const Params& params, Bound& b) {
    auto& ordered = b.ordered;
    order_params(parsed, params, ordered);
    if (ordered.size() > kMaxParams)
        throw ProgrammingError("too many parameters: " + std::to_string(ordered.size()) + " (at most 65535)");
    b.types.clear();
    b.params.clear();
    b.types.reserve(ordered.size());
    b.params.reserve(ordered.size());
    for (const Param* p : ordered) {
        b.types.push_back(p->type_oid());
        proto::BindParam bp;
        if (!p->is_null())
            bp.value = proto::ByteView(reinterpret_cast<const std::uint8_t*>(p->data().data()), p->data().size());
        bp.format = p->binary() ? proto::Format::binary : proto::Format::text;
        b.params.push_back(bp);
    }
}

// Waits while the connection has max_pipeline requests in flight or a statement being
// prepared holds the line (a coroutine of its own only then: the usual case allocates nothing).
Task<void> wait_room(CursorState* s) {
    auto room = live_connection(*s).room();
    co_await room;
}

// Prepares (and describes) a statement not in the connection's cache yet, on its own, holding
// the connection's later callers back; null when it is cached already.
std::shared_ptr<Request> start_prepare(ConnectionImpl& c, const std::shared_ptr<const std::string>& sql,
                                       std::span<const std::uint32_t> types, HoldGuard& hold) {
    auto prep = c.prepare(sql, types);
    if (prep) hold.c = &c;
    return prep;
}

Task<void> wait_prepared(ConnectionImpl* c, std::shared_ptr<Request> prep) {
    Deadline deadline(*c);
    RequestAwaiter prepared{std::move(prep)};
    co_await prepared;
}

// A cached statement the server could not use failed at its Bind, before running anything:
// its plan was dropped ("cached plan must not change result type", after ALTER TABLE: 0A000),
// or it is not on the server connection the run reached (26000: DEALLOCATE behind the cache's
// back, or a transaction pooler's other server connection), or its name was taken (42P05).
// Outside a transaction block it is run once more, prepared again in the same write
// (lib/conn/statement_cache.cpp), which cannot meet any of these again; inside one, the transaction is
// aborted and the error is the caller's (the statement is prepared again by its next run).
// The same SQLSTATE after the Bind is the statement's own (a function raised it): never rerun
// (executemany: only an error where a BindComplete was due; all or nothing, the implicit
// transaction rolled every set back). Nor when another caller's request was queued behind it:
// the rerun would run after that one (inside a BEGIN called later, say); the caller gets the
// error, and the statement's next run prepares it again.
bool stale_plan(const Request& r, int attempt) {
    return attempt == 0 && r.tx_status() == 'I' && !r.followed && ops::stale(r.op);
}

namespace {

// Whether a simple query may start COPY FROM STDIN: its text names STDIN (any case). The server
// then reads whatever follows the Query as COPY data until the client ends it (a CopyFail, as
// execute() has no source), so a statement pipelined behind it would be swallowed and the
// replies after it matched to the wrong callers. Such a query holds the connection instead; a
// false positive only costs pipelining behind that one statement.
bool may_read_stdin(std::string_view sql) noexcept {
    static constexpr std::string_view kStdin = "stdin";
    for (std::size_t i = 0; i + kStdin.size() <= sql.size(); ++i) {
        std::size_t k = 0;
        while (k < kStdin.size() && (sql[i + k] | 0x20) == kStdin[k]) ++k;
        if (k == kStdin.size()) return true;
    }
    return false;
}

// What execute runs: a simple query's text, or the parsed statement, or the error parsing it
// gave (thrown when the execute is awaited, with the text kept as the cursor's query).
struct Statement {
    std::shared_ptr<const std::string> simple;
    std::shared_ptr<const ParsedQuery> parsed;
    std::exception_ptr error;
    std::string failed_sql;
};

// Without parameters at all, a simple query (it may hold several statements); otherwise the
// parsed statement. Done before the coroutine starts, so that it need not copy the text.
Statement statement_for(CursorState& s, std::string_view sql, const Params& params) {
    Statement st;
    if (params.empty() && !params.is_named()) {
        if (!s.last_simple || *s.last_simple != sql) s.last_simple = std::make_shared<const std::string>(sql);
        st.simple = s.last_simple;
        return st;
    }
    try {
        st.parsed = parse_query(s, sql);
    } catch (...) {
        st.error = std::current_exception();
        st.failed_sql = sql;
    }
    return st;
}

Task<void> execute_impl(CursorRef s, Statement stmt, Params params) {
    BusyGuard busy(*s);
    live_connection(*s);
    s->reset();
    const bool simple = stmt.simple != nullptr;
    const ParsedQuery* st = stmt.parsed.get();
    if (stmt.error) {
        s->query = stmt.failed_sql;  // what was asked for, as psycopg2 keeps it
        std::rethrow_exception(stmt.error);
    }
    if (!simple) {
        try {
            bind_params(st->parsed, params, s->bound);
        } catch (...) {
            s->query = st->source;
            throw;
        }
        s->query = *st->sent;
    } else {
        s->query = *stmt.simple;
    }
    for (int attempt = 0;; ++attempt) {
        if (!live_connection(*s).has_room()) co_await wait_room(s.get());
        ConnectionImpl* c = &live_connection(*s);
        std::shared_ptr<Request> req;
        HoldGuard copy_hold;  // until this reply: nothing goes out behind a possible COPY FROM STDIN
        if (simple) {
            if (may_read_stdin(*stmt.simple)) {
                c->hold();
                copy_hold.c = c;
            }
            req = c->query(stmt.simple);
        } else {
            HoldGuard hold;
            const auto& known = st->memo.find(c, st->sent, s->bound.types);
            if (!known)
                if (auto prep = start_prepare(*c, st->sent, s->bound.types, hold))
                    co_await wait_prepared(c, std::move(prep));
            req = live_connection(*s).query(st->sent, s->bound.types, s->bound.params, known);
            st->memo.remember(c, st->sent, s->bound.types, req->statement());
        }
        Deadline deadline(*c);
        RequestAwaiter reply{std::move(req)};  // named: g++ 12 mishandles non-trivial temporaries in co_await
        bool retry = false;
        try {
            store(*s, co_await reply);
        } catch (...) {
            if (!stale_plan(*reply.r, attempt)) throw;
            retry = true;
        }
        if (!retry) co_return;
    }
}

Task<void> executemany_simple(CursorRef s, std::string sql, std::size_t times) {
    std::int64_t total = 0;
    bool counted = false;
    for (std::size_t i = 0; i < times; ++i) {
        Params none;
        // The statement first: in one call, `none` could be moved from before statement_for
        // reads it (the order of evaluation of arguments is unspecified).
        auto stmt = statement_for(*s, sql, none);
        co_await execute_impl(s, std::move(stmt), std::move(none));
        if (s->rowcount >= 0) {
            total += s->rowcount;
            counted = true;
        }
    }
    s->rowcount = counted ? total : -1;
}

// Every parameter set is bound before anything is sent (a bad one is a ProgrammingError with
// nothing run), runs of sets with the same parameter types share a statement, and the whole
// batch goes out as one pipeline with one Sync: all of it runs, or none of it.
Task<void> executemany_impl(CursorRef s, std::string sql, std::vector<Params> seq) {
    if (std::all_of(seq.begin(), seq.end(), [](const Params& p) { return p.empty() && !p.is_named(); })) {
        co_await executemany_simple(s, std::move(sql), seq.size());
        co_return;
    }
    BusyGuard busy(*s);
    live_connection(*s);
    s->reset();
    s->query = sql;
    auto st = parse_query(*s, sql);
    s->query = *st->sent;
    std::vector<BatchSegment> segments;
    Bound b;
    for (const auto& params : seq) {
        bind_params(st->parsed, params, b);
        if (segments.empty() || segments.back().types != b.types) segments.emplace_back().types = b.types;
        auto& flat = segments.back().params;
        flat.insert(flat.end(), b.params.begin(), b.params.end());
        ++segments.back().sets;
    }
    for (int attempt = 0;; ++attempt) {
        if (!live_connection(*s).has_room()) co_await wait_room(s.get());
        ConnectionImpl* c = &live_connection(*s);
        HoldGuard hold;
        for (const auto& seg : segments)
            if (auto prep = start_prepare(live_connection(*s), st->sent, seg.types, hold))
                co_await wait_prepared(c, std::move(prep));
        auto req = live_connection(*s).query_batch(st->sent, segments);
        hold.release();
        Deadline deadline(*c);
        RequestAwaiter reply{req};
        bool retry = false;
        try {
            store(*s, co_await reply);
            s->rowcount = std::get<ops::BatchOp>(req->op).rows;
        } catch (...) {
            if (!stale_plan(*reply.r, attempt)) throw;
            retry = true;
        }
        if (!retry) co_return;
    }
}

// A completed result is the caller's: it stays readable after the connection closes (as
// asyncpg's and pgx's do). Nothing may be read while another operation runs on the cursor.
const QueryResult& rows_or_throw(CursorState& s) {
    if (s.closed) throw InterfaceError("cursor already closed");
    if (s.busy) throw InterfaceError("another operation is already in progress on this cursor");
    if (!s.executed && s.conn.closed()) throw InterfaceError("cursor already closed");
    if (!s.executed || !s.result.shape) throw ProgrammingError("no results to fetch");
    return s.result;
}

std::vector<Row> take_rows(CursorState& s, std::size_t n) {
    const auto& r = rows_or_throw(s);
    std::size_t end = std::min(r.size(), s.pos + std::min(n, r.size()));
    std::vector<Row> out;
    out.reserve(end - s.pos);
    if (end > s.pos) {
        const detail::RowSetBase* set = r.packer->share(end - s.pos);  // one atomic add for all
        for (std::size_t i = s.pos; i < end; ++i) out.push_back(Access::row(set, r.at(i)));
    }
    s.pos = end;
    return out;
}

Task<std::optional<Row>> fetchone_impl(CursorRef s) {
    if (s->stream_mode) {
        auto rows = co_await stream_take(s.get(), 1);
        if (rows.empty()) co_return std::nullopt;
        co_return std::move(rows.front());
    }
    const auto& r = rows_or_throw(*s);
    if (s->pos >= r.size()) co_return std::nullopt;
    co_return r.row(s->pos++);
}
Task<std::vector<Row>> fetchmany_impl(CursorRef s, std::size_t n) {
    if (s->stream_mode) co_return co_await stream_take(s.get(), n);
    co_return take_rows(*s, n);
}
Task<std::vector<Row>> fetchall_impl(CursorRef s) {
    if (s->stream_mode) co_return co_await stream_take(s.get(), SIZE_MAX);
    co_return take_rows(*s, SIZE_MAX);
}
Task<void> scroll_impl(CursorRef s, std::int64_t value, ScrollMode mode) {
    if (s->busy) throw InterfaceError("another operation is already in progress on this cursor");
    if (s->stream_mode) throw ProgrammingError("scroll() is not available on a streamed result");
    const auto& r = rows_or_throw(*s);
    std::int64_t target = mode == ScrollMode::relative ? static_cast<std::int64_t>(s->pos) + value : value;
    if (target < 0 || target >= static_cast<std::int64_t>(r.size()))
        throw ProgrammingError("scroll destination out of bounds");
    s->pos = static_cast<std::size_t>(target);
    co_return;
}

}  // namespace

std::string quote_ident(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace detail

namespace detail {
namespace {

// Code that opens a cursor per query (fan-out: a task and a cursor per statement) would pay
// for a new state and its buffers each time: a closed cursor's state is kept for the thread's
// next one instead.
struct CursorPool {
#if defined(UVPG_ASAN)
    static constexpr std::size_t kMax = 0;  // AddressSanitizer sees every state's life as it is
#else
    static constexpr std::size_t kMax = 64;
#endif
    std::vector<CursorState*> spare;
    ~CursorPool() {
        for (auto* st : spare) delete st;
    }
};
thread_local CursorPool cursor_pool;

// A state from the free list, or a new one, owned by nobody yet.
CursorState* new_cursor_state() {
    auto& pool = cursor_pool.spare;
    if (pool.empty()) return new CursorState();
    CursorState* st = pool.back();
    pool.pop_back();
    return st;
}

}  // namespace

void retire(CursorState* st) noexcept {
    std::unique_ptr<CursorState> owned(st);
    auto& pool = cursor_pool.spare;
    if (pool.size() >= CursorPool::kMax) return;  // freed here
    owned->recycle();
    try {
        pool.push_back(owned.get());
    } catch (...) {
        return;  // no memory to keep it: freed
    }
    (void)owned.release();
}

}  // namespace detail

Cursor::Cursor() noexcept = default;
Cursor::Cursor(Connection conn) : s_(detail::new_cursor_state()) {
    s_->refs = 1;                                             // the cursor's own
    if (s_->parsed_on != detail::Access::impl(conn).get()) {  // a reused state's statement is for its own connection
        s_->last_parsed.reset();
        s_->parsed_on = nullptr;
    }
    s_->conn = std::move(conn);
}
Cursor::Cursor(Cursor&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
Cursor& Cursor::operator=(Cursor&& o) noexcept {
    if (this != &o) {
        Cursor gone(std::move(*this));  // lets go of this cursor's state when it ends here
        s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
}
Cursor::~Cursor() {
    if (s_ && --s_->refs == 0) detail::retire(s_);
}

detail::CursorState& Cursor::checked() const {
    if (!s_ || s_->closed) throw InterfaceError("cursor already closed");
    return *s_;
}
detail::CursorRef Cursor::shared() const { return detail::CursorRef(&checked()); }

// Each public coroutine entry is a plain function moving its arguments into a detail::
// coroutine over the (stable) state: the Cursor itself may be moved while one runs, and
// g++ 12 frees twice when a coroutine takes a braced temporary by value (docs/design.md).
Task<void> Cursor::execute(std::string_view sql, Params params) {
    auto& s = checked();
    auto stmt = detail::statement_for(s, sql, params);
    return detail::execute_impl(detail::CursorRef(s_), std::move(stmt), std::move(params));
}

Task<void> Cursor::executemany(std::string_view sql, std::vector<Params> seq) {
    return detail::executemany_impl(shared(), std::string(sql), std::move(seq));
}

Task<void> Cursor::callproc(std::string_view name, Params params) {
    auto& s = checked();
    std::string sql = "SELECT * FROM " + std::string(name) + "(";
    if (params.is_named()) {
        std::size_t i = 0;
        for (const auto& [key, value] : params.named()) {
            sql += (i ? ", " : "") + detail::quote_ident(key) + " => $" + std::to_string(i + 1);
            ++i;
        }
        std::vector<Param> values;
        for (const auto& kv : params.named()) values.push_back(kv.second);
        sql += ")";
        auto bound = Params::from(std::move(values));
        auto stmt = detail::statement_for(s, sql, bound);
        return detail::execute_impl(detail::CursorRef(s_), std::move(stmt), std::move(bound));
    }
    for (std::size_t i = 0; i < params.positional().size(); ++i) sql += (i ? ", $" : "$") + std::to_string(i + 1);
    sql += ")";
    auto stmt = detail::statement_for(s, sql, params);
    return detail::execute_impl(detail::CursorRef(s_), std::move(stmt), std::move(params));
}

Task<void> Cursor::stream(std::string_view sql, Params params) {
    return detail::stream_impl(shared(), std::string(sql), std::move(params));
}

Task<std::optional<Row>> Cursor::fetchone() { return detail::fetchone_impl(shared()); }
Task<std::vector<Row>> Cursor::fetchmany(std::optional<std::size_t> size) {
    return detail::fetchmany_impl(shared(), size.value_or(arraysize));
}
Task<std::vector<Row>> Cursor::fetchall() { return detail::fetchall_impl(shared()); }
Task<void> Cursor::scroll(std::int64_t value, ScrollMode mode) { return detail::scroll_impl(shared(), value, mode); }

const std::vector<Column>& Cursor::description() const {
    static const std::vector<Column> none;
    const auto& s = checked();
    return s.result.shape ? s.result.shape->columns : none;
}
std::int64_t Cursor::rowcount() const { return checked().rowcount; }
std::optional<std::size_t> Cursor::rownumber() const {
    const auto& s = checked();
    if (!s.executed || !s.result.shape) return std::nullopt;
    if (s.stream_mode) return static_cast<std::size_t>(s.streamed);
    return s.pos;
}
const std::string& Cursor::query() const { return checked().query; }
const std::string& Cursor::statusmessage() const {
    const auto& s = checked();
    return s.stream_mode ? s.status : s.result.tag;
}

std::string Cursor::mogrify(std::string_view sql, const Params& params) const {
    checked();
    if (params.empty() && !params.is_named()) return std::string(sql);
    const auto st = detail::parse_query(sql);  // ProgrammingError for bad placeholders
    const auto& parsed = st->parsed;
    auto ordered = detail::order_params(parsed, params);
    std::vector<std::string> literals;
    literals.reserve(ordered.size());
    for (const Param* p : ordered) literals.push_back(p->literal());
    return parsed.style == proto::PlaceholderStyle::none ? std::string(sql) : proto::render_literals(parsed, literals);
}

void Cursor::close() noexcept {
    if (!s_ || s_->closed) return;
    s_->closed = true;
    s_->drop_stream();
    s_->result = detail::QueryResult{};
}
bool Cursor::closed() const noexcept { return !s_ || s_->closed || s_->conn.closed(); }
Connection& Cursor::connection() const { return checked().conn; }

}  // namespace uvpg
