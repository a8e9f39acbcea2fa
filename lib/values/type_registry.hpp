// Types a connection learned by name (Connection::register_type): enums, composites, domains,
// extension types such as hstore, and their arrays. Immutable once built: registering makes a
// new registry, so rows already read keep the one they were read with.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace uvpg::detail {

struct UserType {
    enum class Kind { enumeration, composite, domain, hstore, array, other };
    Kind kind = Kind::other;
    std::string name;
    std::uint32_t base = 0;                // domain: its base type; array: its element type
    std::vector<std::string> field_names;  // composite
    std::vector<std::uint32_t> field_types;
};

struct TypeRegistry {
    std::unordered_map<std::uint32_t, UserType> types;
    const UserType* find(std::uint32_t oid) const {
        auto it = types.find(oid);
        return it == types.end() ? nullptr : &it->second;
    }
};

}  // namespace uvpg::detail
