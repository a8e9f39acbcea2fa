// Transcript tests of the query operations (lib/ops/), in memory: injected backend messages,
// the Step each answers, the frontend bytes each writes, and the error each ends with,
// including a lost connection injected after every message of a reply.
#include "tests/op_query_transcript.hpp"

#include <uvpg/errors.hpp>
#include <uvpg/errors_sqlstate.hpp>

#include <stdexcept>

using namespace uvpg;
using namespace uvpg::test;
using detail::CachedStatement;
using detail::ops::Step;

namespace {

proto::BackendMessage complete(std::string_view tag) { return proto::CommandComplete{tag}; }
proto::BackendMessage ready(char status = 'I') { return proto::ReadyForQuery{status}; }

// The exception of what the op ended with (its awaiter's).
ops::RequestError outcome(QueryTranscript& t, std::string sql = "SELECT 1") {
    return ops::RequestError::of(t.core(), std::make_shared<const std::string>(std::move(sql)));
}

std::uint8_t bits(int b) { return static_cast<std::uint8_t>(b); }

std::shared_ptr<CachedStatement> ready_statement() {
    auto st = std::make_shared<CachedStatement>();
    st->name = "uvpg_0123";
    st->ready = true;
    return st;
}

ops::QueryOp extended_with(std::shared_ptr<CachedStatement> st, bool prepares) {
    ops::ExtendedQueryOp op;
    op.statement = std::move(st);
    op.prepares = prepares;
    return op;
}

}  // namespace

TEST_CASE("simple query: rows, then the tag, then ReadyForQuery completes it") {
    QueryTranscript t{ops::SimpleQueryOp{}};
    CHECK(is(t.feed(row_description({"a"})), 0));
    CHECK(is(t.feed(DataRow{{"1"}}), 0));
    CHECK(is(t.feed(DataRow{{std::nullopt}}), 0));
    CHECK(is(t.feed(complete("SELECT 2")), 0));
    CHECK(t.core().in_rows() == false);
    CHECK(is(t.feed(ready('T')), Step::complete));
    CHECK(t.core().result.size() == 2);
    CHECK(t.core().result.tag == "SELECT 2");
    CHECK(t.core().tx_status == 'T');
    CHECK(!t.core().failed());
    CHECK(t.out.empty());
}

TEST_CASE("simple query: several statements leave the last one's result") {
    QueryTranscript t{ops::SimpleQueryOp{}};
    t.feed_all({row_description({"x"})});
    t.feed(DataRow{{"1"}});
    t.feed_all({complete("SELECT 1"), complete("INSERT 0 3"), row_description({"y", "z"})});
    t.feed(DataRow{{"a", "b"}});
    t.feed(DataRow{{"c", "d"}});
    CHECK(t.core().in_rows());
    CHECK(is(t.feed_all({complete("SELECT 2"), ready()}), Step::complete));
    CHECK(t.core().result.size() == 2);
    CHECK(t.core().result.shape->columns.size() == 2);
    CHECK(t.core().result.tag == "SELECT 2");
    // An empty statement last: no result at all.
    QueryTranscript e{ops::SimpleQueryOp{}};
    e.feed_all({complete("SELECT 0"), proto::EmptyQueryResponse{}, ready()});
    CHECK(!e.core().result.shape);
    CHECK(e.core().result.tag.empty());
}

TEST_CASE("simple query: a server error is kept, the query runs to ReadyForQuery, the connection stays usable") {
    QueryTranscript t{ops::SimpleQueryOp{}};
    CHECK(is(
        t.feed(proto::ErrorResponse{
            {{'S', "ERROR"}, {'V', "ERROR"}, {'C', "42P01"}, {'M', "relation \"nope\" does not exist"}, {'P', "15"}}}),
        0));
    CHECK(is(t.feed(error_response("XX000", "a second error is not the caller's")), 0));
    CHECK(is(t.feed(ready('I')), Step::complete));
    REQUIRE(t.core().error);
    CHECK(t.core().sqlstate() == "42P01");
    CHECK_THROWS_AS(raise(outcome(t, "SELECT * FROM nope")), errors::UndefinedTable);
    CHECK_THROWS_WITH_AS(raise(outcome(t, "SELECT * FROM nope")), doctest::Contains("LINE 1"), ProgrammingError);
}

