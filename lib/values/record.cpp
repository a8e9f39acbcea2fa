// Composite fields (ROW(...), record columns): split into field Values, each of its own type.
#include <uvpg/errors.hpp>
#include <uvpg/params.hpp>
#include <uvpg/value.hpp>

#include "lib/values/row.hpp"
#include "lib/values/text_form.hpp"
#include "proto/codec_container.hpp"
#include "proto/pg_types.hpp"

namespace uvpg {

Value Record::operator[](std::size_t i) const {
    if (i >= fields_.size())
        throw ProgrammingError("field index " + std::to_string(i) + " out of range (the record has " +
                               std::to_string(fields_.size()) + " fields)");
    return fields_[i];
}

namespace detail {

namespace {

// What field Values point into: one column per field, and the field texts of a text record.
struct RecordBacking {
    RowShape shape;
    std::vector<std::optional<std::string>> texts;
};

[[noreturn]] void not_record(const Value& v, const std::string& why = {}) {
    std::string m = "cannot read column \"" + v.name() + "\" (" + std::to_string(v.index()) + ", " +
                    proto::type_display_name(v.type_oid()) + ") as a record";
    if (!why.empty()) m += ": " + why;
    throw DataError(std::move(m));
}

}  // namespace

Record record_contents(const Value& v) {
    auto b = std::make_shared<RecordBacking>();
    b->shape.types = ValueAccess::shape(v).types;
    // A registered composite knows its field names and types; ROW() fields are f1, f2, ...
    const UserType* u = b->shape.types ? b->shape.types->find(v.type_oid()) : nullptr;
    if (u && u->kind != UserType::Kind::composite) u = nullptr;
    std::vector<Value> fields;
    auto add_column = [&](std::uint32_t type) {
        Column c;
        const std::size_t i = b->shape.columns.size();
        c.name = v.name() + "." + (u && i < u->field_names.size() ? u->field_names[i] : "f" + std::to_string(i + 1));
        c.type_code = type;
        c.format = v.is_binary() ? 1 : 0;
        b->shape.columns.push_back(std::move(c));
    };
    if (v.is_binary()) {
        proto::BinRecord r;
        const std::string_view raw = v.raw();
        if (auto e = proto::bin_to_record({reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()}, r);
            e != proto::CodecErrc::ok)
            not_record(v, proto::describe(e));
        for (auto t : r.types) add_column(t);
        for (std::size_t i = 0; i < r.fields.size(); ++i) {
            const auto& f = r.fields[i];
            fields.push_back(ValueAccess::make(
                &b->shape, i,
                f ? std::string_view(reinterpret_cast<const char*>(f->data()), f->size()) : std::string_view(), !f));
        }
    } else {
        // A text record does not say its field types: a registered composite's are known, the
        // fields of any other read as text (std::string).
        if (!v.raw().starts_with("(")) not_record(v);
        if (auto e = proto::text_to_record(v.raw(), b->texts); e != proto::CodecErrc::ok)
            not_record(v, std::string(proto::describe(e)) + " " + shown_text(v.raw()));
        for (std::size_t i = 0; i < b->texts.size(); ++i)
            add_column(u && i < u->field_types.size() ? u->field_types[i] : proto::oid::unknown);
        for (std::size_t i = 0; i < b->texts.size(); ++i)
            fields.push_back(ValueAccess::make(
                &b->shape, i, b->texts[i] ? std::string_view(*b->texts[i]) : std::string_view(), !b->texts[i]));
    }
    return ValueAccess::make_record(std::move(fields), std::move(b));
}

void throw_record_arity(const Value& v, std::size_t fields, std::size_t wanted) {
    throw DataError("cannot read column \"" + v.name() + "\" (" + std::to_string(v.index()) + ", " +
                    proto::type_display_name(v.type_oid()) + "): a record of " + std::to_string(fields) +
                    " fields read as a std::tuple of " + std::to_string(wanted));
}

}  // namespace detail

void Param::set_record(const std::vector<Param>& fields) {
    std::vector<std::string> texts;
    texts.reserve(fields.size());
    for (const Param& p : fields) {
        if (p.is_null()) texts.emplace_back();
        else if (p.binary())
            texts.push_back(detail::binary_to_text(
                p.type_oid(), {reinterpret_cast<const std::uint8_t*>(p.data().data()), p.data().size()}));
        else texts.push_back(p.data());
    }
    std::vector<std::optional<std::string_view>> views;
    for (std::size_t i = 0; i < texts.size(); ++i)
        views.push_back(fields[i].is_null() ? std::nullopt : std::optional<std::string_view>(texts[i]));
    data_ = proto::record_to_text(views);
}

}  // namespace uvpg
