// libFuzzer target: arbitrary server bytes to the connection's message handling, with no socket.
//
// A connection is put in the ready state (ConnectionImpl::ready_without_socket) with requests
// queued as the cursor queues them, then fed the stream through ConnectionImpl::receive in
// chunks, as reads would bring it: the same decoder, proto::decode_hot / proto::decode and
// dispatch that production runs.
//
// Input: [requests] [options] [k chunk sizes] [stream].
//   requests: one bit per request queued, in this order: 1 simple query (two statements),
//     2 extended query, 4 streamed extended query, 8 executemany batch, 16 COPY TO STDOUT,
//     32 COPY FROM STDIN, 64 prepare() (a Parse/Describe/Sync of its own), 128 another simple
//     query. None: one simple query.
//   options & 15 = k; options & 16: statement cache on; options & 32: the stream's reader takes
//     each batch as soon as it is cut; options >> 6 picks the cap on message size.
//
// Checked after every chunk: no crash, leak or undefined behaviour; requests complete in the
// order they were queued (the done ones are a prefix) and the connection's count of those in
// flight agrees; once the connection is closed every request is done. Rows of every completed
// result and streamed batch are read column by column (the packed directory is trusted). At the
// end the connection is closed and every request must be done, with an error if it was still
// waiting.
#include "common.hpp"
#include "lib/conn/connection_impl.hpp"

#include <uvpg/value.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

using namespace uvpg;
using namespace uvpg::proto;
using uvpg::detail::ConnectionImpl;
using uvpg::detail::QueryResult;
using uvpg::detail::Request;
using uvpg_fuzz::check;

namespace {

constexpr std::size_t kCaps[4] = {kDefaultMaxMessage, 64, 4096, kMaxShortMessage};

std::size_t sink = 0;  // what was read from rows, so that nothing is optimised away

void read_rows(const QueryResult& r) {
    if (!r.packer) return;
    const std::size_t columns = r.shape ? r.shape->columns.size() : 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
        Row row = r.row(i);
        check(row.size() == columns, "a row's size differs from its description's");
        for (std::size_t j = 0; j < columns; ++j) {
            Value v = row[j];
            if (v.is_null()) continue;
            for (char c : v.raw()) sink += static_cast<unsigned char>(c);
        }
    }
}

struct Queued {
    std::shared_ptr<Request> req;
    bool was_done_before_close = false;
};

void take_stream_batches(ConnectionImpl& c, Request& r) {
    if (!std::holds_alternative<uvpg::detail::ops::StreamOp>(r.op)) return;
    auto& st = r.stream();
    while (!st.batches.empty()) {
        read_rows(st.batches.front());
        st.batches.pop_front();
        const std::size_t bytes = st.sizes.empty() ? 0 : st.sizes.front();
        if (!st.sizes.empty()) st.sizes.pop_front();
        c.stream_taken(r, bytes);
    }
}

