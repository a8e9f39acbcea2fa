// detail::Access: the one way lib/ (and tests) reach what the public handles keep private:
// the ConnectionImpl behind a Connection, its pool lease, a Task's coroutine handle, and the
// constructors that wrap lib/'s objects in public handles. The public headers name it as a
// friend and nothing more, so that users see only the API (docs/design.md).
#pragma once
#include <uvpg/pool.hpp>

#include <memory>
#include <utility>

namespace uvpg::detail {

struct Access {
    // Connection
    static Connection connection(std::shared_ptr<ConnectionImpl> impl,
                                 std::shared_ptr<Lease> lease = nullptr) noexcept {
        return Connection(std::move(impl), std::move(lease));
    }
    static const std::shared_ptr<ConnectionImpl>& impl(const Connection& c) noexcept { return c.impl_; }
    static const std::shared_ptr<Lease>& lease(const Connection& c) noexcept { return c.lease_; }
    // The live connection, or InterfaceError (closed, or given back to its pool).
    static ConnectionImpl& checked(const Connection& c) { return c.checked(); }

    // Cursor, Pool, Row
    static Cursor cursor(Connection conn) { return Cursor(std::move(conn)); }
    static Pool pool(std::shared_ptr<PoolImpl> impl) noexcept { return Pool(std::move(impl)); }
    // Adopts one reference to `set` that the caller has already counted.
    static Row row(const RowSetBase* set, const std::uint8_t* data) noexcept { return Row(set, data); }

    // Task: the coroutine handle, for code that starts or inspects a task by hand.
    template <class T>
    static std::coroutine_handle<Promise<T>> handle(const Task<T>& t) noexcept {
        return t.h_;
    }
};

}  // namespace uvpg::detail
