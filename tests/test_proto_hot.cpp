// proto::decode_hot, the one parser of the messages every query brings (DataRow,
// CommandComplete, ReadyForQuery and the bodiless ones): byte-exact views handed to the
// handler, the same verdict as decode() on any body, malformed DataRows refused whether the
// stream arrives whole or split at any byte, and RowPacker packing a decoded row without
// checking it again.
#include <uvpg/errors.hpp>

#include "lib/values/row.hpp"
#include "proto/backend.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>

using namespace uvpg::proto;
using Status = Decoder::Status;

namespace {

// A copy in an allocation of exactly n bytes, so AddressSanitizer sees any read past the body.
struct Exact {
    std::unique_ptr<std::uint8_t[]> p;
    std::size_t n;
    explicit Exact(ByteView b) : p(new std::uint8_t[b.size() ? b.size() : 1]), n(b.size()) {
        if (n) std::memcpy(p.get(), b.data(), n);
    }
    ByteView view() const { return {p.get(), n}; }
};

// What the handler saw: the message's kind and its decoded fields.
struct Seen {
    int calls = 0;
    std::string kind;
    DataRow row;
    std::string_view tag;
    char status = 0;
};

template <class M>
const char* kind_of() {
    if constexpr (std::is_same_v<M, DataRow>) return "DataRow";
    else if constexpr (std::is_same_v<M, CommandComplete>) return "CommandComplete";
    else if constexpr (std::is_same_v<M, ReadyForQuery>) return "ReadyForQuery";
    else if constexpr (std::is_same_v<M, ParseComplete>) return "ParseComplete";
    else if constexpr (std::is_same_v<M, BindComplete>) return "BindComplete";
    else if constexpr (std::is_same_v<M, CloseComplete>) return "CloseComplete";
    else if constexpr (std::is_same_v<M, NoData>) return "NoData";
    else if constexpr (std::is_same_v<M, PortalSuspended>) return "PortalSuspended";
    else if constexpr (std::is_same_v<M, EmptyQueryResponse>) return "EmptyQueryResponse";
    else return "?";
}

Hot hot(const RawMessage& raw, Seen& seen, bool take = true) {
    return decode_hot(raw, [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        static_assert(std::is_trivially_copyable_v<M>, "hot messages are views");
        ++seen.calls;
        seen.kind = kind_of<M>();
        if constexpr (std::is_same_v<M, DataRow>) seen.row = m;
        if constexpr (std::is_same_v<M, CommandComplete>) seen.tag = m.tag;
        if constexpr (std::is_same_v<M, ReadyForQuery>) seen.status = m.status;
        return take;
    });
}

Bytes frame(char type, const Bytes& body) {
    Bytes out{static_cast<std::uint8_t>(type)};
    const auto len = static_cast<std::uint32_t>(body.size() + 4);
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(len >> s));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

void be32(Bytes& b, std::int32_t v) {
    const auto u = static_cast<std::uint32_t>(v);
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(u >> s));
}

// The message framed, fed to a Decoder split at every byte (and byte by byte), and each time
// given to decode_hot: `check` sees the verdict and what the handler saw.
template <class Check>
void every_split(char type, const Bytes& body, Check check) {
    const Bytes wire = frame(type, body);
    for (std::size_t k = 0; k <= wire.size(); ++k) {
        CAPTURE(k);
        Decoder d;
        d.feed(ByteView(wire).first(k));
        if (k < wire.size()) REQUIRE(d.next().status == Status::need_more);
        d.feed(ByteView(wire).subspan(k));
        auto n = d.next();
        REQUIRE(n.status == Status::message);
        Seen seen;
        check(hot(n.msg, seen), seen, n.msg.body);
        CHECK(d.next().status == Status::need_more);
    }
    Decoder d;
    for (std::size_t i = 0; i < wire.size(); ++i) {
        auto tail = d.prepare(1);
        tail[0] = wire[i];
        d.commit(1);
        if (i + 1 < wire.size()) REQUIRE(d.next().status == Status::need_more);
    }
    auto n = d.next();
    REQUIRE(n.status == Status::message);
    Seen seen;
    check(hot(n.msg, seen), seen, n.msg.body);
    // And from an exact-size body: AddressSanitizer sees a read past it.
    Exact e(body);
    Seen exact;
    check(hot(RawMessage{type, e.view()}, exact), exact, e.view());
}

std::string column(const DataRow& row, std::size_t i) {
    DataRowIterator it(row);
    ByteView v;
    bool null = false;
    for (std::size_t k = 0; it.next(v, null); ++k)
        if (k == i) return null ? "NULL" : std::string(reinterpret_cast<const char*>(v.data()), v.size());
    return "<none>";
}

}  // namespace

