// Password authentication without a server: known answers, recorded exchanges, rejections.
#include <doctest/doctest.h>

#include "proto/auth.hpp"

#include <cstdint>
#include <string>
#include <string_view>

using uvpg::proto::base64_decode;
using uvpg::proto::base64_encode;
using uvpg::proto::md5_password;
using uvpg::proto::saslprep_password;
using uvpg::proto::ScramBinding;
using uvpg::proto::ScramClient;
using namespace std::string_literals;

namespace {

// RFC 7677 section 3.
constexpr std::string_view kRfcNonce = "rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kRfcServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kRfcServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
// Same inputs with the empty user name PostgreSQL clients send (reliability.md 4.1).
constexpr std::string_view kPgServerFinal = "v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg=";

// A client that has accepted the RFC server-first with the empty user name.
ScramClient pg_client_after_first() {
    ScramClient c("pencil", std::string(kRfcNonce));
    REQUIRE(c.handle_server_first(kRfcServerFirst));
    return c;
}

// Feeds a server-first that is expected to be refused and returns the reason.
std::string first_error(std::string_view server_first, std::string_view nonce = kRfcNonce) {
    ScramClient c("pencil", std::string(nonce));
    CHECK_FALSE(c.handle_server_first(server_first));
    CHECK(c.client_final().empty());
    CHECK_FALSE(c.finished());
    return c.error();
}

std::string final_error(std::string_view server_final) {
    ScramClient c = pg_client_after_first();
    CHECK_FALSE(c.handle_server_final(server_final));
    CHECK_FALSE(c.finished());
    return c.error();
}

}  // namespace

