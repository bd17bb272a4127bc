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

#include "../../runtime/thread_pool.h"
#include "gemm_internal.h"

namespace ng {
namespace gemm_detail {
namespace {

constexpr int kNumIsa = 5;
constexpr int kMaxMr = 16, kMaxNr = 32;  // bounds for the edge-tile buffer

// Below this many flops (2mnk) a call runs on the calling thread only: waking the pool
// costs more than it saves. Tasks are sized to at least kTaskFlops.
constexpr double kSerialFlops = 4.0e6;
constexpr double kTaskFlops = 2.0e6;
constexpr int64_t kMaxTasks = 64;
// Thread-local packing buffers above this size are released after the call.
constexpr size_t kKeepBytes = size_t(32) << 20;

struct Tables {
  KernelDesc<float> f32[kNumIsa];
  KernelDesc<double> f64[kNumIsa];
  bool available[kNumIsa] = {};
};

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

template <typename T>
const KernelDesc<T>& desc(Isa resolved);
template <>
const KernelDesc<float>& desc<float>(Isa resolved) {
  return tables().f32[static_cast<int>(resolved)];
}
template <>
const KernelDesc<double>& desc<double>(Isa resolved) {
  return tables().f64[static_cast<int>(resolved)];
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// 64-byte aligned, grow-only scratch memory.
void* aligned_new(size_t bytes) { return ::operator new(bytes, std::align_val_t(64)); }
void aligned_delete(void* p) {
  if (p) ::operator delete(p, std::align_val_t(64));
}

class ScratchBuffer {
 public:
  ~ScratchBuffer() { aligned_delete(p_); }
  template <typename T>
  T* get(size_t count) {
    const size_t bytes = count * sizeof(T) + 256;  // slack: never read, keeps ends safe
    if (bytes > cap_) {
      aligned_delete(p_);
      p_ = nullptr;
      cap_ = 0;
      const size_t want = (bytes + 4095) & ~size_t(4095);
      p_ = aligned_new(want);
      cap_ = want;
    }
    return static_cast<T*>(p_);
  }
  void trim(size_t keep) {
    if (cap_ > keep) {
      aligned_delete(p_);
      p_ = nullptr;
      cap_ = 0;
    }
  }

 private:
  void* p_ = nullptr;
  size_t cap_ = 0;
};

// Per-thread scratch: packed A blocks (every thread that runs tasks) and the packed B of
// a call (the calling thread). Each thread only ever touches its own.
thread_local ScratchBuffer tls_pack_a;
thread_local ScratchBuffer tls_pack_b;

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

// Packed B layout: k-blocks of KC one after the other; block q (depth kcq) holds the np
// column micro-panels of kcq x NR each, so block q starts at q * KC * np * NR and its
// panel jp at + jp * kcq * NR. Total k * np * NR elements.
template <typename T>
size_t packed_b_size(const KernelDesc<T>& d, int64_t k, int64_t n) {
  return static_cast<size_t>(k) * static_cast<size_t>(ceil_div(n, d.nr) * d.nr);
}

// Packs op(B) into `dst`, split into `pieces` independent parallel tasks.
template <typename T>
void pack_b_all(const KernelDesc<T>& d, bool trans_b, int64_t k, int64_t n, const T* b,
                int64_t ldb, T* dst, int64_t pieces) {
  const int64_t nr = d.nr, kc = d.kc;
  const int64_t np = ceil_div(n, nr), nq = ceil_div(k, kc);
  const int64_t groups = std::max<int64_t>(1, std::min<int64_t>(np, ceil_div(pieces, nq)));
  auto task = [&](int64_t t) {
    const int64_t q = t / groups, g = t % groups;
    const int64_t jp0 = np * g / groups, jp1 = np * (g + 1) / groups;
    if (jp0 >= jp1) return;
    const int64_t p0 = q * kc, kcq = std::min(kc, k - p0);
    const int64_t j0 = jp0 * nr, cols = std::min(n, jp1 * nr) - j0;
    const T* src = trans_b ? b + j0 * ldb + p0 : b + p0 * ldb + j0;
    d.pack_b(trans_b, kcq, cols, src, ldb, dst + p0 * np * nr + jp0 * kcq * nr);
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

// Computes rows [i0, i1) x column panels [jp0, jp1) of C.
template <typename T>
void compute_block(const Problem<T>& pr, int64_t i0, int64_t i1, int64_t jp0, int64_t jp1) {
  const KernelDesc<T>& d = *pr.d;
  const int mr = d.mr, nr = d.nr;
  const int64_t kc = d.kc, mc = d.mc;
  const int64_t np = ceil_div(pr.n, nr);
  const Activation act = pr.ep->act;
  const bool post_act = !act_in_kernel(act);
  T* abuf = tls_pack_a.get<T>(static_cast<size_t>(round_up(mc, mr) * kc));

  // Edge-tile scratch. Zeroed so that lanes outside the tile never hold garbage.
  alignas(64) T edge_c[kMaxMr * kMaxNr] = {};
  alignas(64) T edge_bias[kMaxNr] = {};

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
      d.pack_a(pr.trans_a, mcb, kcq, asrc, pr.lda, abuf);

      for (int64_t jp = jp0; jp < jp1; ++jp) {
        const T* bpanel = bq + jp * kcq * nr;
        const int64_t j = jp * nr;
        const int nrb = static_cast<int>(std::min<int64_t>(nr, pr.n - j));
        for (int64_t ir = 0; ir < mcb; ir += mr) {
          const int mrb = static_cast<int>(std::min<int64_t>(mr, mcb - ir));
          T* ct = pr.c + (ic + ir) * pr.ldc + j;
          const T* apanel = abuf + ir * kcq;
          if (mrb == mr && nrb == nr) {
            args.bias = bias ? bias + j : nullptr;
            d.ukr(kcq, apanel, bpanel, ct, pr.ldc, args);
          } else {
            // Partial tile: run the very same kernel on a full-size copy, so every
            // element sees exactly the same operations as in a full tile.
            if (args.beta != T(0)) {
              for (int i = 0; i < mrb; ++i)
                std::memcpy(edge_c + i * nr, ct + i * pr.ldc, sizeof(T) * nrb);
            }
            if (bias) {
              std::memcpy(edge_bias, bias + j, sizeof(T) * nrb);
              for (int jj = nrb; jj < nr; ++jj) edge_bias[jj] = T(0);
              args.bias = edge_bias;
            } else {
              args.bias = nullptr;
            }
            d.ukr(kcq, apanel, bpanel, edge_c, nr, args);
            for (int i = 0; i < mrb; ++i)
              std::memcpy(ct + i * pr.ldc, edge_c + i * nr, sizeof(T) * nrb);
          }
          if (last && post_act) post_activation(ct, pr.ldc, mrb, nrb, act);
        }
      }
    }
  }
}

// Splits C into tasks. The split depends only on the shape and the path (never on the
// thread count): rows in multiples of MR (at most MC, at least 2 MR), then column
// panels when there are too few row blocks.
struct Split {
  int64_t rows_per_task, mt;  // row tasks
  int64_t panels_per_task, nt;  // column-panel tasks
};

template <typename T>
Split make_split(const KernelDesc<T>& d, int64_t m, int64_t n, int64_t k) {
  const double flops = 2.0 * double(m) * double(n) * double(k);
  const int64_t np = ceil_div(n, d.nr);
  Split s;
  if (flops < kSerialFlops) {
    s.rows_per_task = m;
    s.mt = 1;
    s.panels_per_task = np;
    s.nt = 1;
    return s;
  }
  const int64_t want = std::max<int64_t>(
      1, std::min<int64_t>(kMaxTasks, static_cast<int64_t>(flops / kTaskFlops)));
  int64_t rows = round_up(ceil_div(m, want), d.mr);
  rows = std::max<int64_t>(rows, 2 * d.mr);
  rows = std::min<int64_t>(rows, d.mc);
  s.rows_per_task = rows;
  s.mt = ceil_div(m, rows);
  s.nt = 1;
  if (s.mt * 2 <= want) s.nt = std::min<int64_t>(np, want / s.mt);
  s.panels_per_task = ceil_div(np, s.nt);
  s.nt = ceil_div(np, s.panels_per_task);
  return s;
}

template <typename T>
void run_packed(const KernelDesc<T>& d, bool trans_a, int64_t m, int64_t n, int64_t k, T alpha,
                const T* a, int64_t lda, const T* bp, T beta, T* c, int64_t ldc,
                const GemmEpilogue<T>& ep) {
  Problem<T> pr{&d, trans_a, m, n, k, alpha, a, lda, bp, beta, c, ldc, &ep};
  const Split s = make_split(d, m, n, k);
  const int64_t np = ceil_div(n, d.nr);
  auto task = [&](int64_t t) {
    const int64_t ti = t / s.nt, tj = t % s.nt;
    const int64_t i0 = ti * s.rows_per_task, i1 = std::min(m, i0 + s.rows_per_task);
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

template <typename T>
int64_t pack_pieces(int64_t m, int64_t n, int64_t k) {
  const double flops = 2.0 * double(m) * double(n) * double(k);
  if (flops < kSerialFlops || double(k) * double(n) < 65536.0) return 1;
  return 16;
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
  const KernelDesc<T>& d = desc<T>(resolve(isa));
  T* bp = tls_pack_b.get<T>(packed_b_size(d, k, n));
  pack_b_all(d, trans_b, k, n, b, ldb, bp, pack_pieces<T>(m, n, k));
  run_packed(d, trans_a, m, n, k, alpha, a, lda, bp, beta, c, ldc, ep);
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
  run_packed(desc<T>(p.isa()), trans_a, m, n, k, alpha, a, lda, p.data(), beta, c, ldc, ep);
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

GemmBlocking gemm_blocking(Isa isa, bool f64) {
  const Isa r = resolve(isa);
  GemmBlocking g;
  g.isa = r;
  if (f64) {
    const auto& d = desc<double>(r);
    g.mr = d.mr; g.nr = d.nr; g.mc = d.mc; g.kc = d.kc;
  } else {
    const auto& d = desc<float>(r);
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
    : isa_(o.isa_), k_(o.k_), n_(o.n_), data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
  o.data_ = nullptr;
  o.size_ = o.capacity_ = 0;
  o.k_ = o.n_ = 0;
}

template <typename T>
PackedMatrix<T>& PackedMatrix<T>::operator=(PackedMatrix&& o) noexcept {
  if (this != &o) {
    gemm_detail::aligned_delete(data_);
    isa_ = o.isa_; k_ = o.k_; n_ = o.n_;
    data_ = o.data_; size_ = o.size_; capacity_ = o.capacity_;
    o.data_ = nullptr;
    o.size_ = o.capacity_ = 0;
    o.k_ = o.n_ = 0;
  }
  return *this;
}

template <typename T>
void PackedMatrix<T>::pack(Isa isa, bool trans_b, int64_t k, int64_t n, const T* b,
                           int64_t ldb) {
  isa_ = resolve(isa);
  k_ = std::max<int64_t>(k, 0);
  n_ = std::max<int64_t>(n, 0);
  const auto& d = desc<T>(isa_);
  size_ = gemm_detail::packed_b_size(d, k_, n_);
  if (size_ == 0) return;
  if (size_ > capacity_) {
    gemm_detail::aligned_delete(data_);
    data_ = nullptr;
    capacity_ = 0;
    data_ = static_cast<T*>(gemm_detail::aligned_new(size_ * sizeof(T) + 256));
    capacity_ = size_;
  }
  const int64_t pieces = double(k_) * double(n_) < 65536.0 ? 1 : 16;
  gemm_detail::pack_b_all(d, trans_b, k_, n_, b, ldb, data_, pieces);
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

}  // namespace ng
