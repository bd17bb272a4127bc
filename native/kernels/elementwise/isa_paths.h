// Per-instruction-set entry points of the elementwise kernels (see isa_*.cpp).
#pragma once

#include "elementwise.h"

#define NG_DECLARE_ELEMENTWISE_PATH(ns)                                                                        \
  namespace ns {                                                                                               \
  void binary(BinaryOp op, DType dtype, const void* a, const int64_t* as, const void* b, const int64_t* bs,   \
              void* out, const int64_t* shape, int ndim);                                                      \
  void reduce(ReduceOp op, DType dtype, const void* x, int64_t outer, int64_t r, int64_t inner, void* out);   \
  void arg_reduce(ArgReduceOp op, DType dtype, const void* x, int64_t outer, int64_t r, int64_t inner,        \
                  int32_t* out);                                                                               \
  }

namespace ng {
NG_DECLARE_ELEMENTWISE_PATH(isa_scalar)
#if defined(__x86_64__) || defined(_M_X64)
NG_DECLARE_ELEMENTWISE_PATH(isa_avx2)
NG_DECLARE_ELEMENTWISE_PATH(isa_avx512)
#endif
}  // namespace ng
