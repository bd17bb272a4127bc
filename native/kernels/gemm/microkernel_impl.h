// The register-tile microkernel and the packing routines, written once over a small
// "vector traits" type V and instantiated by each microkernel_<isa>.cpp under that file's
// target options. Every ISA path therefore has the same structure:
//
//   MR rows x NV vectors of W lanes (NR = NV * W columns) of accumulators;
//   per k step: NV aligned loads of the packed B row, then for each of the MR rows one
//   broadcast of the packed A element and NV fused multiply-adds.
//
// Each ISA file wraps these templates in plain (non-template) functions defined inside
// its target region, and fills its KernelDesc from a function outside that region (code
// that runs on every CPU must not be compiled for the ISA).
//
// Include this header only from a microkernel_<isa>.cpp, after its target pragma and
// after all standard headers: everything here has internal linkage (unnamed namespace),
// so each ISA's copy stays in its own translation unit and the linker can never swap an
// AVX-512 instantiation into the scalar path (the ODR trap of inline templates compiled
// under different target flags).
//
// V must provide: T, R (register type), kWidth, zero(), set1(T), load(const T*) (aligned),
// loadu(const T*), storeu(T*, R), bcast(const T*), fma(a, b, c) = a*b + c, mul, add,
// gt0_select(x, y) = x > 0 ? x : y (lane-wise), prefetch(const void*).
#pragma once

#include "gemm_internal.h"

#if defined(__GNUC__) || defined(__clang__)
#define NG_GEMM_INLINE inline __attribute__((always_inline))
#define NG_GEMM_RESTRICT __restrict__
#else
#define NG_GEMM_INLINE inline
#define NG_GEMM_RESTRICT
#endif

namespace ng {
namespace gemm_detail {
namespace {

template <class V, int MR, int NV>
NG_GEMM_INLINE void tile_ukr(int64_t kc, const typename V::T* NG_GEMM_RESTRICT a,
              const typename V::T* NG_GEMM_RESTRICT b, typename V::T* c, int64_t ldc,
              const UkrArgs<typename V::T>& args) {
  using T = typename V::T;
  using R = typename V::R;
  constexpr int W = V::kWidth;
  constexpr int NR = NV * W;

  R acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = V::zero();

  // Bring the C tile towards L1 while the products are being accumulated.
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    V::prefetch(c + i * ldc);
    V::prefetch(c + i * ldc + NR - 1);
  }

#pragma GCC unroll 4
  for (int64_t p = 0; p < kc; ++p) {
    R bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = V::load(b + j * W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const R av = V::bcast(a + i);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += NR;
  }

  const T alpha = args.alpha, beta = args.beta;
  const R valpha = V::set1(alpha), vbeta = V::set1(beta), vleaky = V::set1(args.leaky_alpha);
  const T* bias = args.bias;
  const int act = args.act;
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    T* cr = c + i * ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      R x = acc[i][j];
      if (alpha != T(1)) x = V::mul(valpha, x);
      if (beta != T(0)) x = V::fma(vbeta, V::loadu(cr + j * W), x);
      if (bias) x = V::add(x, V::loadu(bias + j * W));
      if (act == kActRelu) {
        x = V::gt0_select(x, V::zero());
      } else if (act == kActLeaky) {
        x = V::gt0_select(x, V::mul(vleaky, x));
      }
      V::storeu(cr + j * W, x);
    }
  }
}

// ---- packing (see PackAFn / PackBFn in gemm_internal.h) ----

template <typename T, int MR>
NG_GEMM_INLINE void pack_a_generic(bool trans, int64_t rows, int64_t kc, const T* a, int64_t lda, T* dst) {
  for (int64_t i0 = 0; i0 < rows; i0 += MR, dst += MR * kc) {
    const int ib = rows - i0 < MR ? static_cast<int>(rows - i0) : MR;
    if (trans) {  // op(A)(i, p) = a[p * lda + i]: MR contiguous values per p
      const T* src = a + i0;
      if (ib == MR) {
        for (int64_t p = 0; p < kc; ++p, src += lda) {
#pragma GCC unroll 16
          for (int i = 0; i < MR; ++i) dst[p * MR + i] = src[i];
        }
      } else {
        for (int64_t p = 0; p < kc; ++p, src += lda) {
          for (int i = 0; i < ib; ++i) dst[p * MR + i] = src[i];
          for (int i = ib; i < MR; ++i) dst[p * MR + i] = T(0);
        }
      }
    } else {  // op(A)(i, p) = a[i * lda + p]: one strided value per row per p
      const T* src = a + i0 * lda;
      if (ib == MR) {
        const T* rp[MR];
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) rp[i] = src + i * lda;
        for (int64_t p = 0; p < kc; ++p) {
#pragma GCC unroll 16
          for (int i = 0; i < MR; ++i) dst[p * MR + i] = rp[i][p];
        }
      } else {
        for (int64_t p = 0; p < kc; ++p) {
          for (int i = 0; i < ib; ++i) dst[p * MR + i] = src[i * lda + p];
          for (int i = ib; i < MR; ++i) dst[p * MR + i] = T(0);
        }
      }
    }
  }
}

template <typename T, int NR>
NG_GEMM_INLINE void pack_b_generic(bool trans, int64_t kc, int64_t cols, const T* b, int64_t ldb, T* dst) {
  for (int64_t j0 = 0; j0 < cols; j0 += NR, dst += NR * kc) {
    const int jb = cols - j0 < NR ? static_cast<int>(cols - j0) : NR;
    if (!trans) {  // op(B)(p, j) = b[p * ldb + j]: contiguous rows
      const T* src = b + j0;
      if (jb == NR) {
        for (int64_t p = 0; p < kc; ++p, src += ldb) {
#pragma GCC unroll 4
          for (int j = 0; j < NR; ++j) dst[p * NR + j] = src[j];
        }
      } else {
        for (int64_t p = 0; p < kc; ++p, src += ldb) {
          for (int j = 0; j < jb; ++j) dst[p * NR + j] = src[j];
          for (int j = jb; j < NR; ++j) dst[p * NR + j] = T(0);
        }
      }
    } else {  // op(B)(p, j) = b[j * ldb + p]: read each source row contiguously
      const T* src = b + j0 * ldb;
      for (int j = 0; j < jb; ++j) {
        const T* row = src + j * ldb;
        for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = row[p];
      }
      for (int j = jb; j < NR; ++j)
        for (int64_t p = 0; p < kc; ++p) dst[p * NR + j] = T(0);
    }
  }
}

}  // namespace
}  // namespace gemm_detail
}  // namespace ng
