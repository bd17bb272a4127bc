// GEMM driver: path selection, blocking, packing buffers, threading, epilogue.
// The ISA-specific microkernels and packers live in microkernel_<isa>.cpp.
//
// Loop nest (BLIS order), per task = a block of rows x a range of column panels of C:
//   for each k-block (KC)                  -- B was packed once for the whole call
//     for each row block (MC) of the task  -- pack op(A) block (L2 resident)
//       for each column panel (NR)         -- packed B micro-panel (L1 resident)
//         for each row panel (MR)          -- microkernel, MR x NR register tile
// The first k-block applies beta, later ones accumulate (beta = 1); the last one adds
// the bias and applies the activation while storing. No task ever splits k, and every
// element of C is computed by the same sequence of operations whatever the tiling, so
// results do not depend on the thread count.
#include "gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "../../runtime/scratch.h"
#include "../../runtime/thread_pool.h"
#include "gemm_internal.h"

namespace ng {
namespace gemm_detail {
namespace {

constexpr int kNumIsa = 5;

// Below this many flops (2mnk) a call runs on the calling thread only: waking the pool
// costs more than it saves. Large problems are cut in tasks of at least kTaskFlops.
constexpr double kSerialFlops = 4.0e6;
constexpr double kTaskFlops = 2.0e6;
// op(A) is read in place (not packed) when op(B) has at most this many (padded) columns,
// or when A is not transposed and all of it fits in this many bytes (about a core's L2).
constexpr int64_t kDirectAMaxCols = 64;
#if defined(__wasm__)
// Not in wasm: packing measured 3-10% faster on every shape, in Node 20 on a Xeon,
// interleaved, with the 6×8 tile (V8 spilled an accumulator for the in-place rows): the
// MLP's dX3 (128×10×512) 19.3 -> 21.5 GFLOP/s, 256³ 31.8 -> 34.8. With the 5×8 tile, on a
// Zen 4, still 5-12%: dX3 23.6 -> 24.9, 256³ 38.1 -> 42.0, 64³ equal.
constexpr double kDirectAMaxBytes = 0;
#else
constexpr double kDirectAMaxBytes = 512.0 * 1024.0;
#endif
// Also when A is transposed (each step's MR values contiguous) and op(B) has at most this
// many column panels: a filter gradient xᵀ·dy over many pixels (AVX-512, 1 thread, 64 x 128
// x 2048-4096: 112-118 -> 124-137 GFLOP/s; 16 panels measured slower than packing A).
constexpr int64_t kDirectATransMaxPanels = 4;
// Thread-local packing buffers above this size are released after the call.
constexpr size_t kKeepBytes = size_t(32) << 20;
// Products of few columns and at least this many row panels are computed swapped (swap_pays;
// after use_dot, which takes op(A) = A with a deep k first), where that reads op(A) in place
// (op(A) = Aᵀ), or where packing op(A)ᵀ (a transposing copy of A) is small and n at most
// kSwapMaxColsPacked. AVX-512, 1 thread, op(A) = A: swapped /
// direct 128×512×8 57.6 / 55.4 GFLOP/s, 128×784×7 61.9 / 47.0, 300×300×4 35.0 / 31.8; but
// 1000×512×10 45.1 / 81.7, 1000×512×4 19.1 / 33.2, 256×512×8 (512 KB) 62.6 / 66.2, and
// 100×200×13 57.0 / 77.5 (op(A) = Aᵀ: swapped 1.3-9.6x faster on the same shapes, equal
// at 100×200×13).
constexpr int64_t kSwapMinRowPanels = 4;
constexpr double kSwapPackMaxBytes = 448.0 * 1024;
constexpr int64_t kSwapMaxColsPacked = 8;
constexpr int64_t kSwapMaxCols = 16;
// Products of at most kInPlaceMaxRowPanels row panels whose op(B) = B (not transposed) takes at
// most kInPlaceMaxBBytes read B in place instead of packing it.
constexpr int64_t kInPlaceMaxRowPanels = 5;
constexpr double kInPlaceMaxBBytes = 512.0 * 1024;
// Where all of op(B) packed would exceed this, it is packed one k-block at a time, just
// before that block is computed, instead of all of it first.
constexpr double kPackAllMaxBytes = 8.0 * 1024 * 1024;
// Threaded products whose packed op(B) and op(A) take at most these many bytes split the
// columns instead of the rows: each thread packs the B panels it computes, so no thread
// reads B from another core's cache (the row split packs B on one core and streams it into
// the others). 2 threads, GFLOP/s, row split -> column split: 128³ 121 -> 250, 192³ 235 ->
// 300, 128×784×512 225 -> 300-320, 128×512×512 237 -> 303-321; 512³ and 1024³ equal.
// Only where the panels divide evenly enough over the threads (kColumnSplitMaxSkew), and
// see column_split_pays.
constexpr double kColumnSplitMaxBBytes = 5.0 * 1024 * 1024;
constexpr double kColumnSplitMaxABytes = 2.0 * 1024 * 1024;
constexpr double kColumnSplitMaxSkew = 1.25;

struct Tables {
  KernelDesc<float> f32[kNumIsa];
  KernelDesc<double> f64[kNumIsa];
  bool available[kNumIsa] = {};
  // One vector wide, for products of at most narrow_*.nr columns (where has_narrow), and for
  // the last panel of wider products (where the wide desc's half_isa names them: AVX-512 and
  // AVX2).
  KernelDesc<float> narrow_f32[kNumIsa];
  KernelDesc<double> narrow_f64[kNumIsa];
  bool has_narrow[kNumIsa] = {};
};

// Lets `wide` compute a last panel of at most narrow.nr columns with narrow's ukr_*_half
// kernels, where they do the same operations per element (same MR and KC).
template <typename T>
void link_half(KernelDesc<T>& wide, const KernelDesc<T>& narrow, int isa) {
  if (narrow.ukr_rows_half[1] && 2 * narrow.nr == wide.nr && narrow.mr == wide.mr && narrow.kc == wide.kc)
    wide.half_isa = isa;
}

Tables make_tables() {
  Tables t;
  bool (*getters[kNumIsa])(KernelDesc<float>*, KernelDesc<double>*) = {
      get_kernels_scalar, get_kernels_avx2, get_kernels_avx512, get_kernels_simd128,
      get_kernels_neon};
  static_assert(static_cast<int>(Isa::Scalar) == 0 && static_cast<int>(Isa::Avx2) == 1 &&
                    static_cast<int>(Isa::Avx512) == 2 && static_cast<int>(Isa::Simd128) == 3 &&
                    static_cast<int>(Isa::Neon) == 4,
                "Isa numbering");
  for (int i = 0; i < kNumIsa; ++i) {
    // A path is usable when its kernels are compiled in AND the CPU can run them.
    t.available[i] = getters[i](&t.f32[i], &t.f64[i]) && isa_supported(static_cast<Isa>(i));
  }
  const int avx512 = static_cast<int>(Isa::Avx512);
  t.has_narrow[avx512] =
      t.available[avx512] && get_narrow_kernels_avx512(&t.narrow_f32[avx512], &t.narrow_f64[avx512]);
  if (t.has_narrow[avx512]) {
    link_half(t.f32[avx512], t.narrow_f32[avx512], avx512);
    link_half(t.f64[avx512], t.narrow_f64[avx512], avx512);
  }
  // AVX2's narrow kernels (6 x 8) only compute the last panels of wider products: the 6 x 16
  // tile stays the one for products of few columns (with its dot kernels).
  const int avx2 = static_cast<int>(Isa::Avx2);
  if (t.available[avx2] && get_half_kernels_avx2(&t.narrow_f32[avx2], &t.narrow_f64[avx2])) {
    link_half(t.f32[avx2], t.narrow_f32[avx2], avx2);
    link_half(t.f64[avx2], t.narrow_f64[avx2], avx2);
  }
  t.available[0] = true;  // scalar always compiled
  return t;
}

// Immutable after the first call (thread-safe static initialization).
const Tables& tables() {
  static const Tables t = make_tables();
  return t;
}

Isa resolve(Isa isa) {
  const int i = static_cast<int>(isa);
  if (i < 0 || i >= kNumIsa || !tables().available[i]) return Isa::Scalar;
  return isa;
}

// The path's kernels for a product of n columns of C (op(B) k x n): the narrow ones where
// the path has them and n fits one vector. Everything that packs or reads a packed B
// asks with the same n, so packing and computing agree.
template <typename T>
const KernelDesc<T>& desc(Isa resolved, int64_t n);
template <>
const KernelDesc<float>& desc<float>(Isa resolved, int64_t n) {
  const Tables& t = tables();
  const int i = static_cast<int>(resolved);
  return t.has_narrow[i] && n <= t.narrow_f32[i].nr ? t.narrow_f32[i] : t.f32[i];
}
template <>
const KernelDesc<double>& desc<double>(Isa resolved, int64_t n) {
  const Tables& t = tables();
  const int i = static_cast<int>(resolved);
  return t.has_narrow[i] && n <= t.narrow_f64[i].nr ? t.narrow_f64[i] : t.f64[i];
}

// The narrow desc whose ukr_*_half kernels compute the last panel of d's products (see
// KernelDesc::half_isa), or null.
template <typename T>
const KernelDesc<T>* half_of(const KernelDesc<T>& d);
template <>
const KernelDesc<float>* half_of<float>(const KernelDesc<float>& d) {
  return d.half_isa < 0 ? nullptr : &tables().narrow_f32[d.half_isa];
}
template <>
const KernelDesc<double>* half_of<double>(const KernelDesc<double>& d) {
  return d.half_isa < 0 ? nullptr : &tables().narrow_f64[d.half_isa];
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// 64-byte aligned memory (packed matrices that outlive a call).
void* aligned_new(size_t bytes) { return ::operator new(bytes, std::align_val_t(64)); }
void aligned_delete(void* p) {
  if (p) ::operator delete(p, std::align_val_t(64));
}

// Per-thread scratch: packed A blocks (every thread that runs tasks) and the packed B of
// a call (the calling thread). Each thread only ever touches its own.
thread_local ScratchBuffer tls_pack_a;
thread_local ScratchBuffer tls_pack_b;
thread_local ScratchBuffer tls_swapped;  // Cᵀ of a product computed swapped (gemm_swapped)

template <typename T>
inline T apply_act_scalar(T x, Activation act, T leaky) {
  switch (act) {
    case Activation::None: return x;
    case Activation::Relu: return x > T(0) ? x : T(0);
    case Activation::LeakyRelu: return x > T(0) ? x : leaky * x;
    case Activation::Sigmoid: return T(1) / (T(1) + std::exp(-x));
    case Activation::Tanh: return std::tanh(x);
  }
  return x;
}

inline bool act_in_kernel(Activation act) {
  return act == Activation::None || act == Activation::Relu || act == Activation::LeakyRelu;
}

inline int kernel_act(Activation act) {
  return act == Activation::Relu ? kActRelu : act == Activation::LeakyRelu ? kActLeaky : kActNone;
}

// Activations the microkernel does not fuse, applied to a freshly stored tile (still in L1).
template <typename T>
void post_activation(T* c, int64_t ldc, int rows, int cols, Activation act) {
  for (int i = 0; i < rows; ++i) {
    T* cr = c + i * ldc;
    if (act == Activation::Sigmoid) {
      for (int j = 0; j < cols; ++j) cr[j] = T(1) / (T(1) + std::exp(-cr[j]));
    } else {
      for (int j = 0; j < cols; ++j) cr[j] = std::tanh(cr[j]);
    }
  }
}

// k == 0 or alpha == 0: C = act(beta * C + bias).
template <typename T>
void scale_only(int64_t m, int64_t n, T beta, T* c, int64_t ldc, const GemmEpilogue<T>& ep) {
  for (int64_t i = 0; i < m; ++i) {
    T* cr = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) {
      T v = beta == T(0) ? T(0) : beta * cr[j];
      if (ep.bias) v = v + ep.bias[j];
      cr[j] = apply_act_scalar(v, ep.act, ep.leaky_alpha);
    }
  }
}

// Depth of the k-blocks for a given k: the path's KC, balanced so that no block is much
// shorter than the others (k = 784, KC = 256 -> 4 x 196, not 3 x 256 + 16). A function of
// (k, path) only: packing and computing agree, and no thread count enters.
template <typename T>
int64_t k_block(const KernelDesc<T>& d, int64_t k) {
  if (k <= d.kc) return std::min<int64_t>(d.kc, (k + 3) & ~int64_t(3));  // one block: no divisions
  const int64_t nq = ceil_div(k, d.kc);
  return std::min<int64_t>(d.kc, round_up(ceil_div(k, nq), 4));
}

// Packed B layout: k-blocks of KC one after the other; block q (depth kcq) holds the np
// column micro-panels of kcq x NR each, so block q starts at q * KC * np * NR and its
// panel jp at + jp * kcq * NR. Total k * np * NR elements.
template <typename T>
size_t packed_b_size(const KernelDesc<T>& d, int64_t k, int64_t n) {
  return static_cast<size_t>(k) * static_cast<size_t>(ceil_div(n, d.nr) * d.nr);
}

// Packs k-block q of op(B)'s column panels [jp0, jp1) into their place in `dst` (the
// packed_b_size layout of all of op(B)).
template <typename T>
void pack_b_part(const KernelDesc<T>& d, bool trans_b, int64_t k, int64_t n, const T* b, int64_t ldb, T* dst,
                 int64_t q, int64_t jp0, int64_t jp1) {
  const int64_t nr = d.nr, kc = k_block(d, k), np = ceil_div(n, nr);
  const int64_t p0 = q * kc, kcq = std::min(kc, k - p0);
  const int64_t j0 = jp0 * nr, cols = std::min(n, jp1 * nr) - j0;
  const T* src = trans_b ? b + j0 * ldb + p0 : b + p0 * ldb + j0;
  d.pack_b(trans_b, kcq, cols, src, ldb, dst + p0 * np * nr + jp0 * kcq * nr);
}

// Packs op(B) into `dst`, split into `pieces` independent parallel tasks.
template <typename T>
void pack_b_all(const KernelDesc<T>& d, bool trans_b, int64_t k, int64_t n, const T* b,
                int64_t ldb, T* dst, int64_t pieces) {
  const int64_t np = ceil_div(n, int64_t(d.nr)), nq = ceil_div(k, k_block(d, k));
  const int64_t groups = std::max<int64_t>(1, std::min<int64_t>(np, ceil_div(pieces, nq)));
  auto task = [&](int64_t t) {
    const int64_t q = t / groups, g = t % groups;
    const int64_t jp0 = np * g / groups, jp1 = np * (g + 1) / groups;
    if (jp0 < jp1) pack_b_part(d, trans_b, k, n, b, ldb, dst, q, jp0, jp1);
  };
  const int64_t n_tasks = nq * groups;
  if (pieces <= 1) {
    for (int64_t t = 0; t < n_tasks; ++t) task(t);
  } else {
    parallel_for(n_tasks, task);
  }
}

template <typename T>
struct Problem {
  const KernelDesc<T>* d;
  bool trans_a;
  bool direct_a;  // read op(A) = A in place instead of packing it
  int64_t mc;     // rows of A per block (row_block)
  int64_t m, n, k;
  T alpha;
  const T* a;
  int64_t lda;
  const T* bp;  // packed op(B)
  T beta;
  T* c;
  int64_t ldc;
  const GemmEpilogue<T>* ep;
};

// Packing A pays off when each packed element is reused for many column panels and A
// would not stay cached otherwise. With few panels (small n), or a small untransposed A
// (a batch of rows: its row panels stay in L2 between column panels), the microkernel
// reads op(A) in place: 2-4% faster at 128x784x512, 3% slower at 1024^3.
template <typename T>
bool use_direct_a(const KernelDesc<T>& d, bool trans_a, int64_t m, int64_t n, int64_t k) {
  if (ceil_div(n, d.nr) * d.nr <= kDirectAMaxCols) return true;
  if (trans_a && ceil_div(n, d.nr) <= kDirectATransMaxPanels) return true;
  return !trans_a && double(m) * double(k) * sizeof(T) <= kDirectAMaxBytes;
}

// A tile narrower than NR columns: the same full-width kernel runs on this copy, and its
// columns go back to C afterwards. Every element thus sees the same operations as in a full
// tile. Nothing is zeroed up front (that took a tenth of a 64×64×64 product, whose calls
// never have a partial tile): load() and padded_bias() zero what the kernel reads beyond
// the tile, and with beta = 0 the kernel reads nothing of it.
template <typename T>
struct EdgeTile {
  alignas(64) T c[kMaxMr * kMaxNr];
  alignas(64) T bias[kMaxNr];

