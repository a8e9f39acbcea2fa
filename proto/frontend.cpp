// Frontend message encoders (PostgreSQL protocol 3.0, "Message Formats").
// proto/ is sans-I/O: no sockets, no libuv, no coroutines.
#include "proto/frontend.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace uvpg::proto {
namespace {

// Counts go out as Int16, but the server reads them unsigned (up to 65535 parameters).
constexpr std::size_t kMaxCount = 65535;

std::string_view checked(std::string_view s) {
    if (s.find('\0') != std::string_view::npos)
        throw std::invalid_argument("uvpg: string sent to the server contains a NUL byte");
    return s;
}

std::int16_t count16(std::size_t n) {
    if (n > kMaxCount) throw std::length_error("uvpg: more than 65535 items in one message");
    return static_cast<std::int16_t>(static_cast<std::uint16_t>(n));
}

std::int32_t length32(std::size_t n) {
    if (n > 0x7fffffffu) throw std::length_error("uvpg: value longer than 2^31-1 bytes");
    return static_cast<std::int32_t>(n);
}

// Appends one message, or nothing at all if the body throws: a half-written message would
// desynchronise every message appended after it.
template <class Body>
void message(Bytes& out, char type, Body&& body) {
    const std::size_t mark = out.size();
    try {
        Writer w(out);
        w.begin(type);
        body(w);
        w.end();
    } catch (...) {
        out.resize(mark);
        throw;
    }
}

void empty_message(Bytes& out, char type) {
    message(out, type, [](Writer&) {});
}

char kind_checked(char kind) {
    if (kind != 'S' && kind != 'P') throw std::invalid_argument("uvpg: Describe/Close kind must be 'S' or 'P'");
    return kind;
}

// The messages of every query are sized first and then written in one piece: one resize of
// the buffer and plain stores, instead of an append per field. Everything that can throw is
// checked before the buffer grows, so a message is appended whole or not at all.
struct Put {
    std::uint8_t* p;
    void u8(std::uint8_t v) { *p++ = v; }
    void i16(std::int16_t v) {
        const auto u = static_cast<std::uint16_t>(v);
        p[0] = static_cast<std::uint8_t>(u >> 8);
        p[1] = static_cast<std::uint8_t>(u);
        p += 2;
    }
    void i32(std::int32_t v) {
        const auto u = static_cast<std::uint32_t>(v);
        p[0] = static_cast<std::uint8_t>(u >> 24);
        p[1] = static_cast<std::uint8_t>(u >> 16);
        p[2] = static_cast<std::uint8_t>(u >> 8);
        p[3] = static_cast<std::uint8_t>(u);
        p += 4;
    }
    void bytes(const void* src, std::size_t n) {
        if (n == 0) return;  // src may be null for an empty span
        std::memcpy(p, src, n);
        p += n;
    }
    void cstr(std::string_view str) {
        bytes(str.data(), str.size());
        *p++ = 0;
    }
};

// Appends the header of a message whose body is `body` bytes, and room for the body.
Put append(Bytes& out, char type, std::size_t body) {
    if (body > 0x7fffffffu - 4) throw std::length_error("uvpg: message longer than the protocol's Int32 length allows");
    const std::size_t old = out.size();
    out.resize(old + 5 + body);
    Put w{out.data() + old};
    w.u8(static_cast<std::uint8_t>(type));
    w.i32(static_cast<std::int32_t>(body + 4));
    return w;
}

}  // namespace

void encode_startup(Bytes& out, const std::vector<std::pair<std::string, std::string>>& params, std::int32_t version) {
    message(out, 0, [&](Writer& w) {
        w.i32(version);
        for (const auto& [name, value] : params) {
            // An empty name would end the list early and turn the rest into garbage.
            if (name.empty()) throw std::invalid_argument("uvpg: empty startup parameter name");
            w.cstr(checked(name));
            w.cstr(checked(value));
        }
        w.u8(0);
    });
}

void encode_ssl_request(Bytes& out) {
    message(out, 0, [](Writer& w) { w.i32(kSSLRequestCode); });
}

void encode_cancel_request(Bytes& out, std::int32_t pid, std::int32_t secret) {
    message(out, 0, [&](Writer& w) {
        w.i32(kCancelRequestCode);
        w.i32(pid);
        w.i32(secret);
    });
}

void encode_password(Bytes& out, std::string_view password) {
    message(out, 'p', [&](Writer& w) { w.cstr(checked(password)); });
}

void encode_sasl_initial_response(Bytes& out, std::string_view mechanism, std::optional<ByteView> data) {
    message(out, 'p', [&](Writer& w) {
        w.cstr(checked(mechanism));
        if (data) {
            w.i32(length32(data->size()));
            w.bytes(*data);
        } else {
            w.i32(-1);
        }
    });
}

void encode_sasl_response(Bytes& out, ByteView data) {
    message(out, 'p', [&](Writer& w) { w.bytes(data); });
}

void encode_query(Bytes& out, std::string_view sql) {
    checked(sql);
    append(out, 'Q', sql.size() + 1).cstr(sql);
}

