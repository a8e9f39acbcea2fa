// Frontend message encoders (PostgreSQL protocol 3.0, "Message Formats").
// proto/ is sans-I/O: no sockets, no libuv, no coroutines.
#include "proto/frontend.hpp"

#include <algorithm>
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

}  // namespace

void encode_startup(Bytes& out, const std::vector<std::pair<std::string, std::string>>& params,
                    std::int32_t version) {
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
    message(out, 'Q', [&](Writer& w) { w.cstr(checked(sql)); });
}

void encode_parse(Bytes& out, std::string_view statement, std::string_view sql,
                  std::span<const std::uint32_t> param_types) {
    message(out, 'P', [&](Writer& w) {
        w.cstr(checked(statement));
        w.cstr(checked(sql));
        w.i16(count16(param_types.size()));
        for (std::uint32_t oid : param_types) w.i32(static_cast<std::int32_t>(oid));
    });
}

void encode_bind(Bytes& out, std::string_view portal, std::string_view statement,
                 std::span<const BindParam> params, std::span<const Format> result_formats) {
    message(out, 'B', [&](Writer& w) {
        w.cstr(checked(portal));
        w.cstr(checked(statement));
        const bool all_text = std::all_of(params.begin(), params.end(),
                                          [](const BindParam& p) { return p.format == Format::text; });
        if (all_text) {
            w.i16(0);
        } else {
            w.i16(count16(params.size()));
            for (const auto& p : params) w.i16(static_cast<std::int16_t>(p.format));
        }
        w.i16(count16(params.size()));
        for (const auto& p : params) {
            if (!p.value) {
                w.i32(-1);
                continue;
            }
            w.i32(length32(p.value->size()));
            w.bytes(*p.value);
        }
        w.i16(count16(result_formats.size()));
        for (Format f : result_formats) w.i16(static_cast<std::int16_t>(f));
    });
}

void encode_describe(Bytes& out, char kind, std::string_view name) {
    message(out, 'D', [&](Writer& w) {
        w.u8(static_cast<std::uint8_t>(kind_checked(kind)));
        w.cstr(checked(name));
    });
}

void encode_execute(Bytes& out, std::string_view portal, std::int32_t max_rows) {
    message(out, 'E', [&](Writer& w) {
        w.cstr(checked(portal));
        w.i32(max_rows);
    });
}

void encode_sync(Bytes& out) { empty_message(out, 'S'); }
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
