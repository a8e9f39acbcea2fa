// Rows: one allocation each, holding a column directory and the DataRow's bytes copied once,
// so that a Row outlives the receive buffer its DataRow was decoded from.
#include "lib/row.hpp"

#include <uvpg/errors.hpp>

#include <cstring>

namespace uvpg {

namespace {

// Directory entry of one column: offset into the data area that follows the directory, and
// length (-1 for NULL). Offsets are relative to the data area so a row of up to 2 GiB fits.
constexpr std::size_t kEntry = 2 * sizeof(std::int32_t);

const std::vector<Column>& no_columns() {
    static const std::vector<Column> empty;
    return empty;
}

}  // namespace

std::size_t Row::size() const noexcept { return shape_ ? shape_->columns.size() : 0; }

const std::vector<Column>& Row::columns() const { return shape_ ? shape_->columns : no_columns(); }

Value Row::operator[](std::size_t i) const {
    const std::size_t n = size();
    if (i >= n)
        throw ProgrammingError("column index " + std::to_string(i) + " out of range (the row has " +
                               std::to_string(n) + " columns)");
    std::int32_t offset = 0, length = 0;
    // memcpy, not a cast: the directory is a byte array.
    std::memcpy(&offset, storage_.get() + i * kEntry, sizeof offset);
    std::memcpy(&length, storage_.get() + i * kEntry + sizeof offset, sizeof length);
    if (length < 0) return Value(shape_.get(), i, {}, true);
    const char* data = reinterpret_cast<const char*>(storage_.get() + n * kEntry) + offset;
    return Value(shape_.get(), i, std::string_view(data, static_cast<std::size_t>(length)), false);
}

Value Row::operator[](std::string_view name) const {
    if (shape_) {
        auto it = shape_->by_name.find(std::string(name));
        if (it != shape_->by_name.end()) return (*this)[it->second];
    }
    throw ProgrammingError("no column named \"" + std::string(name) + "\"");
}

namespace detail {

std::shared_ptr<const RowShape> make_shape(const proto::RowDescription& desc, std::shared_ptr<const TypeRegistry> types) {
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
        case 1043: case 1042:  // varchar, bpchar
            if (tm >= 4) c.internal_size = tm - 4;
            break;
        case 1560: case 1562:  // bit, varbit
            if (tm >= 0) c.internal_size = tm;
            break;
        case 1083: case 1266: case 1114: case 1184:  // time, timetz, timestamp, timestamptz
            if (tm >= 0) c.precision = tm;
            break;
        case 1186:  // interval
            if (tm >= 0 && (tm & 0xffff) != 0xffff) c.precision = tm & 0xffff;
            break;
        default:
            break;
        }
        c.table_oid = f.table_oid;
        c.table_column = f.column;
        c.type_modifier = f.type_modifier;
        c.format = f.format;
        shape->by_name.emplace(c.name, shape->columns.size());  // keeps the first of a name
        shape->columns.push_back(std::move(c));
    }
    return shape;
}

namespace {

// Writes one row's column directory and bytes at `out`; returns the bytes used.
std::size_t pack_row(std::uint8_t* out, std::size_t n, const proto::DataRow& row) {
    auto mismatch = [&] {
        return InterfaceError("DataRow has " + std::to_string(row.count) + " columns but RowDescription has " +
                              std::to_string(n));
    };
    if (row.count != n) throw mismatch();
    std::uint8_t* data = out + n * kEntry;
    std::int32_t used = 0;
    proto::DataRowIterator it(row);
    proto::ByteView value;
    bool null = false;
    for (std::size_t i = 0; i < n; ++i) {
        if (!it.next(value, null)) throw mismatch();
        const std::int32_t length = null ? -1 : static_cast<std::int32_t>(value.size());
        std::memcpy(out + i * kEntry, &used, sizeof used);
        std::memcpy(out + i * kEntry + sizeof used, &length, sizeof length);
        if (!null && !value.empty()) {
            std::memcpy(data + used, value.data(), value.size());
            used += length;
        }
    }
    return n * kEntry + static_cast<std::size_t>(used);
}

constexpr std::size_t kChunk = 256 * 1024;

}  // namespace

Row make_row(std::shared_ptr<const RowShape> shape, const proto::DataRow& row) {
    // The column bytes are at most the DataRow body less its length words: one exact-enough
    // allocation without a counting pass.
    const std::size_t n = shape->columns.size();
    auto storage = std::make_shared_for_overwrite<std::uint8_t[]>(n * kEntry + row.values.size());
    pack_row(storage.get(), n, row);
    return Row(std::move(shape), std::move(storage));
}

Row RowArena::make_row(const std::shared_ptr<const RowShape>& shape, const proto::DataRow& row) {
    const std::size_t n = shape->columns.size();
    const std::size_t need = n * kEntry + row.values.size();
    if (need > kChunk / 4) return detail::make_row(shape, row);  // a big row gets its own block
    if (!chunk_ || capacity_ - used_ < need) {
        chunk_ = std::make_shared_for_overwrite<std::uint8_t[]>(kChunk);
        used_ = 0;
        capacity_ = kChunk;
    }
    std::uint8_t* at = chunk_.get() + used_;
    const std::size_t size = pack_row(at, n, row);
    used_ += (size + 7) & ~std::size_t{7};  // keep each row's directory aligned
    // Aliasing: the Row owns a share of the chunk and points at its own bytes.
    return Row(shape, std::shared_ptr<const std::uint8_t[]>(chunk_, at));
}

}  // namespace detail

}  // namespace uvpg
