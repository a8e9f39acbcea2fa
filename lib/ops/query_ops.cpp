// Routing one decoded message to the running query operation.
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

std::exception_ptr exception_of(const QueryCore& c, const std::shared_ptr<const std::string>& sql) {
    if (c.thrown) return c.thrown;
    if (!c.error) return nullptr;
    if (c.error->query || !sql) return to_exception(*c.error);
    ErrorValue e = *c.error;
    e.query = sql;
    return to_exception(e);
}

std::exception_ptr ending_error(std::exception_ptr own, std::exception_ptr reason, bool lost) {
    if (!own) return reason;
    if (!lost) return own;
    try {
        std::rethrow_exception(own);
    } catch (const OperationalError&) {
        return own;
    } catch (...) {
        return reason;
    }
}

}  // namespace uvpg::detail::ops