TEST_CASE("DataRow: the handler gets a view of exactly the columns, split at every byte") {
    Bytes body{0, 3};
    be32(body, 2);
    body.push_back('h');
    body.push_back('i');
    be32(body, -1);
    be32(body, 0);
    every_split('D', body, [](Hot h, const Seen& s, ByteView b) {
        REQUIRE(h == Hot::taken);
        CHECK(s.calls == 1);
        CHECK(s.kind == "DataRow");
        CHECK(s.row.count == 3);
        CHECK(s.row.values.data() == b.data() + 2);  // a view into the body, no copy
        CHECK(s.row.values.size() == b.size() - 2);
        CHECK(column(s.row, 0) == "hi");
        CHECK(column(s.row, 1) == "NULL");
        CHECK(column(s.row, 2) == "");
    });
    every_split('D', Bytes{0, 0}, [](Hot h, const Seen& s, ByteView) {
        REQUIRE(h == Hot::taken);
        CHECK(s.row.count == 0);
        CHECK(s.row.values.empty());
    });
}

TEST_CASE("CommandComplete, ReadyForQuery and the bodiless messages, split at every byte") {
    every_split('C', Bytes{'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0}, [](Hot h, const Seen& s, ByteView b) {
        REQUIRE(h == Hot::taken);
        CHECK(s.kind == "CommandComplete");
        CHECK(s.tag == "SELECT 1");
        CHECK(reinterpret_cast<const std::uint8_t*>(s.tag.data()) == b.data());
    });
    every_split('C', Bytes{0}, [](Hot h, const Seen& s, ByteView) {
        REQUIRE(h == Hot::taken);
        CHECK(s.tag.empty());
    });
    for (char status : {'I', 'T', 'E'}) {
        every_split('Z', Bytes{static_cast<std::uint8_t>(status)}, [status](Hot h, const Seen& s, ByteView) {
            REQUIRE(h == Hot::taken);
            CHECK(s.kind == "ReadyForQuery");
            CHECK(s.status == status);
        });
    }
    const std::pair<char, const char*> empty[] = {{'1', "ParseComplete"},   {'2', "BindComplete"},
                                                  {'3', "CloseComplete"},   {'n', "NoData"},
                                                  {'s', "PortalSuspended"}, {'I', "EmptyQueryResponse"}};
    for (auto [type, kind] : empty) {
        CAPTURE(type);
        every_split(type, Bytes{}, [kind](Hot h, const Seen& s, ByteView) {
            REQUIRE(h == Hot::taken);
            CHECK(s.calls == 1);
            CHECK(s.kind == kind);
        });
        every_split(type, Bytes{0}, [](Hot h, const Seen& s, ByteView) {
            CHECK(h == Hot::malformed);
            CHECK(s.calls == 0);
        });
    }
}

TEST_CASE("a handler that declines, and the other message types, give Hot::other") {
    Seen seen;
    const Bytes z{'I'};
    CHECK(hot(RawMessage{'Z', z}, seen, false) == Hot::other);
    CHECK(seen.calls == 1);
    for (char type : {'T', 'E', 'N', 'A', 'S', 'K', 'R', 'd', 'c', 'G', 'H', 'W', 't', 'v', 'x', '\0'}) {
        CAPTURE(type);
        Seen none;
        CHECK(hot(RawMessage{type, z}, none) == Hot::other);
        CHECK(none.calls == 0);
    }
}

