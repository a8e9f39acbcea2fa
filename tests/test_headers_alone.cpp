// The public headers stand alone and show only the API: each one compiles as the only uvpg
// header of its translation unit (tests/header_alone.cpp.in, one translation unit per header
// in the tree), the OIDs they inline agree with proto/'s table, and libuvpg exports the API
// but not proto/'s or lib/'s internals. No server.
#include <doctest/doctest.h>

#include "proto/pg_types.hpp"

#include <uvpg/detail/oids.hpp>

#include <dlfcn.h>

#include <filesystem>
#include <set>
#include <string>

namespace uvpg_test {
std::set<std::string>& headers_alone() {
    static std::set<std::string> seen;
    return seen;
}
void register_header_alone(const char* header) { headers_alone().insert(header); }
}  // namespace uvpg_test

TEST_CASE("every public header compiles alone") {
    // The translation units are made at configure time from the headers then in the tree; a
    // header added since is caught here until meson configures again.
    namespace fs = std::filesystem;
    const fs::path root = UVPG_INCLUDE_DIR;
    std::set<std::string> in_tree;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file() && e.path().extension() == ".hpp")
            in_tree.insert(e.path().lexically_relative(root).generic_string());
    REQUIRE(in_tree.count("uvpg/uvpg.hpp") == 1);
    REQUIRE(in_tree.count("uvpg/detail/value_as.hpp") == 1);
    CHECK(uvpg_test::headers_alone() == in_tree);
}

TEST_CASE("the OIDs the public headers inline are proto's") {
    namespace pub = uvpg::detail::pg_oid;
    namespace oid = uvpg::proto::oid;
    CHECK(pub::bool_ == oid::bool_);
    CHECK(pub::char_ == oid::char_);
    CHECK(pub::name == oid::name);
    CHECK(pub::int8 == oid::int8);
    CHECK(pub::int2 == oid::int2);
    CHECK(pub::int4 == oid::int4);
    CHECK(pub::text == oid::text);
    CHECK(pub::oid == oid::oid);
    CHECK(pub::float8 == oid::float8);
    CHECK(pub::bpchar == oid::bpchar);
    CHECK(pub::varchar == oid::varchar);
    CHECK(pub::timestamp == oid::timestamp);
    CHECK(pub::timestamptz == oid::timestamptz);
    CHECK(pub::numeric == oid::numeric);
    CHECK(pub::int4 == 23u);  // and PostgreSQL's own numbers (pg_type.dat)
    CHECK(pub::timestamptz == 1184u);
    CHECK(pub::int4_array == uvpg::proto::find_type("_int4")->oid);
}

TEST_CASE("libuvpg exports the API and not the internals") {
    void* lib = dlopen(UVPG_SHARED_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    INFO(UVPG_SHARED_LIBRARY << ": " << (lib ? "" : dlerror()));
    REQUIRE(lib != nullptr);
    // uvpg::connect(const ConnectOptions&), and the typeinfo a catch of errors::UniqueViolation
    // in a program matches against what the library throws.
    CHECK(dlsym(lib, "_ZN4uvpg7connectERKNS_14ConnectOptionsE") != nullptr);
    CHECK(dlsym(lib, "_ZTIN4uvpg6errors15UniqueViolationE") != nullptr);
    CHECK(dlsym(lib, "_ZN4uvpg6detail7releaseEPKNS0_10RowSetBaseE") != nullptr);  // Row's destructor calls it
    // uvpg::proto::find_type(unsigned int) and uvpg::detail::resolve_params(...): inside only.
    CHECK(dlsym(lib, "_ZN4uvpg5proto9find_typeEj") == nullptr);
    CHECK(dlsym(lib,
                "_ZN4uvpg6detail14resolve_paramsESt17basic_string_viewIcSt11char_traitsIcEERKNS_14ConnectOptionsERKNS0_"
                "11EnvironmentE") == nullptr);
    dlclose(lib);
}
