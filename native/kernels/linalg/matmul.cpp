#include "matmul.h"

namespace ng {
namespace {

template <typename T, typename Gemm>
void matmul_typed(Gemm gemm, Isa isa, const MatmulShape& s, int64_t batch, const T* a, const int64_t* ao, const T* b,
                  const int64_t* bo, T* c, const T* bias, Activation act) {
  GemmEpilogue<T> ep;
  ep.bias = bias;
  ep.act = act;
  const int64_t lda = s.trans_a ? s.m : s.k;
  const int64_t ldb = s.trans_b ? s.k : s.n;
  for (int64_t i = 0; i < batch; ++i)
    gemm(isa, s.trans_a, s.trans_b, s.m, s.n, s.k, T(1), a + ao[i], lda, b + bo[i], ldb, T(0), c + i * s.m * s.n, s.n,
         ep);
}

}  // namespace

void matmul(Isa isa, DType dtype, const MatmulShape& s, int64_t batch, const void* a, const int64_t* a_offsets,
            const void* b, const int64_t* b_offsets, void* c, const void* bias, Activation act) {
  if (dtype == DType::Float32)
    matmul_typed<float>(sgemm, isa, s, batch, static_cast<const float*>(a), a_offsets, static_cast<const float*>(b),
                        b_offsets, static_cast<float*>(c), static_cast<const float*>(bias), act);
  else if (dtype == DType::Float64)
    matmul_typed<double>(dgemm, isa, s, batch, static_cast<const double*>(a), a_offsets, static_cast<const double*>(b),
                         b_offsets, static_cast<double*>(c), static_cast<const double*>(bias), act);
}

}  // namespace ng