TEST_CASE("malformed DataRows are refused, whole or split at every byte, and by decode() too") {
    struct Case {
        Bytes body;
        const char* what;
    };
    auto row = [](std::initializer_list<std::uint8_t> head, std::initializer_list<std::int32_t> lengths,
                  std::initializer_list<std::uint8_t> tail) {
        Bytes b(head);
        for (auto l : lengths) be32(b, l);
        b.insert(b.end(), tail);
        return b;
    };
    const Case cases[] = {
        {{}, "empty"},
        {{0}, "half a count"},
        {{0x80, 0x00}, "count -32768"},
        {{0xFF, 0xFF}, "count -1"},
        {{0, 1, 0, 0, 0}, "short length field"},
        {{0, 2, 0, 0, 0, 1, 'a', 0, 0}, "second length field short"},
        {row({0, 1}, {3}, {'a', 'b'}), "length past the end"},
        {row({0, 1}, {0x7FFFFFFF}, {'a'}), "length 2^31-1"},
        {row({0, 1}, {-2}, {}), "length -2"},
        {row({0, 1}, {INT32_MIN}, {}), "length INT32_MIN"},
        {row({0, 2}, {-1, -3}, {}), "NULL then length -3"},
        {row({0, 2}, {1}, {'a'}), "2 columns, 1 sent"},
        {row({0, 1}, {1}, {'a', 'b'}), "a byte after the last column"},
        {row({0, 1}, {-1}, {0}), "a byte after a NULL"},
        {row({0, 0}, {-1}, {}), "0 columns with data"},
        {row({0, 1}, {1, 0}, {'a'}), "length word after the last column"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        every_split('D', c.body, [](Hot h, const Seen& s, ByteView) {
            CHECK(h == Hot::malformed);
            CHECK(s.calls == 0);
        });
        Exact e(c.body);
        BackendMessage out = NoData{};
        CHECK(decode(RawMessage{'D', e.view()}, out) == Errc::malformed);
        CHECK(std::holds_alternative<NoData>(out));  // untouched
    }
}

TEST_CASE("every prefix of a good DataRow, CommandComplete and ReadyForQuery is refused") {
    Bytes d{0, 3};
    be32(d, 3);
    d.insert(d.end(), {'a', 'b', 'c'});
    be32(d, -1);
    be32(d, 1);
    d.push_back('z');
    const std::pair<char, Bytes> goods[] = {{'D', d}, {'C', Bytes{'O', 'K', 0}}, {'Z', Bytes{'T'}}};
    for (const auto& [type, body] : goods) {
        CAPTURE(type);
        for (std::size_t k = 0; k < body.size(); ++k) {
            CAPTURE(k);
            Exact e(ByteView(body).first(k));
            Seen s;
            CHECK(hot(RawMessage{type, e.view()}, s) == Hot::malformed);
            CHECK(s.calls == 0);
        }
    }
}

TEST_CASE("random bodies: decode_hot and decode() give the same verdict and the same message") {
    std::mt19937 rng(15);
    const char types[] = {'D', 'C', 'Z', '1', '2', '3', 'n', 's', 'I'};
    for (int i = 0; i < 20000; ++i) {
        const char type = types[rng() % std::size(types)];
        Bytes body(rng() % 24);
        for (auto& b : body) {
            // Mostly small values, so that counts and lengths are often right.
            const auto r = rng() % 8;
            b = static_cast<std::uint8_t>(r < 5 ? r : r == 5 ? 0xFF : rng());
        }
        if (type == 'C' && !body.empty() && rng() % 2) body.back() = 0;
        if (type == 'Z' && rng() % 2) body = Bytes{static_cast<std::uint8_t>("ITEX"[rng() % 4])};
        CAPTURE(type);
        CAPTURE(body.size());
        Exact e(body);
        const RawMessage raw{type, e.view()};
        Seen s;
        const Hot h = hot(raw, s);
        BackendMessage out;
        const Errc err = decode(raw, out);
        REQUIRE(h != Hot::other);
        CHECK((h == Hot::taken) == (err == Errc::ok));
        if (h != Hot::taken) continue;
        if (auto* r = std::get_if<DataRow>(&out)) {
            CHECK(s.kind == "DataRow");
            CHECK(r->count == s.row.count);
            CHECK(r->values.data() == s.row.values.data());
            CHECK(r->values.size() == s.row.values.size());
        } else if (auto* c = std::get_if<CommandComplete>(&out)) {
            CHECK(c->tag == s.tag);
        } else if (auto* z = std::get_if<ReadyForQuery>(&out)) {
            CHECK(z->status == s.status);
        }
    }
}

TEST_CASE("RowPacker packs a decoded row without checking it again, and refuses the wrong column count") {
    using namespace uvpg;
    // Ten columns: more than kWalkColumns, so the packed row has a directory of where each starts.
    RowDescription desc;
    for (int i = 0; i < 10; ++i) desc.fields.push_back(FieldDescription{.name = "c", .type_oid = 25});
    auto shape = detail::make_shape(desc);
    Bytes body{0, 10};
    for (int i = 0; i < 10; ++i) {
        if (i % 3 == 1) {
            be32(body, -1);
            continue;
        }
        const std::string v(static_cast<std::size_t>(i), static_cast<char>('a' + i));
        be32(body, static_cast<std::int32_t>(v.size()));
        body.insert(body.end(), v.begin(), v.end());
    }
    DataRow row;
    REQUIRE(decode_hot(RawMessage{'D', body}, [&row](const auto& m) {
                if constexpr (std::is_same_v<std::decay_t<decltype(m)>, DataRow>) row = m;
                return true;
            }) == Hot::taken);
    detail::RowPacker packer(shape);
    std::string why;
    CHECK(packer.add(row, why) != nullptr);
    CHECK(why.empty());
    // make_row: the same decode and add, and a Row to read the columns back through the directory.
    Row r = detail::make_row(shape, row);
    for (std::size_t i = 0; i < 10; ++i) {
        CAPTURE(i);
        if (i % 3 == 1) {
            CHECK(r[i].is_null());
        } else {
            CHECK(r[i].as<std::string>() == std::string(i, static_cast<char>('a' + i)));
        }
    }
    DataRow fewer{9, row.values};
    CHECK(packer.add(fewer, why) == nullptr);
    CHECK(why == "DataRow has 9 columns, RowDescription 10");
    // A hand-built row that is not a valid DataRow is refused by make_row, never packed.
    Bytes cut(row.values.begin(), row.values.end() - 1);
    CHECK_THROWS_AS(detail::make_row(shape, DataRow{10, cut}), uvpg::InterfaceError);
}
