// Transcript tests of the user's own exception from a COPY source or sink: passed on as it is,
// and, when it is an OperationalError, still the request's outcome when the connection is then
// lost (ops::ending_error), whatever else the exception derives from.
#include "tests/op_query_transcript.hpp"

#include <uvpg/errors.hpp>

#include <stdexcept>

using namespace uvpg;
using namespace uvpg::test;

namespace {

// An OperationalError that is also a std::runtime_error: its std::exception base is ambiguous,
// so `catch (const std::exception&)` does not take it, while `catch (const OperationalError&)`
// does (a user's I/O error class, say, deriving from both).
struct MixedError : OperationalError, std::runtime_error {
    MixedError() : OperationalError("the disk went away"), std::runtime_error("the disk went away") {}
};

const ops::RequestError& lost() {
    static const ops::RequestError e(
        detail::make_error(detail::Errc::connection_lost, "server closed the connection unexpectedly"));
    return e;
}

ops::RequestError outcome(QueryTranscript& t) {
    return ops::RequestError::of(t.core(), std::make_shared<const std::string>("COPY t FROM STDIN"));
}

proto::CopyData data(std::string_view s) {
    return proto::CopyData{proto::ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())};
}

}  // namespace

TEST_CASE(
    "COPY FROM STDIN: a source's OperationalError of an ambiguous std::exception base stands on a lost "
    "connection") {
    ops::CopyInOp op;
    op.source = [](char*, std::size_t) -> std::size_t { throw MixedError(); };
    QueryTranscript t{std::move(op)};
    t.feed(proto::CopyResponse{'G', 0, {}});
    t.as<ops::CopyInOp>().fill(t.out, 1 << 20);
    // Its what() through its OperationalError base (only the server's log sees CopyFail's text).
    CHECK(t.written() ==
          frontend([](proto::Bytes& b) { proto::encode_copy_fail(b, "COPY FROM STDIN failed: the disk went away"); }));
    const auto own = outcome(t);
    REQUIRE(own);
    CHECK(own.operational());
    auto on_loss = ops::ending_error(own, lost(), true);
    CHECK(on_loss == own);
    CHECK_THROWS_AS(raise(on_loss.exception()), MixedError);
}

TEST_CASE(
    "COPY TO STDOUT: a sink's OperationalError of an ambiguous std::exception base stands on a lost "
    "connection; a plain std::exception does not") {
    ops::CopyOutOp op;
    op.sink = [](std::string_view) { throw MixedError(); };
    QueryTranscript t{std::move(op)};
    t.feed_all({proto::CopyResponse{'H', 0, {0}}, data("1\n"), data("2\n")});
    const auto own = outcome(t);
    REQUIRE(own);
    CHECK(own.operational());
    auto on_loss = ops::ending_error(own, lost(), true);
    CHECK(on_loss == own);
    CHECK_THROWS_AS(raise(on_loss.exception()), MixedError);

    // The control: a sink's std::runtime_error is not an OperationalError, and the loss explains
    // the end better.
    ops::CopyOutOp plain;
    plain.sink = [](std::string_view) { throw std::runtime_error("sink failed"); };
    QueryTranscript u{std::move(plain)};
    u.feed_all({proto::CopyResponse{'H', 0, {0}}, data("1\n")});
    const auto mine = outcome(u);
    REQUIRE(mine);
    CHECK(!mine.operational());
    CHECK(ops::ending_error(mine, lost(), true) == lost());
}
