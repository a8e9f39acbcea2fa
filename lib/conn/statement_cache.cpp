// The extended query protocol and the statement cache: one Parse/Bind/Describe/Execute/Sync
// write per statement, named statements kept per connection (LRU), and what to do when the
// server's prepared statements are not what the cache believes.
//
// A cached statement is named by its content (a hash of the SQL text sent and the parameter
// types), so that a name means the same statement on every server connection: behind a
// transaction pooler (pgbouncer) a client's next transaction may run on a server connection
// that another client prepared statements on, and a per-connection counter's "uvpg_1" there
// would be another statement, with another result. A name may still be missing where a run
// lands (26000: another server connection, or DEALLOCATE behind the cache's back): the
// statement is then marked, and its next run (at once, outside a transaction block) prepares
// it again in the same write as the run, Close first, so that a pooler keeps the two on one
// server connection and a name left there by anyone else cannot make it fail (42P05).
#include "lib/conn/connection_impl.hpp"
#include "lib/errors/errors_internal.hpp"
#include "lib/values/type_lookup.hpp"
#include "proto/frontend.hpp"

#include <openssl/evp.h>

namespace uvpg::detail {

namespace {
// "uvpg_" and 128 bits of SHA-256 over the text, a NUL and each parameter type's OID (4 bytes,
// big-endian: the same name whatever machine the client runs on): 37 bytes, under the
// server's 63. Computed once, when the statement enters the cache.
std::string content_name(std::string_view sql, std::span<const std::uint32_t> types) {
    std::string input(sql);
    input.push_back('\0');
    for (auto t : types)
        for (int shift = 24; shift >= 0; shift -= 8) input.push_back(static_cast<char>((t >> shift) & 0xff));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(input.data(), input.size(), md, &len, EVP_sha256(), nullptr) || len < 16)
        throw InterfaceError("could not name a prepared statement: SHA-256 is not available");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string name = "uvpg_";
    for (unsigned i = 0; i < 16; ++i) {
        name.push_back(kHex[md[i] >> 4]);
        name.push_back(kHex[md[i] & 0xf]);
    }
    return name;
}

}  // namespace

std::shared_ptr<Request> ConnectionImpl::query(std::shared_ptr<const std::string> sql_text,
                                               std::span<const std::uint32_t> types,
                                               std::span<const proto::BindParam> params,
                                               const std::shared_ptr<CachedStatement>& known, bool stream) {
    std::string_view sql = *sql_text;
    auto req = stream ? new_request<ops::StreamOp>() : new_request<ops::ExtendedQueryOp>();
    auto& op = stream ? std::get<ops::StreamOp>(req->op) : std::get<ops::ExtendedQueryOp>(req->op);
    if (closed()) {
        req->error = ops::RequestError(make_error(Errc::closed, closed_message()));
        req->done = true;
        return req;
    }
    // One request, one write (ExtendedQueryOp::start): a cached statement needs only
    // Bind/Execute/Sync; a new one is prepared and described in the same write; otherwise the
    // unnamed statement is used.
    bool prepare = false;
    std::shared_ptr<CachedStatement> st;
    if (known && known->live && known->ready) {
        st = known;
        st->last_used = ++statement_clock_;
    } else {
        st = cached_statement(sql, types, prepare);
    }
    if (st && st->reparse) {
        // Not where the last run landed, or stale: prepared again in this run's write. Until
        // its reply, other callers use the unnamed statement.
        st->reparse = false;
        st->ready = false;
        prepare = true;
    }
    op.statement = std::move(st);
    op.prepares = prepare;
    op.start(out_, sql, types, params);
    req->sql = std::move(sql_text);
    enqueue(req);
    return req;
}

std::shared_ptr<const ParsedQuery> parse_query(std::string_view sql) {
    auto st = std::make_shared<ParsedQuery>();
    st->source = sql;
    std::string error;
    if (!proto::parse_placeholders(sql, st->parsed, error)) throw ProgrammingError(error);
    st->sent = std::make_shared<const std::string>(
        st->parsed.style == proto::PlaceholderStyle::none ? std::string(sql) : proto::render_dollar(st->parsed));
    return st;
}

