// Backend (server -> client) messages: framing, typed decoding, and (for tests and the fake
// server) encoding. proto/ is sans-I/O: no sockets, no libuv, no coroutines.
//
// Every view (ByteView, std::string_view) in a decoded message points into the Decoder's buffer
// and is valid only until the next call to Decoder::next(), prepare() or feed().
#pragma once
#include "proto/buffer.hpp"

#include <optional>
#include <variant>

namespace uvpg::proto {

enum class Errc {
    ok = 0,
    length_too_short,      // declared length < 4
    length_too_long,       // declared length > the decoder's cap
    malformed,             // body disagrees with its own fields or its length
    unknown_message_type,  // a type byte protocol 3.0 does not define
};
const char* describe(Errc e);

// One framed message: type byte and exactly `len - 4` body bytes.
struct RawMessage {
    char type = 0;
    ByteView body;
};

struct Authentication {
    enum Code : std::int32_t {
        ok = 0,
        kerberos_v5 = 2,
        cleartext_password = 3,
        md5_password = 5,
        scm_credential = 6,
        gss = 7,
        gss_continue = 8,
        sspi = 9,
        sasl = 10,
        sasl_continue = 11,
        sasl_final = 12,
    };
    std::int32_t code = ok;
    ByteView data;                             // md5: the 4-byte salt; sasl_continue/final, gss_continue: payload
    std::vector<std::string_view> mechanisms;  // sasl only
};
struct BackendKeyData {
    std::int32_t pid = 0;
    std::int32_t secret = 0;
};
struct ParameterStatus {
    std::string_view name, value;
};
struct ReadyForQuery {
    char status = 'I';
};  // 'I' idle, 'T' in transaction, 'E' failed transaction
struct FieldDescription {
    std::string_view name;
    std::uint32_t table_oid = 0;
    std::int16_t column = 0;
    std::uint32_t type_oid = 0;
    std::int16_t type_size = 0;
    std::int32_t type_modifier = 0;
    std::int16_t format = 0;
};
struct RowDescription {
    std::vector<FieldDescription> fields;
};
// DataRow is validated on decode (every length >= -1 and inside the body, no byte after the
// last column) but not split into a vector, so a row costs no allocation: walk `values` with
// DataRowIterator, or copy it whole (RowPacker) without checking it again.
struct DataRow {
    std::uint16_t count = 0;
    ByteView values;  // the body after the Int16 column count
};
class DataRowIterator {
public:
    explicit DataRowIterator(const DataRow& r) : r_(r.values) {}
    // Next column: false at the end. `null` is set for SQL NULL (value empty then).
    bool next(ByteView& value, bool& null);

private:
    Reader r_;
};
struct CommandComplete {
    std::string_view tag;
};
struct EmptyQueryResponse {};
// ErrorResponse and NoticeResponse: (field code, value) pairs in wire order.
struct ErrorResponse {
    std::vector<std::pair<char, std::string_view>> fields;
};
struct NoticeResponse {
    std::vector<std::pair<char, std::string_view>> fields;
};
struct NotificationResponse {
    std::int32_t pid = 0;
    std::string_view channel, payload;
};
struct ParseComplete {};
struct BindComplete {};
struct CloseComplete {};
struct NoData {};
struct PortalSuspended {};
struct ParameterDescription {
    std::vector<std::uint32_t> type_oids;
};
struct CopyResponse {  // CopyInResponse 'G', CopyOutResponse 'H', CopyBothResponse 'W'
    char type = 'G';
    std::int8_t format = 0;
    std::vector<std::int16_t> column_formats;
};
struct CopyData {
    ByteView data;
};
struct CopyDone {};
struct NegotiateProtocolVersion {
    std::int32_t newest_minor = 0;
    std::vector<std::string_view> unrecognized;
};

using BackendMessage =
    std::variant<Authentication, BackendKeyData, ParameterStatus, ReadyForQuery, RowDescription, DataRow,
                 CommandComplete, EmptyQueryResponse, ErrorResponse, NoticeResponse, NotificationResponse,
                 ParseComplete, BindComplete, CloseComplete, NoData, ParameterDescription, PortalSuspended,
                 CopyResponse, CopyData, CopyDone, NegotiateProtocolVersion>;

// Decodes the body of one framed message from exactly its bytes. Never reads past body.
Errc decode(const RawMessage& raw, BackendMessage& out);

// The messages every query brings, decoded in place by decode_hot() (proto/backend_hot.hpp):
// DataRow, CommandComplete, ReadyForQuery and the bodiless ParseComplete, BindComplete,
// CloseComplete, NoData, PortalSuspended and EmptyQueryResponse. Each is a view that is
// trivially copyable, so decoding one builds and destroys no variant and allocates nothing.
// decode() gives the same messages through the same parser.
enum class Hot : std::uint8_t {
    taken,      // decoded, and the handler took it
    other,      // not one of these, or the handler declined it: decode() it
    malformed,  // one of these, malformed (Errc::malformed)
};

inline constexpr std::size_t kDefaultMaxMessage = std::size_t{1} << 30;  // 1 GiB
// Cap for the message types that are never long (all but D d T t E N A V), as libpq's 30000.
inline constexpr std::size_t kMaxShortMessage = 30000;

// Incremental framer over one receive buffer. Bytes may arrive split at any point.
// The length is checked (>= 4, <= max_message, and <= kMaxShortMessage for the types that are
// never long) before any of the body is awaited.
class Decoder {
public:
    explicit Decoder(std::size_t max_message = kDefaultMaxMessage) : max_(max_message) {}

    // Writable free tail of at least `min_free` bytes (for libuv's alloc_cb); then commit(n).
    std::span<std::uint8_t> prepare(std::size_t min_free);
    void commit(std::size_t n);
    void feed(ByteView bytes);  // prepare + copy + commit, for tests and the fake server

    enum class Status { need_more, message, error };
    struct Next {
        Status status = Status::need_more;
        RawMessage msg;  // when status == message; valid until the next call on this Decoder
        Errc error = Errc::ok;
    };
    // The next complete message, or need_more, or an error (after which the stream is lost).
    Next next();

    std::size_t buffered() const { return end_ - begin_; }  // bytes received, not yet consumed
    std::size_t max_message() const { return max_; }

private:
    Bytes buf_;
    std::size_t begin_ = 0, end_ = 0;
    std::size_t max_;
    bool failed_ = false;
    std::size_t limit_for(char type) const;
};

// Backend encoders, for tests and the scripted fake server. encode_backend(decode(x)) == x.
void encode_backend(Bytes& out, const BackendMessage& msg);
// DataRow from column values (nullopt = NULL).
void encode_data_row(Bytes& out, std::span<const std::optional<std::string_view>> values);

}  // namespace uvpg::proto

#include "proto/backend_hot.hpp"
