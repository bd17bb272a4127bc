// The per-tile transforms of the filter gradient over 4×4 tiles of dy, F(3×3, 4×4)
// (winograd_filter4.cpp), included at the end of winograd_impl.h (its vector helpers and
// includes). Points 0, 1, −1, 2, −1/2 and ∞, each row of the two transforms scaled to small
// integers; the scales are in the final transform of the sums (once per filter). Those
// points give 2.0-2.2e-6 rms relative error in float32 against 3.0-3.4e-6 for 0, ±1, ±2
// (the usual F(4×4, 3×3) points) on random data.

// (d0 … d5) ← Bᵀ (d0 … d5), Bᵀ's rows [2 3 −4 −3 2 0], [0 −2 −5 −1 2 0], [0 2 1 −5 2 0],
// [0 −1 −2 1 2 0], [0 2 −1 −2 1 0], [0 2 3 −4 −3 2].
template <typename V>
inline void filter4_input_1d(V& d0, V& d1, V& d2, V& d3, V& d4, V& d5) {
  const V a = d4 - d2, b = d3 - d1;
  const V r0 = (d0 + d4) * 2 - b * 3 - d2 * 4;
  const V r1 = (d4 - d1) * 2 - d2 * 5 - d3;
  const V r2 = (d1 + d4) * 2 + d2 - d3 * 5;
  const V r3 = b + a * 2;
  const V r4 = a - b * 2;
  const V r5 = (d1 + d5) * 2 - a * 3 - d3 * 4;
  d0 = r0, d1 = r1, d2 = r2, d3 = r3, d4 = r4, d5 = r5;
}

// (s0 … s5) = G (g0 … g3), G's rows [1 0 0 0], [1 1 1 1], [1 −1 1 −1], [1 2 4 8],
// [−8 4 −2 1], [0 0 0 1].
template <typename V>
inline void filter4_gradient_1d(V g0, V g1, V g2, V g3, V& s0, V& s1, V& s2, V& s3, V& s4, V& s5) {
  const V e = g0 + g2, o = g1 + g3;
  s0 = g0;
  s1 = e + o;
  s2 = e - o;
  s3 = (g0 + g1 * 2) + (g2 * 4 + g3 * 8);
  s4 = (g3 - g2 * 2) + (g1 * 4 - g0 * 8);
  s5 = g3;
}

// tile(zero, read, write) over channels [0, n) of a tile: a vector of them at a time (zero,
// read and write of vectors), first prefetched through the K lookahead pointers (null ones
// skipped) where fetch; then the tail one channel at a time.
template <int K, typename T, typename F>
inline void over_channels(int64_t n, bool fetch, const T* const* ahead, const F& tile) {
  int64_t c = 0;
#ifdef NG_CONV_VECTORS
  using Vec = typename VecOf<T>::type;
  for (; c + lanes<T>() <= n; c += lanes<T>()) {
    for (int k = 0; k < K && fetch; ++k)
      if (ahead[k]) __builtin_prefetch(ahead[k] + c);
    tile(Vec{}, [c](const T* p) { return load(p + c); }, [c](T* p, Vec d) { store(p + c, d); });
  }
#endif
  for (; c < n; ++c) tile(T(0), [c](const T* p) { return p[c]; }, [c](T* p, T d) { p[c] = d; });
}

// v[(point − 6·A0)·ld + (t − t0)·in_c + c] = (Bᵀ d B)[point] for the points of rows [A0, A1)
// of the 6×6 transform, for 4×4 tiles [t0, t1), d their 6×6 patches of x (zeros in the
// padding).
template <int A0, int A1, typename T>
void filter4_input_tiles_of(const WinogradTiles& g, const T* x, int64_t t0, int64_t t1, T* v, int64_t ld) {
  const int64_t c_n = g.in_c;
  const bool fetch = static_cast<size_t>(g.batch * g.in_h * g.in_w * c_n) * sizeof(T) > kPrefetchBytes;
  for (int64_t t = t0; t < t1; ++t) {
    const TileAt at = tile_at<4>(g, t);
    const T* src[36];  // null in the padding
    patch_pixels<6>(g, at, x, src);
    const T* ahead[24];
    patch_ahead<4>(g, at, x, fetch, ahead);
    T* dst = v + (t - t0) * c_n;
    auto tile = [&](auto zero, auto read, auto write) {
      using V = decltype(zero);
      V r[6 * (A1 - A0)];  // rows [A0, A1) of Bᵀ d (the other rows are dead code)
      for (int j = 0; j < 6; ++j) {  // a column at a time: r and one column fit in registers
        V col[6];
        for (int i = 0; i < 6; ++i) col[i] = src[6 * i + j] ? read(src[6 * i + j]) : zero;
        filter4_input_1d(col[0], col[1], col[2], col[3], col[4], col[5]);
        for (int a = A0; a < A1; ++a) r[6 * (a - A0) + j] = col[a];
      }
      for (int i = 0; i < 6 * (A1 - A0); i += 6) {
        filter4_input_1d(r[i], r[i + 1], r[i + 2], r[i + 3], r[i + 4], r[i + 5]);
        for (int b = 0; b < 6; ++b) write(dst + (i + b) * ld, r[i + b]);
      }
    };
    over_channels<24>(c_n, fetch, ahead, tile);
  }
}

