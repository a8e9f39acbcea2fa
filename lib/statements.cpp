// The extended query protocol and the statement cache: one Parse/Bind/Describe/Execute/Sync
// write per statement, named statements kept per connection (LRU), and forgetting them when
// the server drops them.
#include "lib/connection_impl.hpp"
#include "lib/errors_internal.hpp"
#include "lib/type_support.hpp"
#include "proto/frontend.hpp"

namespace uvpg::detail {

std::shared_ptr<Request> ConnectionImpl::query(std::shared_ptr<const std::string> sql_text,
                                               std::span<const std::uint32_t> types,
                                               std::span<const proto::BindParam> params,
                                               const std::shared_ptr<Prepared>& known) {
    std::string_view sql = *sql_text;
    auto req = new_request(Request::Kind::extended);
    if (closed()) {
        req->error = std::make_exception_ptr(InterfaceError(closed_message()));
        req->done = true;
        return req;
    }
    // One request, one write. A cached statement needs only Bind/Execute/Sync; a new one is
    // prepared and described in the same write; otherwise the unnamed statement is used.
    static constexpr proto::Format kText[] = {proto::Format::text};
    bool prepare = false;
    std::shared_ptr<Prepared> st;
    if (known && known->live && known->ready) {
        st = known;
        st->last_used = ++statement_clock_;
    } else {
        st = cached_statement(sql, types, prepare);
    }
    if (st) {
        req->statement = st;
        req->prepares = prepare;
        if (prepare) {
            proto::encode_parse(out_, st->name, sql, types);
            proto::encode_describe(out_, 'S', st->name);
            proto::encode_bind(out_, "", st->name, params, kText);
        } else {
            req->result.shape = st->bound_shape;
            proto::encode_bind(out_, "", st->name, params, st->result_formats);
        }
    } else {
        proto::encode_parse(out_, "", sql, types);
        proto::encode_bind(out_, "", "", params, kText);
        proto::encode_describe(out_, 'P', "");
    }
    proto::encode_execute(out_, "", 0);
    proto::encode_sync(out_);
    req->sql = std::move(sql_text);
    enqueue(req);
    return req;
}

std::shared_ptr<const ParsedStatement> parse_statement(std::string_view sql) {
    auto st = std::make_shared<ParsedStatement>();
    st->source = sql;
    std::string error;
    if (!proto::parse_placeholders(sql, st->parsed, error)) throw ProgrammingError(error);
    st->sent = std::make_shared<const std::string>(
        st->parsed.style == proto::PlaceholderStyle::none ? std::string(sql) : proto::render_dollar(st->parsed));
    return st;
}

std::shared_ptr<const ParsedStatement> ConnectionImpl::parsed(std::string_view sql) {
    constexpr std::size_t kMaxParsed = 256;  // past it, start over: the cache is only a shortcut
    if (auto it = parsed_.find(sql); it != parsed_.end()) return it->second;
    auto st = parse_statement(sql);
    if (parsed_.size() >= kMaxParsed) parsed_.clear();
    parsed_.emplace(st->source, st);
    return st;
}

std::shared_ptr<Request> ConnectionImpl::prepare(const std::shared_ptr<const std::string>& sql,
                                                 std::span<const std::uint32_t> types) {
    if (closed()) return nullptr;
    bool prepare = false;
    auto st = cached_statement(*sql, types, prepare);
    if (!st || !prepare) return nullptr;
    auto req = new_request(Request::Kind::extended);
    req->statement = st;
    req->prepares = true;
    req->sql = sql;
    proto::encode_parse(out_, st->name, *sql, types);
    proto::encode_describe(out_, 'S', st->name);
    proto::encode_sync(out_);
    held_ = true;  // until the caller's own request is queued (release_hold)
    enqueue(req);
    return req;
}

const std::string& ConnectionImpl::statement_key(std::string_view sql, std::span<const std::uint32_t> types) {
    // Built in a reused buffer: a cache hit allocates nothing.
    static thread_local std::string key;
    key.assign(sql);
    key.push_back('\0');  // the parameter types are part of what was prepared
    for (auto t : types) key.append(reinterpret_cast<const char*>(&t), sizeof t);
    return key;
}

std::shared_ptr<Prepared> ConnectionImpl::ready_statement(std::string_view sql, std::span<const std::uint32_t> types) {
    auto it = statements_.find(statement_key(sql, types));
    if (it == statements_.end() || !it->second->ready) return nullptr;
    it->second->last_used = ++statement_clock_;
    return it->second;
}

std::shared_ptr<Prepared> ConnectionImpl::cached_statement(std::string_view sql, std::span<const std::uint32_t> types,
                                                           bool& prepare) {
    prepare = false;
    if (params_.statement_cache_size == 0) return nullptr;
    const std::string& key = statement_key(sql, types);
    if (auto it = statements_.find(key); it != statements_.end()) {
        if (!it->second->ready) return nullptr;
        it->second->last_used = ++statement_clock_;
        return it->second;
    }
    if (statements_.size() >= params_.statement_cache_size) {
        auto oldest = statements_.begin();
        for (auto it = statements_.begin(); it != statements_.end(); ++it)
            if (it->second->ready && (!oldest->second->ready || it->second->last_used < oldest->second->last_used)) oldest = it;
        if (!oldest->second->ready) return nullptr;  // all being prepared right now
        // Close goes ahead of this request's messages; its CloseComplete lands in its reply.
        proto::encode_close(out_, 'S', oldest->second->name);
        oldest->second->live = false;
        statements_.erase(oldest);
    }
    auto st = std::make_shared<Prepared>();
    st->name = "uvpg_" + std::to_string(++statement_seq_);
    st->last_used = ++statement_clock_;
    statements_.emplace(key, st);
    prepare = true;
    return st;
}

namespace {
// Binary for every column uvpg has a codec for, text for the rest (an extension type, money):
// the formats one Bind asks for, and the shape its rows come back in.
void set_result_formats(Prepared& st, const TypeRegistry* types) {
    st.result_formats.clear();
    st.bound_shape = st.shape;
    if (!st.shape) return;
    auto shape = std::make_shared<RowShape>(*st.shape);
    bool any_binary = false, all_binary = true;
    for (auto& c : shape->columns) {
        const bool binary = reads_binary(c.type_code, types);
        c.format = binary ? 1 : 0;
        any_binary = any_binary || binary;
        all_binary = all_binary && binary;
    }
    index_columns(*shape);
    if (!any_binary) return;
    if (all_binary) {
        st.result_formats.push_back(proto::Format::binary);
    } else {
        for (const auto& c : shape->columns)
            st.result_formats.push_back(c.format ? proto::Format::binary : proto::Format::text);
    }
    st.bound_shape = std::move(shape);
}
}  // namespace

void ConnectionImpl::add_types(const std::vector<std::pair<std::uint32_t, UserType>>& added) {
    auto next = std::make_shared<TypeRegistry>(types_ ? *types_ : TypeRegistry{});
    for (const auto& [oid, t] : added) next->types[oid] = t;
    types_ = std::move(next);
    last_shape_ = nullptr;  // shapes carry the registry they were built with
    last_desc_.clear();
    for (auto& [key, st] : statements_) {
        if (!st->ready) continue;
        if (st->shape) {
            auto shape = std::make_shared<RowShape>(*st->shape);
            shape->types = types_;
            st->shape = std::move(shape);
        }
        set_result_formats(*st, types_.get());
    }
}

void ConnectionImpl::forget_statements() noexcept {
    for (auto& [key, st] : statements_) st->live = false;
    statements_.clear();
}

void ConnectionImpl::statement_done(Request& r) {
    auto forget = [this](const std::shared_ptr<Prepared>& st) {
        for (auto it = statements_.begin(); it != statements_.end(); ++it) {
            if (it->second == st) {
                st->live = false;
                statements_.erase(it);
                return;
            }
        }
    };
    if (r.statement) {
        if (r.prepares) {
            if (r.error) forget(r.statement);  // not prepared after all
            else {
                r.statement->shape = r.result.shape;
                set_result_formats(*r.statement, types_.get());
                r.statement->ready = true;
            }
        } else if (r.sqlstate == "26000" || r.sqlstate == "0A000") {
            // Gone (DEALLOCATE) or stale ("cached plan must not change result type"): prepared
            // again next time.
            forget(r.statement);
        }
    }
    if (r.sqlstate == "26000" || r.sqlstate == "0A000")
        for (const auto& st : r.batch_statements) forget(st);
    // The user dropped every prepared statement of the session: so are ours.
    if (!r.error && (r.result.tag == "DEALLOCATE ALL" || r.result.tag == "DISCARD ALL")) forget_statements();
}

}  // namespace uvpg::detail
