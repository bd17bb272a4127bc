// AVX-512F path. fp32: 14 x 32 tile (14 rows x 2 zmm = 28 accumulators + 2 B vectors
// + 1 broadcast = 31 of the 32 zmm registers); fp64: 14 x 16. Structurally identical
// to the AVX2 6 x 16 kernel (same template, see microkernel_impl.h), only wider and
// taller: per k step 2 aligned B loads and 14 broadcasts feed 28 FMAs, i.e. 2 FMAs per
// B load and 28 independent accumulator chains, enough to cover 2 FMA ports x 4-cycle
// latency (8 in flight) with room to spare and to keep loads (16 per 28 FMAs) well
// under 2 per cycle. (12 x 32 would leave registers unused; 8 x 48 needs 3 B loads
// per 8 broadcasts for 24 FMAs, a worse FMA:load ratio.)
//
// Compiled without -m flags: this file enables the target itself and is entered only
// when the CPU and OS report AVX-512F (see gemm.cpp / runtime/cpu.cpp).
#include "gemm_internal.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <cstdint>
#include <immintrin.h>
#include <utility>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx2,fma"))), apply_to = function)
#elif defined(__GNUC__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
// GCC 12's own AVX-512 intrinsics (shuffles, gathers) trip these warnings (GCC PR 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include "microkernel_impl.h"
#include "microkernel_dot_impl.h"

namespace ng {
namespace gemm_detail {
namespace {

struct VecF32 {
  using T = float;
  using R = __m512;
  static constexpr int kWidth = 16;
  static NG_GEMM_INLINE R zero() { return _mm512_setzero_ps(); }
  static NG_GEMM_INLINE R set1(T x) { return _mm512_set1_ps(x); }
  static NG_GEMM_INLINE R load(const T* p) { return _mm512_load_ps(p); }
  static NG_GEMM_INLINE R loadu(const T* p) { return _mm512_loadu_ps(p); }
  static NG_GEMM_INLINE void storeu(T* p, R x) { _mm512_storeu_ps(p, x); }
  static NG_GEMM_INLINE R bcast(const T* p) { return _mm512_set1_ps(*p); }
  static NG_GEMM_INLINE R load_tail(const T* p, int count) {
    return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << count) - 1), p);
  }
  // Sums of 16 vectors' lanes by a tree that halves the vector count at each level (lanes
  // l and l + 8, then + 4, + 2, + 1 of each vector: the same order for all 16).
  static constexpr int kSumBatch = 16;
  static NG_GEMM_INLINE void hsum_batch(const R* v, T* out) {
    R s1[8], s2[4], s3[2];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i)
      s1[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0x44),
                            _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], 0xEE));
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i)
      s2[i] = _mm512_add_ps(_mm512_shuffle_f32x4(s1[2 * i], s1[2 * i + 1], 0x88),
                            _mm512_shuffle_f32x4(s1[2 * i], s1[2 * i + 1], 0xDD));
#pragma GCC unroll 2
    for (int i = 0; i < 2; ++i)
      s3[i] = _mm512_add_ps(_mm512_shuffle_ps(s2[2 * i], s2[2 * i + 1], 0x44),
                            _mm512_shuffle_ps(s2[2 * i], s2[2 * i + 1], 0xEE));
    const R s4 = _mm512_add_ps(_mm512_shuffle_ps(s3[0], s3[1], 0x88), _mm512_shuffle_ps(s3[0], s3[1], 0xDD));
    // Lane 4q + r holds vector q + 4r.
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    _mm512_storeu_ps(out, _mm512_permutexvar_ps(order, s4));
  }
  static constexpr bool kGather = true;
  static NG_GEMM_INLINE R gather(const T* p, int64_t stride) {
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return _mm512_i32gather_ps(_mm512_mullo_epi32(lanes, _mm512_set1_epi32(static_cast<int>(stride))), p, 4);
  }
  static NG_GEMM_INLINE R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static NG_GEMM_INLINE R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static NG_GEMM_INLINE R add(R a, R b) { return _mm512_add_ps(a, b); }
  static NG_GEMM_INLINE R gt0_select(R x, R y) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GT_OQ), y, x);
  }
  static NG_GEMM_INLINE void prefetch(const void* p) {
    _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
  }
};

