// Routes the direct small-channel convolution to the instruction-set path in use.
#include "conv2d_direct.h"

#include "conv2d_direct_paths.h"

namespace ng {

void conv2d_direct_forward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter,
                           const void* bias, Activation act, void* y) {
  if (dtype == DType::Int32 || !conv2d_direct_applies(s)) return;
#if defined(__x86_64__) || defined(_M_X64)
  switch (isa) {
    case Isa::Avx512: return conv2d_direct_avx512::forward(dtype, s, x, filter, bias, act, y);
    case Isa::Avx2: return conv2d_direct_avx2::forward(dtype, s, x, filter, bias, act, y);
    default: break;
  }
#else
  (void)isa;
#endif
  conv2d_direct_scalar::forward(dtype, s, x, filter, bias, act, y);
}

bool conv2d_direct_backward_filter(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                                   void* dfilter) {
  if (dtype == DType::Int32 || !conv2d_direct_applies(s)) return false;
#if defined(__x86_64__) || defined(_M_X64)
  switch (isa) {
    case Isa::Avx512: return conv2d_direct_avx512::backward_filter(dtype, s, x, dy, dfilter);
    case Isa::Avx2: return conv2d_direct_avx2::backward_filter(dtype, s, x, dy, dfilter);
    default: break;
  }
#else
  (void)isa;
#endif
  return conv2d_direct_scalar::backward_filter(dtype, s, x, dy, dfilter);
}

bool conv2d_direct_backward_input(Isa isa, DType dtype, const Conv2dShape& s, const void* dy, const void* filter,
                                  void* dx) {
  if (dtype == DType::Int32) return false;
#if defined(__x86_64__) || defined(_M_X64)
  switch (isa) {
    case Isa::Avx512: return conv2d_direct_avx512::backward_input(dtype, s, dy, filter, dx);
    case Isa::Avx2: return conv2d_direct_avx2::backward_input(dtype, s, dy, filter, dx);
    default: break;
  }
#else
  (void)isa;
#endif
  return conv2d_direct_scalar::backward_input(dtype, s, dy, filter, dx);
}

}  // namespace ng
