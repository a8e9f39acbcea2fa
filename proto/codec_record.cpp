// Record (composite) and hstore codecs: binary send/recv forms and record_in/out, hstore_in/out text.
#include "proto/codec_container.hpp"

#include <cstdint>
#include <string>

#include "proto/codec_util.hpp"

// The text grammars follow PostgreSQL 18's record_in/record_out (rowtypes.c) and hstore_in/out
// (contrib/hstore), so what the server writes parses and what we write it accepts.

namespace uvpg::proto {
using namespace detail;

// ---- records ----

namespace {
CodecErrc parse_bin_record(ByteView in, BinRecord& out) {
    Cursor c{in};
    std::int32_t n = 0;
    if (!c.i32(n)) return CodecErrc::truncated;
    if (n < 0) return CodecErrc::bad_header;
    // Each field takes at least an oid and a length.
    if (static_cast<std::size_t>(n) > c.remaining() / 8) return CodecErrc::truncated;
    out.types.reserve(static_cast<std::size_t>(n));
    out.fields.reserve(static_cast<std::size_t>(n));
    for (std::int32_t i = 0; i < n; ++i) {
        std::int32_t oid = 0;
        if (!c.i32(oid)) return CodecErrc::truncated;
        std::optional<ByteView> v;
        if (CodecErrc e = read_value(c, v); e != CodecErrc::ok) return e;
        out.types.push_back(static_cast<std::uint32_t>(oid));
        out.fields.push_back(v);
    }
    return c.remaining() == 0 ? CodecErrc::ok : CodecErrc::trailing_bytes;
}
}  // namespace

CodecErrc bin_to_record(ByteView in, BinRecord& out) {
    out = BinRecord{};
    return reset_on_error(parse_bin_record(in, out), out);
}

void record_to_bin(std::span<const std::uint32_t> types, std::span<const std::optional<ByteView>> fields, Bytes& out) {
    put_i32(out, static_cast<std::int32_t>(fields.size()));
    for (std::size_t i = 0; i < fields.size(); ++i) {
        put_i32(out, static_cast<std::int32_t>(i < types.size() ? types[i] : 0));
        put_value(out, fields[i]);
    }
}

CodecErrc text_to_record(std::string_view in, std::vector<std::optional<std::string>>& fields) {
    fields.clear();
    std::size_t p = skip_space(in, 0);
    if (at(in, p) != '(') return CodecErrc::bad_text;
    ++p;
    for (;;) {
        const char c = at(in, p);
        if (c == ',' || c == ')') {
            fields.emplace_back(std::nullopt);  // nothing at all: NULL
        } else {
            std::string buf;
            if (CodecErrc e = read_quoted_field(in, p, ",)", buf); e != CodecErrc::ok) {
                fields.clear();
                return e;
            }
            fields.emplace_back(std::move(buf));
        }
        if (in[p++] == ')') break;  // read_quoted_field stopped on ',' or ')'
    }
    if (skip_space(in, p) != in.size()) {
        fields.clear();
        return CodecErrc::bad_text;
    }
    return CodecErrc::ok;
}

std::string record_to_text(std::span<const std::optional<std::string_view>> fields) {
    std::string out = "(";
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out += ',';
        if (!fields[i]) continue;  // NULL: nothing between the commas
        const std::string_view v = *fields[i];
        bool quote = v.empty();
        for (char c : v) {
            if (c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' || is_space(c)) {
                quote = true;
                break;
            }
        }
        append_quoted(out, v, quote, true);
    }
    out += ')';
    return out;
}

// ---- hstore ----

CodecErrc bin_to_hstore(ByteView in, std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& out) {
    out.clear();
    Cursor c{in};
    std::int32_t n = 0;
    if (!c.i32(n)) return CodecErrc::truncated;
    if (n < 0) return CodecErrc::bad_header;
    // Each pair takes at least a key length and a value length.
    if (static_cast<std::size_t>(n) > c.remaining() / 8) return CodecErrc::truncated;
    out.reserve(static_cast<std::size_t>(n));
    auto view = [](ByteView b) { return std::string_view(reinterpret_cast<const char*>(b.data()), b.size()); };
    for (std::int32_t i = 0; i < n; ++i) {
        std::optional<ByteView> key, value;
        CodecErrc e = read_bound(c, key);  // a key is never NULL
        if (e == CodecErrc::ok) e = read_value(c, value);
        if (e != CodecErrc::ok) {
            out.clear();
            return e;
        }
        out.emplace_back(view(*key), value ? std::optional(view(*value)) : std::nullopt);
    }
    if (c.remaining() != 0) {
        out.clear();
        return CodecErrc::trailing_bytes;
    }
    return CodecErrc::ok;
}

