// The connection keywords that decide what startup does are enums, parsed once where the DSN is
// resolved (lib/config/conn_enums.hpp): their spellings, and what resolve_params makes of them.
#include "lib/config/conn_params.hpp"

#include <doctest/doctest.h>

using namespace uvpg::detail;

namespace {
Environment no_env() {
    Environment env;
    env.getenv = [](const char*) -> std::optional<std::string> { return std::nullopt; };
    env.home_dir = [] { return std::string(); };
    env.os_user = [] { return std::string("osuser"); };
    return env;
}
ConnParams resolve(const std::string& dsn) { return resolve_params(dsn, {}, no_env()); }
}  // namespace

TEST_CASE("keyword values: every libpq spelling parses to its enum and back") {
    for (std::size_t i = 0; i < kSslModeNames.size(); ++i) {
        auto m = SslModeValue::parse(kSslModeNames[i]);
        REQUIRE(m);
        CHECK(static_cast<std::size_t>(m->value()) == i);
        CHECK(m->name() == kSslModeNames[i]);
    }
    CHECK(SslModeValue::parse("verify-full")->value() == SslMode::verify_full);
    CHECK_FALSE(SslModeValue::parse("verify_full"));
    CHECK_FALSE(SslModeValue::parse(""));
    CHECK(ChannelBindingValue::parse("require")->value() == ChannelBinding::require);
    CHECK(SslNegotiationValue::parse("direct")->value() == SslNegotiation::direct);
    CHECK(TargetSessionAttrsValue::parse("prefer-standby")->value() == TargetSessionAttrs::prefer_standby);
    CHECK_FALSE(TargetSessionAttrsValue::parse("prefer_standby"));
    // A literal converts at compile time; comparisons with the spelling stay for readability.
    SslModeValue v = "allow";
    CHECK(v == SslMode::allow);
    CHECK(v == "allow");
    CHECK(v != "prefer");
}

TEST_CASE("resolve_params: the enums and the require_auth bits") {
    const ConnParams d = resolve("");
    CHECK(d.sslmode == SslMode::prefer);
    CHECK(d.tls.sslmode == SslMode::prefer);
    CHECK(d.tls.sslnegotiation == SslNegotiation::postgres);
    CHECK(d.tls.channel_binding == ChannelBinding::prefer);
    CHECK(d.target_session_attrs == TargetSessionAttrs::any);
    CHECK(d.auth_methods.any());
    CHECK(d.auth_methods.allows(AuthMethod::password));

    const ConnParams p = resolve(
        "sslmode=require sslnegotiation=direct channel_binding=disable "
        "target_session_attrs=prefer-standby require_auth=md5,scram-sha-256");
    CHECK(p.sslmode == SslMode::require);
    CHECK(p.tls.sslmode == SslMode::require);
    CHECK(p.tls.sslnegotiation == SslNegotiation::direct);
    CHECK(p.tls.channel_binding == ChannelBinding::disable);
    CHECK(p.target_session_attrs == TargetSessionAttrs::prefer_standby);
    CHECK_FALSE(p.auth_methods.any());
    CHECK(p.auth_methods.allows(AuthMethod::md5));
    CHECK(p.auth_methods.allows(AuthMethod::scram_sha_256));
    CHECK_FALSE(p.auth_methods.allows(AuthMethod::password));
    CHECK_FALSE(p.auth_methods.allows(AuthMethod::none));

    const ConnParams n = resolve("require_auth=!password,!none");
    CHECK(n.auth_methods.allows(AuthMethod::md5));
    CHECK(n.auth_methods.allows(AuthMethod::gss));
    CHECK_FALSE(n.auth_methods.allows(AuthMethod::password));
    CHECK_FALSE(n.auth_methods.allows(AuthMethod::none));
}
