// Password authentication: MD5 and the SCRAM-SHA-256(-PLUS) client. Pure: strings in, strings out.
#include "proto/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <climits>
#include <cstring>

namespace uvpg::proto {
namespace {

using Digest = std::array<unsigned char, 32>;

constexpr char kHex[] = "0123456789abcdef";
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t kRawNonceLen = 18;  // libpq's SCRAM_RAW_NONCE_LEN

std::string hex(const unsigned char* p, std::size_t n) {
    std::string s;
    s.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        s += kHex[p[i] >> 4];
        s += kHex[p[i] & 15];
    }
    return s;
}

// EVP rather than MD5(): the latter is deprecated in OpenSSL 3 and fails -Werror.
bool md5_hex(std::string_view data, std::string& out) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr) || len != 16) return false;
    out = hex(md, len);
    return true;
}

bool hmac_sha256(const unsigned char* key, std::size_t key_len, std::string_view msg, Digest& out) {
    unsigned int len = 0;
    return key_len <= INT_MAX &&
           HMAC(EVP_sha256(), key, static_cast<int>(key_len), reinterpret_cast<const unsigned char*>(msg.data()),
                msg.size(), out.data(), &len) != nullptr &&
           len == out.size();
}

bool sha256(const Digest& in, Digest& out) {
    unsigned int len = 0;
    return EVP_Digest(in.data(), in.size(), out.data(), &len, EVP_sha256(), nullptr) && len == out.size();
}

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// RFC 5802 "printable": what a nonce may contain (',' would split the attribute).
bool is_printable_nonce(std::string_view s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u > 0x7e || c == ',') return false;
    }
    return true;
}

// --- server message parsing ---------------------------------------------------------------------

// Splits "a=x,b=y" into attribute values in a fixed order; each must be exactly <name>=<value>.
bool take_attr(std::string_view& in, char name, std::string_view& value) {
    if (in.size() < 2 || in[0] != name || in[1] != '=') return false;
    std::size_t comma = in.find(',');
    value = in.substr(2, comma == std::string_view::npos ? std::string_view::npos : comma - 2);
    in = comma == std::string_view::npos ? std::string_view{} : in.substr(comma);
    return true;
}

// Consumes the ',' between attributes; false at the end of the message.
bool take_comma(std::string_view& in) {
    if (in.empty() || in[0] != ',') return false;
    in.remove_prefix(1);
    return true;
}

// RFC 5802 posit-number: no sign, no leading zero, no overflow.
bool parse_iterations(std::string_view s, std::uint32_t max, std::uint32_t& out, const char*& why) {
    if (s.empty() || s[0] < '1' || s[0] > '9') {
        why = "SCRAM: invalid iteration count";
        return false;
    }
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            why = "SCRAM: invalid iteration count";
            return false;
        }
        v = v * 10 + static_cast<unsigned>(c - '0');
        if (v > max) {
            why = "SCRAM: iteration count too high";
            return false;
        }
    }
    out = static_cast<std::uint32_t>(v);
    return true;
}

// ',' and '=' are the only characters a saslname must escape.
std::string escape_saslname(std::string_view user) {
    std::string s;
    for (char c : user) {
        if (c == ',') s += "=2C";
        else if (c == '=') s += "=3D";
        else s += c;
    }
    return s;
}

}  // namespace

