// Grow-only scratch memory that one thread owns (packing buffers, im2col columns, partial
// sums), page-aligned, taken from the operating system rather than from malloc on POSIX.
// glibc gives each thread that calls malloc an arena of its own, where freed memory stays
// resident; pages from mmap keep the kernels' scratch out of the arenas of the pool's
// workers, and go back to the system when a buffer is trimmed.
#pragma once

#include <cstddef>

namespace ng {

// Asks the OS to back the 2 MB-aligned part of [p, p + bytes) with huge pages (Linux, where
// transparent huge pages are in "madvise" mode); a no-op elsewhere, for small ranges, or with
// NODEGRAD_HUGE_PAGES=0. Call it before the pages are first touched. Kernels that stream
// large operands miss the TLB on every 4 KB page otherwise.
void advise_huge_pages(void* p, std::size_t bytes);

class ScratchBuffer {
 public:
  ScratchBuffer() = default;
  ScratchBuffer(const ScratchBuffer&) = delete;
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  ~ScratchBuffer() { release(); }

  // At least `bytes` bytes, page-aligned; the contents are unspecified. The buffer is reused
  // (and so invalidated) by the next get() on the same object.
  void* get(std::size_t bytes);
  template <typename T>
  T* get(std::size_t count) {
    return static_cast<T*>(get(count * sizeof(T)));
  }
  // Returns the memory when the buffer holds more than `keep` bytes.
  void trim(std::size_t keep) {
    if (cap_ > keep) release();
  }

 private:
  void release();
  void* p_ = nullptr;
  std::size_t cap_ = 0;
};

}  // namespace ng
