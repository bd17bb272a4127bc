// Batched matrix products on top of the GEMM kernel: C[b] = op(A[b]) · op(B[b]) for a
// list of batch offsets (broadcast batch dimensions repeat an offset).
#pragma once

#include <cstdint>
#include <string>

#include "../../runtime/isa.h"
#include "../dtype.h"
#include "../gemm/gemm.h"

namespace ng {

struct MatmulShape {
  int64_t m, n, k;
  bool trans_a, trans_b;
};

// For batch i, A starts at a + offsets[2i] and B at b + offsets[2i + 1] (elements); C[i]
// is the i-th contiguous m×n block of c. A is m×k (k×m when trans_a), B is k×n (n×k when
// trans_b), both dense. bias (length n, or null) and act are fused into the product.
void matmul(Isa isa, DType dtype, const MatmulShape& s, int64_t batch, const void* a, const void* b,
            const int64_t* offsets, void* c, const void* bias, Activation act);

// A checked batched-matmul call, read from the `count` integers
// [batch, m, n, k, transA, transB, act, aOff0, bOff0, aOff1, bOff1, ...].
struct MatmulArgs {
  MatmulShape shape;
  int64_t batch;
  Activation act;
  const int64_t* offsets;  // into the meta list (valid while it is): aOff0, bOff0, aOff1, ...
};

// Empty when `meta` is well formed and buffers of these lengths hold every A and B matrix
// it points at and the whole [batch, m, n] output; the error message otherwise.
std::string parse_matmul(const char* fn, const int64_t* meta, size_t count, int64_t a_len, int64_t b_len,
                         int64_t out_len, MatmulArgs* args);

// One general product with BLAS semantics: C = act(alpha·op(A)·op(B) + beta·C + bias),
// leading dimensions in elements, offsets of each matrix in its buffer.
struct GemmArgs {
  int64_t m, n, k;
  bool trans_a, trans_b;
  int64_t lda, ldb, ldc;
  int64_t a_offset, b_offset, c_offset;
  Activation act;
};

// Reads GemmArgs from the 12 integers [m, n, k, transA, transB, lda, ldb, ldc, aOff, bOff, cOff, act].
GemmArgs gemm_args(const int64_t* meta);

// Empty when buffers of these lengths hold every element the product reads and writes.
std::string check_gemm(const char* fn, const GemmArgs& g, int64_t a_len, int64_t b_len, int64_t c_len);

void gemm(Isa isa, DType dtype, const GemmArgs& g, double alpha, const void* a, const void* b, double beta, void* c,
          const void* bias);

// op(B) (k×n) of float32 or float64 packed once for the path `isa`, for many products with
// different A (a dense layer's weights during inference). A copy: later writes to B do not
// reach it. Immutable after construction, so concurrent products may share it.
class PackedOperand {
 public:
  PackedOperand(Isa isa, DType dtype, bool trans_b, int64_t k, int64_t n, const void* b, int64_t ldb);
  DType dtype() const { return dtype_; }
  int64_t k() const { return dtype_ == DType::Float32 ? f32_.k() : f64_.k(); }
  int64_t n() const { return dtype_ == DType::Float32 ? f32_.n() : f64_.n(); }
  size_t size_bytes() const { return f32_.size_bytes() + f64_.size_bytes(); }

  // C = act(alpha·op(A)·B + beta·C + bias) as gemm() with this B (g.n and g.k must be B's;
  // g.trans_b, g.ldb and g.b_offset are not used). Bitwise the same result as gemm() on the
  // unpacked B with the path B was packed for.
  void product(const GemmArgs& g, double alpha, const void* a, double beta, void* c, const void* bias) const;

 private:
  DType dtype_;
  PackedMatrixF32 f32_;
  PackedMatrixF64 f64_;
};

// Empty when `g` fits `packed` (n, k) and buffers of these lengths hold every element of A
// and C the product reads and writes; the error message otherwise.
std::string check_gemm_packed(const char* fn, const GemmArgs& g, const PackedOperand& packed, int64_t a_len,
                              int64_t c_len);

}  // namespace ng
