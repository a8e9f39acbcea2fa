// Building rows and descriptions from wire messages (internal to lib/).
#pragma once
#include <uvpg/value.hpp>

#include "lib/runtime/recycle.hpp"
#include "lib/values/type_registry.hpp"
#include "proto/backend.hpp"

#include <unordered_map>

namespace uvpg::detail {

// A Row over bytes packed in a row set, for the code below lib/conn (lib/ops/ cannot include
// lib/runtime/access.hpp, which brings the coroutine handles). Adopts one reference to `set`
// that the caller has already counted.
struct RowAccess {
    static Row row(const RowSetBase* set, const std::uint8_t* data) noexcept { return Row(set, data); }
};

// Builds Values over bytes that are not a Row's own: array elements, range bounds.
struct ValueAccess {
    static Value make(const RowShape* shape, std::size_t index, std::string_view data, bool null) {
        return Value(shape, index, data, null);
    }
    static const RowShape& shape(const Value& v) { return *v.shape_; }
    static Record make_record(std::vector<Value> fields, std::shared_ptr<const void> keep) {
        Record r;
        r.fields_ = std::move(fields);
        r.keep_ = std::move(keep);
        return r;
    }
};

struct RowShape {
    std::vector<Column> columns;
    // Per column, for Row::operator[]: type OID and 1 for binary. index_columns() fills them.
    std::vector<std::uint32_t> type_oids;
    std::vector<std::uint8_t> formats;
    std::shared_ptr<const TypeRegistry> types;             // the connection's registered types, if any
    std::unordered_map<std::string, std::size_t> by_name;  // first column of each name
};

std::shared_ptr<const RowShape> make_shape(const proto::RowDescription& desc,
                                           std::shared_ptr<const TypeRegistry> types = nullptr);
// Refreshes type_oids and formats after columns change.
void index_columns(RowShape& shape);

// The rows of one result: packed back to back in chunks that grow with the result, so a row
// costs no allocation and no reference count of its own. Rows handed out share the set.
// Chunks of a large result are whole 2 MiB pages of the kernel's transparent huge pages where
// it offers them (madvise mode): one page fault maps 2 MiB instead of 4 KiB, and a million-row
// result takes tens of faults instead of fifteen thousand.
inline constexpr std::size_t kHugeChunk = 2 << 20;
struct ChunkFree {
    std::size_t size = 0;
    void operator()(std::uint8_t* p) const noexcept;
};
using Chunk = std::unique_ptr<std::uint8_t[], ChunkFree>;
Chunk new_chunk(std::size_t size);

struct RowSet : RowSetBase, RecycledNew {
    std::shared_ptr<const RowShape> shape_owner;
    std::vector<Chunk> chunks;
    alignas(8) std::uint8_t small[192];  // the first rows of a small result: no chunk to allocate
};

// Fills a RowSet as DataRows arrive.
class RowPacker {
public:
    // `first_chunk`: the size of the first chunk (default 4 KiB), for results known to be big.
    explicit RowPacker(std::shared_ptr<const RowShape> shape, std::size_t first_chunk = 0);
    // Packs one DataRow that proto::decode validated (so its fields are only copied, not checked
    // again); returns where the row starts, or nullptr (with `why` set) if its column count is
    // not the shape's.
    const std::uint8_t* add(const proto::DataRow& row, std::string& why);
    RowPacker(RowPacker&& o) noexcept
        : set_(std::exchange(o.set_, nullptr)), chunk_(o.chunk_), used_(o.used_), capacity_(o.capacity_) {}
    RowPacker& operator=(RowPacker&& o) noexcept {
        std::swap(set_, o.set_);
        std::swap(chunk_, o.chunk_);
        std::swap(used_, o.used_);
        std::swap(capacity_, o.capacity_);
        return *this;
    }
    ~RowPacker();
    // `count` Rows over this set, each adopting a reference counted here at once.
    const RowSetBase* share(std::size_t count) const;

private:
    std::uint8_t* room(std::size_t need) {
        if (chunk_ && capacity_ - used_ >= need) return chunk_ + used_;
        return more_room(need);
    }
    std::uint8_t* more_room(std::size_t need);  // a new chunk (or the set's inline bytes)
    RowSet* set_;
    std::uint8_t* chunk_ = nullptr;
    std::size_t used_ = 0, capacity_ = 0;
};

// One row in a set of its own, for tests and for rows built outside a result. The DataRow
// need not come from decode(): it is checked as one off the wire. Throws InterfaceError when
// it is malformed or does not match the shape.
Row make_row(std::shared_ptr<const RowShape> shape, const proto::DataRow& row);

}  // namespace uvpg::detail
