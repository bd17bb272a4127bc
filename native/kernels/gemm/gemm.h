// General matrix multiply: C = act(alpha * op(A) * op(B) + beta * C + bias).
//
// Row-major; op(X) is X or X^T. The work is done BLIS-style: op(B) is packed into
// KC x NR micro-panels, op(A) into MR x KC micro-panels (transposes are handled by the
// packing), and one register-tile microkernel per instruction set computes MR x NR
// blocks of C. The bias and activation are fused into the store of the last k-block.
// Products of few columns (n up to about 12, depth k >= 128, op(A) = A) take dot-product
// kernels instead, vectorised along k (microkernel_dot_impl.h): a function of the path,
// n and k only, so every m and every entry point (B packed or not) agree.
//
// Threads: work is split over independent blocks of C (never over k) through
// ng::parallel_for, so results are bitwise identical for every thread count.
// Reentrant: every call uses its own (thread-local) packing buffers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../../runtime/isa.h"

namespace ng {

enum class Activation : int { None = 0, Relu = 1, LeakyRelu = 2, Sigmoid = 3, Tanh = 4 };

template <typename T>
struct GemmEpilogue {
  const T* bias = nullptr;  // length n, added to every row (per column); nullptr = none
  Activation act = Activation::None;
  T leaky_alpha = T(0.01);  // slope for x <= 0 when act == LeakyRelu
};

// C (m x n, ldc) = act(alpha * op(A) * op(B) + beta * C + bias).
//   op(A) is m x k: A is m x k (lda >= k) or, when trans_a, k x m (lda >= m).
//   op(B) is k x n: B is k x n (ldb >= n) or, when trans_b, n x k (ldb >= k).
//   ldc >= n. m, n, k >= 0.
// beta == 0: C is write-only (NaN or garbage in C is ignored).
// k == 0 or alpha == 0: C = act(beta * C + bias) (A and B are not read).
// `isa` picks the microkernel. A path this binary or CPU cannot run (see
// gemm_isa_available) is never executed: the scalar path is used instead. Callers are
// expected to pass a supported isa (ng::isa_supported / ng::active_isa()).
// Shapes and leading dimensions are trusted (the bindings validate them).
void sgemm(Isa isa, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc, const GemmEpilogue<float>& ep = {});

void dgemm(Isa isa, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
           const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
           int64_t ldc, const GemmEpilogue<double>& ep = {});

// True when this binary contains a GEMM microkernel for `isa` and the CPU can run it.
bool gemm_isa_available(Isa isa);

// The isa sgemm/dgemm really use for `isa` (itself, or Scalar when unavailable).
Isa gemm_resolve_isa(Isa isa);

// Register tile and cache blocking of a path, for products of n columns (by default its
// main kernels; AVX-512 has one-vector-wide kernels for n <= 16).
struct GemmBlocking {
  Isa isa;       // the path actually used (after gemm_resolve_isa)
  int mr, nr;    // microkernel register tile (rows of op(A) x columns of op(B))
  int mc, kc;    // rows of op(A) per packed L2 block, depth per k-block
};
GemmBlocking gemm_blocking(Isa isa, bool f64, int64_t n = INT64_MAX);

// op(B) (k x n) packed once for a given path, reused by gemm_packed while the source
// weights are unchanged (e.g. a dense layer's weights during inference or within a
// step). Immutable after construction: it may be shared by concurrent calls.
template <typename T>
class PackedMatrix {
 public:
  PackedMatrix() = default;
  // Packs op(B): B is k x n (ldb >= n), or n x k (ldb >= k) when trans_b.
  PackedMatrix(Isa isa, bool trans_b, int64_t k, int64_t n, const T* b, int64_t ldb);
  ~PackedMatrix();
  PackedMatrix(PackedMatrix&& other) noexcept;
  PackedMatrix& operator=(PackedMatrix&& other) noexcept;
  PackedMatrix(const PackedMatrix&) = delete;
  PackedMatrix& operator=(const PackedMatrix&) = delete;

  // Re-packs in place (same or different shape), reusing the allocation when it fits.
  void pack(Isa isa, bool trans_b, int64_t k, int64_t n, const T* b, int64_t ldb);

  Isa isa() const { return isa_; }  // the resolved path this packing is laid out for
  int64_t k() const { return k_; }
  int64_t n() const { return n_; }
  const T* data() const { return data_; }  // the panels (gemm_internal.h: packed_b_size layout)
  // op(B)ᵀ (n x k), for the paths' dot kernels where n is that small, else null.
  const T* transposed() const { return transposed_at_ ? data_ + transposed_at_ : nullptr; }
  size_t size_bytes() const { return size_ * sizeof(T); }