  // `src`'s first `cols` values, zero-padded to nr.
  const T* padded_bias(const T* src, int cols, int nr) {
    std::memcpy(bias, src, sizeof(T) * cols);
    for (int j = cols; j < nr; ++j) bias[j] = T(0);
    return bias;
  }
  // `rows` rows of `cols` values, zero-padded to nr columns and to the `kernel_rows` rows the
  // kernel reads.
  void load(const T* src, int64_t ld, int rows, int cols, int nr, int kernel_rows) {
    for (int i = 0; i < rows; ++i) {
      std::memcpy(c + i * nr, src + i * ld, sizeof(T) * cols);
      std::fill(c + i * nr + cols, c + (i + 1) * nr, T(0));
    }
    std::fill(c + rows * nr, c + kernel_rows * nr, T(0));
  }
  void store(T* dst, int64_t ld, int rows, int cols, int nr) const {
    for (int i = 0; i < rows; ++i) std::memcpy(dst + i * ld, c + i * nr, sizeof(T) * cols);
  }
};

// The row panels of a block of rows: as few as MR-row panels allow, with the rows spread
// evenly over them. A last panel of a few rows left over would have too few accumulator
// chains to keep the FMA units busy: 128 rows on AVX-512 (MR 14) are 8 panels of 13 and
// 2 of 12, not 9 of 14 and one of 2 (whose 4 accumulators wait on the FMA latency).
// Which rows share a tile does not change any result: each element of C sees the same
// operations in every row-count variant of the kernel.
struct RowPanels {
  int64_t count, base, extra;  // panels; `base` rows each, the first `extra` one more
  bool whole;                  // all panels of MR rows

