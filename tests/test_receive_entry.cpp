// The connection's handling of server bytes without a socket (ConnectionImpl::ready_without_socket
// and receive, the entry fuzz/fuzz_connection.cpp drives): a query's reply fed whole and split at
// every byte completes it with its rows, and malformed rows close the connection with a protocol
// violation for every request in flight.
#include <uvpg/errors.hpp>

#include "lib/conn/connection_impl.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace uvpg;
using uvpg::detail::ConnectionImpl;
using uvpg::detail::Request;

namespace {

std::string be16(int v) { return {static_cast<char>(v >> 8), static_cast<char>(v)}; }
std::string be32(std::int32_t v) {
    const auto u = static_cast<std::uint32_t>(v);
    return {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8), static_cast<char>(u)};
}
std::string frame(char type, const std::string& body) {
    return type + be32(static_cast<std::int32_t>(body.size() + 4)) + body;
}
std::string text_columns(std::initializer_list<const char*> names) {
    std::string b = be16(static_cast<int>(names.size()));
    for (const char* n : names)
        b += std::string(n) + '\0' + be32(0) + be16(0) + be32(25) + be16(-1) + be32(-1) + be16(0);
    return frame('T', b);
}
std::string row(std::initializer_list<const char*> values) {
    std::string b = be16(static_cast<int>(values.size()));
    for (const char* v : values) b += v ? be32(static_cast<std::int32_t>(std::string(v).size())) + v : be32(-1);
    return frame('D', b);
}
std::string complete(const std::string& tag) { return frame('C', tag + '\0'); }
std::string ready(char s = 'I') { return frame('Z', std::string(1, s)); }

proto::ByteView bytes(const std::string& s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

std::shared_ptr<ConnectionImpl> ready_connection() {
    return ConnectionImpl::ready_without_socket(detail::ConnParams{});
}

std::string error_text(const std::shared_ptr<Request>& r) {
    REQUIRE(r->error);
    try {
        std::rethrow_exception(r->error);
    } catch (const OperationalError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("not an OperationalError: ") + e.what();
    }
}

}  // namespace

TEST_CASE("a simple query's reply, whole and split at every byte, completes it with its rows") {
    const std::string reply =
        text_columns({"a", "b"}) + row({"1", nullptr}) + row({"two", ""}) + complete("SELECT 2") + ready('T');
    for (std::size_t k = 0; k <= reply.size(); ++k) {
        CAPTURE(k);
        auto c = ready_connection();
        auto r = c->query(std::string_view("SELECT a, b FROM t"));
        CHECK(c->in_flight() == 1);
        c->receive(bytes(reply.substr(0, k)));
        CHECK(r->done == (k == reply.size()));
        c->receive(bytes(reply.substr(k)));
        REQUIRE(r->done);
        CHECK_FALSE(r->error);
        CHECK_FALSE(c->closed());
        CHECK(c->in_flight() == 0);
        CHECK(r->tx_status() == 'T');
        CHECK(r->result().tag == "SELECT 2");
        REQUIRE(r->result().size() == 2);
        Row r0 = r->result().row(0), r1 = r->result().row(1);
        CHECK(r0[0].raw() == "1");
        CHECK(r0[1].is_null());
        CHECK(r1[0].raw() == "two");
        CHECK_FALSE(r1[1].is_null());
        CHECK(r1[1].raw() == "");
    }
}

TEST_CASE("an extended query's reply completes it; replies complete requests in order") {
    auto c = ready_connection();
    static const std::uint8_t one[] = {'7'};
    const std::uint32_t types[] = {23};
    const proto::BindParam params[] = {proto::BindParam{proto::ByteView(one, 1), proto::Format::text}};
    auto first = c->query(std::make_shared<const std::string>("SELECT $1"), types, params);
    auto second = c->query(std::string_view("SELECT 2"));
    c->receive(
        bytes(frame('1', "") + frame('2', "") + text_columns({"x"}) + row({"7"}) + complete("SELECT 1") + ready()));
    REQUIRE(first->done);
    CHECK_FALSE(first->error);
    CHECK(std::get<uvpg::detail::ops::ExtendedQueryOp>(first->op).bound);
    REQUIRE(first->result().size() == 1);
    CHECK(first->result().row(0)[0].raw() == "7");
    CHECK_FALSE(second->done);
    CHECK(c->in_flight() == 1);
    c->receive(bytes(text_columns({"x"}) + row({"2"}) + complete("SELECT 1") + ready()));
    REQUIRE(second->done);
    CHECK(second->result().row(0)[0].raw() == "2");
}

TEST_CASE("a malformed DataRow closes the connection with a protocol violation for every request") {
    const std::string bad_rows[] = {
        frame('D', be16(1) + be32(-2)),                // a negative length other than -1
        frame('D', be16(1) + be32(4) + "abc"),         // a length past the end
        frame('D', be16(1) + be32(1) + "ab"),          // a byte after the last column
        frame('D', be16(1) + std::string("\0\0", 2)),  // a short length field
    };
    for (const auto& bad : bad_rows) {
        auto c = ready_connection();
        auto r = c->query(std::string_view("SELECT a FROM t"));
        auto behind = c->query(std::string_view("SELECT 2"));
        c->receive(bytes(text_columns({"a"}) + bad + complete("SELECT 1") + ready()));
        CHECK(c->closed());
        REQUIRE(r->done);
        REQUIRE(behind->done);
        const std::string why = error_text(r);
        CHECK(why.find("protocol violation") != std::string::npos);
        CHECK(why.find("malformed message body (message type 'D')") != std::string::npos);
        CHECK(error_text(behind) == why);
    }
}

TEST_CASE("a DataRow with another column count than its RowDescription is a protocol violation") {
    auto c = ready_connection();
    auto r = c->query(std::string_view("SELECT a FROM t"));
    c->receive(bytes(text_columns({"a"}) + row({"1", "2"}) + complete("SELECT 1") + ready()));
    CHECK(c->closed());
    REQUIRE(r->done);
    const std::string why = error_text(r);
    CHECK(why.find("protocol violation") != std::string::npos);
    CHECK(why.find("DataRow has 2 columns, RowDescription 1") != std::string::npos);
}
