// The register-tile microkernel and the packing routines, written once over a small
// "vector traits" type V and instantiated by each microkernel_<isa>.cpp under that file's
// target options. Every ISA path therefore has the same structure:
//
//   MR rows x NV vectors of W lanes (NR = NV * W columns) of accumulators;
//   per k step: NV aligned loads of the packed B row, then for each of the MR rows one
//   broadcast of the packed A element and NV fused multiply-adds.
//
// Each ISA file includes this inside its target region (so every function here is
// compiled for that ISA) and fills its KernelDesc with NG_GEMM_FILL_DESC from a function
// outside the region: code that runs on every CPU must not be compiled for the ISA.
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

// Hides a pointer's provenance from the optimiser, so that loads at constant offsets from it
// are addressed as base + displacement. Without it GCC folds a runtime offset into one index
// register per row (14 registers for 14 rows), spilling the loop's other values.
template <typename P>
NG_GEMM_INLINE P* opaque_base(P* p) {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__aarch64__))
  asm("" : "+r"(p));
#endif
  return p;
}

// Keeps a flag in a register as computed, so that the optimiser cannot re-derive it from
// the floating-point compare it came from at every use.
NG_GEMM_INLINE void opaque_flag(bool& f) {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__aarch64__))
  asm("" : "+r"(f));
#endif
  (void)f;
}

