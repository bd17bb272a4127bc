// Per-instruction-set entry points of the depthwise convolution (depthwise_<isa>.cpp).
#pragma once

#include "depthwise.h"

#define NG_DECLARE_DEPTHWISE_PATH(ns)                                                                           \
  namespace ns {                                                                                                \
  void forward(DType dtype, const Conv2dShape& s, const void* x, const void* f, const void* bias, Activation act, \
               void* y);                                                                                        \
  void backward_input(DType dtype, const Conv2dShape& s, const void* dy, const void* f, void* dx);             \
  void backward_filter(DType dtype, const Conv2dShape& s, const void* x, const void* dy, void* df);            \
  }

namespace ng {
NG_DECLARE_DEPTHWISE_PATH(depthwise_scalar)
#if defined(__x86_64__) || defined(_M_X64)
NG_DECLARE_DEPTHWISE_PATH(depthwise_avx2)
NG_DECLARE_DEPTHWISE_PATH(depthwise_avx512)
#endif
}  // namespace ng
