// The running connection: the request queue, reading and dispatching backend messages,
// asynchronous messages in every state (how it ends: lib/conn/connection_close.cpp).
#include "lib/conn/connection_impl.hpp"
#include "lib/errors/errors_internal.hpp"
#include "proto/frontend.hpp"

#include <algorithm>
#include <charconv>

namespace uvpg::detail {

namespace {
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;
constexpr std::size_t kMaxNotices = 50;  // psycopg2 keeps the last 50
}  // namespace

ConnectionImpl::ConnectionImpl(ConnParams params)
    : params_(std::move(params)),
      loop_(params_.loop ? params_.loop : uv_default_loop()),
      decoder_(params_.max_message) {}

std::string ConnectionImpl::where() const { return peer_text_.empty() ? "server" : peer_text_; }

TransactionStatus ConnectionImpl::transaction_status() const noexcept {
    if (!running()) return TransactionStatus::unknown;
    if (!queue_.empty()) return TransactionStatus::active;
    switch (tx_status_) {
    case 'I': return TransactionStatus::idle;
    case 'T': return TransactionStatus::intrans;
    case 'E': return TransactionStatus::inerror;
    default: return TransactionStatus::unknown;
    }
}

std::optional<std::string> ConnectionImpl::parameter_status(std::string_view name) const {
    auto it = server_params_.find(name);
    if (it == server_params_.end()) return std::nullopt;
    return it->second;
}

std::shared_ptr<Request> ConnectionImpl::query(std::string_view sql) {
    return query(std::make_shared<const std::string>(sql));
}

std::shared_ptr<Request> ConnectionImpl::query(std::shared_ptr<const std::string> sql) {
    auto req = new_request();
    if (closed()) {
        req->error = ops::RequestError(make_error(Errc::closed, closed_message()));
        req->done = true;
        return req;
    }
    std::get<ops::SimpleQueryOp>(req->op).start(out_, *sql);
    req->sql = std::move(sql);
    enqueue(req);
    return req;
}

std::shared_ptr<Request> ConnectionImpl::copy(std::shared_ptr<const std::string> sql,
                                              std::function<std::size_t(char*, std::size_t)> source,
                                              std::function<void(std::string_view)> sink) {
    auto req = source ? new_request<ops::CopyInOp>() : new_request<ops::CopyOutOp>();
    if (auto* in = std::get_if<ops::CopyInOp>(&req->op)) in->source = std::move(source);
    else std::get<ops::CopyOutOp>(req->op).sink = std::move(sink);
    if (closed()) {
        req->error = ops::RequestError(make_error(Errc::closed, closed_message()));
        req->done = true;
        return req;
    }
    proto::encode_query(out_, *sql);  // as SimpleQueryOp::start
    req->sql = std::move(sql);
    enqueue(req);
    return req;
}

void ConnectionImpl::flush() {
    if (!socket_ || socket_->writing() || closed()) return;
    if (out_.empty() && wire_.empty() && !(tls_ && tls_->has_output())) return;
    socket_->cork();
}

void ConnectionImpl::on_uncork() {
    auto self = shared_from_this();
    flush_now();
}

void ConnectionImpl::flush_now() {
    if (!socket_ || socket_->writing() || closed()) return;
    std::vector<std::uint8_t>* buf = &out_;
    if (tls_) {
        // Plaintext goes out only once the handshake is done; until then only its records.
        if (tls_->established() && !out_.empty()) {
            if (!tls_->write(out_.data(), out_.size())) {
                connection_lost(tls_->error());
                resume_ready();
                return;
            }
            out_.clear();
        }
        tls_->take_output(wire_);
        buf = &wire_;
    }
    if (buf->empty()) return;
    if (int rc = socket_->write(*buf); rc != 0) {
        connection_lost("could not send data to server: " + system_error_text(rc));
        resume_ready();  // the other requests in flight learn it now, not at the next read
    }
}

void ConnectionImpl::on_written(int status) {
    auto self = shared_from_this();
    if (status < 0) {
        connection_lost("could not send data to server: " + system_error_text(status));
        resume_ready();
        return;
    }
    flush_now();
    if (!queue_.empty() && socket_ && !socket_->writing())
        if (auto* copy = std::get_if<ops::CopyInOp>(&queue_.front()->op); copy && copy->pumping) pump_copy_in();
    resume_ready();
}

void ConnectionImpl::on_alloc(std::size_t, uv_buf_t* buf) {
    if (tls_ || awaiting_ssl_reply()) {  // ciphertext, or the one-byte reply to SSLRequest
        tls_in_.resize(kReadChunk);
        *buf = uv_buf_init(reinterpret_cast<char*>(tls_in_.data()), static_cast<unsigned>(tls_in_.size()));
        return;
    }
    auto span = decoder_.prepare(kReadChunk);
    *buf = uv_buf_init(reinterpret_cast<char*>(span.data()), static_cast<unsigned>(span.size()));
}

void ConnectionImpl::on_read(ssize_t nread, const uv_buf_t*) {
    auto self = shared_from_this();  // a resumed waiter may drop the last handle
    // Startup's reads: the SSL answer, the handshake, a failure (lib/conn/startup.cpp).
    if (state_ == State::startup && on_startup_read(nread)) {
        resume_ready();
        return;
    }
    if (nread < 0) {
        if (nread == UV_EOF) {
            connection_lost(kServerClosed);
        } else {
            connection_lost("could not receive data from server: " + system_error_text(static_cast<int>(nread)));
        }
        resume_ready();
        return;
    }
    const auto n = static_cast<std::size_t>(nread);
    if (tls_) {
        tls_->feed(tls_in_.data(), n);
        bool lost = false;
        for (;;) {
            auto span = decoder_.prepare(kReadChunk);
            const long got = tls_->read(span.data(), span.size());
            if (got < 0) {
                lost = true;
                break;
            }
            if (got == 0) break;
            decoder_.commit(static_cast<std::size_t>(got));
        }
        if (tls_->has_output()) flush();
        // What came before the end (a FATAL ErrorResponse, say) is read first. It may end
        // this attempt (a fallback of sslmode prefer/allow starts another, in plain text:
        // without this session).
        const std::string lost_why = lost ? tls_->error() : std::string();
        const TlsSession* session = tls_.get();
        process_input();
        if (lost && !closed() && tls_.get() == session) connection_lost(lost_why);
        watch_low_water(n);
    } else {
        decoder_.commit(n);
        process_input();
        watch_low_water(n);
    }
    resume_ready();
}

void ConnectionImpl::process_input() {
    while (!closed()) {
        auto next = decoder_.next();
        if (next.status == proto::Decoder::Status::need_more) break;
        if (next.status == proto::Decoder::Status::error) {
            protocol_violation(proto::describe(next.error));
            break;
        }
        dispatch(next.msg);
    }
}

std::optional<std::string> ConnectionImpl::ssl_attribute(std::string_view name) const {
    if (!ssl_in_use()) return std::nullopt;
    if (name == "library") return std::string("OpenSSL");
    if (name == "protocol") return tls_->protocol();
    if (name == "cipher") return tls_->cipher();
    if (name == "compression") return std::string("off");
    if (name == "key_bits") return tls_->key_bits();
    return std::nullopt;
}

void ConnectionImpl::dispatch(const proto::RawMessage& raw) {
    if (state_ == State::startup) return on_startup_message(raw);  // lib/conn/startup.cpp
    // The messages of every query are decoded as views (proto::decode_hot: no allocation, no
    // variant) and handled at once; anything else, or these outside a query, goes through
    // proto::decode below.
    if (running() && !queue_.empty()) {  // the front request is a query (not open()'s)
        Request& front = *queue_.front();
        // The same RowDescription as the last one (the same statement again): a byte compare
        // with the last one decoded, whose shape is kept.
        if (raw.type == 'T' && last_shape_ && std::ranges::equal(raw.body, last_desc_))
            return on_row_description(front);
        const proto::Hot hot = proto::decode_hot(raw, [&](const auto& m) {
            using M = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<M, proto::DataRow>) {
                on_data_row(front, m);  // the message of every row: into the result
            } else if constexpr (std::is_same_v<M, proto::CommandComplete>) {
                on_command_complete(front, m.tag);
            } else if constexpr (std::is_same_v<M, proto::ReadyForQuery>) {
                on_ready_for_query(front, m.status);
            } else if constexpr (std::is_same_v<M, proto::ParseComplete> || std::is_same_v<M, proto::BindComplete>) {
                if (!ops::extended_protocol(front.op)) return false;
                if constexpr (std::is_same_v<M, proto::BindComplete>) ops::bind_complete(front.op);
            } else {
                return false;  // the rest below, from the BackendMessage
            }
            return true;
        });
        if (hot == proto::Hot::taken) return;
        if (hot == proto::Hot::malformed)
            return protocol_violation(std::string(proto::describe(proto::Errc::malformed)) + " (message type " +
                                      message_type_text(raw.type) + ")");
    }
    proto::BackendMessage m;
    if (auto e = proto::decode(raw, m); e != proto::Errc::ok) {
        return protocol_violation(std::string(proto::describe(e)) + " (message type " + message_type_text(raw.type) +
                                  ")");
    }
    // NoticeResponse, NotificationResponse and ParameterStatus may come in any state.
    if (handle_async(m)) return;
    if (queue_.empty()) {
        if (auto* e = std::get_if<proto::ErrorResponse>(&m)) {
            // FATAL while idle (pg_terminate_backend, idle_session_timeout): the next use fails with it.
            return close(server_error(diagnostics_from_fields(e->fields)));
        }
        return protocol_violation("unexpected message type " + message_type_text(raw.type) + " while idle");
    }
    Request& front = *queue_.front();
    if (raw.type == 'T') remember_shape(raw.body, std::get<proto::RowDescription>(m));
    on_query_message(front, raw, m);
}

