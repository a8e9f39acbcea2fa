// SASLprep (RFC 4013) as PostgreSQL's pg_saslprep applies it, and the NFKC under it checked
// against Unicode's own conformance file (NormalizationTest.txt, Debian's unicode-data package).
#include "proto/saslprep.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using uvpg::proto::saslprep;
using uvpg::proto::saslprep_password;
using uvpg::proto::SaslprepResult;
using uvpg::proto::detail::nfkc;

namespace {

struct Prepared {
    SaslprepResult result;
    std::string output;
};

Prepared prep(std::string_view in) {
    Prepared p;
    p.result = saslprep(in, p.output);
    return p;
}

bool succeeds_as(std::string_view in, std::string_view out) {
    const Prepared p = prep(in);
    return p.result == SaslprepResult::success && p.output == out && saslprep_password(in) == out;
}

// Refused with `why`, and then hashed as the raw bytes.
bool refused(std::string_view in, SaslprepResult why) {
    const Prepared p = prep(in);
    return p.result == why && p.output.empty() && saslprep_password(in) == in;
}

// "1E0A 0323" -> code points.
std::u32string code_points(const std::string& field) {
    std::u32string out;
    std::istringstream in(field);
    std::string hex;
    while (in >> hex) out += static_cast<char32_t>(std::stoul(hex, nullptr, 16));
    return out;
}

}  // namespace

TEST_CASE("SASLprep: RFC 4013 section 3's examples") {
    CHECK(
        succeeds_as("I\xc2\xad"
                    "X",
                    "IX"));                    // SOFT HYPHEN mapped to nothing
    CHECK(succeeds_as("user", "user"));        // no transformation
    CHECK(succeeds_as("USER", "USER"));        // case preserved
    CHECK(succeeds_as("\xc2\xaa", "a"));       // U+00AA: NFKC
    CHECK(succeeds_as("\xe2\x85\xa8", "IX"));  // U+2168 ROMAN NUMERAL NINE: NFKC
    // U+0007: prohibited by the RFC, but PostgreSQL returns any ASCII string as it is.
    CHECK(succeeds_as("\x07", "\x07"));
    // U+0627 U+0031: the bidi rule fails (a RandALCat character that does not end the string).
    CHECK(
        refused("\xd8\xa7"
                "1",
                SaslprepResult::prohibited));
}

TEST_CASE("SASLprep: mapping, then NFKC") {
    CHECK(succeeds_as("\xef\xbd\x93\xef\xbd\x85\xef\xbd\x83\xef\xbd\x92\xef\xbd\x85\xef\xbd\x94", "secret"));
    CHECK(succeeds_as("cafe\xcc\x81", "caf\xc3\xa9"));  // e + U+0301 composes
    CHECK(succeeds_as("caf\xc3\xa9", "caf\xc3\xa9"));
    CHECK(
        succeeds_as("\xef\xac\x81"
                    "x",
                    "fix"));                                                     // U+FB01 ligature fi
    CHECK(succeeds_as("\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8", "\xea\xb0\x81"));  // jamo -> Hangul U+AC01
    CHECK(succeeds_as("\xea\xb0\x81", "\xea\xb0\x81"));
    // Combining marks reordered by class, then composed: a + U+0323 (220) + U+0302 (230)
    // and a + U+0302 + U+0323 both become U+1EAD.
    CHECK(succeeds_as("a\xcc\x82\xcc\xa3", "\xe1\xba\xad"));
    CHECK(succeeds_as("a\xcc\xa3\xcc\x82", "\xe1\xba\xad"));
    // A C.1.2 space becomes U+0020 before normalising; U+200B is in C.1.2 and B.1: a space.
    CHECK(
        succeeds_as("a\xe2\x80\x83\xe2\x80\x8b"
                    "b\xe2\x80\x8c",
                    "a  b"));
    CHECK(succeeds_as("\xf0\x9d\x90\x80", "A"));  // U+1D400 MATHEMATICAL BOLD A
}

