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
  void unary(UnaryOp op, DType dtype, const void* x, void* out, int64_t n, double p0, double p1);              \
  void unary_grad(UnaryOp op, DType dtype, const void* x, const void* y, const void* dy, void* dx, int64_t n,  \
                  double p0, double p1);                                                                       \
  void softmax(DType dtype, const void* x, void* out, int64_t outer, int64_t r, int64_t inner, bool log);     \
  void softmax_grad(DType dtype, const void* y, const void* dy, void* dx, int64_t outer, int64_t r,           \
                    int64_t inner, bool log);                                                                  \
  void softmax_cross_entropy(DType dtype, const void* logits, DType label_dtype, const void* labels,          \
                             void* loss, void* grad, int64_t n, int64_t c);                                    \
  void sigmoid_cross_entropy(DType dtype, const void* logits, const void* targets, void* loss, void* grad,    \
                             int64_t n);                                                                       \
  }

namespace ng {
NG_DECLARE_ELEMENTWISE_PATH(isa_scalar)
#if defined(__x86_64__) || defined(_M_X64)
NG_DECLARE_ELEMENTWISE_PATH(isa_avx2)
NG_DECLARE_ELEMENTWISE_PATH(isa_avx512)
#endif
}  // namespace ng