namespace ng {
namespace gemm_detail {
namespace {

// Zeroes the accumulators and, with kFetchC, brings the C tile towards L1 while the products
// are being accumulated.
template <class V, int NV, int ROWS, bool kFetchC = true>
NG_GEMM_INLINE void start_tile(typename V::R (&acc)[ROWS][NV], const typename V::T* c, int64_t ldc) {
  constexpr int NR = NV * V::kWidth;
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[i][j] = V::zero();
  if (!kFetchC) return;
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i) {
    V::prefetch(c + i * ldc);
    V::prefetch(c + i * ldc + NR - 1);
  }
}

// k loops: unrolled natively; in wasm one step per iteration, since V8's register allocator
// spilled the unrolled loops' accumulators and row pointers to the stack (a 1×1
// convolution's 100352×128×64 GEMM: 24 -> 31 GFLOP/s without unrolling).
#if defined(__wasm__)
#define NG_GEMM_K_UNROLL _Pragma("GCC unroll 1")
#define NG_GEMM_DOT_UNROLL _Pragma("GCC unroll 1")
constexpr bool kWasmEpilogue = true;
#else
#define NG_GEMM_K_UNROLL _Pragma("GCC unroll 4")
#define NG_GEMM_DOT_UNROLL _Pragma("GCC unroll 2")
constexpr bool kWasmEpilogue = false;
#endif

// The epilogue shared by every kernel: C = act(alpha * acc + beta * C + bias), row by row.
// kPlainFirst: test first for a plain product (stores only).
template <class V, int NV, int ROWS, bool kPlainFirst = kWasmEpilogue>
NG_GEMM_INLINE void store_tile(const typename V::R (&acc)[ROWS][NV], typename V::T* c, int64_t ldc,
                               const UkrArgs<typename V::T>& args) {
  using T = typename V::T;
  using R = typename V::R;
  constexpr int W = V::kWidth;
  const T alpha = args.alpha, beta = args.beta;
  const R valpha = V::set1(alpha), vbeta = V::set1(beta), vleaky = V::set1(args.leaky_alpha);
  const T* bias = args.bias;
  const int act = args.act;
  // Tested once as floats: per vector, each float test was a compare and two jumps.
  bool scale = alpha != T(1), accumulate = beta != T(0);
  opaque_flag(scale);
  opaque_flag(accumulate);
  // V8 compiles wasm without unswitching loops: the tests below would run for every vector.
  // A plain product's stores first: wasm, the MLP's dX3 (m 128, n 512, k 10) 21 -> 22 GFLOP/s
  // and dW3 (m 512, n 10, k 128) 28 -> 30. Natively only in the small-m kernels (B in place):
  // 64³ against OpenBLAS in one process (AVX-512, alternated) 0.907 -> 0.963, 96³ 0.959 ->
  // 1.002; the packed kernels lost 5% on dX3 with it.
  if (kPlainFirst && !scale && !accumulate && !bias && act == kActNone) {
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) V::storeu(c + i * ldc + j * W, acc[i][j]);
    return;
  }
#pragma GCC unroll 16
  for (int i = 0; i < ROWS; ++i) {
    T* cr = c + i * ldc;
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) {
      R x = acc[i][j];
      if (scale) x = V::mul(valpha, x);
      if (accumulate) x = V::fma(vbeta, V::loadu(cr + j * W), x);
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

// ROWS (<= MR) rows of the MR x NR tile are computed and stored.
// kDirectA = false: `a` is a packed micro-panel, element (i, p) at a[p * MR + i].
// kDirectA = true:  `a` points into op(A) in place, element (i, p) at a[i * rs + p * cs]
//                   (A not transposed: rs = lda, cs = 1; transposed: rs = 1, cs = lda);
//                   used when packing A would cost more than it saves.
// kDirectB = false: `b` is a packed kc x NR micro-panel (64-byte aligned).
// kDirectB = true:  for a few rows of C (small m): NV vectors of B per row p, in panels of
//                   kPanelNv vectors, panel q at b + q * pstride + p * ldb (unaligned). B in
//                   place: ldb = its row stride, pstride = kPanelNv * W (adjacent panels);
//                   B packed: ldb = NR, pstride = the micro-panel size kc * NR.
// kBStep (packed B only): the micro-panel's row length when it was packed for a wider tile
// (0: NR), of which this kernel computes the first NR columns.
// kMaskB (B in place, NV = 1 only): read only the first args.b_cols columns of B (V::load_tail,
// a masked load: nothing past them is touched, the other lanes are zero); the caller keeps
// only those columns of the tile.
// Every variant performs, for each element of C, exactly the same floating-point
// operations in the same order (the results never depend on the variant).
template <class V, int MR, int NV, int ROWS, bool kDirectA, bool kDirectB = false,
          int kPanelNv = NV, bool kUnitRows = false, int kBStep = 0, bool kMaskB = false>
NG_GEMM_INLINE void tile_ukr(int64_t kc, const typename V::T* NG_GEMM_RESTRICT a, int64_t rs,
                             int64_t cs, const typename V::T* NG_GEMM_RESTRICT b,
                             typename V::T* c, int64_t ldc, const UkrArgs<typename V::T>& args,
                             int64_t ldb = 0, int64_t pstride = 0) {
  using T = typename V::T;
  using R = typename V::R;
  constexpr int W = V::kWidth;
  constexpr int NR = NV * W;
  constexpr int64_t kStep = kBStep ? kBStep : NR;
  static_assert(ROWS >= 1 && ROWS <= MR, "rows");
  static_assert(!kMaskB || (kDirectB && NV == 1), "masked B: in place, one vector");
  if (!kDirectA) {
    rs = 1;
    cs = MR;
  }
  const int64_t rsb = rs * int64_t(sizeof(T)), rs3b = 3 * rsb;
  const T* a5 = ROWS > 5 ? a + 5 * rs : a;
  const T* a10 = ROWS > 10 ? a + 10 * rs : a;
  static_assert(ROWS <= 15, "three row groups of five");
  const int64_t ahead_a = args.ahead * cs, ahead_b = args.ahead * ldb;  // operands read in place

  R acc[ROWS][NV];
  // Not for the small-m kernels (B in place): a few rows of C, cached, where the prefetches
  // only took load slots (64³ in process against OpenBLAS: 0.959 -> 1.004, sd 0.01).
  start_tile<V, NV, ROWS, !kDirectB>(acc, c, ldc);

  NG_GEMM_K_UNROLL
  for (int64_t p = 0; p < kc; ++p) {
    R bv[NV];
    if (kDirectB) {
      // B is read in place: fetch each panel's row args.ahead steps ahead, line by line.
#pragma GCC unroll 4
      for (int q = 0; q < NV / kPanelNv; ++q)
#pragma GCC unroll 4
        for (int j = 0; j < kPanelNv * W; j += 64 / int(sizeof(T)))
          V::prefetch(b + q * pstride + ahead_b + j);
      if constexpr (kMaskB) {
        bv[0] = V::load_tail(b, args.b_cols);
      } else {
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) bv[j] = V::loadu(b + (j / kPanelNv) * pstride + (j % kPanelNv) * W);
      }
    } else {
      V::prefetch(b + 16 * kStep);  // the B micro-panel 16 steps ahead (L1 misses on first use)
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) bv[j] = V::load(b + j * W);
    }
    if (kDirectA && !kUnitRows) {
      // Row i at group base i / 5 (rows 0, 5, 10: a pointer each) plus (i % 5)·rs, as rs·1,
      // rs·2, 3rs, rs·4: x86 address modes (base + index·scale) over two strides in
      // registers. Written as offsets (i / 5)·5rs + (i % 5)·rs from one base, GCC kept one
      // per row and reloaded them from the stack on AVX-512: 64³ against OpenBLAS in one
      // process 0.876 -> 0.910, 96³ 0.920 -> 0.964, 256³ 1.09 -> 1.16 (alternated).
#pragma GCC unroll 16
      for (int i = 0; i < ROWS; ++i) {
        const char* base = reinterpret_cast<const char*>(i < 5 ? a : i < 10 ? a5 : a10);
        const int r = i % 5;
        const char* at = r == 0   ? base
                         : r == 1 ? base + rsb
                         : r == 2 ? base + rsb * 2
                         : r == 3 ? base + rs3b
                                  : base + rsb * 4;
        const R av = V::bcast(reinterpret_cast<const T*>(at));
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
      }
      a5 += cs;
      a10 += cs;
    } else {
      if (kDirectA) {  // each step's values are on another row of A: fetch args.ahead steps ahead
        V::prefetch(a + ahead_a);
        V::prefetch(a + ahead_a + ROWS - 1);
      }
#pragma GCC unroll 16
      for (int i = 0; i < ROWS; ++i) {
        const R av = V::bcast(a + i);
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
      }
    }
    a += kDirectA ? cs : MR;
    b += kDirectB ? ldb : kStep;
  }

