// Connection::cancel as a sans-I/O operation (lib/ops/cancel_op.hpp): the CancelRequest, the
// server's close as success, and a failure at every step in libpq's words.
#include "lib/ops/cancel_op.hpp"
#include "op_transcript.hpp"
#include "proto/frontend.hpp"

#include <doctest/doctest.h>

using namespace uvpg;
using namespace uvpg::test;
using detail::Errc;
using detail::ops::CancelOp;
using Kind = Action::Kind;

TEST_CASE("cancel transcript: CancelRequest, then the server closes") {
    Transcript<CancelOp> t;
    t.step(
        "connected", [](CancelOp& op, Bytes& out) { return op.start(out); },
        frontend([](Bytes& b) { proto::encode_cancel_request(b, 4242, 77); }), Kind::read);
    t.step(
        "stray bytes are ignored", [](CancelOp& op, Bytes&) { return op.on_read(proto::ByteView()); }, {}, Kind::read);
    t.step(
        "EOF", [](CancelOp& op, Bytes&) { return op.on_closed_by_server(); }, {}, Kind::done);
    CancelOp op(4242, 77);
    Action a = t.play(op);
    CHECK(a.kind == Kind::done);
    CHECK_FALSE(a.error);
    CHECK(op.done());

    // A failure at every step; the first outcome counts.
    for (std::size_t n = 0; n < t.steps.size(); ++n) {
        CAPTURE(n);
        CancelOp failing(4242, 77);
        (void)t.play(failing, n);
        Action e = failing.on_io_error("Connection refused");
        REQUIRE(e.kind == Kind::done);
        CHECK(e.error.code == detail::make_error_code(Errc::connect_failed));
        CHECK(detail::ops::cancel_failed_text("server at \"h\", port 1", e.error.message) ==
              "could not send cancel request: connection to server at \"h\", port 1 failed: Connection refused");
        CHECK(failing.on_timeout().error.message == "Connection refused");
        CHECK_THROWS_AS(std::rethrow_exception(detail::to_exception(e.error)), OperationalError);
    }
    CancelOp slow(1, 2);
    Bytes out;
    (void)slow.start(out);
    Action timeout = slow.on_timeout();
    CHECK(timeout.error.code == detail::make_error_code(Errc::timeout));
    CHECK(timeout.error.message == "timeout expired");
    CHECK_THROWS_AS(std::rethrow_exception(detail::to_exception(timeout.error)), TimeoutError);
}
