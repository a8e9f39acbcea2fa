// UVPG_EXPORT marks what libuvpg exports: the public API's classes and functions, and the
// detail:: functions that the public headers' inline code calls. libuvpg is built with
// -fvisibility=hidden, so everything else in it (lib/, proto/) stays out of its dynamic symbol
// table: users cannot link against internals, and calls inside the library need no PLT.
#pragma once

#if defined(__GNUC__) || defined(__clang__)
#define UVPG_EXPORT __attribute__((visibility("default")))
#else
#define UVPG_EXPORT
#endif
