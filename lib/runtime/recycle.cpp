// The per-thread free lists behind frame_alloc/frame_free (task.hpp, lib/runtime/recycle.hpp).
#include "lib/runtime/recycle.hpp"

#include <utility>

namespace uvpg::detail {

namespace {

// Sizes are rounded up to 64 bytes; blocks up to 4 KiB are kept, at most 1 MiB per thread.
constexpr std::size_t kGrain = 64, kClasses = 64, kMaxKept = 1 << 20;

struct Block {
    Block* next;
};

// Trivially destructible, so a block freed after the thread's Reaper ran (by a static
// destructor, say) still finds valid state and goes straight to operator delete.
struct FreeLists {
    Block* head[kClasses];
    std::size_t kept;
    bool reaper;  // the thread's Reaper is registered and has not run
    bool dead;    // the Reaper has run: blocks go straight back to operator delete
};
constinit thread_local FreeLists lists{};

struct Reaper {
    ~Reaper() {
        for (auto*& h : lists.head) {
            while (h) ::operator delete(std::exchange(h, h->next));
        }
        lists.kept = 0;
        lists.reaper = false;
        lists.dead = true;
    }
};

#if defined(UVPG_ASAN)
constexpr bool kRecycle = false;  // AddressSanitizer sees every block's life as it is
#else
constexpr bool kRecycle = true;
#endif

}  // namespace

void* frame_alloc(std::size_t n) {
    const std::size_t c = (n - 1) / kGrain;
    if (kRecycle && n != 0 && c < kClasses) {
        FreeLists& l = lists;
        if (Block* b = l.head[c]) {
            l.head[c] = b->next;
            l.kept -= (c + 1) * kGrain;
            return b;
        }
        return ::operator new((c + 1) * kGrain);
    }
    return ::operator new(n);
}

namespace {

// The first free of the thread (registers its Reaper), and blocks not to keep.
[[gnu::noinline]] void free_slow(void* p, std::size_t n) noexcept {
    if (!p) return;
    const std::size_t c = (n - 1) / kGrain;
    FreeLists& l = lists;
    if (kRecycle && n != 0 && c < kClasses && !l.dead && l.kept + (c + 1) * kGrain <= kMaxKept) {
        if (!l.reaper) {
            static thread_local Reaper reaper;  // the thread's clean-up, registered once
            (void)reaper;
            l.reaper = true;
        }
        auto* b = static_cast<Block*>(p);
        b->next = l.head[c];
        l.head[c] = b;
        l.kept += (c + 1) * kGrain;
        return;
    }
    ::operator delete(p);  // a kept size was allocated rounded up: the unsized form
}

}  // namespace

void frame_free(void* p, std::size_t n) noexcept {
    const std::size_t c = (n - 1) / kGrain;
    FreeLists& l = lists;
    // The Reaper registered (and not run yet) and room left: onto the free list.
    if (kRecycle && p && c < kClasses && l.reaper && l.kept + (c + 1) * kGrain <= kMaxKept) {
        auto* b = static_cast<Block*>(p);
        b->next = l.head[c];
        l.head[c] = b;
        l.kept += (c + 1) * kGrain;
        return;
    }
    free_slow(p, n);
}

}  // namespace uvpg::detail
