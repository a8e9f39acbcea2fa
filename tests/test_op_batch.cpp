// Transcript tests of executemany's batch (lib/ops/batch_op.hpp), in memory: the frontend bytes
// it encodes (a cached segment bound by name, another parsed unnamed, one Sync), where it asks
// for an early write, what an encoding error leaves, its reply with an error in the middle, and
// the connection lost at every step.
#include "tests/op_query_transcript.hpp"

#include <uvpg/errors.hpp>
#include <uvpg/errors_sqlstate.hpp>

#include <map>
#include <stdexcept>
#include <utility>

using namespace uvpg;
using namespace uvpg::test;
using detail::CachedStatement;
using detail::ops::BatchOp;
using detail::ops::BatchSegment;
using detail::ops::Step;

namespace {

constexpr std::string_view kSql = "INSERT INTO t VALUES ($1)";

proto::BackendMessage complete(std::string_view tag) { return proto::CommandComplete{tag}; }
proto::BackendMessage ready(char status = 'I') { return proto::ReadyForQuery{status}; }

proto::ByteView view(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// A segment of `values`, one text parameter of type `type` per set. The strings must outlive it.
BatchSegment segment(std::uint32_t type, const std::vector<std::string>& values) {
    BatchSegment seg;
    seg.types = {type};
    for (const auto& v : values) seg.params.push_back({view(v), proto::Format::text});
    seg.sets = values.size();
    return seg;
}

std::shared_ptr<CachedStatement> cached(std::string name) {
    auto st = std::make_shared<CachedStatement>();
    st->name = std::move(name);
    st->ready = true;
    return st;
}

// The statement cache's answers, and the questions it was asked.
struct Cache {
    std::map<std::uint32_t, std::shared_ptr<CachedStatement>> ready;  // by the segment's one parameter type
    std::vector<std::uint32_t> asked;
    std::shared_ptr<CachedStatement> operator()(std::span<const std::uint32_t> types) {
        asked.push_back(types.empty() ? 0 : types[0]);
        auto it = ready.find(asked.back());
        return it == ready.end() ? nullptr : it->second;
    }
};

// The bytes of a segment's sets: one Bind (text results) and one Execute each.
void sets_of(proto::Bytes& b, std::string_view name, const BatchSegment& seg) {
    const std::size_t width = seg.types.size();
    for (std::size_t i = 0; i < seg.sets; ++i) {
        proto::encode_bind(b, "", name, std::span(seg.params).subspan(i * width, width), {});
        proto::encode_execute(b, "", 0);
    }
}

// Encodes the whole batch as the driver does, the output written (taken) at each early write;
// returns every byte in order and the number of early writes.
std::pair<proto::Bytes, std::size_t> encode_all(BatchOp& op, std::span<const BatchSegment> segments, Cache& cache) {
    proto::Bytes out, wire;
    std::size_t early = 0;
    op.start(kSql, segments);
    while (op.encode_next(out, cache) == BatchOp::Encoded::write_early) {
        CHECK(out.size() >= BatchOp::kEarlyWrite);
        ++early;
        wire.insert(wire.end(), out.begin(), out.end());
        out.clear();
    }
    wire.insert(wire.end(), out.begin(), out.end());
    return {wire, early};
}

ops::RequestError outcome(QueryTranscript& t) {
    return ops::RequestError::of(t.core(), std::make_shared<const std::string>(kSql));
}

}  // namespace

TEST_CASE("batch: what it writes: a cached segment bound by name, another parsed unnamed, one Sync at the end") {
    const std::vector<std::string> ints = {"1", "2"}, texts = {"x"}, more = {"3"};
    const std::vector<BatchSegment> segments = {segment(23, ints), segment(25, texts), segment(23, more)};
    Cache cache;
    auto st = cached("uvpg_int4");
    cache.ready[23] = st;
    BatchOp op;
    auto [wire, early] = encode_all(op, segments, cache);
    CHECK(early == 0);
    CHECK(wire == frontend([&](proto::Bytes& b) {
              sets_of(b, st->name, segments[0]);
              proto::encode_parse(b, "", kSql, segments[1].types);
              sets_of(b, "", segments[1]);
              sets_of(b, st->name, segments[2]);
              proto::encode_sync(b);
          }));
    // Asked once per segment, in order; what it binds is what the reply's cache facts concern.
    CHECK(cache.asked == std::vector<std::uint32_t>{23, 25, 23});
    CHECK(op.statements == std::vector<std::shared_ptr<CachedStatement>>{st, st});
}

TEST_CASE("batch: past 64 KiB encoded it asks for an early write, then goes on where it stopped") {
    // 2,000 sets of about 150 bytes: a chunk of 256 sets is under 64 KiB, two are over.
    std::vector<std::string> values;
    for (int i = 0; i < 2000; ++i) values.push_back(std::string(120, 'v') + std::to_string(i));
    const std::vector<BatchSegment> segments = {segment(25, values)};
    proto::Bytes expected = frontend([&](proto::Bytes& b) {
        proto::encode_parse(b, "", kSql, segments[0].types);
        sets_of(b, "", segments[0]);
        proto::encode_sync(b);
    });
    REQUIRE(expected.size() > 3 * BatchOp::kEarlyWrite);

    // The socket takes every early write: each comes once 64 KiB wait, and no later than a
    // chunk after; the bytes are the batch's, in order, whatever the cuts.
    Cache cache;
    BatchOp op;
    op.start(kSql, segments);
    proto::Bytes out, wire;
    std::vector<std::size_t> cuts;
    while (op.encode_next(out, cache) == BatchOp::Encoded::write_early) {
        cuts.push_back(out.size());
        wire.insert(wire.end(), out.begin(), out.end());
        out.clear();
    }
    wire.insert(wire.end(), out.begin(), out.end());
    CHECK(wire == expected);
    REQUIRE(cuts.size() >= 3);
    const std::size_t chunk = BatchOp::kStep * (expected.size() / 2000);  // about one chunk's bytes
    for (std::size_t c : cuts) {
        CHECK(c >= BatchOp::kEarlyWrite);
        CHECK(c < BatchOp::kEarlyWrite + chunk + chunk / 8);
    }
    CHECK(cache.asked.size() == 1);

    // The socket is busy (nothing taken): past the mark, it asks after every chunk, as each may
    // find the socket free; the bytes are the same.
    BatchOp busy;
    busy.start(kSql, segments);
    proto::Bytes all;
    std::size_t asks = 0;
    while (busy.encode_next(all, cache) == BatchOp::Encoded::write_early) ++asks;
    CHECK(all == expected);
    const std::size_t chunks = (2000 + BatchOp::kStep - 1) / BatchOp::kStep;
    CHECK(asks == chunks - 1);  // the first chunk is under the mark, every later one over it
}

TEST_CASE("batch: a set the protocol cannot carry throws, with nothing of its chunk appended") {
    // 65,536 parameters in a set: more than a Bind (or a Parse) can count.
    BatchSegment wide;
    wide.types.assign(65536, 25);
    wide.params.assign(65536, proto::BindParam{view("w"), proto::Format::text});
    wide.sets = 1;
    const std::vector<std::string> ints = {"1", "2"};
    const std::vector<BatchSegment> segments = {segment(23, ints), wide};
    for (bool named : {false, true}) {
        CAPTURE(named);
        Cache cache;
        if (named) cache.ready[25] = cached("uvpg_wide");
        BatchOp op;
        op.start(kSql, segments);
        proto::Bytes out;
        CHECK_THROWS_AS((void)op.encode_next(out, cache), std::length_error);
        // The first segment stays encoded: taking the batch back, or closing the connection if
        // part of it was written early, is the driver's call (ConnectionImpl::query_batch).
        CHECK(out == frontend([&](proto::Bytes& b) {
                  proto::encode_parse(b, "", kSql, segments[0].types);
                  sets_of(b, "", segments[0]);
              }));
    }
}

TEST_CASE("batch: an error mid-batch (a Parse refused) is reported, the rest skipped to ReadyForQuery, no retry") {
    const std::vector<std::string> ints = {"1", "2"}, texts = {"x"};
    const std::vector<BatchSegment> segments = {segment(23, ints), segment(25, texts)};
    Cache cache;
    cache.ready[23] = cached("uvpg_int4");
    BatchOp op;
    (void)encode_all(op, segments, cache);
    QueryTranscript t{std::move(op)};
    // The cached segment's two sets run; the second segment's Parse fails; the server skips
    // its Bind and Execute up to the Sync.
    for (int i = 0; i < 2; ++i) {
        CHECK(is(t.feed(proto::BindComplete{}), 0));
        CHECK(is(t.feed(complete("INSERT 0 1")), 0));
    }
    CHECK(is(t.feed(error_response("42804", "column \"a\" is of type integer but expression is of type text")), 0));
    CHECK(is(t.feed(ready('I')), Step::complete));
    CHECK(t.out.empty());
    const auto& b = t.as<BatchOp>();
    CHECK(b.binds == 2);
    CHECK(b.executes == 2);
    CHECK(b.failed_at_bind);   // where the next set's BindComplete was due
    CHECK(!b.reparse_all());   // not one of the cache's facts
    CHECK(!ops::stale(t.op));  // so the cursor does not run it again
    CHECK_THROWS_AS(raise(outcome(t)), errors::DatatypeMismatch);
    CHECK_THROWS_AS(raise(outcome(t)), ProgrammingError);
}

// The connection lost at every step: while the batch is encoded (an early write fails: the
// driver leaves the error for the flush after the request is queued, so encoding goes on to the
// same bytes) and after every message of its reply. It ends in the loss (OperationalError),
// unless its reply brought an OperationalError of its own (a FATAL), which explains it better;
// closed otherwise (the user, a protocol violation), the reply's error stands.
TEST_CASE("batch: a connection lost at every step ends it in the right exception") {
    const ops::RequestError lost(
        detail::make_error(detail::Errc::connection_lost, "server closed the connection unexpectedly"));
    std::vector<std::string> values;
    for (int i = 0; i < 1000; ++i) values.push_back(std::string(200, 'v') + std::to_string(i));
    const std::vector<BatchSegment> segments = {segment(25, values)};
    Cache cache;
    BatchOp reference;
    const auto [expected, early] = encode_all(reference, segments, cache);
    REQUIRE(early >= 2);
    struct Case {
        const char* name;
        Reply reply;
    };
    // The first set's reply (the others' are alike).
    const std::vector<Case> cases = {
        {"ran", {proto::ParseComplete{}, proto::BindComplete{}, complete("INSERT 0 1"), ready()}},
        {"error", {proto::ParseComplete{}, error_response("23505", "duplicate key value"), ready()}},
        {"fatal",
         {proto::ParseComplete{},
          error_response("57P01", "terminating connection due to administrator command", "FATAL")}},
    };
    for (const auto& c : cases) {
        // Steps below `early`: the k-th early write fails; from `early` on, the loss comes after
        // the encoding and k - early messages of the reply.
        for (std::size_t k = 0; k <= early + c.reply.size(); ++k) {
            CAPTURE(c.name);
            CAPTURE(k);
            BatchOp op;
            op.start(kSql, segments);
            proto::Bytes out, wire;
            std::size_t writes = 0;
            bool socket_failed = false;
            while (op.encode_next(out, cache) == BatchOp::Encoded::write_early) {
                if (writes++ == k) socket_failed = true;  // from here on, nothing is taken
                if (socket_failed) continue;
                wire.insert(wire.end(), out.begin(), out.end());
                out.clear();
            }
            wire.insert(wire.end(), out.begin(), out.end());
            CHECK(wire == expected);  // the op's bytes do not depend on what the socket did
            QueryTranscript t{std::move(op)};
            const std::size_t fed = k > early ? k - early : 0;
            for (std::size_t i = 0; i < fed; ++i) t.feed(c.reply[i]);
            const std::string_view name = c.name;
            const bool fatal = name == "fatal" && fed >= 2;
            const bool errored = name == "error" && fed >= 2;
            auto own = outcome(t);
            CHECK(bool(own) == (fatal || errored));
            auto on_loss = ops::ending_error(own, lost, true);
            if (fatal) CHECK_THROWS_AS(raise(on_loss), errors::AdminShutdown);
            else CHECK(on_loss == lost);
            auto on_close = ops::ending_error(own, lost, false);
            if (errored) CHECK_THROWS_AS(raise(on_close), errors::UniqueViolation);
            else if (fatal) CHECK_THROWS_AS(raise(on_close), errors::AdminShutdown);
            else CHECK(on_close == lost);
        }
    }
}
