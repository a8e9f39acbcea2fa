// Shared by the fuzz targets: a check that aborts (libFuzzer then keeps the input), and the
// hook that writes a target's seed corpus when UVPG_FUZZ_SEEDS names a folder.
#pragma once
#include <cstdio>
#include <cstdlib>

namespace uvpg_fuzz {

inline void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz: check failed: %s\n", what);
    std::abort();
}

}  // namespace uvpg_fuzz

// Defines LLVMFuzzerInitialize: with UVPG_FUZZ_SEEDS set, write the seeds there and exit.
#define UVPG_FUZZ_SEEDS_FROM(write_seeds)                       \
    extern "C" int LLVMFuzzerInitialize(int*, char***) {        \
        if (const char* dir = std::getenv("UVPG_FUZZ_SEEDS")) { \
            write_seeds(dir);                                   \
            std::exit(0);                                       \
        }                                                       \
        return 0;                                               \
    }
