// Connection::cancel, sans-I/O (see cancel_op.hpp).
#include "lib/ops/cancel_op.hpp"

#include "proto/frontend.hpp"

namespace uvpg::detail::ops {

Action CancelOp::start(proto::Bytes& out) {
    proto::encode_cancel_request(out, pid_, secret_);
    return Action::read();
}

Action CancelOp::finish(ErrorValue e) {
    if (!done_) {
        done_ = true;
        outcome_ = std::move(e);
    }
    return Action::fail(outcome_);
}

Action CancelOp::on_closed_by_server() { return finish({}); }
Action CancelOp::on_io_error(std::string why) { return finish(make_error(Errc::connect_failed, std::move(why))); }
Action CancelOp::on_timeout() { return finish(make_error(Errc::timeout, "timeout expired")); }

std::string cancel_failed_text(std::string_view where, std::string_view why) {
    return "could not send cancel request: " + connect_failed_prefix(where) + std::string(why);
}

}  // namespace uvpg::detail::ops
