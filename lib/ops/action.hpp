// What a sans-I/O operation asks of the driver next (Boost.MySQL's next_action). Operations in
// lib/ops/ are fed decoded backend messages and append frontend messages to the output buffer
// they are given; they know nothing of libuv, sockets, timers or coroutines (the build checks
// that nothing here includes <uv.h>). The driver (lib/conn/) turns each Action into I/O.
#pragma once
#include "lib/errors/error.hpp"

#include <cstdint>

namespace uvpg::detail::ops {

struct Action {
    enum class Kind : std::uint8_t {
        read,         // wait for the next message (what was appended to the output goes out first)
        write,        // write the output now and resume the operation when it is written
        start_tls,    // begin the TLS handshake on this socket; resume with its outcome
        derive_keys,  // run the SCRAM key derivation away from the loop; resume when done
        done,         // finished: `error` says how (no error: success)
    };
    Kind kind = Kind::read;
    ErrorValue error;  // with done

    static Action read() { return {}; }
    static Action write() { return {Kind::write, {}}; }
    static Action start_tls() { return {Kind::start_tls, {}}; }
    static Action derive_keys() { return {Kind::derive_keys, {}}; }
    static Action done() { return {Kind::done, {}}; }
    static Action fail(ErrorValue e) { return {Kind::done, std::move(e)}; }
};

}  // namespace uvpg::detail::ops
