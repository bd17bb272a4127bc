// The per-tile transforms of Winograd F(2×2, 3×3) (winograd.h), included inside namespace
// ng::winograd_<isa> by each winograd_<isa>.cpp, which sets the vector macros of
// conv2d_simd.h. Each transform is written once over a value type that is either a vector of
// channels or one channel (the tail), with additions and subtractions only. Taps in the
// padding and pixels outside the output are null pointers (zeros read, nothing written), so
// the transforms allocate nothing. The includer provides <algorithm>, <cmath>, <cstdint>,
// <type_traits> and winograd_paths.h.

#include "conv2d_simd.h"
#include "activate_all.inc"

// d (a 4×4 patch, row-major) ← Bᵀ d B.
template <typename V>
inline void input_transform(V (&d)[16]) {
  for (int j = 0; j < 4; ++j) {
    const V r0 = d[j], r1 = d[4 + j], r2 = d[8 + j], r3 = d[12 + j];
    d[j] = r0 - r2;
    d[4 + j] = r1 + r2;
    d[8 + j] = r2 - r1;
    d[12 + j] = r1 - r3;
  }
  for (int i = 0; i < 16; i += 4) {
    const V c0 = d[i], c1 = d[i + 1], c2 = d[i + 2], c3 = d[i + 3];
    d[i] = c0 - c2;
    d[i + 1] = c1 + c2;
    d[i + 2] = c2 - c1;
    d[i + 3] = c1 - c3;
  }
}

// y (2×2) = Aᵀ m A.
template <typename V>
inline void output_transform(const V (&m)[16], V (&y)[4]) {
  V s[8];
  for (int j = 0; j < 4; ++j) {
    s[j] = m[j] + m[4 + j] + m[8 + j];
    s[4 + j] = m[4 + j] - m[8 + j] - m[12 + j];
  }
  for (int i = 0; i < 2; ++i) {
    y[2 * i] = s[4 * i] + s[4 * i + 1] + s[4 * i + 2];
    y[2 * i + 1] = s[4 * i + 1] - s[4 * i + 2] - s[4 * i + 3];
  }
}

// z (4×4) = A g Aᵀ for a 2×2 tile g of the output gradient.
template <typename V>
inline void gradient_transform(const V (&g)[4], V (&z)[16]) {
  V r[8];  // A g: 4 rows × 2 columns
  for (int j = 0; j < 2; ++j) {
    r[j] = g[j];
    r[2 + j] = g[j] + g[2 + j];
    r[4 + j] = g[j] - g[2 + j];
    r[6 + j] = -g[2 + j];
  }
  for (int i = 0; i < 4; ++i) {
    z[4 * i] = r[2 * i];
    z[4 * i + 1] = r[2 * i] + r[2 * i + 1];
    z[4 * i + 2] = r[2 * i] - r[2 * i + 1];
    z[4 * i + 3] = -r[2 * i + 1];
  }
}

// d (4×4) ← B d Bᵀ, the adjoint of input_transform: a patch's 16 products back to its pixels.
template <typename V>
inline void input_adjoint(V (&d)[16]) {
  for (int j = 0; j < 4; ++j) {
    const V r0 = d[j], r1 = d[4 + j], r2 = d[8 + j], r3 = d[12 + j];
    d[4 + j] = r1 - r2 + r3;
    d[8 + j] = r1 + r2 - r0;
    d[12 + j] = V{} - r3;
  }
  for (int i = 0; i < 16; i += 4) {
    const V c0 = d[i], c1 = d[i + 1], c2 = d[i + 2], c3 = d[i + 3];
    d[i + 1] = c1 - c2 + c3;
    d[i + 2] = c1 + c2 - c0;
    d[i + 3] = V{} - c3;
  }
}

