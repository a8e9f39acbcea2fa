// A narrow entry for tests and fuzz/fuzz_connection.cpp: a connection that is ready without a
// socket, and server bytes handled as if a read had brought them, so that the code that
// handles every message of every query runs on any bytes without a server.
#include "lib/conn/connection_impl.hpp"

#include <cstring>

namespace uvpg::detail {

std::shared_ptr<ConnectionImpl> ConnectionImpl::ready_without_socket(ConnParams params) {
    auto c = std::make_shared<ConnectionImpl>(std::move(params));
    c->state_ = State::ready;  // as after the first ReadyForQuery: startup is not what is fed
    return c;
}

void ConnectionImpl::receive(proto::ByteView bytes) {
    auto self = shared_from_this();  // as on_read: a completed request may drop the last handle
    if (closed() || bytes.empty()) return;
    // The plain-text path of on_read: into the decoder's free tail, then handled.
    auto tail = decoder_.prepare(bytes.size());
    std::memcpy(tail.data(), bytes.data(), bytes.size());
    decoder_.commit(bytes.size());
    process_input();
    watch_low_water(bytes.size());
    resume_ready();
}

}  // namespace uvpg::detail
