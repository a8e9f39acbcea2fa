// uvpg-bench: the libpq reference's helpers. libpq is linked into the benchmark only.
#pragma once
#include "bench.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <string>
#include <string_view>

namespace bench {

// Ends the run (Failure) with libpq's message.
[[noreturn]] void pq_fail(PGconn* c);

// An open libpq connection, finished when it goes.
class PqConn {
public:
    explicit PqConn(const std::string& dsn);
    ~PqConn();
    PqConn(PqConn&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
    PqConn(const PqConn&) = delete;
    PqConn& operator=(const PqConn&) = delete;
    PqConn& operator=(PqConn&&) = delete;
    PGconn* get() const { return c_; }
    operator PGconn*() const { return c_; }

private:
    PGconn* c_;
};

// Runs `sql` (simple protocol) and checks that it worked.
void pq_exec(PGconn* c, const char* sql);
void pq_prepare(PGconn* c, const char* name, const char* sql, int nparams);
// Checks a result's status and frees it; its status otherwise is a Failure.
void pq_take(PGconn* c, PGresult* r, ExecStatusType want);

// Text result values, converted as a careful C++ program would.
inline std::string_view pq_text(const PGresult* r, int row, int col) {
    return {PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col))};
}
template <class T>
T pq_number(const PGresult* r, int row, int col) {
    std::string_view s = pq_text(r, row, col);
    T v{};
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}
inline bool pq_bool(const PGresult* r, int row, int col) { return PQgetvalue(r, row, col)[0] == 't'; }

// Waits until the connection's socket is readable (or writable too, with `write`).
void pq_wait(PGconn* c, bool write);

// Reads the results of a libpq pipeline that have arrived, without blocking: on_result(r) for
// each statement's result (a Failure unless it worked), on_sync() for each PGRES_PIPELINE_SYNC.
class PipelineReader {
public:
    explicit PipelineReader(PGconn* c) : c_(c) {}
    // `read`: take what the socket holds first (else only what libpq has buffered already).
    template <class OnResult, class OnSync>
    void drain(bool read, OnResult&& on_result, OnSync&& on_sync) {
        if (read && !PQconsumeInput(c_)) pq_fail(c_);
        while (!PQisBusy(c_)) {
            PGresult* r = PQgetResult(c_);
            if (!r) {
                if (!between_) return;  // nothing more has arrived, or nothing is pending
                between_ = false;       // the NULL that ends one statement's results
                continue;
            }
            const ExecStatusType st = PQresultStatus(r);
            if (st == PGRES_PIPELINE_SYNC) {
                PQclear(r);
                on_sync();
            } else if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
                between_ = true;
                on_result(r);
                PQclear(r);
            } else {
                PQclear(r);
                pq_fail(c_);
            }
        }
    }

private:
    PGconn* c_;
    bool between_ = false;
};

}  // namespace bench