// The input transform prefetches the pixels of the patch kAhead tiles on where x outgrows
// the caches (more than kPrefetchBytes): the hardware prefetchers left it waiting on memory.
// Batch 32, AVX-512, 56×56×64 → 64 (25.7 MB): forward 37.7-39.0 → 36.9-37.0 ms, both
// gradients 76.7-76.8 → 73.9-74.3 ms on 1 thread, forward 19.1 → 18.8 ms on 2; 28×28×32
// → 64 (3.2 MB, in L3) lost 2-3% with the prefetches.
constexpr int64_t kAhead = 2;
constexpr size_t kPrefetchBytes = size_t(8) << 20;

// Where tile t of M×M outputs lies: its image and the top-left corner of its output.
struct TileAt {
  int64_t image, oh, ow;
};

template <int M = 2>
inline TileAt tile_at(const WinogradTiles& g, int64_t t) {
  const int64_t per_image = g.rows * g.cols, r = t % per_image;
  return {t / per_image, r / g.cols * M, r % g.cols * M};
}

// Pixel (ih, iw) of an image of x, or null outside the image (the padding).
template <typename T>
inline const T* input_pixel(const WinogradTiles& g, const T* x, int64_t image, int64_t ih, int64_t iw) {
  const bool in = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
  return in ? x + ((image * g.in_h + ih) * g.in_w + iw) * g.in_c : nullptr;
}

// Pixel (oh, ow) of an image of y or dy (P: T or const T), or null outside the output.
template <typename P>
inline P* output_pixel(const WinogradTiles& g, P* y, int64_t image, int64_t oh, int64_t ow) {
  return oh < g.out_h && ow < g.out_w ? y + ((image * g.out_h + oh) * g.out_w + ow) * g.out_c : nullptr;
}

// The N×N patch of x of the tile whose first output pixel is `at`, row-major.
template <int N, typename T>
inline void patch_pixels(const WinogradTiles& g, const TileAt& at, const T* x, const T* (&src)[N * N]) {
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) src[N * i + j] = input_pixel(g, x, at.image, at.oh - g.pad_top + i, at.ow - g.pad_left + j);
}

// The M new columns of the (M + 2)-wide patch of the tile kAhead tiles on from `at` (of M×M
// outputs), row-major: null outside the image, all null where !fetch.
template <int M, typename T>
inline void patch_ahead(const WinogradTiles& g, const TileAt& at, const T* x, bool fetch,
                        const T* (&ahead)[(M + 2) * M]) {
  for (int i = 0; i < M + 2; ++i)
    for (int j = 0; j < M; ++j)
      ahead[M * i + j] =
          fetch ? input_pixel(g, x, at.image, at.oh - g.pad_top + i, at.ow - g.pad_left + M * kAhead + 2 + j) : nullptr;
}

// The N×N output pixels of the tile whose first is `at`, row-major.
template <int N, typename P>
inline void tile_pixels(const WinogradTiles& g, const TileAt& at, P* y, P* (&dst)[N * N]) {
  for (int a = 0; a < N; ++a)
    for (int b = 0; b < N; ++b) dst[N * a + b] = output_pixel(g, y, at.image, at.oh + a, at.ow + b);
}

// v[point·ld + (t − t0)·in_c + c] = (Bᵀ d B)[point] for tiles [t0, t1), d their patches of x.
template <typename T>
void input_tiles_of(const WinogradTiles& g, const T* x, int64_t t0, int64_t t1, T* v, int64_t ld) {
  const int64_t c_n = g.in_c;
  const bool fetch = static_cast<size_t>(g.batch * g.in_h * g.in_w * c_n) * sizeof(T) > kPrefetchBytes;
  for (int64_t t = t0; t < t1; ++t) {
    const TileAt at = tile_at(g, t);
    const T* src[16];  // null in the padding
    patch_pixels<4>(g, at, x, src);
    const T* ahead[8];
    patch_ahead<2>(g, at, x, fetch, ahead);
    T* dst = v + (t - t0) * c_n;
    int64_t c = 0;
#ifdef NG_CONV_VECTORS
    using Vec = typename VecOf<T>::type;
    for (; c + lanes<T>() <= c_n; c += lanes<T>()) {
      for (int k = 0; k < 8 && fetch; ++k)
        if (ahead[k]) __builtin_prefetch(ahead[k] + c);
      Vec d[16];
      for (int k = 0; k < 16; ++k) d[k] = src[k] ? load(src[k] + c) : Vec{};
      input_transform(d);
      for (int k = 0; k < 16; ++k) store(dst + k * ld + c, d[k]);
    }
#endif
    for (; c < c_n; ++c) {
      T d[16];
      for (int k = 0; k < 16; ++k) d[k] = src[k] ? src[k][c] : T(0);
      input_transform(d);
      for (int k = 0; k < 16; ++k) dst[k * ld + c] = d[k];
    }
  }
}

