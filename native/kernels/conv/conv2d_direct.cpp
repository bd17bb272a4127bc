// Routes the direct small-channel convolution to the instruction-set path in use.
#include "conv2d_direct.h"

#include "conv2d_direct_paths.h"

namespace ng {
namespace {

// One instruction-set path's entry points (conv2d_direct_paths.h).
struct DirectPath {
  decltype(&conv2d_direct_scalar::forward) forward;
  decltype(&conv2d_direct_scalar::backward_filter) backward_filter;
  decltype(&conv2d_direct_scalar::backward_input) backward_input;
  decltype(&conv2d_direct_scalar::backward_input_batched) backward_input_batched;
  decltype(&conv2d_direct_scalar::backward_filter_batched) backward_filter_batched;
};

#define NG_DIRECT_PATH(ns) \
  DirectPath{&ns::forward, &ns::backward_filter, &ns::backward_input, &ns::backward_input_batched, \
             &ns::backward_filter_batched}

const DirectPath& path_for(Isa isa) {
  static constexpr DirectPath scalar = NG_DIRECT_PATH(conv2d_direct_scalar);
#if defined(__x86_64__) || defined(_M_X64)
  static constexpr DirectPath avx2 = NG_DIRECT_PATH(conv2d_direct_avx2);
  static constexpr DirectPath avx512 = NG_DIRECT_PATH(conv2d_direct_avx512);
  switch (isa) {
    case Isa::Avx512: return avx512;
    case Isa::Avx2: return avx2;
    default: break;
  }
#else
  (void)isa;
#endif
  return scalar;
}

#undef NG_DIRECT_PATH

}  // namespace

void conv2d_direct_forward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter,
                           const void* bias, Activation act, void* y) {
  if (dtype == DType::Int32 || !conv2d_direct_applies(s)) return;
  path_for(isa).forward(dtype, s, x, filter, bias, act, y);
}

bool conv2d_direct_backward_filter(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                                   void* dfilter) {
  if (dtype == DType::Int32 || !conv2d_direct_applies(s)) return false;
  return path_for(isa).backward_filter(dtype, s, x, dy, dfilter);
}

bool conv2d_direct_backward_input(Isa isa, DType dtype, const Conv2dShape& s, const void* dy, const void* filter,
                                  void* dx) {
  if (dtype == DType::Int32) return false;
  return path_for(isa).backward_input(dtype, s, dy, filter, dx);
}

bool conv2d_direct_backward_input_batched(Isa isa, DType dtype, const Conv2dShape& s, const void* dy,
                                          const void* filter, void* dx) {
  if (dtype == DType::Int32) return false;
  return path_for(isa).backward_input_batched(dtype, s, dy, filter, dx);
}

bool conv2d_direct_backward_filter_batched(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                                           void* dfilter) {
  if (dtype == DType::Int32 || s.in_c > kDfbMaxInC || s.out_c > kDfbMaxOutC) return false;
  return path_for(isa).backward_filter_batched(dtype, s, x, dy, dfilter);
}

}  // namespace ng
