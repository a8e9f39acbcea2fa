// Encoding executemany's batch, a chunk of parameter sets at a time.
#include "lib/ops/batch_op.hpp"
#include "proto/frontend.hpp"

#include <algorithm>

namespace uvpg::detail::ops {

void BatchOp::begin_segment(proto::Bytes& out, std::shared_ptr<CachedStatement> st) {
    if (st) {
        name_ = st->name;  // kept alive by `statements`
        statements.push_back(std::move(st));
    } else {
        name_ = {};
        proto::encode_parse(out, "", sql_, segments_[segment_].types);
    }
    set_ = 0;
    in_segment_ = true;
}

bool BatchOp::encode_sets(proto::Bytes& out) {
    const BatchSegment& seg = segments_[segment_];
    if (set_ == seg.sets) {  // a segment without sets (none is made) has its Parse alone
        in_segment_ = false;
        ++segment_;
        return false;
    }
    // Rows are dropped: text results are fine.
    const std::size_t width = seg.types.size();
    const std::size_t n = std::min(kStep, seg.sets - set_);
    proto::encode_bind_execute_batch(out, name_, std::span(seg.params).subspan(set_ * width, n * width), width, n);
    set_ += n;
    if (set_ == seg.sets) {
        in_segment_ = false;
        ++segment_;
    }
    return out.size() >= kEarlyWrite;
}

BatchOp::Encoded BatchOp::finish(proto::Bytes& out) {
    proto::encode_sync(out);
    sql_ = {};
    segments_ = {};
    segment_ = 0;
    name_ = {};
    return Encoded::done;
}

}  // namespace uvpg::detail::ops
