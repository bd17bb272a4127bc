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

// In-register transpose of 8 rows of 8 floats.
NG_GEMM_INLINE void transpose8x8(__m256 r[8]) {
  const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
  const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
  const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
  const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
  const __m256 s7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
  r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
  r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
  r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
  r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
  r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
  r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
  r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

// fp32 B packing with the transposed case (B stored n x k, e.g. dX = dY W^T) done by
// 8 x 8 register transposes instead of element gathers; everything else is generic.
void pack_b_f32_avx2(bool trans, int64_t kc, int64_t cols, const float* b, int64_t ldb,
                     float* dst) {
  constexpr int NR = kNvF32 * 8;
  if (!trans) {
    pack_b_generic<float, NR>(false, kc, cols, b, ldb, dst);
    return;
  }
  const int64_t full = cols / NR;
  const int64_t kc8 = kc / 8 * 8;
  for (int64_t jp = 0; jp < full; ++jp) {
    float* d = dst + jp * NR * kc;  // 64-byte aligned panel
    const float* src = b + jp * NR * ldb;
    for (int64_t p = 0; p < kc8; p += 8) {
      for (int h = 0; h < NR / 8; ++h) {
        __m256 r[8];
        for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + (h * 8 + i) * ldb + p);
        transpose8x8(r);
        for (int q = 0; q < 8; ++q) _mm256_store_ps(d + (p + q) * NR + h * 8, r[q]);
      }
    }
    for (int64_t p = kc8; p < kc; ++p)
      for (int j = 0; j < NR; ++j) d[p * NR + j] = src[j * ldb + p];
  }
  if (full * NR < cols)
    pack_b_generic<float, NR>(true, kc, cols - full * NR, b + full * NR * ldb, ldb,
                              dst + full * NR * kc);
}

// fp32 A packing of the plain (not transposed) case, A stored m x k: each micro-panel
// interleaves MR rows (element (i, p) at dst[p * MR + i]). Eight steps of the MR rows are
// loaded as vectors and turned by one 8 x 8 register transpose (rows MR..7 are zeros),
// instead of MR scalar gathers per step; the layout is the generic packer's.
void pack_a_f32_avx2(bool trans, int64_t rows, int64_t kc, const float* a, int64_t lda,
                     float* dst) {
  constexpr int MR = kMrF32;
  static_assert(MR <= 8, "one 8 x 8 transpose holds a step's MR values");
  if (trans) {
    pack_a_generic<float, MR>(true, rows, kc, a, lda, dst);
    return;
  }
  const int64_t full = rows / MR;
  const int64_t kc8 = kc / 8 * 8;
  for (int64_t ip = 0; ip < full; ++ip) {
    const float* src = a + ip * MR * lda;
    float* d = dst + ip * MR * kc;
    for (int64_t p = 0; p < kc8; p += 8) {
      __m256 r[8];
      for (int i = 0; i < MR; ++i) r[i] = _mm256_loadu_ps(src + i * lda + p);
      for (int i = MR; i < 8; ++i) r[i] = _mm256_setzero_ps();
      transpose8x8(r);  // r[q]: the MR values of step p + q, then zeros
      // Each full-width store spills 8 - MR lanes into the next step's slots, which the
      // next store overwrites; the last one stores exactly MR values (no write past the panel).
      for (int q = 0; q < 7; ++q) _mm256_storeu_ps(d + (p + q) * MR, r[q]);
      float last[8];
      _mm256_storeu_ps(last, r[7]);
      for (int i = 0; i < MR; ++i) d[(p + 7) * MR + i] = last[i];
    }
    for (int64_t p = kc8; p < kc; ++p)
      for (int i = 0; i < MR; ++i) d[p * MR + i] = src[i * lda + p];
  }
  if (full * MR < rows)
    pack_a_generic<float, MR>(false, rows - full * MR, kc, a + full * MR * lda, lda,
                              dst + full * MR * kc);
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
  f32->pack_a = &pack_a_f32_avx2;
  f32->pack_b = &pack_b_f32_avx2;
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
