// Per-instruction-set entry points of the batch-norm kernels (see batchnorm_*.cpp).
#pragma once

#include "batchnorm.h"

#define NG_DECLARE_BATCHNORM_PATH(ns)                                                                           \
  namespace ns {                                                                                                \
  void batch_norm_train(DType dtype, const void* x, const void* gamma, const void* beta, void* y, void* mean,   \
                        void* var, int64_t outer, int64_t c, double eps);                                       \
  void batch_norm_infer(DType dtype, const void* x, const void* gamma, const void* beta, const void* mean,      \
                        const void* var, void* y, int64_t outer, int64_t c, double eps);                        \
  void batch_norm_backward(DType dtype, const void* x, const void* dy, const void* mean, const void* var,       \
                           const void* gamma, void* dx, void* dgamma, void* dbeta, int64_t outer, int64_t c,    \
                           double eps, bool training);                                                          \
  }

namespace ng {
NG_DECLARE_BATCHNORM_PATH(bn_scalar)
#if defined(__x86_64__) || defined(_M_X64)
NG_DECLARE_BATCHNORM_PATH(bn_avx2)
NG_DECLARE_BATCHNORM_PATH(bn_avx512)
#endif
}  // namespace ng