  RowPanels(int64_t rows, int mr)
      : count(ceil_div(rows, mr)),
        base(rows / std::max<int64_t>(count, 1)),
        extra(rows - base * count),
        whole(rows % mr == 0) {}
  int64_t start(int64_t q) const { return q * base + std::min(q, extra); }
  int rows(int64_t q) const { return static_cast<int>(base + (q < extra ? 1 : 0)); }
};

// Computes rows [i0, i1) x column panels [jp0, jp1) of C.
template <typename T>
void compute_block(const Problem<T>& pr, int64_t i0, int64_t i1, int64_t jp0, int64_t jp1) {
  const KernelDesc<T>& d = *pr.d;
  const KernelDesc<T>* half_d = half_of(d);  // computes a last panel of at most half_d->nr columns
  const int mr = d.mr, nr = d.nr;
  const int64_t kc = k_block(d, pr.k), mc = pr.mc;
  const int64_t np = ceil_div(pr.n, nr);
  const Activation act = pr.ep->act;
  const bool post_act = !act_in_kernel(act);
  T* abuf = tls_pack_a.get<T>(static_cast<size_t>(round_up(mc, mr) * kc));

  EdgeTile<T> edge;

  for (int64_t p0 = 0; p0 < pr.k; p0 += kc) {
    const int64_t kcq = std::min(kc, pr.k - p0);
    const bool first = p0 == 0, last = p0 + kcq == pr.k;
    UkrArgs<T> args;
    args.alpha = pr.alpha;
    args.beta = first ? pr.beta : T(1);
    args.bias = nullptr;
    args.act = last ? kernel_act(act) : kActNone;
    args.leaky_alpha = pr.ep->leaky_alpha;
    const T* bq = pr.bp + p0 * np * nr;
    const T* bias = last ? pr.ep->bias : nullptr;

    for (int64_t ic = i0; ic < i1; ic += mc) {
      const int64_t mcb = std::min(mc, i1 - ic);
      const T* asrc = pr.trans_a ? pr.a + p0 * pr.lda + ic : pr.a + ic * pr.lda + p0;
      // In-place strides of op(A): element (i, p) at asrc[i * rs + p * cs].
      const int64_t rs = pr.trans_a ? 1 : pr.lda, cs = pr.trans_a ? pr.lda : 1;
      const RowPanels panels(mcb, mr);
      if (!pr.direct_a) {
        if (panels.whole) {
          d.pack_a(pr.trans_a, mcb, kcq, asrc, pr.lda, abuf);
        } else {
          for (int64_t q = 0; q < panels.count; ++q)
            d.pack_a(pr.trans_a, panels.rows(q), kcq, asrc + panels.start(q) * rs, pr.lda, abuf + q * mr * kcq);
        }
      }

      for (int64_t jp = jp0; jp < jp1; ++jp) {
        const T* bpanel = bq + jp * kcq * nr;
        const int64_t j = jp * nr;
        const int nrb = static_cast<int>(std::min<int64_t>(nr, pr.n - j));
        // A last panel of at most half->nr columns is computed that wide, by the narrow
        // kernels reading its first columns (1024×100×1024: 112 columns computed, not 128).
        const bool half = nrb < nr && half_d && nrb <= half_d->nr;
        const int tnr = half ? half_d->nr : nr;  // the tile's width
        const bool full_n = nrb == tnr;
        args.bias = !bias ? nullptr : full_n ? bias + j : edge.padded_bias(bias + j, nrb, tnr);
        const UkrDirectFn<T>* direct_fns = half ? half_d->ukr_direct_half : d.ukr_direct;
        const UkrFn<T>* rows_fns = half ? half_d->ukr_rows_half : d.ukr_rows;
        for (int64_t q = 0; q < panels.count; ++q) {
          const int64_t ir = panels.start(q);
          const int mrb = panels.rows(q);
          T* ct = pr.c + (ic + ir) * pr.ldc + j;
          // Tiles with all their columns are written directly (the row-count variants of the
          // kernel cover row panels of fewer rows); partial columns go through `edge`.
          T* cdst = full_n ? ct : edge.c;
          const int64_t ldc = full_n ? pr.ldc : tnr;
          if (!full_n && args.beta != T(0)) edge.load(ct, pr.ldc, mrb, nrb, tnr, mrb);
          if (pr.direct_a) {
            direct_fns[mrb](kcq, asrc + ir * rs, rs, cs, bpanel, cdst, ldc, args);
          } else {
            rows_fns[mrb](kcq, abuf + q * mr * kcq, bpanel, cdst, ldc, args);
          }
          if (!full_n) edge.store(ct, pr.ldc, mrb, nrb, tnr);
          if (last && post_act) post_activation(ct, pr.ldc, mrb, nrb, act);
        }
      }
    }
  }
}

// How C is cut into tasks for parallel_for. Every element of C is computed by the same
// sequence of floating-point operations whichever tile, task or thread computes it (the
// k loop is never split and partial tiles use the same kernel), so the split may take
// the thread count into account without changing any result.
//   Up to one row block (MC) per thread (a training or inference batch): one task per
//   thread, rows cut evenly in whole row panels, so that each thread packs its rows of A
//   once and streams B once (more, smaller tasks measured 3-10% slower on 2 quiet cores).
//   More rows: about 4 tasks per thread of at most MC rows, taken in turn by the threads,
//   which keeps them all busy when one core is slowed by other load (one static task per
//   thread measured up to 14% slower then).
// Column panels are split too when there are fewer row tasks than wanted.
struct Split {
  int64_t rows_per_task, mt;    // row tasks: rows_per_task each, or
  int64_t panels_per_task, nt;  // column-panel tasks
  bool balanced = false;        // row tasks: an even share of the row panels each
};

// Rows of A per block: MC, or twice that where B's k-block panel (KC x n) is over
// kWideBBytes, because every row block streams all of it again from L3 or memory, which
// two threads doing so at once felt (2048³ on 2 threads: 184 -> 192 GFLOP/s; 1 thread and
// smaller panels: the same).
constexpr double kWideBBytes = 4.0 * 1024 * 1024;

template <typename T>
int64_t row_block(const KernelDesc<T>& d, int64_t n, int64_t k) {
  const double panel = double(k_block(d, k)) * double(round_up(n, int64_t(d.nr))) * sizeof(T);
  return panel > kWideBBytes ? 2 * int64_t(d.mc) : int64_t(d.mc);
}

template <typename T>
Split make_split(const KernelDesc<T>& d, int64_t mc, int64_t m, int64_t n, int64_t k, int threads) {
  const double flops = 2.0 * double(m) * double(n) * double(k);
  const int64_t np = ceil_div(n, d.nr);
  Split s{m, 1, np, 1};
  if (threads <= 1 || flops < kSerialFlops) return s;
  int64_t want;  // tasks
  if (m <= int64_t(threads) * mc) {
    want = threads;
    s.rows_per_task = round_up(ceil_div(m, threads), d.mr);
  } else {
    want = std::min<int64_t>(int64_t(threads) * 4, static_cast<int64_t>(flops / kTaskFlops));
    s.rows_per_task = std::min<int64_t>(mc, std::max<int64_t>(round_up(ceil_div(m, want), d.mr), int64_t(4) * d.mr));
  }
  s.mt = ceil_div(m, s.rows_per_task);
  if (mc == d.mc) {
    // Tasks of whole row panels as even as they go, a whole number per thread: 512 rows are
    // 37 panels of 14, 5 or 4 a task, not 7 tasks of 70 rows and one of 22 (2 threads: 512³
    // 275-296 -> 314-347 GFLOP/s). Not where B's panel is wide (mc = 2·MC): one more task
    // would stream it once more (2048³: -3%), and the last task is a small one there.
    s.balanced = true;
    s.mt = std::min(round_up(s.mt, int64_t(threads)), ceil_div(m, int64_t(d.mr)));
  }
  if (s.mt < want) {
    s.nt = std::min<int64_t>(np, ceil_div(want, s.mt));
    s.panels_per_task = ceil_div(np, s.nt);
    s.nt = ceil_div(np, s.panels_per_task);
  }
  return s;
}

template <typename T>
void run_packed(const KernelDesc<T>& d, bool trans_a, int64_t m, int64_t n, int64_t k, T alpha,
                const T* a, int64_t lda, const T* bp, T beta, T* c, int64_t ldc,
                const GemmEpilogue<T>& ep) {
  const int64_t mc = row_block(d, n, k);
  Problem<T> pr{&d, trans_a, use_direct_a(d, trans_a, m, n, k), mc, m, n, k, alpha, a, lda, bp, beta, c, ldc, &ep};
  const Split s = make_split(d, mc, m, n, k, num_threads());
  const int64_t np = ceil_div(n, d.nr);
  auto task = [&](int64_t t) {
    const int64_t ti = t / s.nt, tj = t % s.nt;
    const int64_t panels = ceil_div(m, int64_t(d.mr));
    const int64_t i0 = s.balanced ? panels * ti / s.mt * d.mr : ti * s.rows_per_task;
    const int64_t i1 = std::min(m, s.balanced ? panels * (ti + 1) / s.mt * d.mr : i0 + s.rows_per_task);
    const int64_t jp0 = tj * s.panels_per_task, jp1 = std::min(np, jp0 + s.panels_per_task);
    compute_block(pr, i0, i1, jp0, jp1);
  };
  const int64_t n_tasks = s.mt * s.nt;
  if (n_tasks == 1) {
    task(0);
  } else {
    parallel_for(n_tasks, task);
  }
  tls_pack_a.trim(kKeepBytes);
}

// Whether a threaded product splits its columns over the threads (kColumnSplitMaxBBytes).
template <typename T>
bool column_split_pays(const KernelDesc<T>& d, bool trans_a, int64_t m, int64_t n, int64_t k) {
  // Each thread packs all of op(A) where it is packed: worth it only for at least as many
  // columns as rows (784×128ᵀ×512, a weight gradient: 298-300 -> 270-282 GFLOP/s otherwise).
  if (n < m && !use_direct_a(d, trans_a, m, n, k)) return false;
  const int threads = num_threads();
  const int64_t np = ceil_div(n, d.nr);
  if (threads <= 1 || np < threads || 2.0 * double(m) * double(n) * double(k) < kSerialFlops) return false;
  const double per_task = double(ceil_div(np, int64_t(threads))), even = double(np) / threads;
  return per_task <= kColumnSplitMaxSkew * even &&
         double(packed_b_size(d, k, n)) * sizeof(T) <= kColumnSplitMaxBBytes &&
         double(m) * double(k) * sizeof(T) <= kColumnSplitMaxABytes;
}

// One task per thread, each packing its own range of B's column panels (all k-blocks, into
// their places in the shared buffer) and computing all rows of C for them. Per element, the
// operations of the serial path.
template <typename T>
void run_column_split(const KernelDesc<T>& d, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                      T alpha, const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc,
                      const GemmEpilogue<T>& ep) {
  const int64_t np = ceil_div(n, int64_t(d.nr)), nq = ceil_div(k, k_block(d, k));
  T* bp = tls_pack_b.get<T>(packed_b_size(d, k, n));
  const Problem<T> pr{&d, trans_a, use_direct_a(d, trans_a, m, n, k), row_block(d, n, k), m, n, k, alpha, a, lda,
                      bp, beta, c, ldc, &ep};
  const int64_t tasks = std::min<int64_t>(np, num_threads());
  parallel_for(tasks, [&](int64_t t) {
    const int64_t jp0 = np * t / tasks, jp1 = np * (t + 1) / tasks;
    for (int64_t q = 0; q < nq; ++q) pack_b_part(d, trans_b, k, n, b, ldb, bp, q, jp0, jp1);
    compute_block(pr, 0, m, jp0, jp1);
  });
  tls_pack_a.trim(kKeepBytes);
  tls_pack_b.trim(kKeepBytes);
}

// Parallel pieces for packing B: only when the call itself is parallel.
int64_t pack_pieces(int64_t m, int64_t n, int64_t k) {
  const double flops = 2.0 * double(m) * double(n) * double(k);
  const int threads = num_threads();
  if (threads <= 1 || flops < kSerialFlops || double(k) * double(n) < 32768.0) return 1;
  return int64_t(threads) * 2;
}

// A few rows of C (m <= MR): each element of B is used m times only, so packing B (read,
// write, read again) would cost more than the products, and the packed-A kernel's few
// accumulators per row would leave the FMA units waiting. Rows of op(A) are read in place
// and several B panels feed one kernel call; B is op(B) = B in place, or already packed
// (sgemm_packed). The k-blocks and per-element operations are the packed path's, so a row
// comes out bitwise the same whether it is computed alone or inside a larger batch.
// Column groups are split over the threads when B is large enough to be worth it.
constexpr double kSmallMSplitBytes = 512.0 * 1024.0;

// Runs columns(j0, j1) over the groups of `width` columns of n (the last one may be short):
// in up to two tasks per thread where `split` and there are several threads, else all on the
// calling thread.
template <class F>
void for_column_groups(int64_t n, int64_t width, bool split, const F& columns) {
  const int threads = num_threads();
  const int64_t groups = ceil_div(n, width);
  const int64_t tasks = split && threads > 1 ? std::min<int64_t>(groups, int64_t(threads) * 2) : 1;
  if (tasks <= 1) {
    columns(0, n);
    return;
  }
  parallel_for(tasks, [&](int64_t t) {
    const int64_t g0 = groups * t / tasks, g1 = groups * (t + 1) / tasks;
    columns(g0 * width, std::min(n, g1 * width));
  });
}

template <typename T>
struct SmallMB {
  const T* b;       // op(B) = B in place, row stride ldb; or null, then:
  int64_t ldb;
  const T* packed;  // op(B) packed (packed_b_size layout)
};

template <typename T>
void gemm_small_m(const KernelDesc<T>& d, bool trans_a, int64_t m, int64_t n, int64_t k,
                  T alpha, const T* a, int64_t lda, const SmallMB<T>& sb, T beta, T* c,
                  int64_t ldc, const GemmEpilogue<T>& ep, int64_t ahead = kNearAhead) {
  const int rows = static_cast<int>(m), nr = d.nr;
  const int64_t kc = k_block(d, k), np = ceil_div(n, nr);
  const int64_t wide = int64_t(d.small_panels[rows]) * nr;
  const Activation act = ep.act;
  const int64_t rs = trans_a ? 1 : lda, cs = trans_a ? lda : 1;
  // The arguments of k-block [p0, p0 + kcq) for a tile whose bias values start at `bias`.
  auto block_args = [&](int64_t p0, int64_t kcq, const T* bias) {
    UkrArgs<T> args;
    const bool first = p0 == 0, last = p0 + kcq == k;
    args.alpha = alpha;
    args.beta = first ? beta : T(1);
    args.bias = last ? bias : nullptr;
    args.act = last ? kernel_act(act) : kActNone;
    args.leaky_alpha = ep.leaky_alpha;
    args.ahead = ahead;
    return args;
  };
  // Packed B: k-block p0's panel of column j (kcq deep; the last one zero-padded).
  auto packed_at = [&](int64_t p0, int64_t kcq, int64_t j) { return sb.packed + p0 * np * nr + (j / nr) * kcq * nr; };

  // The last `cols` (< NR) columns, from column j. At most half_d->nr of them: the narrow
  // kernel, reading B in place through masks, or the first columns of its padded panel (rows
  // nr apart), as compute_block does; else the full-width kernel on a padded panel.
  auto tail = [&](int64_t j, int64_t cols) {
    const KernelDesc<T>* half_d = half_of(d);
    EdgeTile<T> edge;
    const bool half = half_d && cols <= half_d->nr;
    const int tnr = half ? half_d->nr : nr;  // the tile's width
    const bool edge_tile = cols < tnr;
    const UkrSmallFn<T> ukr = (half ? *half_d : d).ukr_small_one[rows];
    const UkrSmallFn<T> masked = half && !sb.packed ? half_d->ukr_small_masked[rows] : nullptr;
    T* tail_b = sb.packed || masked ? nullptr : tls_pack_b.get<T>(static_cast<size_t>(kc * nr));
    T* cdst = edge_tile ? edge.c : c + j;
    const int64_t cld = edge_tile ? tnr : ldc;
    const T* bias = !ep.bias ? nullptr : edge_tile ? edge.padded_bias(ep.bias + j, static_cast<int>(cols), tnr) : ep.bias + j;
    if (edge_tile && beta != T(0)) edge.load(c + j, ldc, rows, static_cast<int>(cols), tnr, rows);
    for (int64_t p0 = 0; p0 < k; p0 += kc) {
      const int64_t kcq = std::min(kc, k - p0);
      UkrArgs<T> args = block_args(p0, kcq, bias);
      const T* asrc = a + p0 * cs;
      if (sb.packed) {
        ukr(kcq, asrc, rs, cs, packed_at(p0, kcq, j), nr, kcq * nr, cdst, cld, args);
      } else if (masked) {
        args.b_cols = static_cast<int>(cols);
        masked(kcq, asrc, rs, cs, sb.b + p0 * sb.ldb + j, sb.ldb, tnr, cdst, cld, args);
      } else {  // one padded panel, tnr wide
        (half ? *half_d : d).pack_b(false, kcq, cols, sb.b + p0 * sb.ldb + j, sb.ldb, tail_b);
        ukr(kcq, asrc, rs, cs, tail_b, tnr, tnr, cdst, cld, args);
      }
    }
    if (edge_tile) edge.store(c + j, ldc, rows, static_cast<int>(cols), tnr);
    if (!act_in_kernel(act)) post_activation(c + j, ldc, rows, static_cast<int>(cols), act);
  };

  // Columns [j0, j1): all k-blocks of a column group run back to back (C stays in L1).
  auto columns = [&](int64_t j0, int64_t j1) {
    int64_t j = j0;
    while (j1 - j >= nr) {
      const int64_t cols = j1 - j >= wide ? wide : nr;
      const UkrSmallFn<T> ukr = cols == wide ? d.ukr_small[rows] : d.ukr_small_one[rows];
      for (int64_t p0 = 0; p0 < k; p0 += kc) {
        const int64_t kcq = std::min(kc, k - p0);
        const UkrArgs<T> args = block_args(p0, kcq, ep.bias ? ep.bias + j : nullptr);
        const T* asrc = a + p0 * cs;
        if (sb.packed) {
          ukr(kcq, asrc, rs, cs, packed_at(p0, kcq, j), nr, kcq * nr, c + j, ldc, args);
        } else {
          ukr(kcq, asrc, rs, cs, sb.b + p0 * sb.ldb + j, sb.ldb, nr, c + j, ldc, args);
        }
      }
      if (!act_in_kernel(act)) post_activation(c + j, ldc, rows, static_cast<int>(cols), act);
      j += cols;
    }
    if (j < j1) tail(j, j1 - j);
  };

  for_column_groups(n, wide, double(k) * double(n) * sizeof(T) >= kSmallMSplitBytes, columns);
  tls_pack_b.trim(kKeepBytes);
}

template <typename T>
void gemm_impl(Isa isa, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha,
               const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc,
               const GemmEpilogue<T>& ep);

// Whether a product of n columns with op(A) = A takes the dot kernels (gemm_dot). A function
// of the path, n and k only, so that every entry point (any m, B packed or not) agrees.
// Not where n is a multiple of the broadcast tile's NR, which then fills all its lanes.
template <typename T>
bool use_dot(const KernelDesc<T>& d, bool trans_a, int64_t n, int64_t k) {
  return !trans_a && n <= d.dot_max_n && k >= d.dot_min_k && n % d.nr != 0;
}

// Row stride of op(B)ᵀ copied for the dot kernels: whole vectors, 64-byte aligned rows.
inline int64_t dot_ld(int64_t k) { return round_up(std::max<int64_t>(k, 1), 16); }

// Few columns, op(A) = A (use_dot): every element of C is a dot product along k of a row of A
// and a row of bt = op(B)ᵀ (n x k, row stride ldbt), computed by ukr_dot in tiles of up to
// dot_rows[c] x c. The columns fall in the fewest balanced groups of at most dot_cols; the
// rows are cut into tasks of whole tiles. Each element sees the same operations whatever
// the tile, group or thread.
template <typename T>
void gemm_dot(const KernelDesc<T>& d, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
              int64_t lda, const T* bt, int64_t ldbt, T beta, T* c, int64_t ldc,
              const GemmEpilogue<T>& ep) {
  const int64_t groups = ceil_div(n, d.dot_cols);
  const int rows = d.dot_rows[ceil_div(n, groups)];  // for the widest group
  const Activation act = ep.act;
  UkrArgs<T> args;
  args.alpha = alpha;
  args.beta = beta;
  args.act = kernel_act(act);
  args.leaky_alpha = ep.leaky_alpha;
  auto block = [&](int64_t i0, int64_t i1) {
    UkrArgs<T> ga = args;
    for (int64_t i = i0; i < i1; i += rows) {  // the tile's rows of A stay in L1 across the groups
      const int rb = static_cast<int>(std::min<int64_t>(rows, i1 - i));
      for (int64_t g = 0; g < groups; ++g) {
        const int64_t j0 = n * g / groups, j1 = n * (g + 1) / groups;
        ga.bias = ep.bias ? ep.bias + j0 : nullptr;
        d.ukr_dot[rb][j1 - j0](k, a + i * lda, lda, bt + j0 * ldbt, ldbt, c + i * ldc + j0, ldc, ga);
      }
      if (!act_in_kernel(act)) post_activation(c + i * ldc, ldc, rb, static_cast<int>(n), act);
    }
  };
  const double flops = 2.0 * double(m) * double(n) * double(k);
  const int threads = num_threads();
  const int64_t tiles = ceil_div(m, rows);
  const int64_t tasks = threads <= 1 || flops < kSerialFlops
                            ? 1
                            : std::min<int64_t>({tiles, int64_t(threads) * 4, static_cast<int64_t>(flops / kTaskFlops)});
  if (tasks <= 1) {
    block(0, m);
    return;
  }
  const int64_t per = ceil_div(tiles, tasks) * rows;
  parallel_for(ceil_div(m, per), [&](int64_t t) { block(t * per, std::min(m, (t + 1) * per)); });
}

// Many rows, at most MR columns (a classifier's last layer, its weight gradient): C's few
// columns would fill a sliver of every register tile, while Cᵀ = op(B)ᵀ·op(A)ᵀ is one row
// panel of full tiles. Cᵀ is computed with alpha (beta 0, no epilogue) and C = act(Cᵀᵀ + bias)
// written from it: per element the operations of the direct path (its k-blocks accumulate
// alpha·products the same way, then bias and activation), so a row of C is bitwise the same
// as when computed in a batch of a few rows (which does not swap). beta = 0 only: with
// beta·C added on the first k-block the orders would differ.
template <typename T>
void gemm_swapped(Isa isa, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha,
                  const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc,
                  const GemmEpilogue<T>& ep) {
  T* ct = tls_swapped.get<T>(static_cast<size_t>(n * m));
  gemm_impl(isa, !trans_b, !trans_a, n, m, k, alpha, b, ldb, a, lda, T(0), ct, m, GemmEpilogue<T>{});
  const bool fused = act_in_kernel(ep.act);
  const KernelDesc<T>& d = desc<T>(resolve(isa), n);
  // Whole blocks of rows by the path's vector store where it has one, the rest element by
  // element (the same operations).
  const int64_t stored = d.store_t && n <= d.store_t_max_n
                             ? d.store_t(m, n, ct, m, c, ldc, ep.bias, fused ? kernel_act(ep.act) : kActNone, ep.leaky_alpha)
                             : 0;
  for (int64_t i = stored; i < m; ++i) {
    T* cr = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) {
      T v = ct[j * m + i];
      if (ep.bias) v = v + ep.bias[j];
      cr[j] = fused ? apply_act_scalar(v, ep.act, ep.leaky_alpha) : v;
    }
  }
  if (!fused)
    for (int64_t i = 0; i < m; ++i) post_activation(c + i * ldc, ldc, 1, static_cast<int>(n), ep.act);
  tls_swapped.trim(kKeepBytes);
}

// Whether gemm_swapped takes the product (see kSwapMinRowPanels).
template <typename T>
bool swap_pays(const KernelDesc<T>& d, bool trans_a, int64_t m, int64_t n, int64_t k, T beta) {
  if (beta != T(0) || m < kSwapMinRowPanels * d.mr) return false;
  if (n <= d.mr) return trans_a || (n <= kSwapMaxColsPacked && double(m) * double(k) * sizeof(T) <= kSwapPackMaxBytes);
  // Up to two row panels of Cᵀ and kSwapMaxCols: op(A) = Aᵀ only, where the direct tiles would
  // fill under 2/3 of their lanes. 1 thread, op(A) = Aᵀ: wasm (NR 8) 512×128ᵀ×10 8.8 -> 24.0
  // GFLOP/s; AVX2 (NR 16) n = 10 58 -> 64, n = 8 45 -> 59, but n = 12 72 -> 58 and n = 16
  // 89 -> 68 (not taken); AVX-512 (NR 32 past 16) n = 17 and 18 +10%, 20 and 21 -14% and -24%.
  return trans_a && n <= std::min<int64_t>(2 * d.mr, kSwapMaxCols) && 3 * n < 2 * round_up(n, int64_t(d.nr));
}

template <typename T>
void gemm_impl(Isa isa, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha,
               const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc,
               const GemmEpilogue<T>& ep) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) {
    scale_only(m, n, beta, c, ldc, ep);
    return;
  }
  const KernelDesc<T>& d = desc<T>(resolve(isa), n);
  if (use_dot(d, trans_a, n, k)) {
    if (trans_b) {  // op(B)ᵀ = B, read in place
      gemm_dot(d, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
    } else {
      const int64_t ldbt = dot_ld(k);
      T* bt = tls_pack_b.get<T>(static_cast<size_t>(n * ldbt));
      d.pack_bt(k, n, b, ldb, bt, ldbt);
      gemm_dot(d, m, n, k, alpha, a, lda, bt, ldbt, beta, c, ldc, ep);
      tls_pack_b.trim(kKeepBytes);
    }
    return;
  }
  if (swap_pays(d, trans_a, m, n, k, beta)) {
    gemm_swapped(isa, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, c, ldc, ep);
    return;
  }
  if (!trans_b && m <= d.mr) {
    gemm_small_m(d, trans_a, m, n, k, alpha, a, lda, SmallMB<T>{b, ldb, nullptr}, beta, c, ldc, ep);
    return;
  }
  if (!trans_b && n >= d.nr &&
      (2.0 * double(m) * double(n) * double(k) < kSerialFlops ||
       (m <= kInPlaceMaxRowPanels * d.mr && double(k) * double(n) * sizeof(T) <= kInPlaceMaxBBytes))) {
    // A small product (one thread), or few rows of C with a B that stays in L2 (a filter
    // gradient's tile): packing B would take about as long as the products, or move each
    // element of B more often than the few row panels read it. B is read in place, row
    // panel by row panel, by the small-m kernels (the same operations per element as the
    // packed path). Above kSerialFlops the threads take column groups, each through all
    // row panels. The first row panel brings B (and its A) in, so it fetches further ahead.
    // The last columns (fewer than NR) are packed, zero-padded, once for all row panels
    // rather than by each (m = n = k = 70, in one process against OpenBLAS: 0.58 -> 0.78),
    // for the narrower kernels where they fit (0.78 -> 0.89; 80³ 0.82 -> 0.99). Every
    // kernel does the same operations per element over the same k-blocks: the same results.
    const int64_t rs = trans_a ? 1 : lda, nfull = n / d.nr * d.nr;
    const KernelDesc<T>* half = half_of(d);
    const KernelDesc<T>& dt = half && n - nfull <= half->nr ? *half : d;
    const T* tail = nullptr;
    if (nfull < n) {
      // This thread's buffer, read by every thread below: none of their calls packs into
      // it (whole panels only, or this one packed), and at k·NR values (at most 512 KB when
      // threaded) it stays under the size at which gemm_small_m would release it.
      T* packed = tls_pack_b.get<T>(packed_b_size(dt, k, n - nfull));
      pack_b_all(dt, false, k, n - nfull, b + nfull, ldb, packed, 1);
      tail = packed;
    }
    auto columns = [&](int64_t j0, int64_t j1) {
      for (int64_t i = 0; i < m; i += d.mr) {
        const auto part = [&](const KernelDesc<T>& dp, int64_t c0, int64_t c1, const SmallMB<T>& sb) {
          if (c0 >= c1) return;
          GemmEpilogue<T> cep = ep;
          if (ep.bias) cep.bias = ep.bias + c0;
          gemm_small_m(dp, trans_a, std::min<int64_t>(d.mr, m - i), c1 - c0, k, alpha, a + i * rs, lda, sb, beta,
                       c + i * ldc + c0, ldc, cep, i == 0 ? kFarAhead : kNearAhead);
        };
        part(d, j0, std::min(j1, nfull), SmallMB<T>{b + j0, ldb, nullptr});
        part(dt, std::max(j0, nfull), j1, SmallMB<T>{nullptr, 0, tail});
      }
    };
    for_column_groups(n, d.nr, 2.0 * double(m) * double(n) * double(k) >= kSerialFlops, columns);
    return;
  }
  if (column_split_pays(d, trans_a, m, n, k)) {
    run_column_split(d, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ep);
    return;
  }
  // op(B) is packed whole, then computed. With a long k (a filter gradient over a whole
  // batch's pixels) whose packed op(B) is large, that would stream it from memory twice
  // more without computing: each k-block is then packed and computed in turn, with the
  // operations of the one-pass path (beta on the first block, then accumulation; the
  // epilogue on the last).
  const int64_t kc = k_block(d, k);
  const int64_t step = double(packed_b_size(d, k, n)) * sizeof(T) > kPackAllMaxBytes ? kc : k;
  T* bp = tls_pack_b.get<T>(packed_b_size(d, step, n));
  for (int64_t p0 = 0; p0 < k; p0 += step) {
    const int64_t kq = std::min(step, k - p0);
    const bool last = p0 + kq == k;
    pack_b_all(d, trans_b, kq, n, trans_b ? b + p0 : b + p0 * ldb, ldb, bp, pack_pieces(m, n, kq));
    run_packed(d, trans_a, m, n, kq, alpha, trans_a ? a + p0 * lda : a + p0, lda, bp,
               p0 == 0 ? beta : T(1), c, ldc, last ? ep : GemmEpilogue<T>{});
  }
  tls_pack_b.trim(kKeepBytes);
}

template <typename T>
void gemm_packed_impl(bool trans_a, int64_t m, const T* a, int64_t lda, const PackedMatrix<T>& p,
                      T alpha, T beta, T* c, int64_t ldc, const GemmEpilogue<T>& ep) {
  const int64_t n = p.n(), k = p.k();
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) {
    scale_only(m, n, beta, c, ldc, ep);
    return;
  }
  const KernelDesc<T>& d = desc<T>(p.isa(), n);
  if (use_dot(d, trans_a, n, k)) {
    gemm_dot(d, m, n, k, alpha, a, lda, p.transposed(), dot_ld(k), beta, c, ldc, ep);
    return;
  }
  if (m <= d.mr) {
    gemm_small_m(d, trans_a, m, n, k, alpha, a, lda, SmallMB<T>{nullptr, 0, p.data()}, beta, c, ldc, ep);
    return;
  }
  run_packed(d, trans_a, m, n, k, alpha, a, lda, p.data(), beta, c, ldc, ep);
}