TEST_CASE("simple query: COPY FROM STDIN without a source is refused with CopyFail, and the connection stays usable") {
    QueryTranscript t{ops::SimpleQueryOp{}};
    CHECK(is(t.feed(proto::CopyResponse{'G', 0, {0}}), Step::flush));
    CHECK(t.written() ==
          frontend([](proto::Bytes& b) { proto::encode_copy_fail(b, "COPY FROM STDIN without a data source"); }));
    CHECK(is(t.feed(error_response("57014", "COPY from stdin failed: COPY FROM STDIN without a data source")), 0));
    CHECK(is(t.feed(ready()), Step::complete));
    CHECK_THROWS_WITH_AS(raise(outcome(t)), "can't execute COPY FROM: use the copy_from() method instead",
                         ProgrammingError);
}

TEST_CASE("extended query: a refused COPY FROM STDIN needs a Sync of its own") {
    QueryTranscript t{ops::ExtendedQueryOp{}};
    t.feed_all({proto::ParseComplete{}, proto::BindComplete{}, proto::NoData{}});
    CHECK(is(t.feed(proto::CopyResponse{'G', 0, {}}), Step::flush));
    CHECK(t.written() == frontend([](proto::Bytes& b) {
              proto::encode_copy_fail(b, "COPY FROM STDIN without a data source");
              proto::encode_sync(b);
          }));
}

