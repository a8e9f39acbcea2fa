// Connection::register_type: one catalog query per type, then the connection reads it.
#include <uvpg/connection.hpp>
#include <uvpg/cursor.hpp>
#include <uvpg/errors.hpp>

#include "lib/conn/connection_impl.hpp"
#include "proto/pg_types.hpp"

namespace uvpg {

namespace {

constexpr const char* kTypeQuery =
    "SELECT t.oid, t.typname::text, t.typtype::text, t.typarray, t.typbasetype, "
    "coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a "
    "  WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '{}'), "
    "coalesce((SELECT array_agg(a.atttypid ORDER BY a.attnum) FROM pg_attribute a "
    "  WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '{}') "
    "FROM pg_type t WHERE t.oid = %s::regtype";

Task<void> register_type_impl(Connection conn, std::string name) {
    auto cur = co_await conn.cursor();
    co_await cur.execute(kTypeQuery, {name});
    auto row = co_await cur.fetchone();
    if (!row) throw ProgrammingError("type \"" + name + "\" not found");
    const auto oid = (*row)[0].as<std::uint32_t>();
    if (proto::find_type(oid)) co_return;  // built in: uvpg knows it already
    detail::UserType t;
    t.name = (*row)[1].as<std::string>();
    const std::string kind = (*row)[2].as<std::string>();
    const auto array = (*row)[3].as<std::uint32_t>();
    if (kind == "e") {
        t.kind = detail::UserType::Kind::enumeration;
    } else if (kind == "c") {
        t.kind = detail::UserType::Kind::composite;
        t.field_names = (*row)[5].as<std::vector<std::string>>();
        t.field_types = (*row)[6].as<std::vector<std::uint32_t>>();
    } else if (kind == "d") {
        t.kind = detail::UserType::Kind::domain;
        t.base = (*row)[4].as<std::uint32_t>();
    } else if (t.name == "hstore") {
        t.kind = detail::UserType::Kind::hstore;
    } else {
        throw NotSupportedError("uvpg cannot read type \"" + name + "\" (typtype '" + kind +
                                "'): only enums, composites, domains and hstore can be registered");
    }
    std::vector<std::pair<std::uint32_t, detail::UserType>> added{{oid, t}};
    if (array != 0) {
        detail::UserType a;
        a.kind = detail::UserType::Kind::array;
        a.name = t.name + "[]";
        a.base = oid;
        added.emplace_back(array, std::move(a));
    }
    detail::Access::checked(conn).add_types(added);
}

}  // namespace

Task<void> Connection::register_type(std::string_view name) {
    checked();
    return register_type_impl(Connection(impl_, lease_), std::string(name));
}

}  // namespace uvpg
