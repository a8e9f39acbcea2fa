// Backend message framing and typed decoding (PostgreSQL protocol 3.0, "Message Formats").
// proto/ is sans-I/O: no sockets, no libuv, no coroutines.
#include "proto/backend.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace uvpg::proto {

const char* describe(Errc e) {
    switch (e) {
    case Errc::ok: return "ok";
    case Errc::length_too_short: return "message length field is less than 4";
    case Errc::length_too_long: return "message length field exceeds the configured maximum";
    case Errc::malformed: return "malformed message body";
    case Errc::unknown_message_type: return "unknown backend message type";
    }
    return "unknown error";
}

bool DataRowIterator::next(ByteView& value, bool& null) {
    if (r_.remaining() == 0) return false;
    const std::int32_t len = r_.i32();
    null = len == -1;
    value = len >= 0 ? r_.bytes(static_cast<std::size_t>(len)) : ByteView{};
    // Only reachable with a DataRow that did not come from decode(): stop rather than invent data.
    if (!r_.ok() || len < -1) {
        r_.fail();
        return false;
    }
    return true;
}

namespace {

// Stores the message only if the whole body was consumed: `out` is untouched on error.
template <class T>
Errc finish(const Reader& r, BackendMessage& out, T&& msg) {
    if (!r.done()) return Errc::malformed;
    out = std::forward<T>(msg);
    return Errc::ok;
}

template <class T>
Errc empty_body(const RawMessage& raw, BackendMessage& out) {
    if (!raw.body.empty()) return Errc::malformed;
    out = T{};
    return Errc::ok;
}

Errc decode_auth(Reader& r, BackendMessage& out) {
    Authentication a;
    a.code = r.i32();
    switch (a.code) {
    case Authentication::ok:
    case Authentication::kerberos_v5:
    case Authentication::cleartext_password:
    case Authentication::scm_credential:
    case Authentication::gss:
    case Authentication::sspi: break;
    case Authentication::md5_password: a.data = r.bytes(4); break;
    case Authentication::sasl:
        for (;;) {
            std::string_view m = r.cstr();
            if (!r.ok() || m.empty()) break;
            a.mechanisms.push_back(m);
        }
        break;
    default:
        // sasl_continue/final and gss_continue carry a payload; a code protocol 3.0 does not
        // define is passed up with its bytes so the connection can name it in its error.
        a.data = r.bytes(r.remaining());
        break;
    }
    return finish(r, out, std::move(a));
}

Errc decode_row_description(Reader& r, BackendMessage& out) {
    const std::int16_t n = r.i16();
    // 19 = the smallest field: an empty name's NUL plus 18 bytes of fixed fields. Checked first
    // so a lying count cannot make us allocate.
    if (n < 0 || static_cast<std::size_t>(n) * 19 > r.remaining()) return Errc::malformed;
    RowDescription d;
    d.fields.resize(static_cast<std::size_t>(n));
    for (auto& f : d.fields) {
        f.name = r.cstr();
        f.table_oid = r.u32();
        f.column = r.i16();
        f.type_oid = r.u32();
        f.type_size = r.i16();
        f.type_modifier = r.i32();
        f.format = r.i16();
    }
    return finish(r, out, std::move(d));
}

template <class T>
Errc decode_fields(Reader& r, BackendMessage& out) {
    T msg;
    for (;;) {
        const std::uint8_t code = r.u8();
        if (!r.ok() || code == 0) break;
        msg.fields.emplace_back(static_cast<char>(code), r.cstr());
    }
    return finish(r, out, std::move(msg));
}

Errc decode_parameter_description(Reader& r, BackendMessage& out) {
    // Read unsigned: the server sends up to 65535 parameter types in this Int16.
    const auto n = static_cast<std::uint16_t>(r.i16());
    if (!r.ok() || std::size_t{n} * 4 != r.remaining()) return Errc::malformed;
    ParameterDescription d;
    d.type_oids.resize(n);
    for (auto& oid : d.type_oids) oid = r.u32();
    return finish(r, out, std::move(d));
}

Errc decode_copy_response(char type, Reader& r, BackendMessage& out) {
    CopyResponse c;
    c.type = type;
    const std::uint8_t format = r.u8();
    const std::int16_t n = r.i16();
    if (!r.ok() || format > 1 || n < 0 || std::size_t(n) * 2 != r.remaining()) return Errc::malformed;
    c.format = static_cast<std::int8_t>(format);
    c.column_formats.resize(static_cast<std::size_t>(n));
    for (auto& f : c.column_formats) {
        f = r.i16();
        if (f != 0 && f != 1) return Errc::malformed;
    }
    return finish(r, out, std::move(c));
}

Errc decode_negotiate(Reader& r, BackendMessage& out) {
    NegotiateProtocolVersion v;
    v.newest_minor = r.i32();
    const std::int32_t n = r.i32();
    // Each name takes at least its NUL, which bounds the count before any allocation.
    if (!r.ok() || n < 0 || static_cast<std::size_t>(n) > r.remaining()) return Errc::malformed;
    v.unrecognized.reserve(static_cast<std::size_t>(n));
    for (std::int32_t i = 0; i < n; ++i) v.unrecognized.push_back(r.cstr());
    return finish(r, out, std::move(v));
}

}  // namespace

