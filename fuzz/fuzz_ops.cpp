// libFuzzer target: arbitrary server bytes fed to the query operations (lib/ops/) as the
// connection's driver feeds them: framed and decoded by proto::Decoder and proto::decode,
// asynchronous messages left to the driver, every other message to the op, until the op says
// the request is over or the driver would close the connection (a message it could not decode,
// a protocol violation).
//
// Input: [kind] [server bytes...]. kind % 6 picks the op (simple, extended, batch, COPY FROM
// STDIN, COPY TO STDOUT, stream); kind & 8 gives the extended op a cached statement (kind & 16:
// one it prepares). The COPY source gives three chunks and ends; the sink takes everything; the
// stream's reader takes every batch it is woken for.
//
// Contract: no crash, hang, leak or undefined behaviour; the op's error, made an exception as
// the awaiter would get it, is a uvpg::Error; what the op wrote is whole frontend messages.
#include "common.hpp"
#include "lib/ops/query_ops.hpp"

#include <uvpg/errors.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace uvpg;
using namespace uvpg::detail;

namespace {

using uvpg_fuzz::check;

ops::QueryOp make_op(std::uint8_t kind, int& chunks) {
    switch (kind % 6) {
    case 1:
    case 5: {
        ops::ExtendedQueryOp e;
        if (kind & 8) {
            e.statement = std::make_shared<CachedStatement>();
            e.statement->name = "uvpg_fuzz";
            e.statement->ready = !(kind & 16);
            e.prepares = (kind & 16) != 0;
        }
        if (kind % 6 == 1) return e;
        ops::StreamOp s;
        static_cast<ops::ExtendedQueryOp&>(s) = std::move(e);
        return s;
    }
    case 2: return ops::BatchOp{};
    case 3: {
        ops::CopyInOp c;
        c.source = [&chunks](char* buf, std::size_t n) -> std::size_t {
            if (chunks-- <= 0) return 0;
            const std::size_t k = std::min<std::size_t>(n, 5);
            std::memset(buf, 'x', k);
            return k;
        };
        return c;
    }
    case 4: {
        ops::CopyOutOp c;
        c.sink = [](std::string_view) {};
        return c;
    }
    default: return ops::SimpleQueryOp{};
    }
}

// Whole frontend messages: a type byte and a length that covers the rest exactly.
void check_frames(const proto::Bytes& out) {
    std::size_t at = 0;
    while (at < out.size()) {
        check(out.size() - at >= 5, "a whole frontend message header");
        const std::uint32_t len = (std::uint32_t(out[at + 1]) << 24) | (std::uint32_t(out[at + 2]) << 16) |
                                  (std::uint32_t(out[at + 3]) << 8) | out[at + 4];
        check(len >= 4 && out.size() - at - 1 >= len, "a whole frontend message");
        at += 1 + len;
    }
}

void check_error(std::exception_ptr e) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const Error&) {
    } catch (...) {
        check(false, "the op's error is a uvpg::Error");
    }
}

