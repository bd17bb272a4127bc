// Convolution drivers. With m = batch·out_h·out_w output pixels, k = kh·kw·in_c and
// n = out_c, the GEMM view is y [m, n] = col [m, k] · f [k, n], col being the receptive
// fields (im2col), built in bounded tiles of rows. The paths:
//   forward    1×1 stride-1 unpadded: one GEMM over the image itself (no columns);
//              few channels in and out: the direct kernel (conv2d_direct.h);
//              few out channels: yᵀ = fᵀ · colᵀ per tile (the pixels fill the register tile);
//              3×3 stride 1, enough channels and pixels: Winograd F(2×2, 3×3) (winograd.h);
//              else an indirect GEMM against the filter packed once: no columns, the GEMM
//              reads each pixel's receptive field through pointers (bias, activation fused).
//   dx         1×1: dy · fᵀ; few channels and a batch of two vectors of images or more: each
//              dx pixel summing only its own taps, vectorised over images (conv2d_direct.h);
//              stride 1: itself a convolution of dy with the flipped filter
//              (forward paths above, no scatter; for 3×3 with 64 channels of dy or more,
//              over 4×4 tiles, F(4×4, 3×3): winograd.h), or where that GEMM would have
//              only in_c (≤ 8) columns, dot products over out_c (conv2d_direct.h); else
//              dcol = dy · fᵀ per tile, then col2im.
//   dfilter    few channels: the direct kernel (over images, or over a row's pixels for a
//              batch smaller than a vector; over images also for ≤ 4 in and ≤ 32 out on
//              AVX-512); few out channels: dfᵀ = Σ dyᵀ · col; 3×3 stride 1, enough channels
//              and pixels: Winograd over 4×4 tiles of dy, F(3×3, 4×4), where they cover the
//              output with little waste and are many, else F(3×3, 2×2) (winograd.h); up to
//              a few register-tile panels of out channels: df = Σ_chunks Aᵀ · dy with A read
//              through the forward's pointers (no columns); else df = Σ_tiles colᵀ · dy.
//   both       1×1 (dx and dfilter in one call): both GEMMs tile by tile over dy, read once;
//              3×3 stride 1 Winograd with in_c ≤ out_c, tiles for two task groups, no
//              F(3×3, 4×4) filter gradient and, from 20M pixel-channel pairs, no F(4×4, 3×3)
//              input gradient: one pass sharing the transformed dy (winograd.h); else the
//              two passes.
//
// Threads, with results that never depend on their number: forward tiles are independent
// tasks whose every output element sees the same GEMM operations (the GEMM never splits k);
// the scatter form of dx runs one task per image, each adding into its own slice in a fixed
// order; the indirect df and the im2col df sum fixed chunks (tiles) in order, in up to
// kFilterGroups fixed groups (partials added in group order); the im2col df, with one group,
// with the GEMM threaded over df.
#include "conv2d.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "../../runtime/checks.h"
#include "../../runtime/cpu_cache.h"
#include "../../runtime/thread_pool.h"
#include "conv2d_direct.h"
#include "im2col.h"
#include "conv_gemm.h"
#include "partials.h"
#include "winograd.h"

namespace ng {
namespace conv_detail {
namespace {

// Columns of one im2col task (forward with few out channels, strided input gradient): about
// a third of a core's L2, so the GEMM reads them while they are still cached.
constexpr size_t kTileBytes = size_t(160) << 10;
// Output pixels per task of the indirect forward GEMM (rounded to the register tile's rows).
constexpr int64_t kIndirectRows = 144;
// The filter gradient without columns (an indirect GEMM over chunks of this many pixels)
// where df has at most this many column panels of the GEMM's register tile. AVX2 (4 panels:
// out_c ≤ 64): the indirect form measured 1.5x (LeNet's 14×14×6 → 16) to 1.05x (3×3, 64 → 64)
// faster, and with out_c 128 or 256 the GEMM on im2col tiles (which packs them) 6-20% faster.
// SIMD128 (NR 8; 16 panels: out_c ≤ 128): the indirect form 11-19% faster at out_c 64 and
// 8-14% at 128, equal at 256.
constexpr int64_t kFilterChunk = 1024;
constexpr int64_t kIndirectFilterMaxPanels = 4;
constexpr int64_t kIndirectFilterMaxPanelsSimd128 = 16;
// Columns of one filter-gradient step. Larger, because each step is one GEMM whose depth
// is the tile's row count; fixed by the shape alone (it decides the summation order).
constexpr size_t kFilterTileBytes = size_t(1) << 20;
// A 1×1 convolution's filter gradient sums xᵀ·dy over tiles of pixels whose dy takes at most
// this much, so that the GEMM reads dy in place from L2 instead of packing it.
constexpr size_t kPointwiseFilterTileBytes = size_t(512) << 10;
// Images with at most this many channels build transposed columns directly (im2col_t_rows).
constexpr int64_t kFewChannels = 4;
// Rows of im2col per parallel task in the filter gradient.
constexpr int64_t kIm2colChunk = 64;

// Where the filter gradient's gathers prefetch (see backward_filter_indirect): a third of
// the core's L2, taken as 512 KB where the system does not say.
double gather_ahead_bytes() {
  const std::size_t l2 = l2_cache_bytes();
  return double(l2 ? l2 : std::size_t(512) << 10) / 3.0;
}

inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

struct Dims {
  int64_t m, n, k;       // the GEMM view: pixels, out channels, receptive-field length
  int64_t pixels;        // out_h·out_w (rows per image)
  int64_t image;         // in_h·in_w·in_c (elements per input image)
  bool pointwise;        // the image itself is the column matrix
};

Dims dims_of(const Conv2dShape& s) {
  const Window2d& g = s.win;
  Dims d;
  d.pixels = g.out_h * g.out_w;
  d.m = s.batch * d.pixels;
  d.n = s.out_c;
  d.k = g.kh * g.kw * s.in_c;
  d.image = g.in_h * g.in_w * s.in_c;
  d.pointwise = g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 &&
                g.pad_left == 0 && g.out_h == g.in_h && g.out_w == g.in_w;
  return d;
}

// Rows of a column tile of at most `budget` bytes (at least `unit`, a multiple of it).
int64_t tile_rows(int64_t k, size_t elem, size_t budget, int64_t unit) {
  const int64_t rows = static_cast<int64_t>(budget / (static_cast<size_t>(std::max<int64_t>(k, 1)) * elem));
  return std::max<int64_t>(unit, rows / unit * unit);
}

#include "activate_all.inc"

// How the indirect GEMM reads a pixel's receptive field: `segments` runs of `run` input
// values each. A filter row's kw taps are adjacent in the image (kw·in_c values in a row)
// when dilation_w is 1 and no pixel's row overhangs the left or right border: then one
// pointer per filter row (as for 'valid' windows); otherwise one pointer per tap, in_c values.
// Output columns [lo[j], hi[j]) read the image at tap column j; the others its padding.
// With whole rows and every pixel's filter rows inside the image (no padding rows, as in
// 'valid' windows), segment i's pointers are segment 0's moved row_offset·i values on.
struct TapLayout {
  bool whole_rows, rows_inside;
  int64_t run, segments, row_offset;
  std::vector<int64_t> lo, hi;

