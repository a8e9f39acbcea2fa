// Range and multirange fields: bounds as Values of the subtype, and range parameters built from
// bound Params.
#include <uvpg/errors.hpp>
#include <uvpg/value.hpp>

#include "lib/values/element_params.hpp"
#include "lib/values/row.hpp"
#include "lib/values/text_form.hpp"
#include "proto/codec_container.hpp"
#include "proto/pg_types.hpp"

namespace uvpg {

namespace detail {

namespace {

// What bound Values point into: the subtype's column, and text bounds when the field is text.
struct RangeBacking {
    RowShape shape;
    std::vector<std::string> texts;
};

[[noreturn]] void not_range(const Value& v, const char* what, const std::string& why = {}) {
    std::string m = "cannot read column \"" + v.name() + "\" (" + std::to_string(v.index()) + ", " +
                    proto::type_display_name(v.type_oid()) + ") as a " + what;
    if (!why.empty()) m += ": " + why;
    throw DataError(std::move(m));
}

std::shared_ptr<RangeBacking> backing_for(const Value& v, std::uint32_t subtype) {
    auto b = std::make_shared<RangeBacking>();
    b->shape.columns.resize(v.index() + 1);
    Column& c = b->shape.columns[v.index()];
    c.name = v.name();
    c.type_code = subtype;
    c.format = v.is_binary() ? 1 : 0;
    return b;
}

proto::ByteView bytes_of(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

// One range's bytes (binary) or text into `out`; bound texts are kept in `b`.
void fill_range(const Value& v, std::string_view data, RangeBacking& b, RangeContents& out, const char* what) {
    if (v.is_binary()) {
        proto::BinRange r;
        if (auto e = proto::bin_to_range(bytes_of(data), r); e != proto::CodecErrc::ok)
            not_range(v, what, proto::describe(e));
        out.empty = r.flags & proto::kRangeEmpty;
        out.lower_inc = r.flags & proto::kRangeLbInc;
        out.upper_inc = r.flags & proto::kRangeUbInc;
        auto bound = [&](const std::optional<proto::ByteView>& x) -> std::optional<Value> {
            if (!x) return std::nullopt;
            return ValueAccess::make(&b.shape, v.index(), {reinterpret_cast<const char*>(x->data()), x->size()}, false);
        };
        out.lower = bound(r.lower);
        out.upper = bound(r.upper);
        return;
    }
    proto::TextRange r;
    if (auto e = proto::text_to_range(data, r); e != proto::CodecErrc::ok)
        not_range(v, what, std::string(proto::describe(e)) + " " + shown_text(data));
    out.empty = r.flags & proto::kRangeEmpty;
    out.lower_inc = r.flags & proto::kRangeLbInc;
    out.upper_inc = r.flags & proto::kRangeUbInc;
    // Two bounds per range at most, reserved up front so the views stay put.
    auto bound = [&](std::optional<std::string>& x) -> std::optional<Value> {
        if (!x) return std::nullopt;
        b.texts.push_back(std::move(*x));
        return ValueAccess::make(&b.shape, v.index(), b.texts.back(), false);
    };
    out.lower = bound(r.lower);
    out.upper = bound(r.upper);
}

}  // namespace

RangeContents range_contents(const Value& v) {
    const proto::PgType* t = proto::find_type(v.type_oid());
    if (!t || t->kind != 'r') not_range(v, "range");
    auto b = backing_for(v, t->range_subtype);
    b->texts.reserve(2);
    RangeContents out;
    fill_range(v, v.raw(), *b, out, "range");
    out.keep = std::move(b);
    return out;
}

std::vector<RangeContents> multirange_contents(const Value& v) {
    const proto::PgType* t = proto::find_type(v.type_oid());
    if (!t || t->kind != 'm') not_range(v, "multirange");
    auto b = backing_for(v, t->range_subtype);
    std::vector<RangeContents> out;
    if (v.is_binary()) {
        std::vector<proto::ByteView> ranges;
        if (auto e = proto::bin_to_multirange(bytes_of(v.raw()), ranges); e != proto::CodecErrc::ok)
            not_range(v, "multirange", proto::describe(e));
        for (const auto& r : ranges) {
            RangeContents c;
            fill_range(v, {reinterpret_cast<const char*>(r.data()), r.size()}, *b, c, "multirange");
            out.push_back(std::move(c));
        }
    } else {
        std::vector<std::string> ranges;
        if (auto e = proto::text_to_multirange(v.raw(), ranges); e != proto::CodecErrc::ok)
            not_range(v, "multirange", std::string(proto::describe(e)) + " " + shown_text(v.raw()));
        b->texts.reserve(2 * ranges.size());
        for (const auto& r : ranges) {
            RangeContents c;
            fill_range(v, r, *b, c, "multirange");
            if (!c.empty) out.push_back(std::move(c));  // multirange_in drops empty ranges
        }
    }
    std::shared_ptr<const void> keep = std::move(b);
    for (auto& c : out) c.keep = keep;
    return out;
}

}  // namespace detail

void Param::set_ranges(const detail::RangeParam* ranges, std::size_t count, std::uint32_t subtype, bool multirange) {
    // The range type of the subtype (int4 -> int4range); an integer narrower than int4 widens.
    if (subtype == proto::oid::int2) subtype = proto::oid::int4;
    const proto::PgType* range = nullptr;
    for (const auto& t : proto::builtin_types())
        if (t.kind == 'r' && t.range_subtype == subtype) range = &t;
    if (!range) throw DataError("no built-in range type of " + proto::type_display_name(subtype));
    std::vector<proto::Bytes> encoded(count);
    for (std::size_t i = 0; i < count; ++i) {
        const detail::RangeParam& r = ranges[i];
        proto::BinRange b;
        std::string lower, upper;
        if (r.empty) {
            b.flags = proto::kRangeEmpty;
        } else {
            auto bound = [&](const std::optional<Param>& p, std::string& keep,
                             std::uint8_t inf_flag) -> std::optional<proto::ByteView> {
                if (!p || p->is_null()) {
                    b.flags |= inf_flag;
                    return std::nullopt;
                }
                keep = detail::param_bytes_as(*p, subtype);
                return proto::ByteView(reinterpret_cast<const std::uint8_t*>(keep.data()), keep.size());
            };
            b.lower = bound(r.lower, lower, proto::kRangeLbInf);
            b.upper = bound(r.upper, upper, proto::kRangeUbInf);
            if (r.lower_inc && b.lower) b.flags |= proto::kRangeLbInc;
            if (r.upper_inc && b.upper) b.flags |= proto::kRangeUbInc;
        }
        proto::range_to_bin(b, encoded[i]);
    }
    proto::Bytes out;
    if (multirange) {
        std::vector<proto::ByteView> views(encoded.begin(), encoded.end());
        proto::multirange_to_bin(views, out);
    } else {
        out = std::move(encoded[0]);
    }
    data_.assign(reinterpret_cast<const char*>(out.data()), out.size());
    set_binary(multirange ? range->multirange : range->oid);
}

}  // namespace uvpg