std::shared_ptr<const ParsedQuery> ConnectionImpl::parsed(std::string_view sql) {
    constexpr std::size_t kMaxParsed = 256;  // past it, start over: the cache is only a shortcut
    if (auto it = parsed_.find(sql); it != parsed_.end()) return it->second;
    auto st = parse_query(sql);
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
    auto req = new_request<ops::ExtendedQueryOp>();
    auto& op = std::get<ops::ExtendedQueryOp>(req->op);
    op.statement = st;
    op.prepares = true;
    req->sql = sql;
    op.start_prepare(out_, *sql, types);
    turnstile_.held = true;  // until the caller's own request is queued (release_hold)
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

std::shared_ptr<CachedStatement> ConnectionImpl::ready_statement(std::string_view sql,
                                                                 std::span<const std::uint32_t> types) {
    auto it = statements_.find(statement_key(sql, types));
    // One that must be prepared again is left to a single run (executemany parses unnamed).
    if (it == statements_.end() || !it->second->ready || it->second->reparse) return nullptr;
    it->second->last_used = ++statement_clock_;
    return it->second;
}

std::shared_ptr<CachedStatement> ConnectionImpl::cached_statement(std::string_view sql,
                                                                  std::span<const std::uint32_t> types, bool& prepare) {
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
            if (it->second->ready && (!oldest->second->ready || it->second->last_used < oldest->second->last_used))
                oldest = it;
        if (!oldest->second->ready) return nullptr;  // all being prepared right now
        // Close goes ahead of this request's messages; its CloseComplete lands in its reply.
        // No other entry has this name (names are the content, keys are the content), and a
        // statement of the same content cached again later is sent after this Close.
        proto::encode_close(out_, 'S', oldest->second->name);
        oldest->second->live = false;
        statements_.erase(oldest);
    }
    auto st = std::make_shared<CachedStatement>();
    st->name = content_name(sql, types);
    st->last_used = ++statement_clock_;
    statements_.emplace(key, st);
    prepare = true;
    return st;
}

namespace {
// Binary for every column uvpg has a codec for, text for the rest (an extension type, money):
// the formats one Bind asks for, and the shape its rows come back in.
void set_result_formats(CachedStatement& st, const TypeRegistry* types) {
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

// What the statement cache learns from a query that ended (the op says it as a value).
void ConnectionImpl::statement_done(Request& r) {
    auto forget = [this](const std::shared_ptr<CachedStatement>& st) {
        for (auto it = statements_.begin(); it != statements_.end(); ++it) {
            if (it->second == st) {
                st->live = false;
                statements_.erase(it);
                return;
            }
        }
    };
    auto learn = [&](const ops::ExtendedQueryOp& op) {
        switch (op.cache_news()) {
        case ops::CacheNews::none: break;
        case ops::CacheNews::not_prepared: forget(op.statement); break;  // not prepared after all
        case ops::CacheNews::prepared:
            op.statement->shape = op.result.shape;
            set_result_formats(*op.statement, types_.get());
            op.statement->ready = true;
            break;
        case ops::CacheNews::reparse:
            // Gone where this run landed (DEALLOCATE, a pooler's other server connection) or
            // stale: its next run prepares it again in the same write (the cursor retries at
            // once outside a transaction block).
            op.statement->reparse = true;
            break;
        }
    };
    if (auto* e = std::get_if<ops::ExtendedQueryOp>(&r.op)) learn(*e);
    else if (auto* st = std::get_if<ops::StreamOp>(&r.op)) learn(*st);
    else if (auto* b = std::get_if<ops::BatchOp>(&r.op); b && b->reparse_all())
        for (const auto& p : b->statements)
            if (p->ready) p->reparse = true;
    // The user dropped every prepared statement of the session: so are ours.
    if (r.core().forgets_statements()) forget_statements();
}

}  // namespace uvpg::detail
