// libFuzzer target: arbitrary server bytes through the connection startup operation
// (lib/ops/startup_op.hpp), driven as lib/conn/startup.cpp drives it, without sockets: the SSL
// answer, the TLS outcome, the messages through proto's Decoder, and the key derivation run at
// once.
//
// Input: [flags] server bytes. flags & 7 picks sslmode, (flags >> 3) & 3 channel_binding,
// (flags >> 5) & 1 a password, (flags >> 6) & 1 require_auth=scram-sha-256, (flags >> 7) & 1
// whether TLS channel-binding data is given.
//
// Contract: the operation never throws; it ends at most once, with a non-empty reason and an
// error code of connect_failed or protocol_violation when it fails; a success means
// ReadyForQuery after AuthenticationOk.
#include "common.hpp"
#include "lib/ops/startup_op.hpp"
#include "proto/backend.hpp"

#include <filesystem>
#include <fstream>
#include <string>

using namespace uvpg;
using namespace uvpg::detail;
using uvpg_fuzz::check;
using Kind = ops::Action::Kind;

namespace {

ops::StartupSettings settings_for(std::uint8_t flags) {
    ops::StartupSettings s;
    s.startup_params = {{"user", "u"}, {"database", "d"}};
    s.user = "u";
    s.sslmode = static_cast<SslMode>((flags & 7) % 6);
    s.channel_binding = static_cast<ChannelBinding>(((flags >> 3) & 3) % 3);
    if ((flags >> 5) & 1) s.password = "pencil";
    if ((flags >> 6) & 1) {
        s.auth_methods.add(AuthMethod::scram_sha_256);
        s.require_auth = "scram-sha-256";
    }
    s.scram_nonce = "rOprNGfwEbeRWgbNEkqO";
    return s;
}

void check_done(const ops::Action& a, bool authenticated) {
    if (!a.error) {
        check(authenticated, "success without AuthenticationOk");
        return;
    }
    check(!a.error.message.empty(), "a failure without a reason");
    check(a.error.code == make_error_code(Errc::connect_failed) ||
              a.error.code == make_error_code(Errc::protocol_violation),
          "a failure of an unexpected kind");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t flags = data[0];
    proto::ByteView in(data + 1, size - 1);
    const ops::StartupSettings s = settings_for(flags);
    const bool tls = s.sslmode != SslMode::disable && s.sslmode != SslMode::allow;
    ops::StartupOp op(s, tls, false);
    proto::Bytes out;
    ops::Action a = op.start(out);
    bool authenticated = false;
    // The SSL answer: the first read, here the first byte (and, when the next byte is 'S' too,
    // the two together, to reach the refusal of bytes after 'S').
    if (op.awaiting_ssl_reply()) {
        if (in.empty()) return 0;
        const std::size_t n = in.size() > 1 && in[1] == 'S' ? 2 : 1;
        a = op.on_ssl_reply(in.first(n), out);
        in = in.subspan(n);
    }
    if (a.kind == Kind::start_tls) {
        a = op.on_tls_ready((flags >> 7) & 1 ? std::string(32, '\x5a') : std::string(), out);
    }
    if (a.kind == Kind::done) {
        check_done(a, authenticated);
        return 0;
    }
    proto::Decoder decoder(1 << 16);
    decoder.feed(in);
    for (;;) {
        auto next = decoder.next();
        if (next.status != proto::Decoder::Status::message) break;  // more needed, or the driver's protocol violation
        const proto::RawMessage& raw = next.msg;
        a = op.on_message_type(raw.type);
        if (a.kind == Kind::done) break;
        proto::BackendMessage m;
        if (proto::decode(raw, m) != proto::Errc::ok) break;  // the driver reports it
        if (std::holds_alternative<proto::ParameterStatus>(m) || std::holds_alternative<proto::NoticeResponse>(m) ||
            std::holds_alternative<proto::NotificationResponse>(m))
            continue;  // the connection's (handle_async)
        if (auto* auth = std::get_if<proto::Authentication>(&m); auth && auth->code == proto::Authentication::ok)
            authenticated = true;
        a = op.on_message(raw.type, m, out);
        if (a.kind == Kind::derive_keys) {
            auto work = op.take_key_derivation();
            check(work != nullptr, "derive_keys without the work");
            work->scram->set_max_iterations(4096);  // PBKDF2 beyond that only costs the fuzzer time
            work->run();
            a = op.on_keys_derived(std::move(work), out);
        }
        if (a.kind == Kind::done) break;
        check(a.kind == Kind::read, "an action startup never asks for after login began");
    }
    if (a.kind == Kind::done) check_done(a, authenticated);
    return 0;
}

namespace {

void write_seed(const std::string& dir, const std::string& name, std::uint8_t flags, const proto::Bytes& bytes) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    f.put(static_cast<char>(flags));
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

proto::ByteView bytes_of(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

void write_seeds(const std::string& dir) {
    std::filesystem::create_directories(dir);
    using proto::Authentication;
    auto encode = [](std::initializer_list<proto::BackendMessage> ms) {
        proto::Bytes b;
        for (const auto& m : ms) proto::encode_backend(b, m);
        return b;
    };
    const proto::Bytes ready = encode({Authentication{}, proto::ParameterStatus{"server_version", "15.0"},
                                       proto::BackendKeyData{1, 2}, proto::ReadyForQuery{'I'}});
    const proto::Bytes scram = encode(
        {Authentication{Authentication::sasl, {}, {"SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"}},
         Authentication{
             Authentication::sasl_continue,
             bytes_of("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
             {}},
         Authentication{Authentication::sasl_final, bytes_of("v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg="), {}}});
    static const std::uint8_t salt[4] = {1, 2, 3, 4};
    const proto::Bytes md5 = encode({Authentication{Authentication::md5_password, proto::ByteView(salt, 4), {}}});
    const proto::Bytes refused =
        encode({proto::ErrorResponse{{{'S', "FATAL"}, {'C', "28P01"}, {'M', "password authentication failed"}}}});
    proto::Bytes scram_ready = scram;
    scram_ready.insert(scram_ready.end(), ready.begin(), ready.end());
    proto::Bytes md5_ready = md5;
    md5_ready.insert(md5_ready.end(), ready.begin(), ready.end());
    write_seed(dir, "trust-disable", 0, ready);
    write_seed(dir, "scram-disable", 1 << 5, scram_ready);
    write_seed(dir, "md5-disable", 1 << 5, md5_ready);
    write_seed(dir, "refused", 0, refused);
    proto::Bytes tls_scram{'S'};
    tls_scram.insert(tls_scram.end(), scram_ready.begin(), scram_ready.end());
    write_seed(dir, "tls-scram-plus", 3 | (1 << 5) | (1 << 7), tls_scram);  // require, password, binding data
    proto::Bytes plain{'N'};
    plain.insert(plain.end(), ready.begin(), ready.end());
    write_seed(dir, "prefer-N", 2, plain);
    write_seed(dir, "after-S", 2, proto::Bytes{'S', 'S'});
}

}  // namespace

UVPG_FUZZ_SEEDS_FROM(write_seeds)
