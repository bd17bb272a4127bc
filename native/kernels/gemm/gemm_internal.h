// Internal interface between the GEMM driver (gemm.cpp) and the per-ISA microkernel
// files (microkernel_*.cpp). Not part of the public API.
#pragma once

#include <cstdint>

namespace ng {
namespace gemm_detail {

// In-kernel activations; Sigmoid/Tanh are applied by the driver after the store.
enum : int { kActNone = 0, kActRelu = 1, kActLeaky = 2 };

// Prefetch distances (k steps) of operands read in place. 8 steps cover an L2 hit. Data on
// its way from memory needs more in flight: 32 took the first pass of a 1×1 convolution's
// filter gradient (64×128×968 tiles streamed from DRAM) from 18.0 to 15.1 ms, but cost 2-4%
// on products whose operands are already in L2.
constexpr int64_t kNearAhead = 8;
constexpr int64_t kFarAhead = 32;

template <typename T>
struct UkrArgs {
  T alpha;             // C = alpha * AB + beta * C (+ bias, act)
  T beta;              // 0: C is not read
  const T* bias;       // nr values for this tile, or nullptr (only on the last k-block)
  int act;             // kActNone / kActRelu / kActLeaky
  T leaky_alpha;
  // k steps ahead at which the kernels reading an operand in place fetch it: a few (in cache)
  // or kFarAhead (the first pass over operands that come from memory).
  int64_t ahead = kNearAhead;
  int b_cols = 0;  // ukr_small_masked: the columns of B it reads (1..NR)
};

// Computes rows [0, ROWS) of an MR x NR tile (ROWS fixed per function): acc = sum_p a[p*MR + i] * b[p*NR + j] over p < kc
// (kc >= 1), then C[i*ldc + j] = epilogue(acc). a: packed MR x kc micro-panel,
// b: packed kc x NR micro-panel (64-byte aligned).
template <typename T>
using UkrFn = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t ldc,
                       const UkrArgs<T>& args);

// Same tile, same operations, but reading op(A) in place: element (i, p) at
// a[i * rs + p * cs], for the kernel's rows i (only those are read).
template <typename T>
using UkrDirectFn = void (*)(int64_t kc, const T* a, int64_t rs, int64_t cs, const T* b, T* c,
                             int64_t ldc, const UkrArgs<T>& args);

// Same full tile, same operations, with op(A) read through pointers (indirect GEMM, a
// convolution without im2col): row i's values come in segments of `run` contiguous
// values, segment s at ptrs[s * ptr_ld + i]; the kc steps start `first` values into
// segment 0 (first < run).
template <typename T>
using UkrIndirectFn = void (*)(int64_t kc, const T* const* ptrs, int64_t ptr_ld, int64_t run,
                               int64_t first, const T* b, T* c, int64_t ldc,
                               const UkrArgs<T>& args);

// How many steps ahead ukr_gather[1] prefetches through its pointers (= ng::kIndirectPtrSlack).
constexpr int64_t kGatherAhead = 16;

// Rows [0, ROWS) of an MR x NR tile (ROWS fixed per function), op(A) read by columns
// through pointers: element (i, p) at cols[p][off + i] (the transpose of ukr_indirect's
// operand: a convolution's filter gradient). b: packed kc x NR micro-panel. Same
// operations per element of C as UkrFn.
template <typename T>
using UkrGatherFn = void (*)(int64_t kc, const T* const* cols, int64_t off, const T* b, T* c,
                             int64_t ldc, const UkrArgs<T>& args);

// Rows [0, ROWS) of op(A), read in place (element (i, p) at a[i * rs + p * cs]), times
// panels of NR columns of op(B): panel q's row p at b + q * pstride + p * ldb, as many
// panels as the kernel is wide (KernelDesc::small_panels[ROWS] for ukr_small, 1 for
// ukr_small_one). B in place: ldb = its row stride, pstride = NR; packed: ldb = NR,
// pstride = kc * NR. Same operations per element of C as UkrFn.
template <typename T>
using UkrSmallFn = void (*)(int64_t kc, const T* a, int64_t rs, int64_t cs, const T* b,
                            int64_t ldb, int64_t pstride, T* c, int64_t ldc,
                            const UkrArgs<T>& args);

// Few columns of C, op(A) = A (microkernel_dot_impl.h): ROWS x COLS dot products along k,
// C[i, j] = epilogue(Σ_p a[i * lda + p] · bt[j * ldbt + p]); bt holds op(B)ᵀ (n x k).
// Same epilogue as UkrFn.
template <typename T>
using UkrDotFn = void (*)(int64_t k, const T* a, int64_t lda, const T* bt, int64_t ldbt, T* c,
                          int64_t ldc, const UkrArgs<T>& args);

// op(B) = B (k x n, b[p * ldb + j]) transposed for the dot kernels: bt[j * ldbt + p].
template <typename T>
using PackBtFn = void (*)(int64_t k, int64_t n, const T* b, int64_t ldb, T* bt, int64_t ldbt);

// C = act(ctᵀ + bias) from ct (n x m, row stride ldct), for the first rows of C in whole
// vector blocks: the store of a product computed swapped. Returns how many rows it stored
// (the caller stores the rest). act: kActNone / kActRelu / kActLeaky; bias may be null.
// n <= the function's own limit (KernelDesc::store_t_max_n).
template <typename T>
using StoreTFn = int64_t (*)(int64_t m, int64_t n, const T* ct, int64_t ldct, T* c, int64_t ldc,
                             const T* bias, int act, T leaky_alpha);

constexpr int kMaxMr = 16, kMaxNr = 32;
constexpr int kMaxDotRows = 8, kMaxDotCols = 8;

// Packs rows [0, rows) x depth [0, kc) of op(A) (a points at op(A)(0, 0)) into
// ceil(rows / MR) micro-panels of MR x kc, zero-padded. trans: A is stored k x m.
template <typename T>
using PackAFn = void (*)(bool trans, int64_t rows, int64_t kc, const T* a, int64_t lda, T* dst);

// Packs depth [0, kc) x columns [0, cols) of op(B) (b points at op(B)(0, 0)) into
// ceil(cols / NR) micro-panels of kc x NR, zero-padded. trans: B is stored n x k.
template <typename T>
using PackBFn = void (*)(bool trans, int64_t kc, int64_t cols, const T* b, int64_t ldb, T* dst);

template <typename T>
struct KernelDesc {
  int mr = 0, nr = 0, mc = 0, kc = 0;
  UkrFn<T> ukr_rows[kMaxMr + 1] = {};  // [r]: kernel storing the first r rows (1..mr)
  UkrDirectFn<T> ukr_direct[kMaxMr + 1] = {};  // [r]: op(A) in place, r rows (1..mr)
  // As ukr_rows and ukr_direct, reading B micro-panels packed 2·nr wide (the wide desc's) and
  // computing their first nr columns: a wide product's last panel of at most nr columns.
  // Only in the narrow descs (get_narrow_kernels_avx512, get_half_kernels_avx2); null elsewhere.
  UkrFn<T> ukr_rows_half[kMaxMr + 1] = {};
  UkrDirectFn<T> ukr_direct_half[kMaxMr + 1] = {};
  // In a wide desc: the path (index of the narrow tables) whose narrow desc computes this
  // desc's last panels of at most its nr columns; -1: none (gemm.cpp, link_half).
  int half_isa = -1;
  UkrIndirectFn<T> ukr_indirect = nullptr;
  UkrGatherFn<T> ukr_gather[2][kMaxMr + 1] = {};  // [prefetch ahead][r]: r rows (1..mr)
  UkrSmallFn<T> ukr_small[kMaxMr + 1] = {};      // [r]: r rows, small_panels[r] * NR columns
  UkrSmallFn<T> ukr_small_one[kMaxMr + 1] = {};  // [r]: r rows, NR columns
  // [r]: as ukr_small_one with B in place, reading only its first args.b_cols columns (masked
  // loads): a last panel of fewer than NR columns without a padded copy. Only in the narrow
  // descs (get_narrow_kernels_avx512, get_half_kernels_avx2); null elsewhere (such a panel is
  // packed).
  UkrSmallFn<T> ukr_small_masked[kMaxMr + 1] = {};
  int small_panels[kMaxMr + 1] = {};
  // Products of at most dot_max_n columns and depth k >= dot_min_k with op(A) = A take the
  // dot kernels (dot_max_n 0: never): [r][c] for tiles of r rows and c <= dot_cols columns,
  // r <= dot_rows[c].
  int dot_rows[kMaxDotCols + 1] = {}, dot_cols = 0, dot_max_n = 0, dot_min_k = 0;
  UkrDotFn<T> ukr_dot[kMaxDotRows + 1][kMaxDotCols + 1] = {};
  PackBtFn<T> pack_bt = nullptr;
  StoreTFn<T> store_t = nullptr;  // null: gemm_swapped stores element by element
  int store_t_max_n = 0;
  PackAFn<T> pack_a = nullptr;
  PackBFn<T> pack_b = nullptr;
};

// Each returns false (and leaves the descriptors alone) when its ISA is not compiled
// into this binary. They do not check whether the CPU supports it.
bool get_kernels_scalar(KernelDesc<float>* f32, KernelDesc<double>* f64);
bool get_kernels_avx2(KernelDesc<float>* f32, KernelDesc<double>* f64);
bool get_kernels_avx512(KernelDesc<float>* f32, KernelDesc<double>* f64);
bool get_kernels_simd128(KernelDesc<float>* f32, KernelDesc<double>* f64);
bool get_kernels_neon(KernelDesc<float>* f32, KernelDesc<double>* f64);
// Kernels one vector wide (NR halved) for products with at most that many columns, where
// the full tile would leave most of its lanes empty. Only paths whose tile is two vectors
// of 16 floats have them (AVX-512).
bool get_narrow_kernels_avx512(KernelDesc<float>* f32, KernelDesc<double>* f64);
// AVX2's one-vector kernels (6 x 8 fp32, 6 x 4 fp64), used only for the last panel of wider
// products (KernelDesc::half_isa), not for products of few columns.
bool get_half_kernels_avx2(KernelDesc<float>* f32, KernelDesc<double>* f64);

}  // namespace gemm_detail
}  // namespace ng
