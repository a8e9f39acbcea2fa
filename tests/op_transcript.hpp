// Wire transcripts for the sans-I/O operations of lib/ops/, in the style of Boost.MySQL's tests:
// a list of steps, each what the driver does (feed backend bytes, report an outcome), the bytes
// the operation must have written by then, and the action it must answer. No server, no loop.
//
//   Transcript<StartupOp> t;
//   t.step("startup", [](StartupOp& op, Bytes& out) { return op.start(out); },
//          frontend([](Bytes& b) { proto::encode_startup(b, params); }), Action::Kind::read);
//   t.step("trust", feed(backend({Authentication{}, ReadyForQuery{}})), {}, Action::Kind::done);
//   StartupOp op(...); t.play(op);                      // every step, checked
//   StartupOp op2(...); t.play(op2, 1); op2.on_read_failed(...)  // an I/O error at step 1
//
// Bytes come from proto's own encoders (proto/frontend.hpp, proto/backend_encode.cpp), so a
// transcript states the exchange in messages, and a byte out of place fails the step.
#pragma once
#include "lib/ops/action.hpp"
#include "proto/backend.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

namespace uvpg::test {

using detail::ops::Action;
using proto::Bytes;

// Backend messages as the server sends them.
inline Bytes backend(std::initializer_list<proto::BackendMessage> messages) {
    Bytes out;
    for (const auto& m : messages) proto::encode_backend(out, m);
    return out;
}

// Frontend bytes from proto's encoders: frontend([](Bytes& b) { proto::encode_sync(b); }).
template <class Encode>
Bytes frontend(Encode encode) {
    Bytes out;
    encode(out);
    return out;
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline std::string kind_name(Action::Kind k) {
    switch (k) {
    case Action::Kind::read: return "read";
    case Action::Kind::write: return "write";
    case Action::Kind::start_tls: return "start_tls";
    case Action::Kind::derive_keys: return "derive_keys";
    case Action::Kind::done: return "done";
    }
    return "?";
}

// Splits backend bytes into messages with proto's Decoder, as the driver does, and hands each to
// `on_message(raw)`; stops at the first answer other than read (the op then waits for the driver)
// and returns it. Bytes that do not decode fail the test.
template <class OnMessage>
Action feed_messages(const Bytes& bytes, OnMessage on_message) {
    proto::Decoder d;
    d.feed(proto::ByteView(bytes));
    for (;;) {
        auto next = d.next();
        REQUIRE(next.status != proto::Decoder::Status::error);
        if (next.status == proto::Decoder::Status::need_more) return Action::read();
        Action a = on_message(next.msg);
        if (a.kind != Action::Kind::read) {
            CHECK_MESSAGE(d.next().status == proto::Decoder::Status::need_more,
                          "bytes left after the operation answered " << kind_name(a.kind));
            return a;
        }
    }
}

template <class Op>
struct Transcript {
    using Run = std::function<Action(Op&, Bytes& out)>;
    struct Step {
        std::string name;
        Run run;
        Bytes writes;       // what the op appends to the output during this step
        Action::Kind next;  // the action it answers
    };
    std::vector<Step> steps;

    Transcript& step(std::string name, Run run, Bytes writes, Action::Kind next) {
        steps.push_back({std::move(name), std::move(run), std::move(writes), next});
        return *this;
    }

    // Plays the first `count` steps (all by default) against `op`, checking each one's writes
    // and action; returns the last action (a done one says in .error whether it failed). The op's output goes to `out`,
    // cleared at each step as the driver's write would.
    Action play(Op& op, std::size_t count = std::numeric_limits<std::size_t>::max()) {
        Bytes out;
        Action last = Action::read();
        for (std::size_t i = 0; i < steps.size() && i < count; ++i) {
            const Step& s = steps[i];
            CAPTURE(s.name);
            out.clear();
            last = s.run(op, out);
            CHECK(out == s.writes);
            CHECK_MESSAGE(kind_name(last.kind) == kind_name(s.next), "error: " << last.error.message);
            if (last.kind != s.next) break;
        }
        return last;
    }
};

}  // namespace uvpg::test
