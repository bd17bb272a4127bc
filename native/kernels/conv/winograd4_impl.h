// The output transform of Winograd F(4×4, 3×3) (winograd4.cpp), included at the end of
// winograd_impl.h (its vector helpers and includes). Its input transform is the filter
// gradient's 6×6 one (filter4_input_tiles, winograd_filter4_impl.h): the same points, whose
// row scales the filter transform's table (winograd6.h) carries.

// (y0 … y3) = Aᵀ (m0 … m5), Aᵀ's rows [1 1 1 1 −8 0], [0 1 −1 2 4 0], [0 1 1 4 −2 0],
// [0 1 −1 8 1 1]: the transpose of filter4_gradient_1d's G.
template <typename V>
inline void output4_1d(V m0, V m1, V m2, V m3, V m4, V m5, V& y0, V& y1, V& y2, V& y3) {
  const V e = m1 + m2, o = m1 - m2;
  y0 = (m0 + e) + (m3 - m4 * 8);
  y1 = o + (m3 * 2 + m4 * 4);
  y2 = e + (m3 * 4 - m4 * 2);
  y3 = (o + m5) + (m3 * 8 + m4);
}

// y's pixels of 4×4 tiles [t0, t1) = Aᵀ m A, m[point·ld + (t − t0)·out_c + o] (pixels outside
// the output not written).
template <typename T>
void output4_tiles_of(const WinogradTiles& g, const T* m, int64_t ld, int64_t t0, int64_t t1, T* y) {
  const int64_t o_n = g.out_c;
  for (int64_t t = t0; t < t1; ++t) {
    const TileAt at = tile_at<4>(g, t);
    T* dst[16];  // null outside the output
    tile_pixels<4>(g, at, y, dst);
    const T* src = m + (t - t0) * o_n;
    auto tile = [&](auto zero, auto read, auto write) {
      using V = decltype(zero);
      V r[24];  // Aᵀ m, 4 rows of 6, filled a column at a time (r and one column fit in registers)
      for (int j = 0; j < 6; ++j) {
        V col[6];
        for (int i = 0; i < 6; ++i) col[i] = read(src + (6 * i + j) * ld);
        output4_1d(col[0], col[1], col[2], col[3], col[4], col[5], r[j], r[6 + j], r[12 + j], r[18 + j]);
      }
      for (int a = 0; a < 4; ++a) {
        const V* ra = r + 6 * a;
        V out[4];
        output4_1d(ra[0], ra[1], ra[2], ra[3], ra[4], ra[5], out[0], out[1], out[2], out[3]);
        for (int b = 0; b < 4; ++b)
          if (dst[4 * a + b]) write(dst[4 * a + b], out[b]);
      }
    };
    over_channels<0, T>(o_n, false, nullptr, tile);
  }
}

void output4_tiles(DType dtype, const WinogradTiles& g, const void* m, int64_t ld, int64_t t0, int64_t t1, void* y) {
  if (dtype == DType::Float64)
    output4_tiles_of(g, static_cast<const double*>(m), ld, t0, t1, static_cast<double*>(y));
  else
    output4_tiles_of(g, static_cast<const float*>(m), ld, t0, t1, static_cast<float*>(y));
}