  explicit TapLayout(const Conv2dShape& s) : lo(static_cast<size_t>(s.win.kw)), hi(static_cast<size_t>(s.win.kw)) {
    const Window2d& g = s.win;
    for (int64_t j = 0; j < g.kw; ++j) {
      const int64_t off = j * g.dilation_w - g.pad_left, top = g.in_w - 1 - off;  // 0 ≤ ow·sw + off ≤ in_w − 1
      lo[j] = std::min(g.out_w, off >= 0 ? 0 : (-off + g.stride_w - 1) / g.stride_w);
      hi[j] = std::max(lo[j], std::min(g.out_w, top < 0 ? 0 : top / g.stride_w + 1));
    }
    whole_rows = g.dilation_w == 1 && lo[0] == 0 && hi[g.kw - 1] == g.out_w;
    rows_inside = g.pad_top <= 0 && (g.out_h - 1) * g.stride_h - g.pad_top + (g.kh - 1) * g.dilation_h < g.in_h;
    run = whole_rows ? g.kw * s.in_c : s.in_c;
    segments = whole_rows ? g.kh : g.kh * g.kw;
    row_offset = g.dilation_h * g.in_w * s.in_c;
  }
};

// For output pixels [p0, p1): out[p − p0] = the address of the `run` input values that
// segment `seg` (filter row i, or tap i·kw + j) of pixel p reads, or `zeros` where it falls in
// the padding. Built over runs of pixels in one output row, where the address advances by
// stride_w·in_c from pixel to pixel.
template <typename T>
void segment_pointers(const Conv2dShape& s, const TapLayout& tl, const T* x, const T* zeros, int64_t seg,
                      int64_t p0, int64_t p1, const T** out) {
  const Window2d& g = s.win;
  const int64_t c = s.in_c, step = g.stride_w * c;
  const int64_t i = tl.whole_rows ? seg : seg / g.kw, j = tl.whole_rows ? 0 : seg % g.kw;
  if (p0 >= p1) return;
  // The pixel's image, row and column, advanced row by row (no divisions per row).
  const int64_t plane = g.out_h * g.out_w;
  int64_t img = p0 / plane, oh = p0 % plane / g.out_w, ow0 = p0 % g.out_w;
  for (int64_t p = p0; p < p1;) {
    const int64_t len = std::min(g.out_w - ow0, p1 - p);
    const int64_t ih = oh * g.stride_h - g.pad_top + i * g.dilation_h;
    const bool row_in = ih >= 0 && ih < g.in_h;
    const int64_t lo = row_in ? std::clamp(tl.lo[j] - ow0, int64_t(0), len) : len;
    const int64_t hi = row_in ? std::clamp(tl.hi[j] - ow0, lo, len) : len;
    const T** o = out + (p - p0);
    for (int64_t q = 0; q < lo; ++q) o[q] = zeros;
    if (lo < hi) {
      const T* first =
          x + (img * g.in_h * g.in_w + ih * g.in_w + (ow0 + lo) * g.stride_w + j * g.dilation_w - g.pad_left) * c;
      for (int64_t q = lo; q < hi; ++q) o[q] = first + (q - lo) * step;
    }
    for (int64_t q = hi; q < len; ++q) o[q] = zeros;
    p += len;
    ow0 = 0;
    if (++oh == g.out_h) {
      oh = 0;
      ++img;
    }
  }
}

// Every segment's pointers for output pixels [p0, p1): ptrs[segment · (p1 − p0) + (p − p0)].
template <typename T>
void tap_pointers(const Conv2dShape& s, const TapLayout& tl, const T* x, const T* zeros, int64_t p0, int64_t p1,
                  const T** ptrs) {
  for (int64_t seg = 0; seg < tl.segments; ++seg)
    segment_pointers(s, tl, x, zeros, seg, p0, p1, ptrs + seg * (p1 - p0));
}

template <typename T>
void forward(Isa isa, const Conv2dShape& s, const T* x, const T* f, const T* bias, Activation act, T* y) {
  const Dims d = dims_of(s);
  if (d.m == 0 || d.n == 0) return;
  GemmEpilogue<T> ep;
  ep.bias = bias;
  ep.act = act;
  if (d.k == 0 || d.pointwise) {
    Blas<T>::gemm(isa, false, false, d.m, d.n, d.k, x, std::max<int64_t>(d.k, 1), f, d.n, T(0), y, d.n, ep);
    return;
  }
  if (conv2d_direct_applies(s)) {
    conv2d_direct_forward(isa, dtype_of<T>(), s, x, f, bias, act, y);
    return;
  }
  const GemmBlocking blocking = gemm_blocking(isa, sizeof(T) == 8, d.n);
  if (d.n * 2 <= blocking.nr) {
    // Few output channels would fill a fraction of the GEMM's register tile (NR columns):
    // compute yᵀ = fᵀ · colᵀ instead, where the pixels fill it, then transpose into y.
    // Images with few channels build colᵀ directly (long runs); others transpose im2col's
    // rows while the GEMM packs them.
    const bool direct_t = s.in_c <= kFewChannels;
    const int64_t rows = tile_rows(d.k, sizeof(T), kTileBytes, blocking.mr);
    parallel_for(ceil_div(d.m, rows), [&](int64_t t) {
      const int64_t p0 = t * rows, p1 = std::min(d.m, p0 + rows), r = p1 - p0;
      T* col = scratch<T>(ScratchSlot::Columns, r * d.k);
      T* yt = scratch<T>(ScratchSlot::Product, r * d.n);
      if (direct_t) {
        im2col_t_rows(s, x, p0, p1, col, r);
        Blas<T>::gemm(isa, true, false, d.n, r, d.k, f, d.n, col, r, T(0), yt, r);
      } else {
        im2col_rows(s, x, p0, p1, col, d.k);
        Blas<T>::gemm(isa, true, true, d.n, r, d.k, f, d.n, col, d.k, T(0), yt, r);
      }
      T* out = y + p0 * d.n;
      for (int64_t p = 0; p < r; ++p)
        for (int64_t o = 0; o < d.n; ++o) out[p * d.n + o] = yt[o * r + p] + (bias ? bias[o] : T(0));
      activate_all(out, r * d.n, act);
    });
    return;
  }
  // 3×3 stride 1: Winograd F(2×2, 3×3) (winograd.h), 2.25× fewer multiply-adds. Batch 32, 1
  // thread, AVX-512 (Zen 4): 28×28×32 → 64 'same' 8.7 → 5.6 ms, 56×56×64 → 64 69 → 39 ms.
  if (conv2d_winograd_forward_applies(isa, s)) {
    conv2d_winograd_forward(isa, dtype_of<T>(), s, x, f, bias, act, y);
    return;
  }
  // No columns: the GEMM reads each pixel's receptive field through one pointer per filter
  // row or tap (an indirect GEMM). Measured against im2col + GEMM on 1 core: LeNet's 14×14×6
  // 5×5→16 50 → 69 GFLOP/s, 3×3 'same' layers +5-15%, 3 input channels +5%.
  const PackedMatrix<T> packed(isa, false, d.k, d.n, f, d.n);
  const TapLayout tl(s);
  const std::vector<T> zeros(static_cast<size_t>(tl.run), T(0));
  const int64_t rows_per_task = std::max<int64_t>(blocking.mr, kIndirectRows / blocking.mr * blocking.mr);
  parallel_for(ceil_div(d.m, rows_per_task), [&](int64_t t) {
    const int64_t p0 = t * rows_per_task, p1 = std::min(d.m, p0 + rows_per_task);
    const T** ptrs = scratch<const T*>(ScratchSlot::Pointers, (p1 - p0) * tl.segments);
    tap_pointers(s, tl, x, zeros.data(), p0, p1, ptrs);
    Blas<T>::gemm_indirect(p1 - p0, tl.run, ptrs, p1 - p0, packed, y + p0 * d.n, d.n, ep);
  });
}

// With stride 1 the input gradient is itself a convolution, of dy with the filter flipped in
// space and transposed in channels, f'[i, j, o, c] = f[kh−1−i, kw−1−j, c, o], padded by
// (k−1)·d − pad before:
//   dx[n, h, w, c] = Σ_{i, j, o} dy[n, h − pt' + i·dh, w − pl' + j·dw, o] · f'[i, j, o, c].
// Returns false (nothing done) when the geometry does not allow it.
template <typename T>
bool backward_input_as_conv(Isa isa, const Conv2dShape& s, const T* dy, const T* f, T* dx) {
  const Window2d& g = s.win;
  Conv2dShape t;
  if (!conv2d_input_gradient_as_conv(s, &t)) return false;
  // The convolution of dy covers the whole input, padding included: worth it when that is
  // not much more work than the direct form ('same' padding), or when it runs on the direct
  // small-channel kernel, which is several times faster than GEMM + col2im there. That
  // kernel skips the padding rows, so on AVX2 and AVX-512 only the width counts (float32,
  // LeNet's 14×14×6 5×5 'valid' → 16 on AVX2: 0.53 → 0.44 ms; at 10 → 6 columns it was 1.6x
  // slower). With wasm's 4-lane vectors GEMM + col2im stayed faster there (1.19 vs 1.44 ms).
  const bool direct = conv2d_direct_applies(t);
  const int64_t in_area = g.in_h * g.in_w, out_area = g.out_h * g.out_w;
  const bool wide = isa == Isa::Avx2 || isa == Isa::Avx512;
  if (direct ? (wide ? g.in_w * 2 > g.out_w * 3 : in_area * 2 > out_area * 3) : in_area * 4 > out_area * 5)
    return false;
  // That convolution's GEMM would fill at most half of its register tile's columns (in_c of
  // nr): dot products over out_c instead. On AVX2 (nr 16) 1.2-6x faster for in_c 1-8 at out_c
  // 16-64; on wasm (nr 8) 2-6x for in_c 1-3, but 3x slower at in_c 8. The direct kernel and
  // GEMM + col2im, where they run, measured as fast or faster. A form vectorised over the
  // width instead (dy copied into zero-padded planes, each tap one shifted row load per
  // multiply-add) ran at 0.92-1.21x the speed of these paths on ten such shapes on AVX2
  // (LeNet's 14×14×6 → 16 0.43 → 0.37 ms, 28×28×1 → 6 0.34 → 0.31): load-bound at one
  // load per multiply-add, plus the copy, so it was not kept.
  if (!direct && s.in_c <= kDxMaxInC && 2 * s.in_c <= gemm_blocking(isa, sizeof(T) == 8, s.in_c).nr &&
      conv2d_direct_backward_input(isa, dtype_of<T>(), s, dy, f, dx))
    return true;
  const int64_t taps = g.kh * g.kw, cin = s.in_c, cout = s.out_c;
  T* flipped = scratch<T>(ScratchSlot::Filter, taps * cin * cout);
  for (int64_t tap = 0; tap < taps; ++tap)
    transpose(cin, cout, f + (taps - 1 - tap) * cin * cout, cout, flipped + tap * cout * cin, cin);
  // 3×3: over 4×4 tiles of dx where it applies (winograd.h). Batch 32, 1 thread, against
  // F(2×2, 3×3): AVX-512 28×28×32 → 64 5.3 → 3.8-4.0 ms, 56×56×64 → 64 36 → 25 ms; AVX2
  // 6.1 → 4.2-4.5 and 42 → 28 ms; SSE2 52 → 31 and 414 → 251 ms.
  if (conv2d_winograd4_applies(isa, dtype_of<T>(), t))
    conv2d_winograd4(isa, dtype_of<T>(), t, dy, flipped, dx);
  else
    forward(isa, t, dy, flipped, static_cast<const T*>(nullptr), Activation::None, dx);
  trim_thread_scratch(ScratchSlot::Filter, kFilterTileBytes);
  return true;
}

template <typename T>
void backward_input(Isa isa, const Conv2dShape& s, const T* dy, const T* f, T* dx) {
  const Dims d = dims_of(s);
  if (d.m == 0 || d.n == 0 || d.k == 0) {
    std::fill(dx, dx + s.batch * d.image, T(0));
    return;
  }
  if (d.pointwise) {
    Blas<T>::gemm(isa, false, true, d.m, d.k, d.n, dy, d.n, f, d.n, T(0), dx, d.k);
    return;
  }
  // Few channels: vectorised over images (conv2d_direct.h), where that form takes the shape.
  if (conv2d_direct_backward_input_batched(isa, dtype_of<T>(), s, dy, f, dx)) return;
  if (backward_input_as_conv(isa, s, dy, f, dx)) return;
  // Strided: dcol = dy · fᵀ per tile, scattered back by col2im. One task per image, which
  // owns that image's dx and adds into it in a fixed order.
  const PackedMatrix<T> packed(isa, true, d.n, d.k, f, d.n);  // op(B) = fᵀ, n × k
  const int64_t rows = tile_rows(d.k, sizeof(T), kTileBytes, gemm_blocking(isa, sizeof(T) == 8).mr);
  parallel_for(s.batch, [&](int64_t b) {
    std::fill(dx + b * d.image, dx + (b + 1) * d.image, T(0));
    for (int64_t q = 0; q < d.pixels; q += rows) {
      const int64_t p0 = b * d.pixels + q, p1 = p0 + std::min(rows, d.pixels - q);
      T* col = scratch<T>(ScratchSlot::Columns, (p1 - p0) * d.k);
      Blas<T>::gemm_packed(isa, p1 - p0, dy + p0 * d.n, d.n, packed, col, d.k);
      col2im_rows(s, col, d.k, p0, p1, dx);
    }
  });
}

// Rows of one filter-gradient tile: a 1×1 convolution's sized by its dy (read in place by
// the GEMM from L2), others by their im2col columns.
int64_t filter_tile_rows(const Dims& d, size_t elem) {
  return d.pointwise ? tile_rows(d.n, elem, kPointwiseFilterTileBytes, 8) : tile_rows(d.k, elem, kFilterTileBytes, 8);
}

// The im2col (and 1×1) filter gradient's reduction: `tiles` tiles of `tile` rows (a multiple
// of 8, the last one shorter), a whole number per group, summed in `groups` groups. A
// function of the shape alone: it fixes the summation order.
struct FilterTiles {
  int64_t tile, tiles, groups;
};

FilterTiles filter_tiles(const Dims& d, size_t elem) {
  FilterTiles ft;
  ft.tile = round_up(ceil_div(d.m, balanced_chunks(ceil_div(d.m, filter_tile_rows(d, elem)))), 8);
  ft.tiles = ceil_div(d.m, ft.tile);
  ft.groups = filter_groups(ft.tiles, d.k * d.n, elem);
  return ft;
}

// Few output channels: dfᵀ [n, k] = Σ_tiles dy_tᵀ · col_t, so that the long receptive-field
// dimension k fills the GEMM's register tile; transposed into df at the end. Images with few
// channels build colᵀ directly (long runs), read back transposed by the GEMM.
template <typename T>
void backward_filter_few_outputs(Isa isa, const Conv2dShape& s, const T* x, const T* dy, T* df, int64_t rows) {
  const Dims d = dims_of(s);
  const bool direct_t = s.in_c <= kFewChannels;
  T* col = scratch<T>(ScratchSlot::Reduction, std::min(rows, d.m) * d.k);
  T* dft = scratch<T>(ScratchSlot::Filter, d.n * d.k);
  for (int64_t p0 = 0; p0 < d.m; p0 += rows) {
    const int64_t p1 = std::min(d.m, p0 + rows), r = p1 - p0;
    parallel_for(ceil_div(r, kIm2colChunk), [&](int64_t c) {
      const int64_t q0 = p0 + c * kIm2colChunk, q1 = std::min(p1, q0 + kIm2colChunk);
      if (direct_t)
        im2col_t_rows(s, x, q0, q1, col + (q0 - p0), r);
      else
        im2col_rows(s, x, q0, q1, col + (q0 - p0) * d.k, d.k);
    });
    const T beta = p0 == 0 ? T(0) : T(1);
    if (direct_t)
      Blas<T>::gemm(isa, true, true, d.n, d.k, r, dy + p0 * d.n, d.n, col, r, beta, dft, d.k);
    else
      Blas<T>::gemm(isa, true, false, d.n, d.k, r, dy + p0 * d.n, d.n, col, d.k, beta, dft, d.k);
  }
  transpose(d.n, d.k, dft, d.k, df, d.n);
  trim_thread_scratch(ScratchSlot::Filter, kFilterTileBytes);
}

// df [segments·run, n] = Σ_chunks Aᵀ · dy over fixed chunks of pixels, A read through the
// forward's segment pointers (no columns). The chunks fall into up to kFilterGroups
// consecutive groups (a function of the shape alone); each group is one task that sums its
// chunks in order into its own partial (packing its chunks of dy and building their pointer
// tables itself), then df = partial 0 + partial 1 + … in group order. Threads thus share no
// data but x and dy. Against one threaded GEMM per chunk (every thread computing a band of
// df from a shared packed dy and pointer table), on 2 threads (Zen 3): 56×56×64 3×3 → 64
// 52.8 → 43.6 ms, 28×28×32 3×3 → 64 6.71 → 5.30 ms, LeNet's 14×14×6 → 16 0.161 → 0.123 ms;
// threads reading the same x and dy at the same moment had slowed each other's kernels by
// about 15%, whichever way the rows were shared out. 1 thread: the same.
// Measured and not built: the roles swapped, dfᵀ = dyᵀ · A with dy packed (six out channels
// broadcast per pixel) and 16 channels of a tap loaded as vectors through the pointers
// (whole cache lines of x instead of 6 values of each). Bitwise the same sums; its kernel
// took 10% less time on 56×56×64 3×3 → 64 but the whole pass was only 2-5% faster there,
// and 3% slower on 28×28×32 (Zen 3, 1 thread; prefetching through the pointers: no gain).
template <typename T>
void backward_filter_indirect(Isa isa, const Conv2dShape& s, const T* x, const T* dy, T* df) {
  const Dims d = dims_of(s);
  const TapLayout tl(s);
  const std::vector<T> zeros(static_cast<size_t>(tl.run), T(0));
  // Chunks of equal size, at most kFilterChunk: LeNet's 3200 pixels as 1024 + 1024 + 1024 + 128
  // gave one of 2 threads 2048 pixels to sum and the other 1152 (0.125 -> 0.107 ms).
  const int64_t chunks = balanced_chunks(ceil_div(d.m, kFilterChunk)), chunk = ceil_div(d.m, chunks);
  const int64_t fsize = d.k * d.n, groups = filter_groups(chunks, fsize, sizeof(T));
  T* partial = groups > 1 ? scratch<T>(ScratchSlot::Reduction, (groups - 1) * fsize) : nullptr;
  // A segment's values in a chunk (its x footprint: consecutive pixels' whole-row runs
  // overlap, each advancing by stride_w·in_c) beyond about a third of a core's L2 come from
  // further out: then prefetch through the pointers. Zen 3 (512 KB L2): 9-11% faster on a
  // 56×56×64 3×3 'same' layer (256 KB per segment and chunk), 4-8% slower where they fit
  // (28×28×32 3×3: 128 KB; LeNet's 14×14×6: 19 KB). A Xeon with 2 MB of L2, where the same
  // 256 KB fit: on that layer, 1.09 -> 1.02 times the forward pass's time without prefetching
  // (alternated in one process); 'valid', 1.09 -> 1.02 too.
  const double footprint = double(chunk) * double(std::min(tl.run, s.win.stride_w * s.in_c)) * sizeof(T);
  const bool prefetch = footprint > gather_ahead_bytes();
  const size_t packed = Blas<T>::indirect_t_packed_size(isa, chunk, d.n);
  // One set of pointers for all filter rows where they are shifts of one another (LeNet's
  // 14×14×6 5×5 → 16, batch 32, 1 thread: building them took 7% of the pass).
  const bool shared = tl.whole_rows && tl.rows_inside;
  const int64_t sets = shared ? 1 : tl.segments;
  parallel_for(groups, [&](int64_t grp) {
    T* out = grp == 0 ? df : partial + (grp - 1) * fsize;
    T* bp = scratch<T>(ScratchSlot::Columns, static_cast<int64_t>(packed));
    const T** ptrs = scratch<const T*>(ScratchSlot::Pointers, sets * chunk + kIndirectPtrSlack);
    const int64_t c0 = chunks * grp / groups, c1 = chunks * (grp + 1) / groups;
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t p0 = c * chunk, p1 = std::min(d.m, p0 + chunk), k = p1 - p0;
      const T* b = Blas<T>::indirect_t_packed(isa, k, d.n, dy + p0 * d.n, bp);
      for (int64_t seg = 0; seg < sets; ++seg) segment_pointers(s, tl, x, zeros.data(), seg, p0, p1, ptrs + seg * k);
      for (int64_t seg = 0; seg < tl.segments; ++seg)
        Blas<T>::gemm_indirect_t_rows(isa, tl.run, k, shared ? ptrs : ptrs + seg * k, shared ? seg * tl.row_offset : 0,
                                      b, d.n, c == c0 ? T(0) : T(1), out + seg * tl.run * d.n, prefetch);
    }
  });
  if (groups > 1) add_partials(df, partial, groups, fsize);
  trim_thread_scratch(ScratchSlot::Reduction, kFilterTileBytes);
}

// df = Σ_tiles col_tᵀ · dy_t over tiles of a fixed number of rows. The tiles fall into up to
// kFilterGroups consecutive groups (a function of the shape alone); each group is one task
// that sums its tiles in order into its own partial, then df = partial 0 + partial 1 + … in
// group order. With a single group, the GEMMs are threaded over df instead (never over
// their depth).
template <typename T>
void backward_filter(Isa isa, const Conv2dShape& s, const T* x, const T* dy, T* df) {
  const Dims d = dims_of(s);
  if (d.k == 0 || d.n == 0) return;
  if (d.m == 0) {
    std::fill(df, df + d.k * d.n, T(0));
    return;
  }
  if (conv2d_direct_applies(s) &&
      conv2d_direct_backward_filter(isa, dtype_of<T>(), s, x, dy, df))
    return;
  const GemmBlocking blocking = gemm_blocking(isa, sizeof(T) == 8, d.n);
  if (!d.pointwise && d.n * 2 <= blocking.nr) {
    backward_filter_few_outputs(isa, s, x, dy, df, filter_tile_rows(d, sizeof(T)));
    return;
  }
  // Few input channels and up to 32 out on AVX-512: vectorised over images, in blocks of 8
  // out channels (batch 32, 1 thread: 28×28×3 5×5 'same' → 16 1.04 → 0.57 ms, 32×32×3 3×3
  // → 16 0.60 → 0.34, 28×28×3 3×3 → 32 0.56 → 0.49; but 28×28×8 3×3 → 32 0.93 → 1.12 and,
  // on AVX2, whose 16 registers hold one entry's 8 sums per dy load, 3 → 32 0.74 → 0.91).
  if (!d.pointwise && blocking.isa == Isa::Avx512 && s.in_c <= kFewChannels &&
      conv2d_direct_backward_filter_batched(isa, dtype_of<T>(), s, x, dy, df))
    return;
  // 3×3 stride 1: Winograd over 4×4 tiles of dy, F(3×3, 4×4), where it pays (winograd.h),
  // else over 2×2 tiles, F(3×3, 2×2). Batch 32, 1 thread, AVX-512 (Zen 4): 28×28×32 → 64
  // 'same' 8.7 → 5.2 (2×2 tiles) → 3.6-4.1 ms (4×4), 56×56×64 → 64 67 → 38 → 28-31 ms.
  if (conv2d_winograd_filter4_applies(isa, dtype_of<T>(), s)) {
    conv2d_winograd_filter4(isa, dtype_of<T>(), s, x, dy, df);
    return;
  }
  if (conv2d_winograd_filter_applies(isa, s)) {
    conv2d_winograd_backward(isa, dtype_of<T>(), s, x, dy, nullptr, nullptr, df);
    return;
  }
  const int64_t max_panels = blocking.isa == Isa::Simd128 ? kIndirectFilterMaxPanelsSimd128 : kIndirectFilterMaxPanels;
  if (!d.pointwise && ceil_div(d.n, blocking.nr) <= max_panels) {
    backward_filter_indirect(isa, s, x, dy, df);
    return;
  }
  const FilterTiles ft = filter_tiles(d, sizeof(T));
  const int64_t fsize = d.k * d.n, groups = ft.groups;
  T* partial = groups > 1 ? scratch<T>(ScratchSlot::Reduction, (groups - 1) * fsize) : nullptr;
  const auto run_group = [&](int64_t grp) {
    T* out = grp == 0 ? df : partial + (grp - 1) * fsize;
    const int64_t t0 = ft.tiles * grp / groups, t1 = ft.tiles * (grp + 1) / groups;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t p0 = t * ft.tile, p1 = std::min(d.m, p0 + ft.tile);
      const T* a = x + p0 * d.k;  // pointwise: the image rows are the columns
      if (!d.pointwise) {
        T* col = scratch<T>(ScratchSlot::Columns, (p1 - p0) * d.k);
        // Inside a group task this runs serially (a nested parallel_for).
        parallel_for(ceil_div(p1 - p0, kIm2colChunk), [&](int64_t c) {
          const int64_t q0 = p0 + c * kIm2colChunk, q1 = std::min(p1, q0 + kIm2colChunk);
          im2col_rows(s, x, q0, q1, col + (q0 - p0) * d.k, d.k);
        });
        a = col;
      }
      Blas<T>::gemm(isa, true, false, d.k, d.n, p1 - p0, a, d.k, dy + p0 * d.n, d.n, t == t0 ? T(0) : T(1), out, d.n);
    }
  };
  if (groups == 1) {
    run_group(0);
    return;
  }
  parallel_for(groups, run_group);
  add_partials(df, partial, groups, fsize);
  trim_thread_scratch(ScratchSlot::Reduction, kFilterTileBytes);
}

// Both gradients. A 1×1 convolution's are GEMMs over the same rows of dy: per tile of dy (at
// most kPointwiseFilterTileBytes), df += x_tᵀ · dy_t streams it from memory (that kernel
// prefetches ahead), then dx_t = dy_t · fᵀ reads it from L2, so dy is read from memory once,
// not twice: the layer is memory-bound. backward_filter's tiles, groups and summation order,
// and every dx row computed by the same GEMM operations: the results are bitwise those of the
// two passes. 56×56×64 → 128 at batch 32 (AVX-512, Node 20, alternated): 1 thread 34.4 ->
// 32.3 ms, 2 threads 16.3-16.9 -> 15.8-16.0 ms; dx before df within a tile was 8% slower on
// 1 thread. Winograd shapes with in_c ≤ out_c and enough tiles run one pass (winograd.h);
// everything else the two passes, filter first.
template <typename T>
void backward_both(Isa isa, const Conv2dShape& s, const T* x, const T* dy, const T* f, T* dx, T* df) {
  if (conv2d_winograd_backward_applies(isa, dtype_of<T>(), s)) {
    conv2d_winograd_backward(isa, dtype_of<T>(), s, x, dy, f, dx, df);
    return;
  }
  const Dims d = dims_of(s);
  const bool fused = d.pointwise && d.m > 0 && d.n > 0 && d.k > 0 && !conv2d_direct_applies(s);
  const FilterTiles ft = fused ? filter_tiles(d, sizeof(T)) : FilterTiles{};
  if (!fused || ft.groups < 2) {
    backward_filter(isa, s, x, dy, df);
    backward_input(isa, s, dy, f, dx);
    return;
  }
  const int64_t fsize = d.k * d.n;
  T* partial = scratch<T>(ScratchSlot::Reduction, (ft.groups - 1) * fsize);
  const PackedMatrix<T> ft_packed(isa, true, d.n, d.k, f, d.n);  // op(B) = fᵀ, out_c × in_c
  parallel_for(ft.groups, [&](int64_t grp) {
    T* out = grp == 0 ? df : partial + (grp - 1) * fsize;
    const int64_t t0 = ft.tiles * grp / ft.groups, t1 = ft.tiles * (grp + 1) / ft.groups;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t p0 = t * ft.tile, p1 = std::min(d.m, p0 + ft.tile);
      const T* dyt = dy + p0 * d.n;
      Blas<T>::gemm(isa, true, false, d.k, d.n, p1 - p0, x + p0 * d.k, d.k, dyt, d.n, t == t0 ? T(0) : T(1), out, d.n);
      Blas<T>::gemm_packed(isa, p1 - p0, dyt, d.n, ft_packed, dx + p0 * d.k, d.k);
    }
  });
  add_partials(df, partial, ft.groups, fsize);
  trim_thread_scratch(ScratchSlot::Reduction, kFilterTileBytes);
}

}  // namespace
}  // namespace conv_detail