void check_order(const ConnectionImpl& c, const std::vector<Queued>& q) {
    std::size_t pending = 0;
    bool seen_pending = false;
    for (const auto& e : q) {
        if (!e.req->done) {
            seen_pending = true;
            ++pending;
        } else {
            check(!seen_pending, "a request completed before one queued ahead of it");
        }
    }
    if (c.closed()) check(pending == 0, "the connection closed with a request not done");
    else check(c.in_flight() == pending, "in_flight() differs from the requests not done");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t requests = data[0] ? data[0] : 1;
    const std::uint8_t options = data[1];
    const std::size_t k = std::min<std::size_t>(options & 15, size - 2);
    const std::uint8_t* sizes = data + 2;
    const std::uint8_t* stream = data + 2 + k;
    const std::size_t n = size - 2 - k;

    uvpg::detail::ConnParams params;
    params.statement_cache_size = (options & 16) ? 100 : 0;
    params.max_pipeline = 0;
    params.max_message = kCaps[options >> 6];
    auto conn = ConnectionImpl::ready_without_socket(std::move(params));
    const bool take_batches = (options & 32) != 0;

    std::vector<Queued> q;
    auto sql = [](const char* s) { return std::make_shared<const std::string>(s); };
    static const std::uint8_t one[] = {'4', '2'};
    const std::uint32_t types[] = {23};
    const BindParam bind[] = {BindParam{ByteView(one, sizeof one), Format::text}};
    std::string copied;
    int copy_chunks = 0;
    if (requests & 1) q.push_back({conn->query(std::string_view("SELECT 1; SELECT 2"))});
    if (requests & 2) q.push_back({conn->query(sql("SELECT $1"), types, bind)});
    if (requests & 4) {
        q.push_back({conn->query(sql("SELECT generate_series(1, $1)"), types, bind, nullptr, true)});
    }
    if (requests & 8) {
        uvpg::detail::BatchSegment seg;
        seg.types = {23};
        seg.params = {bind[0], bind[0]};
        seg.sets = 2;
        const uvpg::detail::BatchSegment segs[] = {seg};
        q.push_back({conn->query_batch(sql("INSERT INTO t VALUES ($1)"), segs)});
    }
    if (requests & 16) {
        q.push_back({conn->copy(sql("COPY t TO STDOUT"), nullptr, [&copied](std::string_view s) {
            if (s.find('!') != std::string_view::npos) throw std::runtime_error("the sink refuses '!'");
            copied.append(s.substr(0, 64));
        })});
    }
    if (requests & 32) {
        q.push_back({conn->copy(
            sql("COPY t FROM STDIN"),
            [&copy_chunks](char* buf, std::size_t cap) -> std::size_t {
                if (++copy_chunks > 2 || cap < 4) return 0;
                std::memcpy(buf, "1\n2\n", 4);
                return 4;
            },
            nullptr)});
    }
    if (requests & 64) {
        if (auto prep = conn->prepare(sql("SELECT $1::int4"), types)) q.push_back({prep});
        conn->release_hold();
    }
    if (requests & 128) q.push_back({conn->query(std::string_view("SELECT 3"))});
    check_order(*conn, q);

    std::size_t cycle = 0;
    for (std::size_t i = 0; i < k; ++i) cycle += sizes[i];
    std::size_t fed = 0, chunk_index = 0;
    while (fed < n && !conn->closed()) {
        std::size_t chunk = n - fed;
        if (cycle > 0) {
            const std::size_t s = sizes[chunk_index++ % k];
            if (s == 0) continue;  // a read that brought nothing new
            chunk = std::min(chunk, s);
        }
        conn->receive(ByteView(stream + fed, chunk));
        fed += chunk;
        check_order(*conn, q);
        for (auto& e : q) {
            if (take_batches) take_stream_batches(*conn, *e.req);
            if (e.req->done && !e.was_done_before_close) {
                e.was_done_before_close = true;
                read_rows(e.req->result());
                take_stream_batches(*conn, *e.req);
            }
        }
    }
    conn->close();
    conn->resume_ready();
    for (auto& e : q) {
        check(e.req->done, "a request not done after close()");
        if (!e.was_done_before_close) check(bool(e.req->error), "a request cut off by close() has no error");
        take_stream_batches(*conn, *e.req);
    }
    return 0;
}

// --- seeds ----------------------------------------------------------------------------------

namespace {

Bytes frame(char type, std::string_view body) {
    Bytes out{static_cast<std::uint8_t>(type)};
    const auto len = static_cast<std::uint32_t>(body.size() + 4);
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(len >> s));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

std::string be16(int v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }
std::string be32(std::int32_t v) {
    const auto u = static_cast<std::uint32_t>(v);
    return {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8), static_cast<char>(u)};
}

Bytes row_description(int columns) {
    std::string b = be16(columns);
    for (int i = 0; i < columns; ++i) {
        b += std::string("c") + static_cast<char>('0' + i % 10) + '\0';
        b += be32(0) + be16(0) + be32(23) + be16(4) + be32(-1) + be16(0);
    }
    return frame('T', b);
}

