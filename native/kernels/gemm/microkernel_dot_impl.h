// The dot-product kernel for products with few columns (a classifier's or a regression's
// last layer: n of 1 to about 16), written once over the vector traits of
// microkernel_impl.h. The broadcast tile vectorises along n, so a product of 10 columns
// fills 10 of its 16 lanes, and of 1 column, one; and every k step costs a broadcast per
// row. Here each element of C is a dot product vectorised along k instead: a row of A and
// a column of op(B) (a row of Bᵀ) are both read as contiguous vectors, every lane is used,
// and ROWS + COLS loads feed ROWS x COLS fused multiply-adds.
//
// Include from a microkernel_<isa>.cpp after microkernel_impl.h, inside its target region
// (<utility> among the standard headers before it).
// V must also provide load_tail(const T* p, int count) (the first count < W values of p,
// the other lanes zero, reading nothing past p + count), kSumBatch and
// hsum_batch(const R* v, T* out) (out[t] = the sum of v[t]'s lanes for t < kSumBatch, in an
// order fixed for the path and the same for every t), and kGather: whether to gather op(B)ᵀ
// with gather(const T* p, int64_t stride) (p[l * stride] in lane l; needed only then).
#pragma once

#include "microkernel_impl.h"

namespace ng {
namespace gemm_detail {
namespace {

// One vector step of the dot products: W values of each row of A and of op(B)ᵀ from a and bt,
// or the first `count` (kTail: the last, partial vector, loaded masked).
template <class V, int ROWS, int COLS, bool kTail>
NG_GEMM_INLINE void dot_step(typename V::R (&acc)[ROWS][COLS], const typename V::T* a, int64_t lda,
                             const typename V::T* bt, int64_t ldbt, int count) {
  using R = typename V::R;
  R av[ROWS];
#pragma GCC unroll 8
  for (int i = 0; i < ROWS; ++i) av[i] = kTail ? V::load_tail(a + i * lda, count) : V::loadu(a + i * lda);
#pragma GCC unroll 8
  for (int j = 0; j < COLS; ++j) {
    const R bv = kTail ? V::load_tail(bt + j * ldbt, count) : V::loadu(bt + j * ldbt);
#pragma GCC unroll 8
    for (int i = 0; i < ROWS; ++i) acc[i][j] = V::fma(av[i], bv, acc[i][j]);
  }
}

// C[i, j] = act(alpha · Σ_p a[i·lda + p] · bt[j·ldbt + p] + beta · C[i, j] + bias[j]) for
// i < ROWS, j < COLS (relu and leaky relu here; the driver applies the others). Lane l sums
// the products of p ≡ l (mod W) in order of p, the last partial vector loaded masked, then
// hsum_batch adds the lanes. Each element sees the same operations whatever ROWS and COLS are, so
// a row of C does not depend on how many rows are computed with it.
template <class V, int ROWS, int COLS>
void ukr_dot_fn(int64_t k, const typename V::T* a, int64_t lda, const typename V::T* bt,
                int64_t ldbt, typename V::T* c, int64_t ldc, const UkrArgs<typename V::T>& args) {
  using T = typename V::T;
  using R = typename V::R;
  constexpr int W = V::kWidth;
  R acc[ROWS][COLS];
#pragma GCC unroll 8
  for (int i = 0; i < ROWS; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < COLS; ++j) acc[i][j] = V::zero();

  int64_t p = 0;
  NG_GEMM_DOT_UNROLL
  for (; p + W <= k; p += W) dot_step<V, ROWS, COLS, false>(acc, a + p, lda, bt + p, ldbt, W);
  if (p < k) dot_step<V, ROWS, COLS, true>(acc, a + p, lda, bt + p, ldbt, static_cast<int>(k - p));

  // The lanes of kSumBatch accumulators at a time are summed together (V::hsum_batch: a
  // transposing tree, cheaper than one horizontal sum each); padding vectors are zero.
  constexpr int kN = ROWS * COLS, kB = V::kSumBatch;
  alignas(64) T sums[(kN + kB - 1) / kB * kB];
#pragma GCC unroll 4
  for (int b0 = 0; b0 < kN; b0 += kB) {
    R part[kB];
#pragma GCC unroll 16
    for (int t = 0; t < kB; ++t) part[t] = b0 + t < kN ? acc[(b0 + t) / COLS][(b0 + t) % COLS] : V::zero();
    V::hsum_batch(part, sums + b0);
  }

  const T alpha = args.alpha, beta = args.beta, leaky = args.leaky_alpha;
#pragma GCC unroll 8
  for (int i = 0; i < ROWS; ++i) {
    T* cr = c + i * ldc;
#pragma GCC unroll 8
    for (int j = 0; j < COLS; ++j) {
      T x = sums[i * COLS + j];
      if (alpha != T(1)) x = alpha * x;
      if (beta != T(0)) x = beta * cr[j] + x;
      if (args.bias) x = x + args.bias[j];
      if (args.act == kActRelu) {
        x = x > T(0) ? x : T(0);
      } else if (args.act == kActLeaky) {
        x = x > T(0) ? x : leaky * x;
      }
      cr[j] = x;
    }
  }
}

// B (k x n, n small) transposed into bt (n x k): a vector of W values of column j at a time,
// gathered where the path has gathers (V::kGather), else one value at a time row by row.
template <class V>
void pack_bt_fn(int64_t k, int64_t n, const typename V::T* b, int64_t ldb, typename V::T* bt,
                int64_t ldbt) {
  constexpr int W = V::kWidth;
  int64_t p = 0;
  if constexpr (V::kGather) {
    // 32-bit lane offsets: (W - 1) · ldb must fit.
    if (ldb <= int64_t(0x7fffffff) / W) {
      for (; p + W <= k; p += W)
        for (int64_t j = 0; j < n; ++j) V::storeu(bt + j * ldbt + p, V::gather(b + p * ldb + j, ldb));
    }
  }
  for (; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) bt[j * ldbt + p] = b[p * ldb + j];
}

// Addresses of the ROWS x COLS variants, 1..kRows x 1..kCols. `table` is constant-initialized:
// no code compiled for the ISA runs to build it.
template <class V, int kRows, int kCols>
struct DotTable {
  struct Fns {
    UkrDotFn<typename V::T> f[kRows][kCols];
  };
  template <int I, int... Js>
  static constexpr void fill_row(Fns& t, std::integer_sequence<int, Js...>) {
    ((t.f[I][Js] = &ukr_dot_fn<V, I + 1, Js + 1>), ...);
  }
  template <int... Is>
  static constexpr Fns make(std::integer_sequence<int, Is...>) {
    Fns t{};
    (fill_row<Is>(t, std::make_integer_sequence<int, kCols>{}), ...);
    return t;
  }
  static constexpr Fns table = make(std::make_integer_sequence<int, kRows>{});
};

}  // namespace
}  // namespace gemm_detail
}  // namespace ng