// The indirect GEMM (see gemm.h): the loop nest of compute_block over all of C, with op(A)
// read through the row pointers instead of packed. The last, partial row panel reads a
// full MR-row pointer table whose missing rows repeat its first row; those rows are
// computed into the edge tile and dropped.
template <typename T>
void gemm_indirect_impl(int64_t m, int64_t run, const T* const* ptrs, int64_t ptr_ld,
                        const PackedMatrix<T>& p, T* c, int64_t ldc, const GemmEpilogue<T>& ep) {
  const int64_t n = p.n(), k = p.k();
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scale_only(m, n, T(0), c, ldc, ep);
    return;
  }
  const KernelDesc<T>& d = desc<T>(p.isa(), n);
  const int mr = d.mr, nr = d.nr;
  const int64_t kc = k_block(d, k), np = ceil_div(n, nr), segs = k / run;
  const int64_t full_rows = m / mr * mr;
  const Activation act = ep.act;
  const bool post_act = !act_in_kernel(act);
  const T** tail_ptrs = nullptr;
  if (full_rows < m) {
    tail_ptrs = tls_pack_a.get<const T*>(static_cast<size_t>(segs * mr));
    for (int64_t sg = 0; sg < segs; ++sg)
      for (int i = 0; i < mr; ++i)
        tail_ptrs[sg * mr + i] = ptrs[sg * ptr_ld + full_rows + (full_rows + i < m ? i : 0)];
  }
  EdgeTile<T> edge;
  for (int64_t p0 = 0; p0 < k; p0 += kc) {
    const int64_t kcq = std::min(kc, k - p0);
    const bool last = p0 + kcq == k;
    UkrArgs<T> args;
    args.alpha = T(1);
    args.beta = p0 == 0 ? T(0) : T(1);
    args.act = last ? kernel_act(act) : kActNone;
    args.leaky_alpha = ep.leaky_alpha;
    const T* bq = p.data() + p0 * np * nr;
    const T* bias = last ? ep.bias : nullptr;
    const int64_t seg0 = p0 / run, first = p0 % run;
    for (int64_t jp = 0; jp < np; ++jp) {
      const T* bpanel = bq + jp * kcq * nr;
      const int64_t j = jp * nr;
      const int nrb = static_cast<int>(std::min<int64_t>(nr, n - j));
      const bool full_n = nrb == nr;
      args.bias = !bias ? nullptr : full_n ? bias + j : edge.padded_bias(bias + j, nrb, nr);
      for (int64_t ir = 0; ir < m; ir += mr) {
        const int mrb = static_cast<int>(std::min<int64_t>(mr, m - ir));
        const bool full = full_n && mrb == mr;
        T* ct = c + ir * ldc + j;
        if (!full && args.beta != T(0)) edge.load(ct, ldc, mrb, nrb, nr, mr);
        if (mrb == mr) {
          d.ukr_indirect(kcq, ptrs + seg0 * ptr_ld + ir, ptr_ld, run, first, bpanel,
                         full ? ct : edge.c, full ? ldc : nr, args);
        } else {
          d.ukr_indirect(kcq, tail_ptrs + seg0 * mr, mr, run, first, bpanel, edge.c, nr, args);
        }
        if (!full) edge.store(ct, ldc, mrb, nrb, nr);
        if (last && post_act) post_activation(ct, ldc, mrb, nrb, act);
      }
    }
  }
  tls_pack_a.trim(kKeepBytes);
}

