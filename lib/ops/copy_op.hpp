// COPY FROM STDIN and COPY TO STDOUT by the simple query protocol: the cursor's copy_* give a
// source (fills a buffer, returns the bytes, 0 at the end) or a sink (takes each chunk). A query
// without one refuses COPY (QueryCore::on_other), as psycopg2's execute() does.
#pragma once
#include "lib/ops/query_op.hpp"

#include <functional>

namespace uvpg::detail::ops {

struct CopyInOp : QueryCore {
    CopyInOp() noexcept {}  // not value-initialized to zeros first (see QueryCore)
    std::function<std::size_t(char*, std::size_t)> source;
    bool pumping = false;  // the server waits for CopyData: the source is being pumped

    // Appends CopyData from the source to `out` until it holds `high_water` bytes, then
    // CopyDone at the source's end, or CopyFail when it throws (its exception is the
    // request's). The driver writes and calls again while `pumping`: memory stays bounded by
    // the mark whatever the size of the data.
    void fill(proto::Bytes& out, std::size_t high_water);

    void command_complete(std::string_view tag) {
        QueryCore::command_complete(tag);
        pumping = false;
    }
    Step on_message(const proto::BackendMessage& m, char type, proto::Bytes& out) {
        switch (type) {
        case 'G': pumping = true; return {Step::pump};
        case 's':
        case 'E':
            pumping = false;  // the server drops whatever CopyData is still coming
            [[fallthrough]];
        default: return on_other(m, type, out, false);
        }
    }
};

struct CopyOutOp : QueryCore {
    CopyOutOp() noexcept {}  // not value-initialized to zeros first (see QueryCore)
    std::function<void(std::string_view)> sink;

    Step on_message(const proto::BackendMessage& m, char type, proto::Bytes& out) {
        switch (type) {
        case 'H': copying_out = true; return {};
        case 'd':
            if (!copying_out) break;
            if (!failed()) {
                const auto& d = std::get<proto::CopyData>(m);
                try {
                    sink(std::string_view(reinterpret_cast<const char*>(d.data.data()), d.data.size()));
                } catch (const OperationalError&) {
                    keep_thrown(true);  // first: its std::exception base may be ambiguous (CopyInOp::fill)
                } catch (const std::exception&) {
                    keep_thrown(false);  // the rest of the data is read and dropped
                } catch (...) {
                    keep_thrown(false);
                }
            }
            return {};
        default: break;
        }
        return on_other(m, type, out, false);
    }
};

}  // namespace uvpg::detail::ops
