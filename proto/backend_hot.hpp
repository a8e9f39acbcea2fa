// decode_hot(): the messages every query brings (DataRow, CommandComplete, ReadyForQuery and the
// bodiless ones), decoded as views and handed to the caller's handler. Included by
// proto/backend.hpp; inline because it runs for every row. Plain pointer walks rather than Reader: a DataRow's
// lengths are checked once per column of every row.
#pragma once
#include "proto/backend.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace uvpg::proto {

namespace hot_detail {

// A DataRow body (Int16 count, then each column's Int32 length and bytes) checked whole: the
// count is not negative, each length is -1 (NULL) or fits in what is left, and nothing follows
// the last column.
[[gnu::always_inline]] inline bool valid_data_row(ByteView body, std::uint16_t& count) {
    if (body.size() < 2) return false;
    const std::uint8_t* p = body.data();
    const auto n = static_cast<std::uint16_t>((p[0] << 8) | p[1]);
    if (n > 0x7fff) return false;  // a negative Int16
    p += 2;
    // Every column has its 4-byte length: with those counted off first, `slack` is what the
    // columns' bytes may take, so each length word read below is inside the body and a column
    // needs one test. Read unsigned, a negative length other than -1 is larger than any body.
    const std::size_t words = std::size_t{n} * 4;
    if (body.size() - 2 < words) return false;
    std::size_t slack = body.size() - 2 - words;
    for (std::uint16_t i = n; i > 0; --i) {
        std::uint32_t len;
        std::memcpy(&len, p, sizeof len);
        if constexpr (std::endian::native == std::endian::little) len = __builtin_bswap32(len);
        const std::size_t bytes = len == 0xffffffffu ? 0 : len;  // -1: NULL, no bytes
        if (bytes > slack) return false;
        slack -= bytes;
        p += 4 + bytes;
    }
    if (slack != 0) return false;
    count = n;
    return true;
}

}  // namespace hot_detail

// Decodes `raw` if it is one of the hot messages and calls on(message) with it, where
// `message` is a DataRow, CommandComplete, ReadyForQuery, ParseComplete, BindComplete,
// CloseComplete, NoData, PortalSuspended or EmptyQueryResponse; `on` returns true when it took
// the message. One switch on the type byte does both the decoding and the caller's dispatch:
// always inlined, the caller's handler is inlined into it (a call through the PLT from lib/,
// and a second switch on what was decoded, would cost more than decoding a row).
template <class On>
[[gnu::always_inline]] inline Hot decode_hot(const RawMessage& raw, On&& on) {
    const ByteView b = raw.body;
    const auto took = [](bool t) { return t ? Hot::taken : Hot::other; };
    switch (raw.type) {
    case 'D': {
        std::uint16_t n = 0;
        if (!hot_detail::valid_data_row(b, n)) return Hot::malformed;
        return took(on(DataRow{n, b.subspan(2)}));
    }
    case 'C':
        // The tag and its NUL, which must be the last byte and the only NUL.
        if (b.empty() || std::find(b.begin(), b.end(), 0) != b.end() - 1) return Hot::malformed;
        return took(on(CommandComplete{std::string_view(reinterpret_cast<const char*>(b.data()), b.size() - 1)}));
    case 'Z':
        if (b.size() != 1 || (b[0] != 'I' && b[0] != 'T' && b[0] != 'E')) return Hot::malformed;
        return took(on(ReadyForQuery{static_cast<char>(b[0])}));
    case '1': return b.empty() ? took(on(ParseComplete{})) : Hot::malformed;
    case '2': return b.empty() ? took(on(BindComplete{})) : Hot::malformed;
    case '3': return b.empty() ? took(on(CloseComplete{})) : Hot::malformed;
    case 'n': return b.empty() ? took(on(NoData{})) : Hot::malformed;
    case 's': return b.empty() ? took(on(PortalSuspended{})) : Hot::malformed;
    case 'I': return b.empty() ? took(on(EmptyQueryResponse{})) : Hot::malformed;
    default: return Hot::other;
    }
}

}  // namespace uvpg::proto
