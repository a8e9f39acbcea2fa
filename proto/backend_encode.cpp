// Backend message encoders, for tests and the scripted fake server: decode() inverted.
// proto/ is sans-I/O: no sockets, no libuv, no coroutines.
#include "proto/backend.hpp"

namespace uvpg::proto {
namespace {

template <class... Fs>
struct Overload : Fs... {
    using Fs::operator()...;
};
template <class... Fs>
Overload(Fs...) -> Overload<Fs...>;

template <class Body>
void message(Bytes& out, char type, Body&& body) {
    Writer w(out);
    w.begin(type);
    body(w);
    w.end();
}

void empty(Bytes& out, char type) {
    message(out, type, [](Writer&) {});
}

void fields(Bytes& out, char type, const std::vector<std::pair<char, std::string_view>>& fs) {
    message(out, type, [&](Writer& w) {
        for (const auto& [code, value] : fs) {
            w.u8(static_cast<std::uint8_t>(code));
            w.cstr(value);
        }
        w.u8(0);
    });
}

}  // namespace

void encode_backend(Bytes& out, const BackendMessage& msg) {
    std::visit(Overload{
                   [&](const Authentication& a) {
                       message(out, 'R', [&](Writer& w) {
                           w.i32(a.code);
                           if (a.code == Authentication::sasl) {
                               for (auto m : a.mechanisms) w.cstr(m);
                               w.u8(0);
                           } else {
                               w.bytes(a.data);  // empty for the codes that carry nothing
                           }
                       });
                   },
                   [&](const BackendKeyData& k) {
                       message(out, 'K', [&](Writer& w) {
                           w.i32(k.pid);
                           w.i32(k.secret);
                       });
                   },
                   [&](const ParameterStatus& p) {
                       message(out, 'S', [&](Writer& w) {
                           w.cstr(p.name);
                           w.cstr(p.value);
                       });
                   },
                   [&](const ReadyForQuery& z) {
                       message(out, 'Z', [&](Writer& w) { w.u8(static_cast<std::uint8_t>(z.status)); });
                   },
                   [&](const RowDescription& d) {
                       message(out, 'T', [&](Writer& w) {
                           w.i16(static_cast<std::int16_t>(d.fields.size()));
                           for (const auto& f : d.fields) {
                               w.cstr(f.name);
                               w.i32(static_cast<std::int32_t>(f.table_oid));
                               w.i16(f.column);
                               w.i32(static_cast<std::int32_t>(f.type_oid));
                               w.i16(f.type_size);
                               w.i32(f.type_modifier);
                               w.i16(f.format);
                           }
                       });
                   },
                   [&](const DataRow& r) {
                       message(out, 'D', [&](Writer& w) {
                           w.i16(static_cast<std::int16_t>(r.count));
                           w.bytes(r.values);
                       });
                   },
                   [&](const CommandComplete& c) { message(out, 'C', [&](Writer& w) { w.cstr(c.tag); }); },
                   [&](const EmptyQueryResponse&) { empty(out, 'I'); },
                   [&](const ErrorResponse& e) { fields(out, 'E', e.fields); },
                   [&](const NoticeResponse& n) { fields(out, 'N', n.fields); },
                   [&](const NotificationResponse& a) {
                       message(out, 'A', [&](Writer& w) {
                           w.i32(a.pid);
                           w.cstr(a.channel);
                           w.cstr(a.payload);
                       });
                   },
                   [&](const ParseComplete&) { empty(out, '1'); },
                   [&](const BindComplete&) { empty(out, '2'); },
                   [&](const CloseComplete&) { empty(out, '3'); },
                   [&](const NoData&) { empty(out, 'n'); },
                   [&](const ParameterDescription& d) {
                       message(out, 't', [&](Writer& w) {
                           w.i16(static_cast<std::int16_t>(static_cast<std::uint16_t>(d.type_oids.size())));
                           for (auto oid : d.type_oids) w.i32(static_cast<std::int32_t>(oid));
                       });
                   },
                   [&](const PortalSuspended&) { empty(out, 's'); },
                   [&](const CopyResponse& c) {
                       message(out, c.type, [&](Writer& w) {
                           w.u8(static_cast<std::uint8_t>(c.format));
                           w.i16(static_cast<std::int16_t>(c.column_formats.size()));
                           for (auto f : c.column_formats) w.i16(f);
                       });
                   },
                   [&](const CopyData& d) { message(out, 'd', [&](Writer& w) { w.bytes(d.data); }); },
                   [&](const CopyDone&) { empty(out, 'c'); },
                   [&](const NegotiateProtocolVersion& v) {
                       message(out, 'v', [&](Writer& w) {
                           w.i32(v.newest_minor);
                           w.i32(static_cast<std::int32_t>(v.unrecognized.size()));
                           for (auto name : v.unrecognized) w.cstr(name);
                       });
                   },
               },
               msg);
}

void encode_data_row(Bytes& out, std::span<const std::optional<std::string_view>> values) {
    message(out, 'D', [&](Writer& w) {
        w.i16(static_cast<std::int16_t>(values.size()));
        for (const auto& v : values) {
            if (!v) {
                w.i32(-1);
                continue;
            }
            w.i32(static_cast<std::int32_t>(v->size()));
            w.bytes(v->data(), v->size());
        }
    });
}

}  // namespace uvpg::proto
