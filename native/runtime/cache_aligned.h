// Buffers a thread writes while other threads run: whole cache lines, so that no two
// threads' buffers ever share one. In a Node process the pool's workers allocate from the
// same malloc arena as the main thread, and per-task std::vectors placed side by side
// made each thread's stores invalidate the other's hot lines: LeNet's first convolution ran
// no faster on 2 threads than on 1 (0.16 ms), and 0.096 ms with per-thread buffers in lines
// of their own.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace ng {

constexpr std::size_t kCacheLine = 64;

template <typename T>
struct CacheAlignedAllocator {
  using value_type = T;

  CacheAlignedAllocator() = default;
  template <typename U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = (n * sizeof(T) + kCacheLine - 1) / kCacheLine * kCacheLine;
    return static_cast<T*>(::operator new(bytes, std::align_val_t(kCacheLine)));
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t(kCacheLine)); }

  template <typename U>
  bool operator==(const CacheAlignedAllocator<U>&) const noexcept { return true; }
  template <typename U>
  bool operator!=(const CacheAlignedAllocator<U>&) const noexcept { return false; }
};

template <typename T>
using CacheAlignedVector = std::vector<T, CacheAlignedAllocator<T>>;

// Elements of T in whole cache lines holding at least n of them (a stride that keeps each
// thread's slice of a shared buffer in lines of its own).
template <typename T>
constexpr std::size_t cache_line_stride(std::size_t n) {
  constexpr std::size_t per_line = kCacheLine / sizeof(T);
  return (n + per_line - 1) / per_line * per_line;
}

}  // namespace ng