static_assert(kIndirectPtrSlack == kGatherAhead, "the pointer slack callers allocate");

// The transposed indirect GEMM over a band of rows (see gemm.h), on the calling thread, B
// packed by pack_b_all. Each element of C sees the same operations as in gemm_impl with
// op(A) = Aᵀ (the same k-blocks, in order), whatever band it falls in. Packing the gathered
// values too (copied by the first panel's kernel, the packed kernel for the rest) measured no
// faster (Zen 3, 1 core): equal on LeNet's 14×14×6 → 16, 2-10% slower on 3×3 layers with 64
// out channels; the packed kernel ran each later panel 8-20% faster, but the copies cost more.
// B read in place instead of packed: 1.4x slower on 56×56×64 3×3 → 64, whose rows of dy
// (256 bytes apart) all fall in a quarter of the cache's sets.
template <typename T>
void gemm_indirect_t_rows_impl(Isa isa, int64_t rows, int64_t k, const T* const* cols, int64_t off,
                               const T* bp, int64_t n, T beta, T* c, int64_t ldc, bool prefetch_a) {
  if (rows <= 0 || n <= 0) return;
  const GemmEpilogue<T> ep;
  if (k <= 0) {
    scale_only(rows, n, beta, c, ldc, ep);
    return;
  }
  const KernelDesc<T>& d = desc<T>(resolve(isa), n);
  const int mr = d.mr, nr = d.nr;
  const int64_t kc = k_block(d, k), np = ceil_div(n, nr);
  const RowPanels panels(rows, mr);
  const int ahead = prefetch_a ? 1 : 0;
  EdgeTile<T> edge;
  for (int64_t p0 = 0; p0 < k; p0 += kc) {
    const int64_t kcq = std::min(kc, k - p0);
    UkrArgs<T> args;
    args.alpha = T(1);
    args.beta = p0 == 0 ? beta : T(1);
    args.bias = nullptr;
    args.act = kActNone;
    args.leaky_alpha = T(0);
    for (int64_t q = 0; q < panels.count; ++q) {
      const int64_t r0 = panels.start(q);
      const int prow = panels.rows(q);
      for (int64_t jp = 0; jp < np; ++jp) {
        const int64_t j = jp * nr;
        const int nrb = static_cast<int>(std::min<int64_t>(nr, n - j));
        T* ct = c + r0 * ldc + j;
        T* cdst = nrb == nr ? ct : edge.c;
        const int64_t cld = nrb == nr ? ldc : nr;
        if (nrb < nr && args.beta != T(0)) edge.load(ct, ldc, prow, nrb, nr, prow);
        d.ukr_gather[ahead][prow](kcq, cols + p0, off + r0, bp + p0 * np * nr + jp * kcq * nr, cdst, cld, args);
        if (nrb < nr) edge.store(ct, ldc, prow, nrb, nr);
      }
    }
  }
}

}  // namespace

}  // namespace gemm_detail

