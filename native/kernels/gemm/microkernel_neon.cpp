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

void ukr_f32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
             const UkrArgs<float>& args) {
  tile_ukr<VecF32, kMrF32, kNvF32>(kc, a, b, c, ldc, args);
}
void pack_a_f32(bool trans, int64_t rows, int64_t kc, const float* a, int64_t lda, float* dst) {
  pack_a_generic<float, kMrF32>(trans, rows, kc, a, lda, dst);
}
void pack_b_f32(bool trans, int64_t kc, int64_t cols, const float* b, int64_t ldb, float* dst) {
  pack_b_generic<float, kNvF32 * 4>(trans, kc, cols, b, ldb, dst);
}
void ukr_f64(int64_t kc, const double* a, const double* b, double* c, int64_t ldc,
             const UkrArgs<double>& args) {
  tile_ukr<VecF64, kMrF64, kNvF64>(kc, a, b, c, ldc, args);
}
void pack_a_f64(bool trans, int64_t rows, int64_t kc, const double* a, int64_t lda, double* dst) {
  pack_a_generic<double, kMrF64>(trans, rows, kc, a, lda, dst);
}
void pack_b_f64(bool trans, int64_t kc, int64_t cols, const double* b, int64_t ldb, double* dst) {
  pack_b_generic<double, kNvF64 * 2>(trans, kc, cols, b, ldb, dst);
}

}  // namespace

bool get_kernels_neon(KernelDesc<float>* f32, KernelDesc<double>* f64) {
  f32->mr = kMrF32; f32->nr = kNvF32 * 4; f32->mc = 128; f32->kc = 256;
  f32->ukr = &ukr_f32; f32->pack_a = &pack_a_f32; f32->pack_b = &pack_b_f32;
  f64->mr = kMrF64; f64->nr = kNvF64 * 2; f64->mc = 64; f64->kc = 256;
  f64->ukr = &ukr_f64; f64->pack_a = &pack_a_f64; f64->pack_b = &pack_b_f64;
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
