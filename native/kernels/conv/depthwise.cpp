// Routes the depthwise convolution to the instruction-set path in use.
#include "depthwise.h"

#include "depthwise_paths.h"

namespace ng {

#if defined(__x86_64__) || defined(_M_X64)
#define NG_DEPTHWISE_ROUTE(fn, ...)                            \
  switch (isa) {                                               \
    case Isa::Avx512: return depthwise_avx512::fn(__VA_ARGS__); \
    case Isa::Avx2: return depthwise_avx2::fn(__VA_ARGS__);     \
    default: return depthwise_scalar::fn(__VA_ARGS__);          \
  }
#else
#define NG_DEPTHWISE_ROUTE(fn, ...) \
  (void)isa;                        \
  return depthwise_scalar::fn(__VA_ARGS__);
#endif

void depthwise_conv2d_forward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter,
                              const void* bias, Activation act, void* y) {
  if (dtype == DType::Int32) return;
  NG_DEPTHWISE_ROUTE(forward, dtype, s, x, filter, bias, act, y)
}

void depthwise_conv2d_backward_input(Isa isa, DType dtype, const Conv2dShape& s, const void* dy, const void* filter,
                                     void* dx) {
  if (dtype == DType::Int32) return;
  NG_DEPTHWISE_ROUTE(backward_input, dtype, s, dy, filter, dx)
}

void depthwise_conv2d_backward_filter(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                                      void* dfilter) {
  if (dtype == DType::Int32) return;
  NG_DEPTHWISE_ROUTE(backward_filter, dtype, s, x, dy, dfilter)
}

}  // namespace ng