TEST_CASE("SASLprep: what PostgreSQL refuses, and hashes as the raw bytes") {
    using R = SaslprepResult;
    // Not UTF-8: lone continuation byte, overlong, surrogate, past U+10FFFF, truncated, 5 bytes.
    for (std::string_view bad :
         {"\xc3\xa9\x80", "\xc0\xaf\xc3\xa9", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "\xf8\x88\x80\x80\x80"}) {
        CAPTURE(std::string(bad));
        CHECK(refused(bad, R::invalid_utf8));
    }
    CHECK(refused("\xc2\xad", R::prohibited));  // empty after mapping
    CHECK(refused("\xc2\xad\xef\xbb\xbf", R::prohibited));
    CHECK(refused("\xc3\xa9\x01", R::prohibited));              // C.2.1 (in a non-ASCII string)
    CHECK(refused("\xc3\xa9\xc2\x85", R::prohibited));          // C.2.2
    CHECK(refused("\xc3\xa9\xee\x80\x80", R::prohibited));      // C.3 private use
    CHECK(refused("\xc3\xa9\xef\xbf\xbe", R::prohibited));      // C.4 non-character
    CHECK(refused("\xc3\xa9\xef\xbf\xbd", R::prohibited));      // C.6 U+FFFD
    CHECK(refused("\xc3\xa9\xe2\xbf\xb0", R::prohibited));      // C.7 U+2FF0
    CHECK(refused("\xc3\xa9\xe2\x80\x8e", R::prohibited));      // C.8 U+200E
    CHECK(refused("\xc3\xa9\xf3\xa0\x80\x81", R::prohibited));  // C.9 U+E0001
    CHECK(refused("\xc3\xa9\xf3\xb0\x80\x80", R::prohibited));  // C.3 plane 15
    // A.1: unassigned in Unicode 3.2, however assigned today (U+0221, U+1F600, U+9FA6).
    CHECK(refused("\xc8\xa1", R::prohibited));
    CHECK(refused("\xf0\x9f\x98\x80", R::prohibited));
    CHECK(refused("\xe9\xbe\xa6", R::prohibited));
    CHECK(succeeds_as("\xe9\xbe\xa5", "\xe9\xbe\xa5"));  // U+9FA5 was assigned
    // PostgreSQL checks the mapped string before NFKC: U+0340 (C.8) normalises to U+0300,
    // which is allowed, but the check already saw U+0340.
    CHECK(refused("a\xcd\x80", R::prohibited));
    CHECK(succeeds_as("a\xcc\x80", "\xc3\xa0"));
}

TEST_CASE("SASLprep: the bidi rule (RFC 3454 section 6)") {
    using R = SaslprepResult;
    CHECK(succeeds_as("\xd7\x90", "\xd7\x90"));  // U+05D0 alone
    CHECK(
        succeeds_as("\xd8\xa7"
                    "1\xd8\xa8",
                    "\xd8\xa7"
                    "1\xd8\xa8"));               // R/AL first and last, EN inside
    CHECK(refused("1\xd8\xa7", R::prohibited));  // RandALCat not first
    CHECK(
        refused("\xd7\x90"
                "a\xd7\x90",
                R::prohibited));                            // an LCat character with it
    CHECK(refused("\xd7\x90\xef\xbd\x93", R::prohibited));  // fullwidth s is LCat too
    // The first and last characters count after mapping: a dropped U+00AD does not end it.
    CHECK(succeeds_as("\xd7\x90\xc2\xad", "\xd7\x90"));
    // Without RandALCat characters, anything goes (EN, ON, L together).
    CHECK(
        succeeds_as("\xc3\xa9"
                    "1!",
                    "\xc3\xa9"
                    "1!"));
}

TEST_CASE("NFKC agrees with Unicode's NormalizationTest.txt") {
    // Debian's unicode-data package (scripts/deps.sh) ships it compressed.
    const char* path = "/usr/share/unicode/NormalizationTest.txt.bz2";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen((std::string("bzcat ") + path).c_str(), "r"), pclose);
    REQUIRE(pipe);
    std::string text;
    char buf[65536];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe.get())) > 0;) text.append(buf, n);
    REQUIRE(pclose(pipe.release()) == 0);
    INFO(
        "the file must exist (install unicode-data) and match the tables' Unicode version; if Debian's is newer, "
        "run tools/gen_saslprep.py");
    REQUIRE(
        text.starts_with("# NormalizationTest-" + std::string(uvpg::proto::detail::nfkc_unicode_version()) + ".txt"));

    std::istringstream lines(text);
    std::string line, part;
    std::set<char32_t> part1;  // code points listed alone in Part 1; every other one is its own NFKC
    std::size_t cases = 0, failures = 0;
    while (std::getline(lines, line)) {
        if (line.starts_with("@")) {
            part = line.substr(1, line.find(' ') == std::string::npos ? std::string::npos : line.find(' ') - 1);
            continue;
        }
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::u32string> c;
        std::istringstream fields(line.substr(0, line.find('#')));
        for (std::string f; c.size() < 5 && std::getline(fields, f, ';');) c.push_back(code_points(f));
        REQUIRE(c.size() == 5);
        if (part == "Part1") part1.insert(c[0][0]);
        for (const auto& x : c) {
            ++cases;
            if (nfkc(x) != c[3] && ++failures <= 10) FAIL_CHECK("NFKC differs on line: " << line);
        }
    }
    CHECK(cases > 90000);
    CHECK(failures == 0);
    std::size_t invariant = 0;
    for (char32_t cp = 0; cp <= 0x10ffff; ++cp) {
        if ((cp >= 0xd800 && cp <= 0xdfff) || part1.count(cp)) continue;
        ++invariant;
        const std::u32string one(1, cp);
        if (nfkc(one) != one && ++failures <= 10) FAIL_CHECK("NFKC changed U+" << std::hex << unsigned(cp));
    }
    CHECK(invariant > 1000000);
    CHECK(failures == 0);
}
