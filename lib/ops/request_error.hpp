// Why a request failed, kept as a value from the moment it is known until its awaiter is
// resumed: an error of lib/ (an ErrorValue), or the user's own exception from a COPY source or
// sink, passed on as it is. The exception is built only at the edge (exception()). Copies share
// one value: the requests a closing connection fails all hold its one reason.
#pragma once
#include "lib/errors/error.hpp"

#include <exception>
#include <memory>

namespace uvpg::detail::ops {

struct QueryCore;

class RequestError {
public:
    RequestError() noexcept = default;
    explicit RequestError(ErrorValue e);
    // The error a request's reply brought so far (empty: none), with `sql` for psql's "LINE 1:"
    // display when the error has no statement of its own.
    static RequestError of(const QueryCore& c, const std::shared_ptr<const std::string>& sql);

    // Failed at all. As cheap as testing an exception_ptr: a request that succeeds pays a null
    // pointer (the rest is on the heap, built only on failure).
    explicit operator bool() const noexcept { return p_ != nullptr; }
    // The error of lib/, or null when the failure is the user's own exception.
    const ErrorValue* value() const noexcept { return p_ && !p_->thrown ? &p_->value : nullptr; }
    // Whether its exception is an OperationalError, known without throwing it.
    bool operational() const noexcept { return p_ && p_->operational; }
    // The same failure (a copy of it), not merely an equal one.
    friend bool operator==(const RequestError& a, const RequestError& b) noexcept { return a.p_ == b.p_; }

    // The edge: the exception its awaiter gets (null when it did not fail).
    std::exception_ptr exception() const;
    operator std::exception_ptr() const { return exception(); }

private:
    struct Data {
        ErrorValue value;
        std::exception_ptr thrown;  // the user's own; `value` is empty then
        bool operational = false;
    };
    std::shared_ptr<const Data> p_;
};

// What a request still running ends with when its connection closes under it for `reason`:
// the error its reply already brought (`own`), if any. When the connection was lost (`lost`:
// EOF, a socket error) only an OperationalError stands (a FATAL such as 57P01 from
// pg_terminate_backend explains the loss better than the EOF does); any other error goes, as
// the statement's outcome is lost with the connection. A pure function of the values.
RequestError ending_error(RequestError own, const RequestError& reason, bool lost);

}  // namespace uvpg::detail::ops