// y's pixels of tiles [t0, t1) = act(Aᵀ m A + bias), m[point·ld + (t − t0)·out_c + o].
template <typename T>
void output_tiles_of(const WinogradTiles& g, const T* m, int64_t ld, int64_t t0, int64_t t1, const T* bias,
                     Activation act, T* y) {
  const int64_t o_n = g.out_c;
  for (int64_t t = t0; t < t1; ++t) {
    const TileAt at = tile_at(g, t);
    T* dst[4];  // null outside the output
    tile_pixels<2>(g, at, y, dst);
    const T* src = m + (t - t0) * o_n;
    int64_t o = 0;
#ifdef NG_CONV_VECTORS
    using Vec = typename VecOf<T>::type;
    for (; o + lanes<T>() <= o_n; o += lanes<T>()) {
      Vec mv[16], yv[4];
      for (int k = 0; k < 16; ++k) mv[k] = load(src + k * ld + o);
      output_transform(mv, yv);
      const Vec bv = bias ? load(bias + o) : Vec{};
      for (int p = 0; p < 4; ++p)
        if (dst[p]) store(dst[p] + o, yv[p] + bv);
    }
#endif
    for (; o < o_n; ++o) {
      T mv[16], yv[4];
      for (int k = 0; k < 16; ++k) mv[k] = src[k * ld + o];
      output_transform(mv, yv);
      for (int p = 0; p < 4; ++p)
        if (dst[p]) dst[p][o] = yv[p] + (bias ? bias[o] : T(0));
    }
    if (act != Activation::None)
      for (int p = 0; p < 4; ++p)
        if (dst[p]) activate_all(dst[p], o_n, act);
  }
}

// z[point·ld + (t − t0)·out_c + o] = (A g Aᵀ)[point] for tiles [t0, t1), g their 2×2 pixels of
// dy (zeros outside the output).
template <typename T>
void gradient_tiles_of(const WinogradTiles& g, const T* dy, int64_t t0, int64_t t1, T* z, int64_t ld) {
  const int64_t o_n = g.out_c;
  for (int64_t t = t0; t < t1; ++t) {
    const TileAt at = tile_at(g, t);
    const T* src[4];  // null outside the output
    tile_pixels<2>(g, at, dy, src);
    T* dst = z + (t - t0) * o_n;
    int64_t o = 0;
#ifdef NG_CONV_VECTORS
    using Vec = typename VecOf<T>::type;
    for (; o + lanes<T>() <= o_n; o += lanes<T>()) {
      Vec gv[4], zv[16];
      for (int p = 0; p < 4; ++p) gv[p] = src[p] ? load(src[p] + o) : Vec{};
      gradient_transform(gv, zv);
      for (int k = 0; k < 16; ++k) store(dst + k * ld + o, zv[k]);
    }
#endif
    for (; o < o_n; ++o) {
      T gv[4], zv[16];
      for (int p = 0; p < 4; ++p) gv[p] = src[p] ? src[p][o] : T(0);
      gradient_transform(gv, zv);
      for (int k = 0; k < 16; ++k) dst[k * ld + o] = zv[k];
    }
  }
}

