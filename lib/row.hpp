// Building rows and descriptions from wire messages (internal to lib/).
#pragma once
#include <uvpg/value.hpp>

#include "lib/type_registry.hpp"
#include "proto/backend.hpp"

#include <unordered_map>

namespace uvpg::detail {

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
    std::shared_ptr<const TypeRegistry> types;  // the connection's registered types, if any
    std::unordered_map<std::string, std::size_t> by_name;  // first column of each name
};

std::shared_ptr<const RowShape> make_shape(const proto::RowDescription& desc,
                                           std::shared_ptr<const TypeRegistry> types = nullptr);
// Copies the row once into the Row's single allocation. The caller has checked that the
// column count matches the shape.
Row make_row(std::shared_ptr<const RowShape> shape, const proto::DataRow& row);

// Rows of one result packed into shared chunks: a row costs no allocation of its own, and a
// Row shares its chunk (the chunk lives while any of its rows does).
class RowArena {
public:
    Row make_row(const std::shared_ptr<const RowShape>& shape, const proto::DataRow& row);

private:
    std::shared_ptr<std::uint8_t[]> chunk_;
    std::size_t used_ = 0, capacity_ = 0;
};

}  // namespace uvpg::detail