  store_tile<V, NV, ROWS, kWasmEpilogue || kDirectB>(acc, c, ldc, args);
}

// Indirect A (a convolution read through pointers, without im2col columns): row i of op(A)
// is a sequence of segments of `run` contiguous values, segment s starting at
// ptrs[s * ptr_ld + i]. The kc steps begin `first` values into segment 0. The operations
// per element of C are those of tile_ukr over the same values (bitwise the same result).
template <class V, int MR, int NV>
NG_GEMM_INLINE void tile_ukr_indirect(int64_t kc, const typename V::T* const* ptrs, int64_t ptr_ld,
                                      int64_t run, int64_t first,
                                      const typename V::T* NG_GEMM_RESTRICT b, typename V::T* c,
                                      int64_t ldc, const UkrArgs<typename V::T>& args) {
  using T = typename V::T;
  using R = typename V::R;
  constexpr int W = V::kWidth;
  constexpr int NR = NV * W;

  R acc[MR][NV];
  start_tile<V, NV, MR>(acc, c, ldc);

  int64_t off = first;
  for (int64_t left = kc; left > 0; ptrs += ptr_ld) {
    const int64_t len = run - off < left ? run - off : left;
    const T* a[MR];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) a[i] = ptrs[i] + off;
    NG_GEMM_K_UNROLL
    for (int64_t p = 0; p < len; ++p) {
      R bv[NV];
      V::prefetch(b + 16 * NR);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) bv[j] = V::load(b + j * W);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        const R av = V::bcast(a[i] + p);
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
      }
      b += NR;
    }
    left -= len;
    off = 0;
  }
  store_tile<V, NV, MR>(acc, c, ldc, args);
}