TEST_CASE("simple query: COPY TO STDOUT without a sink reads and drops the data, then fails with ProgrammingError") {
    QueryTranscript t{ops::SimpleQueryOp{}};
    t.feed(proto::CopyResponse{'H', 0, {0}});
    CHECK(t.core().in_rows());
    const std::string_view data = "1\n";
    const proto::ByteView bytes(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
    CHECK(is(t.feed(proto::CopyData{bytes}), 0));
    CHECK(is(t.feed(proto::CopyDone{}), 0));
    CHECK(is(t.feed_all({complete("COPY 1"), ready()}), Step::complete));
    CHECK_THROWS_WITH_AS(raise(outcome(t)), "can't execute COPY TO: use the copy_to() method instead",
                         ProgrammingError);
}

TEST_CASE("query ops: protocol violations are answered as such, not as results") {
    QueryTranscript a{ops::SimpleQueryOp{}};
    CHECK(is(a.feed(DataRow{{"1"}}), Step::violation));
    CHECK(a.core().violation == "DataRow without RowDescription");
    QueryTranscript b{ops::SimpleQueryOp{}};
    CHECK(is(b.feed(proto::BindComplete{}), Step::unexpected));  // the simple protocol has none
    QueryTranscript c{ops::SimpleQueryOp{}};
    CHECK(is(c.feed(proto::CopyResponse{'W', 0, {}}), Step::violation));
    CHECK(c.core().violation == "CopyBothResponse outside replication");
    QueryTranscript d{ops::SimpleQueryOp{}};
    CHECK(is(d.feed(proto::CopyData{}), Step::unexpected));  // outside COPY TO
    QueryTranscript e{ops::SimpleQueryOp{}};
    e.feed(row_description({"a", "b"}));
    CHECK(is(e.feed(DataRow{{"only one"}}), Step::violation));
    CHECK(e.core().violation.starts_with("malformed message: "));
}

TEST_CASE(
    "extended query: a cached statement missing on the server (26000) before BindComplete: reparse, and the cursor may "
    "retry") {
    for (const char* state : {"26000", "42P05", "0A000"}) {
        CAPTURE(state);
        auto st = ready_statement();
        QueryTranscript t{extended_with(st, false)};
        t.feed_all({error_response(state, "prepared statement does not exist"), ready()});
        const auto& op = t.as<ops::ExtendedQueryOp>();
        CHECK(op.cache_news() == ops::CacheNews::reparse);
        CHECK(ops::stale(t.op));
    }
}

TEST_CASE("extended query: the same SQLSTATE after BindComplete is the statement's own: no reparse, no retry") {
    auto st = ready_statement();
    QueryTranscript t{extended_with(st, false)};
    t.feed_all({proto::BindComplete{}, error_response("0A000", "raised by a function"), ready()});
    CHECK(t.as<ops::ExtendedQueryOp>().cache_news() == ops::CacheNews::none);
    CHECK(!ops::stale(t.op));
    CHECK_THROWS_AS(raise(outcome(t)), NotSupportedError);
    // Another error before BindComplete is no cache fact either.
    QueryTranscript u{extended_with(ready_statement(), false)};
    u.feed_all({error_response("22012", "division by zero"), ready()});
    CHECK(u.as<ops::ExtendedQueryOp>().cache_news() == ops::CacheNews::none);
    CHECK(!ops::stale(u.op));
}

TEST_CASE(
    "extended query: the prepare step: Close/Parse/Describe answered makes the statement ready, an error forgets it") {
    auto st = std::make_shared<CachedStatement>();
    QueryTranscript t{extended_with(st, true)};
    t.feed_all({proto::CloseComplete{}, proto::ParseComplete{}, proto::ParameterDescription{{23}},
                row_description({"n"}, 23), proto::BindComplete{}});
    t.feed(DataRow{{"1"}});
    CHECK(is(t.feed_all({complete("SELECT 1"), ready()}), Step::complete));
    CHECK(t.as<ops::ExtendedQueryOp>().cache_news() == ops::CacheNews::prepared);
    CHECK(t.core().result.size() == 1);

    QueryTranscript f{extended_with(std::make_shared<CachedStatement>(), true)};
    f.feed_all({proto::CloseComplete{}, error_response("42601", "syntax error"), ready()});
    CHECK(f.as<ops::ExtendedQueryOp>().cache_news() == ops::CacheNews::not_prepared);
    CHECK(!ops::stale(f.op));  // a statement being prepared is never retried
    CHECK_THROWS_AS(raise(outcome(f)), errors::SyntaxError);
}

TEST_CASE("extended query: DEALLOCATE ALL or DISCARD ALL tells the cache to forget its statements") {
    QueryTranscript t{ops::ExtendedQueryOp{}};
    t.feed_all({proto::ParseComplete{}, proto::BindComplete{}, proto::NoData{}, complete("DISCARD ALL"), ready()});
    CHECK(t.core().forgets_statements());
    QueryTranscript s{ops::SimpleQueryOp{}};
    s.feed_all({complete("DEALLOCATE ALL"), ready()});
    CHECK(s.core().forgets_statements());
}

TEST_CASE("batch: rows dropped, counts summed, an error where a BindComplete was due is a cache fact to retry") {
    ops::BatchOp batch;
    batch.statements.push_back(ready_statement());
    QueryTranscript t{std::move(batch)};
    t.feed_all({proto::BindComplete{}, row_description({"a"})});
    CHECK(is(t.feed(DataRow{{"dropped"}}), 0));
    t.feed_all({complete("INSERT 0 2"), proto::BindComplete{}, complete("INSERT 0 3")});
    CHECK(is(t.feed(ready()), Step::complete));
    CHECK(t.as<ops::BatchOp>().rows == 5);
    CHECK(t.core().result.size() == 0);

    ops::BatchOp again;
    again.statements.push_back(ready_statement());
    QueryTranscript u{std::move(again)};
    u.feed_all({proto::BindComplete{}, complete("INSERT 0 1"), error_response("26000", "gone"), ready()});
    CHECK(u.as<ops::BatchOp>().failed_at_bind);
    CHECK(u.as<ops::BatchOp>().reparse_all());
    CHECK(ops::stale(u.op));

    // The same error after the BindComplete of its set: the statement ran, never retried.
    ops::BatchOp ran;
    ran.statements.push_back(ready_statement());
    QueryTranscript v{std::move(ran)};
    v.feed_all({proto::BindComplete{}, error_response("26000", "raised inside"), ready()});
    CHECK(!v.as<ops::BatchOp>().failed_at_bind);
    CHECK(!ops::stale(v.op));
}

TEST_CASE("COPY FROM STDIN: the source is pumped to the output up to the high-water mark, then CopyDone") {
    std::vector<std::string> chunks = {"1\n", "2\n", "3\n"};
    std::size_t next = 0;
    ops::CopyInOp op;
    op.source = [&](char* buf, std::size_t n) -> std::size_t {
        if (next == chunks.size()) return 0;
        const std::string& c = chunks[next++];
        REQUIRE(c.size() <= n);
        std::copy(c.begin(), c.end(), buf);
        return c.size();
    };
    QueryTranscript t{std::move(op)};
    CHECK(is(t.feed(proto::CopyResponse{'G', 0, {0}}), Step::pump));
    auto& in = t.as<ops::CopyInOp>();
    CHECK(in.pumping);
    in.fill(t.out, 1);  // the mark is reached after one chunk: the driver writes, then calls again
    CHECK(in.pumping);
    CHECK(next == 1);
    in.fill(t.out, 1 << 20);
    CHECK(!in.pumping);
    CHECK(t.written() == frontend([&](proto::Bytes& b) {
              for (const auto& c : chunks)
                  proto::encode_copy_data(b,
                                          proto::ByteView(reinterpret_cast<const std::uint8_t*>(c.data()), c.size()));
              proto::encode_copy_done(b);
          }));
    CHECK(is(t.feed_all({complete("COPY 3"), ready()}), Step::complete));
    CHECK(t.core().result.tag == "COPY 3");
    CHECK(!t.core().failed());
}

TEST_CASE("COPY FROM STDIN: a source that throws sends CopyFail, and its exception is the caller's") {
    ops::CopyInOp op;
    op.source = [](char*, std::size_t) -> std::size_t {
        throw DataError("COPY FROM STDIN: reading the input stream failed");
    };
    QueryTranscript t{std::move(op)};
    t.feed(proto::CopyResponse{'G', 0, {}});
    t.as<ops::CopyInOp>().fill(t.out, 1 << 20);
    CHECK(!t.as<ops::CopyInOp>().pumping);
    CHECK(t.written() == frontend([](proto::Bytes& b) {
              proto::encode_copy_fail(b, "COPY FROM STDIN failed: COPY FROM STDIN: reading the input stream failed");
          }));
    t.feed_all({error_response("57014", "COPY from stdin failed"), ready()});
    CHECK_THROWS_WITH_AS(raise(outcome(t)), "COPY FROM STDIN: reading the input stream failed", DataError);
    // An ErrorResponse stops the pump: the server drops whatever CopyData still comes.
    ops::CopyInOp stop;
    stop.source = [](char*, std::size_t) -> std::size_t { return 1; };
    QueryTranscript u{std::move(stop)};
    u.feed(proto::CopyResponse{'G', 0, {}});
    u.feed(error_response("22P04", "bad copy data"));
    CHECK(!u.as<ops::CopyInOp>().pumping);
}

TEST_CASE(
    "COPY TO STDOUT: each CopyData goes to the sink; a sink that throws ends the calls and is the caller's error") {
    std::string got;
    ops::CopyOutOp op;
    op.sink = [&](std::string_view d) {
        if (d == "boom\n") throw std::runtime_error("sink failed");
        got += d;
    };
    auto data = [](std::string_view s) {
        return proto::CopyData{proto::ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())};
    };
    QueryTranscript t{std::move(op)};
    t.feed_all(
        {proto::CopyResponse{'H', 0, {0}}, data("1\n"), data("2\n"), proto::CopyDone{}, complete("COPY 2"), ready()});
    CHECK(got == "1\n2\n");
    CHECK(!t.core().failed());
    got.clear();
    t.op = ops::CopyOutOp{};
    std::get<ops::CopyOutOp>(t.op).sink = [&](std::string_view d) {
        if (d == "boom\n") throw std::runtime_error("sink failed");
        got += d;
    };
    t.feed_all({proto::CopyResponse{'H', 0, {0}}, data("1\n"), data("boom\n"), data("3\n"), proto::CopyDone{},
                complete("COPY 3"), ready()});
    CHECK(got == "1\n");
    CHECK_THROWS_WITH_AS(raise(outcome(t)), "sink failed", std::runtime_error);
}

