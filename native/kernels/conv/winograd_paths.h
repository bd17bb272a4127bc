// Per-instruction-set entry points of the Winograd tile transforms (winograd_<isa>.cpp).
#pragma once

#include "winograd.h"

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
  }

namespace ng {
NG_DECLARE_WINOGRAD_PATH(winograd_scalar)
#if defined(__x86_64__) || defined(_M_X64)
NG_DECLARE_WINOGRAD_PATH(winograd_avx2)
NG_DECLARE_WINOGRAD_PATH(winograd_avx512)
#endif
}  // namespace ng