// Transposed indirect A (a convolution's filter gradient without im2col columns): column p
// of op(A) is read through a pointer, element (i, p) at cols[p][off + i], i < ROWS. The
// operations per element of C are those of tile_ukr. kAhead: prefetch the values
// kGatherAhead steps ahead (cols must then be readable that many entries past its kc) and B
// 16 steps ahead; otherwise no prefetches, which only take load slots where both are in L2
// (a 56×56×64 3×3 → 64 filter gradient on a 2 MB-L2 Xeon, 1 thread, against the forward
// pass in the same process: 1.047 -> 1.021 times its time without the B prefetch).
template <class V, int MR, int NV, int ROWS, bool kAhead>
NG_GEMM_INLINE void tile_ukr_gather(int64_t kc, const typename V::T* const* cols, int64_t off,
                                    const typename V::T* NG_GEMM_RESTRICT b, typename V::T* c,
                                    int64_t ldc, const UkrArgs<typename V::T>& args) {
  using T = typename V::T;
  using R = typename V::R;
  constexpr int W = V::kWidth;
  constexpr int NR = NV * W;
  static_assert(ROWS >= 1 && ROWS <= MR, "rows");

  R acc[ROWS][NV];
  start_tile<V, NV, ROWS>(acc, c, ldc);
  NG_GEMM_K_UNROLL
  for (int64_t p = 0; p < kc; ++p) {
    const T* a = opaque_base(cols[p] + off);
    if (kAhead) {
      V::prefetch(cols[p + kGatherAhead] + off);
      V::prefetch(b + 16 * NR);
    }
    R bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = V::loadu(b + j * W);  // bp may come from the caller, unaligned
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; ++i) {
      const R av = V::bcast(a + i);
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(av, bv[j], acc[i][j]);
    }
    b += NR;
  }
  store_tile<V, NV, ROWS>(acc, c, ldc, args);
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
NG_GEMM_INLINE void pack_b_generic(bool trans, int64_t kc, int64_t cols, const T* b, int64_t ldb,
                                   T* dst) {
  const int64_t full = cols / NR;  // complete panels
  const int tail = static_cast<int>(cols - full * NR);
  if (!trans) {  // op(B)(p, j) = b[p * ldb + j]: rows are contiguous
    // Row by row: the source is read sequentially, each row feeds every panel.
    for (int64_t p = 0; p < kc; ++p) {
      const T* src = b + p * ldb;
      T* d = dst + p * NR;
      for (int64_t jp = 0; jp < full; ++jp) {
#pragma GCC unroll 4
        for (int j = 0; j < NR; ++j) d[jp * NR * kc + j] = src[jp * NR + j];
      }
      if (tail) {
        T* dt = d + full * NR * kc;
        for (int j = 0; j < tail; ++j) dt[j] = src[full * NR + j];
        for (int j = tail; j < NR; ++j) dt[j] = T(0);
      }
    }
  } else {  // op(B)(p, j) = b[j * ldb + p]: read each source row contiguously
    for (int64_t jp = 0; jp * NR < cols; ++jp) {
      const int jb = jp < full ? NR : tail;
      T* d = dst + jp * NR * kc;
      for (int j = 0; j < jb; ++j) {
        const T* row = b + (jp * NR + j) * ldb;
        for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = row[p];
      }
      for (int j = jb; j < NR; ++j)
        for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = T(0);
    }
  }
}

// op(B) transposed (B stored n x k, as in dX = dY·Wᵀ), packed by BS x BS register
// transposes: Block(src, ldb, dst, NR) turns BS rows of BS values (BS columns of op(B) x BS
// steps) into BS steps of BS columns at dst, NR apart. The generic packer's layout; other
// cases, the k tail and a partial last panel go to it.
template <typename T, int NR, int BS, class Block>
NG_GEMM_INLINE void pack_b_by_blocks(bool trans, int64_t kc, int64_t cols, const T* b, int64_t ldb, T* dst,
                                     Block block) {
  static_assert(NR % BS == 0, "whole blocks per panel");
  if (!trans) {
    pack_b_generic<T, NR>(false, kc, cols, b, ldb, dst);
    return;
  }
  const int64_t full = cols / NR, kcb = kc / BS * BS;
  for (int64_t jp = 0; jp < full; ++jp) {
    T* d = dst + jp * NR * kc;
    const T* src = b + jp * NR * ldb;
    for (int64_t p = 0; p < kcb; p += BS)
      for (int h = 0; h < NR / BS; ++h) block(src + h * BS * ldb + p, ldb, d + p * NR + h * BS, NR);
    for (int64_t p = kcb; p < kc; ++p)
      for (int j = 0; j < NR; ++j) d[p * NR + j] = src[j * ldb + p];
  }
  if (full * NR < cols)
    pack_b_generic<T, NR>(true, kc, cols - full * NR, b + full * NR * ldb, ldb, dst + full * NR * kc);
}

}  // namespace
}  // namespace gemm_detail
}  // namespace ng

