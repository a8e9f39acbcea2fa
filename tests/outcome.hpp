// How an operation ended, for the fault tests: run it with attempt(), then check the class.
#pragma once
#include <uvpg/uvpg.hpp>

#include <doctest/doctest.h>

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>

namespace uvpg_test {

// How an operation ended: empty when it succeeded.
struct Outcome {
    std::exception_ptr ep;

    explicit operator bool() const { return bool(ep); }
    template <class E>
    bool is() const {
        if (!ep) return false;
        try {
            std::rethrow_exception(ep);
        } catch (const E&) {
            return true;
        } catch (...) {
            return false;
        }
    }
    std::string what() const {
        if (!ep) return "";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            return e.what();
        } catch (...) {
            return "(not a std::exception)";
        }
    }
    std::string pgcode() const {
        if (!ep) return "";
        try {
            std::rethrow_exception(ep);
        } catch (const uvpg::Error& e) {
            return e.pgcode();
        } catch (...) {
            return "";
        }
    }
    // "uvpg::OperationalError: message", for the log of a failed check.
    std::string describe() const {
        if (!ep) return "no exception";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            int status = 0;
            char* name = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
            std::string out = (status == 0 && name ? name : typeid(e).name()) + std::string(": ") + e.what();
            std::free(name);
            return out;
        } catch (...) {
            return "an exception that is not a std::exception";
        }
    }
};

// Runs what `make` returns (made inside the try: some entry points throw before their Task
// exists) and reports how it ended.
template <class F>
uvpg::Task<Outcome> attempt(F make) {
    std::exception_ptr ep;
    try {
        co_await make();
    } catch (...) {
        ep = std::current_exception();
    }
    co_return Outcome{ep};
}

// Connects, expecting a failure: how the connect ended (a connection made is the test's failure,
// and closes on the way out).
inline uvpg::Task<Outcome> connect_attempt(std::string dsn) {
    std::exception_ptr ep;
    try {
        uvpg::Connection conn = co_await uvpg::connect(dsn);
    } catch (...) {
        ep = std::current_exception();
    }
    co_return Outcome{ep};
}

}  // namespace uvpg_test

#define CHECK_RAISED(outcome, E) CHECK_MESSAGE((outcome).is<E>(), "expected " #E ", got ", (outcome).describe())
