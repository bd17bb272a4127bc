// AVX2 + FMA path. fp32: 6 x 16 tile (6 rows x 2 ymm = 12 accumulators, + 2 B vectors
// + 1 broadcast = 15 of the 16 ymm registers). fp64: 6 x 8 (same structure).
// Compiled without -m flags: this file enables the target itself and is only entered
// when the CPU reports AVX2 and FMA (see gemm.cpp).
#include "gemm_internal.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <cstdint>
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#include "microkernel_impl.h"

namespace ng {
namespace gemm_detail {
namespace {

struct VecF32 {
  using T = float;
  using R = __m256;
  static constexpr int kWidth = 8;
  static NG_GEMM_INLINE R zero() { return _mm256_setzero_ps(); }
  static NG_GEMM_INLINE R set1(T x) { return _mm256_set1_ps(x); }
  static NG_GEMM_INLINE R load(const T* p) { return _mm256_load_ps(p); }
  static NG_GEMM_INLINE R loadu(const T* p) { return _mm256_loadu_ps(p); }
  static NG_GEMM_INLINE void storeu(T* p, R x) { _mm256_storeu_ps(p, x); }
  static NG_GEMM_INLINE R bcast(const T* p) { return _mm256_broadcast_ss(p); }
  static NG_GEMM_INLINE R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static NG_GEMM_INLINE R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static NG_GEMM_INLINE R add(R a, R b) { return _mm256_add_ps(a, b); }
  static NG_GEMM_INLINE R gt0_select(R x, R y) {
    return _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ));
  }
  static NG_GEMM_INLINE void prefetch(const void* p) {
    _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
  }
};

struct VecF64 {
  using T = double;
  using R = __m256d;
  static constexpr int kWidth = 4;
  static NG_GEMM_INLINE R zero() { return _mm256_setzero_pd(); }
  static NG_GEMM_INLINE R set1(T x) { return _mm256_set1_pd(x); }
  static NG_GEMM_INLINE R load(const T* p) { return _mm256_load_pd(p); }
  static NG_GEMM_INLINE R loadu(const T* p) { return _mm256_loadu_pd(p); }
  static NG_GEMM_INLINE void storeu(T* p, R x) { _mm256_storeu_pd(p, x); }
  static NG_GEMM_INLINE R bcast(const T* p) { return _mm256_broadcast_sd(p); }
  static NG_GEMM_INLINE R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static NG_GEMM_INLINE R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static NG_GEMM_INLINE R add(R a, R b) { return _mm256_add_pd(a, b); }
  static NG_GEMM_INLINE R gt0_select(R x, R y) {
    return _mm256_blendv_pd(y, x, _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_GT_OQ));
  }
  static NG_GEMM_INLINE void prefetch(const void* p) {
    _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
  }
};

constexpr int kMrF32 = 6, kNvF32 = 2;  // 6 x 16
constexpr int kMrF64 = 6, kNvF64 = 2;  // 6 x 8

void ukr_f32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
             const UkrArgs<float>& args) {
  tile_ukr<VecF32, kMrF32, kNvF32>(kc, a, b, c, ldc, args);
}
void pack_a_f32(bool trans, int64_t rows, int64_t kc, const float* a, int64_t lda, float* dst) {
  pack_a_generic<float, kMrF32>(trans, rows, kc, a, lda, dst);
}
void pack_b_f32(bool trans, int64_t kc, int64_t cols, const float* b, int64_t ldb, float* dst) {
  pack_b_generic<float, kNvF32 * 8>(trans, kc, cols, b, ldb, dst);
}
void ukr_f64(int64_t kc, const double* a, const double* b, double* c, int64_t ldc,
             const UkrArgs<double>& args) {
  tile_ukr<VecF64, kMrF64, kNvF64>(kc, a, b, c, ldc, args);
}
void pack_a_f64(bool trans, int64_t rows, int64_t kc, const double* a, int64_t lda, double* dst) {
  pack_a_generic<double, kMrF64>(trans, rows, kc, a, lda, dst);
}
void pack_b_f64(bool trans, int64_t kc, int64_t cols, const double* b, int64_t ldb, double* dst) {
  pack_b_generic<double, kNvF64 * 4>(trans, kc, cols, b, ldb, dst);
}

}  // namespace
}  // namespace gemm_detail
}  // namespace ng

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif

namespace ng {
namespace gemm_detail {

// Baseline code (runs on any CPU): only records addresses.
bool get_kernels_avx2(KernelDesc<float>* f32, KernelDesc<double>* f64) {
  // Zen/Haswell-class cores: L1d 32 KiB, L2 512 KiB..1 MiB.
  // KC: one packed B micro-panel (KC x NR) = 16 KiB stays in L1 next to the A stream.
  // MC: the packed A block (MC x KC) = 144 KiB (f32) stays in L2.
  f32->mr = kMrF32; f32->nr = kNvF32 * 8; f32->mc = 144; f32->kc = 256;
  f32->ukr = &ukr_f32; f32->pack_a = &pack_a_f32; f32->pack_b = &pack_b_f32;
  f64->mr = kMrF64; f64->nr = kNvF64 * 4; f64->mc = 72; f64->kc = 256;
  f64->ukr = &ukr_f64; f64->pack_a = &pack_a_f64; f64->pack_b = &pack_b_f64;
  return true;
}

}  // namespace gemm_detail
}  // namespace ng

#else  // not x86-64

namespace ng {
namespace gemm_detail {
bool get_kernels_avx2(KernelDesc<float>*, KernelDesc<double>*) { return false; }
}  // namespace gemm_detail
}  // namespace ng

#endif