namespace ng {
namespace gemm_detail {
namespace {

// Packed-A kernel for ROWS rows (ROWS = MR: the main kernel; fewer: the last row panel).
// kBStep: see tile_ukr.
template <class V, int MR, int NV, int ROWS, int kBStep = 0>
void ukr_rows_fn(int64_t kc, const typename V::T* a, const typename V::T* b, typename V::T* c,
                 int64_t ldc, const UkrArgs<typename V::T>& args) {
  tile_ukr<V, MR, NV, ROWS, false, false, NV, false, kBStep>(kc, a, 0, 0, b, c, ldc, args);
}

// op(A) read in place, ROWS rows (MR: a full row panel; fewer: see RowPanels in gemm.cpp).
template <class V, int MR, int NV, int ROWS, int kBStep = 0>
void ukr_direct_fn(int64_t kc, const typename V::T* a, int64_t rs, int64_t cs,
                   const typename V::T* b, typename V::T* c, int64_t ldc,
                   const UkrArgs<typename V::T>& args) {
  if (rs == 1) {  // op(A) transposed: a step's values are contiguous
    tile_ukr<V, MR, NV, ROWS, true, false, NV, true, kBStep>(kc, a, rs, cs, b, c, ldc, args);
  } else {
    tile_ukr<V, MR, NV, ROWS, true, false, NV, false, kBStep>(kc, a, rs, cs, b, c, ldc, args);
  }
}

template <class V, int MR, int NV>
void ukr_indirect_fn(int64_t kc, const typename V::T* const* ptrs, int64_t ptr_ld, int64_t run,
                     int64_t first, const typename V::T* b, typename V::T* c, int64_t ldc,
                     const UkrArgs<typename V::T>& args) {
  tile_ukr_indirect<V, MR, NV>(kc, ptrs, ptr_ld, run, first, b, c, ldc, args);
}

template <class V, int MR, int NV, int ROWS, bool kAhead>
void ukr_gather_fn(int64_t kc, const typename V::T* const* cols, int64_t off,
                   const typename V::T* b, typename V::T* c, int64_t ldc,
                   const UkrArgs<typename V::T>& args) {
  tile_ukr_gather<V, MR, NV, ROWS, kAhead>(kc, cols, off, b, c, ldc, args);
}

// Small-m kernels: ROWS rows of op(A) read in place times PANELS panels of B (in place or
// packed, see kDirectB). small_panels: how many NR-wide panels one call covers, so that the
// ROWS x width accumulators fill the registers (one row alone needs several independent FMA
// chains to hide the FMA latency).
template <int MR, int NV, int ROWS>
constexpr int small_panels() {
  return ROWS == 1 ? 4 : ROWS == 2 ? 2 : 1;
}

template <class V, int MR, int NV, int ROWS, int PANELS>
void ukr_small_fn(int64_t kc, const typename V::T* a, int64_t rs, int64_t cs,
                  const typename V::T* b, int64_t ldb, int64_t pstride, typename V::T* c,
                  int64_t ldc, const UkrArgs<typename V::T>& args) {
  if (rs == 1) {  // op(A) transposed: a step's values are contiguous
    tile_ukr<V, MR, NV * PANELS, ROWS, true, true, NV, true>(kc, a, rs, cs, b, c, ldc, args, ldb, pstride);
  } else {
    tile_ukr<V, MR, NV * PANELS, ROWS, true, true, NV>(kc, a, rs, cs, b, c, ldc, args, ldb, pstride);
  }
}

// One panel of B in place read through masks (kMaskB): see KernelDesc::ukr_small_masked.
template <class V, int MR, int ROWS>
void ukr_small_masked_fn(int64_t kc, const typename V::T* a, int64_t rs, int64_t cs,
                         const typename V::T* b, int64_t ldb, int64_t pstride, typename V::T* c,
                         int64_t ldc, const UkrArgs<typename V::T>& args) {
  if (rs == 1) {
    tile_ukr<V, MR, 1, ROWS, true, true, 1, true, 0, true>(kc, a, rs, cs, b, c, ldc, args, ldb, pstride);
  } else {
    tile_ukr<V, MR, 1, ROWS, true, true, 1, false, 0, true>(kc, a, rs, cs, b, c, ldc, args, ldb, pstride);
  }
}

template <class V, int MR, int NV, int... Rows>
struct SmallKernels {
  static constexpr UkrSmallFn<typename V::T> wide[sizeof...(Rows)] = {
      &ukr_small_fn<V, MR, NV, Rows, small_panels<MR, NV, Rows>()>...};
  static constexpr UkrSmallFn<typename V::T> one[sizeof...(Rows)] = {
      &ukr_small_fn<V, MR, NV, Rows, 1>...};
  static constexpr int panels[sizeof...(Rows)] = {small_panels<MR, NV, Rows>()...};
};

template <typename T, int MR>
void pack_a_fn(bool trans, int64_t rows, int64_t kc, const T* a, int64_t lda, T* dst) {
  pack_a_generic<T, MR>(trans, rows, kc, a, lda, dst);
}

template <typename T, int NR>
void pack_b_fn(bool trans, int64_t kc, int64_t cols, const T* b, int64_t ldb, T* dst) {
  pack_b_generic<T, NR>(trans, kc, cols, b, ldb, dst);
}

// Addresses of the row-count variants 1..MR (constant-initialized: no code runs).
template <class V, int MR, int NV, int... Rows>
struct RowKernels {
  static constexpr UkrFn<typename V::T> fns[sizeof...(Rows)] = {&ukr_rows_fn<V, MR, NV, Rows>...};
  static constexpr UkrDirectFn<typename V::T> direct[sizeof...(Rows)] = {&ukr_direct_fn<V, MR, NV, Rows>...};
  static constexpr UkrGatherFn<typename V::T> gather[2][sizeof...(Rows)] = {
      {&ukr_gather_fn<V, MR, NV, Rows, false>...}, {&ukr_gather_fn<V, MR, NV, Rows, true>...}};
};

// The same for a one-vector desc's kernels that compute a wide desc's last panel: reading B
// micro-panels packed twice as wide (KernelDesc::ukr_rows_half, ukr_direct_half), or B in
// place through masks (ukr_small_masked).
template <class V, int MR, int NV, int... Rows>
struct HalfKernels {
  static constexpr int kStep = 2 * NV * V::kWidth;
  static constexpr UkrFn<typename V::T> fns[sizeof...(Rows)] = {&ukr_rows_fn<V, MR, NV, Rows, kStep>...};
  static constexpr UkrDirectFn<typename V::T> direct[sizeof...(Rows)] = {&ukr_direct_fn<V, MR, NV, Rows, kStep>...};
  static constexpr UkrSmallFn<typename V::T> masked[sizeof...(Rows)] = {&ukr_small_masked_fn<V, MR, Rows>...};
};

}  // namespace
}  // namespace gemm_detail
}  // namespace ng

