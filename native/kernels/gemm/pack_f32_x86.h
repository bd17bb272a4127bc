// fp32 packing by 8 x 8 register transposes (AVX), for the two layouts whose generic
// packers gather one strided element at a time: op(B) transposed (B stored n x k, as in
// dX = dY·Wᵀ) and op(A) not transposed (A stored m x k). The packed layouts are the
// generic packers' (microkernel_impl.h); MR <= 16 and NR a multiple of 8.
//
// Include only from a microkernel_<isa>.cpp whose target includes AVX, after
// microkernel_impl.h and inside its anonymous namespace.
#pragma once

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

// op(B) transposed: 8 x 8 blocks (pack_b_by_blocks).
template <int NR>
void pack_b_f32_transposing(bool trans, int64_t kc, int64_t cols, const float* b, int64_t ldb,
                            float* dst) {
  pack_b_by_blocks<float, NR, 8>(trans, kc, cols, b, ldb, dst,
                                 [](const float* src, int64_t ld, float* out, int64_t out_ld) {
                                   __m256 r[8];
                                   for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ld);
                                   transpose8x8(r);
                                   for (int q = 0; q < 8; ++q) _mm256_storeu_ps(out + q * out_ld, r[q]);
                                 });
}

// op(A) not transposed: each micro-panel interleaves MR rows (element (i, p) at
// dst[p * MR + i]). Eight steps of up to 8 rows are loaded as vectors and turned by one
// 8 x 8 transpose (missing rows are zeros); MR > 8 takes a second group of rows.
template <int MR>
void pack_a_f32_transposing(bool trans, int64_t rows, int64_t kc, const float* a, int64_t lda,
                            float* dst) {
  static_assert(MR <= 16, "two 8-row groups at most");
  constexpr int kGroups = (MR + 7) / 8;
  constexpr int kLast = MR - 8 * (kGroups - 1);  // rows in the last group
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
      __m256 r[kGroups][8];
      for (int g = 0; g < kGroups; ++g) {
        const int n = g + 1 < kGroups ? 8 : kLast;
        for (int i = 0; i < n; ++i) r[g][i] = _mm256_loadu_ps(src + (8 * g + i) * lda + p);
        for (int i = n; i < 8; ++i) r[g][i] = _mm256_setzero_ps();
        transpose8x8(r[g]);  // r[g][q]: the group's values of step p + q, then zeros
      }
      // A last group's full-width store spills 8 - kLast lanes into the next step's slots,
      // which that step's first store overwrites; step p + 7 stores exactly MR values.
      for (int q = 0; q < 8; ++q) {
        float* s = d + (p + q) * MR;
        for (int g = 0; g + 1 < kGroups; ++g) _mm256_storeu_ps(s + 8 * g, r[g][q]);
        if (q < 7 || kLast == 8) {
          _mm256_storeu_ps(s + 8 * (kGroups - 1), r[kGroups - 1][q]);
        } else {
          float last[8];
          _mm256_storeu_ps(last, r[kGroups - 1][q]);
          for (int i = 0; i < kLast; ++i) s[8 * (kGroups - 1) + i] = last[i];
        }
      }
    }
    for (int64_t p = kc8; p < kc; ++p)
      for (int i = 0; i < MR; ++i) d[p * MR + i] = src[i * lda + p];
  }
  if (full * MR < rows)
    pack_a_generic<float, MR>(false, rows - full * MR, kc, a + full * MR * lda, lda,
                              dst + full * MR * kc);
}