using gemm_detail::desc;
using gemm_detail::resolve;

void sgemm(Isa isa, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc, const GemmEpilogue<float>& ep) {
  gemm_detail::gemm_impl<float>(isa, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                                ldc, ep);
}

void dgemm(Isa isa, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
           const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
           int64_t ldc, const GemmEpilogue<double>& ep) {
  gemm_detail::gemm_impl<double>(isa, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                                 ldc, ep);
}

bool gemm_isa_available(Isa isa) { return resolve(isa) == isa; }

Isa gemm_resolve_isa(Isa isa) { return resolve(isa); }

GemmBlocking gemm_blocking(Isa isa, bool f64, int64_t n) {
  const Isa r = resolve(isa);
  GemmBlocking g;
  g.isa = r;
  if (f64) {
    const auto& d = desc<double>(r, n);
    g.mr = d.mr; g.nr = d.nr; g.mc = d.mc; g.kc = d.kc;
  } else {
    const auto& d = desc<float>(r, n);
    g.mr = d.mr; g.nr = d.nr; g.mc = d.mc; g.kc = d.kc;
  }
  return g;
}

template <typename T>
PackedMatrix<T>::PackedMatrix(Isa isa, bool trans_b, int64_t k, int64_t n, const T* b,
                              int64_t ldb) {
  pack(isa, trans_b, k, n, b, ldb);
}

