// uvpg's exceptions: their shared data, the psql-style message, and the SQLSTATE dispatch.
#include "lib/errors/errors_internal.hpp"

#include <charconv>
#include <cstdint>

namespace uvpg {

struct ErrorData {
    std::string message;  // what()
    std::string pgerror;  // the server's message; empty for client-side errors
    Diagnostics diag;
};

namespace {
const std::string empty_string;
const Diagnostics empty_diag;
}  // namespace

Error::Error(std::string message) : data_(std::make_shared<const ErrorData>(ErrorData{std::move(message), {}, {}})) {}

Error::Error(Diagnostics diag) : Error(std::move(diag), std::string_view{}) {}

Error::Error(Diagnostics diag, std::string_view query) {
    std::string text = detail::format_server_message(diag, query);
    std::string copy = text;
    data_ = std::make_shared<const ErrorData>(ErrorData{std::move(text), std::move(copy), std::move(diag)});
}

// data_ is null only in a moved-from Error.
const char* Error::what() const noexcept { return data_ ? data_->message.c_str() : ""; }
const std::string& Error::pgcode() const noexcept { return data_ ? data_->diag.sqlstate : empty_string; }
const std::string& Error::pgerror() const noexcept { return data_ ? data_->pgerror : empty_string; }
const Diagnostics& Error::diag() const noexcept { return data_ ? data_->diag : empty_diag; }

void ErrorAccess::reword(Error& e, std::string message) {
    if (!e.data_) return;
    e.data_ = std::make_shared<const ErrorData>(ErrorData{std::move(message), e.data_->pgerror, e.data_->diag});
}

std::exception_ptr make_server_error(Diagnostics diag) {
    return make_server_error(std::move(diag), std::string_view{});
}

std::exception_ptr make_server_error(Diagnostics diag, std::string_view query) {
    const detail::ErrorClass& c = detail::error_class_of(diag.sqlstate);
    return c.make(std::move(diag), query, {});
}

namespace detail {

Diagnostics diagnostics_from_fields(const std::vector<std::pair<char, std::string_view>>& fields) {
    Diagnostics d;
    for (const auto& [code, value] : fields) {
        std::string* slot = nullptr;
        switch (code) {
        case 'S': slot = &d.severity; break;
        case 'V': slot = &d.severity_nonlocalized; break;
        case 'C': slot = &d.sqlstate; break;
        case 'M': slot = &d.message_primary; break;
        case 'D': slot = &d.message_detail; break;
        case 'H': slot = &d.message_hint; break;
        case 'P': slot = &d.statement_position; break;
        case 'p': slot = &d.internal_position; break;
        case 'q': slot = &d.internal_query; break;
        case 'W': slot = &d.context; break;
        case 's': slot = &d.schema_name; break;
        case 't': slot = &d.table_name; break;
        case 'c': slot = &d.column_name; break;
        case 'd': slot = &d.datatype_name; break;
        case 'n': slot = &d.constraint_name; break;
        case 'F': slot = &d.source_file; break;
        case 'L': slot = &d.source_line; break;
        case 'R': slot = &d.source_function; break;
        default: break;
        }
        if (slot) slot->assign(value);
    }
    return d;
}

namespace {

// Like atoi: the leading digits, 0 when there are none or they overflow.
long leading_number(std::string_view s) {
    long n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    (void)end;
    return ec == std::errc() ? n : 0;
}

struct CharInfo {
    std::size_t bytes;
    int width;  // screen columns
};

// One UTF-8 character (the connection's client_encoding): its length, bounded by the text, and
// its screen width. Like libpq, anything that is not double width counts one column, control
// characters and combining marks included.
CharInfo utf8_char(std::string_view s, std::size_t at) {
    const auto lead = static_cast<unsigned char>(s[at]);
    std::size_t len = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : lead < 0xF8 ? 4 : 1;
    if (len > s.size() - at) len = s.size() - at;
    if (len == 1) return {1, 1};
    std::uint32_t cp = lead & (0x7Fu >> len);
    for (std::size_t i = 1; i < len; ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[at + i]) & 0x3Fu);
    // East Asian wide and fullwidth ranges (Markus Kuhn's wcwidth) and the common emoji blocks.
    const bool wide =
        cp >= 0x1100 &&
        (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF && (cp & ~0x0011u) != 0x300A && cp != 0x303F) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE6F) ||
         (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
         (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD));
    return {len, wide ? 2 : 1};
}

// libpq's syntax cursor: the line of `query` holding character `pos` (1-based), cut to about 60
// columns around it, and a caret under it.
//   LINE 2: SELECT * FROM nosuch
//                         ^
void append_error_position(std::string& out, std::string_view query, long pos) {
    constexpr int display_size = 60;   // screen columns of the extract
    constexpr int min_right_cut = 10;  // keep the caret this far from a cut end
    if (pos <= 0) return;
    const auto loc = static_cast<std::size_t>(pos - 1);

    std::string text(query);
    std::vector<std::size_t> byte_at;  // per character: its offset in text
    std::vector<int> col_at;           // per character: its first screen column
    int line = 1;
    std::size_t begin = 0;  // first character of loc's line
    std::size_t end = 0;    // one past its last character
    bool end_found = false;
    std::size_t off = 0;
    int col = 0;
    std::size_t cno = 0;
    for (; off < text.size(); ++cno) {
        const char ch = text[off];
        byte_at.push_back(off);
        col_at.push_back(col);
        if (ch == '\t') {
            text[off] = ' ';  // a tab's width depends on the terminal; libpq shows a space
        } else if (ch == '\r' || ch == '\n') {
            if (cno < loc) {
                // "\r\n" is one line break.
                if (ch == '\r' || cno == 0 || text[byte_at[cno - 1]] != '\r') ++line;
                begin = cno + 1;
            } else {
                end = cno;
                end_found = true;
                break;
            }
        }
        const CharInfo c = utf8_char(text, off);
        col += c.width;
        off += c.bytes;
    }
    if (!end_found) {
        end = cno;
        byte_at.push_back(off);
        col_at.push_back(col);
    }
    if (loc > cno) return;  // past the end of the query

    bool cut_begin = false;
    bool cut_end = false;
    if (col_at[end] - col_at[begin] > display_size) {
        if (col_at[begin] + display_size >= col_at[loc] + min_right_cut) {
            while (col_at[end] - col_at[begin] > display_size) --end;
            cut_end = true;
        } else {
            while (col_at[loc] + min_right_cut < col_at[end]) {
                --end;
                cut_end = true;
            }
            while (col_at[end] - col_at[begin] > display_size) {
                ++begin;
                cut_begin = true;
            }
        }
    }

    std::string prefix = "LINE " + std::to_string(line) + ": ";
    if (cut_begin) prefix += "...";
    out += prefix;
    out.append(text, byte_at[begin], byte_at[end] - byte_at[begin]);
    if (cut_end) out += "...";
    out += '\n';
    out.append(prefix.size() + static_cast<std::size_t>(col_at[loc] - col_at[begin]), ' ');
    out += "^\n";
}

void append_line(std::string& out, std::string_view label, const std::string& value) {
    if (value.empty()) return;
    out += label;
    out += ":  ";
    out += value;
    out += '\n';
}

}  // namespace