Errc decode(const RawMessage& raw, BackendMessage& out) {
    // The hot messages through the one parser of them (decode_hot), then into the variant.
    switch (decode_hot(raw, [&out](const auto& m) {
        out = m;
        return true;
    })) {
    case Hot::taken: return Errc::ok;
    case Hot::malformed: return Errc::malformed;
    case Hot::other: break;
    }
    Reader r(raw.body);
    switch (raw.type) {
    case 'R': return decode_auth(r, out);
    case 'K': {
        BackendKeyData k;
        k.pid = r.i32();
        k.secret = r.i32();
        return finish(r, out, k);
    }
    case 'S': {
        ParameterStatus p;
        p.name = r.cstr();
        p.value = r.cstr();
        return finish(r, out, p);
    }
    case 'T': return decode_row_description(r, out);
    case 'E': return decode_fields<ErrorResponse>(r, out);
    case 'N': return decode_fields<NoticeResponse>(r, out);
    case 'A': {
        NotificationResponse a;
        a.pid = r.i32();
        a.channel = r.cstr();
        a.payload = r.cstr();
        return finish(r, out, a);
    }
    case 't': return decode_parameter_description(r, out);
    case 'G':
    case 'H':
    case 'W': return decode_copy_response(raw.type, r, out);
    case 'd': out = CopyData{raw.body}; return Errc::ok;
    case 'c': return empty_body<CopyDone>(raw, out);
    case 'v': return decode_negotiate(r, out);
    default: return Errc::unknown_message_type;
    }
}

std::span<std::uint8_t> Decoder::prepare(std::size_t min_free) {
    const std::size_t live = end_ - begin_;
    if (live == 0) begin_ = end_ = 0;  // nothing to keep: reuse the front without moving a byte
    if (buf_.size() - end_ < min_free) {
        if (begin_ > 0 && buf_.size() - live >= min_free) {
            std::memmove(buf_.data(), buf_.data() + begin_, live);
        } else {
            // Fresh allocation so only the unconsumed bytes are copied, not the whole old buffer.
            Bytes grown(std::max({buf_.size() * 2, live + min_free, std::size_t{4096}}));
            if (live) std::memcpy(grown.data(), buf_.data() + begin_, live);
            buf_.swap(grown);
        }
        begin_ = 0;
        end_ = live;
    }
    return {buf_.data() + end_, buf_.size() - end_};
}

void Decoder::commit(std::size_t n) {
    assert(n <= buf_.size() - end_);
    end_ += std::min(n, buf_.size() - end_);
}

void Decoder::feed(ByteView bytes) {
    if (bytes.empty()) return;
    auto tail = prepare(bytes.size());
    std::memcpy(tail.data(), bytes.data(), bytes.size());
    commit(bytes.size());
}

std::size_t Decoder::limit_for(char type) const {
    // Only rows, COPY data, descriptions, errors, notices and notifications may be long; any
    // other message over kMaxShortMessage means the stream is lost (libpq's rule), so a bad
    // header cannot make us buffer up to the cap for a ReadyForQuery.
    switch (type) {
    case 'D':
    case 'd':
    case 'T':
    case 't':
    case 'E':
    case 'N':
    case 'A':
    case 'V': return max_;
    default: return std::min(max_, kMaxShortMessage);
    }
}

Decoder::Next Decoder::next() {
    Next r;
    const std::size_t avail = end_ - begin_;
    if (avail < 5) return r;
    // After an error the offending header stays unconsumed, so re-checking it below yields the
    // same error on every later call without storing it.
    const std::uint8_t* p = buf_.data() + begin_;
    const std::int32_t len = static_cast<std::int32_t>((std::uint32_t{p[1]} << 24) | (std::uint32_t{p[2]} << 16) |
                                                       (std::uint32_t{p[3]} << 8) | std::uint32_t{p[4]});
    if (len < 4 || static_cast<std::size_t>(len) > limit_for(static_cast<char>(p[0]))) {
        failed_ = true;
        r.status = Status::error;
        r.error = len < 4 ? Errc::length_too_short : Errc::length_too_long;
        return r;
    }
    assert(!failed_);
    if (avail - 1 < static_cast<std::size_t>(len)) return r;
    r.status = Status::message;
    r.msg.type = static_cast<char>(p[0]);
    r.msg.body = ByteView(p + 5, static_cast<std::size_t>(len) - 4);
    begin_ += 1 + static_cast<std::size_t>(len);
    return r;
}

}  // namespace uvpg::proto
