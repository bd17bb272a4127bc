// AVX2 + FMA path. fp32: 6 x 16 tile (6 rows x 2 ymm = 12 accumulators, + 2 B vectors
// + 1 broadcast = 15 of the 16 ymm registers). fp64: 6 x 8 (same structure).
// Compiled without -m flags: this file enables the target itself and is only entered
// when the CPU reports AVX2 and FMA (see gemm.cpp).
#include "gemm_internal.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <cstdint>
#include <immintrin.h>
#include <utility>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#include "microkernel_impl.h"
#include "microkernel_dot_impl.h"

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
  static NG_GEMM_INLINE R load_tail(const T* p, int count) {
    const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    return _mm256_maskload_ps(p, mask);
  }
  // Sums of 8 vectors' lanes by a tree (lanes l and l + 4, then + 2, + 1 of each vector).
  static constexpr int kSumBatch = 8;
  static NG_GEMM_INLINE void hsum_batch(const R* v, T* out) {
    R s1[4], s2[2];
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i)
      s1[i] = _mm256_add_ps(_mm256_permute2f128_ps(v[2 * i], v[2 * i + 1], 0x20),
                            _mm256_permute2f128_ps(v[2 * i], v[2 * i + 1], 0x31));
#pragma GCC unroll 2
    for (int i = 0; i < 2; ++i)
      s2[i] = _mm256_add_ps(_mm256_shuffle_ps(s1[2 * i], s1[2 * i + 1], 0x44),
                            _mm256_shuffle_ps(s1[2 * i], s1[2 * i + 1], 0xEE));
    const R s3 = _mm256_add_ps(_mm256_shuffle_ps(s2[0], s2[1], 0x88), _mm256_shuffle_ps(s2[0], s2[1], 0xDD));
    // Lane 4h + r holds vector h + 2r.
    _mm256_storeu_ps(out, _mm256_permutevar8x32_ps(s3, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  }
  static constexpr bool kGather = false;  // slow on the AMD cores this path also serves
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
  static NG_GEMM_INLINE R load_tail(const T* p, int count) {
    const __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x(count), _mm256_setr_epi64x(0, 1, 2, 3));
    return _mm256_maskload_pd(p, mask);
  }
  // As for fp32: 4 vectors, lanes l and l + 2, then + 1.
  static constexpr int kSumBatch = 4;
  static NG_GEMM_INLINE void hsum_batch(const R* v, T* out) {
    const R s0 = _mm256_add_pd(_mm256_permute2f128_pd(v[0], v[1], 0x20), _mm256_permute2f128_pd(v[0], v[1], 0x31));
    const R s1 = _mm256_add_pd(_mm256_permute2f128_pd(v[2], v[3], 0x20), _mm256_permute2f128_pd(v[2], v[3], 0x31));
    const R s2 = _mm256_add_pd(_mm256_unpacklo_pd(s0, s1), _mm256_unpackhi_pd(s0, s1));
    _mm256_storeu_pd(out, _mm256_permute4x64_pd(s2, 0xD8));  // lane 2h + r holds vector h + 2r
  }
  static constexpr bool kGather = false;
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
  // Dot kernels: 10 accumulators (16 registers). 1 thread, 128 rows, dot / broadcast GFLOP/s:
  // n = 10 k = 784 85 / 61, n = 4 k = 128 55 / 32; but n = 12 k = 256 68 / 68, n = 16 107 / 69.
  NG_GEMM_FILL_DOT(f32, VecF32, 10, 5, 10, 128);
  NG_GEMM_FILL_DESC(f64, VecF64, kMrF64, kNvF64, 72, 256, 1, 2, 3, 4, 5, 6);
  NG_GEMM_FILL_DOT(f64, VecF64, 10, 5, 10, 128);
  return true;
}

// One ymm wide (6 x 8, fp64 6 x 4), same MR, MC and KC: the last panel of a wider product.
bool get_half_kernels_avx2(KernelDesc<float>* f32, KernelDesc<double>* f64) {
  NG_GEMM_FILL_DESC(f32, VecF32, kMrF32, 1, 144, 1024, 1, 2, 3, 4, 5, 6);
  NG_GEMM_FILL_HALF(f32, VecF32, kMrF32, 1, 1, 2, 3, 4, 5, 6);
  f32->pack_a = &pack_a_f32_transposing<kMrF32>;
  f32->pack_b = &pack_b_f32_transposing<8>;
  NG_GEMM_FILL_DESC(f64, VecF64, kMrF64, 1, 72, 256, 1, 2, 3, 4, 5, 6);
  NG_GEMM_FILL_HALF(f64, VecF64, kMrF64, 1, 1, 2, 3, 4, 5, 6);
  return true;
}

}  // namespace gemm_detail
}  // namespace ng

#else  // not x86-64

namespace ng {
namespace gemm_detail {
bool get_kernels_avx2(KernelDesc<float>*, KernelDesc<double>*) { return false; }
bool get_half_kernels_avx2(KernelDesc<float>*, KernelDesc<double>*) { return false; }
}  // namespace gemm_detail
}  // namespace ng

#endif
