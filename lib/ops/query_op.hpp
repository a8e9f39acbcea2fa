// The query operations' common part and the plain ones: a simple query (Query: one or more
// statements) and an extended query (Parse/Bind/Describe/Execute/Sync, with the statement
// cache's prepare step). Each is fed the backend messages of its reply, in order, and answers
// with a Step: what the driver must do now (lib/conn/ does it). They know nothing of sockets
// or coroutines; their errors are ErrorValues, which the driver turns into the awaiter's
// exception when the request ends.
// executemany's batch is in lib/ops/batch_op.hpp, COPY in lib/ops/copy_op.hpp, streaming in
// lib/ops/stream_op.hpp, the set of them in lib/ops/query_ops.hpp.
#pragma once
#include <uvpg/errors_sqlstate.hpp>

#include "lib/errors/error.hpp"
#include "lib/ops/query_result.hpp"
#include "proto/backend.hpp"
#include "proto/frontend.hpp"

#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>

namespace uvpg::detail::ops {

// What the driver does after feeding one message. Most messages need nothing (bits == 0), so
// the hot path pays one test.
struct Step {
    enum : std::uint8_t {
        flush = 1,            // frontend bytes were appended to the output: write them
        pump = 2,             // CopyInResponse: feed the source to the server as the socket takes it
        wake = 4,             // the awaiter has something to take before the end (a stream's rows)
        pause_reading = 8,    // too many bytes of rows wait for the reader: stop reading the socket
        resume_reading = 16,  // read the socket again
        complete = 32,        // ReadyForQuery: the request is over
        unexpected = 64,      // a message this operation cannot take: a protocol violation
        violation = 128,      // a protocol violation the op describes (QueryCore::violation)
    };
    std::uint8_t bits = 0;
};

// Errors that say the server's prepared statement is not the one the cache knows: gone
// (26000), its name already taken (42P05), or its plan's result type changed (0A000, "cached
// plan must not change result type"). They come before the statement runs.
inline bool cache_fact(std::string_view sqlstate) noexcept {
    return sqlstate == errors::InvalidSqlStatementName::sqlstate ||
           sqlstate == errors::DuplicatePreparedStatement::sqlstate ||
           sqlstate == errors::FeatureNotSupported::sqlstate;
}

// What every query operation keeps: the result being built, the first error, and where in
// its reply it is.
struct QueryCore {
    // User-provided, so that making one (a variant alternative, value-initialized) does not
    // first zero all its bytes: that memset alone cost a query 5% of its instructions.
    QueryCore() noexcept {}
    QueryResult result;
    // The first error; the request still runs to ReadyForQuery. `thrown` is the user's own
    // exception from a COPY source or sink, passed on as it is. On the heap: rare, and an
    // ErrorValue (Diagnostics) would more than double the size of every request.
    std::unique_ptr<ErrorValue> error;
    std::exception_ptr thrown;
    std::string violation;            // with Step::violation: what was wrong
    bool statement_done = false;      // the current statement ended; the next message starts another
    bool copying_out = false;         // inside COPY TO STDOUT: CopyData goes to the sink (or nowhere)
    char tx_status = 0;               // of the ReadyForQuery that ended it
    bool thrown_operational = false;  // `thrown` is an OperationalError (noted when caught)

    bool failed() const noexcept { return error || thrown; }
    void fail(ErrorValue e) {
        if (!failed()) error = std::make_unique<ErrorValue>(std::move(e));
    }
    // Inside the catch block of a COPY source's or sink's exception: kept as it is, unless an
    // error came first. Whether it is an OperationalError (`operational`: caught as one) is
    // noted now, so that the close path need not rethrow it to ask.
    void keep_thrown(bool operational) noexcept {
        if (failed()) return;
        thrown = std::current_exception();
        thrown_operational = operational;
    }
    // The SQLSTATE of the first error, when the server sent it.
    std::string_view sqlstate() const noexcept {
        return error && !thrown ? std::string_view(error->diag.sqlstate) : std::string_view();
    }
    Step violate(std::string what) {
        violation = std::move(what);
        return {Step::violation};
    }
    // Rows (or COPY data) of a statement are coming in: the driver's low-water watch.
    bool in_rows() const noexcept { return (result.shape && !statement_done) || copying_out; }
    // The user dropped every prepared statement of the session (so are the cache's).
    bool forgets_statements() const noexcept {
        return !failed() && (result.tag == "DEALLOCATE ALL" || result.tag == "DISCARD ALL");
    }
    // Not one of the statement cache's facts to retry on (see ExtendedQueryOp::stale()).
    bool stale() const noexcept { return false; }