Bytes data_row(int columns, int value) {
    std::string b = be16(columns);
    for (int i = 0; i < columns; ++i) {
        if (i % 4 == 3) {
            b += be32(-1);
            continue;
        }
        const std::string v = std::to_string(value + i);
        b += be32(static_cast<std::int32_t>(v.size())) + v;
    }
    return frame('D', b);
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes complete(std::string_view tag) { return frame('C', std::string(tag) + '\0'); }
Bytes ready(char s = 'I') { return frame('Z', std::string(1, s)); }
Bytes empty(char type) { return frame(type, ""); }

void write_seed(const std::string& dir, const std::string& name, std::uint8_t requests, std::uint8_t options,
                std::initializer_list<std::uint8_t> sizes, const Bytes& stream) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    f.put(static_cast<char>(requests));
    f.put(static_cast<char>((options & ~15) | static_cast<std::uint8_t>(sizes.size())));
    for (auto s : sizes) f.put(static_cast<char>(s));
    f.write(reinterpret_cast<const char*>(stream.data()), static_cast<std::streamsize>(stream.size()));
}

void write_seeds(const std::string& dir) {
    std::filesystem::create_directories(dir);
    const Bytes simple = cat({row_description(1), data_row(1, 1), complete("SELECT 1"), row_description(1),
                              data_row(1, 2), complete("SELECT 1"), ready()});
    const Bytes extended =
        cat({empty('1'), empty('2'), row_description(1), data_row(1, 42), complete("SELECT 1"), ready()});
    Bytes streamed = cat({empty('1'), empty('2'), row_description(12)});
    for (int i = 0; i < 40; ++i) streamed = cat({streamed, data_row(12, i)});
    streamed = cat({streamed, complete("SELECT 40"), ready()});
    const Bytes batch =
        cat({empty('1'), empty('2'), complete("INSERT 0 1"), empty('2'), complete("INSERT 0 1"), ready()});
    const Bytes copy_out = cat({frame('H', std::string(1, '\0') + be16(1) + be16(0)), frame('d', "1\n"),
                                frame('d', "2\n"), frame('c', ""), complete("COPY 2"), ready()});
    const Bytes copy_in = cat({frame('G', std::string(1, '\0') + be16(1) + be16(0)), complete("COPY 2"), ready()});
    const Bytes prepared = cat({empty('3'), empty('1'), frame('t', be16(1) + be32(23)), row_description(1), ready()});
    const Bytes error =
        cat({frame('E', std::string("SERROR") + '\0' + "C42601" + '\0' + "Msyntax" + '\0' + '\0'), ready()});
    const Bytes async =
        cat({frame('N', std::string("SNOTICE") + '\0' + "Mhi" + '\0' + '\0'),
             frame('S', std::string("a") + '\0' + "b" + '\0'), frame('A', be32(7) + "ch" + '\0' + "payload" + '\0')});

    write_seed(dir, "simple", 1, 0, {}, simple);
    write_seed(dir, "simple-bytewise", 1, 0, {1}, simple);
    write_seed(dir, "extended", 2, 0, {}, extended);
    write_seed(dir, "extended-split", 2, 0, {3, 7}, extended);
    write_seed(dir, "stream", 4, 0, {}, streamed);
    write_seed(dir, "stream-taken", 4, 32, {50, 9}, streamed);
    write_seed(dir, "batch", 8, 0, {}, batch);
    write_seed(dir, "copy-out", 16, 0, {}, copy_out);
    write_seed(dir, "copy-in", 32, 0, {}, copy_in);
    write_seed(dir, "prepare", 64, 16, {}, cat({prepared, extended}));
    write_seed(dir, "error", 1, 0, {}, cat({error}));
    write_seed(dir, "async-then-simple", 1, 0, {5}, cat({async, simple}));
    write_seed(dir, "all", 0xFF, 16, {}, cat({simple, extended, streamed, batch, copy_out, copy_in, prepared, simple}));
    write_seed(dir, "all-bytewise", 0xFF, 48, {1},
               cat({simple, extended, streamed, batch, copy_out, copy_in, prepared, simple}));
    write_seed(dir, "bad-row", 1, 0, {}, cat({row_description(1), frame('D', be16(1) + be32(-2))}));
    write_seed(dir, "short-row", 1, 0, {}, cat({row_description(2), data_row(1, 1)}));
    write_seed(dir, "idle-error", 1, 0, {}, cat({simple, error}));
}

}  // namespace

UVPG_FUZZ_SEEDS_FROM(write_seeds)