template <typename T>
PackedMatrix<T>::~PackedMatrix() {
  gemm_detail::aligned_delete(data_);
}

template <typename T>
PackedMatrix<T>::PackedMatrix(PackedMatrix&& o) noexcept
    : isa_(o.isa_), k_(o.k_), n_(o.n_), data_(o.data_), size_(o.size_), capacity_(o.capacity_),
      transposed_at_(o.transposed_at_) {
  o.data_ = nullptr;
  o.size_ = o.capacity_ = 0;
  o.k_ = o.n_ = 0;
  o.transposed_at_ = 0;
}

template <typename T>
PackedMatrix<T>& PackedMatrix<T>::operator=(PackedMatrix&& o) noexcept {
  if (this != &o) {
    gemm_detail::aligned_delete(data_);
    isa_ = o.isa_; k_ = o.k_; n_ = o.n_;
    data_ = o.data_; size_ = o.size_; capacity_ = o.capacity_; transposed_at_ = o.transposed_at_;
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
    o.k_ = o.n_ = 0;
    o.transposed_at_ = 0;
  }
  return *this;
}

template <typename T>
void PackedMatrix<T>::pack(Isa isa, bool trans_b, int64_t k, int64_t n, const T* b,
                           int64_t ldb) {
  isa_ = resolve(isa);
  k_ = std::max<int64_t>(k, 0);
  n_ = std::max<int64_t>(n, 0);
  const auto& d = desc<T>(isa_, n_);
  // The dot kernels' op(B)ᵀ follows the panels, for the products that take them (op(A) = A);
  // the panels serve op(A) = Aᵀ and the indirect GEMM.
  const size_t panels = gemm_detail::packed_b_size(d, k_, n_);
  const bool dot = gemm_detail::use_dot(d, false, n_, k_);
  transposed_at_ = dot ? gemm_detail::round_up(panels, 16) : 0;
  size_ = panels == 0 ? 0 : dot ? transposed_at_ + static_cast<size_t>(n_ * gemm_detail::dot_ld(k_)) : panels;
  if (size_ == 0) return;
  if (size_ > capacity_) {
    gemm_detail::aligned_delete(data_);
    data_ = nullptr;
    capacity_ = 0;
    data_ = static_cast<T*>(gemm_detail::aligned_new(size_ * sizeof(T) + 256));
    capacity_ = size_;
  }
  const int64_t pieces =
      num_threads() > 1 && double(k_) * double(n_) >= 65536.0 ? int64_t(num_threads()) * 2 : 1;
  gemm_detail::pack_b_all(d, trans_b, k_, n_, b, ldb, data_, pieces);
  if (dot) {
    T* bt = data_ + transposed_at_;
    const int64_t ldbt = gemm_detail::dot_ld(k_);
    if (trans_b) {
      for (int64_t j = 0; j < n_; ++j) std::memcpy(bt + j * ldbt, b + j * ldb, sizeof(T) * k_);
    } else {
      d.pack_bt(k_, n_, b, ldb, bt, ldbt);
    }
  }
}

