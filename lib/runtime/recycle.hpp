// Blocks of the per-query path (requests, row sets; coroutine frames through task.hpp's
// frame_alloc) go back to a free list of their thread instead of to malloc: a round trip
// otherwise pays several malloc/free pairs for objects of the same few sizes.
#pragma once
#include <uvpg/detail/frame_alloc.hpp>

#include <cstddef>
#include <new>

// Under AddressSanitizer nothing is recycled, so that it sees every block's life as it is.
#if defined(__SANITIZE_ADDRESS__)
#define UVPG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UVPG_ASAN 1
#endif
#endif

namespace uvpg::detail {

// std::allocator's shape over frame_alloc/frame_free, for std::allocate_shared.
template <class T>
struct Recycling {
    using value_type = T;
    Recycling() noexcept = default;
    template <class U>
    Recycling(const Recycling<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(frame_alloc(n * sizeof(T))); }
    void deallocate(T* p, std::size_t n) noexcept { frame_free(p, n * sizeof(T)); }
    friend bool operator==(const Recycling&, const Recycling&) noexcept { return true; }
};

// Class-scope operator new/delete for types allocated one at a time.
struct RecycledNew {
    static void* operator new(std::size_t n) { return frame_alloc(n); }
    static void operator delete(void* p, std::size_t n) noexcept { frame_free(p, n); }
};

}  // namespace uvpg::detail
