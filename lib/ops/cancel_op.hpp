// Connection::cancel as a sans-I/O operation: a CancelRequest on a connection of its own, then
// waiting for the server to close it, which it does once it has taken the request (libpq's
// PQcancel). The driver (lib/conn/cancel.cpp) connects, writes, reads and runs the timer.
#pragma once
#include "lib/ops/action.hpp"
#include "proto/buffer.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace uvpg::detail::ops {

class CancelOp {
public:
    CancelOp(std::int32_t pid, std::int32_t secret) : pid_(pid), secret_(secret) {}

    // Connected: the CancelRequest goes out, then the server's close is awaited.
    Action start(proto::Bytes& out);
    // The server answers nothing; any bytes are ignored until it closes.
    Action on_read(proto::ByteView) const { return Action::read(); }
    // The server closed the socket: the request was taken.
    Action on_closed_by_server();
    // Connecting, writing or reading failed (`why`: the system's words), or the time ran out.
    Action on_io_error(std::string why);
    Action on_timeout();
    bool done() const noexcept { return done_; }

private:
    Action finish(ErrorValue e);
    std::int32_t pid_, secret_;
    bool done_ = false;
    ErrorValue outcome_;  // the first one counts (a timer may fire after a failure)
};

// libpq's words for a failed cancel: 'could not send cancel request: connection to server at
// "h", port N failed: why'. `where` as ConnectionImpl::where().
std::string cancel_failed_text(std::string_view where, std::string_view why);

}  // namespace uvpg::detail::ops
