// Portable C++ path: the fallback on every platform (x86-64 without AVX2, aarch64
// without a NEON build, anything else). fp32: 4 x 8 tile, fp64: 4 x 4. Written over the
// same template as the SIMD paths with 1-lane "vectors"; compilers auto-vectorize it with
// the baseline ISA (SSE2 on x86-64). Multiply and add are separate operations here
// (no FMA is assumed), so results may differ from the FMA paths in the last bit.
#include "gemm_internal.h"

#include <cstdint>

#include "microkernel_impl.h"

namespace ng {
namespace gemm_detail {
namespace {

template <typename TT>
struct VecScalar {
  using T = TT;
  using R = TT;
  static constexpr int kWidth = 1;
  static NG_GEMM_INLINE R zero() { return T(0); }
  static NG_GEMM_INLINE R set1(T x) { return x; }
  static NG_GEMM_INLINE R load(const T* p) { return *p; }
  static NG_GEMM_INLINE R loadu(const T* p) { return *p; }
  static NG_GEMM_INLINE void storeu(T* p, R x) { *p = x; }
  static NG_GEMM_INLINE R bcast(const T* p) { return *p; }
  static NG_GEMM_INLINE R fma(R a, R b, R c) { return a * b + c; }
  static NG_GEMM_INLINE R mul(R a, R b) { return a * b; }
  static NG_GEMM_INLINE R add(R a, R b) { return a + b; }
  static NG_GEMM_INLINE R gt0_select(R x, R y) { return x > T(0) ? x : y; }
  static NG_GEMM_INLINE void prefetch(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
  }
};

constexpr int kMrF32 = 4, kNrF32 = 8;
constexpr int kMrF64 = 4, kNrF64 = 4;

}  // namespace

bool get_kernels_scalar(KernelDesc<float>* f32, KernelDesc<double>* f64) {
  NG_GEMM_FILL_DESC(f32, VecScalar<float>, kMrF32, kNrF32, 128, 256, 1, 2, 3, 4);
  NG_GEMM_FILL_DESC(f64, VecScalar<double>, kMrF64, kNrF64, 128, 256, 1, 2, 3, 4);
  return true;
}

}  // namespace gemm_detail
}  // namespace ng