bool ConnectionImpl::handle_async(const proto::BackendMessage& m) {
    if (auto* n = std::get_if<proto::NoticeResponse>(&m)) {
        add_notice(*n);
        return true;
    }
    if (auto* s = std::get_if<proto::ParameterStatus>(&m)) {
        server_params_[std::string(s->name)] = std::string(s->value);
        return true;
    }
    if (auto* a = std::get_if<proto::NotificationResponse>(&m)) {
        Notify n{a->pid, std::string(a->channel), std::string(a->payload)};
        if (!notify_waiters.empty()) {
            auto w = notify_waiters.front();
            notify_waiters.pop_front();
            *w.slot = std::move(n);
            ready_.push_back({nullptr, w.h});
        } else {
            notifies.push_back(std::move(n));
        }
        return true;
    }
    return false;
}

void ConnectionImpl::add_notice(const proto::NoticeResponse& n) {
    Diagnostics d = diagnostics_from_fields(n.fields);
    std::string text = (d.severity.empty() ? std::string("NOTICE") : d.severity) + ":  " + d.message_primary + "\n";
    if (!d.message_detail.empty()) text += "DETAIL:  " + d.message_detail + "\n";
    if (!d.message_hint.empty()) text += "HINT:  " + d.message_hint + "\n";
    notices_.push_back(std::move(text));
    if (notices_.size() > kMaxNotices) notices_.pop_front();
}

