// Drivers of Winograd F(2×2, 3×3) (winograd.h): the filter transforms, the tile blocks and
// their 16 GEMMs, the threads. Tile transforms are per instruction set (winograd_impl.h).
//
// Threads, with results that never depend on their number: the forward's blocks of tiles are
// independent tasks of a size fixed by the shape; the backward's tasks are up to
// kFilterGroups fixed groups of whole rows of tiles, each summing its chunks of tiles in
// order into its own partial of the filter gradient (then added in group order) and adding
// into dx in tile order (the rows two groups share through a buffer added afterwards).
#include "winograd.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "../../runtime/thread_pool.h"
#include "conv_gemm.h"
#include "partials.h"
#include "winograd_paths.h"

namespace ng {
namespace {

using conv_detail::Blas;
using conv_detail::ceil_div;
using conv_detail::dtype_of;
using conv_detail::scratch;
using conv_detail::ScratchSlot;

constexpr int64_t kPoints = 16;  // the 4×4 transform
// Fewer channels in or out leave the GEMMs too thin to pay for the transforms: batch 32, 1
// thread, AVX-512, 28×28×8 → 16 'same': forward 0.75 → 0.95 ms, filter gradient 0.67 → 1.62;
// 28×28×16 → 16: 1.27 → 1.02 and 1.26 → 1.01. The forward's GEMMs are as deep as in_c: on
// AVX2 they lost at 16 channels (28×28×16 → 16 1.2 → 1.5 ms) and won at 32 (56×56×32 → 32
// 17.3 → 13.6 ms, each path in a fresh process); its filter gradient won at 16 (1.22 → 0.97).
constexpr int64_t kMinChannels = 16;
constexpr int64_t kMinForwardChannelsAvx2 = 32;
// Few tiles leave the filter-side work (the transforms of f, or of the gradient's sums, and
// 16 packings) unpaid. 1 thread, each path in a fresh process: 7×7×256 → 256 at batch 1 (16
// tiles), forward 0.68 → 0.82 ms, filter gradient 0.72 → 1.19 ms; at batch 4 (64 tiles)
// 2.2 → 1.8 and 3.3 → 2.3 ms; 14×14×128 → 128 at batch 1 (49 tiles) 0.52 → 0.34 and
// 0.51 → 0.36 ms.
constexpr int64_t kMinTiles = 32;
// A forward block's transformed patches and products, which the GEMMs and the output
// transform then read from L2 (Zen 4, 1 MB L2: 128-160 KB measured 2-8% faster than 384 KB).
constexpr size_t kBlockBytes = size_t(160) << 10;
// Tiles per step of the filter gradient (the depth of its GEMMs), at most kFilterChunkTiles
// (56×56×64 → 64: 64 or 128 tiles 3-12% slower, 512 7% slower) and within kFilterChunkBytes
// of transformed x and dy; fixed by the shape alone.
constexpr int64_t kFilterChunkTiles = 256;
constexpr size_t kFilterChunkBytes = size_t(2) << 20;

// Filter pairs (in, out channel) per step of the filter transforms: their loops run over
// contiguous pairs, which the compiler vectorises (one pair at a time, 16 scattered stores
// each, took 1.8 ms of a 256 → 256 layer's 3.5 ms forward at batch 4).
constexpr int64_t kPairBlock = 64;

// u[point][c][o] = (G f[·, ·, c, o] Gᵀ)[point], by blocks of pairs over the threads.
template <typename T>
void transform_filter(const Conv2dShape& s, const T* __restrict f, T* __restrict u) {
  const int64_t pairs = s.in_c * s.out_c;
  const T half = T(0.5);
  parallel_for(ceil_div(pairs, kPairBlock), [&](int64_t blk) {
    const int64_t e0 = blk * kPairBlock, n = std::min(kPairBlock, pairs - e0);
    T gf[4][3][kPairBlock];  // G f
    for (int j = 0; j < 3; ++j) {
      const T* f0 = f + j * pairs + e0;
      const T* f1 = f0 + 3 * pairs;
      const T* f2 = f0 + 6 * pairs;
      for (int64_t e = 0; e < n; ++e) {
        gf[0][j][e] = f0[e];
        gf[1][j][e] = (f0[e] + f1[e] + f2[e]) * half;
        gf[2][j][e] = (f0[e] - f1[e] + f2[e]) * half;
        gf[3][j][e] = f2[e];
      }
    }
    for (int i = 0; i < 4; ++i) {
      T* u0 = u + 4 * i * pairs + e0;
      T* u1 = u0 + pairs;
      T* u2 = u1 + pairs;
      T* u3 = u2 + pairs;
      for (int64_t e = 0; e < n; ++e) {
        u0[e] = gf[i][0][e];
        u1[e] = (gf[i][0][e] + gf[i][1][e] + gf[i][2][e]) * half;
        u2[e] = (gf[i][0][e] - gf[i][1][e] + gf[i][2][e]) * half;
        u3[e] = gf[i][2][e];
      }
    }
  });
}

// Each point's transformed filter u[point] (in_c × out_c) packed as op(B) for the forward's
// GEMMs, or as op(B) = u[point]ᵀ for the input gradient's (`transposed`); the points packed
// over the threads. At batch 1 this is a large part of the layer and bound by memory
// (14×14×256 → 256 forward: a third of it on 1 thread; its 2.4 MB of filter become 4 MB of
// transformed and 4 MB of packed filter).
template <typename T>
std::vector<PackedMatrix<T>> packed_filter(Isa isa, const Conv2dShape& s, const T* f, bool transposed) {
  const int64_t cin = s.in_c, cout = s.out_c;
  std::unique_ptr<T[]> u(new T[static_cast<size_t>(kPoints * cin * cout)]);
  transform_filter(s, f, u.get());
  return conv_detail::pack_each(isa, kPoints, u.get(), cin, cout, transposed);
}

// df[i][j][c][o] = (Gᵀ m[·][o][c] G)[i][j], m the 16 points' sums, each out_c × in_c: the
// 3×3 results computed over contiguous pairs (o, c), then transposed into df by blocks.
template <typename T>
void untransform_filter_gradient(const Conv2dShape& s, const T* __restrict m, T* __restrict df) {
  const int64_t cin = s.in_c, cout = s.out_c, pairs = cin * cout;
  const T half = T(0.5);
  std::vector<T> w(static_cast<size_t>(9 * pairs));  // w[3i + j][o][c]
  for (int64_t e0 = 0; e0 < pairs; e0 += kPairBlock) {
    const int64_t n = std::min(kPairBlock, pairs - e0);
    T a[3][4][kPairBlock];  // Gᵀ m
    for (int j = 0; j < 4; ++j) {
      const T* m0 = m + j * pairs + e0;
      const T* m1 = m0 + 4 * pairs;
      const T* m2 = m0 + 8 * pairs;
      const T* m3 = m0 + 12 * pairs;
      for (int64_t e = 0; e < n; ++e) {
        a[0][j][e] = m0[e] + (m1[e] + m2[e]) * half;
        a[1][j][e] = (m1[e] - m2[e]) * half;
        a[2][j][e] = (m1[e] + m2[e]) * half + m3[e];
      }
    }
    for (int i = 0; i < 3; ++i) {
      T* w0 = w.data() + 3 * i * pairs + e0;
      T* w1 = w0 + pairs;
      T* w2 = w1 + pairs;
      for (int64_t e = 0; e < n; ++e) {
        w0[e] = a[i][0][e] + (a[i][1][e] + a[i][2][e]) * half;
        w1[e] = (a[i][1][e] - a[i][2][e]) * half;
        w2[e] = (a[i][1][e] + a[i][2][e]) * half + a[i][3][e];
      }
    }
  }
  for (int64_t tap = 0; tap < 9; ++tap) conv_detail::transpose(cout, cin, w.data() + tap * pairs, cin, df + tap * pairs, cout);
}

template <typename T>
void forward(Isa isa, const Conv2dShape& s, const T* x, const T* f, const T* bias, Activation act, T* y) {
  const WinogradTiles g = winograd_tiles(s);
  const int64_t tiles = g.count(), cin = s.in_c, cout = s.out_c;
  if (tiles == 0 || cout == 0) return;
  const WinogradTransforms tr = winograd_transforms(isa);
  const std::vector<PackedMatrix<T>> packed = packed_filter(isa, s, f, false);
  const int64_t mr = gemm_blocking(isa, sizeof(T) == 8, cout).mr;
  const int64_t per_tile = kPoints * (cin + cout) * static_cast<int64_t>(sizeof(T));
  const int64_t block = std::max<int64_t>(mr, static_cast<int64_t>(kBlockBytes) / per_tile / mr * mr);
  parallel_for(ceil_div(tiles, block), [&](int64_t b) {
    const int64_t t0 = b * block, t1 = std::min(tiles, t0 + block), n = t1 - t0;
    T* v = scratch<T>(ScratchSlot::Columns, n * kPoints * cin);
    T* m = scratch<T>(ScratchSlot::Product, n * kPoints * cout);
    tr.input(dtype_of<T>(), g, x, t0, t1, v, n * cin);
    for (int64_t k = 0; k < kPoints; ++k)
      Blas<T>::gemm_packed(isa, n, v + k * n * cin, cin, packed[static_cast<size_t>(k)], m + k * n * cout, cout);
    tr.output(dtype_of<T>(), g, m, n * cout, t0, t1, bias, act, y);
  });
}

// The backward's tasks and steps, fixed by the shape (the same for either gradient alone or
// both): `groups` groups of whole rows of tiles, each run in chunks of `chunk` tiles;
// per_tile the bytes of a tile's transformed x and dy.
struct BackwardPlan {
  int64_t tile_rows, groups, chunk, per_tile;
};

BackwardPlan backward_plan(const Conv2dShape& s, size_t elem) {
  const WinogradTiles g = winograd_tiles(s);
  const int64_t per_tile = kPoints * (s.in_c + s.out_c) * static_cast<int64_t>(elem);
  const int64_t most = std::clamp<int64_t>(static_cast<int64_t>(kFilterChunkBytes) / per_tile, 8, kFilterChunkTiles);
  const int64_t tile_rows = g.batch * g.rows;
  const int64_t groups = std::max<int64_t>(
      1, std::min(tile_rows, conv_detail::filter_groups(conv_detail::balanced_chunks(ceil_div(g.count(), most)),
                                                         kPoints * s.in_c * s.out_c, elem)));
  const int64_t group_tiles = ceil_div(tile_rows, groups) * g.cols;
  return {tile_rows, groups, ceil_div(group_tiles, std::max<int64_t>(1, ceil_div(group_tiles, most))), per_tile};
}

// Both gradients, or either (a null dx or df), over the same tiles: per chunk the gradient
// transform z = A dy Aᵀ, then for df the input transform v = Bᵀ x B and 16 GEMMs zᵀ · v, and
// for dx, by blocks of the chunk, 16 GEMMs z · uᵀ (u the transformed filter) and the
// adjoint of the input transform, B m Bᵀ, added into dx's patches: the transposed identity,
// so dx shares z with df instead of transforming dy's own patches. Tasks are groups of whole
// rows of tiles, fixed by the shape; a group's first row, where it starts inside an image,
// overlaps the previous group's last in two rows of dx, which it writes aside and which are
// added after the tasks (each group's to rows of its own).
template <typename T>
void backward(Isa isa, const Conv2dShape& s, const T* x, const T* dy, const T* f, T* dx, T* df) {
  const WinogradTiles g = winograd_tiles(s);
  const int64_t tiles = g.count(), cin = s.in_c, cout = s.out_c, msize = kPoints * cin * cout;
  if (cin == 0 || cout == 0) return;
  if (tiles == 0) {
    if (df) std::fill(df, df + 9 * cin * cout, T(0));
    if (dx) std::fill(dx, dx + g.batch * g.in_h * g.in_w * cin, T(0));
    return;
  }
  const WinogradTransforms tr = winograd_transforms(isa);
  const BackwardPlan plan = backward_plan(s, sizeof(T));
  const int64_t tile_rows = plan.tile_rows, groups = plan.groups, chunk = plan.chunk;
  std::vector<T> sums(df ? static_cast<size_t>(groups * msize) : 0);
  // dx: each point's transformed filter packed as uᵀ; blocks of the forward's size; the
  // groups' first rows of dx, written aside.
  std::vector<PackedMatrix<T>> packed;
  int64_t block = 0;
  const int64_t side_size = 2 * g.in_w * cin;
  std::vector<T> side(dx ? static_cast<size_t>(groups * side_size) : 0);
  if (dx) {
    packed = packed_filter(isa, s, f, true);
    const int64_t mr = gemm_blocking(isa, sizeof(T) == 8, cin).mr;
    block = std::max<int64_t>(mr, static_cast<int64_t>(kBlockBytes) / plan.per_tile / mr * mr);
  }
  parallel_for(groups, [&](int64_t grp) {
    const int64_t r0 = tile_rows * grp / groups, r1 = tile_rows * (grp + 1) / groups;
    const int64_t side_row = dx && r0 % g.rows != 0 ? r0 : -1;
    T* const aside = side_row >= 0 ? side.data() + grp * side_size : nullptr;
    T* const out = df ? sums.data() + grp * msize : nullptr;
    T* const z = scratch<T>(ScratchSlot::Product, chunk * kPoints * cout);
    T* const v = df ? scratch<T>(ScratchSlot::Columns, chunk * kPoints * cin) : nullptr;
    T* const m = dx ? scratch<T>(ScratchSlot::Gradient, block * kPoints * cin) : nullptr;
    bool first = true;
    for (int64_t t0 = r0 * g.cols; t0 < r1 * g.cols; t0 += chunk) {
      const int64_t t1 = std::min(r1 * g.cols, t0 + chunk), n = t1 - t0;
      tr.gradient(dtype_of<T>(), g, dy, t0, t1, z, n * cout);
      if (df) {
        tr.input(dtype_of<T>(), g, x, t0, t1, v, n * cin);
        for (int64_t k = 0; k < kPoints; ++k)
          Blas<T>::gemm(isa, true, false, cout, cin, n, z + k * n * cout, cout, v + k * n * cin, cin,
                        first ? T(0) : T(1), out + k * cout * cin, cin);
        first = false;
      }
      if (dx)
        for (int64_t b0 = 0; b0 < n; b0 += block) {
          const int64_t nb = std::min(block, n - b0);
          for (int64_t k = 0; k < kPoints; ++k)
            Blas<T>::gemm_packed(isa, nb, z + k * n * cout + b0 * cout, cout, packed[static_cast<size_t>(k)],
                                 m + k * nb * cin, cin);
          tr.adjoint(dtype_of<T>(), g, m, nb * cin, t0 + b0, t0 + b0 + nb, side_row, aside, dx);
        }
    }
    if (df && first) std::fill(out, out + msize, T(0));
  });
  if (dx)
    parallel_for(groups, [&](int64_t grp) {
      const int64_t r0 = tile_rows * grp / groups;
      if (r0 % g.rows == 0) return;
      const int64_t image = r0 / g.rows, top = r0 % g.rows * 2 - g.pad_top;
      for (int64_t a = 0; a < 2; ++a) {
        if (top + a < 0 || top + a >= g.in_h) continue;
        T* row = dx + (image * g.in_h + top + a) * g.in_w * cin;
        const T* add = side.data() + grp * side_size + a * g.in_w * cin;
        for (int64_t e = 0; e < g.in_w * cin; ++e) row[e] += add[e];
      }
    });
  if (df) {
    if (groups > 1) conv_detail::add_partials(sums.data(), sums.data() + msize, groups, msize);
    untransform_filter_gradient(s, sums.data(), df);
  }
}

}  // namespace

WinogradTiles winograd_tiles(const Conv2dShape& s) {
  const Window2d& w = s.win;
  return {s.batch, w.in_h,    w.in_w,    s.in_c, w.out_h, w.out_w, s.out_c, w.pad_top, w.pad_left, (w.out_h + 1) / 2,
          (w.out_w + 1) / 2};
}

namespace {

bool winograd_geometry(const Conv2dShape& s) {
  const Window2d& w = s.win;
  return w.kh == 3 && w.kw == 3 && w.stride_h == 1 && w.stride_w == 1 && w.dilation_h == 1 && w.dilation_w == 1;
}

}  // namespace

bool conv2d_winograd_forward_applies(Isa isa, const Conv2dShape& s) {
  const int64_t least = gemm_resolve_isa(isa) == Isa::Avx2 ? kMinForwardChannelsAvx2 : kMinChannels;
  return winograd_geometry(s) && s.in_c >= least && s.out_c >= least && winograd_tiles(s).count() >= kMinTiles;
}

bool conv2d_winograd_filter_applies(Isa isa, const Conv2dShape& s) {
  return winograd_geometry(s) && s.in_c >= kMinChannels && s.out_c >= kMinChannels &&
         winograd_tiles(s).count() >= kMinTiles;
}

namespace {

// Where the input gradient alone takes F(4×4, 3×3) (conv2d.cpp runs it on dy with the
// flipped filter, conv2d_input_gradient_as_conv, unless it finds GEMM + col2im cheaper for a
// 'valid' layer on a small image), the two passes win from about 20M pixel-channel pairs
// (batch·out_h·out_w·in_c·out_c). Two passes against one, AVX-512, 2 threads: 128 → 128 at
// batch 8, 28×28 8.9 against 10.4 ms and 20×20 5.1 against 5.5; 64 → 128 at batch 4, 28×28
// (26M) 2.38 against 2.57; but at batch 1, 28×28, 128 → 128 (13M) 1.75 against 1.51 and
// 64 → 128 (6M) 0.88 against 0.79. On 1 thread the two passes were as fast or faster
// throughout (batch 1, 28×28, 128 → 128: 2.5 against 3.1 ms).
constexpr double kFusedMostWithWinograd4 = 20 * 1048576.0;

bool input_gradient_takes_winograd4(Isa isa, DType dtype, const Conv2dShape& s) {
  Conv2dShape t;
  return conv2d_input_gradient_as_conv(s, &t) && conv2d_winograd4_applies(isa, dtype, t);
}

}  // namespace

// Both gradients in one pass share the gradient transform, replace the input gradient's
// transform of dy's patches (out_c channels) and its output transform (in_c) by the adjoint
// (in_c), and lose where in_c exceeds out_c. Batch 32, 1 thread, AVX-512, forward + both
// against the two passes, alternated processes: 28×28×32 → 64 1.85-1.87 against 1.95-2.00
// forwards, 14×14×128 → 128 2.21-2.32 against 2.30-2.44, 56×56×64 → 64 2.00-2.02 against
// 2.03-2.06, 28×28×64 → 32 2.09-2.11 against 2.06-2.08. The input gradient alone keeps the
// forward's form (56×56×64 → 64: 37.3 against 40.2-40.5 ms through the adjoint).
// A single group (one chunk of tiles, e.g. batch 1 at 28×28) would run both gradients on
// one thread where the input gradient alone has a task per block: 28×28×32 → 64 at batch 1,
// 2 threads, 0.36-0.41 ms against 0.31 for the two passes (forcing 2 groups there gave 0.24
// on 2 threads but 0.39-0.41 against 0.30-0.35 ms on 1).
bool conv2d_winograd_backward_applies(Isa isa, DType dtype, const Conv2dShape& s) {
  if (!conv2d_winograd_forward_applies(isa, s) || !conv2d_winograd_filter_applies(isa, s) || s.in_c > s.out_c ||
      backward_plan(s, dtype_size(dtype)).groups < 2 || conv2d_winograd_filter4_applies(isa, dtype, s))
    return false;
  const double work = double(s.batch * s.win.out_h * s.win.out_w) * double(s.in_c) * double(s.out_c);
  return work < kFusedMostWithWinograd4 || !input_gradient_takes_winograd4(isa, dtype, s);
}

void conv2d_winograd_forward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter,
                             const void* bias, Activation act, void* y) {
  if (dtype == DType::Float32)
    forward(isa, s, static_cast<const float*>(x), static_cast<const float*>(filter), static_cast<const float*>(bias),
            act, static_cast<float*>(y));
  else if (dtype == DType::Float64)
    forward(isa, s, static_cast<const double*>(x), static_cast<const double*>(filter),
            static_cast<const double*>(bias), act, static_cast<double*>(y));
}

void conv2d_winograd_backward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                              const void* filter, void* dx, void* dfilter) {
  if (dtype == DType::Float32)
    backward(isa, s, static_cast<const float*>(x), static_cast<const float*>(dy), static_cast<const float*>(filter),
             static_cast<float*>(dx), static_cast<float*>(dfilter));
  else if (dtype == DType::Float64)
    backward(isa, s, static_cast<const double*>(x), static_cast<const double*>(dy),
             static_cast<const double*>(filter), static_cast<double*>(dx), static_cast<double*>(dfilter));
}

}  // namespace ng
