// What lib/ knows of a type by its OID beyond the codecs: whether uvpg reads it in binary,
// which codec reads a registered type, its name in messages, an array's element type.
#include "lib/values/type_lookup.hpp"

#include "proto/pg_types.hpp"

namespace uvpg::detail {

namespace oid = proto::oid;

std::uint32_t decode_type(std::uint32_t t, const TypeRegistry* types) noexcept {
    for (int depth = 0; types && depth < 16; ++depth) {  // a domain over a domain over ...
        const UserType* u = types->find(t);
        if (!u) return t;
        switch (u->kind) {
        case UserType::Kind::domain: t = u->base; continue;
        case UserType::Kind::enumeration: return oid::text;
        case UserType::Kind::composite: return oid::record;
        default: return t;
        }
    }
    return t;
}

bool reads_binary(std::uint32_t t, const TypeRegistry* types) noexcept {
    if (const UserType* u = types ? types->find(t) : nullptr) {
        switch (u->kind) {
        case UserType::Kind::domain:
        case UserType::Kind::array: return reads_binary(u->base, types);
        case UserType::Kind::enumeration:
        case UserType::Kind::hstore: return true;
        case UserType::Kind::composite:
            for (auto f : u->field_types)
                if (!reads_binary(f, types)) return false;
            return true;
        default: return false;
        }
    }
    return reads_binary(t);
}

std::string type_name(std::uint32_t t, const TypeRegistry* types) {
    if (proto::find_type(t)) return proto::type_display_name(t);
    if (const UserType* u = types ? types->find(t) : nullptr) return u->name;
    return proto::type_display_name(t);
}

std::uint32_t array_element_type(std::uint32_t t, const TypeRegistry* types) noexcept {
    if (const UserType* u = types ? types->find(t) : nullptr) return u->kind == UserType::Kind::array ? u->base : 0;
    // An array type is "_<element>" with typelem set (record[] is a pseudo-type, not category A;
    // int2vector and name have typelem but are not arrays).
    const proto::PgType* type = proto::find_type(t);
    return type && type->elem != 0 && type->name[0] == '_' ? type->elem : 0;
}

bool is_text_type(std::uint32_t t) noexcept {
    switch (t) {
    case oid::text:
    case oid::varchar:
    case oid::bpchar:
    case oid::name:
    case oid::char_:
    case oid::json:
    case oid::xml:
    case oid::unknown: return true;
    default: return false;
    }
}

bool reads_binary(std::uint32_t t) noexcept {
    switch (t) {
    case oid::bool_:
    case oid::bytea:
    case oid::int2:
    case oid::int4:
    case oid::int8:
    case oid::oid:
    case oid::xid:
    case oid::cid:
    case oid::xid8:
    case oid::float4:
    case oid::float8:
    case oid::numeric:
    case oid::text:
    case oid::varchar:
    case oid::bpchar:
    case oid::name:
    case oid::char_:
    case oid::json:
    case oid::jsonb:
    case oid::xml:
    case oid::uuid:
    case oid::date:
    case oid::time:
    case oid::timetz:
    case oid::timestamp:
    case oid::timestamptz:
    case oid::interval:
    case oid::inet:
    case oid::cidr:
    case oid::macaddr:
    case oid::macaddr8:
    case oid::bit:
    case oid::varbit:
    case oid::record: return true;
    default: break;
    }
    // An array reads in binary when its elements do; money stays text (its binary form drops
    // the currency's formatting), and so do types uvpg has no codec for.
    const proto::PgType* type = proto::find_type(t);
    if (type && (type->kind == 'r' || type->kind == 'm')) return reads_binary(type->range_subtype);
    const std::uint32_t elem = array_element_type(t);
    return elem != 0 && reads_binary(elem);
}

}  // namespace uvpg::detail
