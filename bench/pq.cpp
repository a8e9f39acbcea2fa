// uvpg-bench: the libpq reference's helpers.
#include "pq.hpp"

#include <poll.h>

namespace bench {

void pq_fail(PGconn* c) {
    std::string why = PQerrorMessage(c);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    throw Failure("libpq: " + why);
}

PqConn::PqConn(const std::string& dsn) : c_(PQconnectdb(dsn.c_str())) {
    if (PQstatus(c_) != CONNECTION_OK) {
        std::string why = PQerrorMessage(c_);
        PQfinish(c_);
        throw Failure("libpq: " + why);
    }
    PQsetNoticeProcessor(
        c_, [](void*, const char*) {}, nullptr);  // as uvpg, which keeps them quietly
}

PqConn::~PqConn() {
    if (c_) PQfinish(c_);
}

void pq_take(PGconn* c, PGresult* r, ExecStatusType want) {
    const ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    if (st != want) pq_fail(c);
}

void pq_exec(PGconn* c, const char* sql) {
    PGresult* r = PQexec(c, sql);
    const ExecStatusType st = PQresultStatus(r);
    pq_take(c, r, st == PGRES_TUPLES_OK ? PGRES_TUPLES_OK : PGRES_COMMAND_OK);
}

void pq_prepare(PGconn* c, const char* name, const char* sql, int nparams) {
    pq_take(c, PQprepare(c, name, sql, nparams, nullptr), PGRES_COMMAND_OK);
}

void pq_wait(PGconn* c, bool write) {
    pollfd p{PQsocket(c), static_cast<short>(POLLIN | (write ? POLLOUT : 0)), 0};
    if (poll(&p, 1, -1) < 0) throw Failure("poll failed");
}

}  // namespace bench
