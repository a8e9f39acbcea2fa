// libpq's keyword values that decide what a connection does (sslmode, sslnegotiation,
// channel_binding, target_session_attrs, require_auth), as enums parsed once where the DSN is
// resolved (lib/config/conn_params.cpp). Startup (lib/ops/startup_op.*) and TLS
// (lib/net/tls_session.*) switch on them instead of comparing strings. No dependencies, so that
// lib/ops/ may include it.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace uvpg::detail {

enum class SslMode : std::uint8_t { disable, allow, prefer, require, verify_ca, verify_full };
inline constexpr std::array<std::string_view, 6> kSslModeNames = {"disable", "allow",     "prefer",
                                                                  "require", "verify-ca", "verify-full"};

enum class SslNegotiation : std::uint8_t { postgres, direct };
inline constexpr std::array<std::string_view, 2> kSslNegotiationNames = {"postgres", "direct"};

enum class ChannelBinding : std::uint8_t { disable, prefer, require };
inline constexpr std::array<std::string_view, 3> kChannelBindingNames = {"disable", "prefer", "require"};

// libpq's full list; uvpg accepts only any and prefer-standby so far (conn_params.cpp refuses
// the others with NotSupportedError), the rest are here for the multi-host startup to come.
enum class TargetSessionAttrs : std::uint8_t { any, read_write, read_only, primary, standby, prefer_standby };
inline constexpr std::array<std::string_view, 6> kTargetSessionAttrsNames = {"any",     "read-write", "read-only",
                                                                             "primary", "standby",    "prefer-standby"};

// A keyword's value: an enum in code, its libpq spelling in messages. It compares with the
// spelling too, and a string literal converts at compile time (an unknown one does not compile),
// so that a test may still write `p.sslmode == "prefer"` or `tls.sslmode = "require"`.
template <class E, const auto& Names>
class Keyword {
public:
    constexpr Keyword(E v) noexcept : v_(v) {}  // NOLINT(google-explicit-constructor): an enum value is one
    consteval Keyword(const char* name) : v_(from_literal(name)) {}  // NOLINT(google-explicit-constructor)

    // The value spelled `text`, or nullopt when libpq has no such value.
    static constexpr std::optional<Keyword> parse(std::string_view text) noexcept {
        for (std::size_t i = 0; i < Names.size(); ++i)
            if (Names[i] == text) return Keyword(static_cast<E>(i));
        return std::nullopt;
    }
    constexpr E value() const noexcept { return v_; }
    constexpr std::string_view name() const noexcept { return Names[static_cast<std::size_t>(v_)]; }

    friend constexpr bool operator==(Keyword a, Keyword b) noexcept { return a.v_ == b.v_; }
    friend constexpr bool operator==(Keyword a, E b) noexcept { return a.v_ == b; }
    friend constexpr bool operator==(Keyword a, const char* b) noexcept { return a.name() == b; }
    friend constexpr bool operator==(Keyword a, std::string_view b) noexcept { return a.name() == b; }

private:
    static consteval E from_literal(const char* name) {
        auto k = parse(name);
        if (!k) throw std::invalid_argument("not a value of this keyword");
        return k->v_;
    }
    E v_;
};

using SslModeValue = Keyword<SslMode, kSslModeNames>;
using SslNegotiationValue = Keyword<SslNegotiation, kSslNegotiationNames>;
using ChannelBindingValue = Keyword<ChannelBinding, kChannelBindingNames>;
using TargetSessionAttrsValue = Keyword<TargetSessionAttrs, kTargetSessionAttrsNames>;

// require_auth: the authentication methods the server may use, as a set of bits.
enum class AuthMethod : std::uint8_t {
    password = 1,
    md5 = 2,
    gss = 4,
    sspi = 8,
    scram_sha_256 = 16,
    none = 32,
};
inline constexpr std::array<std::string_view, 6> kAuthMethodNames = {"password", "md5",           "gss",
                                                                     "sspi",     "scram-sha-256", "none"};
struct AuthMethods {
    std::uint8_t bits = 0;  // 0: no require_auth, every method allowed
    static constexpr std::uint8_t kAll = 63;
    // require_auth was given. Without it, a list that negates every method ("!password,...,!none")
    // would leave no bit and read as "any": libpq then allows none.
    static constexpr std::uint8_t kGiven = 64;
    constexpr bool any() const noexcept { return bits == 0; }
    constexpr void require() noexcept { bits = static_cast<std::uint8_t>(bits | kGiven); }
    constexpr bool allows(AuthMethod m) const noexcept {
        return bits == 0 || (bits & static_cast<std::uint8_t>(m)) != 0;
    }
    constexpr void add(AuthMethod m) noexcept { bits = static_cast<std::uint8_t>(bits | static_cast<std::uint8_t>(m)); }
    // The method spelled `name` as require_auth spells it, or nullopt.
    static constexpr std::optional<AuthMethod> parse(std::string_view name) noexcept {
        for (std::size_t i = 0; i < kAuthMethodNames.size(); ++i)
            if (kAuthMethodNames[i] == name) return static_cast<AuthMethod>(1u << i);
        return std::nullopt;
    }
};

}  // namespace uvpg::detail
