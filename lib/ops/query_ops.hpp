// The running operation of a request, one of the query kinds, and the one way messages reach
// it. The driver (lib/conn/) holds one per request and routes the front request's messages
// here; the transcript tests (tests/test_op_query.cpp) feed them the same way.
#pragma once
#include "lib/ops/batch_op.hpp"
#include "lib/ops/copy_op.hpp"
#include "lib/ops/query_op.hpp"
#include "lib/ops/request_error.hpp"
#include "lib/ops/stream_op.hpp"

#include <variant>

namespace uvpg::detail::ops {

using QueryOp = std::variant<SimpleQueryOp, ExtendedQueryOp, BatchOp, CopyInOp, CopyOutOp, StreamOp>;

// std::visit as a switch on the index: a jump table, and every op's handler inlined.
template <class F>
inline decltype(auto) visit(QueryOp& op, F&& f) {
    switch (op.index()) {
    case 1: return f(*std::get_if<1>(&op));
    case 2: return f(*std::get_if<2>(&op));
    case 3: return f(*std::get_if<3>(&op));
    case 4: return f(*std::get_if<4>(&op));
    case 5: return f(*std::get_if<5>(&op));
    default: return f(*std::get_if<0>(&op));
    }
}
template <class F>
inline decltype(auto) visit(const QueryOp& op, F&& f) {
    return visit(const_cast<QueryOp&>(op), [&](const auto& o) -> decltype(auto) { return f(o); });
}

// Every op is a QueryCore: what the driver reads of any of them.
inline QueryCore& core(QueryOp& op) noexcept {
    return visit(op, [](QueryCore& c) -> QueryCore& { return c; });
}
inline const QueryCore& core(const QueryOp& op) noexcept { return core(const_cast<QueryOp&>(op)); }

// The hot messages, from their bytes (the driver's fast path). Most ops take them as
// QueryCore does, so these test for the few that differ rather than visit every kind: the
// common handler is inlined once.
namespace kind {
inline constexpr std::size_t simple = 0, extended = 1, batch = 2, copy_in = 3, copy_out = 4, stream = 5;
}
static_assert(std::is_same_v<std::variant_alternative_t<kind::extended, QueryOp>, ExtendedQueryOp> &&
              std::is_same_v<std::variant_alternative_t<kind::batch, QueryOp>, BatchOp> &&
              std::is_same_v<std::variant_alternative_t<kind::copy_in, QueryOp>, CopyInOp> &&
              std::is_same_v<std::variant_alternative_t<kind::stream, QueryOp>, StreamOp>);

// Whether the op speaks the extended protocol (its reply has ParseComplete and BindComplete).
inline bool extended_protocol(const QueryOp& op) noexcept {
    const std::size_t i = op.index();
    return i == kind::extended || i == kind::batch || i == kind::stream;
}

inline Step data_row(QueryOp& op, const proto::DataRow& body) {
    switch (op.index()) {
    case kind::batch: return std::get_if<kind::batch>(&op)->data_row(body);
    case kind::stream: return std::get_if<kind::stream>(&op)->data_row(body);
    default: return core(op).data_row(body);
    }
}
inline Step row_description(QueryOp& op, const std::shared_ptr<const RowShape>& shape) {
    if (op.index() == kind::stream) return std::get_if<kind::stream>(&op)->row_description(shape);
    core(op).row_description(shape);
    return {};
}
inline void command_complete(QueryOp& op, std::string_view tag) {
    switch (op.index()) {
    case kind::batch: return std::get_if<kind::batch>(&op)->command_complete(tag);
    case kind::copy_in: return std::get_if<kind::copy_in>(&op)->command_complete(tag);
    default: return core(op).command_complete(tag);
    }
}
inline Step ready_for_query(QueryOp& op, char status) {
    if (op.index() == kind::stream) return std::get_if<kind::stream>(&op)->ready_for_query(status);
    return core(op).ready_for_query(status);
}
// BindComplete, for the ops of the extended protocol (the others take none).
inline void bind_complete(QueryOp& op) noexcept {
    if (auto* b = std::get_if<BatchOp>(&op)) b->bind_complete();
    else if (auto* e = std::get_if<ExtendedQueryOp>(&op)) e->bind_complete();
    else if (auto* s = std::get_if<StreamOp>(&op)) s->bind_complete();
}
// Any message of a query's reply, decoded (`m`) and raw (`raw`: its type, and the body a
// DataRow is packed from). `shape`: for a RowDescription, its shape. Appends to `out` what
// must be written.
Step feed(QueryOp& op, const proto::RawMessage& raw, const proto::BackendMessage& m, proto::Bytes& out,
          const std::shared_ptr<const RowShape>& shape);

// Whether the query ran into one of the statement cache's facts before binding: the cursor
// may run it once more (see stale_plan in lib/cursor/cursor.cpp).
inline bool stale(const QueryOp& op) noexcept {
    return visit(op, [](const auto& o) { return o.stale(); });
}

}  // namespace uvpg::detail::ops
