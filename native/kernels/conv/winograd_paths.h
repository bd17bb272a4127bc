// Per-instruction-set entry points of the Winograd tile transforms (winograd_<isa>.cpp).
#pragma once

#include "winograd.h"
#include "winograd6.h"

#define NG_DECLARE_WINOGRAD_PATH(ns)                                                                         \
  namespace ns {                                                                                             \
  void input_tiles(DType dtype, const WinogradTiles& g, const void* x, int64_t t0, int64_t t1, void* v,      \
                   int64_t ld);                                                                              \
  void output_tiles(DType dtype, const WinogradTiles& g, const void* m, int64_t ld, int64_t t0, int64_t t1,   \
                    const void* bias, Activation act, void* y);                                              \
  void gradient_tiles(DType dtype, const WinogradTiles& g, const void* dy, int64_t t0, int64_t t1, void* z,  \
                      int64_t ld);                                                                           \
  void adjoint_tiles(DType dtype, const WinogradTiles& g, const void* m, int64_t ld, int64_t t0, int64_t t1,  \
                     int64_t side_row, void* side, void* dx);                                                \
  void filter4_input_tiles(DType dtype, const WinogradTiles& g, const void* x, int64_t t0, int64_t t1, int row0, \
                           int row1, void* v, int64_t ld);                                                   \
  void filter4_gradient_tiles(DType dtype, const WinogradTiles& g, const void* dy, int64_t t0, int64_t t1,      \
                              int row0, int row1, void* z, int64_t ld);                                      \
  void output4_tiles(DType dtype, const WinogradTiles& g, const void* m, int64_t ld, int64_t t0, int64_t t1,  \
                     void* y);                                                                               \
  }

namespace ng {
NG_DECLARE_WINOGRAD_PATH(winograd_scalar)
#if defined(__x86_64__) || defined(_M_X64)
NG_DECLARE_WINOGRAD_PATH(winograd_avx2)
NG_DECLARE_WINOGRAD_PATH(winograd_avx512)
#endif

// One instruction set's transforms, for the drivers (winograd.cpp, winograd_filter4.cpp,
// winograd4.cpp).
struct WinogradTransforms {
  decltype(&winograd_scalar::input_tiles) input;
  decltype(&winograd_scalar::output_tiles) output;
  decltype(&winograd_scalar::gradient_tiles) gradient;
  decltype(&winograd_scalar::adjoint_tiles) adjoint;
  decltype(&winograd_scalar::filter4_input_tiles) filter4_input;
  decltype(&winograd_scalar::filter4_gradient_tiles) filter4_gradient;
  decltype(&winograd_scalar::output4_tiles) output4;
};

#define NG_WINOGRAD_TRANSFORMS(ns)                                                                    \
  {ns::input_tiles, ns::output_tiles, ns::gradient_tiles, ns::adjoint_tiles, ns::filter4_input_tiles, \
   ns::filter4_gradient_tiles, ns::output4_tiles}

inline WinogradTransforms winograd_transforms(Isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
  if (isa == Isa::Avx512) return NG_WINOGRAD_TRANSFORMS(winograd_avx512);
  if (isa == Isa::Avx2) return NG_WINOGRAD_TRANSFORMS(winograd_avx2);
#endif
  (void)isa;
  return NG_WINOGRAD_TRANSFORMS(winograd_scalar);
}
#undef NG_WINOGRAD_TRANSFORMS
}  // namespace ng