TEST_CASE("stream: columns wake the reader, full batches are cut, too many bytes waiting pause reading until taken") {
    QueryTranscript t{ops::StreamOp{}};
    t.feed_all({proto::ParseComplete{}, proto::BindComplete{}});
    CHECK(is(t.feed(row_description({"a"})), Step::wake));
    auto& st = t.as<ops::StreamOp>();
    // Rows of 64 KiB: a batch is cut every 256 KiB; past 8 MiB waiting, reading pauses.
    const std::string big(64 * 1024, 'x');
    std::size_t pauses = 0, wakes = 0;
    for (int i = 0; i < 200 && pauses == 0; ++i) {
        Step s = t.feed(DataRow{{big}});
        if (s.bits & Step::wake) ++wakes;
        if (s.bits & Step::pause_reading) ++pauses;
    }
    CHECK(pauses == 1);
    CHECK(st.buffered >= ops::kStreamHighWater);
    CHECK(st.batches.size() == wakes);
    // The reader takes batches: reading resumes once what waits is under the low-water mark.
    Step resumed;
    while (!st.batches.empty() && !(resumed.bits & Step::resume_reading)) {
        st.batches.pop_front();
        const std::size_t bytes = st.sizes.front();
        st.sizes.pop_front();
        resumed = st.taken(bytes);
    }
    CHECK(is(resumed, Step::resume_reading));
    CHECK(st.buffered <= ops::kStreamLowWater);
    // The end: the last rows are cut, reading resumes, the request completes.
    t.feed(DataRow{{"last"}});
    Step end = t.feed_all({complete("SELECT 9"), ready()});
    CHECK(is(end, bits(Step::wake | Step::resume_reading | Step::complete)));
    CHECK(st.batches.back().tag == "SELECT 9");
}

