#include "scratch.h"

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

}  // namespace

void* ScratchBuffer::get(std::size_t bytes) {
  const std::size_t want = (bytes + kSlack + kPage - 1) / kPage * kPage;
  if (want > cap_) {
    release();
    p_ = pages_new(want);
    cap_ = want;
  }
  return p_;
}

void ScratchBuffer::release() {
  if (p_) pages_delete(p_, cap_);
  p_ = nullptr;
  cap_ = 0;
}

}  // namespace ng
