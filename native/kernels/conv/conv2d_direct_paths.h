// Per-instruction-set entry points of the direct small-channel convolution.
#pragma once

#include "conv2d_direct.h"

#define NG_DECLARE_CONV2D_DIRECT_PATH(ns)                                                                       \
  namespace ns {                                                                                                \
  void forward(DType dtype, const Conv2dShape& s, const void* x, const void* f, const void* bias, Activation act, \
               void* y);                                                                                        \
  bool backward_filter(DType dtype, const Conv2dShape& s, const void* x, const void* dy, void* df);              \
  bool backward_input(DType dtype, const Conv2dShape& s, const void* dy, const void* f, void* dx);               \
  bool backward_input_batched(DType dtype, const Conv2dShape& s, const void* dy, const void* f, void* dx);       \
  bool backward_filter_batched(DType dtype, const Conv2dShape& s, const void* x, const void* dy, void* df);      \
  }

namespace ng {
NG_DECLARE_CONV2D_DIRECT_PATH(conv2d_direct_scalar)
#if defined(__x86_64__) || defined(_M_X64)
NG_DECLARE_CONV2D_DIRECT_PATH(conv2d_direct_avx2)
NG_DECLARE_CONV2D_DIRECT_PATH(conv2d_direct_avx512)
#endif
}  // namespace ng