struct VecF64 {
  using T = double;
  using R = __m512d;
  static constexpr int kWidth = 8;
  static NG_GEMM_INLINE R zero() { return _mm512_setzero_pd(); }
  static NG_GEMM_INLINE R set1(T x) { return _mm512_set1_pd(x); }
  static NG_GEMM_INLINE R load(const T* p) { return _mm512_load_pd(p); }
  static NG_GEMM_INLINE R loadu(const T* p) { return _mm512_loadu_pd(p); }
  static NG_GEMM_INLINE void storeu(T* p, R x) { _mm512_storeu_pd(p, x); }
  static NG_GEMM_INLINE R bcast(const T* p) { return _mm512_set1_pd(*p); }
  static NG_GEMM_INLINE R load_tail(const T* p, int count) {
    return _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << count) - 1), p);
  }
  // As for fp32: 8 vectors, lanes l and l + 4, then + 2, + 1.
  static constexpr int kSumBatch = 8;
  static NG_GEMM_INLINE void hsum_batch(const R* v, T* out) {
    R s1[4], s2[2];
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i)
      s1[i] = _mm512_add_pd(_mm512_shuffle_f64x2(v[2 * i], v[2 * i + 1], 0x44),
                            _mm512_shuffle_f64x2(v[2 * i], v[2 * i + 1], 0xEE));
#pragma GCC unroll 2
    for (int i = 0; i < 2; ++i)
      s2[i] = _mm512_add_pd(_mm512_shuffle_f64x2(s1[2 * i], s1[2 * i + 1], 0x88),
                            _mm512_shuffle_f64x2(s1[2 * i], s1[2 * i + 1], 0xDD));
    const R s3 = _mm512_add_pd(_mm512_unpacklo_pd(s2[0], s2[1]), _mm512_unpackhi_pd(s2[0], s2[1]));
    // Lane 2q + r holds vector q + 4r.
    const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
    _mm512_storeu_pd(out, _mm512_permutexvar_pd(order, s3));
  }
  static constexpr bool kGather = true;
  static NG_GEMM_INLINE R gather(const T* p, int64_t stride) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm512_i32gather_pd(_mm256_mullo_epi32(lanes, _mm256_set1_epi32(static_cast<int>(stride))), p, 8);
  }
  static NG_GEMM_INLINE R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static NG_GEMM_INLINE R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static NG_GEMM_INLINE R add(R a, R b) { return _mm512_add_pd(a, b); }
  static NG_GEMM_INLINE R gt0_select(R x, R y) {
    return _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ), y, x);
  }
  static NG_GEMM_INLINE void prefetch(const void* p) {
    _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
  }
};

constexpr int kMrF32 = 14, kNvF32 = 2;  // 14 x 32
constexpr int kMcF32 = 84, kKcF32 = 1536;
constexpr int kMrF64 = 14, kNvF64 = 2;  // 14 x 16
constexpr int kMcF64 = 196, kKcF64 = 128;
// Dot kernels (microkernel_dot_impl.h): tiles of about 16 accumulators (one hsum_batch of
// fp32), up to 5 columns. Taken for n <= 12 and k >= 128: 1 thread, 128 rows, dot / broadcast
// GFLOP/s: n = 10 k = 256 103 / 66, n = 12 k = 784 111 / 87, n = 8 k = 128 75 / 55; but
// n = 13 k = 256 97 / 86 (mixed over m), n = 16 k = 784 117 / 150, and any n at k = 64
// (48-55 against 19-118).
constexpr int kDotAccs = 16, kDotCols = 5, kDotMaxN = 12, kDotMinK = 128;

#include "pack_f32_x86.h"