    // The hot messages, fed straight from their bytes by the driver. `shape`: the shape of the
    // RowDescription just received (the connection keeps the last one). Always inlined: as
    // calls between files of the shared library they would go through the PLT.
    [[gnu::always_inline]] void row_description(const std::shared_ptr<const RowShape>& shape) {
        if (statement_done) {  // a new statement of a simple query
            result.clear();
            statement_done = false;
        }
        result.shape = shape;
        result.clear_rows();
    }
    [[gnu::always_inline]] Step data_row(const proto::DataRow& body, std::size_t first_chunk = 0) {
        if (!result.shape || statement_done) return violate("DataRow without RowDescription");
        if (!result.packer) result.packer.emplace(result.shape, first_chunk);
        std::string why;
        const std::uint8_t* row = result.packer->add(body, why);
        if (!row) return violate("malformed message: " + why);
        result.push_back(row);
        return {};
    }
    [[gnu::always_inline]] void command_complete(std::string_view tag) {
        // A statement without rows after one that ended (a simple query's next) starts afresh.
        if (statement_done) {
            result.clear();
            statement_done = false;
        }
        if (result.tag != tag) result.tag.assign(tag);  // executemany: the same tag many times
        statement_done = true;
        copying_out = false;
    }
    [[gnu::always_inline]] Step ready_for_query(char status) {
        tx_status = status;
        return {Step::complete};
    }
    // Every other message of a query's reply (ErrorResponse, EmptyQueryResponse, COPY's,
    // PortalSuspended). `extended`: the query went by the extended protocol (a refused COPY
    // FROM STDIN then needs a Sync of its own). Appends to `out` what must be written.
    Step on_other(const proto::BackendMessage& m, char type, proto::Bytes& out, bool extended);
};

// Query: one or more statements in one string; the result is the last statement's.
struct SimpleQueryOp : QueryCore {
    SimpleQueryOp() noexcept {}  // not value-initialized to zeros first (see QueryCore)
    void start(proto::Bytes& out, std::string_view sql) { proto::encode_query(out, sql); }
    Step on_message(const proto::BackendMessage& m, char type, proto::Bytes& out) {
        return on_other(m, type, out, false);
    }
};

// What the statement cache learns when an extended query ends.
enum class CacheNews : std::uint8_t {
    none,
    prepared,      // the statement's Parse and Describe were answered: it is ready, with this result's shape
    not_prepared,  // its preparation failed: forget it
    reparse,       // the server does not have it as the cache believes: prepare it again next run
};

// One statement by the extended protocol: the unnamed statement, or a cached one (prepared in
// the same write when `prepares`, else only bound).
struct ExtendedQueryOp : QueryCore {
    ExtendedQueryOp() noexcept {}                // not value-initialized to zeros first (see QueryCore)
    std::shared_ptr<CachedStatement> statement;  // the cached statement it prepares or uses
    bool prepares = false;                       // this request sends the statement's Parse
    // A BindComplete came: the statement was bound and ran, so an error after it is the
    // statement's own, never a cache fact to retry (a function may raise any SQLSTATE).
    bool bound = false;

    // Appends the query (`statement` and `prepares` set first): Bind/Execute/Sync for a cached
    // statement, with Close/Parse/Describe ahead when `prepares`; Parse/Bind/Describe/
    // Execute/Sync of the unnamed statement without one.
    void start(proto::Bytes& out, std::string_view sql, std::span<const std::uint32_t> types,
               std::span<const proto::BindParam> params);
    // Appends the prepare step alone (Close/Parse/Describe/Sync): `statement` is described
    // before its first Bind, which then asks for binary results column by column.
    void start_prepare(proto::Bytes& out, std::string_view sql, std::span<const std::uint32_t> types);

    void bind_complete() noexcept { bound = true; }
    Step on_message(const proto::BackendMessage& m, char type, proto::Bytes& out) {
        switch (type) {
        case '2': bound = true; return {};
        case '1':
        case '3':
        case 'n':
        case 't': return {};
        default: return on_other(m, type, out, true);
        }
    }
    CacheNews cache_news() const noexcept {
        if (!statement) return CacheNews::none;
        if (prepares) return failed() ? CacheNews::not_prepared : CacheNews::prepared;
        // Gone where this run landed (DEALLOCATE, a pooler's other server connection) or
        // stale: its next run prepares it again in the same write. Still cached meanwhile, so
        // the retry and the caller's memo find it.
        if (cache_fact(sqlstate()) && !bound && statement->ready) return CacheNews::reparse;
        return CacheNews::none;
    }
    // Failed at its Bind for a reason the cache caused: the cursor may run it once more.
    bool stale() const noexcept { return statement && !prepares && !bound && cache_fact(sqlstate()); }
};

}  // namespace uvpg::detail::ops
