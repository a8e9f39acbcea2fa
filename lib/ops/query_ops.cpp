// Routing one decoded message to the running query operation; how a request failed (RequestError).
#include "lib/ops/query_ops.hpp"

#include <uvpg/errors.hpp>

namespace uvpg::detail::ops {

Step feed(QueryOp& op, const proto::RawMessage& raw, const proto::BackendMessage& m, proto::Bytes& out,
          const std::shared_ptr<const RowShape>& shape) {
    switch (raw.type) {
    case 'T': return row_description(op, shape);
    case 'D': return data_row(op, std::get<proto::DataRow>(m));
    case 'C': command_complete(op, std::get<proto::CommandComplete>(m).tag); return {};
    case 'Z': return ready_for_query(op, std::get<proto::ReadyForQuery>(m).status);
    default: return visit(op, [&](auto& o) { return o.on_message(m, raw.type, out); });
    }
}

RequestError::RequestError(ErrorValue e) {
    const bool op = is_operational(e);
    p_ = std::make_shared<const Data>(Data{std::move(e), nullptr, op});
}

RequestError RequestError::of(const QueryCore& c, const std::shared_ptr<const std::string>& sql) {
    RequestError r;
    if (c.thrown) r.p_ = std::make_shared<const Data>(Data{{}, c.thrown, c.thrown_operational});
    else if (c.error) {
        ErrorValue e = *c.error;
        if (!e.query) e.query = sql;
        r = RequestError(std::move(e));
    }
    return r;
}

std::exception_ptr RequestError::exception() const {
    if (!p_) return nullptr;
    return p_->thrown ? p_->thrown : to_exception(p_->value);
}

RequestError ending_error(RequestError own, const RequestError& reason, bool lost) {
    if (own && (!lost || own.operational())) return own;
    return reason;
}

}  // namespace uvpg::detail::ops