void encode_parse(Bytes& out, std::string_view statement, std::string_view sql,
                  std::span<const std::uint32_t> param_types) {
    checked(statement);
    checked(sql);
    const std::int16_t n = count16(param_types.size());
    Put w = append(out, 'P', statement.size() + 1 + sql.size() + 1 + 2 + 4 * param_types.size());
    w.cstr(statement);
    w.cstr(sql);
    w.i16(n);
    for (std::uint32_t oid : param_types) w.i32(static_cast<std::int32_t>(oid));
}

namespace {

// A Bind's parameters: the bytes of its format codes, count and values, and whether every
// parameter is text (then no format codes are sent). Throws for a value over 2^31-1 bytes.
std::size_t bind_values_size(std::span<const BindParam> params, bool& all_text) {
    all_text = true;
    std::size_t size = 2 + 2;  // the format code count, the value count
    for (const auto& p : params) {
        if (p.format != Format::text) all_text = false;
        size += 4;
        if (p.value) {
            length32(p.value->size());
            size += p.value->size();
        }
    }
    return all_text ? size : size + 2 * params.size();
}

void put_bind_values(Put& w, std::span<const BindParam> params, std::int16_t n, bool all_text) {
    if (all_text) {
        w.i16(0);
    } else {
        w.i16(n);
        for (const auto& p : params) w.i16(static_cast<std::int16_t>(p.format));
    }
    w.i16(n);
    for (const auto& p : params) {
        if (!p.value) {
            w.i32(-1);
            continue;
        }
        w.i32(static_cast<std::int32_t>(p.value->size()));
        w.bytes(p.value->data(), p.value->size());
    }
}

}  // namespace

void encode_bind(Bytes& out, std::string_view portal, std::string_view statement, std::span<const BindParam> params,
                 std::span<const Format> result_formats) {
    checked(portal);
    checked(statement);
    const std::int16_t n = count16(params.size());
    const std::int16_t nr = count16(result_formats.size());
    bool all_text = true;
    const std::size_t values = bind_values_size(params, all_text);
    Put w = append(out, 'B', portal.size() + 1 + statement.size() + 1 + values + 2 + 2 * result_formats.size());
    w.cstr(portal);
    w.cstr(statement);
    put_bind_values(w, params, n, all_text);
    w.i16(nr);
    for (Format f : result_formats) w.i16(static_cast<std::int16_t>(f));
}

void encode_bind_execute_batch(Bytes& out, std::string_view statement, std::span<const BindParam> params,
                               std::size_t width, std::size_t sets) {
    checked(statement);
    const std::int16_t n = count16(width);
    if (params.size() < width * sets) throw std::invalid_argument("uvpg: fewer parameters than sets x width");
    constexpr std::size_t kExecute = 1 + 4 + 1 + 4;  // 'E', length, unnamed portal, max rows
    std::size_t total = 0;
    for (std::size_t i = 0; i < sets; ++i) {
        bool all_text = true;
        // Unnamed portal, statement, values, no result formats.
        const std::size_t body =
            1 + statement.size() + 1 + bind_values_size(params.subspan(i * width, width), all_text) + 2;
        if (body > 0x7fffffffu - 4)
            throw std::length_error("uvpg: message longer than the protocol's Int32 length allows");
        total += 5 + body + kExecute;
    }
    const std::size_t old = out.size();
    out.resize(old + total);
    Put w{out.data() + old};
    for (std::size_t i = 0; i < sets; ++i) {
        const auto set = params.subspan(i * width, width);
        std::uint8_t* start = w.p;
        w.u8('B');
        w.i32(0);  // patched below
        w.u8(0);   // unnamed portal
        w.cstr(statement);
        const bool all_text =
            std::all_of(set.begin(), set.end(), [](const BindParam& p) { return p.format == Format::text; });
        put_bind_values(w, set, n, all_text);
        w.i16(0);  // result formats: all text
        Put len{start + 1};
        len.i32(static_cast<std::int32_t>(w.p - start - 1));
        w.u8('E');
        w.i32(4 + 1 + 4);
        w.u8(0);
        w.i32(0);
    }
}

void encode_describe(Bytes& out, char kind, std::string_view name) {
    kind_checked(kind);
    checked(name);
    Put w = append(out, 'D', 1 + name.size() + 1);
    w.u8(static_cast<std::uint8_t>(kind));
    w.cstr(name);
}

void encode_execute(Bytes& out, std::string_view portal, std::int32_t max_rows) {
    checked(portal);
    Put w = append(out, 'E', portal.size() + 1 + 4);
    w.cstr(portal);
    w.i32(max_rows);
}

void encode_sync(Bytes& out) { append(out, 'S', 0); }
void encode_flush(Bytes& out) { empty_message(out, 'H'); }

void encode_close(Bytes& out, char kind, std::string_view name) {
    message(out, 'C', [&](Writer& w) {
        w.u8(static_cast<std::uint8_t>(kind_checked(kind)));
        w.cstr(checked(name));
    });
}

void encode_copy_data(Bytes& out, ByteView data) {
    message(out, 'd', [&](Writer& w) { w.bytes(data); });
}

void encode_copy_done(Bytes& out) { empty_message(out, 'c'); }

void encode_copy_fail(Bytes& out, std::string_view message_text) {
    message(out, 'f', [&](Writer& w) { w.cstr(checked(message_text)); });
}

void encode_terminate(Bytes& out) { empty_message(out, 'X'); }

}  // namespace uvpg::proto
