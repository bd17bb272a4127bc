// Grow-only scratch memory that one thread owns (packing buffers, im2col columns, partial
// sums), page-aligned, taken from the operating system rather than from malloc on POSIX.
// glibc gives every thread that calls malloc an arena of its own, and memory freed into a
// worker thread's arena stays resident: MLP training's RSS growth varied from 1.1x to 2.1x
// the model's bytes between runs, most of it in those arenas.
#pragma once

#include <cstddef>

namespace ng {

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