bool conv2d_input_gradient_as_conv(const Conv2dShape& s, Conv2dShape* t) {
  const Window2d& g = s.win;
  const int64_t pt = (g.kh - 1) * g.dilation_h - g.pad_top, pl = (g.kw - 1) * g.dilation_w - g.pad_left;
  if (g.stride_h != 1 || g.stride_w != 1 || pt < 0 || pl < 0) return false;
  *t = Conv2dShape{s.batch, s.out_c, s.in_c,
                   Window2d{g.out_h, g.out_w, g.kh, g.kw, 1, 1, g.dilation_h, g.dilation_w, pt, pl, g.in_h, g.in_w}};
  return true;
}

std::string check_conv2d_operand(const char* fn, const char* name, int64_t have, int64_t want) {
  if (have == want) return {};
  return std::string(fn) + ": '" + name + "' has " + std::to_string(have) + " elements, expected " +
         std::to_string(want);
}

std::string parse_conv2d(const char* fn, const int64_t* m, size_t count, bool depthwise, Conv2dShape* shape,
                         Conv2dSizes* sizes, Activation* act) {
  if (count != static_cast<size_t>(kConv2dMetaLength) || m[15] > 4)
    return std::string(fn) +
           ": meta must be [batch, inC, outC, inH, inW, kh, kw, strideH, strideW, dilationH, dilationW, padTop, "
           "padLeft, outH, outW, act]";
  for (size_t i = 0; i < count; ++i)
    if (m[i] < 0) return std::string(fn) + ": meta holds a negative value";
  Conv2dShape s;
  s.batch = m[0];
  s.in_c = m[1];
  s.out_c = m[2];
  s.win = Window2d{m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11], m[12], m[13], m[14]};
  const Window2d& g = s.win;
  if (!window_is_consistent(g))
    return std::string(fn) + ": inconsistent window (input " + std::to_string(g.in_h) + "x" + std::to_string(g.in_w) +
           ", kernel " + std::to_string(g.kh) + "x" + std::to_string(g.kw) + ", output " + std::to_string(g.out_h) +
           "x" + std::to_string(g.out_w) + ")";
  if (depthwise && (s.in_c == 0 ? s.out_c != 0 : s.out_c % s.in_c != 0))
    return std::string(fn) + ": out channels (" + std::to_string(s.out_c) + ") must be a multiple of in channels (" +
           std::to_string(s.in_c) + ")";
  const int64_t x_shape[4] = {s.batch, g.in_h, g.in_w, s.in_c};
  const int64_t y_shape[4] = {s.batch, g.out_h, g.out_w, s.out_c};
  const int64_t f_shape[4] = {g.kh, g.kw, depthwise ? 1 : s.in_c, s.out_c};
  // The kernels also form these products, which a zero dim elsewhere leaves unchecked above.
  const int64_t field[3] = {g.kh, g.kw, s.in_c};
  const int64_t pixels[3] = {s.batch, g.out_h, g.out_w};
  const int64_t image[3] = {g.in_h, g.in_w, s.in_c};
  const int64_t out_image[3] = {g.out_h, g.out_w, s.out_c};
  const int64_t taps[3] = {g.kh, g.kw, s.out_c};
  std::string err = check_size(fn, x_shape, 4, &sizes->x);
  if (err.empty()) err = check_size(fn, y_shape, 4, &sizes->y);
  if (err.empty()) err = check_size(fn, f_shape, 4, &sizes->filter);
  for (const int64_t* dims : {field, pixels, image, out_image, taps}) {
    int64_t unused = 0;
    if (err.empty()) err = check_size(fn, dims, 3, &unused);
    if (err.empty()) err = check_size(fn, dims, 2, &unused);
  }
  if (!err.empty()) return err;
  *shape = s;
  *act = static_cast<Activation>(m[15]);
  return {};
}

