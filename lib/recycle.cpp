// The per-thread free lists behind frame_alloc/frame_free (task.hpp, lib/recycle.hpp).
#include "lib/recycle.hpp"

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
    bool reaper;  // the thread's Reaper is registered
    bool dead;    // and has run
};
constinit thread_local FreeLists lists{};

struct Reaper {
    ~Reaper() {
        for (auto*& h : lists.head) {
            while (h) ::operator delete(std::exchange(h, h->next));
        }
        lists.kept = 0;
        lists.dead = true;
    }
};

#if defined(__SANITIZE_ADDRESS__)
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

void frame_free(void* p, std::size_t n) noexcept {
    if (!p) return;
    const std::size_t c = (n - 1) / kGrain;
    if (kRecycle && n != 0 && c < kClasses) {
        FreeLists& l = lists;
        if (!l.dead && l.kept + (c + 1) * kGrain <= kMaxKept) {
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
        ::operator delete(p);  // allocated rounded up: the unsized form
        return;
    }
    ::operator delete(p);
}

}  // namespace uvpg::detail