// Fills the dot kernels of a KernelDesc (from baseline code: only stores addresses). Tiles
// are up to COLS columns wide and hold about ACCS accumulators: as many rows (at most
// kMaxDotRows) as fit for the columns. Products of at most MAX_N columns and at least MIN_K
// depth take them.
#define NG_GEMM_FILL_DOT(D, V, ACCS, COLS, MAX_N, MIN_K)                                        \
  do {                                                                                     \
    static_assert((COLS) <= kMaxDotCols, "dot tile size");                                 \
    using DotT = DotTable<V, kMaxDotRows, (COLS)>;                                         \
    for (int i_ = 0; i_ < kMaxDotRows; ++i_)                                               \
      for (int j_ = 0; j_ < (COLS); ++j_) (D)->ukr_dot[i_ + 1][j_ + 1] = DotT::table.f[i_][j_]; \
    for (int j_ = 1; j_ <= (COLS); ++j_)                                                   \
      (D)->dot_rows[j_] = (ACCS) / j_ < 1 ? 1 : (ACCS) / j_ > kMaxDotRows ? kMaxDotRows : (ACCS) / j_; \
    (D)->dot_cols = (COLS);                                                                \
    (D)->dot_max_n = (MAX_N);                                                              \
    (D)->dot_min_k = (MIN_K);                                                              \
    (D)->pack_bt = &pack_bt_fn<V>;                                                         \
  } while (0)
