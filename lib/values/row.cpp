// Rows: packed back to back in a result's RowSet, each a column directory followed by the
// DataRow's fields copied once, as received, so that rows outlive the receive buffer.
#include "lib/values/row.hpp"
#include "lib/runtime/access.hpp"

#include <uvpg/errors.hpp>

#include <cstring>
#include <new>

#include <sys/mman.h>

namespace uvpg {

namespace {

// Directory entry of one column: a 32-bit offset, from the end of the directory, of the
// column's big-endian length word (-1 for NULL); its bytes follow the length word.
constexpr std::size_t kEntry = sizeof(std::uint32_t);

const std::vector<Column>& no_columns() {
    static const std::vector<Column> empty;
    return empty;
}

}  // namespace

void detail::throw_column_index(std::size_t i, std::size_t n) {
    throw ProgrammingError("column index " + std::to_string(i) + " out of range (the row has " + std::to_string(n) +
                           " columns)");
}

const std::vector<Column>& Row::columns() const { return set_ ? set_->shape->columns : no_columns(); }

Value Row::operator[](std::string_view name) const {
    if (set_) {
        auto it = set_->shape->by_name.find(std::string(name));
        if (it != set_->shape->by_name.end()) return (*this)[it->second];
    }
    throw ProgrammingError("no column named \"" + std::string(name) + "\"");
}

namespace detail {

std::shared_ptr<const RowShape> make_shape(const proto::RowDescription& desc,
                                           std::shared_ptr<const TypeRegistry> types) {
    constexpr std::uint32_t numeric_oid = 1700;
    auto shape = std::make_shared<RowShape>();
    shape->types = std::move(types);
    shape->columns.reserve(desc.fields.size());
    for (const auto& f : desc.fields) {
        Column c;
        c.name = std::string(f.name);
        c.type_code = f.type_oid;
        if (f.type_size > 0) c.internal_size = f.type_size;
        // What the type modifier says (-1: unconstrained), as psycopg2 reports it: numeric packs
        // (precision << 16 | scale) + VARHDRSZ; varchar(n) and char(n) store n + VARHDRSZ; bit(n)
        // and the time types store n (bits, fractional second digits); interval's low 16 bits
        // are its precision (0xffff: none).
        const std::int32_t tm = f.type_modifier;
        switch (f.type_oid) {
        case numeric_oid:
            if (tm >= 4) {
                c.precision = ((tm - 4) >> 16) & 0xffff;
                c.scale = (tm - 4) & 0xffff;
            }
            break;
        case 1043:
        case 1042:  // varchar, bpchar
            if (tm >= 4) c.internal_size = tm - 4;
            break;
        case 1560:
        case 1562:  // bit, varbit
            if (tm >= 0) c.internal_size = tm;
            break;
        case 1083:
        case 1266:
        case 1114:
        case 1184:  // time, timetz, timestamp, timestamptz
            if (tm >= 0) c.precision = tm;
            break;
        case 1186:  // interval
            if (tm >= 0 && (tm & 0xffff) != 0xffff) c.precision = tm & 0xffff;
            break;
        default: break;
        }
        c.table_oid = f.table_oid;
        c.table_column = f.column;
        c.type_modifier = f.type_modifier;
        c.format = f.format;
        shape->by_name.emplace(c.name, shape->columns.size());  // keeps the first of a name
        shape->columns.push_back(std::move(c));
    }
    index_columns(*shape);
    return shape;
}

void index_columns(RowShape& shape) {
    shape.type_oids.clear();
    shape.formats.clear();
    for (const Column& c : shape.columns) {
        shape.type_oids.push_back(c.type_code);
        shape.formats.push_back(c.format == 1 ? 1 : 0);
    }
}

namespace {

constexpr std::size_t kFirstChunk = 1024;  // within malloc's per-thread cache
constexpr std::size_t kMaxChunk = kHugeChunk;

#if defined(UVPG_ASAN)
constexpr bool kHugePages = false;  // AddressSanitizer sees the rows' memory as operator new's
#else
constexpr bool kHugePages = true;
#endif

// A 2 MiB-aligned 2 MiB mapping the kernel may back with one huge page, or null.
std::uint8_t* map_huge() noexcept {
    const std::size_t len = 2 * kHugeChunk;
    void* m = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return nullptr;
    // Aligned by arithmetic on the pointer (an integer made back into a pointer loses its
    // provenance): skip `lead` bytes to the next 2 MiB boundary, unmap what lies either side.
    auto* const base = static_cast<std::uint8_t*>(m);
    const std::size_t lead = (kHugeChunk - reinterpret_cast<std::uintptr_t>(m) % kHugeChunk) % kHugeChunk;
    auto* p = base + lead;
    if (lead > 0) ::munmap(base, lead);
    if (const std::size_t tail = len - lead - kHugeChunk; tail > 0) ::munmap(p + kHugeChunk, tail);
    ::madvise(p, kHugeChunk, MADV_HUGEPAGE);  // a hint: refused (THP off), it is an ordinary mapping
    return p;
}

}  // namespace

void ChunkFree::operator()(std::uint8_t* p) const noexcept {
    if (kHugePages && size == kHugeChunk) ::munmap(p, kHugeChunk);
    else delete[] p;
}

Chunk new_chunk(std::size_t size) {
    if (kHugePages && size == kHugeChunk) {
        if (std::uint8_t* p = map_huge()) return Chunk(p, ChunkFree{size});
        throw std::bad_alloc();
    }
    return Chunk(new std::uint8_t[size], ChunkFree{size});
}

void release(const RowSetBase* set) noexcept { delete static_cast<const RowSet*>(set); }

RowPacker::~RowPacker() {
    if (set_ && set_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete set_;
}

const RowSetBase* RowPacker::share(std::size_t count) const {
    set_->refs.fetch_add(count, std::memory_order_relaxed);
    return set_;
}

RowPacker::RowPacker(std::shared_ptr<const RowShape> shape, std::size_t first_chunk)
    : set_(new RowSet), capacity_(first_chunk / 2) {  // room() doubles the last size: half of the first
    set_->shape = shape.get();
    set_->columns = shape->columns.size();
    set_->directory = set_->columns > kWalkColumns;
    if (shape->type_oids.size() != set_->columns || shape->formats.size() != set_->columns) {
        auto indexed = std::make_shared<RowShape>(*shape);  // a shape built by hand (tests)
        index_columns(*indexed);
        set_->shape = indexed.get();
        shape = std::move(indexed);
    }
    set_->types = shape->type_oids.data();
    set_->binary = shape->formats.data();
    set_->shape_owner = std::move(shape);
}

std::uint8_t* RowPacker::more_room(std::size_t need) {
    if (!chunk_ && capacity_ == 0 && need <= sizeof set_->small) {
        chunk_ = set_->small;
        capacity_ = sizeof set_->small;
        return chunk_;
    }
    // Chunks double as the result grows, so a one-row result takes a page and a large one
    // takes few allocations; a row bigger than the next chunk gets one of its own size.
    std::size_t size = capacity_ == 0 ? kFirstChunk : std::min(capacity_ * 2, kMaxChunk);
    if (need > size) size = need;
    set_->chunks.push_back(new_chunk(size));
    chunk_ = set_->chunks.back().get();
    used_ = 0;
    capacity_ = size;
    return chunk_;
}

const std::uint8_t* RowPacker::add(const proto::DataRow& data, std::string& why) {
    const std::size_t n = set_->columns;
    if (data.count != n) {
        why = "DataRow has " + std::to_string(data.count) + " columns, RowDescription " + std::to_string(n);
        return nullptr;
    }
    const std::size_t fields = data.values.size();
    const bool directory = set_->directory;
    const std::size_t need = (directory ? n * kEntry : 0) + fields;
    std::uint8_t* row = room(need);
    const std::uint8_t* const in = data.values.data();
    if (directory) {
        // Each column: a big-endian length (-1: NULL), then that many bytes. decode() checked
        // them all, so only where each starts is left to note.
        const std::uint8_t* p = in;
        for (std::size_t i = 0; i < n; ++i) {
            const auto offset = static_cast<std::uint32_t>(p - in);
            std::memcpy(row + i * kEntry, &offset, sizeof offset);
            const std::int32_t length = load_be32(p);
            p += 4 + (length > 0 ? static_cast<std::size_t>(length) : 0);
        }
    }
    if (fields) std::memcpy(row + (directory ? n * kEntry : 0), in, fields);
    used_ += need;
    return row;
}

Row make_row(std::shared_ptr<const RowShape> shape, const proto::DataRow& row) {
    proto::Bytes body{static_cast<std::uint8_t>(row.count >> 8), static_cast<std::uint8_t>(row.count)};
    body.insert(body.end(), row.values.begin(), row.values.end());
    // Checked by the one parser of DataRows, as a row off the wire would be.
    proto::DataRow decoded;
    if (proto::decode_hot(proto::RawMessage{'D', body}, [&decoded](const auto& m) {
            if constexpr (std::is_same_v<std::decay_t<decltype(m)>, proto::DataRow>) decoded = m;
            return true;
        }) != proto::Hot::taken)
        throw InterfaceError("malformed DataRow");
    RowPacker packer(std::move(shape));
    std::string why;
    const std::uint8_t* data = packer.add(decoded, why);
    if (!data) throw InterfaceError(why);
    return Access::row(packer.share(1), data);
}

}  // namespace detail

}  // namespace uvpg