// A value of the transforms' type V (a vector of channels, or one channel) at p.
template <typename V, typename T>
inline V get(const T* p) {
  if constexpr (std::is_same_v<V, T>) return *p;
  else return load(p);
}
template <typename V, typename T>
inline void put(T* p, V v) {
  if constexpr (std::is_same_v<V, T>) *p = v;
  else store(p, v);
}

// One channel of one tile of adjoint_tiles_of (V: a vector of channels, or one): m at the
// tile's products for channel c, rows[i] its pixel row i (null outside the image), iw0 its
// first column,
// carry[(2i + b)·carry_ld] its columns 2-3 on return (the previous tile's on entry where
// `carried`).
// Columns 0-1 are written; where add_row[i] (a previous row of tiles wrote that pixel row)
// or add_left (a previous segment wrote columns 0-1), added to dx.
template <typename V, typename T>
inline void adjoint_tile(const WinogradTiles& g, const T* m, int64_t ld, T* const (&rows)[4], const bool (&add_row)[4],
                         int64_t iw0, int64_t c, bool carried, bool add_left, T* carry, int64_t carry_ld) {
  V d[16];
  for (int k = 0; k < 16; ++k) d[k] = get<V>(m + k * ld);
  input_adjoint(d);
  if (carried)
    for (int i = 0; i < 4; ++i) {
      d[4 * i] += get<V>(carry + 2 * i * carry_ld);
      d[4 * i + 1] += get<V>(carry + (2 * i + 1) * carry_ld);
    }
  for (int b = 0; b < 2; ++b) {
    if (iw0 + b < 0 || iw0 + b >= g.in_w) continue;
    for (int i = 0; i < 4; ++i) {
      if (!rows[i]) continue;
      T* p = rows[i] + (iw0 + b) * g.in_c + c;
      put(p, add_row[i] || add_left ? get<V>(p) + d[4 * i + b] : d[4 * i + b]);
    }
  }
  for (int i = 0; i < 4; ++i) {
    put(carry + 2 * i * carry_ld, d[4 * i + 2]);
    put(carry + (2 * i + 1) * carry_ld, d[4 * i + 3]);
  }
}

// Channels per step of a row segment: the carried columns stay in L1.
constexpr int64_t kAdjointChannels = 256;

// Columns 2-3 of the tile at column iw0, channels [c0, c1), from `carry` (as adjoint_tile
// leaves them): stored, or added where add_row[i].
template <typename T>
void write_carry(const WinogradTiles& g, T* const (&rows)[4], const bool (&add_row)[4], int64_t iw0, int64_t c0,
                 int64_t c1, const T* carry, int64_t carry_ld) {
  for (int b = 2; b < 4; ++b) {
    if (iw0 + b < 0 || iw0 + b >= g.in_w) continue;
    for (int i = 0; i < 4; ++i) {
      if (!rows[i]) continue;
      T* p = rows[i] + (iw0 + b) * g.in_c;
      const T* from = carry + (2 * i + b - 2) * carry_ld;
      for (int64_t c = c0; c < c1; ++c) p[c] = add_row[i] ? p[c] + from[c - c0] : from[c - c0];
    }
  }
}

