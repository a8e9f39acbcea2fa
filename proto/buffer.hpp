// proto/ is sans-I/O: bytes in, messages out; it knows nothing of sockets, libuv or coroutines.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace uvpg::proto {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Appends big-endian fields to a caller-owned buffer. begin()/end() frame one message and
// back-patch its length, so several messages can be appended back to back and written at once.
class Writer {
public:
    explicit Writer(Bytes& out) : out_(out) {}
    // Starts a message with a type byte (type == 0: untyped, as StartupMessage/SSLRequest/CancelRequest).
    void begin(char type);
    void end();  // back-patches the Int32 length of the message begun last
    void u8(std::uint8_t v) { out_.push_back(v); }
    void i16(std::int16_t v);
    void i32(std::int32_t v);
    void bytes(const void* p, std::size_t n);
    void bytes(ByteView b) { bytes(b.data(), b.size()); }
    void cstr(std::string_view s);  // bytes then NUL; an embedded NUL is the caller's bug (encoders reject it)
    Bytes& buffer() { return out_; }

private:
    Bytes& out_;
    std::size_t start_ = 0;
};

// Bounds-checked big-endian reader over exactly one message body. Every read past the end
// sets fail() instead of reading; callers check ok() once at the end.
class Reader {
public:
    explicit Reader(ByteView b) : p_(b.data()), end_(b.data() + b.size()) {}
    // Inline: these run once per field of every row.
    std::uint8_t u8() {
        if (remaining() < 1) {
            fail();
            return 0;
        }
        return *p_++;
    }
    std::int16_t i16() {
        if (remaining() < 2) {
            fail();
            return 0;
        }
        const auto u = static_cast<std::uint16_t>((p_[0] << 8) | p_[1]);
        p_ += 2;
        return static_cast<std::int16_t>(u);
    }
    std::int32_t i32() {
        if (remaining() < 4) {
            fail();
            return 0;
        }
        const std::uint32_t u = (std::uint32_t{p_[0]} << 24) | (std::uint32_t{p_[1]} << 16) |
                                (std::uint32_t{p_[2]} << 8) | std::uint32_t{p_[3]};
        p_ += 4;
        return static_cast<std::int32_t>(u);
    }
    std::uint32_t u32() { return static_cast<std::uint32_t>(i32()); }
    ByteView bytes(std::size_t n) {
        if (remaining() < n) {
            fail();
            return {};
        }
        ByteView v(p_, n);
        p_ += n;
        return v;
    }
    std::string_view cstr();  // up to NUL, NUL consumed; no NUL before the end -> fail
    std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
    bool ok() const { return ok_; }
    bool done() const { return ok_ && p_ == end_; }  // everything consumed, nothing failed
    void fail() {
        ok_ = false;
        p_ = end_;
    }

private:
    const std::uint8_t* p_;
    const std::uint8_t* end_;
    bool ok_ = true;
};

}  // namespace uvpg::proto
