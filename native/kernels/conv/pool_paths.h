// Per-instruction-set entry points of the pooling kernels (see pool_*.cpp and pool_impl.h).
#pragma once

#include "pool.h"

#define NG_DECLARE_POOL_PATH(ns)                                                                               \
  namespace ns {                                                                                               \
  void max_pool2d(DType dtype, const void* x, void* out, int32_t* argmax, int64_t n, int64_t c,               \
                  const Window2d& w);                                                                          \
  void max_pool2d_grad(DType dtype, const void* dy, const int32_t* argmax, void* dx, int64_t n, int64_t c,    \
                       const Window2d& w);                                                                     \
  void avg_pool2d(DType dtype, const void* x, void* out, int64_t n, int64_t c, const Window2d& w);             \
  void avg_pool2d_grad(DType dtype, const void* dy, void* dx, int64_t n, int64_t c, const Window2d& w);        \
  }

namespace ng {
NG_DECLARE_POOL_PATH(isa_scalar)
#if defined(__x86_64__) || defined(_M_X64)
NG_DECLARE_POOL_PATH(isa_avx2)
NG_DECLARE_POOL_PATH(isa_avx512)
#endif
}  // namespace ng
