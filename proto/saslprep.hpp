// SASLprep (RFC 4013, the stringprep profile of RFC 3454) as PostgreSQL applies it to SCRAM
// passwords (src/common/saslprep.c), on both sides: the server when it stores a password, libpq
// when it logs in. What SCRAM hashes must be byte for byte what the server hashed.
#pragma once
#include <string>
#include <string_view>

namespace uvpg::proto {

enum class SaslprepResult {
    success,       // output holds the prepared password
    invalid_utf8,  // not UTF-8 (strict: no overlongs, surrogates or code points past U+10FFFF)
    prohibited,    // empty after mapping, a prohibited or unassigned code point, or a bidi failure
};

// pg_saslprep: ASCII is returned as it is. Otherwise C.1.2 spaces become U+0020, B.1 characters
// vanish, and the result is NFKC-normalised; it is refused when empty, when the mapped string
// holds a prohibited (C.1.2, C.2.1-C.9) or unassigned (A.1, Unicode 3.2) code point, or when it
// holds a right-to-left character (D.1) and any D.2 character or does not start and end with
// one. Like PostgreSQL, the checks look at the mapped string before normalisation.
SaslprepResult saslprep(std::string_view input, std::string& output);

// The bytes SCRAM hashes for a password: saslprep's output, or the password's raw bytes when
// saslprep fails, as libpq and the server both do.
std::string saslprep_password(std::string_view password);

namespace detail {
// Unicode normalisation form KC (UAX #15) with the tables' Unicode version.
std::u32string nfkc(std::u32string_view text);
// The Unicode version of nfkc's data, e.g. "15.0.0".
const char* nfkc_unicode_version();
}  // namespace detail

}  // namespace uvpg::proto
