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

void ukr_f32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
             const UkrArgs<float>& args) {
  tile_ukr<VecScalar<float>, kMrF32, kNrF32>(kc, a, b, c, ldc, args);
}
void pack_a_f32(bool trans, int64_t rows, int64_t kc, const float* a, int64_t lda, float* dst) {
  pack_a_generic<float, kMrF32>(trans, rows, kc, a, lda, dst);
}
void pack_b_f32(bool trans, int64_t kc, int64_t cols, const float* b, int64_t ldb, float* dst) {
  pack_b_generic<float, kNrF32>(trans, kc, cols, b, ldb, dst);
}
void ukr_f64(int64_t kc, const double* a, const double* b, double* c, int64_t ldc,
             const UkrArgs<double>& args) {
  tile_ukr<VecScalar<double>, kMrF64, kNrF64>(kc, a, b, c, ldc, args);
}
void pack_a_f64(bool trans, int64_t rows, int64_t kc, const double* a, int64_t lda, double* dst) {
  pack_a_generic<double, kMrF64>(trans, rows, kc, a, lda, dst);
}
void pack_b_f64(bool trans, int64_t kc, int64_t cols, const double* b, int64_t ldb, double* dst) {
  pack_b_generic<double, kNrF64>(trans, kc, cols, b, ldb, dst);
}

}  // namespace

bool get_kernels_scalar(KernelDesc<float>* f32, KernelDesc<double>* f64) {
  f32->mr = kMrF32; f32->nr = kNrF32; f32->mc = 128; f32->kc = 256;
  f32->ukr = &ukr_f32; f32->pack_a = &pack_a_f32; f32->pack_b = &pack_b_f32;
  f64->mr = kMrF64; f64->nr = kNrF64; f64->mc = 128; f64->kc = 256;
  f64->ukr = &ukr_f64; f64->pack_a = &pack_a_f64; f64->pack_b = &pack_b_f64;
  return true;
}

}  // namespace gemm_detail
}  // namespace ng
