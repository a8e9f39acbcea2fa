// A transcript harness for the query operations (lib/ops/): backend messages are encoded with
// proto's backend encoder, framed and decoded as the connection does, and fed to one op; what
// the op writes is collected, and each Step kept. No server, no libuv.
#pragma once
#include "lib/errors/error.hpp"
#include "lib/ops/query_ops.hpp"
#include "proto/backend.hpp"
#include "proto/frontend.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

namespace uvpg::test {

namespace ops = uvpg::detail::ops;

// A reply, message by message.
using Reply = std::vector<proto::BackendMessage>;

inline proto::BackendMessage error_response(std::string_view sqlstate, std::string_view message,
                                            std::string_view severity = "ERROR") {
    return proto::ErrorResponse{{{'S', severity}, {'V', severity}, {'C', sqlstate}, {'M', message}}};
}
inline proto::BackendMessage row_description(std::vector<std::string_view> names, std::uint32_t type_oid = 25) {
    proto::RowDescription d;
    for (auto n : names) d.fields.push_back({n, 0, 0, type_oid, -1, -1, 0});
    return d;
}
// A DataRow of text columns (nullopt: NULL), encoded by encode_data_row.
struct DataRow {
    std::vector<std::optional<std::string_view>> values;
};

class QueryTranscript {
public:
    ops::QueryOp op;
    proto::Bytes out;              // what the op wrote (frontend messages)
    std::vector<ops::Step> steps;  // one per message fed
    std::shared_ptr<const detail::RowShape> shape;

    explicit QueryTranscript(ops::QueryOp o) : op(std::move(o)) {}

    ops::Step feed(const proto::BackendMessage& m) {
        proto::Bytes frame;
        proto::encode_backend(frame, m);
        return feed_frame(frame);
    }
    ops::Step feed(const DataRow& r) {
        proto::Bytes frame;
        proto::encode_data_row(frame, r.values);
        return feed_frame(frame);
    }
    // Feeds a whole reply; returns the last step.
    ops::Step feed_all(const Reply& reply) {
        ops::Step last;
        for (const auto& m : reply) last = feed(m);
        return last;
    }
    // One framed message, through proto's Decoder and decode() as the connection reads it.
    ops::Step feed_frame(const proto::Bytes& frame) {
        proto::Decoder dec;
        dec.feed(frame);
        auto next = dec.next();
        REQUIRE(next.status == proto::Decoder::Status::message);
        proto::BackendMessage m;
        REQUIRE(proto::decode(next.msg, m) == proto::Errc::ok);
        if (next.msg.type == 'T') shape = detail::make_shape(std::get<proto::RowDescription>(m), nullptr);
        ops::Step s = ops::feed(op, next.msg, m, out, shape);
        steps.push_back(s);
        return s;
    }
    ops::QueryCore& core() { return ops::core(op); }
    template <class Op>
    Op& as() {
        return std::get<Op>(op);
    }
    // Takes what was written.
    proto::Bytes written() { return std::exchange(out, {}); }
};

// Frontend bytes, for the expected side of a transcript.
template <class F>
proto::Bytes frontend(F&& encode) {
    proto::Bytes b;
    encode(b);
    return b;
}

// Whether a step has these bits (and only these).
inline bool is(ops::Step s, std::uint8_t bits) { return s.bits == bits; }

// The exception an ErrorValue becomes (to_exception), rethrown for CHECK_THROWS_AS.
inline void raise(const detail::ErrorValue& e) { std::rethrow_exception(detail::to_exception(e)); }
inline void raise(std::exception_ptr e) {
    REQUIRE(e);
    std::rethrow_exception(e);
}

}  // namespace uvpg::test
