// Routes the batch-norm kernels to the instruction-set path in use.
#include "batchnorm.h"

#include "batchnorm_paths.h"

namespace ng {

#if defined(__x86_64__) || defined(_M_X64)
#define NG_BN_ROUTE(fn, ...)                              \
  switch (isa) {                                          \
    case Isa::Avx512: return bn_avx512::fn(__VA_ARGS__);  \
    case Isa::Avx2: return bn_avx2::fn(__VA_ARGS__);      \
    default: return bn_scalar::fn(__VA_ARGS__);           \
  }
#else
#define NG_BN_ROUTE(fn, ...) \
  (void)isa;                 \
  return bn_scalar::fn(__VA_ARGS__);
#endif

void batch_norm_train(Isa isa, DType dtype, const void* x, const void* gamma, const void* beta, void* y, void* mean,
                      void* var, int64_t outer, int64_t c, double eps) {
  NG_BN_ROUTE(batch_norm_train, dtype, x, gamma, beta, y, mean, var, outer, c, eps)
}

void batch_norm_infer(Isa isa, DType dtype, const void* x, const void* gamma, const void* beta, const void* mean,
                      const void* var, void* y, int64_t outer, int64_t c, double eps) {
  NG_BN_ROUTE(batch_norm_infer, dtype, x, gamma, beta, mean, var, y, outer, c, eps)
}

void batch_norm_backward(Isa isa, DType dtype, const void* x, const void* dy, const void* mean, const void* var,
                         const void* gamma, void* dx, void* dgamma, void* dbeta, int64_t outer, int64_t c, double eps,
                         bool training) {
  NG_BN_ROUTE(batch_norm_backward, dtype, x, dy, mean, var, gamma, dx, dgamma, dbeta, outer, c, eps, training)
}

}  // namespace ng
