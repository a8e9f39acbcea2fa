// executemany's batch: every parameter set bound and executed, segment by segment, then one
// Sync, all in one request. The op encodes the batch (a chunk at a time, saying when what is
// encoded so far should be written early) and takes its reply: rows dropped, counts summed,
// the cached statements it bound marked for reparse if the server dropped them.
#pragma once
#include "lib/ops/query_op.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace uvpg::detail::ops {

// One run of executemany's parameter sets that share their parameter types.
struct BatchSegment {
    std::vector<std::uint32_t> types;
    std::vector<proto::BindParam> params;  // `sets` sets of types.size() parameters, back to back
    std::size_t sets = 0;
};

struct BatchOp : QueryCore {
    BatchOp() noexcept {}  // not value-initialized to zeros first (see QueryCore)
    // The cached statements it binds, in order: the reply's cache facts concern them.
    std::vector<std::shared_ptr<CachedStatement>> statements;
    std::uint32_t binds = 0, executes = 0;  // BindCompletes and CommandCompletes
    std::int64_t rows = -1;
    bool failed_at_bind = false;  // its error came where a BindComplete was due (nothing of it ran)

    // Encoding. Parameter sets are encoded kStep at a time; once the output holds kEarlyWrite
    // bytes, encode_next() stops so that the driver writes them: a long batch starts going out
    // while the rest is encoded, and the server is not idle meanwhile.
    static constexpr std::size_t kStep = 256;
    static constexpr std::size_t kEarlyWrite = std::size_t{64} * 1024;

    // What encode_next() asks of the driver. Not a Step: a Step answers a backend message of a
    // queued request, and its flush is a write before the loop next waits; this is a write now,
    // before the request is even queued, and the two answers never combine.
    enum class Encoded : std::uint8_t {
        write_early,  // the output holds kEarlyWrite bytes or more: write them now, then call again
        done,         // the whole batch and its Sync are appended: queue the request
    };

    // Begins encoding `segments` of `sql` (the $n text). Both are read until encode_next()
    // answers done, and not after: the request may outlive them.
    void start(std::string_view sql, std::span<const BatchSegment> segments) noexcept {
        sql_ = sql;
        segments_ = segments;
        segment_ = 0;
        set_ = 0;
        in_segment_ = false;
    }
    // Appends the next part of the batch to `out`: a segment whose statement is cached binds it
    // by name, another is parsed as the unnamed statement; its sets follow as Bind/Execute
    // pairs. `ready_statement(types)` is the statement cache's answer for a segment's parameter
    // types, asked once per segment as its encoding begins: a statement ready to bind, or null.
    // Throws what proto's encoders throw (a value over 2^31-1 bytes, too many parameters), with
    // `out` as it was before the chunk that failed: what to do with the part already encoded or
    // sent is the driver's.
    template <class Lookup>
    Encoded encode_next(proto::Bytes& out, Lookup&& ready_statement) {
        for (;;) {
            if (!in_segment_) {
                if (segment_ == segments_.size()) return finish(out);
                begin_segment(out, ready_statement(segments_[segment_].types));
            }
            if (encode_sets(out)) return Encoded::write_early;
        }
    }

    void bind_complete() noexcept { ++binds; }
    Step data_row(const proto::DataRow&) { return {}; }  // executemany drops rows, as psycopg2 does
    void command_complete(std::string_view tag) {
        QueryCore::command_complete(tag);
        ++executes;
        if (auto n = rows_from_tag(tag); n >= 0) rows = std::max<std::int64_t>(rows, 0) + n;
    }
    Step on_message(const proto::BackendMessage& m, char type, proto::Bytes& out) {
        switch (type) {
        case '2': ++binds; return {};
        case '1':
        case '3':
        case 'n':
        case 't': return {};
        case 'E':
            if (!failed()) failed_at_bind = binds == executes;
            [[fallthrough]];
        default: return on_other(m, type, out, true);
        }
    }
    bool reparse_all() const noexcept { return cache_fact(sqlstate()); }
    bool stale() const noexcept { return !statements.empty() && failed_at_bind && cache_fact(sqlstate()); }

private:
    // The segment's Parse (unnamed) when `st` is null, else `st` joins `statements`.
    void begin_segment(proto::Bytes& out, std::shared_ptr<CachedStatement> st);
    // Up to kStep sets of the current segment; true when the output holds kEarlyWrite bytes.
    bool encode_sets(proto::Bytes& out);
    Encoded finish(proto::Bytes& out);

    // Where encoding is, between start() and done.
    std::string_view sql_;
    std::span<const BatchSegment> segments_;
    std::size_t segment_ = 0;  // the segment being encoded
    std::size_t set_ = 0;      // its sets encoded so far
    std::string_view name_;    // its statement's name ("" for the unnamed one)
    bool in_segment_ = false;  // its Parse (or its statement) is settled
};

}  // namespace uvpg::detail::ops
