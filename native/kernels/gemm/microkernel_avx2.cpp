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

#include "pack_f32_x86.h"

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
  // Zen/Haswell-class cores: L1d 32 KiB, L2 256 KiB..1 MiB.
  // KC: deep k-blocks. Each block beyond the first costs every C tile a reload and a second
  // kernel call, and the 64 B of B a k-step reads come fast enough from L2 that the B
  // micro-panel need not fit L1 (KC x NR = 64 KiB here). On a Zen 3 EPYC, 1T, against KC 384:
  // the MLP's 128x784x512 with packed B +5% (87 -> 92 GFLOP/s), 1024^3 and 512^3 +2-3%
  // (0.96 -> 1.00x OpenBLAS); 192 and 256 were slower still. The k-blocks are balanced
  // (gemm.cpp: k_block), so k = 784 or 1024 is one block and 2048 two.
  // MC: at least 128, so that a batch of 128 rows is one block per thread; the packed A
  // block (MC x KC) is then about L2-sized, where it measured no slower than smaller MC.
  NG_GEMM_FILL_DESC(f32, VecF32, kMrF32, kNvF32, 144, 1024, 1, 2, 3, 4, 5, 6);
  f32->pack_a = &pack_a_f32_transposing<kMrF32>;
  f32->pack_b = &pack_b_f32_transposing<kNvF32 * 8>;
  NG_GEMM_FILL_DESC(f64, VecF64, kMrF64, kNvF64, 72, 256, 1, 2, 3, 4, 5, 6);
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
