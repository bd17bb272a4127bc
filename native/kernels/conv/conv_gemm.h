// What the convolution drivers (conv2d.cpp, winograd*.cpp) share: the GEMM entry points by
// element type, packing a set of matrices, typed per-thread scratch, ceil_div, and a
// cache-blocked matrix transpose.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <vector>

#include "../../runtime/thread_pool.h"
#include "../dtype.h"
#include "../gemm/gemm.h"
#include "im2col.h"

namespace ng {
namespace conv_detail {

// The DType tag of the element type the drivers are instantiated for.
template <typename T>
constexpr DType dtype_of() {
  return sizeof(T) == 8 ? DType::Float64 : DType::Float32;
}

// The GEMM entry points for T, float (sgemm…) or double (dgemm…).
template <typename T>
struct Blas {
  static constexpr bool kF32 = std::is_same_v<T, float>;
  static void gemm(Isa isa, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
                   int64_t ldb, T beta, T* c, int64_t ldc, const GemmEpilogue<T>& ep = {}) {
    if constexpr (kF32) sgemm(isa, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc, ep);
    else dgemm(isa, ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc, ep);
  }
  static void gemm_packed(Isa isa, int64_t m, const T* a, int64_t lda, const PackedMatrix<T>& p, T* c, int64_t ldc,
                          const GemmEpilogue<T>& ep = {}) {
    if constexpr (kF32) sgemm_packed(isa, false, m, a, lda, p, 1.0f, 0.0f, c, ldc, ep);
    else dgemm_packed(isa, false, m, a, lda, p, 1.0, 0.0, c, ldc, ep);
  }
  static void gemm_indirect(int64_t m, int64_t run, const T* const* ptrs, int64_t ptr_ld, const PackedMatrix<T>& p,
                            T* c, int64_t ldc, const GemmEpilogue<T>& ep) {
    if constexpr (kF32) sgemm_indirect(m, run, ptrs, ptr_ld, p, c, ldc, ep);
    else dgemm_indirect(m, run, ptrs, ptr_ld, p, c, ldc, ep);
  }
  static size_t indirect_t_packed_size(Isa isa, int64_t k, int64_t n) {
    if constexpr (kF32) return sgemm_indirect_t_packed_size(isa, k, n);
    else return dgemm_indirect_t_packed_size(isa, k, n);
  }
  // B (k × n, contiguous rows) in the packed form: B itself where it already is (see
  // sgemm_indirect_t_packed_in_place), else packed into dst.
  static const T* indirect_t_packed(Isa isa, int64_t k, int64_t n, const T* b, T* dst) {
    if constexpr (kF32) {
      if (sgemm_indirect_t_packed_in_place(isa, n, n)) return b;
      sgemm_indirect_t_pack(isa, k, n, b, n, dst);
    } else {
      if (dgemm_indirect_t_packed_in_place(isa, n, n)) return b;
      dgemm_indirect_t_pack(isa, k, n, b, n, dst);
    }
    return dst;
  }
  static void gemm_indirect_t_rows(Isa isa, int64_t rows, int64_t k, const T* const* cols, int64_t off, const T* bp,
                                   int64_t n, T beta, T* c, bool prefetch) {
    if constexpr (kF32) sgemm_indirect_t_rows(isa, rows, k, cols, off, bp, n, beta, c, n, prefetch);
    else dgemm_indirect_t_rows(isa, rows, k, cols, off, bp, n, beta, c, n, prefetch);
  }
};

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// count row-major rows × cols matrices, u + i·rows·cols, each packed as op(B) = itself, or
// its transpose where `transposed`, over the threads (a Winograd filter's transformed points).
template <typename T>
std::vector<PackedMatrix<T>> pack_each(Isa isa, int64_t count, const T* u, int64_t rows, int64_t cols,
                                       bool transposed) {
  std::vector<PackedMatrix<T>> packed(static_cast<size_t>(count));
  parallel_for(count, [&](int64_t i) {
    const T* ui = u + i * rows * cols;
    auto& p = packed[static_cast<size_t>(i)];
    if (transposed) p.pack(isa, true, cols, rows, ui, cols);
    else p.pack(isa, false, rows, cols, ui, cols);
  });
  return packed;
}

// A stride of at least `count` elements of `elem` bytes that spans an odd number of 64-byte
// lines (where count fills whole lines), so that rows of a transform's output that far apart
// fall in distinct L1 sets. A Winograd transform writes 16 or 36 such rows per tile; at
// strides that are multiples of 4 KB they share one set (28×28×64 at 64 or 128 tiles per
// chunk: the F(3×3, 4×4) and F(2×2, 3×3) transforms 2.4-3.5× slower than at 63 or 127).
inline int64_t odd_line_stride(int64_t count, size_t elem) {
  const int64_t per_line = 64 / static_cast<int64_t>(elem);
  return count % per_line == 0 && (count / per_line) % 2 == 0 ? count + per_line : count;
}

template <typename T>
T* scratch(ScratchSlot slot, int64_t count) {
  return static_cast<T*>(thread_scratch(slot, static_cast<size_t>(count) * sizeof(T)));
}

// dst[c·ld_dst + r] = src[r·ld_src + c] for r < rows, c < cols, by 16×16 blocks (element by
// element, a 3×3 256 → 256 filter's flip took 1.5 ms: every store a cache miss).
template <typename T>
void transpose(int64_t rows, int64_t cols, const T* src, int64_t ld_src, T* dst, int64_t ld_dst) {
  constexpr int64_t kB = 16;
  for (int64_t r0 = 0; r0 < rows; r0 += kB)
    for (int64_t c0 = 0; c0 < cols; c0 += kB)
      for (int64_t c = c0; c < std::min(cols, c0 + kB); ++c)
        for (int64_t r = r0; r < std::min(rows, r0 + kB); ++r) dst[c * ld_dst + r] = src[r * ld_src + c];
}

}  // namespace conv_detail
}  // namespace ng
