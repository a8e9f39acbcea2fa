// Cursor::stream: one extended query whose rows are cut into batches as they arrive, for the
// cursor to take. Back-pressure is a value: the op says when too many bytes of rows wait
// (pause reading) and when few enough do again (resume reading); the driver does it.
#pragma once
#include "lib/ops/query_op.hpp"

#include <deque>

namespace uvpg::detail::ops {

// Batches of at most this many rows or bytes; reading stops while 8 MiB of rows wait for the
// cursor and starts again once 2 MiB do.
inline constexpr std::size_t kStreamBatchRows = 4096, kStreamBatchBytes = std::size_t{256} * 1024;
inline constexpr std::size_t kStreamFirstChunk = std::size_t{64} * 1024;
inline constexpr std::size_t kStreamHighWater = 8 << 20, kStreamLowWater = 2 << 20;

struct StreamOp : ExtendedQueryOp {
    StreamOp() noexcept {}            // not value-initialized to zeros first (see QueryCore)
    std::deque<QueryResult> batches;  // full batches not taken yet (the last one at the end)
    std::deque<std::size_t> sizes;    // bytes of each batch in `batches`, in order
    std::size_t buffered = 0;         // bytes of rows received and not taken
    std::size_t filling = 0;          // bytes of rows in `result`, the batch being filled
    bool dropping = false;            // the cursor gave up on the rest: rows are dropped

    Step row_description(const std::shared_ptr<const RowShape>& shape) {
        QueryCore::row_description(shape);
        return {Step::wake};  // the columns are known
    }
    Step data_row(const proto::DataRow& body) {
        if (dropping) return {};
        if (Step s = QueryCore::data_row(body, kStreamFirstChunk); s.bits) return s;
        filling += 2 + body.values.size();  // the message's body
        if (result.count >= kStreamBatchRows || filling >= kStreamBatchBytes) return cut();
        return {};
    }
    Step ready_for_query(char status) {
        tx_status = status;
        Step s = dropping ? Step{} : cut();
        s.bits = static_cast<std::uint8_t>((s.bits & ~Step::pause_reading) | Step::resume_reading | Step::complete);
        return s;
    }
    // The batch being filled joins the ones to take.
    Step cut() {
        if (result.count == 0) return {};
        auto shape = result.shape;
        batches.push_back(std::move(result));
        sizes.push_back(filling);
        buffered += filling;
        filling = 0;
        result = QueryResult::empty(std::move(shape));
        result.tag = batches.back().tag;
        return {static_cast<std::uint8_t>(Step::wake | (buffered >= kStreamHighWater ? Step::pause_reading : 0))};
    }
    // The cursor took a batch of `bytes`.
    Step taken(std::size_t bytes) {
        buffered -= std::min(bytes, buffered);
        return buffered <= kStreamLowWater ? Step{Step::resume_reading} : Step{};
    }
    // The cursor gave up on the rest of the stream.
    Step drop() {
        dropping = true;
        batches.clear();
        sizes.clear();
        buffered = 0;
        if (result.count) result = QueryResult::empty(result.shape);
        return {Step::resume_reading};
    }
};

}  // namespace uvpg::detail::ops
