// AArch64 NEON path. fp32: 8 x 12 tile (8 rows x 3 float32x4 = 24 accumulators + 3 B
// vectors + 1 broadcast of the 32 q registers); fp64: 8 x 6. Same template as the x86
// paths. Empty on every other target. Not executed on the x86-64 development machine:
// only type-checked there (clang --target=aarch64-linux-gnu -fsyntax-only).
#include "gemm_internal.h"

#if defined(__aarch64__) && defined(__ARM_NEON)

#include <arm_neon.h>
#include <cstdint>

#include "microkernel_impl.h"

namespace ng {
namespace gemm_detail {
namespace {

struct VecF32 {
  using T = float;
  using R = float32x4_t;
  static constexpr int kWidth = 4;
  static NG_GEMM_INLINE R zero() { return vdupq_n_f32(0.0f); }
  static NG_GEMM_INLINE R set1(T x) { return vdupq_n_f32(x); }
  static NG_GEMM_INLINE R load(const T* p) { return vld1q_f32(p); }
  static NG_GEMM_INLINE R loadu(const T* p) { return vld1q_f32(p); }
  static NG_GEMM_INLINE void storeu(T* p, R x) { vst1q_f32(p, x); }
  static NG_GEMM_INLINE R bcast(const T* p) { return vld1q_dup_f32(p); }
  static NG_GEMM_INLINE R fma(R a, R b, R c) { return vfmaq_f32(c, a, b); }
  static NG_GEMM_INLINE R mul(R a, R b) { return vmulq_f32(a, b); }
  static NG_GEMM_INLINE R add(R a, R b) { return vaddq_f32(a, b); }
  static NG_GEMM_INLINE R gt0_select(R x, R y) {
    return vbslq_f32(vcgtq_f32(x, vdupq_n_f32(0.0f)), x, y);
  }
  static NG_GEMM_INLINE void prefetch(const void* p) { __builtin_prefetch(p); }
};

struct VecF64 {
  using T = double;
  using R = float64x2_t;
  static constexpr int kWidth = 2;
  static NG_GEMM_INLINE R zero() { return vdupq_n_f64(0.0); }
  static NG_GEMM_INLINE R set1(T x) { return vdupq_n_f64(x); }
  static NG_GEMM_INLINE R load(const T* p) { return vld1q_f64(p); }
  static NG_GEMM_INLINE R loadu(const T* p) { return vld1q_f64(p); }
  static NG_GEMM_INLINE void storeu(T* p, R x) { vst1q_f64(p, x); }
  static NG_GEMM_INLINE R bcast(const T* p) { return vld1q_dup_f64(p); }
  static NG_GEMM_INLINE R fma(R a, R b, R c) { return vfmaq_f64(c, a, b); }
  static NG_GEMM_INLINE R mul(R a, R b) { return vmulq_f64(a, b); }
  static NG_GEMM_INLINE R add(R a, R b) { return vaddq_f64(a, b); }
  static NG_GEMM_INLINE R gt0_select(R x, R y) {
    return vbslq_f64(vcgtq_f64(x, vdupq_n_f64(0.0)), x, y);
  }
  static NG_GEMM_INLINE void prefetch(const void* p) { __builtin_prefetch(p); }
};

constexpr int kMrF32 = 8, kNvF32 = 3;  // 8 x 12
constexpr int kMrF64 = 8, kNvF64 = 3;  // 8 x 6

}  // namespace

bool get_kernels_neon(KernelDesc<float>* f32, KernelDesc<double>* f64) {
  NG_GEMM_FILL_DESC(f32, VecF32, kMrF32, kNvF32, 128, 256, 1, 2, 3, 4, 5, 6, 7, 8);
  NG_GEMM_FILL_DESC(f64, VecF64, kMrF64, kNvF64, 64, 256, 1, 2, 3, 4, 5, 6, 7, 8);
  return true;
}

}  // namespace gemm_detail
}  // namespace ng

#else  // not AArch64 NEON

namespace ng {
namespace gemm_detail {
bool get_kernels_neon(KernelDesc<float>*, KernelDesc<double>*) { return false; }
}  // namespace gemm_detail
}  // namespace ng

#endif
