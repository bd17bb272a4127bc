// The filter gradient of a 3×3 stride-1 convolution over 4×4 tiles of dy: Winograd
// F(3×3, 4×4) (winograd.h). Each tile's 6×6 patch of x and 4×4 pixels of dy are transformed
// (winograd_filter4_impl.h), 36 GEMMs zᵀ · v per chunk of tiles sum the products, and the
// sums' final transform gives df: 36 multiply-adds per 16 pixels where F(3×3, 2×2) takes 16
// per 4 (9/16 of its GEMM work).
//
// Threads, with results that never depend on their number: up to kFilterGroups fixed groups
// of tiles, each summing its chunks in order into its own partial, added in group order.
#include <algorithm>
#include <memory>

#include "../../runtime/thread_pool.h"
#include "conv_gemm.h"
#include "partials.h"
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
constexpr int64_t kMinChannels = 16;
constexpr int64_t kMinGroupTiles = 64;
// Tiles per step (the depth of the GEMMs), at most kChunkTiles and within kChunkBytes of
// transformed x and dy; fixed by the shape alone.
constexpr int64_t kChunkTiles = 256;
constexpr size_t kChunkBytes = size_t(2) << 20;
// Each chunk is transformed and summed in two passes of three rows of the 6×6 points
// (kPassRows, winograd6.h), so that one pass's transformed tiles stay in cache for its GEMMs
// (28×28×32 → 64, batch 32, 1 thread: 3.9-4.1 ms in one pass of all 36 points, 3.6-3.7 in
// two, 3.7-3.9 in three, 4.5-4.6 in six; 56×56×64 → 64 30.8, 28.2, 29.9 and 35.1 ms). Sizes
// 1 MB to 4 MB measured alike.

// Filter pairs (out, in channel) per step of the final transform: contiguous, vectorised.
constexpr int64_t kPairBlock = 64;

// df[i][j][c][o] = (Aᵀ m[·][o][c] A)[i][j], m[·] the 36 points' sums, each out_c × in_c: the
// groups' partials (msize apart) added in group order, then transformed, by blocks of pairs
// (o, c) over the threads; then transposed into df.
template <typename T>
void untransform(const Conv2dShape& s, const T* m, int64_t groups, int64_t msize, T* df) {
  const int64_t cin = s.in_c, cout = s.out_c, pairs = cin * cout;
  std::unique_ptr<T[]> w(new T[static_cast<size_t>(9 * pairs)]);  // w[3i + j][o][c]
  parallel_for(ceil_div(pairs, kPairBlock), [&](int64_t blk) {
    const int64_t e0 = blk * kPairBlock, n = std::min(kPairBlock, pairs - e0);
    T a[3][6][kPairBlock] = {};  // Aᵀ m
    for (int p = 0; p < 6; ++p)
      for (int q = 0; q < 6; ++q) {
        T sum[kPairBlock];
        const T* mp = m + (6 * p + q) * pairs + e0;
        for (int64_t e = 0; e < n; ++e) sum[e] = mp[e];
        for (int64_t grp = 1; grp < groups; ++grp)
          for (int64_t e = 0; e < n; ++e) sum[e] += mp[grp * msize + e];
        for (int i = 0; i < 3; ++i) {
          const T k = kTaps6<T>[p][i];
          if (k == 0) continue;
          for (int64_t e = 0; e < n; ++e) a[i][q][e] += k * sum[e];
        }
      }
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) {
        T* wp = w.get() + (3 * i + j) * pairs + e0;
        for (int64_t e = 0; e < n; ++e) wp[e] = 0;
        for (int q = 0; q < 6; ++q) {
          const T k = kTaps6<T>[q][j];
          if (k == 0) continue;
          for (int64_t e = 0; e < n; ++e) wp[e] += k * a[i][q][e];
        }
      }
  });
  for (int64_t tap = 0; tap < 9; ++tap) conv_detail::transpose(cout, cin, w.get() + tap * pairs, cin, df + tap * pairs, cout);
}

// The tasks and steps, fixed by the shape: `groups` groups of tiles, each run in chunks of at
// most `most` tiles.
struct Plan {
  int64_t tiles, most, groups;
};

Plan plan_for(const Conv2dShape& s, size_t elem) {
  const int64_t tiles = winograd_tiles4(s).count();
  const int64_t per_tile = kPoints * (s.in_c + s.out_c) * static_cast<int64_t>(elem);
  const int64_t most = std::clamp<int64_t>(static_cast<int64_t>(kChunkBytes) / per_tile, 8, kChunkTiles);
  const int64_t groups = std::max<int64_t>(
      1, std::min(tiles, conv_detail::filter_groups(conv_detail::balanced_chunks(ceil_div(tiles, most)),
                                                     kPoints * s.in_c * s.out_c, elem)));
  return {tiles, most, groups};
}