template class PackedMatrix<float>;
template class PackedMatrix<double>;

void sgemm_packed(Isa isa, bool trans_a, int64_t m, const float* a, int64_t lda,
                  const PackedMatrixF32& packed, float alpha, float beta, float* c, int64_t ldc,
                  const GemmEpilogue<float>& ep) {
  (void)isa;
  gemm_detail::gemm_packed_impl<float>(trans_a, m, a, lda, packed, alpha, beta, c, ldc, ep);
}

void dgemm_packed(Isa isa, bool trans_a, int64_t m, const double* a, int64_t lda,
                  const PackedMatrixF64& packed, double alpha, double beta, double* c,
                  int64_t ldc, const GemmEpilogue<double>& ep) {
  (void)isa;
  gemm_detail::gemm_packed_impl<double>(trans_a, m, a, lda, packed, alpha, beta, c, ldc, ep);
}

void sgemm_indirect(int64_t m, int64_t run, const float* const* ptrs, int64_t ptr_ld,
                    const PackedMatrixF32& packed, float* c, int64_t ldc,
                    const GemmEpilogue<float>& ep) {
  gemm_detail::gemm_indirect_impl<float>(m, run, ptrs, ptr_ld, packed, c, ldc, ep);
}

void dgemm_indirect(int64_t m, int64_t run, const double* const* ptrs, int64_t ptr_ld,
                    const PackedMatrixF64& packed, double* c, int64_t ldc,
                    const GemmEpilogue<double>& ep) {
  gemm_detail::gemm_indirect_impl<double>(m, run, ptrs, ptr_ld, packed, c, ldc, ep);
}

size_t sgemm_indirect_t_packed_size(Isa isa, int64_t k, int64_t n) {
  return gemm_detail::packed_b_size(desc<float>(resolve(isa), n), k, n);
}

size_t dgemm_indirect_t_packed_size(Isa isa, int64_t k, int64_t n) {
  return gemm_detail::packed_b_size(desc<double>(resolve(isa), n), k, n);
}

void sgemm_indirect_t_pack(Isa isa, int64_t k, int64_t n, const float* b, int64_t ldb, float* dst) {
  gemm_detail::pack_b_all(desc<float>(resolve(isa), n), false, k, n, b, ldb, dst, 1);
}

void dgemm_indirect_t_pack(Isa isa, int64_t k, int64_t n, const double* b, int64_t ldb, double* dst) {
  gemm_detail::pack_b_all(desc<double>(resolve(isa), n), false, k, n, b, ldb, dst, 1);
}

// One panel of nr columns, k-block after k-block: row p of the packed form at p·nr.
bool sgemm_indirect_t_packed_in_place(Isa isa, int64_t n, int64_t ldb) {
  return ldb == n && n == desc<float>(resolve(isa), n).nr;
}

bool dgemm_indirect_t_packed_in_place(Isa isa, int64_t n, int64_t ldb) {
  return ldb == n && n == desc<double>(resolve(isa), n).nr;
}

void sgemm_indirect_t_rows(Isa isa, int64_t rows, int64_t k, const float* const* cols, int64_t off,
                           const float* bp, int64_t n, float beta, float* c, int64_t ldc, bool prefetch_a) {
  gemm_detail::gemm_indirect_t_rows_impl<float>(isa, rows, k, cols, off, bp, n, beta, c, ldc, prefetch_a);
}

void dgemm_indirect_t_rows(Isa isa, int64_t rows, int64_t k, const double* const* cols, int64_t off,
                           const double* bp, int64_t n, double beta, double* c, int64_t ldc,
                           bool prefetch_a) {
  gemm_detail::gemm_indirect_t_rows_impl<double>(isa, rows, k, cols, off, bp, n, beta, c, ldc, prefetch_a);
}

}  // namespace ng