void hstore_to_bin(std::span<const std::pair<std::string_view, std::optional<std::string_view>>> pairs, Bytes& out) {
    put_i32(out, static_cast<std::int32_t>(pairs.size()));
    for (const auto& [key, value] : pairs) {
        put_text(out, key);
        if (value) put_text(out, *value);
        else put_i32(out, -1);
    }
}

namespace {
enum class HsWord { word, eof, error };

// hstore_in's get_val: one key (stops before '=') or value (stops before ','), quoted or not,
// backslash escapes anywhere. p is left on the last character consumed, as the caller steps.
HsWord hstore_word(std::string_view in, std::size_t& p, bool is_value, bool& quoted, std::string& word) {
    enum class St { wait, unquoted, quoted, unquoted_escape, quoted_escape };
    St st = St::wait;
    word.clear();
    quoted = false;
    for (;; ++p) {
        const char c = at(in, p);
        switch (st) {
        case St::wait:
            if (c == '"') {
                quoted = true;
                st = St::quoted;
            } else if (c == '\0') {
                return HsWord::eof;
            } else if (c == '=' && !is_value) {
                return HsWord::error;
            } else if (c == '\\') {
                st = St::unquoted_escape;
            } else if (!is_space(c)) {
                word += c;
                st = St::unquoted;
            }
            break;
        case St::unquoted:
            if (c == '\\') {
                st = St::unquoted_escape;
            } else if ((c == '=' && !is_value) || (c == ',' && is_value) || c == '\0') {
                --p;  // leave the terminator for the caller
                return HsWord::word;
            } else if (is_space(c)) {
                return HsWord::word;
            } else {
                word += c;
            }
            break;
        case St::quoted:
            if (c == '\\') st = St::quoted_escape;
            else if (c == '"') return HsWord::word;
            else if (c == '\0') return HsWord::error;
            else word += c;
            break;
        case St::unquoted_escape:
        case St::quoted_escape:
            if (c == '\0') return HsWord::error;
            word += c;
            st = st == St::unquoted_escape ? St::unquoted : St::quoted;
            break;
        }
    }
}
}  // namespace

CodecErrc text_to_hstore(std::string_view in, std::vector<std::pair<std::string, std::optional<std::string>>>& out) {
    out.clear();
    if (in.find('\0') != std::string_view::npos) return CodecErrc::bad_text;
    enum class St { key, eq, gt, value, delim };
    St st = St::key;
    std::string word;
    bool quoted = false;
    auto fail = [&out] {
        out.clear();
        return CodecErrc::bad_text;
    };
    for (std::size_t p = 0;; ++p) {
        const char c = at(in, p);
        switch (st) {
        case St::key:
            switch (hstore_word(in, p, false, quoted, word)) {
            case HsWord::eof: return CodecErrc::ok;
            case HsWord::error: return fail();
            case HsWord::word: break;
            }
            out.emplace_back(std::move(word), std::nullopt);
            st = St::eq;
            break;
        case St::eq:
            if (c == '=') st = St::gt;
            else if (!is_space(c))  // NUL included
                return fail();
            break;
        case St::gt:
            if (c != '>') return fail();
            st = St::value;
            break;
        case St::value:
            if (hstore_word(in, p, true, quoted, word) != HsWord::word) return fail();
            if (quoted || !equals_nocase(word, "NULL")) out.back().second = std::move(word);
            st = St::delim;
            break;
        case St::delim:
            if (c == ',') st = St::key;
            else if (c == '\0') return CodecErrc::ok;
            else if (!is_space(c)) return fail();
            break;
        }
    }
}

std::string hstore_to_text(std::span<const std::pair<std::string_view, std::optional<std::string_view>>> pairs) {
    std::string out;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        if (i > 0) out += ", ";
        append_quoted(out, pairs[i].first, true, false);
        out += "=>";
        if (pairs[i].second) append_quoted(out, *pairs[i].second, true, false);
        else out += "NULL";
    }
    return out;
}

}  // namespace uvpg::proto
