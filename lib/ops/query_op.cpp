// The less frequent messages of a query's reply, common to every query operation.
#include "lib/ops/query_op.hpp"
#include "lib/errors/errors_internal.hpp"
#include "proto/frontend.hpp"

#include <charconv>

namespace uvpg::detail::ops {

Step QueryCore::on_other(const proto::BackendMessage& m, char type, proto::Bytes& out, bool extended) {
    switch (type) {
    case 's':  // PortalSuspended
        statement_done = true;
        copying_out = false;
        return {};
    case 'I':  // EmptyQueryResponse
        result.clear();
        statement_done = true;
        return {};
    case 'E': fail(server_error(diagnostics_from_fields(std::get<proto::ErrorResponse>(m).fields))); return {};
    case 'W': return violate("CopyBothResponse outside replication");
    case 'G':
        // No source: psycopg2's words, execute() cannot feed a COPY FROM STDIN. Refused
        // without losing the connection.
        fail(make_error(Errc::programming, "can't execute COPY FROM: use the copy_from() method instead"));
        proto::encode_copy_fail(out, "COPY FROM STDIN without a data source");
        if (extended) proto::encode_sync(out);
        return {Step::flush};
    case 'H':
        // No sink: the data is read and dropped, and the caller told.
        fail(make_error(Errc::programming, "can't execute COPY TO: use the copy_to() method instead"));
        copying_out = true;
        return {};
    case 'd':
    case 'c':
        if (!copying_out) break;
        return {};
    default: break;
    }
    return {Step::unexpected};
}

void ExtendedQueryOp::start(proto::Bytes& out, std::string_view sql, std::span<const std::uint32_t> types,
                            std::span<const proto::BindParam> params) {
    static constexpr proto::Format kText[] = {proto::Format::text};
    if (statement) {
        if (prepares) {
            // Close first: whatever holds the name on the server connection this write reaches
            // (the same statement, left by another client of a pooler, or anything else) goes,
            // so the Parse cannot fail with 42P05 and the name is ours. Closing a name that does
            // not exist is no error.
            proto::encode_close(out, 'S', statement->name);
            proto::encode_parse(out, statement->name, sql, types);
            proto::encode_describe(out, 'S', statement->name);
            proto::encode_bind(out, "", statement->name, params, kText);
        } else {
            result.shape = statement->bound_shape;
            proto::encode_bind(out, "", statement->name, params, statement->result_formats);
        }
    } else {
        proto::encode_parse(out, "", sql, types);
        proto::encode_bind(out, "", "", params, kText);
        proto::encode_describe(out, 'P', "");
    }
    proto::encode_execute(out, "", 0);
    proto::encode_sync(out);
}

void ExtendedQueryOp::start_prepare(proto::Bytes& out, std::string_view sql, std::span<const std::uint32_t> types) {
    proto::encode_close(out, 'S', statement->name);  // as in start(): the name is ours afterwards
    proto::encode_parse(out, statement->name, sql, types);
    proto::encode_describe(out, 'S', statement->name);
    proto::encode_sync(out);
}

}  // namespace uvpg::detail::ops

namespace uvpg::detail {

std::int64_t rows_from_tag(std::string_view tag) {
    auto sp = tag.rfind(' ');
    if (sp == std::string_view::npos) return -1;
    std::int64_t n = -1;
    auto num = tag.substr(sp + 1);
    auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec != std::errc() || p != num.data() + num.size()) return -1;
    return n;
}

}  // namespace uvpg::detail
