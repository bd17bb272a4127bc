// Per-instruction-set entry point of the optimizer kernels (see isa_*.cpp): one
// contiguous chunk of one parameter and its state buffers (already offset).
#pragma once

#include "optim.h"

#define NG_DECLARE_OPTIM_PATH(ns)                                                                   \
  namespace ns {                                                                                    \
  void optim_chunk(const OptimHyper& h, DType dtype, void* param, const void* grad, void* const* state, \
                   int64_t n);                                                                      \
  }

namespace ng {
NG_DECLARE_OPTIM_PATH(optim_scalar)
#if defined(__x86_64__) || defined(_M_X64)
NG_DECLARE_OPTIM_PATH(optim_avx2)
NG_DECLARE_OPTIM_PATH(optim_avx512)
#endif
}  // namespace ng
