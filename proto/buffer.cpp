// proto/ is sans-I/O: bytes in, messages out; it knows nothing of sockets, libuv or coroutines.
#include "proto/buffer.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace uvpg::proto {

void Writer::begin(char type) {
    if (type != 0) out_.push_back(static_cast<std::uint8_t>(type));
    start_ = out_.size();
    out_.insert(out_.end(), 4, 0);  // length placeholder, patched by end()
}

void Writer::end() {
    const std::size_t len = out_.size() - start_;
    if (len > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw std::length_error("uvpg: message longer than the protocol's Int32 length allows");
    const auto v = static_cast<std::uint32_t>(len);
    out_[start_ + 0] = static_cast<std::uint8_t>(v >> 24);
    out_[start_ + 1] = static_cast<std::uint8_t>(v >> 16);
    out_[start_ + 2] = static_cast<std::uint8_t>(v >> 8);
    out_[start_ + 3] = static_cast<std::uint8_t>(v);
}

void Writer::i16(std::int16_t v) {
    const auto u = static_cast<std::uint16_t>(v);
    const std::uint8_t b[2] = {static_cast<std::uint8_t>(u >> 8), static_cast<std::uint8_t>(u)};
    out_.insert(out_.end(), b, b + 2);
}

void Writer::i32(std::int32_t v) {
    const auto u = static_cast<std::uint32_t>(v);
    const std::uint8_t b[4] = {static_cast<std::uint8_t>(u >> 24), static_cast<std::uint8_t>(u >> 16),
                               static_cast<std::uint8_t>(u >> 8), static_cast<std::uint8_t>(u)};
    out_.insert(out_.end(), b, b + 4);
}

void Writer::bytes(const void* p, std::size_t n) {
    if (n == 0) return;  // p may be null for an empty span
    const auto* b = static_cast<const std::uint8_t*>(p);
    out_.insert(out_.end(), b, b + n);
}

void Writer::cstr(std::string_view s) {
    bytes(s.data(), s.size());
    out_.push_back(0);
}

std::string_view Reader::cstr() {
    const void* nul = remaining() ? std::memchr(p_, 0, remaining()) : nullptr;
    if (nul == nullptr) {
        fail();
        return {};
    }
    const auto n = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - p_);
    std::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n + 1;
    return s;
}

}  // namespace uvpg::proto