// dx's pixels of the patches of tiles [t0, t1) from B m Bᵀ, m[point·ld + (t − t0)·in_c + c]:
// in tile order a pixel's first patch stores and the later ones add (its rows 0-1 add to the
// previous row of tiles' rows 2-3 except in an image's first row of tiles, and its columns
// 0-1 to the previous tile's columns 2-3). The rows 0-1 of the patches of the global tile
// row `side_row` (−1: none) go to `side` (2 rows of in_w pixels) as though that row were its
// image's first.
template <typename T>
void adjoint_tiles_of(const WinogradTiles& g, const T* m, int64_t ld, int64_t t0, int64_t t1, int64_t side_row,
                      T* side, T* dx) {
  const int64_t c_n = g.in_c;
  for (int64_t ta = t0; ta < t1;) {
    const int64_t row = ta / g.cols, tb = std::min(t1, (row + 1) * g.cols);
    const int64_t image = row / g.rows, top = row % g.rows * 2 - g.pad_top;
    const bool to_side = row == side_row, first = row % g.rows == 0 || to_side;
    T* rows[4];
    bool add_row[4];
    for (int i = 0; i < 4; ++i) {
      const int64_t ih = top + i;
      rows[i] = ih < 0 || ih >= g.in_h ? nullptr
                : to_side && i < 2     ? side + i * g.in_w * c_n
                                       : dx + (image * g.in_h + ih) * g.in_w * c_n;
      add_row[i] = i < 2 && !first;
    }
    const int64_t j0 = ta - row * g.cols;
    // Each tile's columns 2-3 carried into the next tile's columns 0-1, so that a pixel is
    // written once per row of tiles; the segment's last tile's written after it.
    alignas(64) T carry[8 * kAdjointChannels];
    for (int64_t c0 = 0; c0 < c_n; c0 += kAdjointChannels) {
      const int64_t c1 = std::min(c_n, c0 + kAdjointChannels);
      for (int64_t t = ta; t < tb; ++t) {
        const int64_t iw0 = 2 * (t - row * g.cols) - g.pad_left;
        const bool carried = t > ta, add_left = t == ta && j0 > 0;
        const T* src = m + (t - t0) * c_n;
        int64_t c = c0;
#ifdef NG_CONV_VECTORS
        for (; c + lanes<T>() <= c1; c += lanes<T>())
          adjoint_tile<typename VecOf<T>::type>(g, src + c, ld, rows, add_row, iw0, c, carried, add_left,
                                                carry + (c - c0), kAdjointChannels);
#endif
        for (; c < c1; ++c)
          adjoint_tile<T>(g, src + c, ld, rows, add_row, iw0, c, carried, add_left, carry + (c - c0), kAdjointChannels);
      }
      write_carry(g, rows, add_row, 2 * (tb - 1 - row * g.cols) - g.pad_left, c0, c1, carry, kAdjointChannels);
    }
    ta = tb;
  }
}

void adjoint_tiles(DType dtype, const WinogradTiles& g, const void* m, int64_t ld, int64_t t0, int64_t t1,
                   int64_t side_row, void* side, void* dx) {
  if (dtype == DType::Float64)
    adjoint_tiles_of(g, static_cast<const double*>(m), ld, t0, t1, side_row, static_cast<double*>(side),
                     static_cast<double*>(dx));
  else
    adjoint_tiles_of(g, static_cast<const float*>(m), ld, t0, t1, side_row, static_cast<float*>(side),
                     static_cast<float*>(dx));
}

void input_tiles(DType dtype, const WinogradTiles& g, const void* x, int64_t t0, int64_t t1, void* v, int64_t ld) {
  if (dtype == DType::Float64)
    input_tiles_of(g, static_cast<const double*>(x), t0, t1, static_cast<double*>(v), ld);
  else
    input_tiles_of(g, static_cast<const float*>(x), t0, t1, static_cast<float*>(v), ld);
}

void output_tiles(DType dtype, const WinogradTiles& g, const void* m, int64_t ld, int64_t t0, int64_t t1,
                  const void* bias, Activation act, void* y) {
  if (dtype == DType::Float64)
    output_tiles_of(g, static_cast<const double*>(m), ld, t0, t1, static_cast<const double*>(bias), act,
                    static_cast<double*>(y));
  else
    output_tiles_of(g, static_cast<const float*>(m), ld, t0, t1, static_cast<const float*>(bias), act,
                    static_cast<float*>(y));
}

void gradient_tiles(DType dtype, const WinogradTiles& g, const void* dy, int64_t t0, int64_t t1, void* z,
                    int64_t ld) {
  if (dtype == DType::Float64)
    gradient_tiles_of(g, static_cast<const double*>(dy), t0, t1, static_cast<double*>(z), ld);
  else
    gradient_tiles_of(g, static_cast<const float*>(dy), t0, t1, static_cast<float*>(z), ld);
}

#include "winograd_filter4_impl.h"
#include "winograd4_impl.h"