// In-register transpose of 16 rows of 16 floats: row t of the result is column t of the input.
NG_GEMM_INLINE void transpose16x16(__m512 r[16]) {
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // s[4i + c], 128-bit lane q: column 4q + c of rows 4i..4i+3.
  __m512 s[16];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    s[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    s[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    s[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    s[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    const __m512 xy_lo = _mm512_shuffle_f32x4(s[c], s[4 + c], 0x44), xy_hi = _mm512_shuffle_f32x4(s[c], s[4 + c], 0xEE);
    const __m512 zw_lo = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], 0x44), zw_hi = _mm512_shuffle_f32x4(s[8 + c], s[12 + c], 0xEE);
    r[c] = _mm512_shuffle_f32x4(xy_lo, zw_lo, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(xy_lo, zw_lo, 0xDD);
    r[8 + c] = _mm512_shuffle_f32x4(xy_hi, zw_hi, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(xy_hi, zw_hi, 0xDD);
  }
}

// StoreTFn for fp32, n <= 16: 16 rows of C at a time from n rows of ct by a register
// transpose, as many as there are whole 16s.
int64_t store_t_f32(int64_t m, int64_t n, const float* ct, int64_t ldct, float* c, int64_t ldc,
                 const float* bias, int act, float leaky) {
  const __mmask16 cols = static_cast<__mmask16>((1u << n) - 1);
  const __m512 vleaky = _mm512_set1_ps(leaky);
  int64_t i0 = 0;
  for (; i0 + 16 <= m; i0 += 16) {
    __m512 r[16];
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) {
      if (j >= n) {
        r[j] = _mm512_setzero_ps();
        continue;
      }
      __m512 x = _mm512_loadu_ps(ct + j * ldct + i0);
      if (bias) x = _mm512_add_ps(x, _mm512_set1_ps(bias[j]));
      if (act == kActRelu) {
        x = VecF32::gt0_select(x, _mm512_setzero_ps());
      } else if (act == kActLeaky) {
        x = VecF32::gt0_select(x, _mm512_mul_ps(vleaky, x));
      }
      r[j] = x;
    }
    transpose16x16(r);
#pragma GCC unroll 16
    for (int t = 0; t < 16; ++t) _mm512_mask_storeu_ps(c + (i0 + t) * ldc, cols, r[t]);
  }
  return i0;
}

}  // namespace
}  // namespace gemm_detail
}  // namespace ng

#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

namespace ng {
namespace gemm_detail {

// Baseline code (runs on any CPU): only records addresses.
bool get_kernels_avx512(KernelDesc<float>* f32, KernelDesc<double>* f64) {
  // fp32 KC: deep k-blocks, as on AVX2: each block beyond the first reloads every C tile,
  // which cost more than B micro-panels streamed from L2 (KC x NR = 192 KiB here) instead
  // of L1. MC: the packed A block MC x KC (~500 KiB) within a 2 MiB L2. Measured on a
  // 2-core AVX-512 Xeon, 1 thread, against the first untuned MC 392 / KC 128: 1024^3
  // 143 -> 172 GFLOP/s, 2048^3 118 -> 164; of the grid tried (MC 56..392, KC 128..2048)
  // 84 x 1536 was best or within noise of it on 64^3..2048^3 at 1 and 2 threads.
  NG_GEMM_FILL_DESC(f32, VecF32, kMrF32, kNvF32, kMcF32, kKcF32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
  f32->pack_a = &pack_a_f32_transposing<kMrF32>;
  f32->pack_b = &pack_b_f32_transposing<kNvF32 * 16>;
  NG_GEMM_FILL_DESC(f64, VecF64, kMrF64, kNvF64, kMcF64, kKcF64, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
  return true;
}

// One zmm wide: 14 x 16 (fp32), 14 x 8 (fp64). 14 accumulator chains still cover the
// FMA latency; per k step 1 B load and 14 broadcasts feed 14 FMAs.
bool get_narrow_kernels_avx512(KernelDesc<float>* f32, KernelDesc<double>* f64) {
  NG_GEMM_FILL_DESC(f32, VecF32, kMrF32, 1, kMcF32, kKcF32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
  NG_GEMM_FILL_HALF(f32, VecF32, kMrF32, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
  f32->pack_a = &pack_a_f32_transposing<kMrF32>;
  f32->pack_b = &pack_b_f32_transposing<16>;
  NG_GEMM_FILL_DOT(f32, VecF32, kDotAccs, kDotCols, kDotMaxN, kDotMinK);
  f32->store_t = &store_t_f32;
  f32->store_t_max_n = 16;
  NG_GEMM_FILL_DESC(f64, VecF64, kMrF64, 1, kMcF64, kKcF64, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
  NG_GEMM_FILL_HALF(f64, VecF64, kMrF64, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
  NG_GEMM_FILL_DOT(f64, VecF64, kDotAccs, kDotCols, kDotMaxN, kDotMinK);
  return true;
}

}  // namespace gemm_detail
}  // namespace ng

#else  // not x86-64

namespace ng {
namespace gemm_detail {
bool get_kernels_avx512(KernelDesc<float>*, KernelDesc<double>*) { return false; }
bool get_narrow_kernels_avx512(KernelDesc<float>*, KernelDesc<double>*) { return false; }
}  // namespace gemm_detail
}  // namespace ng

#endif
