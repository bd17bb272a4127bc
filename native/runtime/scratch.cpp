#include "scratch.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#if (defined(__unix__) || defined(__APPLE__)) && !defined(__EMSCRIPTEN__)
#include <sys/mman.h>
#define NG_SCRATCH_MMAP 1
#endif

namespace ng {

namespace {

constexpr std::size_t kPage = 4096;
// Never read; keeps loads that run a few elements past the requested end inside the buffer.
constexpr std::size_t kSlack = 256;

void* pages_new(std::size_t bytes) {
#ifdef NG_SCRATCH_MMAP
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
#else
  return ::operator new(bytes, std::align_val_t(kPage));
#endif
}

void pages_delete(void* p, std::size_t bytes) {
#ifdef NG_SCRATCH_MMAP
  munmap(p, bytes);
#else
  (void)bytes;
  ::operator delete(p, std::align_val_t(kPage));
#endif
}

constexpr std::size_t kHugePage = std::size_t(2) << 20;

bool huge_pages_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("NODEGRAD_HUGE_PAGES");
    return !(v && std::strcmp(v, "0") == 0);
  }();
  return enabled;
}

}  // namespace

void advise_huge_pages(void* p, std::size_t bytes) {
#if defined(NG_SCRATCH_MMAP) && defined(MADV_HUGEPAGE)
  const std::uintptr_t begin = (reinterpret_cast<std::uintptr_t>(p) + kHugePage - 1) / kHugePage * kHugePage;
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(p) + bytes) / kHugePage * kHugePage;
  if (end > begin && huge_pages_enabled())
    madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // advice only: failure is harmless
#else
  (void)p;
  (void)bytes;
#endif
}

void* ScratchBuffer::get(std::size_t bytes) {
  const std::size_t want = (bytes + kSlack + kPage - 1) / kPage * kPage;
  if (want > cap_) {
    release();
    p_ = pages_new(want);
    cap_ = want;
    advise_huge_pages(p_, cap_);
  }
  return p_;
}

void ScratchBuffer::release() {
  if (p_) pages_delete(p_, cap_);
  p_ = nullptr;
  cap_ = 0;
}

}  // namespace ng
