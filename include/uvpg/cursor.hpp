// uvpg::Cursor: psycopg2's client-side cursor. execute() runs a statement and keeps its whole
// result; fetch* read from it.
#pragma once
#include <uvpg/connection.hpp>
#include <uvpg/export.hpp>
#include <uvpg/params.hpp>
#include <uvpg/task.hpp>
#include <uvpg/value.hpp>

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uvpg {

namespace detail {
struct CursorState;
class CursorRef;
struct Access;
}  // namespace detail

enum class ScrollMode { relative, absolute };

class UVPG_EXPORT Cursor {
public:
    Cursor() noexcept;
    Cursor(Cursor&&) noexcept;
    Cursor& operator=(Cursor&&) noexcept;
    ~Cursor();

    // Runs one statement. With parameters (%s, %(name)s or $n), the extended protocol: with the
    // statement cache on (the default), the statement is prepared under a name made of its
    // text and parameter types (Close/Parse/Describe/Sync, once per connection) and run as
    // Bind/Execute/Sync; with statement_cache_size=0, Parse/Bind/Describe/Execute/Sync in one
    // write through the unnamed statement. Without parameters, the simple Query protocol, which
    // also runs several ';'-separated statements and keeps the last result. A cached statement
    // the server no longer has (or whose plan went stale) is prepared again and run once more
    // outside a transaction block; inside one, its error is raised.
    // Throws ProgrammingError when the parameters do not match the placeholders (nothing is
    // sent), the uvpg::errors class of a server error (the connection stays usable),
    // OperationalError when the connection is lost, InterfaceError when closed.
    Task<void> execute(std::string_view sql, Params params = {});
    // Runs the statement once per parameter set; rowcount is the total.
    Task<void> executemany(std::string_view sql, std::vector<Params> seq);
    // SELECT * FROM name(args): positional, or named as name(a => $1).
    Task<void> callproc(std::string_view name, Params params = {});

    // COPY, psycopg2's shapes: copy_from reads `in` to its end into `table` (text format,
    // `sep` between columns, `null` for NULL); copy_to writes `table` to `out`; copy_expert runs
    // any COPY ... FROM STDIN (reading `in`) or TO STDOUT (writing `out`). rowcount is the
    // number of rows copied. A server error (a bad row) ends the COPY with that error and the
    // connection stays usable. execute() refuses COPY FROM STDIN / TO STDOUT (ProgrammingError).
    Task<void> copy_from(std::istream& in, std::string_view table, std::string_view sep = "\t",
                         std::string_view null = "\\N", std::vector<std::string> columns = {});
    Task<void> copy_to(std::ostream& out, std::string_view table, std::string_view sep = "\t",
                       std::string_view null = "\\N", std::vector<std::string> columns = {});
    Task<void> copy_expert(std::string_view sql, std::istream& in);
    Task<void> copy_expert(std::string_view sql, std::ostream& out);
    // The streaming forms: `source` fills the buffer it is given and returns how many bytes it
    // wrote, 0 at the end (called as the socket takes the data, so memory stays flat; an
    // exception from it sends CopyFail and is rethrown); `sink` takes each chunk as it arrives.
    Task<void> copy_in(std::string_view sql, std::function<std::size_t(char* buf, std::size_t size)> source);
    Task<void> copy_out(std::string_view sql, std::function<void(std::string_view chunk)> sink);

    // Streaming (psycopg 3's stream(), asyncpg's cursor iteration): runs one statement and
    // returns once its columns are known; fetchone/fetchmany/fetchall then hand over the rows as
    // they arrive, waiting for more when none are buffered, and return nothing at the end.
    // Memory stays flat whatever the size of the result: the connection stops reading from the
    // socket while the rows received and not fetched yet pass a limit, and reads again as they
    // are fetched. rowcount() is -1 until the last row has been fetched; scroll() is a
    // ProgrammingError. A server error mid-result comes after the rows before it: fetchone and
    // fetchmany return those first and the next fetch throws it; fetchall throws it at once.
    Task<void> stream(std::string_view sql, Params params = {});

    // A completed result stays readable after the connection closes (it is the caller's); a
    // fetch while another operation runs on this cursor is an InterfaceError, as in aiopg.
    Task<std::optional<Row>> fetchone();
    Task<std::vector<Row>> fetchmany(std::optional<std::size_t> size = std::nullopt);  // default arraysize
    Task<std::vector<Row>> fetchall();
    // Moves the position in the result; out of range is a ProgrammingError (psycopg2: IndexError).
    Task<void> scroll(std::int64_t value, ScrollMode mode = ScrollMode::relative);

    // Columns of the last result; empty when the statement returned no rows.
    const std::vector<Column>& description() const;
    // Rows returned or affected by the last execute, -1 before any.
    std::int64_t rowcount() const;
    // Index of the next row to fetch; nullopt before any execute and after a statement that
    // returned no rows.
    std::optional<std::size_t> rownumber() const;
    const std::string& query() const;          // the last SQL sent
    const std::string& statusmessage() const;  // the last command tag, "SELECT 1"
    // The statement with its parameters rendered as SQL literals, for display only.
    std::string mogrify(std::string_view sql, const Params& params = {}) const;

    void close() noexcept;
    bool closed() const noexcept;
    Connection& connection() const;

    std::size_t arraysize = 1;

private:
    friend struct detail::Access;  // lib/runtime/access.hpp: lib/'s way in
    explicit Cursor(Connection conn);
    detail::CursorState& checked() const;
    // The state is shared with the Tasks this cursor makes (counted by detail::CursorRef): a Task
    // awaited after its cursor is gone still works on its own state, never on a later cursor's.
    detail::CursorRef shared() const;
    detail::CursorState* s_ = nullptr;
};

}  // namespace uvpg
