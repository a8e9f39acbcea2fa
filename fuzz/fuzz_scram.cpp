// libFuzzer target: the SCRAM-SHA-256(-PLUS) client's parsing of server messages, its channel
// binding flags, base64_decode, saslprep (RFC 4013, as PostgreSQL) and the NFKC under it.
//
// Input: "password\nserver-first\nserver-final", split at the first two newlines (a part that
// is missing is empty). An optional first line picks the channel binding: "y,," for the "y"
// flag, "p=tls-server-end-point,,<binding data>" for SCRAM-SHA-256-PLUS with the rest of that
// line as binding data (empty data must be refused); without one the flag is "n". The client
// nonce is fixed, so the server nonce can match it; the iteration cap keeps PBKDF2 from making
// each run slow.
#include "common.hpp"
#include "proto/auth.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace uvpg::proto;

namespace {

constexpr std::string_view kNonce = "rOprNGfwEbeRWgbNEkqO";  // RFC 7677's, so its exchange is a seed
constexpr std::string_view kUser = "user";
constexpr std::uint32_t kMaxIterations = 4096;

using uvpg_fuzz::check;

constexpr std::string_view kGs2Y = "y,,";
constexpr std::string_view kGs2Plus = "p=tls-server-end-point,,";

// The gs2 header the client must send for a binding.
std::string gs2_header(const ScramBinding& b) {
    switch (b.flag) {
    case ScramBinding::Flag::supported: return std::string(kGs2Y);
    case ScramBinding::Flag::plus: return std::string(kGs2Plus);
    default: return "n,,";
    }
}

// The c= value of client-final: base64(gs2 header + binding data), the data only with "p".
std::string channel_binding(const ScramBinding& b) {
    return base64_encode(gs2_header(b) + (b.flag == ScramBinding::Flag::plus ? b.data : std::string()));
}

std::string_view take_line(std::string_view& in) {
    const std::size_t nl = in.find('\n');
    const std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    return line;
}

void fuzz_base64(std::string_view text) {
    std::string bytes;
    if (base64_decode(text, bytes)) {
        check(text.size() % 4 == 0, "accepted base64 whose length is not a multiple of 4");
        check(bytes.size() <= text.size() / 4 * 3 && bytes.size() + 2 >= text.size() / 4 * 3,
              "decoded size does not match the text");
        // Unused low bits are ignored, so only the bytes (not the text) must survive a round trip.
        std::string again;
        check(base64_decode(base64_encode(bytes), again) && again == bytes, "base64 round trip changed the bytes");
    }
    check(base64_decode(base64_encode(text), bytes) && bytes == text, "base64_encode output does not decode back");
}

void fuzz_saslprep(std::string_view password) {
    std::string prepared;
    const SaslprepResult result = saslprep(password, prepared);
    const std::string hashed = saslprep_password(password);
    bool ascii = true;
    for (char c : password) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) check(result == SaslprepResult::success && prepared == password, "saslprep changed an ASCII password");
    if (result != SaslprepResult::success) {
        check(prepared.empty(), "a refused password left output behind");
        check(hashed == password, "a refused password is not hashed as its raw bytes");
        return;
    }
    check(hashed == prepared, "saslprep_password differs from saslprep's output");
    check(password.empty() || !prepared.empty(), "saslprep accepted a password that became empty");
    std::string again;
    check(saslprep(prepared, again) != SaslprepResult::invalid_utf8, "saslprep produced invalid UTF-8");
}

// NFKC on any code points (3 bytes each, folded into U+0000..U+10FFFF): idempotent, and never
// empty for a non-empty text (nothing decomposes to nothing).
void fuzz_nfkc(std::string_view bytes) {
    std::u32string text;
    for (std::size_t i = 0; i + 3 <= bytes.size(); i += 3) {
        const auto b = [&](std::size_t k) { return static_cast<char32_t>(static_cast<unsigned char>(bytes[i + k])); };
        text += (b(0) << 16 | b(1) << 8 | b(2)) % 0x110000;
    }
    const std::u32string once = uvpg::proto::detail::nfkc(text);
    check(text.empty() == once.empty(), "NFKC emptied a text or filled an empty one");
    check(uvpg::proto::detail::nfkc(once) == once, "NFKC is not idempotent");
}