void write_seeds(const char* dir) {
    std::filesystem::create_directories(dir);
    auto seed = [&](const char* name, std::uint8_t kind, std::initializer_list<proto::BackendMessage> msgs) {
        proto::Bytes b{kind};
        for (const auto& m : msgs) proto::encode_backend(b, m);
        std::ofstream(std::string(dir) + "/" + name, std::ios::binary)
            .write(reinterpret_cast<const char*>(b.data()), b.size());
    };
    const proto::RowDescription desc{{{"a", 0, 0, 23, 4, -1, 0}}};
    const std::uint8_t row_bytes[] = {0, 1, 0, 0, 0, 1, '7'};
    const proto::DataRow row{1, proto::ByteView(row_bytes + 2, sizeof row_bytes - 2)};
    const proto::ErrorResponse gone{{{'S', "ERROR"}, {'C', "26000"}, {'M', "gone"}}};
    seed("simple", 0, {desc, row, proto::CommandComplete{"SELECT 1"}, proto::ReadyForQuery{'I'}});
    seed("extended", 1 | 8, {gone, proto::ReadyForQuery{'I'}});
    seed("prepare", 1 | 8 | 16,
         {proto::CloseComplete{}, proto::ParseComplete{}, proto::ParameterDescription{{23}}, desc,
          proto::BindComplete{}, row, proto::CommandComplete{"SELECT 1"}, proto::ReadyForQuery{'T'}});
    seed("batch", 2,
         {proto::ParseComplete{}, proto::BindComplete{}, proto::CommandComplete{"INSERT 0 1"}, gone,
          proto::ReadyForQuery{'I'}});
    seed("copy_in", 3, {proto::CopyResponse{'G', 0, {0}}, proto::CommandComplete{"COPY 3"}, proto::ReadyForQuery{'I'}});
    seed("copy_out", 4,
         {proto::CopyResponse{'H', 0, {0}}, proto::CopyData{proto::ByteView(row_bytes, 3)}, proto::CopyDone{},
          proto::CommandComplete{"COPY 1"}, proto::ReadyForQuery{'I'}});
    seed("stream", 5,
         {proto::ParseComplete{}, proto::BindComplete{}, desc, row, row, proto::CommandComplete{"SELECT 2"},
          proto::ReadyForQuery{'I'}});
    seed("refused", 0,
         {proto::CopyResponse{'G', 0, {}}, proto::NoticeResponse{{{'M', "hi"}}}, gone, proto::ReadyForQuery{'E'}});
}

}  // namespace

UVPG_FUZZ_SEEDS_FROM(write_seeds)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    int chunks = 3;
    ops::QueryOp op = make_op(data[0], chunks);
    proto::Decoder decoder(1 << 16);
    decoder.feed(proto::ByteView(data + 1, size - 1));
    proto::Bytes out;
    std::shared_ptr<const RowShape> shape;
    bool over = false;
    while (!over) {
        auto next = decoder.next();
        if (next.status != proto::Decoder::Status::message) break;
        proto::BackendMessage m;
        if (proto::decode(next.msg, m) != proto::Errc::ok) break;  // the driver closes the connection
        const char type = next.msg.type;
        if (type == 'N' || type == 'S' || type == 'A') continue;  // the driver's (handle_async)
        if (type == 'T') shape = make_shape(std::get<proto::RowDescription>(m));
        const ops::Step s = ops::feed(op, next.msg, m, out, shape);
        if (s.bits & (ops::Step::unexpected | ops::Step::violation)) break;  // the driver closes the connection
        if (auto* in = std::get_if<ops::CopyInOp>(&op); in && (s.bits & ops::Step::pump))
            while (in->pumping) in->fill(out, out.size() + 16);  // as if each fill were written at once
        if (auto* st = std::get_if<ops::StreamOp>(&op); st && (s.bits & ops::Step::wake)) {
            while (!st->batches.empty()) {
                st->batches.pop_front();
                const std::size_t bytes = st->sizes.front();
                st->sizes.pop_front();
                (void)st->taken(bytes);
            }
        }
        over = (s.bits & ops::Step::complete) != 0;
    }
    check_frames(out);
    const auto sql = std::make_shared<const std::string>("SELECT 1");
    const ops::RequestError own = ops::RequestError::of(ops::core(op), sql);
    check_error(own.exception());
    const ops::RequestError lost(detail::make_error(detail::Errc::connection_lost, "lost"));
    const ops::RequestError ending = ops::ending_error(own, lost, true);
    check(ending.operational(), "a request ending with a lost connection ends in an OperationalError");
    check_error(ending.exception());
    (void)ops::stale(op);
    (void)ops::core(op).forgets_statements();
    if (auto* e = std::get_if<ops::ExtendedQueryOp>(&op)) (void)e->cache_news();
    return 0;
}
