// COPY on uvpg::Cursor: psycopg2's copy_from, copy_to and copy_expert, and the streaming
// copy_in / copy_out, all through the simple query protocol.
#include "lib/cursor/cursor_state.hpp"

#include <istream>
#include <ostream>

namespace uvpg {

namespace detail {
namespace {

// COPY through the simple query protocol, with a source or a sink (lib/ops/copy_op.hpp).
struct CopyIo {
    std::function<std::size_t(char*, std::size_t)> source;
    std::function<void(std::string_view)> sink;
};

Task<void> copy_impl(CursorRef s, std::string sql, CopyIo io) {
    BusyGuard busy(*s);
    live_connection(*s);
    s->reset();
    s->query = sql;
    // COPY FROM STDIN: whatever the server reads after the Query until CopyDone is COPY data,
    // so nothing may be written behind it until it ends (hold, as prepare() does).
    const bool in = bool(io.source);
    if (in && !live_connection(*s).has_room()) {
        auto room = live_connection(*s).room();
        co_await room;
    }
    ConnectionImpl& c = live_connection(*s);
    HoldGuard hold;  // until the COPY's reply
    if (in) {
        c.hold();
        hold.c = &c;
    }
    std::shared_ptr<Request> req =
        c.copy(std::make_shared<const std::string>(sql), std::move(io.source), std::move(io.sink));
    Deadline deadline(c);
    RequestAwaiter reply{std::move(req)};
    store(*s, co_await reply);
}

}  // namespace
}  // namespace detail

namespace {

std::string copy_sql(std::string_view table, const std::vector<std::string>& columns, const char* direction,
                     std::string_view sep, std::string_view null) {
    auto literal = [](std::string_view v) {
        std::string out = "E'";
        for (char ch : v) {
            if (ch == '\'' || ch == '\\') out += ch;
            out += ch;
        }
        return out + "'";
    };
    // The table name as given (it may be schema-qualified), as psycopg2 takes it.
    std::string sql = "COPY " + std::string(table);
    if (!columns.empty()) {
        sql += " (";
        for (std::size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + detail::quote_ident(columns[i]);
        sql += ")";
    }
    return sql + " " + direction + " WITH (FORMAT text, DELIMITER " + literal(sep) + ", NULL " + literal(null) + ")";
}

detail::CopyIo reading(std::istream& in) {
    detail::CopyIo io;
    io.source = [&in](char* buf, std::size_t size) -> std::size_t {
        in.read(buf, static_cast<std::streamsize>(size));
        if (in.bad()) throw DataError("COPY FROM STDIN: reading the input stream failed");
        return static_cast<std::size_t>(in.gcount());
    };
    return io;
}

detail::CopyIo writing(std::ostream& out) {
    detail::CopyIo io;
    io.sink = [&out](std::string_view chunk) {
        out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        if (!out) throw DataError("COPY TO STDOUT: writing the output stream failed");
    };
    return io;
}

}  // namespace

// `columns` is taken by value because the public declaration (include/uvpg/cursor.hpp) says so;
// the copy is once per COPY, and const& belongs to that header's next change, not to this file.
Task<void> Cursor::copy_from(std::istream& in, std::string_view table, std::string_view sep, std::string_view null,
                             std::vector<std::string> columns) {  // NOLINT(performance-unnecessary-value-param)
    return detail::copy_impl(shared(), copy_sql(table, columns, "FROM STDIN", sep, null), reading(in));
}

Task<void> Cursor::copy_to(std::ostream& out, std::string_view table, std::string_view sep, std::string_view null,
                           std::vector<std::string> columns) {  // NOLINT(performance-unnecessary-value-param)
    return detail::copy_impl(shared(), copy_sql(table, columns, "TO STDOUT", sep, null), writing(out));
}

Task<void> Cursor::copy_expert(std::string_view sql, std::istream& in) {
    return detail::copy_impl(shared(), std::string(sql), reading(in));
}

Task<void> Cursor::copy_expert(std::string_view sql, std::ostream& out) {
    return detail::copy_impl(shared(), std::string(sql), writing(out));
}

Task<void> Cursor::copy_in(std::string_view sql, std::function<std::size_t(char*, std::size_t)> source) {
    detail::CopyIo io;
    io.source = std::move(source);
    return detail::copy_impl(shared(), std::string(sql), std::move(io));
}

Task<void> Cursor::copy_out(std::string_view sql, std::function<void(std::string_view)> sink) {
    detail::CopyIo io;
    io.sink = std::move(sink);
    return detail::copy_impl(shared(), std::string(sql), std::move(io));
}

}  // namespace uvpg