void ConnectionImpl::pump_copy_in() {
    // The op fills the write buffer up to a high-water mark; it is written, and the pump goes
    // on while writes complete at once. A write that waits resumes the pump from on_written.
    constexpr std::size_t kHighWater = std::size_t{256} * 1024;
    while (!closed() && !queue_.empty()) {
        auto* copy = std::get_if<ops::CopyInOp>(&queue_.front()->op);
        if (!copy || !copy->pumping) return;
        copy->fill(out_, kHighWater);
        flush_now();
        if (!socket_ || socket_->writing()) return;  // on_written goes on
    }
}

// The front request's messages go to its op; what it answers is done here.
void ConnectionImpl::on_data_row(Request& r, const proto::DataRow& row) {
    if (ops::Step s = ops::data_row(r.op, row); s.bits) apply(r, s, 'D');
}

void ConnectionImpl::on_row_description(Request& r) {
    if (ops::Step s = ops::row_description(r.op, last_shape_); s.bits) apply(r, s, 'T');
}

void ConnectionImpl::on_command_complete(Request& r, std::string_view tag) { ops::command_complete(r.op, tag); }

void ConnectionImpl::on_ready_for_query(Request& r, char status) {
    const ops::Step s = ops::ready_for_query(r.op, status);
    if (s.bits != ops::Step::complete) return apply(r, s, 'Z');
    tx_status_ = status;  // the usual end, without the rest of apply()
    statement_done(r);
    complete_front();
}