void conv2d_forward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter, const void* bias,
                    Activation act, void* y) {
  if (dtype == DType::Float32)
    conv_detail::forward(isa, s, static_cast<const float*>(x), static_cast<const float*>(filter),
                         static_cast<const float*>(bias), act, static_cast<float*>(y));
  else if (dtype == DType::Float64)
    conv_detail::forward(isa, s, static_cast<const double*>(x), static_cast<const double*>(filter),
                         static_cast<const double*>(bias), act, static_cast<double*>(y));
}

void conv2d_backward_input(Isa isa, DType dtype, const Conv2dShape& s, const void* dy, const void* filter, void* dx) {
  if (dtype == DType::Float32)
    conv_detail::backward_input(isa, s, static_cast<const float*>(dy), static_cast<const float*>(filter),
                                static_cast<float*>(dx));
  else if (dtype == DType::Float64)
    conv_detail::backward_input(isa, s, static_cast<const double*>(dy), static_cast<const double*>(filter),
                                static_cast<double*>(dx));
}

void conv2d_backward_filter(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                            void* dfilter) {
  if (dtype == DType::Float32)
    conv_detail::backward_filter(isa, s, static_cast<const float*>(x), static_cast<const float*>(dy),
                                 static_cast<float*>(dfilter));
  else if (dtype == DType::Float64)
    conv_detail::backward_filter(isa, s, static_cast<const double*>(x), static_cast<const double*>(dy),
                                 static_cast<double*>(dfilter));
}

void conv2d_backward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy, const void* filter,
                     void* dx, void* dfilter) {
  if (dtype == DType::Float32)
    conv_detail::backward_both(isa, s, static_cast<const float*>(x), static_cast<const float*>(dy),
                               static_cast<const float*>(filter), static_cast<float*>(dx), static_cast<float*>(dfilter));
  else if (dtype == DType::Float64)
    conv_detail::backward_both(isa, s, static_cast<const double*>(x), static_cast<const double*>(dy),
                               static_cast<const double*>(filter), static_cast<double*>(dx),
                               static_cast<double*>(dfilter));
}

}  // namespace ng
