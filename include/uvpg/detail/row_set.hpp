// The row set every Row of a result shares, and the big-endian loads that read its fields:
// inline in <uvpg/value.hpp> for the hot path, defined in lib/values/row.cpp. Not API.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <uvpg/export.hpp>

namespace uvpg::detail {

struct RowShape;  // columns and name lookup, shared by every row of a result
// What every Row of one result shares: its shape and the memory its rows are packed in
// (lib/values/row.hpp). Copying a Row copies one reference to it.
struct RowSetBase {
    // Rows referring to the set (and its owner): a result hands out many Rows with one atomic
    // add, and the last Row gone frees the set through release().
    mutable std::atomic<std::size_t> refs{1};
    const RowShape* shape = nullptr;
    std::size_t columns = 0;
    bool directory = false;                // rows start with a column-offset directory
    const std::uint32_t* types = nullptr;  // per column: type OID
    const std::uint8_t* binary = nullptr;  // per column: 1 when sent in binary
};
UVPG_EXPORT void release(const RowSetBase* set) noexcept;  // the last reference went: frees the set
[[noreturn]] UVPG_EXPORT void throw_column_index(std::size_t i, std::size_t n);
// Rows of up to this many columns have no directory: finding a column walks the lengths
// before it, which costs less than the memory a directory takes.
inline constexpr std::size_t kWalkColumns = 8;
inline std::int32_t load_be32(const std::uint8_t* p) noexcept {
    return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                     (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}
inline std::int64_t load_be64(const std::uint8_t* p) noexcept {
    return static_cast<std::int64_t>((static_cast<std::uint64_t>(static_cast<std::uint32_t>(load_be32(p))) << 32) |
                                     static_cast<std::uint32_t>(load_be32(p + 4)));
}

}  // namespace uvpg::detail