// Fills a KernelDesc from baseline code (only reads addresses). ROWS...: 1, 2, ..., MR.
#define NG_GEMM_FILL_DESC(D, V, MR, NV, MC, KC, ...)                                       \
  do {                                                                                     \
    using RowsT = RowKernels<V, MR, NV, __VA_ARGS__>;                                      \
    static_assert(sizeof(RowsT::fns) / sizeof(RowsT::fns[0]) == (MR), "1..MR");            \
    (D)->mr = (MR);                                                                        \
    (D)->nr = (NV) * V::kWidth;                                                            \
    (D)->mc = (MC);                                                                        \
    (D)->kc = (KC);                                                                        \
    for (int r_ = 1; r_ <= (MR); ++r_) {                                                   \
      (D)->ukr_rows[r_] = RowsT::fns[r_ - 1];                                              \
      (D)->ukr_direct[r_] = RowsT::direct[r_ - 1];                                         \
    }                                                                                      \
    for (int r_ = 1; r_ <= (MR); ++r_) {                                                   \
      (D)->ukr_gather[0][r_] = RowsT::gather[0][r_ - 1];                                   \
      (D)->ukr_gather[1][r_] = RowsT::gather[1][r_ - 1];                                   \
    }                                                                                      \
    (D)->ukr_indirect = &ukr_indirect_fn<V, MR, NV>;                                       \
    using SmallT = SmallKernels<V, MR, NV, __VA_ARGS__>;                                   \
    for (int r_ = 1; r_ <= (MR); ++r_) {                                                   \
      (D)->ukr_small[r_] = SmallT::wide[r_ - 1];                                           \
      (D)->ukr_small_one[r_] = SmallT::one[r_ - 1];                                        \
      (D)->small_panels[r_] = SmallT::panels[r_ - 1];                                      \
    }                                                                                      \
    (D)->pack_a = &pack_a_fn<V::T, MR>;                                                    \
    (D)->pack_b = &pack_b_fn<V::T, (NV) * V::kWidth>;                                      \
  } while (0)

// The kernels with which a one-vector desc computes a wide desc's last panel: reading its B
// micro-panels (NR twice theirs; KernelDesc::ukr_rows_half / ukr_direct_half), or B in place
// through masks (ukr_small_masked; NV must be 1). Rows as NG_GEMM_FILL_DESC's.
#define NG_GEMM_FILL_HALF(D, V, MR, NV, ...)                                                \
  do {                                                                                     \
    using HalfT = HalfKernels<V, MR, NV, __VA_ARGS__>;                                     \
    for (int r_ = 1; r_ <= (MR); ++r_) {                                                   \
      (D)->ukr_rows_half[r_] = HalfT::fns[r_ - 1];                                         \
      (D)->ukr_direct_half[r_] = HalfT::direct[r_ - 1];                                    \
      (D)->ukr_small_masked[r_] = HalfT::masked[r_ - 1];                                   \
    }                                                                                      \
  } while (0)
