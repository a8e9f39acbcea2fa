// Authentication inside startup (StartupOp, see startup_op.hpp): trust, cleartext password, md5,
// SCRAM-SHA-256 and SCRAM-SHA-256-PLUS, under the require_auth and channel_binding policies.
// GSSAPI, SSPI and the rest are refused as "not supported by uvpg".
#include "lib/ops/startup_op.hpp"

#include "proto/frontend.hpp"

namespace uvpg::detail::ops {

namespace {
proto::ByteView bytes_of(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }
}  // namespace

// libpq (fe-auth.c): an empty password is no password; none is sent.
bool StartupOp::has_password() const noexcept { return s_.password && !s_.password->empty(); }

std::optional<Action> StartupOp::auth_refused(AuthMethod method, const char* what) {
    if (s_.auth_methods.allows(method)) return std::nullopt;
    return fail(Errc::connect_failed,
                std::string("authentication method requirement \"") + s_.require_auth + "\" failed: " + what);
}

Action StartupOp::on_authentication(const proto::Authentication& a, proto::Bytes& out) {
    using A = proto::Authentication;
    const bool binding_required = s_.channel_binding == ChannelBinding::require;
    if (phase_ == Phase::authenticated)
        return fail(Errc::protocol_violation, "authentication request after authentication completed");
    switch (a.code) {
    case A::ok:
        // Also while the keys are being derived: a server that skips SASLFinal has not proven
        // it knows the password.
        if (scram_ || phase_ == Phase::deriving_keys)
            return fail(Errc::protocol_violation, "server skipped the end of the SCRAM exchange");
        // require_auth first, then channel binding (libpq's check_expected_areq).
        if (!authenticated_)
            if (auto no = auth_refused(AuthMethod::none, "server did not complete authentication")) return *no;
        // channel_binding=require: nothing but a completed SCRAM-SHA-256-PLUS exchange will do.
        if (binding_required && !scram_plus_)
            return fail(Errc::connect_failed,
                        "channel binding required, but server authenticated client without channel binding");
        phase_ = Phase::authenticated;
        return Action::read();
    case A::cleartext_password:
    case A::md5_password: {
        authenticated_ = true;
        const bool md5 = a.code == A::md5_password;
        if (auto no = md5 ? auth_refused(AuthMethod::md5, "server requested a hashed password")
                          : auth_refused(AuthMethod::password, "server requested a cleartext password"))
            return *no;
        if (binding_required)
            return fail(Errc::connect_failed,
                        "channel binding required but not supported by server's authentication request");
        if (!has_password()) return fail(Errc::connect_failed, "fe_sendauth: no password supplied");
        if (md5) proto::encode_password(out, proto::md5_password(s_.user, *s_.password, a.data.data()));
        else proto::encode_password(out, *s_.password);
        return Action::read();
    }
    case A::sasl: return on_sasl(a, out);
    case A::sasl_continue: {
        if (!scram_) return fail(Errc::protocol_violation, "SASLContinue without a SASL exchange");
        // PBKDF2 (4096 rounds or more) runs away from the loop: the driver takes the work.
        derivation_ = std::make_unique<KeyDerivation>();
        derivation_->scram = std::move(scram_);
        derivation_->server_first.assign(reinterpret_cast<const char*>(a.data.data()), a.data.size());
        phase_ = Phase::deriving_keys;
        return Action::derive_keys();
    }
    case A::sasl_final: {
        if (!scram_) return fail(Errc::protocol_violation, "SASLFinal without a SASL exchange");
        std::string_view data(reinterpret_cast<const char*>(a.data.data()), a.data.size());
        if (!scram_->handle_server_final(data)) return fail(Errc::connect_failed, scram_->error());
        scram_.reset();  // verified; AuthenticationOk follows
        scram_plus_ = scram_binds_;
        return Action::read();
    }
    default:
        return fail(Errc::connect_failed,
                    "authentication method " + std::to_string(a.code) + " is not supported by uvpg");
    }
}

Action StartupOp::on_sasl(const proto::Authentication& a, proto::Bytes& out) {
    authenticated_ = true;
    if (auto no = auth_refused(AuthMethod::scram_sha_256, "server requested SASL authentication")) return *no;
    const bool binding_required = s_.channel_binding == ChannelBinding::require;
    bool plain = false, plus = false;
    for (auto mech : a.mechanisms) {
        plain = plain || mech == "SCRAM-SHA-256";
        plus = plus || mech == "SCRAM-SHA-256-PLUS";
    }
    // libpq (fe-auth.c, pg_SASL_init): a server offers PLUS only over TLS, so an offer in plain
    // text means TLS was stripped on the way (sslmode prefer/allow let a man in the middle do
    // that); going on with SCRAM-SHA-256 would be the downgrade channel binding exists to stop.
    if (plus && !tls_up_)
        return fail(Errc::connect_failed, "server offered SCRAM-SHA-256-PLUS authentication over a non-SSL connection");
    // libpq's choice: PLUS whenever TLS is up and the server offers it (unless
    // channel_binding=disable); "y" tells the server we could have bound the channel.
    proto::ScramBinding binding;
    if (tls_up_ && s_.channel_binding != ChannelBinding::disable) {
        if (plus) {
            binding.flag = proto::ScramBinding::Flag::plus;
            binding.data = binding_;
            if (binding.data.empty())
                return fail(Errc::connect_failed, "could not compute channel binding data from the server certificate");
        } else {
            binding.flag = proto::ScramBinding::Flag::supported;
        }
    }
    // libpq's order: no mechanism at all first, then one without channel binding when it is required.
    if (binding.flag != proto::ScramBinding::Flag::plus && !plain)
        return fail(Errc::connect_failed, "none of the server's SASL authentication mechanisms are supported");
    if (binding_required && binding.flag != proto::ScramBinding::Flag::plus)
        return fail(Errc::connect_failed,
                    "channel binding is required, but server did not offer an authentication method that supports "
                    "channel binding");
    if (!has_password()) return fail(Errc::connect_failed, "fe_sendauth: no password supplied");
    scram_plus_ = false;
    scram_binds_ = binding.flag == proto::ScramBinding::Flag::plus;
    if (s_.scram_nonce.empty()) scram_ = std::make_unique<proto::ScramClient>(*s_.password, std::move(binding));
    else scram_ = std::make_unique<proto::ScramClient>(*s_.password, s_.scram_nonce, std::string(), std::move(binding));
    proto::encode_sasl_initial_response(out, scram_->mechanism(), bytes_of(scram_->client_first()));
    return Action::read();
}

std::unique_ptr<KeyDerivation> StartupOp::take_key_derivation() { return std::move(derivation_); }

Action StartupOp::on_keys_derived(std::unique_ptr<KeyDerivation> work, proto::Bytes& out) {
    if (phase_ != Phase::deriving_keys || !work || !work->scram)
        return fail(Errc::protocol_violation, "SCRAM key derivation outside a SASL exchange");
    phase_ = Phase::authenticating;
    scram_ = std::move(work->scram);
    if (!work->ok) {
        std::string why = scram_->error().empty() ? "SCRAM key derivation failed" : scram_->error();
        return fail(Errc::connect_failed, std::move(why));
    }
    proto::encode_sasl_response(out, bytes_of(scram_->client_final()));
    return Action::read();
}

}  // namespace uvpg::detail::ops
