// Batched matrix products on top of the GEMM kernel: C[b] = op(A[b]) · op(B[b]) for a
// list of batch offsets (broadcast batch dimensions repeat an offset).
#pragma once

#include <cstdint>

#include "../../runtime/isa.h"
#include "../dtype.h"
#include "../gemm/gemm.h"

namespace ng {

struct MatmulShape {
  int64_t m, n, k;
  bool trans_a, trans_b;
};

// For batch i, A starts at a + a_offsets[i] and B at b + b_offsets[i] (elements); C[i] is
// the i-th contiguous m×n block of c. A is m×k (k×m when trans_a), B is k×n (n×k when
// trans_b), both dense. bias (length n, or null) and act are fused into the product.
void matmul(Isa isa, DType dtype, const MatmulShape& s, int64_t batch, const void* a, const int64_t* a_offsets,
            const void* b, const int64_t* b_offsets, void* c, const void* bias, Activation act);

}  // namespace ng