// z[(point − 6·A0)·ld + (t − t0)·out_c + o] = (G g Gᵀ)[point] for the points of rows [A0, A1),
// for 4×4 tiles [t0, t1), g their pixels of dy (zeros outside the output).
template <int A0, int A1, typename T>
void filter4_gradient_tiles_of(const WinogradTiles& g, const T* dy, int64_t t0, int64_t t1, T* z, int64_t ld) {
  const int64_t o_n = g.out_c;
  const bool fetch = static_cast<size_t>(g.batch * g.out_h * g.out_w * o_n) * sizeof(T) > kPrefetchBytes;
  for (int64_t t = t0; t < t1; ++t) {
    const TileAt at = tile_at<4>(g, t);
    const T* src[16];         // null outside the output
    const T* ahead[16] = {};  // the pixels of the tile kAhead on (null outside the output or not fetched)
    tile_pixels<4>(g, at, dy, src);
    for (int a = 0; a < 4 && fetch; ++a)
      for (int b = 0; b < 4; ++b) ahead[4 * a + b] = output_pixel(g, dy, at.image, at.oh + a, at.ow + 4 * kAhead + b);
    T* dst = z + (t - t0) * o_n;
    auto tile = [&](auto zero, auto read, auto write) {
      using V = decltype(zero);
      V r[4 * (A1 - A0)], s[6];  // r: rows [A0, A1) of G g (the other rows are dead code)
      for (int j = 0; j < 4; ++j) {  // a column at a time
        V q[4], col[6];
        for (int i = 0; i < 4; ++i) q[i] = src[4 * i + j] ? read(src[4 * i + j]) : zero;
        filter4_gradient_1d(q[0], q[1], q[2], q[3], col[0], col[1], col[2], col[3], col[4], col[5]);
        for (int a = A0; a < A1; ++a) r[4 * (a - A0) + j] = col[a];
      }
      for (int i = 0; i < A1 - A0; ++i) {
        filter4_gradient_1d(r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3], s[0], s[1], s[2], s[3], s[4], s[5]);
        for (int b = 0; b < 6; ++b) write(dst + (6 * i + b) * ld, s[b]);
      }
    };
    over_channels<16>(o_n, fetch, ahead, tile);
  }
}

// Runs f(A0, A1) (as integral constants) for the pass rows [row0, row1): the ranges of
// winograd6.h's kPassRows, the only ones instantiated; any other writes nothing.
template <typename F>
void with_pass_rows(int row0, int row1, const F& f) {
  static_assert(kPassRows == 3, "the row ranges instantiated below are [0, 3) and [3, 6)");
  if (row0 == 0 && row1 == 3) f(std::integral_constant<int, 0>{}, std::integral_constant<int, 3>{});
  if (row0 == 3 && row1 == 6) f(std::integral_constant<int, 3>{}, std::integral_constant<int, 6>{});
}

void filter4_input_tiles(DType dtype, const WinogradTiles& g, const void* x, int64_t t0, int64_t t1, int row0,
                         int row1, void* v, int64_t ld) {
  with_pass_rows(row0, row1, [&](auto a0, auto a1) {
    if (dtype == DType::Float64)
      filter4_input_tiles_of<a0, a1>(g, static_cast<const double*>(x), t0, t1, static_cast<double*>(v), ld);
    else
      filter4_input_tiles_of<a0, a1>(g, static_cast<const float*>(x), t0, t1, static_cast<float*>(v), ld);
  });
}

void filter4_gradient_tiles(DType dtype, const WinogradTiles& g, const void* dy, int64_t t0, int64_t t1, int row0,
                            int row1, void* z, int64_t ld) {
  with_pass_rows(row0, row1, [&](auto a0, auto a1) {
    if (dtype == DType::Float64)
      filter4_gradient_tiles_of<a0, a1>(g, static_cast<const double*>(dy), t0, t1, static_cast<double*>(z), ld);
    else
      filter4_gradient_tiles_of<a0, a1>(g, static_cast<const float*>(dy), t0, t1, static_cast<float*>(z), ld);
  });
}
