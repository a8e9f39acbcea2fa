// Coroutine frames, requests and row sets come from a free list of the thread
// (lib/runtime/recycle.cpp): a block per query would otherwise cost a malloc/free pair each time.
// Its own header so that lib/ can recycle blocks without the coroutine machinery of task.hpp.
#pragma once
#include <uvpg/export.hpp>

#include <cstddef>

namespace uvpg::detail {

UVPG_EXPORT void* frame_alloc(std::size_t n);
UVPG_EXPORT void frame_free(void* p, std::size_t n) noexcept;

}  // namespace uvpg::detail