TEST_CASE("stream: a reader that gives up drops the rest, and reading resumes") {
    QueryTranscript t{ops::StreamOp{}};
    t.feed(row_description({"a"}));
    t.feed(DataRow{{"1"}});
    auto& st = t.as<ops::StreamOp>();
    CHECK(is(st.drop(), Step::resume_reading));
    CHECK(is(t.feed(DataRow{{"2"}}), 0));
    CHECK(t.core().result.size() == 0);
    CHECK(is(t.feed_all({complete("SELECT 2"), ready()}), bits(Step::resume_reading | Step::complete)));
    CHECK(st.batches.empty());
}

// The connection lost after each message of a reply (EOF, a socket error): the request ends
// with the loss (OperationalError), except where its reply already brought an
// OperationalError (a FATAL), which explains it better. Closed by the user or by a protocol
// violation, the error its reply brought stands.
TEST_CASE("query ops: a connection lost after every message of every reply ends each in the right exception") {
    const ops::RequestError lost(
        detail::make_error(detail::Errc::connection_lost, "server closed the connection unexpectedly"));
    struct Case {
        const char* name;
        std::function<ops::QueryOp()> make;
        Reply reply;
    };
    const std::vector<Case> cases = {
        {"select",
         [] { return ops::QueryOp{ops::SimpleQueryOp{}}; },
         {row_description({"a"}), complete("SELECT 0"), ready()}},
        {"error",
         [] { return ops::QueryOp{ops::SimpleQueryOp{}}; },
         {error_response("42P01", "no such table"), ready()}},
        {"fatal",
         [] { return ops::QueryOp{ops::SimpleQueryOp{}}; },
         {error_response("57P01", "terminating connection due to administrator command", "FATAL")}},
        {"extended",
         [] { return extended_with(ready_statement(), false); },
         {error_response("26000", "gone"), ready()}},
        {"batch",
         [] { return ops::QueryOp{ops::BatchOp{}}; },
         {proto::ParseComplete{}, proto::BindComplete{}, complete("INSERT 0 1"), ready()}},
        {"copy out",
         [] {
             ops::CopyOutOp op;
             op.sink = [](std::string_view) {};
             return ops::QueryOp{std::move(op)};
         },
         {proto::CopyResponse{'H', 0, {}}, proto::CopyDone{}, complete("COPY 0"), ready()}},
        {"stream",
         [] { return ops::QueryOp{ops::StreamOp{}}; },
         {proto::ParseComplete{}, proto::BindComplete{}, row_description({"a"}), complete("SELECT 0"), ready()}},
    };
    for (const auto& c : cases) {
        for (std::size_t k = 0; k <= c.reply.size(); ++k) {
            CAPTURE(c.name);
            CAPTURE(k);
            QueryTranscript t{c.make()};
            for (std::size_t i = 0; i < k; ++i) t.feed(c.reply[i]);
            const std::string_view name = c.name;
            const bool fatal = name == "fatal" && k >= 1;
            const bool missing = name == "extended" && k >= 1;  // 26000 is an OperationalError too
            const bool errored = name == "error" && k >= 1;
            auto own = outcome(t);
            CHECK(bool(own) == (fatal || missing || errored));
            // Lost: only an OperationalError of the reply stands.
            auto on_loss = ops::ending_error(own, lost, true);
            if (fatal) CHECK_THROWS_AS(raise(on_loss), errors::AdminShutdown);
            else if (missing) CHECK_THROWS_AS(raise(on_loss), errors::InvalidSqlStatementName);
            else CHECK(on_loss == lost);
            // Closed otherwise: the error of the reply stands; without one, the reason.
            auto on_close = ops::ending_error(own, lost, false);
            if (own) CHECK(on_close == own);
            else CHECK(on_close == lost);
        }
    }
}

