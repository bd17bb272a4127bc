// Winograd F(4×4, 3×3) (winograd.h): the output in 4×4 tiles, each from a 6×6 patch of x,
// y = Aᵀ [(G f Gᵀ) ⊙ (Bᵀ d B)] A, 36 GEMMs [tiles, in_c] · [in_c, out_c] per block of tiles:
// 36 multiply-adds per 16 pixels where F(2×2, 3×3) takes 16 per 4 (9/16 of its GEMM work).
// The tile transforms are F(3×3, 4×4)'s (winograd_filter4_impl.h, winograd4_impl.h); the
// filter's is computed in double and rounded once.
//
// Threads: blocks of tiles are independent tasks of a size fixed by the shape.
#include <algorithm>
#include <memory>
#include <vector>

#include "../../runtime/thread_pool.h"
#include "conv_gemm.h"
#include "winograd.h"
#include "winograd6.h"
#include "winograd_paths.h"

namespace ng {
namespace {

using conv_detail::Blas;
using conv_detail::ceil_div;
using conv_detail::dtype_of;
using conv_detail::odd_line_stride;
using conv_detail::scratch;
using conv_detail::ScratchSlot;

constexpr int64_t kPoints = kPoints6;
// A block's transformed patches and products, read back from L2: the input transform and
// its GEMMs run in two passes of three rows of the 6×6 points (kPassRows, winograd6.h), so
// that only one pass's patches sit beside the whole block's products (the input gradient of
// 28×28×32 → 64 at batch 32, 1 thread, AVX-512: 3.9 ms at 160 KB, 4.0 at 320 and 512 KB,
// 4.1-4.2 at 768 KB).
constexpr size_t kBlockBytes = size_t(160) << 10;
// Below 64 channels in, F(4×4, 3×3)'s float32 error grows further past the bound of the
// direct sums over 9·in_c terms (random data, largest error 1.1-1.7 of that bound at 8-32
// channels, 0.5-1.1 at 64-256; winograd.h, Accuracy); out_c is the GEMMs' width.
constexpr int64_t kMinInChannels = 64;
constexpr int64_t kMinOutChannels = 16;
constexpr int64_t kMinTiles = 32;

// u[point][c][o] = (G f[·, ·, c, o] Gᵀ)[point], summed in double, by blocks of pairs (c, o)
// over the threads.
template <typename T>
void transform_filter(const Conv2dShape& s, const T* f, T* u) {
  const int64_t pairs = s.in_c * s.out_c;
  const auto& g = kTaps6<double>;
  constexpr int64_t kBlock = 64;
  parallel_for(ceil_div(pairs, kBlock), [&](int64_t blk) {
    const int64_t e0 = blk * kBlock, n = std::min(kBlock, pairs - e0);
    double gf[6][3][kBlock];  // G f
    for (int p = 0; p < 6; ++p)
      for (int j = 0; j < 3; ++j)
        for (int64_t e = 0; e < n; ++e)
          gf[p][j][e] = g[p][0] * f[j * pairs + e0 + e] + g[p][1] * f[(3 + j) * pairs + e0 + e] +
                        g[p][2] * f[(6 + j) * pairs + e0 + e];
    for (int p = 0; p < 6; ++p)
      for (int q = 0; q < 6; ++q) {
        T* up = u + (6 * p + q) * pairs + e0;
        for (int64_t e = 0; e < n; ++e)
          up[e] = static_cast<T>(g[q][0] * gf[p][0][e] + g[q][1] * gf[p][1][e] + g[q][2] * gf[p][2][e]);
      }
  });
}

template <typename T>
void forward(Isa isa, const Conv2dShape& s, const T* x, const T* f, T* y) {
  const WinogradTiles g = winograd_tiles4(s);
  const int64_t tiles = g.count(), cin = s.in_c, cout = s.out_c;
  if (tiles == 0 || cout == 0) return;
  const WinogradTransforms tr = winograd_transforms(isa);
  std::unique_ptr<T[]> u(new T[static_cast<size_t>(kPoints * cin * cout)]);
  transform_filter(s, f, u.get());
  const std::vector<PackedMatrix<T>> packed = conv_detail::pack_each(isa, kPoints, u.get(), cin, cout, false);
  const int64_t mr = gemm_blocking(isa, sizeof(T) == 8, cout).mr;
  const int64_t per_tile = (kPassPoints * cin + kPoints * cout) * static_cast<int64_t>(sizeof(T));
  const int64_t block = std::max<int64_t>(mr, static_cast<int64_t>(kBlockBytes) / per_tile / mr * mr);
  parallel_for(ceil_div(tiles, block), [&](int64_t b) {
    const int64_t t0 = b * block, t1 = std::min(tiles, t0 + block), n = t1 - t0;
    const int64_t ldv = odd_line_stride(n * cin, sizeof(T)), ldm = odd_line_stride(n * cout, sizeof(T));
    T* v = scratch<T>(ScratchSlot::Columns, kPassPoints * ldv);
    T* m = scratch<T>(ScratchSlot::Product, kPoints * ldm);
    for (int a0 = 0; a0 < 6; a0 += kPassRows) {
      tr.filter4_input(dtype_of<T>(), g, x, t0, t1, a0, a0 + kPassRows, v, ldv);
      for (int64_t k = 0; k < kPassPoints; ++k)
        Blas<T>::gemm_packed(isa, n, v + k * ldv, cin, packed[static_cast<size_t>(6 * a0 + k)],
                             m + (6 * a0 + k) * ldm, cout);
    }
    tr.output4(dtype_of<T>(), g, m, ldm, t0, t1, y);
  });
}

}  // namespace

// Where the 4×4 tiles cover the output with little waste (as conv2d_winograd_filter4_applies:
// 36 products per tile at most 60% of the 2×2 tiles' 16 per tile), enough channels (above)
// and tiles to pay for the filter's transform and 36 packings.
bool conv2d_winograd4_applies(Isa isa, DType dtype, const Conv2dShape& s) {
  (void)isa, (void)dtype;
  const Window2d& w = s.win;
  if (w.kh != 3 || w.kw != 3 || w.stride_h != 1 || w.stride_w != 1 || w.dilation_h != 1 || w.dilation_w != 1 ||
      s.in_c < kMinInChannels || s.out_c < kMinOutChannels)
    return false;
  const int64_t tiles4 = winograd_tiles4(s).count(), tiles2 = winograd_tiles(s).count();
  return 15 * tiles4 <= 4 * tiles2 && tiles4 >= kMinTiles;
}

void conv2d_winograd4(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter, void* y) {
  if (dtype == DType::Float32)
    forward(isa, s, static_cast<const float*>(x), static_cast<const float*>(filter), static_cast<float*>(y));
  else if (dtype == DType::Float64)
    forward(isa, s, static_cast<const double*>(x), static_cast<const double*>(filter), static_cast<double*>(y));
}

}  // namespace ng