std::string md5_password(std::string_view user, std::string_view password, const std::uint8_t salt[4]) {
    std::string inner, outer;
    std::string buf;
    buf.reserve(password.size() + user.size());
    buf.append(password).append(user);
    bool ok = md5_hex(buf, inner);
    OPENSSL_cleanse(buf.data(), buf.size());
    if (!ok) return {};  // MD5 unavailable (FIPS provider): the caller reports it
    inner.append(reinterpret_cast<const char*>(salt), 4);
    ok = md5_hex(inner, outer);
    OPENSSL_cleanse(inner.data(), inner.size());
    return ok ? "md5" + outer : std::string{};
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])); };
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out += kB64[v >> 18];
        out += kB64[(v >> 12) & 63];
        out += kB64[(v >> 6) & 63];
        out += kB64[v & 63];
    }
    if (std::size_t rest = bytes.size() - i; rest) {
        std::uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
        out += kB64[v >> 18];
        out += kB64[(v >> 12) & 63];
        out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

bool base64_decode(std::string_view text, std::string& out) {
    out.clear();
    if (text.size() % 4 != 0) return false;
    std::size_t pad = 0;
    if (!text.empty() && text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        bool last = i + 4 == text.size();
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            int d = b64_value(text[i + k]);
            if (d < 0) {
                if (!(last && text[i + k] == '=' && k >= 4 - pad)) return false;
                d = 0;
            }
            v = v << 6 | static_cast<std::uint32_t>(d);
        }
        out += static_cast<char>(v >> 16);
        if (!last || pad < 2) out += static_cast<char>((v >> 8) & 0xff);
        if (!last || pad < 1) out += static_cast<char>(v & 0xff);
        // Unused low bits are not checked: PostgreSQL's decoder ignores them, and the salt it sends
        // is copied from a stored secret that an administrator may have written by hand.
    }
    return true;
}

ScramClient::ScramClient(std::string password) : ScramClient(std::move(password), ScramBinding{}) {}

ScramClient::ScramClient(std::string password, std::string client_nonce, const std::string& user)
    : ScramClient(std::move(password), std::move(client_nonce), user, ScramBinding{}) {}

ScramClient::ScramClient(std::string password, const ScramBinding& binding) : password_(std::move(password)) {
    unsigned char raw[kRawNonceLen];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        error_ = "SCRAM: could not generate a random nonce";
        state_ = State::failed;
        return;  // client_first() stays empty
    }
    nonce_ = base64_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
    start({}, binding);
}

ScramClient::ScramClient(std::string password, std::string client_nonce, const std::string& user,
                         const ScramBinding& binding)
    : password_(std::move(password)), nonce_(std::move(client_nonce)) {
    if (nonce_.empty() || !is_printable_nonce(nonce_)) {
        error_ = "SCRAM: invalid client nonce";
        state_ = State::failed;
        return;
    }
    start(user, binding);
}

void ScramClient::start(const std::string& user, const ScramBinding& binding) {
    // RFC 5802 gs2-header: gs2-cbind-flag "," [authzid] ","; PostgreSQL never sends an authzid.
    std::string gs2;
    switch (binding.flag) {
    case ScramBinding::Flag::none: gs2 = "n,,"; break;
    case ScramBinding::Flag::supported: gs2 = "y,,"; break;
    case ScramBinding::Flag::plus:
        if (binding.data.empty()) {
            fail("SCRAM: channel binding data missing");
            return;  // client_first() stays empty
        }
        gs2 = "p=tls-server-end-point,,";
        break;
    default: fail("SCRAM: invalid channel binding flag"); return;
    }
    flag_ = binding.flag;
    // cbind-input = gs2-header [cbind-data]; the data only with "p=".
    channel_binding_ = base64_encode(flag_ == ScramBinding::Flag::plus ? gs2 + binding.data : gs2);
    client_first_bare_ = "n=" + escape_saslname(user) + ",r=" + nonce_;
    client_first_ = gs2 + client_first_bare_;
}

const char* ScramClient::mechanism() const {
    return flag_ == ScramBinding::Flag::plus ? "SCRAM-SHA-256-PLUS" : "SCRAM-SHA-256";
}

bool ScramClient::fail(const char* why) {
    error_ = why;
    state_ = State::failed;
    OPENSSL_cleanse(password_.data(), password_.size());
    password_.clear();
    return false;
}

