// SASLprep for SCRAM passwords, as PostgreSQL's pg_saslprep: mapping, NFKC, prohibited and
// unassigned code points, the bidi rule. Tables: proto/saslprep_tables.cpp (generated).
#include "proto/saslprep.hpp"

#include "proto/saslprep_tables.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdint>

namespace uvpg::proto {
namespace {

namespace T = saslprep_tables;

bool in_table(std::span<const T::Range> table, char32_t c) {
    auto it =
        std::upper_bound(table.begin(), table.end(), c, [](char32_t v, const T::Range& r) { return v < r.first; });
    return it != table.begin() && c <= std::prev(it)->last;
}

int combining_class(char32_t c) {
    const auto& table = T::kCombiningClasses;
    auto it =
        std::upper_bound(table.begin(), table.end(), c, [](char32_t v, const T::ClassRange& r) { return v < r.first; });
    return it != table.begin() && c <= std::prev(it)->last ? std::prev(it)->ccc : 0;
}

// Hangul syllables decompose and compose by arithmetic (Unicode section 3.12).
constexpr char32_t kSBase = 0xac00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11a7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

void decompose(char32_t c, std::u32string& out) {
    if (c >= kSBase && c < kSBase + kSCount) {
        const char32_t s = c - kSBase;
        out += static_cast<char32_t>(kLBase + s / kNCount);
        out += static_cast<char32_t>(kVBase + s % kNCount / kTCount);
        if (s % kTCount) out += static_cast<char32_t>(kTBase + s % kTCount);
        return;
    }
    static const T::DecompositionTable* const tables[] = {&T::kCanonical,        &T::kCanonicalSingletons,
                                                          &T::kFontVariants,     &T::kArabicForms,
                                                          &T::kWidthAndPosition, &T::kCompatibility};
    for (const T::DecompositionTable* table : tables) {
        const auto& index = table->index;
        auto it = std::lower_bound(index.begin(), index.end(), c,
                                   [](const T::Decomposition& d, char32_t v) { return d.cp < v; });
        if (it != index.end() && it->cp == c) {
            out.append(table->codes.data() + it->offset, it->length);
            return;
        }
    }
    out += c;
}

// The primary composite of a canonical pair, or 0 when the pair does not compose.
char32_t compose(char32_t a, char32_t b) {
    if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
        return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount)
        return a + (b - kTBase);
    const auto& pairs = T::kCompositions;
    auto it = std::lower_bound(pairs.begin(), pairs.end(), std::pair{a, b}, [](const T::Composition& p, auto key) {
        return p.first < key.first || (p.first == key.first && p.second < key.second);
    });
    return it != pairs.end() && it->first == a && it->second == b ? it->composite : 0;
}

// Strict UTF-8, as pg_utf8_islegal: no overlongs, surrogates or code points above U+10FFFF.
bool decode_utf8(std::string_view s, std::u32string& out) {
    out.clear();
    for (std::size_t i = 0; i < s.size();) {
        auto b0 = static_cast<unsigned char>(s[i]);
        std::size_t n;
        char32_t cp, min;
        if (b0 < 0x80) {
            n = 1;
            cp = b0;
            min = 0;
        } else if ((b0 & 0xe0) == 0xc0) {
            n = 2;
            cp = b0 & 0x1f;
            min = 0x80;
        } else if ((b0 & 0xf0) == 0xe0) {
            n = 3;
            cp = b0 & 0x0f;
            min = 0x800;
        } else if ((b0 & 0xf8) == 0xf0) {
            n = 4;
            cp = b0 & 0x07;
            min = 0x10000;
        } else return false;
        if (s.size() - i < n) return false;
        for (std::size_t k = 1; k < n; ++k) {
            auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (b & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        out += cp;
        i += n;
    }
    return true;
}

void encode_utf8(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
}

// The password's code points go nowhere else: wiped before the memory is freed.
struct Wiped {
    std::u32string text;
    ~Wiped() { OPENSSL_cleanse(text.data(), text.size() * sizeof(char32_t)); }
};

}  // namespace

namespace detail {

std::u32string nfkc(std::u32string_view text) {
    std::u32string d;
    d.reserve(text.size());
    for (char32_t c : text) decompose(c, d);
    // Canonical ordering: each run of non-starters sorted by combining class, stably.
    for (std::size_t i = 0; i < d.size();) {
        if (combining_class(d[i]) == 0) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < d.size() && combining_class(d[j]) != 0) ++j;
        std::stable_sort(d.begin() + static_cast<std::ptrdiff_t>(i), d.begin() + static_cast<std::ptrdiff_t>(j),
                         [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
        i = j;
    }
    // Canonical composition: a character joins the last starter unless something between them
    // blocks it (a character of the same or a higher class, or a starter that stayed).
    std::u32string out;
    out.reserve(d.size());
    std::size_t starter = std::u32string::npos;
    int last_class = -1;  // class of the last character kept after the starter; -1: none
    for (char32_t c : d) {
        const int cc = combining_class(c);
        if (starter != std::u32string::npos && (last_class == -1 || last_class < cc)) {
            if (char32_t composite = compose(out[starter], c)) {
                out[starter] = composite;
                continue;
            }
        }
        if (cc == 0) {
            starter = out.size();
            last_class = -1;
        } else {
            last_class = cc;
        }
        out += c;
    }
    return out;
}

const char* nfkc_unicode_version() { return T::kUnicodeVersion; }

}  // namespace detail

SaslprepResult saslprep(std::string_view input, std::string& output) {
    output.clear();
    if (std::all_of(input.begin(), input.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
        output = input;  // ASCII skips every step, even for control characters
        return SaslprepResult::success;
    }
    Wiped chars, mapped_text, normalised;
    if (!decode_utf8(input, chars.text)) return SaslprepResult::invalid_utf8;

    // 1. Map. U+200B is in both tables; C.1.2 is looked at first, so it becomes a space.
    std::u32string& mapped = mapped_text.text;
    mapped.reserve(chars.text.size());
    for (char32_t c : chars.text) {
        if (in_table(T::kNonAsciiSpace, c)) mapped += U' ';
        else if (!in_table(T::kMappedToNothing, c)) mapped += c;
    }
    if (mapped.empty()) return SaslprepResult::prohibited;  // no empty passwords

    // 3. Prohibit and 4. bidi. PostgreSQL checks the mapped string, not the normalised one
    // that RFC 3454 names; the server stored what its own check decided, so we check the same.
    for (char32_t c : mapped)
        if (in_table(T::kProhibited, c) || in_table(T::kUnassigned, c)) return SaslprepResult::prohibited;
    if (std::any_of(mapped.begin(), mapped.end(), [](char32_t c) { return in_table(T::kRandALCat, c); })) {
        if (std::any_of(mapped.begin(), mapped.end(), [](char32_t c) { return in_table(T::kLCat, c); }))
            return SaslprepResult::prohibited;
        if (!in_table(T::kRandALCat, mapped.front()) || !in_table(T::kRandALCat, mapped.back()))
            return SaslprepResult::prohibited;
    }

    // 2. Normalise.
    normalised.text = detail::nfkc(mapped);
    output.reserve(4 * normalised.text.size());  // no reallocation leaves a copy behind
    for (char32_t c : normalised.text) encode_utf8(c, output);
    return SaslprepResult::success;
}

std::string saslprep_password(std::string_view password) {
    std::string prepared;
    if (saslprep(password, prepared) != SaslprepResult::success) return std::string(password);
    return prepared;
}

}  // namespace uvpg::proto