 private:
  Isa isa_ = Isa::Scalar;
  int64_t k_ = 0, n_ = 0;
  T* data_ = nullptr;
  size_t size_ = 0, capacity_ = 0;
  size_t transposed_at_ = 0;  // offset of op(B)ᵀ in data_, 0 when not stored
};

using PackedMatrixF32 = PackedMatrix<float>;
using PackedMatrixF64 = PackedMatrix<double>;

// C (m x n) = act(alpha * op(A) * Bp + beta * C + bias) with Bp = packed op(B) (k x n).
// Same semantics as sgemm. The packed matrix's own path (packed.isa()) is the one used;
// `isa` is expected to equal it (a different value is ignored). Bitwise identical to
// sgemm(packed.isa(), ...) on the unpacked matrix.
void sgemm_packed(Isa isa, bool trans_a, int64_t m, const float* a, int64_t lda,
                  const PackedMatrixF32& packed, float alpha, float beta, float* c,
                  int64_t ldc, const GemmEpilogue<float>& ep = {});
void dgemm_packed(Isa isa, bool trans_a, int64_t m, const double* a, int64_t lda,
                  const PackedMatrixF64& packed, double alpha, double beta, double* c,
                  int64_t ldc, const GemmEpilogue<double>& ep = {});

// Indirect GEMM (XNNPACK's "igemm"): C (m x n) = act(A · Bp + bias), where row i of A is
// read through pointers rather than stored: it is k / run segments of `run` contiguous
// values, segment s of row i starting at ptrs[s * ptr_ld + i] (ptr_ld >= m). A
// convolution passes, per output pixel and filter tap, the address of that tap's input
// channels (or of `run` zeros for padding), so no im2col column matrix is built.
// Bp = packed op(B), k x n with k a multiple of run >= 1. Runs on the calling thread.
// Bitwise the same as sgemm_packed with op(A) = Aᵀ on the rows those pointers describe
// (with op(A) = A, a product of few columns takes the dot kernels, which this one has not).
void sgemm_indirect(int64_t m, int64_t run, const float* const* ptrs, int64_t ptr_ld,
                    const PackedMatrixF32& packed, float* c, int64_t ldc,
                    const GemmEpilogue<float>& ep = {});
void dgemm_indirect(int64_t m, int64_t run, const double* const* ptrs, int64_t ptr_ld,
                    const PackedMatrixF64& packed, double* c, int64_t ldc,
                    const GemmEpilogue<double>& ep = {});

// The transposed indirect GEMM, one band of `rows` rows on the calling thread:
// C (rows x n) = Aᵀ · B + beta · C, where A (k x rows) is read through one pointer per row p:
// A[p, r] = cols[p][off + r], and B (k x n) was packed by sgemm_indirect_t_pack into `bp`
// (any alignment).
// So C[r, j] = Σ_p cols[p][off + r] · B[p, j]: the band of a convolution's filter gradient
// that one filter tap (or filter row) produces, with B the output gradient, without im2col
// columns. Bitwise the same as sgemm with op(A) = Aᵀ on the explicit A. prefetch_a: fetch
// A's values kIndirectPtrSlack steps ahead through the pointers (worth it when the values
// one k-block reads do not stay in L2); `cols` must then be readable that many entries past
// its k-th. The packing is separate so that threads computing different bands of the same
// product share one packed B.
constexpr int64_t kIndirectPtrSlack = 16;
size_t sgemm_indirect_t_packed_size(Isa isa, int64_t k, int64_t n);
size_t dgemm_indirect_t_packed_size(Isa isa, int64_t k, int64_t n);
void sgemm_indirect_t_pack(Isa isa, int64_t k, int64_t n, const float* b, int64_t ldb, float* dst);
void dgemm_indirect_t_pack(Isa isa, int64_t k, int64_t n, const double* b, int64_t ldb, double* dst);
// Whether B (k x n, rows ldb apart) already is its own packed form, so that it may be passed
// as `bp` unpacked: n is exactly one column panel of the kernel that the product of n
// columns takes, and the rows are contiguous (ldb == n).
bool sgemm_indirect_t_packed_in_place(Isa isa, int64_t n, int64_t ldb);
bool dgemm_indirect_t_packed_in_place(Isa isa, int64_t n, int64_t ldb);
void sgemm_indirect_t_rows(Isa isa, int64_t rows, int64_t k, const float* const* cols, int64_t off,
                           const float* bp, int64_t n, float beta, float* c, int64_t ldc, bool prefetch_a);
void dgemm_indirect_t_rows(Isa isa, int64_t rows, int64_t k, const double* const* cols, int64_t off,
                           const double* bp, int64_t n, double beta, double* c, int64_t ldc,
                           bool prefetch_a);

}  // namespace ng
