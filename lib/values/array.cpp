// Array fields: split into element Values (binary or text) that Value::as<T>() reads one by one,
// and array parameters built from element Params.
#include <uvpg/errors.hpp>
#include <uvpg/value.hpp>

#include "lib/values/element_params.hpp"
#include "lib/values/row.hpp"
#include "lib/values/text_form.hpp"
#include "lib/values/type_lookup.hpp"
#include "proto/codec_basic.hpp"
#include "proto/codec_container.hpp"
#include "proto/pg_types.hpp"

#include <utility>

namespace uvpg {

namespace detail {

namespace {

// Everything the element Values point into, kept alive by ArrayContents::keep.
struct Backing {
    RowShape shape;         // the element column, at the array's index
    proto::TextArray text;  // text arrays: the unquoted elements
};

[[noreturn]] void not_array(const Value& v, const std::string& why = {}) {
    std::string m = "cannot read column \"" + v.name() + "\" (" + std::to_string(v.index()) + ", " +
                    proto::type_display_name(v.type_oid()) + ") as an array";
    if (!why.empty()) m += ": " + why;
    throw DataError(std::move(m));
}

}  // namespace

ArrayContents array_contents(const Value& v) {
    const auto& types = ValueAccess::shape(v).types;
    const std::uint32_t elem = array_element_type(v.type_oid(), types.get());
    if (elem == 0 && v.is_binary()) not_array(v);
    auto backing = std::make_shared<Backing>();
    backing->shape.types = types;
    backing->shape.columns.resize(v.index() + 1);
    Column& c = backing->shape.columns[v.index()];
    c.name = v.name();
    c.format = v.is_binary() ? 1 : 0;
    ArrayContents out;
    if (v.is_binary()) {
        proto::BinArray a;
        const std::string_view raw = v.raw();
        if (auto e = proto::bin_to_array({reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()}, a);
            e != proto::CodecErrc::ok)
            not_array(v, proto::describe(e));
        c.type_code = a.elem_oid;
        for (const auto& d : a.dims) {
            out.sizes.push_back(d.size);
            out.lower_bounds.push_back(d.lower_bound);
        }
        out.elements.reserve(a.elements.size());
        for (const auto& e : a.elements) {
            std::string_view data =
                e ? std::string_view(reinterpret_cast<const char*>(e->data()), e->size()) : std::string_view();
            out.elements.push_back(ValueAccess::make(&backing->shape, v.index(), data, !e));
        }
    } else {
        // A text array of a type the catalog does not know (a user type's array) reads as text.
        if (elem == 0 && !(v.raw().starts_with("{") || v.raw().starts_with("["))) not_array(v);
        c.type_code = elem != 0 ? elem : proto::oid::unknown;
        const proto::PgType* et = proto::find_type(elem);
        const char delim = et ? et->delim : ',';
        if (auto e = proto::text_to_array(v.raw(), delim, backing->text); e != proto::CodecErrc::ok)
            not_array(v, std::string(proto::describe(e)) + " " + shown_text(v.raw()));
        for (const auto& d : backing->text.dims) {
            out.sizes.push_back(d.size);
            out.lower_bounds.push_back(d.lower_bound);
        }
        out.elements.reserve(backing->text.elements.size());
        for (const auto& e : backing->text.elements)
            out.elements.push_back(
                ValueAccess::make(&backing->shape, v.index(), e ? std::string_view(*e) : std::string_view(), !e));
    }
    out.keep = std::move(backing);
    return out;
}

void throw_array_shape(const Value& v, std::size_t dims, std::size_t wanted) {
    throw DataError("cannot read column \"" + v.name() + "\" (" + std::to_string(v.index()) + ", " +
                    proto::type_display_name(v.type_oid()) + "): a " + std::to_string(dims) +
                    "-dimensional array read as a " + std::to_string(wanted) + "-level nested std::vector");
}

}  // namespace detail

void Param::throw_ragged() {
    throw DataError("array parameter is not rectangular: sub-arrays of one dimension differ in length");
}

void Param::set_array(detail::ArrayParam& a, std::uint32_t elem) {
    using detail::param_bytes_as;
    if (a.sizes.size() > static_cast<std::size_t>(proto::kMaxArrayDims))
        throw DataError("array parameter has " + std::to_string(a.sizes.size()) + " dimensions; PostgreSQL allows 6");
    if (a.lower_bounds.size() != a.sizes.size()) throw DataError("array parameter: one lower bound per dimension");
    std::size_t count = a.sizes.empty() ? 0 : 1;
    for (auto n : a.sizes) {
        if (n < 0) throw DataError("array parameter: negative dimension size");
        count *= static_cast<std::size_t>(n);
    }
    if (count != a.elements.size()) throw DataError("array parameter: element count does not match its sizes");
    // A vector of empty vectors is an empty array.
    if (count == 0) a.sizes.clear(), a.lower_bounds.clear();
    std::vector<proto::ArrayDim> dims;
    for (std::size_t i = 0; i < a.sizes.size(); ++i) dims.push_back({a.sizes[i], a.lower_bounds[i]});
    if (elem == 0) {
        // Strings: an untyped array literal, typed by the server from context as a string is.
        std::vector<std::optional<std::string_view>> texts;
        for (const Param& p : a.elements)
            texts.push_back(p.is_null() ? std::nullopt : std::optional<std::string_view>(p.data()));
        data_ = proto::array_to_text(dims, texts, ',');
        oid_ = 0;
        binary_ = false;
        return;
    }
    // inet's array holds cidr values when every element is one.
    bool all_cidr = elem == proto::oid::inet;
    for (const Param& p : a.elements) all_cidr = all_cidr && (p.is_null() || p.type_oid() == proto::oid::cidr);
    if (all_cidr && !a.elements.empty()) elem = proto::oid::cidr;
    std::vector<std::string> bytes;
    bytes.reserve(a.elements.size());
    for (const Param& p : a.elements) bytes.push_back(p.is_null() ? std::string() : param_bytes_as(p, elem));
    std::vector<std::optional<proto::ByteView>> views;
    views.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size(); ++i)
        views.push_back(a.elements[i].is_null()
                            ? std::nullopt
                            : std::optional<proto::ByteView>(proto::ByteView(
                                  reinterpret_cast<const std::uint8_t*>(bytes[i].data()), bytes[i].size())));
    const proto::PgType* t = proto::find_type(elem);
    if (!t || t->array == 0) throw DataError("no array type for " + proto::type_display_name(elem));
    proto::Bytes out;
    proto::array_to_bin(elem, dims, views, out);
    data_.assign(reinterpret_cast<const char*>(out.data()), out.size());
    set_binary(t->array);
}

}  // namespace uvpg