void ConnectionImpl::on_query_message(Request& r, const proto::RawMessage& raw, const proto::BackendMessage& m) {
    if (ops::Step s = ops::feed(r.op, raw, m, out_, last_shape_); s.bits) apply(r, s, raw.type);
}

void ConnectionImpl::apply(Request& r, ops::Step s, char type) {
    using ops::Step;
    if (s.bits & Step::unexpected) return protocol_violation("unexpected message type " + message_type_text(type));
    if (s.bits & Step::violation) return protocol_violation(r.core().violation);
    if (s.bits & Step::flush) flush();
    if (s.bits & Step::pump) pump_copy_in();
    if (s.bits & Step::wake) {
        wake(queue_.front());  // r is the front request
        if (auto* st = std::get_if<ops::StreamOp>(&r.op)) stream_peak_ = std::max(stream_peak_, st->buffered);
    }
    if (s.bits & Step::pause_reading) pause_reading(true);
    if (s.bits & Step::resume_reading) pause_reading(false);
    if (s.bits & Step::complete) {
        tx_status_ = r.core().tx_status;
        statement_done(r);
        complete_front();
    }
}

void ConnectionImpl::remember_shape(proto::ByteView body, const proto::RowDescription& desc) {
    // The same statement run again describes its rows with the same bytes: reuse the shape
    // (names, lookup table) instead of building it per query.
    if (last_shape_ && body.size() == last_desc_.size() && std::equal(body.begin(), body.end(), last_desc_.begin()))
        return;
    last_shape_ = make_shape(desc, types_);
    last_desc_.assign(body.begin(), body.end());
}

void ConnectionImpl::complete_front() {
    auto req = std::move(queue_.front());
    queue_.pop_front();
    req->done = true;
    if (!req->error && req->core().failed()) req->error = ops::RequestError::of(req->core(), req->sql);
    req->followed = !queue_.empty() || turnstile_.busy();
    if (req->waiter && !req->wake_queued) {
        req->wake_queued = true;
        ready_.push_back({std::move(req), {}});
    }
    grant_room();
}

void ConnectionImpl::wake(const std::shared_ptr<Request>& r) {
    if (!r->waiter || r->wake_queued) return;
    r->wake_queued = true;
    ready_.push_back({r, {}});
}

void ConnectionImpl::resume_ready() {
    if (ready_next_ == ready_.size()) return;
    auto self = shared_from_this();
    // One list, resumed in order; a waiter being resumed that calls this again (closing the
    // connection, say) resumes the rest at once. The list keeps its memory.
    const bool outer = !resuming_active_;
    resuming_active_ = true;
    while (ready_next_ < ready_.size()) {
        Ready e = std::move(ready_[ready_next_++]);
        std::coroutine_handle<> h = e.h;
        if (e.req) {
            e.req->wake_queued = false;
            h = std::exchange(e.req->waiter, {});
        }
        if (h) h.resume();
    }
    if (outer) {
        ready_.clear();
        ready_next_ = 0;
        resuming_active_ = false;
    }
}

void ConnectionImpl::forget_waiter(std::coroutine_handle<> h) noexcept {
    for (std::size_t i = ready_next_; i < ready_.size(); ++i)
        if (ready_[i].h == h) ready_[i].h = {};
}

}  // namespace uvpg::detail
