// Frontend (client -> server) message encoders. Each appends one complete message to `out`.
// Input the wire cannot carry (a NUL inside a string, over 65535 items, a value over 2^31-1
// bytes) throws std::invalid_argument or std::length_error and leaves `out` unchanged.
// proto/ is sans-I/O: no sockets, no libuv, no coroutines.
#pragma once
#include "proto/buffer.hpp"

#include <optional>
#include <utility>

namespace uvpg::proto {

inline constexpr std::int32_t kProtocol30 = 196608;  // 3 << 16
inline constexpr std::int32_t kSSLRequestCode = 80877103;
inline constexpr std::int32_t kCancelRequestCode = 80877102;

// Parameter or result format code.
enum class Format : std::int16_t { text = 0, binary = 1 };

// StartupMessage: protocol version then name/value pairs, then a terminating NUL.
void encode_startup(Bytes& out, const std::vector<std::pair<std::string, std::string>>& params,
                    std::int32_t version = kProtocol30);
void encode_ssl_request(Bytes& out);
void encode_cancel_request(Bytes& out, std::int32_t pid, std::int32_t secret);
void encode_password(Bytes& out, std::string_view password);  // 'p', cstring
void encode_sasl_initial_response(Bytes& out, std::string_view mechanism, std::optional<ByteView> data);
void encode_sasl_response(Bytes& out, ByteView data);
void encode_query(Bytes& out, std::string_view sql);
// Parse: statement name, query, parameter type OIDs (0 = unspecified).
void encode_parse(Bytes& out, std::string_view statement, std::string_view sql,
                  std::span<const std::uint32_t> param_types);

// One bound parameter: nullopt is SQL NULL.
struct BindParam {
    std::optional<ByteView> value;
    Format format = Format::text;
};
// Bind: parameter format codes are written one per parameter (or none when all are text);
// result_formats as given (empty = all text, one = applies to all columns).
void encode_bind(Bytes& out, std::string_view portal, std::string_view statement, std::span<const BindParam> params,
                 std::span<const Format> result_formats);
void encode_describe(Bytes& out, char kind, std::string_view name);  // kind 'S' or 'P'
void encode_execute(Bytes& out, std::string_view portal, std::int32_t max_rows);
// executemany: `sets` pairs of Bind (unnamed portal, `statement`, text results) and Execute
// (all rows), set i's `width` parameters at params[i * width]; appended in one piece, or
// nothing if any is too long.
void encode_bind_execute_batch(Bytes& out, std::string_view statement, std::span<const BindParam> params,
                               std::size_t width, std::size_t sets);
void encode_sync(Bytes& out);
void encode_flush(Bytes& out);
void encode_close(Bytes& out, char kind, std::string_view name);  // kind 'S' or 'P'
void encode_copy_data(Bytes& out, ByteView data);
void encode_copy_done(Bytes& out);
void encode_copy_fail(Bytes& out, std::string_view message);
void encode_terminate(Bytes& out);

}  // namespace uvpg::proto