TEST_CASE("SCRAM: RFC 7677 section 3 example, byte for byte") {
    ScramClient c("pencil", std::string(kRfcNonce), "user");
    CHECK(c.client_first() == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    REQUIRE(c.handle_server_first(kRfcServerFirst));
    CHECK(c.client_final() ==
          "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
          "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    CHECK_FALSE(c.finished());
    CHECK(c.handle_server_final(kRfcServerFinal));
    CHECK(c.finished());
    CHECK(c.error().empty());
}

TEST_CASE("SCRAM: PostgreSQL variant with the empty user name") {
    ScramClient c("pencil", std::string(kRfcNonce));
    CHECK(c.client_first() == "n,,n=,r=rOprNGfwEbeRWgbNEkqO");
    REQUIRE(c.handle_server_first(kRfcServerFirst));
    CHECK(c.client_final() ==
          "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
          "p=qvT2SWdEH5Q06albL+hjSYuUhCG7VndFyzIb7CK4n9k=");
    CHECK(c.handle_server_final(kPgServerFinal));
    CHECK(c.finished());
}

TEST_CASE("SCRAM: the RFC server signature does not verify the PostgreSQL variant") {
    // The user name is part of AuthMessage: a mix-up here would only show against a real server.
    CHECK(final_error(kRfcServerFinal) == "SCRAM: incorrect server signature");
}

// Recorded from PostgreSQL 15.x (initdb, password_encryption = scram-sha-256, pg_hba scram-sha-256 on
// 127.0.0.1) with a fixed client nonce; the server answered the client-final below with
// AuthenticationSASLFinal and AuthenticationOk.
TEST_CASE("SCRAM: recorded PostgreSQL 15 exchange, ASCII password") {
    ScramClient c("uvpg recorded secret", "uvpgRecordedNonce0123456");
    CHECK(c.client_first() == "n,,n=,r=uvpgRecordedNonce0123456");
    REQUIRE(
        c.handle_server_first("r=uvpgRecordedNonce0123456uRK9o9+6SChukMt1i/9HmuUa,s=LEYIm1PMCxiWVn6qpDRw2Q==,i=4096"));
    CHECK(c.client_final() ==
          "c=biws,r=uvpgRecordedNonce0123456uRK9o9+6SChukMt1i/9HmuUa,"
          "p=63eATYh+2jk3PbmS0RTPVSzXLKZYzoTpBseZdASOclE=");
    CHECK(c.handle_server_final("v=iHyHupm4nLzNNyRlkK0CydzF1uGRggQOn1t+utB3dG4="));
    CHECK(c.finished());
}

TEST_CASE("SCRAM: recorded PostgreSQL 15 exchange, password that SASLprep changes") {
    // "pä<U+00A0>ss<U+00AD>word": the server hashed "pä ssword" when the role was created.
    ScramClient c("p\xc3\xa4\xc2\xa0ss\xc2\xadword", "uvpgRecordedNonceUnicode");
    REQUIRE(
        c.handle_server_first("r=uvpgRecordedNonceUnicode/Se68Fi78Ux+b9mjzuMX/hok,s=wwiBIMlLPGliscWTVizlvg==,i=4096"));
    CHECK(c.client_final() ==
          "c=biws,r=uvpgRecordedNonceUnicode/Se68Fi78Ux+b9mjzuMX/hok,"
          "p=+1uQcKSjVwm2i/Yz6ckTVm0/gyDEeADvOviedtV0vZ0=");
    CHECK(c.handle_server_final("v=/CAxFA7tXHBII1AoHRoMO6nZFm0T48dGwpJlbRecXD8="));
    CHECK(c.finished());
}

TEST_CASE("SCRAM: recorded PostgreSQL 15 exchange, prohibited character means raw bytes") {
    // "a<U+00A0>b<U+200E>": U+200E (C.8) makes SASLprep fail, so the server hashed the raw bytes,
    // U+00A0 included; the same exchange with "a b<U+200E>" was refused.
    ScramClient c(
        "a\xc2\xa0"
        "b\xe2\x80\x8e",
        "uvpgRecordedNonceProhib0");
    REQUIRE(
        c.handle_server_first("r=uvpgRecordedNonceProhib0RpUixldEbW7K0fGW6tFCZQeY,s=I7HgoVmJsAgRu8biLv8/Vw==,i=4096"));
    CHECK(c.client_final() ==
          "c=biws,r=uvpgRecordedNonceProhib0RpUixldEbW7K0fGW6tFCZQeY,"
          "p=YnDdhA68IkHrR7UgU+FVinhb8uNT2CBJRuRpxmYLIMo=");
    CHECK(c.handle_server_final("v=7SeJFKd1JtJteq0L3ZKh8ozf0GJuEhwdgU4c3XichTY="));
    CHECK(c.finished());
}

TEST_CASE("SCRAM: random nonce and user name escaping") {
    ScramClient a("pw"), b("pw");
    REQUIRE(a.client_first().size() == 8 + 24);  // "n,,n=,r=" + base64 of 18 bytes
    CHECK(a.client_first().starts_with("n,,n=,r="));
    CHECK(a.client_first() != b.client_first());
    std::string raw;
    CHECK(base64_decode(std::string_view(a.client_first()).substr(8), raw));
    CHECK(raw.size() == 18);

    ScramClient e("pw", "abc", "a,b=c");
    CHECK(e.client_first() == "n,,n=a=2Cb=3Dc,r=abc");

    ScramClient bad("pw", "has,comma");
    CHECK(bad.client_first().empty());
    CHECK_FALSE(bad.handle_server_first("r=has,commaXYZ,s=QSXCR+Q6sek8bf92,i=1"));
    CHECK(bad.error() == "SCRAM: invalid client nonce");
}

TEST_CASE("SCRAM: server-first rejections") {
    const std::string salt = ",s=W22ZaJ0SNY7soEsUEjb6gQ==";
    const std::string r = "r=rOprNGfwEbeRWgbNEkqO%hvY";

    SUBCASE("nonce mismatch") {
        CHECK(first_error("r=rOprNGfwEbeRWgbNEkqP%hvY" + salt + ",i=4096") == "SCRAM: nonce mismatch");
        CHECK(first_error("r=rOprNGfwEbe" + salt + ",i=4096") == "SCRAM: nonce mismatch");  // shorter than ours
        CHECK(first_error("r=XrOprNGfwEbeRWgbNEkqO" + salt + ",i=4096") == "SCRAM: nonce mismatch");
    }
    SUBCASE("no server part in the nonce") {
        CHECK(first_error("r=rOprNGfwEbeRWgbNEkqO" + salt + ",i=4096") == "SCRAM: server nonce missing");
    }
    SUBCASE("non-printable server nonce") {
        CHECK(first_error("r=rOprNGfwEbeRWgbNEkqO\x7f" + salt + ",i=4096") ==
              "SCRAM: invalid character in server nonce");
        CHECK(first_error("r=rOprNGfwEbeRWgbNEkqO x" + salt + ",i=4096") == "SCRAM: invalid character in server nonce");
    }
    SUBCASE("bad base64 salt") {
        CHECK(first_error(r + ",s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096") == "SCRAM: invalid base64 salt");
        CHECK(first_error(r + ",s=W22ZaJ0SNY7soEsUEjb6gQ!=,i=4096") == "SCRAM: invalid base64 salt");
        CHECK(first_error(r + ",s=W22Z=J0SNY7soEsUEjb6gQ==,i=4096") == "SCRAM: invalid base64 salt");
        CHECK(first_error(r + ",s=,i=4096") == "SCRAM: empty salt");
    }
    SUBCASE("iteration count") {
        CHECK(first_error(r + salt + ",i=0") == "SCRAM: invalid iteration count");
        CHECK(first_error(r + salt + ",i=-1") == "SCRAM: invalid iteration count");
        CHECK(first_error(r + salt + ",i=") == "SCRAM: invalid iteration count");
        CHECK(first_error(r + salt + ",i=+4096") == "SCRAM: invalid iteration count");
        CHECK(first_error(r + salt + ",i=04096") == "SCRAM: invalid iteration count");
        CHECK(first_error(r + salt + ",i=4096 ") == "SCRAM: invalid iteration count");
        CHECK(first_error(r + salt + ",i=0x1000") == "SCRAM: invalid iteration count");
        CHECK(first_error(r + salt + ",i=1048577") == "SCRAM: iteration count too high");  // kMaxIterations + 1
        CHECK(first_error(r + salt + ",i=4294967296") == "SCRAM: iteration count too high");
        CHECK(first_error(r + salt + ",i=99999999999999999999999999") == "SCRAM: iteration count too high");
    }
    SUBCASE("configured iteration cap") {
        ScramClient at_cap("pencil", std::string(kRfcNonce));
        at_cap.set_max_iterations(4096);
        CHECK(at_cap.handle_server_first(kRfcServerFirst));
        ScramClient over("pencil", std::string(kRfcNonce));
        over.set_max_iterations(4095);
        CHECK_FALSE(over.handle_server_first(kRfcServerFirst));
        CHECK(over.error() == "SCRAM: iteration count too high");
    }
    SUBCASE("missing or misordered attributes") {
        CHECK(first_error(r + salt) == "SCRAM: malformed server-first-message (i=)");
        CHECK(first_error(r + ",i=4096") == "SCRAM: malformed server-first-message (s=)");
        CHECK(first_error(salt.substr(1) + ",i=4096") == "SCRAM: malformed server-first-message (r=)");
        CHECK(first_error(r) == "SCRAM: malformed server-first-message (s=)");
        CHECK(first_error(salt.substr(1) + "," + r + ",i=4096") == "SCRAM: malformed server-first-message (r=)");
        CHECK(first_error("R=rOprNGfwEbeRWgbNEkqO%hvY" + salt + ",i=4096") ==
              "SCRAM: malformed server-first-message (r=)");
        CHECK(first_error(r + salt + ",x=1,i=4096") == "SCRAM: malformed server-first-message (i=)");
    }
    SUBCASE("extensions and trailing data") {
        CHECK(first_error("m=ext," + r + salt + ",i=4096") ==
              "SCRAM: unsupported mandatory extension in server-first-message");
        CHECK(first_error(r + salt + ",i=4096,x=ext") == "SCRAM: malformed server-first-message (trailing data)");
        CHECK(first_error(r + salt + ",i=4096,") == "SCRAM: malformed server-first-message (trailing data)");
    }
    SUBCASE("empty message and embedded NUL") {
        CHECK(first_error("") == "SCRAM: empty server-first-message");
        CHECK(first_error(r + "\0"s + salt + ",i=4096") == "SCRAM: NUL byte in server-first-message");
        CHECK(first_error(std::string(kRfcServerFirst) + "\0"s) == "SCRAM: NUL byte in server-first-message");
    }
}

TEST_CASE("SCRAM: server-final rejections") {
    SUBCASE("server error") {
        CHECK(final_error("e=invalid-proof") == "SCRAM: server error: invalid-proof");
        CHECK(final_error("e=other-error,x=1") == "SCRAM: server error: other-error");
    }
    SUBCASE("wrong signature") {
        CHECK(final_error("v=4HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg=") == "SCRAM: incorrect server signature");
        CHECK(final_error("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") == "SCRAM: incorrect server signature");
    }
    SUBCASE("signature of the wrong length") {
        CHECK(final_error("v=AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ==") ==
              "SCRAM: server signature has the wrong length");  // 31 bytes
        CHECK(final_error("v=") == "SCRAM: server signature has the wrong length");
        CHECK(final_error("v=" + base64_encode(std::string(33, '\1'))) ==
              "SCRAM: server signature has the wrong length");
    }
    SUBCASE("bad base64 signature") {
        CHECK(final_error("v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg") == "SCRAM: invalid base64 server signature");
        CHECK(final_error("v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSO*=") ==
              "SCRAM: invalid base64 server signature");
        CHECK(final_error("v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg=AAAA") ==
              "SCRAM: invalid base64 server signature");
    }
    SUBCASE("missing v=") {
        CHECK(final_error("x=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg=") ==
              "SCRAM: malformed server-final-message (v=)");
        CHECK(final_error("3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg=") ==
              "SCRAM: malformed server-final-message (v=)");
    }
    SUBCASE("trailing garbage") {
        CHECK(final_error(std::string(kPgServerFinal) + ",x=1") ==
              "SCRAM: malformed server-final-message (trailing data)");
        CHECK(final_error(std::string(kPgServerFinal) + ",") ==
              "SCRAM: malformed server-final-message (trailing data)");
    }
    SUBCASE("empty message and embedded NUL") {
        CHECK(final_error("") == "SCRAM: empty server-final-message");
        CHECK(final_error(std::string(kPgServerFinal) + "\0"s) == "SCRAM: NUL byte in server-final-message");
    }
}

TEST_CASE("SCRAM: steps out of order") {
    SUBCASE("server-final before server-first") {
        ScramClient c("pencil", std::string(kRfcNonce));
        CHECK_FALSE(c.handle_server_final(kPgServerFinal));
        CHECK(c.error() == "SCRAM: unexpected server-final-message");
        CHECK_FALSE(c.finished());
    }
    SUBCASE("server-first twice") {
        ScramClient c = pg_client_after_first();
        CHECK_FALSE(c.handle_server_first(kRfcServerFirst));
        CHECK(c.error() == "SCRAM: unexpected server-first-message");
    }
    SUBCASE("a failed exchange stays failed and keeps its first reason") {
        ScramClient c = pg_client_after_first();
        CHECK_FALSE(c.handle_server_final("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        CHECK_FALSE(c.handle_server_final(kPgServerFinal));
        CHECK(c.error() == "SCRAM: incorrect server signature");
        CHECK_FALSE(c.finished());
    }
    SUBCASE("server-final after success") {
        ScramClient c = pg_client_after_first();
        REQUIRE(c.handle_server_final(kPgServerFinal));
        CHECK_FALSE(c.handle_server_final(kPgServerFinal));
        CHECK(c.error() == "SCRAM: unexpected server-final-message");
    }
}

// --- channel binding (SCRAM-SHA-256-PLUS, tls-server-end-point) -------------------------------

namespace {

// Known answers computed independently with Python's hashlib/hmac/base64 (RFC 5802 by hand):
//   salted = hashlib.pbkdf2_hmac("sha256", b"plus secret", bytes(range(0x10, 0x20)), 4096)
//   auth   = "n=,r=<client nonce>," + server_first + ",c=" + b64(gs2 + data) + ",r=<server nonce>"
//   proof  = HMAC(salted,"Client Key") XOR HMAC(SHA256(HMAC(salted,"Client Key")), auth)
//   v      = HMAC(HMAC(salted, "Server Key"), auth)
// with gs2 = "n,,", "y,," or "p=tls-server-end-point,," and data = bytes(range(0xa0, 0xc0)) (plus only).
constexpr std::string_view kPlusPassword = "plus secret";
constexpr std::string_view kPlusNonce = "uvpgPlusClientNonce01234";
constexpr std::string_view kPlusServerFirst =
    "r=uvpgPlusClientNonce01234ServerPart+/Xyz9,s=EBESExQVFhcYGRobHB0eHw==,i=4096";

// 32 bytes a0..bf: stands for the SHA-256 of the server certificate.
std::string plus_binding_data() {
    std::string d;
    for (int i = 0xa0; i < 0xc0; ++i) d += static_cast<char>(i);
    return d;
}

ScramBinding binding(ScramBinding::Flag flag, std::string data = {}) { return ScramBinding{flag, std::move(data)}; }

ScramClient plus_client(std::string data = plus_binding_data()) {
    return ScramClient(std::string(kPlusPassword), std::string(kPlusNonce), {},
                       binding(ScramBinding::Flag::plus, std::move(data)));
}

}  // namespace

TEST_CASE("SCRAM channel binding: client-first and mechanism for each flag") {
    ScramClient n("pw", "abc", {}, binding(ScramBinding::Flag::none));
    CHECK(n.client_first() == "n,,n=,r=abc");
    CHECK(std::string_view(n.mechanism()) == "SCRAM-SHA-256");

    ScramClient y("pw", "abc", {}, binding(ScramBinding::Flag::supported));
    CHECK(y.client_first() == "y,,n=,r=abc");
    CHECK(std::string_view(y.mechanism()) == "SCRAM-SHA-256");

    ScramClient p("pw", "abc", {}, binding(ScramBinding::Flag::plus, plus_binding_data()));
    CHECK(p.client_first() == "p=tls-server-end-point,,n=,r=abc");
    CHECK(std::string_view(p.mechanism()) == "SCRAM-SHA-256-PLUS");

    // The user name is escaped after the header as before; the old constructors mean "n".
    ScramClient pu("pw", "abc", "a,b", binding(ScramBinding::Flag::plus, "x"));
    CHECK(pu.client_first() == "p=tls-server-end-point,,n=a=2Cb,r=abc");
    ScramClient old("pw", "abc");
    CHECK(old.client_first() == "n,,n=,r=abc");
    CHECK(std::string_view(old.mechanism()) == "SCRAM-SHA-256");

    // Random nonces with a binding.
    ScramClient ry("pw", binding(ScramBinding::Flag::supported));
    REQUIRE(ry.client_first().size() == 8 + 24);
    CHECK(ry.client_first().starts_with("y,,n=,r="));
    ScramClient rp("pw", binding(ScramBinding::Flag::plus, plus_binding_data()));
    CHECK(rp.client_first().starts_with("p=tls-server-end-point,,n=,r="));
    CHECK(rp.client_first().size() == 29 + 24);
    CHECK(std::string_view(rp.mechanism()) == "SCRAM-SHA-256-PLUS");
    ScramClient rn("pw", ScramBinding{});
    CHECK(rn.client_first().starts_with("n,,n=,r="));
}

TEST_CASE("SCRAM channel binding: c= in client-final for each flag") {
    const std::string prefix = "r=uvpgPlusClientNonce01234ServerPart+/Xyz9,p=";
    SUBCASE("n: base64(\"n,,\")") {
        ScramClient c(std::string(kPlusPassword), std::string(kPlusNonce), {}, binding(ScramBinding::Flag::none));
        REQUIRE(c.handle_server_first(kPlusServerFirst));
        CHECK(c.client_final().starts_with("c=biws," + prefix));
    }
    SUBCASE("y: base64(\"y,,\")") {
        ScramClient c(std::string(kPlusPassword), std::string(kPlusNonce), {}, binding(ScramBinding::Flag::supported));
        REQUIRE(c.handle_server_first(kPlusServerFirst));
        CHECK(c.client_final().starts_with("c=eSws," + prefix));
    }
    SUBCASE("p: base64(gs2 header + binding data)") {
        ScramClient c = plus_client();
        REQUIRE(c.handle_server_first(kPlusServerFirst));
        const std::string c_value = base64_encode("p=tls-server-end-point,," + plus_binding_data());
        CHECK(c_value == "cD10bHMtc2VydmVyLWVuZC1wb2ludCwsoKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=");
        CHECK(c.client_final().starts_with("c=" + c_value + "," + prefix));
    }
    SUBCASE("binding data is ignored without p") {
        ScramClient c(std::string(kPlusPassword), std::string(kPlusNonce), {},
                      binding(ScramBinding::Flag::supported, plus_binding_data()));
        REQUIRE(c.handle_server_first(kPlusServerFirst));
        CHECK(c.client_final().starts_with("c=eSws,"));
    }
}

TEST_CASE("SCRAM channel binding: complete exchanges, known answers from Python") {
    SUBCASE("SCRAM-SHA-256-PLUS with tls-server-end-point") {
        ScramClient c = plus_client();
        CHECK(c.client_first() == "p=tls-server-end-point,,n=,r=uvpgPlusClientNonce01234");
        REQUIRE(c.handle_server_first(kPlusServerFirst));
        CHECK(c.client_final() ==
              "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCwsoKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=,"
              "r=uvpgPlusClientNonce01234ServerPart+/Xyz9,p=zHzMphnVytWUkyIOwl8cEzmRm66vJGMjMUvTOLJh9Zc=");
        CHECK_FALSE(c.finished());
        CHECK(c.handle_server_final("v=CYTxk9h/YcjMtg61g+TcbuSQOrUnv5mJ0VJVbOHS1nw="));
        CHECK(c.finished());
        CHECK(c.error().empty());
    }
    SUBCASE("y flag") {
        ScramClient c(std::string(kPlusPassword), std::string(kPlusNonce), {}, binding(ScramBinding::Flag::supported));
        REQUIRE(c.handle_server_first(kPlusServerFirst));
        CHECK(c.client_final() ==
              "c=eSws,r=uvpgPlusClientNonce01234ServerPart+/Xyz9,p=azBhGZCBYchkAxafYBByK5oa/58osN6xUBUNDrSyV6I=");
        CHECK(c.handle_server_final("v=pAhJffDHxjAbQgFTAqKRpUzr+G7eKxSG/k6JCaf+1fE="));
        CHECK(c.finished());
    }
    SUBCASE("n flag, same inputs") {
        ScramClient c{std::string(kPlusPassword), std::string(kPlusNonce)};
        REQUIRE(c.handle_server_first(kPlusServerFirst));
        CHECK(c.client_final() ==
              "c=biws,r=uvpgPlusClientNonce01234ServerPart+/Xyz9,p=gMaSLJyhgaS9uMUv2/tzOj53W33rXD82Kioe2ZO5tbk=");
        CHECK(c.handle_server_final("v=10aXzGFITfNwYEDWqoBWEn4NUgFLMJrry2m/8YE3U3c="));
        CHECK(c.finished());
    }
}

TEST_CASE("SCRAM channel binding: rejections") {
    SUBCASE("server-final with a wrong signature") {
        ScramClient c = plus_client();
        REQUIRE(c.handle_server_first(kPlusServerFirst));
        CHECK_FALSE(c.handle_server_final("v=DYTxk9h/YcjMtg61g+TcbuSQOrUnv5mJ0VJVbOHS1nw="));
        CHECK(c.error() == "SCRAM: incorrect server signature");
        CHECK_FALSE(c.finished());
    }
    SUBCASE("the signature of the unbound exchange does not verify the bound one") {
        // The binding is part of AuthMessage: a server that saw "n,," (or other certificate data)
        // computes another signature.
        ScramClient c = plus_client();
        REQUIRE(c.handle_server_first(kPlusServerFirst));
        CHECK_FALSE(c.handle_server_final("v=10aXzGFITfNwYEDWqoBWEn4NUgFLMJrry2m/8YE3U3c="));
        CHECK(c.error() == "SCRAM: incorrect server signature");

        std::string other = plus_binding_data();
        other[31] = '\x00';
        ScramClient d = plus_client(other);
        REQUIRE(d.handle_server_first(kPlusServerFirst));
        CHECK_FALSE(d.handle_server_final("v=CYTxk9h/YcjMtg61g+TcbuSQOrUnv5mJ0VJVbOHS1nw="));
        CHECK(d.error() == "SCRAM: incorrect server signature");
    }
    SUBCASE("server error in server-final") {
        ScramClient c = plus_client();
        REQUIRE(c.handle_server_first(kPlusServerFirst));
        CHECK_FALSE(c.handle_server_final("e=channel-bindings-dont-match"));
        CHECK(c.error() == "SCRAM: server error: channel-bindings-dont-match");
        CHECK_FALSE(c.finished());
    }
    SUBCASE("the server nonce must start with the client's") {
        ScramClient c = plus_client();
        CHECK_FALSE(c.handle_server_first("r=XuvpgPlusClientNonce01234Srv,s=EBESExQVFhcYGRobHB0eHw==,i=4096"));
        CHECK(c.error() == "SCRAM: nonce mismatch");
        CHECK(c.client_final().empty());
        ScramClient d = plus_client();
        CHECK_FALSE(d.handle_server_first("r=uvpgPlusClientNonce01234,s=EBESExQVFhcYGRobHB0eHw==,i=4096"));
        CHECK(d.error() == "SCRAM: server nonce missing");
        ScramClient e(std::string(kPlusPassword), std::string(kPlusNonce), {}, binding(ScramBinding::Flag::supported));
        CHECK_FALSE(e.handle_server_first("r=uvpgPlusClientNonce0123XServer,s=EBESExQVFhcYGRobHB0eHw==,i=4096"));
        CHECK(e.error() == "SCRAM: nonce mismatch");
    }
    SUBCASE("plus without binding data") {
        ScramClient c("pw", "abc", {}, binding(ScramBinding::Flag::plus));
        CHECK(c.client_first().empty());
        CHECK(c.error() == "SCRAM: channel binding data missing");
        CHECK_FALSE(c.handle_server_first("r=abcdef,s=QUJD,i=1"));
        CHECK(c.error() == "SCRAM: channel binding data missing");  // the first reason is kept
        ScramClient r("pw", binding(ScramBinding::Flag::plus));
        CHECK(r.client_first().empty());
        CHECK(r.error() == "SCRAM: channel binding data missing");
    }
    SUBCASE("invalid flag value") {
        ScramClient c("pw", "abc", {}, binding(static_cast<ScramBinding::Flag>(7), "x"));
        CHECK(c.client_first().empty());
        CHECK(c.error() == "SCRAM: invalid channel binding flag");
    }
    SUBCASE("an invalid nonce is reported before the binding") {
        ScramClient c("pw", "has,comma", {}, binding(ScramBinding::Flag::plus));
        CHECK(c.client_first().empty());
        CHECK(c.error() == "SCRAM: invalid client nonce");
    }
}

TEST_CASE("SASLprep as PostgreSQL applies it to passwords") {
    CHECK(saslprep_password("") == "");
    CHECK(saslprep_password("pencil") == "pencil");
    CHECK(saslprep_password("tab\there\x01") == "tab\there\x01");               // ASCII is never touched
    CHECK(saslprep_password("p\xc3\xa4ss") == "p\xc3\xa4ss");                   // nothing to map
    CHECK(saslprep_password("pa\xcc\x88ss") == "p\xc3\xa4ss");                  // NFKC composes a + U+0308
    CHECK(saslprep_password("\xef\xbd\x93\xef\xbd\x85\xef\xbd\x83") == "sec");  // fullwidth: NFKC
    CHECK(saslprep_password("a\xc2\xa0"
                            "b") == "a b");  // U+00A0 -> space
    CHECK(saslprep_password("a\xe3\x80\x80"
                            "b") == "a b");  // U+3000 -> space
    CHECK(saslprep_password("a\xe2\x80\x8b"
                            "b") == "a b");  // U+200B is a space first
    CHECK(saslprep_password("a\xc2\xad"
                            "b") == "ab");  // U+00AD dropped
    CHECK(saslprep_password("a\xef\xbb\xbf"
                            "b\xef\xb8\x8f") == "ab");   // U+FEFF, U+FE0F dropped
    CHECK(saslprep_password("\xc2\xad") == "\xc2\xad");  // empty after mapping: raw bytes
    // Not UTF-8 (lone continuation byte, overlong '/', surrogate, truncated): raw bytes.
    CHECK(saslprep_password("a\xc2\xa0\x80") == "a\xc2\xa0\x80");
    CHECK(saslprep_password("\xc0\xaf\xc2\xa0") == "\xc0\xaf\xc2\xa0");
    CHECK(saslprep_password("\xed\xa0\x80\xc2\xa0") == "\xed\xa0\x80\xc2\xa0");
    CHECK(saslprep_password("\xc2\xa0\xe3\x80") == "\xc2\xa0\xe3\x80");
    // A prohibited character left after mapping: SASLprep fails and PostgreSQL uses the raw bytes.
    CHECK(saslprep_password("\xc2\xa0\x01") == "\xc2\xa0\x01");                          // C.2.1
    CHECK(saslprep_password("\xc2\xa0\xc2\x85") == "\xc2\xa0\xc2\x85");                  // C.2.2
    CHECK(saslprep_password("\xc2\xa0\xee\x80\x80") == "\xc2\xa0\xee\x80\x80");          // C.3
    CHECK(saslprep_password("\xc2\xa0\xef\xbf\xbe") == "\xc2\xa0\xef\xbf\xbe");          // C.4
    CHECK(saslprep_password("\xc2\xa0\xe2\x80\x8e") == "\xc2\xa0\xe2\x80\x8e");          // C.8
    CHECK(saslprep_password("\xc2\xa0\xf3\xa0\x80\x81") == "\xc2\xa0\xf3\xa0\x80\x81");  // C.9
}

TEST_CASE("MD5 password hash, known answers from Python hashlib") {
    const std::uint8_t s1[4] = {1, 2, 3, 4};
    CHECK(md5_password("postgres", "secret", s1) == "md5bb41a296aab6baccb36ff243a562abff");
    const std::uint8_t s2[4] = {0, 0, 0, 0};
    CHECK(md5_password("uvpg_md5", "", s2) == "md5a2aa6c72fe3d16f7dec28c02af6d48b2");
    const std::uint8_t s3[4] = {0xff, 0x80, 0x7f, 0x00};
    CHECK(md5_password("alice", "p\xc3\xa4ss word", s3) == "md59543d0d7f0962068fe0f1eab600e9e97");
    const std::uint8_t s4[4] = {0xde, 0xad, 0xbe, 0xef};
    CHECK(md5_password("", "x", s4) == "md54f9c67371c23cf527de39ef84d8f5a6d");
}

TEST_CASE("base64 round trips") {
    const std::pair<std::string_view, std::string_view> known[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (auto [plain, encoded] : known) {
        CAPTURE(plain);
        CHECK(base64_encode(plain) == encoded);
        std::string out = "junk";
        CHECK(base64_decode(encoded, out));
        CHECK(out == plain);
    }
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (std::size_t n = 0; n <= all.size(); n += 37) {
        std::string_view in = std::string_view(all).substr(0, n);
        std::string out;
        CHECK(base64_decode(base64_encode(in), out));
        CHECK(out == in);
    }
    std::string out;
    CHECK(base64_decode("AAECAwQFBgcICQ==", out));
    CHECK(out == std::string("\0\1\2\3\4\5\6\7\x08\x09", 10));
    CHECK(base64_decode("Zh==", out));  // unused bits set: accepted, as PostgreSQL's decoder does
    CHECK(out == "f");
}

TEST_CASE("base64 rejections") {
    std::string out;
    for (std::string_view bad : {"Z", "Zg", "Zg=", "Zm9vY", "Zg===", "====", "Z===", "=Zg=", "Zg=A",
                                 "Z=g=", "Zm9v Yg==", "Zm9v\nYg==", "Zm9v-_==", "Zg==Zg==", "Zm9\x80"}) {
        CAPTURE(bad);
        CHECK_FALSE(base64_decode(bad, out));
    }
    CHECK_FALSE(base64_decode(std::string_view("Zm9\0", 4), out));
}
