// Which requests take ParseComplete and BindComplete (the driver's fast path, ConnectionImpl::
// dispatch): the ops of the extended protocol (extended query, executemany's batch, streaming)
// do; a simple query or a COPY, which never asks for them, meets a protocol violation that
// closes the connection, as before Request::Kind went (4b19473).
#include <uvpg/errors.hpp>

#include "lib/conn/connection_impl.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace uvpg;
using uvpg::detail::ConnectionImpl;
using uvpg::detail::Request;

namespace {

std::string be32(std::int32_t v) {
    const auto u = static_cast<std::uint32_t>(v);
    return {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8), static_cast<char>(u)};
}
std::string frame(char type, const std::string& body) {
    return type + be32(static_cast<std::int32_t>(body.size() + 4)) + body;
}
std::string complete(const std::string& tag) { return frame('C', tag + '\0'); }
std::string ready(char s = 'I') { return frame('Z', std::string(1, s)); }
proto::ByteView bytes(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

std::string error_text(const std::shared_ptr<Request>& r) {
    REQUIRE(r->error);
    try {
        std::rethrow_exception(r->error.exception());
    } catch (const OperationalError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("not an OperationalError: ") + e.what();
    }
}

}  // namespace

TEST_CASE("ParseComplete or BindComplete for a simple query or a COPY is a protocol violation") {
    for (const char type : {'1', '2'}) {
        for (const bool copy : {false, true}) {
            CAPTURE(type);
            CAPTURE(copy);
            auto c = ConnectionImpl::ready_without_socket(detail::ConnParams{});
            auto sql = std::make_shared<const std::string>(copy ? "COPY t TO STDOUT" : "SELECT 1");
            auto req = copy ? c->copy(sql, nullptr, [](std::string_view) {}) : c->query(sql);
            c->receive(bytes(frame(type, "")));
            REQUIRE(req->done);
            const std::string what = error_text(req);
            CHECK(what.starts_with("protocol violation from "));
            CHECK(what.find(std::string("unexpected message type '") + type + "'") != std::string::npos);
            CHECK(c->closed());
        }
    }
}

TEST_CASE("ParseComplete and BindComplete are an extended query's and a batch's own") {
    auto c = ConnectionImpl::ready_without_socket(detail::ConnParams{});
    static const std::uint8_t one[] = {'7'};
    const std::uint32_t types[] = {23};
    const proto::BindParam params[] = {proto::BindParam{proto::ByteView(one, 1), proto::Format::text}};
    auto extended = c->query(std::make_shared<const std::string>("SELECT $1"), types, params);
    detail::BatchSegment seg;
    seg.types = {23};
    seg.params = {proto::BindParam{proto::ByteView(one, 1), proto::Format::text},
                  proto::BindParam{proto::ByteView(one, 1), proto::Format::text}};
    seg.sets = 2;
    auto batch = c->query_batch(std::make_shared<const std::string>("INSERT INTO t VALUES ($1)"),
                                std::span<const detail::BatchSegment>(&seg, 1));
    c->receive(bytes(frame('1', "") + frame('2', "") + frame('n', "") + complete("SELECT 0") + ready()));
    REQUIRE(extended->done);
    CHECK_FALSE(extended->error);
    CHECK(std::get<detail::ops::ExtendedQueryOp>(extended->op).bound);
    c->receive(bytes(frame('1', "") + frame('2', "") + complete("INSERT 0 1") + frame('2', "") +
                     complete("INSERT 0 1") + ready()));
    REQUIRE(batch->done);
    CHECK_FALSE(batch->error);
    const auto& b = std::get<detail::ops::BatchOp>(batch->op);
    CHECK(b.binds == 2);
    CHECK(b.executes == 2);
    CHECK(b.rows == 2);
    CHECK_FALSE(c->closed());
}
