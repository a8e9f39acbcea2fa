// libFuzzer target: the backend framer and decoder on arbitrary server bytes.
//
// Input: [flags] [k chunk sizes] [stream]. flags & 15 = k; flags & 16 feeds through
// prepare()/commit() (libuv's path) instead of feed(); flags >> 5 picks the decoder's cap. The
// stream is delivered in chunks of the given sizes, repeated, so every split point is reachable.
//
// Checked: framing agrees with an independent reading of the stream; a decoded message
// re-encodes to exactly its bytes; a failed decode leaves the output alone; DataRowIterator
// walks a decoded DataRow exactly and stops safely on bytes decode() never validated. An
// ErrorResponse or NoticeResponse goes on, as the connection takes it, into Diagnostics, the
// psql-style message (whose LINE/caret display parses the server's position) and the exception.
// The hot messages (DataRow, CommandComplete, ReadyForQuery, the bodiless ones) also go to
// decode_hot, which must agree with the Reader-based decoding it replaced.
#include "common.hpp"
#include "lib/errors/errors_internal.hpp"
#include "proto/backend.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

using namespace uvpg::proto;

namespace {

using uvpg_fuzz::check;

std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

// The decoder's own limit rule, restated so that a wrong cap is noticed rather than trusted.
std::size_t cap_for(char type, std::size_t max) {
    switch (type) {
    case 'D':
    case 'd':
    case 'T':
    case 't':
    case 'E':
    case 'N':
    case 'A':
    case 'V': return max;
    default: return std::min(max, kMaxShortMessage);
    }
}

constexpr std::size_t kCaps[8] = {kDefaultMaxMessage, 5, 16, 64, 300, 4096, kMaxShortMessage, 30001};

// A copy in an allocation of exactly the body's size: the decoder's buffer has slack after
// a message, which would hide a read past the body from AddressSanitizer.
struct Exact {
    std::unique_ptr<std::uint8_t[]> p;
    ByteView view;
    explicit Exact(ByteView b) : p(new std::uint8_t[b.size() ? b.size() : 1]) {
        if (!b.empty()) std::memcpy(p.get(), b.data(), b.size());
        view = ByteView(p.get(), b.size());
    }
};

void check_data_row(const DataRow& row, const Bytes& wire) {
    DataRowIterator it(row);
    std::vector<std::optional<std::string_view>> values;
    ByteView v;
    bool null = false;
    while (it.next(v, null)) {
        check(!null || v.empty(), "NULL column with bytes");
        if (!v.empty())
            check(v.data() >= row.values.data() && v.data() + v.size() <= row.values.data() + row.values.size(),
                  "column outside the row");
        values.push_back(null ? std::nullopt
                              : std::optional<std::string_view>(
                                    std::string_view(reinterpret_cast<const char*>(v.data()), v.size())));
    }
    check(values.size() == row.count, "DataRowIterator count differs from the row's");
    Bytes again;
    encode_data_row(again, values);
    check(again == wire, "encode_data_row does not give back the DataRow");
}

// Any body read as a DataRow: the iterator must stop at the end without reading past it.
void walk_unvalidated(ByteView body) {
    DataRowIterator it(DataRow{0, body});
    ByteView v;
    bool null = false;
    std::size_t n = 0;
    while (it.next(v, null)) {
        check(++n <= body.size() / 4, "DataRowIterator yields more columns than the bytes hold");
        check(!null || v.empty(), "NULL column with bytes");
    }
}

// What the connection does with a server error: the position field is the server's text, and
// the message body (any bytes) stands in for the statement it points into.
void check_server_error(const std::vector<std::pair<char, std::string_view>>& fields, ByteView body) {
    const uvpg::Diagnostics diag = uvpg::detail::diagnostics_from_fields(fields);
    const std::string_view query(reinterpret_cast<const char*>(body.data()), body.size());
    (void)uvpg::detail::format_server_message(diag, query, false);
    (void)uvpg::detail::format_server_message(diag, {}, true);
    try {
        std::rethrow_exception(uvpg::make_server_error(diag, query));
    } catch (const uvpg::Error& e) {
        check(e.pgcode() == diag.sqlstate, "the exception lost the SQLSTATE");
        check(e.what() != nullptr, "what() is null");
    }
}

// The hot messages as decode() read them before proto::decode_hot took them over (Reader, one
// field at a time), kept as the reference decode_hot must agree with: the same bodies accepted,
// with the same fields.
bool reference_hot(const RawMessage& raw, BackendMessage& out) {
    Reader r(raw.body);
    switch (raw.type) {
    case 'D': {
        const std::int16_t n = r.i16();
        if (!r.ok() || n < 0) return false;
        DataRow row;
        row.count = static_cast<std::uint16_t>(n);
        row.values = r.bytes(r.remaining());
        Reader v(row.values);
        for (std::int16_t i = 0; i < n; ++i) {
            const std::int32_t len = v.i32();
            if (len < -1) return false;
            if (len > 0) v.bytes(static_cast<std::size_t>(len));
        }
        if (!v.done()) return false;
        out = row;
        return true;
    }
    case 'C': {
        CommandComplete c;
        c.tag = r.cstr();
        if (!r.done()) return false;
        out = c;
        return true;
    }
    case 'Z': {
        const char st = static_cast<char>(r.u8());
        if (st != 'I' && st != 'T' && st != 'E') return false;
        if (!r.done()) return false;
        out = ReadyForQuery{st};
        return true;
    }
    case '1': out = ParseComplete{}; return raw.body.empty();
    case '2': out = BindComplete{}; return raw.body.empty();
    case '3': out = CloseComplete{}; return raw.body.empty();
    case 'n': out = NoData{}; return raw.body.empty();
    case 's': out = PortalSuspended{}; return raw.body.empty();
    case 'I': out = EmptyQueryResponse{}; return raw.body.empty();
    default: return false;
    }
}

void check_hot(const RawMessage& raw) {
    BackendMessage ref;
    const bool ref_ok = reference_hot(raw, ref);
    BackendMessage got;
    int calls = 0;
    const Hot h = decode_hot(raw, [&](const auto& m) {
        ++calls;
        got = m;
        return true;
    });
    check(h != Hot::other, "decode_hot passed on a hot message type");
    check((h == Hot::taken) == ref_ok, "decode_hot and the reference disagree on a body");
    check(calls == (h == Hot::taken ? 1 : 0), "decode_hot called its handler other than once per message taken");
    if (!ref_ok) return;
    check(got.index() == ref.index(), "decode_hot gave another message type than the reference");
    Bytes a, b;
    encode_backend(a, got);
    encode_backend(b, ref);
    check(a == b, "decode_hot gave other fields than the reference");
    if (const auto* row = std::get_if<DataRow>(&got))
        check(row->values.data() == raw.body.data() + 2, "the DataRow's view is not into the body");
}

void check_message(const RawMessage& raw, const std::uint8_t* framed) {
    Exact body(raw.body);
    Bytes wire(framed, framed + 5 + raw.body.size());

    BackendMessage out = CopyDone{};  // a sentinel that decode() must not touch on error
    const Errc e = decode(RawMessage{raw.type, body.view}, out);
    check(describe(e) != nullptr, "describe() returned null");
    walk_unvalidated(body.view);
    switch (raw.type) {
    case 'D':
    case 'C':
    case 'Z':
    case '1':
    case '2':
    case '3':
    case 'n':
    case 's':
    case 'I': check_hot(RawMessage{raw.type, body.view}); break;
    default: break;
    }
    if (e != Errc::ok) {
        check(std::holds_alternative<CopyDone>(out), "a failed decode changed its output");
        check(e == Errc::malformed || e == Errc::unknown_message_type, "decode() returned a framing error");
        return;
    }
    Bytes again;
    encode_backend(again, out);
    check(again == wire, "encode_backend(decode(x)) != x");
    if (const auto* row = std::get_if<DataRow>(&out)) check_data_row(*row, wire);
    if (const auto* e = std::get_if<ErrorResponse>(&out)) check_server_error(e->fields, body.view);
    if (const auto* n = std::get_if<NoticeResponse>(&out)) check_server_error(n->fields, body.view);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t flags = data[0];
    const std::size_t k = std::min<std::size_t>(flags & 15, size - 1);
    const bool libuv_path = (flags & 16) != 0;
    const std::size_t cap = kCaps[flags >> 5];
    const std::uint8_t* sizes = data + 1;
    const std::uint8_t* stream = data + 1 + k;
    const std::size_t n = size - 1 - k;
    std::size_t cycle = 0;
    for (std::size_t i = 0; i < k; ++i) cycle += sizes[i];

    Decoder d(cap);
    check(d.max_message() == cap, "max_message() differs from the cap given");
    std::size_t fed = 0, parsed = 0, chunk_index = 0;
    bool failed = false;
    while (fed < n && !failed) {
        // All-zero sizes would never make progress: deliver the rest at once then.
        std::size_t chunk = cycle == 0 ? n - fed : sizes[chunk_index++ % k];
        chunk = std::min(chunk, n - fed);
        if (libuv_path) {
            auto tail = d.prepare(chunk);
            check(tail.size() >= chunk, "prepare() gave less than asked");
            if (chunk) std::memcpy(tail.data(), stream + fed, chunk);
            d.commit(chunk);
        } else {
            d.feed(ByteView(stream + fed, chunk));
        }
        fed += chunk;
        check(d.buffered() == fed - parsed, "buffered() disagrees with the bytes fed");

        for (;;) {
            const Decoder::Next next = d.next();
            const std::size_t avail = fed - parsed;
            if (avail < 5) {
                check(next.status == Decoder::Status::need_more, "a message from fewer than 5 bytes");
                break;
            }
            const std::uint8_t* p = stream + parsed;
            const auto len = static_cast<std::int32_t>(be32(p + 1));
            const bool bad = len < 4 || static_cast<std::size_t>(len) > cap_for(static_cast<char>(p[0]), cap);
            if (bad) {
                check(next.status == Decoder::Status::error, "a bad length was not refused");
                check(next.error == (len < 4 ? Errc::length_too_short : Errc::length_too_long), "wrong framing error");
                // The stream is lost; every later call must say so again.
                check(d.next().status == Decoder::Status::error, "the error was forgotten");
                failed = true;
                break;
            }
            if (avail - 1 < static_cast<std::size_t>(len)) {
                check(next.status == Decoder::Status::need_more, "a message before all its bytes arrived");
                break;
            }
            check(next.status == Decoder::Status::message, "a complete message was not returned");
            check(next.msg.type == static_cast<char>(p[0]), "wrong type byte");
            check(next.msg.body.size() == static_cast<std::size_t>(len) - 4, "wrong body size");
            check(next.msg.body.empty() || std::memcmp(next.msg.body.data(), p + 5, next.msg.body.size()) == 0,
                  "body bytes differ from the stream");
            check_message(next.msg, p);
            parsed += 1 + static_cast<std::size_t>(len);
        }
    }
    if (!failed) check(d.buffered() == n - parsed, "bytes lost at the end");
    return 0;
}

// Seeds: a realistic server conversation and one of each message, written by the target that
// knows its own input layout (run with UVPG_FUZZ_SEEDS=<dir>).
namespace {

void write_seed(const std::string& dir, const std::string& name, std::uint8_t flags,
                std::initializer_list<std::uint8_t> chunks, const Bytes& stream) {
    Bytes input{static_cast<std::uint8_t>(flags | chunks.size())};
    input.insert(input.end(), chunks.begin(), chunks.end());
    input.insert(input.end(), stream.begin(), stream.end());
    std::ofstream(dir + "/" + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
}

ByteView bytes_of(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

void write_seeds(const std::string& dir) {
    std::filesystem::create_directories(dir);
    std::vector<BackendMessage> all;
    all.push_back(Authentication{Authentication::sasl, {}, {"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}});
    all.push_back(
        Authentication{Authentication::sasl_continue, bytes_of("r=abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"), {}});
    all.push_back(
        Authentication{Authentication::sasl_final, bytes_of("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), {}});
    static const std::uint8_t salt[4] = {1, 2, 3, 4};
    all.push_back(Authentication{Authentication::md5_password, ByteView(salt, 4), {}});
    all.push_back(Authentication{Authentication::ok, {}, {}});
    all.push_back(ParameterStatus{"server_version", "16.4"});
    all.push_back(ParameterStatus{"client_encoding", "UTF8"});
    all.push_back(BackendKeyData{4242, -17});
    all.push_back(NegotiateProtocolVersion{0, {"_pq_.unknown", "_pq_.other"}});
    all.push_back(ReadyForQuery{'I'});
    all.push_back(ParseComplete{});
    all.push_back(ParameterDescription{{23, 25, 1700}});
    all.push_back(RowDescription{{{"id", 16384, 1, 23, 4, -1, 0}, {"name", 0, 0, 25, -1, -1, 0}}});
    all.push_back(BindComplete{});
    all.push_back(NoData{});
    all.push_back(CommandComplete{"SELECT 2"});
    all.push_back(EmptyQueryResponse{});
    all.push_back(PortalSuspended{});
    all.push_back(CloseComplete{});
    all.push_back(ErrorResponse{{{'S', "ERROR"},
                                 {'V', "ERROR"},
                                 {'C', "42P01"},
                                 {'M', "relation \"x\" does not exist"},
                                 {'P', "15"},
                                 {'F', "parse_relation.c"},
                                 {'L', "1392"},
                                 {'R', "parserOpenTable"}}});
    all.push_back(NoticeResponse{{{'S', "NOTICE"}, {'C', "00000"}, {'M', "hello"}}});
    all.push_back(ErrorResponse{{{'S', "ERROR"}, {'C', "42601"}, {'M', "syntax error"}, {'P', "61"}}});
    all.push_back(
        ErrorResponse{{{'S', "ERROR"},
                       {'C', "22012"},
                       {'M', "division by zero"},
                       {'p', "30"},
                       {'q',
                        "SELECT 1/0 FROM generate_series(1, 10) AS g\r\n\tWHERE \xe6\xbc\xa2\xe5\xad\x97 = 'x'"
                        " AND some_rather_long_column_name > 42 ORDER BY 1"},
                       {'W', "PL/pgSQL function f() line 3"},
                       {'D', "detail"},
                       {'H', "hint"}}});
    all.push_back(NotificationResponse{77, "chan", "payload"});
    all.push_back(CopyResponse{'H', 0, {0, 0}});
    all.push_back(CopyResponse{'G', 1, {1}});
    all.push_back(CopyResponse{'W', 0, {}});
    all.push_back(CopyData{bytes_of("1\tone\n")});
    all.push_back(CopyDone{});
    all.push_back(ReadyForQuery{'T'});
    all.push_back(ReadyForQuery{'E'});

    Bytes everything;
    for (std::size_t i = 0; i < all.size(); ++i) {
        Bytes one;
        encode_backend(one, all[i]);
        write_seed(dir, "msg-" + std::to_string(i), 0, {}, one);
        everything.insert(everything.end(), one.begin(), one.end());
    }
    const std::optional<std::string_view> row1[] = {"1", "alice"};
    const std::optional<std::string_view> row2[] = {std::nullopt, ""};
    Bytes rows;
    encode_data_row(rows, row1);
    encode_data_row(rows, row2);
    write_seed(dir, "rows", 0, {}, rows);
    everything.insert(everything.end(), rows.begin(), rows.end());

    write_seed(dir, "all-at-once", 0, {}, everything);
    write_seed(dir, "all-bytewise", 0, {1}, everything);
    write_seed(dir, "all-libuv", 16, {7, 1, 200}, everything);
    write_seed(dir, "all-capped", 5 << 5, {3, 5}, everything);
    write_seed(dir, "bad-length", 0, {2}, Bytes{'Z', 0, 0, 0, 3, 'I'});
    write_seed(dir, "too-long", 0, {}, Bytes{'Z', 0, 0, 0x75, 0x31, 'I'});
}

}  // namespace

UVPG_FUZZ_SEEDS_FROM(write_seeds)