bool ScramClient::handle_server_first(std::string_view msg) {
    if (state_ == State::failed) return false;  // keep the first reason
    if (state_ != State::initial) return fail("SCRAM: unexpected server-first-message");
    if (msg.empty()) return fail("SCRAM: empty server-first-message");
    if (msg.find('\0') != std::string_view::npos) return fail("SCRAM: NUL byte in server-first-message");
    if (msg.starts_with("m=")) return fail("SCRAM: unsupported mandatory extension in server-first-message");

    std::string_view in = msg, nonce, salt_b64, iter_text;
    if (!take_attr(in, 'r', nonce)) return fail("SCRAM: malformed server-first-message (r=)");
    if (!take_comma(in) || !take_attr(in, 's', salt_b64)) return fail("SCRAM: malformed server-first-message (s=)");
    if (!take_comma(in) || !take_attr(in, 'i', iter_text)) return fail("SCRAM: malformed server-first-message (i=)");
    if (!in.empty()) return fail("SCRAM: malformed server-first-message (trailing data)");

    // Nonces are public, but CRYPTO_memcmp keeps this free of timing questions, as libpq does.
    if (nonce.size() < nonce_.size() || CRYPTO_memcmp(nonce.data(), nonce_.data(), nonce_.size()) != 0)
        return fail("SCRAM: nonce mismatch");
    if (nonce.size() == nonce_.size()) return fail("SCRAM: server nonce missing");
    if (!is_printable_nonce(nonce)) return fail("SCRAM: invalid character in server nonce");

    std::string salt;
    if (!base64_decode(salt_b64, salt)) return fail("SCRAM: invalid base64 salt");
    if (salt.empty()) return fail("SCRAM: empty salt");
    std::uint32_t iterations = 0;
    const char* why = nullptr;
    if (!parse_iterations(iter_text, max_iterations_, iterations, why)) return fail(why);
    if (password_.size() > INT_MAX || salt.size() > INT_MAX) return fail("SCRAM: password or salt too long");

    std::string prepared = saslprep_password(password_);
    OPENSSL_cleanse(password_.data(), password_.size());
    password_.clear();

    Digest salted{}, client_key{}, stored_key{}, client_sig{}, server_key{}, server_sig{};
    std::string final_without_proof = "c=" + channel_binding_ + ",r=" + std::string(nonce);
    std::string auth_message = client_first_bare_ + ',' + std::string(msg) + ',' + final_without_proof;
    bool ok = PKCS5_PBKDF2_HMAC(prepared.data(), static_cast<int>(prepared.size()),
                                reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                                static_cast<int>(iterations), EVP_sha256(), static_cast<int>(salted.size()),
                                salted.data()) == 1 &&
              hmac_sha256(salted.data(), salted.size(), "Client Key", client_key) && sha256(client_key, stored_key) &&
              hmac_sha256(stored_key.data(), stored_key.size(), auth_message, client_sig) &&
              hmac_sha256(salted.data(), salted.size(), "Server Key", server_key) &&
              hmac_sha256(server_key.data(), server_key.size(), auth_message, server_sig);
    OPENSSL_cleanse(prepared.data(), prepared.size());
    Digest proof{};
    for (std::size_t i = 0; i < proof.size(); ++i) proof[i] = client_key[i] ^ client_sig[i];
    for (Digest* d : {&salted, &client_key, &stored_key, &client_sig, &server_key})
        OPENSSL_cleanse(d->data(), d->size());
    if (!ok) return fail("SCRAM: libcrypto failure");

    server_signature_.assign(reinterpret_cast<const char*>(server_sig.data()), server_sig.size());
    client_final_ = final_without_proof +
                    ",p=" + base64_encode(std::string_view(reinterpret_cast<const char*>(proof.data()), proof.size()));
    state_ = State::sent_final;
    return true;
}

bool ScramClient::handle_server_final(std::string_view msg) {
    if (state_ == State::failed) return false;
    if (state_ != State::sent_final) return fail("SCRAM: unexpected server-final-message");
    if (msg.empty()) return fail("SCRAM: empty server-final-message");
    if (msg.find('\0') != std::string_view::npos) return fail("SCRAM: NUL byte in server-final-message");

    std::string_view in = msg, value;
    if (take_attr(in, 'e', value)) {
        error_ = "SCRAM: server error: " + std::string(value);
        state_ = State::failed;
        return false;
    }
    if (!take_attr(in, 'v', value)) return fail("SCRAM: malformed server-final-message (v=)");
    if (!in.empty()) return fail("SCRAM: malformed server-final-message (trailing data)");
    std::string sig;
    if (!base64_decode(value, sig)) return fail("SCRAM: invalid base64 server signature");
    if (sig.size() != server_signature_.size()) return fail("SCRAM: server signature has the wrong length");
    if (CRYPTO_memcmp(sig.data(), server_signature_.data(), sig.size()) != 0)
        return fail("SCRAM: incorrect server signature");
    state_ = State::done;
    return true;
}

}  // namespace uvpg::proto