std::string format_server_message(const Diagnostics& diag, std::string_view query, bool with_context) {
    std::string out;
    const std::string& severity = diag.severity.empty() ? diag.severity_nonlocalized : diag.severity;
    if (!severity.empty()) {
        out += severity;
        out += ":  ";
    }
    out += diag.message_primary;

    std::string_view cursor_query;
    long cursor_pos = 0;
    if (!diag.statement_position.empty()) {
        if (!query.empty()) {
            cursor_query = query;
            cursor_pos = leading_number(diag.statement_position);
        } else {
            out += " at character ";
            out += diag.statement_position;
        }
    } else if (!diag.internal_position.empty()) {
        if (!diag.internal_query.empty()) {
            cursor_query = diag.internal_query;
            cursor_pos = leading_number(diag.internal_position);
        } else {
            out += " at character ";
            out += diag.internal_position;
        }
    }
    out += '\n';

    if (!cursor_query.empty()) append_error_position(out, cursor_query, cursor_pos);
    append_line(out, "DETAIL", diag.message_detail);
    append_line(out, "HINT", diag.message_hint);
    append_line(out, "QUERY", diag.internal_query);
    if (with_context) append_line(out, "CONTEXT", diag.context);
    return out;
}

void throw_server_error(Diagnostics d) { std::rethrow_exception(make_server_error(std::move(d))); }

void throw_server_error(Diagnostics d, std::string_view query) {
    std::rethrow_exception(make_server_error(std::move(d), query));
}

}  // namespace detail
}  // namespace uvpg