template <typename T>
void filter_gradient(Isa isa, const Conv2dShape& s, const T* x, const T* dy, T* df) {
  const WinogradTiles g = winograd_tiles4(s);
  const int64_t cin = s.in_c, cout = s.out_c, msize = kPoints * cin * cout;
  if (cin == 0 || cout == 0) return;
  const Plan plan = plan_for(s, sizeof(T));
  const int64_t tiles = plan.tiles, most = plan.most, groups = plan.groups;
  if (tiles == 0) {
    std::fill(df, df + 9 * cin * cout, T(0));
    return;
  }
  const WinogradTransforms tr = winograd_transforms(isa);
  std::unique_ptr<T[]> sums(new T[static_cast<size_t>(groups * msize)]);  // the groups' partials
  parallel_for(groups, [&](int64_t grp) {
    const int64_t g0 = tiles * grp / groups, g1 = tiles * (grp + 1) / groups;
    const int64_t chunk = ceil_div(g1 - g0, ceil_div(g1 - g0, most));
    T* const out = sums.get() + grp * msize;
    T* const z = scratch<T>(ScratchSlot::Product, kPassPoints * odd_line_stride(chunk * cout, sizeof(T)));
    T* const v = scratch<T>(ScratchSlot::Columns, kPassPoints * odd_line_stride(chunk * cin, sizeof(T)));
    for (int64_t t0 = g0; t0 < g1; t0 += chunk) {
      const int64_t t1 = std::min(g1, t0 + chunk), n = t1 - t0;
      const int64_t ldz = odd_line_stride(n * cout, sizeof(T)), ldv = odd_line_stride(n * cin, sizeof(T));
      for (int a0 = 0; a0 < 6; a0 += kPassRows) {
        tr.filter4_gradient(dtype_of<T>(), g, dy, t0, t1, a0, a0 + kPassRows, z, ldz);
        tr.filter4_input(dtype_of<T>(), g, x, t0, t1, a0, a0 + kPassRows, v, ldv);
        for (int64_t k = 0; k < kPassPoints; ++k)
          Blas<T>::gemm(isa, true, false, cout, cin, n, z + k * ldz, cout, v + k * ldv, cin, t0 == g0 ? T(0) : T(1),
                        out + (6 * a0 + k) * cout * cin, cin);
      }
    }
  });
  untransform(s, sums.get(), groups, msize, df);
}

}  // namespace

// Where the 4×4 tiles cover the output with little waste (36 products per tile at most 60% of
// the 2×2 tiles' 16 per tile; 14×14 takes 73%), each group sums at least kMinGroupTiles of
// them (its partial of 36 · in_c · out_c sums costs about as much as that many tiles'
// GEMMs), and one group's partial fits conv_detail::kPartialBytes (up to 256 × 256 channels
// in float32). Against F(3×3, 2×2), batch 32 unless said, 1 thread, AVX-512, two sweeps:
// taken, 7×7×256 → 256 (128 tiles, 1 group) 16.1 → 12.3-13.1 ms, 56×56×128 → 128 at batch 8
// 36.7 → 28.2-29.3, 32×32×64 → 64 at batch 1 (64 tiles) 0.56-0.66 → 0.36-0.44, but 32×32×256
// → 256 at batch 1 (64 tiles) 9.3-10.4 → 7.9-11.9; not taken, 7×7×128 → 128 (128 tiles, 4
// groups) 3.4-3.6 → 3.9-4.9, 14×14×64 → 64 2.4 → 2.2-4.4, 14×14×128 → 128 9.7-10.0 →
// 11.8-12.7.
bool conv2d_winograd_filter4_applies(Isa isa, DType dtype, const Conv2dShape& s) {
  (void)isa;
  const Window2d& w = s.win;
  if (w.kh != 3 || w.kw != 3 || w.stride_h != 1 || w.stride_w != 1 || w.dilation_h != 1 || w.dilation_w != 1 ||
      s.in_c < kMinChannels || s.out_c < kMinChannels)
    return false;
  const int64_t tiles2 = s.batch * ((w.out_h + 1) / 2) * ((w.out_w + 1) / 2);
  const Plan plan = plan_for(s, dtype_size(dtype));
  const size_t partial = static_cast<size_t>(kPoints * s.in_c * s.out_c) * dtype_size(dtype);
  return 15 * plan.tiles <= 4 * tiles2 && plan.tiles >= kMinGroupTiles * plan.groups &&
         partial <= conv_detail::kPartialBytes;
}

void conv2d_winograd_filter4(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                             void* dfilter) {
  if (dtype == DType::Float32)
    filter_gradient(isa, s, static_cast<const float*>(x), static_cast<const float*>(dy), static_cast<float*>(dfilter));
  else if (dtype == DType::Float64)
    filter_gradient(isa, s, static_cast<const double*>(x), static_cast<const double*>(dy),
                    static_cast<double*>(dfilter));
}

}  // namespace ng