TEST_CASE(
    "extended query: what it writes: the unnamed statement, a cached one, a cached one prepared in the same write") {
    const std::uint32_t types[] = {23};
    const std::string_view value = "42";
    const proto::BindParam params[] = {proto::BindParam{
        proto::ByteView(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()), proto::Format::text}};
    static constexpr proto::Format kText[] = {proto::Format::text};
    ops::ExtendedQueryOp unnamed;
    proto::Bytes out;
    unnamed.start(out, "SELECT $1::int4", types, params);
    CHECK(out == frontend([&](proto::Bytes& b) {
              proto::encode_parse(b, "", "SELECT $1::int4", types);
              proto::encode_bind(b, "", "", params, kText);
              proto::encode_describe(b, 'P', "");
              proto::encode_execute(b, "", 0);
              proto::encode_sync(b);
          }));

    auto st = ready_statement();
    st->result_formats = {proto::Format::binary};
    ops::ExtendedQueryOp cached;
    cached.statement = st;
    out.clear();
    cached.start(out, "SELECT $1::int4", types, params);
    CHECK(out == frontend([&](proto::Bytes& b) {
              proto::encode_bind(b, "", st->name, params, st->result_formats);
              proto::encode_execute(b, "", 0);
              proto::encode_sync(b);
          }));

    ops::ExtendedQueryOp prepares;
    prepares.statement = st;
    prepares.prepares = true;
    out.clear();
    prepares.start(out, "SELECT $1::int4", types, params);
    CHECK(out == frontend([&](proto::Bytes& b) {
              proto::encode_close(b, 'S', st->name);  // whatever holds the name goes first
              proto::encode_parse(b, st->name, "SELECT $1::int4", types);
              proto::encode_describe(b, 'S', st->name);
              proto::encode_bind(b, "", st->name, params, kText);
              proto::encode_execute(b, "", 0);
              proto::encode_sync(b);
          }));

    ops::ExtendedQueryOp alone;
    alone.statement = st;
    alone.prepares = true;
    out.clear();
    alone.start_prepare(out, "SELECT $1::int4", types);
    CHECK(out == frontend([&](proto::Bytes& b) {
              proto::encode_close(b, 'S', st->name);
              proto::encode_parse(b, st->name, "SELECT $1::int4", types);
              proto::encode_describe(b, 'S', st->name);
              proto::encode_sync(b);
          }));
}

TEST_CASE("simple query: what it writes is one Query") {
    ops::SimpleQueryOp op;
    proto::Bytes out;
    op.start(out, "SELECT 1; SELECT 2");
    CHECK(out == frontend([](proto::Bytes& b) { proto::encode_query(b, "SELECT 1; SELECT 2"); }));
}
