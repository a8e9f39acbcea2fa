// What a query leaves behind (QueryResult), and the statement cache's entries (CachedStatement): plain
// data shared by the query operations (lib/ops/) and the connection that runs them (lib/conn/).
#pragma once
#include "lib/values/row.hpp"
#include "proto/frontend.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace uvpg::detail {

// What one statement left behind; a simple query keeps its last statement's.
struct QueryResult {
    std::shared_ptr<const RowShape> shape;  // null when the statement returned no rows
    std::optional<RowPacker> packer;        // the rows' memory, made at the first row
    // Where each row starts in the packer's set. The first rows' places are kept inline, so a
    // small result allocates no index; the rest go in blocks that never move (growing a single
    // vector would copy the index of a large result over and over). The first block starts
    // small and doubles up to the full size.
    static constexpr std::size_t kIndexBlock = 1024, kInline = 8;
    const std::uint8_t* inline_index[kInline] = {};
    std::vector<std::unique_ptr<const std::uint8_t*[]>> index;  // rows from kInline on
    std::size_t count = 0;
    std::size_t first_capacity = 0;
    std::string tag;
    std::size_t size() const { return count; }
    static QueryResult empty(std::shared_ptr<const RowShape> shape) {
        QueryResult r;
        r.shape = std::move(shape);
        return r;
    }
    const std::uint8_t* at(std::size_t i) const {
        if (i < kInline) return inline_index[i];
        i -= kInline;
        return index[i / kIndexBlock][i % kIndexBlock];
    }
    [[gnu::always_inline]] void push_back(const std::uint8_t* row) {  // per row: inlined into the op
        if (count < kInline) {
            inline_index[count++] = row;
            return;
        }
        const std::size_t i = count - kInline;
        if (i < kIndexBlock) {
            if (i == first_capacity) grow_first();
        } else if (i % kIndexBlock == 0) {
            index.push_back(std::make_unique_for_overwrite<const std::uint8_t*[]>(kIndexBlock));
        }
        index.back()[i % kIndexBlock] = row;
        ++count;
    }
    void grow_first() {
        const std::size_t cap = first_capacity ? first_capacity * 2 : kInline;
        auto block = std::make_unique_for_overwrite<const std::uint8_t*[]>(cap);
        if (first_capacity) std::copy(index[0].get(), index[0].get() + first_capacity, block.get());
        if (index.empty()) index.push_back(std::move(block));
        else index[0] = std::move(block);
        first_capacity = cap;
    }
    // No rows (the shape and tag stay).
    void clear_rows() noexcept {
        packer.reset();
        index.clear();
        count = 0;
        first_capacity = 0;
    }
    // As new, without building one.
    void clear() noexcept {
        clear_rows();
        shape.reset();
        tag.clear();
    }
    Row row(std::size_t i) const { return RowAccess::row(packer->share(1), at(i)); }
};

// A named prepared statement kept by the connection (the statement cache), so that running
// the same SQL again sends only Bind/Execute/Sync and the server skips parsing and planning.
struct CachedStatement {
    std::string name;  // from its content (text and parameter types): see lib/conn/statement_cache.cpp
    std::shared_ptr<const RowShape> shape;  // null: the statement returns no rows
    // Once described: the result formats Bind asks for (binary where uvpg has a codec) and the
    // shape of rows that come back in them.
    std::vector<proto::Format> result_formats;
    std::shared_ptr<const RowShape> bound_shape;
    bool ready = false;  // its Parse and Describe were answered without error
    bool live = true;    // still in its connection's cache (see StatementMemo)
    // The server said it is missing (26000), its name taken (42P05) or its plan stale (0A000):
    // the next run sends Close/Parse/Describe with its Bind, in one write.
    bool reparse = false;
    std::uint64_t last_used = 0;
};

// Rows affected, from a command tag: "INSERT 0 5", "UPDATE 3", "SELECT 2", "COPY 7"; -1 if none.
std::int64_t rows_from_tag(std::string_view tag);

}  // namespace uvpg::detail