void fuzz_exchange(const ScramBinding& binding, std::string_view password, std::string_view server_first,
                   std::string_view server_final) {
    ScramClient c{std::string(password), std::string(kNonce), std::string(kUser), binding};
    c.set_max_iterations(kMaxIterations);
    const bool plus = binding.flag == ScramBinding::Flag::plus;
    if (plus && binding.data.empty()) {
        check(c.client_first().empty(), "SCRAM-SHA-256-PLUS without binding data was accepted");
        check(!c.error().empty(), "a refused binding without a reason");
        check(!c.handle_server_first(server_first), "a client without binding data went on");
        check(!c.handle_server_final(server_final), "a client without binding data finished");
        check(!c.finished(), "finished without binding data");
        return;
    }
    check(std::string_view(c.mechanism()) == (plus ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256"),
          "mechanism does not match the binding flag");
    check(c.client_first() == gs2_header(binding) + "n=user,r=" + std::string(kNonce),
          "unexpected client-first-message");
    if (!c.handle_server_first(server_first)) {
        check(!c.error().empty(), "failure without a reason");
        check(!c.handle_server_final(server_final), "server-final accepted after a failed server-first");
        check(!c.finished(), "finished after a failure");
        return;
    }
    check(c.client_final().starts_with("c=" + channel_binding(binding) + ",r=" + std::string(kNonce)),
          "client-final lost the channel binding or the nonce");
    check(c.client_final().find(",p=") != std::string::npos, "client-final without a proof");
    const bool ok = c.handle_server_final(server_final);
    check(ok == c.finished(), "handle_server_final's result disagrees with finished()");
    if (!ok) check(!c.error().empty(), "failure without a reason");
    // A replayed message is a protocol error in every state.
    check(!c.handle_server_first(server_first), "a second server-first was accepted");
    check(!c.handle_server_final(server_final), "a second server-final was accepted");
}

// The constructor's own checks on a nonce and user from the input.
void fuzz_client_first(std::string_view nonce, std::string_view user) {
    ScramClient c{"pw", std::string(nonce), std::string(user)};
    if (c.client_first().empty()) {
        check(!c.error().empty(), "a refused nonce without a reason");
        check(!c.handle_server_first("r=x,s=AAAA,i=1"), "a client with a bad nonce went on");
        return;
    }
    check(c.client_first().starts_with("n,,n="), "client-first without the gs2 header");
    check(c.client_first().ends_with(",r=" + std::string(nonce)), "client-first lost the nonce");
    // The same with the other flags: only the header changes (binding data from the input).
    const std::string bare = c.client_first().substr(3);
    ScramClient y{"pw", std::string(nonce), std::string(user), ScramBinding{ScramBinding::Flag::supported, {}}};
    check(y.client_first() == std::string(kGs2Y) + bare, "client-first with the y flag differs");
    ScramClient p{"pw", std::string(nonce), std::string(user),
                  ScramBinding{ScramBinding::Flag::plus, std::string(user)}};
    if (user.empty()) check(p.client_first().empty() && !p.error().empty(), "PLUS accepted empty binding data");
    else check(p.client_first() == std::string(kGs2Plus) + bare, "client-first with the p flag differs");
}

// Takes the optional channel-binding line off the front of the input.
ScramBinding take_binding(std::string_view& in) {
    if (in.starts_with(kGs2Plus)) {
        std::string_view line = take_line(in);
        line.remove_prefix(kGs2Plus.size());
        return ScramBinding{ScramBinding::Flag::plus, std::string(line)};
    }
    if (in.starts_with(std::string(kGs2Y) + "\n")) {
        take_line(in);
        return ScramBinding{ScramBinding::Flag::supported, {}};
    }
    return ScramBinding{};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    std::string_view rest = all;
    const ScramBinding binding = take_binding(rest);
    const std::string_view password = take_line(rest);
    const std::string_view server_first = take_line(rest);
    const std::string_view server_final = rest;

    fuzz_exchange(binding, password, server_first, server_final);
    fuzz_client_first(server_first, password);
    fuzz_base64(server_final);
    fuzz_base64(all);
    fuzz_saslprep(password);
    fuzz_saslprep(all);
    fuzz_nfkc(all);
    if (server_final.size() >= 4) {
        const std::string md5 =
            md5_password(password, server_first, reinterpret_cast<const std::uint8_t*>(server_final.data()));
        check(md5.empty() || md5.size() == 35, "md5_password has the wrong length");
    }
    return 0;
}

// Seeds: the RFC 7677 exchange, and valid exchanges with few iterations so that mutations of
// them reach the server-final checks quickly. The server side is computed here with libcrypto.
namespace {

std::string hmac(std::string_view key, std::string_view msg) {
    unsigned char out[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(msg.data()),
         msg.size(), out, &len);
    return std::string(reinterpret_cast<const char*>(out), len);
}

std::string server_final_for(const ScramBinding& binding, std::string_view password, std::string_view salt,
                             std::uint32_t iterations, std::string_view server_first, std::string_view server_nonce) {
    const std::string prepared = saslprep_password(password);
    unsigned char salted[32];
    PKCS5_PBKDF2_HMAC(prepared.data(), static_cast<int>(prepared.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                      static_cast<int>(iterations), EVP_sha256(), sizeof salted, salted);
    const std::string auth_message = "n=" + std::string(kUser) + ",r=" + std::string(kNonce) + "," +
                                     std::string(server_first) + ",c=" + channel_binding(binding) +
                                     ",r=" + std::string(server_nonce);
    const std::string server_key = hmac(std::string_view(reinterpret_cast<const char*>(salted), 32), "Server Key");
    return "v=" + base64_encode(hmac(server_key, auth_message));
}

void write_seed(const std::string& dir, const std::string& name, const std::string& input) {
    std::ofstream(dir + "/" + name, std::ios::binary) << input;
}

void write_seeds(const std::string& dir) {
    std::filesystem::create_directories(dir);
    write_seed(dir, "rfc7677",
               "pencil\nr=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096\n"
               "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    const struct {
        const char* name;
        std::string_view password, salt;
        std::uint32_t iterations;
    } cases[] = {
        {"ascii", "secret", "salt-bytes", 2},
        {"nbsp", "p\xC2\xA0w\xC2\xADrd", "\x01\x02\x03", 1},  // non-ASCII space, soft hyphen
        {"prohibited", "a\xEF\xBF\xBE", "xyz", 3},            // U+FFFE: PostgreSQL falls back to raw bytes
        {"latin1", "caf\xE9", "s", 1},                        // not UTF-8
        {"nfkc",
         "\xEF\xBD\x93"
         "e\xCC\x81\xEA\xB0\x81",
         "s", 1},  // fullwidth s, e + U+0301, Hangul
        {"bidi",
         "\xD7\x90"
         "1\xD7\x90",
         "s", 1},  // right-to-left, first and last
        {"bidi-fail",
         "\xD7\x90"
         "a",
         "s", 1},  // refused: raw bytes
        {"empty", "", "0123456789abcdef", 5},
    };
    // 32 bytes standing for a certificate hash (no '\n', which would end the binding line).
    std::string cert_hash;
    for (int i = 0; i < 32; ++i) cert_hash += static_cast<char>(0xa0 + i);
    const struct {
        const char* prefix;
        ScramBinding binding;
    } bindings[] = {
        {"", ScramBinding{}},
        {"y-", ScramBinding{ScramBinding::Flag::supported, {}}},
        {"plus-", ScramBinding{ScramBinding::Flag::plus, cert_hash}},
    };
    for (const auto& b : bindings) {
        const std::string header =
            b.binding.flag == ScramBinding::Flag::none ? std::string() : gs2_header(b.binding) + b.binding.data + "\n";
        for (const auto& c : cases) {
            const std::string server_nonce = std::string(kNonce) + "srv+/nonce";
            const std::string server_first =
                "r=" + server_nonce + ",s=" + base64_encode(c.salt) + ",i=" + std::to_string(c.iterations);
            write_seed(dir, b.prefix + std::string(c.name),
                       header + std::string(c.password) + "\n" + server_first + "\n" +
                           server_final_for(b.binding, c.password, c.salt, c.iterations, server_first, server_nonce));
        }
    }
    write_seed(dir, "plus-no-data", std::string(kGs2Plus) + "\npw\nr=" + std::string(kNonce) + "x,s=QUJD,i=1\n");
    write_seed(dir, "plus-mismatch",
               std::string(kGs2Plus) + cert_hash + "\npw\nr=" + std::string(kNonce) +
                   "x,s=QUJD,i=1\ne=channel-bindings-dont-match");
    write_seed(dir, "server-error", "pw\nr=" + std::string(kNonce) + "x,s=QUJD,i=1\ne=invalid-proof");
    write_seed(dir, "extension", "pw\nm=ext,r=" + std::string(kNonce) + "x,s=QUJD,i=1\n");
    write_seed(dir, "base64", "\n\nYWJj\nZA==");
}

}  // namespace

UVPG_FUZZ_SEEDS_FROM(write_seeds)
