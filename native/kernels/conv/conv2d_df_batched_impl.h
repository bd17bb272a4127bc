// The filter gradient vectorised over images, included by conv2d_direct_impl.h inside its
// per-ISA namespace where the path has vectors (NG_CONV_VECTORS).
//
// df[i, j, c, o] = Σ_n Σ_{oh, ow} x[n, oh·sh + i·dh − pt, ow·sw + j·dw − pl, c] · dy[n, oh, ow, o],
// for a block of L images at once (one vector): x is copied image-minor into a zero-padded
// frame, xb[r, col, c, lane], and dy into dyb[oh, ow, o, lane], so that each (pixel,
// receptive entry) and each (pixel, o) is one vector load, and each lane sums one image. The
// row form (filter_rows) vectorises over a row's pixels: LeNet's 24-pixel rows fill 24 of
// 32 lanes on AVX-512 there, and dy is transposed row by row.

// Entries of the receptive field summed together over `rows` output rows, for OB output
// channels: TT·OB accumulators, TT x vectors and one dy vector in the registers. dy holds
// `dstride` values per pixel, out `ostride` per entry. The sums start from `out` when
// `accumulate` (the rows before, in order: the same operations as in one pass).
template <typename T, int OB, int TT>
void dfb_entries(const T* xb, const T* dyb, int64_t dstride, const int64_t* offs, int64_t rows, int64_t out_w,
                 int64_t row_step, int64_t col_step, bool accumulate, T* out, int64_t ostride) {
  using V = typename VecOf<T>::type;
  constexpr int64_t L = lanes<T>();
  V acc[TT][OB];
  for (int u = 0; u < TT; ++u)
    for (int o = 0; o < OB; ++o) acc[u][o] = accumulate ? load(out + u * ostride + o * L) : V{};
  const T* dp = dyb;
  for (int64_t oh = 0; oh < rows; ++oh) {
    const T* xp = xb + oh * row_step;
    for (int64_t ow = 0; ow < out_w; ++ow, xp += col_step, dp += dstride) {
      V xv[TT];
      for (int u = 0; u < TT; ++u) xv[u] = load(xp + offs[u]);
      for (int o = 0; o < OB; ++o) {
        V d = load(dp + o * L);
        if (TT > 1) keep_in_register(d);
        for (int u = 0; u < TT; ++u) acc[u][o] = madd(xv[u], d, acc[u][o]);
      }
    }
  }
  for (int u = 0; u < TT; ++u)
    for (int o = 0; o < OB; ++o) store(out + u * ostride + o * L, acc[u][o]);
}

// dfb_entries for `ob` output channels (1..kDfbMaxBlock) and all of `entries` entries, in
// groups of at most filter_taps_together<OB>() of balanced sizes.
constexpr int kDfbMaxBlock = 8;

template <typename T, int OB, int TT>
void dfb_group(int tt, const T* xb, const T* dyb, int64_t dstride, const int64_t* offs, int64_t rows, int64_t out_w,
               int64_t row_step, int64_t col_step, bool accumulate, T* out, int64_t ostride) {
  if constexpr (TT >= 1) {
    if (tt == TT)
      return dfb_entries<T, OB, TT>(xb, dyb, dstride, offs, rows, out_w, row_step, col_step, accumulate, out, ostride);
    dfb_group<T, OB, TT - 1>(tt, xb, dyb, dstride, offs, rows, out_w, row_step, col_step, accumulate, out, ostride);
  }
}

template <typename T, int OB>
void dfb_block(int64_t entries, const T* xb, const T* dyb, int64_t dstride, const int64_t* offs, int64_t rows,
               int64_t out_w, int64_t row_step, int64_t col_step, bool accumulate, T* out, int64_t ostride) {
  constexpr int kMaxTT = filter_taps_together<OB>();
  const int64_t groups = (entries + kMaxTT - 1) / kMaxTT;
  for (int64_t grp = 0; grp < groups; ++grp) {
    const int64_t e0 = entries * grp / groups, e1 = entries * (grp + 1) / groups;
    dfb_group<T, OB, kMaxTT>(static_cast<int>(e1 - e0), xb, dyb, dstride, offs + e0, rows, out_w, row_step, col_step,
                             accumulate, out + e0 * ostride, ostride);
  }
}

template <typename T, int... I>
constexpr auto dfb_blocks(std::integer_sequence<int, I...>) {
  using Fn = void (*)(int64_t, const T*, const T*, int64_t, const int64_t*, int64_t, int64_t, int64_t, int64_t, bool,
                      T*, int64_t);
  return std::array<Fn, sizeof...(I)>{&dfb_block<T, I + 1>...};
}

// The image-minor copies of one block of images cover chunks of output rows of about this
// many bytes with the frame rows they read, so that they stay in the core's L2 while every
// entry sweeps them (whole images: 64×64×8 5×5 'same' → 8 at 5.9 MB per block ran 2.8x
// slower than the row form).
constexpr size_t kDfbChunkBytes = size_t(512) << 10;
constexpr int64_t kDfbGroups = 8;  // most groups of image blocks summed apart

template <typename T>
bool backward_filter_batched_typed(const Conv2dShape& s, const T* x, const T* dy, T* df) {
  constexpr int64_t L = lanes<T>();
  const int64_t OC = s.out_c;
  const Window2d& g = s.win;
  if (s.batch < L || g.out_h < 1 || g.out_w < 1) return false;
  const int64_t ic = s.in_c, out_px = g.out_h * g.out_w, image = g.in_h * g.in_w * ic;
  // The zero-padded frame: the columns the taps reach; rows as a chunk's taps reach them.
  const int64_t cols = (g.out_w - 1) * g.stride_w + (g.kw - 1) * g.dilation_w + 1;
  const int64_t reach = (g.kh - 1) * g.dilation_h + 1;  // frame rows of one output row
  const int64_t row_bytes = (g.stride_h * cols * ic + g.out_w * OC) * L * static_cast<int64_t>(sizeof(T));
  const int64_t chunk = std::clamp<int64_t>(
      (static_cast<int64_t>(kDfbChunkBytes) - reach * cols * ic * L * static_cast<int64_t>(sizeof(T))) / row_bytes, 1,
      g.out_h);
  const int64_t frame_rows = (chunk - 1) * g.stride_h + reach;
  const int64_t entries = g.kh * g.kw * ic, blocks = (s.batch + L - 1) / L;
  std::vector<int64_t> offs(static_cast<size_t>(entries));
  for (int64_t i = 0; i < g.kh; ++i)
    for (int64_t j = 0; j < g.kw; ++j)
      for (int64_t c = 0; c < ic; ++c)
        offs[static_cast<size_t>((i * g.kw + j) * ic + c)] = ((i * g.dilation_h * cols + j * g.dilation_w) * ic + c) * L;
  static constexpr auto kBlocks = dfb_blocks<T>(std::make_integer_sequence<int, kDfbMaxBlock>());
  const int64_t oblocks = (OC + kDfbMaxBlock - 1) / kDfbMaxBlock;  // of balanced sizes
  // Up to kDfbGroups fixed groups of consecutive blocks (a function of the shape alone), each
  // a task summing its blocks in order into its own lanes.
  const int64_t part = entries * OC * L, groups = std::min(blocks, kDfbGroups);
  CacheAlignedVector<T> partial(static_cast<size_t>(groups * part));
  const int64_t cols_in = std::clamp<int64_t>(cols - g.pad_left, 0, g.in_w);  // input columns in the frame
  const int64_t frame = frame_rows * cols * ic;
  parallel_for(groups, [&](int64_t grp) {
    T* const xb = static_cast<T*>(conv_detail::thread_scratch(
        conv_detail::ScratchSlot::Columns, static_cast<size_t>(frame + chunk * g.out_w * OC) * L * sizeof(T)));
    T* const dyb = xb + frame * L;
    T* const out = partial.data() + grp * part;
    const int64_t b0 = blocks * grp / groups, b1 = blocks * (grp + 1) / groups;
    for (int64_t b = b0; b < b1; ++b) {
      const T* xsrc[L];
      const T* dsrc[L];
      for (int64_t lane = 0; lane < L; ++lane) {
        const int64_t n = b * L + lane;
        xsrc[lane] = n < s.batch ? x + n * image : nullptr;
        dsrc[lane] = n < s.batch ? dy + n * out_px * OC : nullptr;
      }
      const T* rsrc[L];
      for (int64_t oh0 = 0; oh0 < g.out_h; oh0 += chunk) {
        const int64_t rows = std::min(chunk, g.out_h - oh0), fr0 = oh0 * g.stride_h;
        // Each frame row: zeros where it is padding, the input row's columns copied.
        for (int64_t r = 0; r < (rows - 1) * g.stride_h + reach; ++r) {
          T* const fr = xb + r * cols * ic * L;
          const int64_t h = fr0 + r - g.pad_top;
          if (h < 0 || h >= g.in_h) {
            std::fill(fr, fr + cols * ic * L, T(0));
            continue;
          }
          const int64_t left = std::min(g.pad_left, cols);
          std::fill(fr, fr + left * ic * L, T(0));
          std::fill(fr + (left + cols_in) * ic * L, fr + cols * ic * L, T(0));
          for (int64_t lane = 0; lane < L; ++lane) rsrc[lane] = xsrc[lane] ? xsrc[lane] + h * g.in_w * ic : nullptr;
          to_image_minor<T, L>(rsrc, cols_in * ic, fr + left * ic * L);
        }
        for (int64_t lane = 0; lane < L; ++lane) rsrc[lane] = dsrc[lane] ? dsrc[lane] + oh0 * g.out_w * OC : nullptr;
        to_image_minor<T, L>(rsrc, rows * g.out_w * OC, dyb);
        for (int64_t ob = 0; ob < oblocks; ++ob) {
          const int64_t o0 = OC * ob / oblocks, o1 = OC * (ob + 1) / oblocks;
          kBlocks[o1 - o0 - 1](entries, xb, dyb + o0 * L, OC * L, offs.data(), rows, g.out_w, g.stride_h * cols * ic * L,
                               g.stride_w * ic * L, b > b0 || oh0 > 0, out + o0 * L, OC * L);
        }
      }
    }
  });
  // The groups' lanes added group by group, then each sum's lanes in order.
  T* const sums = partial.data();
  for (int64_t grp = 1; grp < groups; ++grp) {
    const T* p = partial.data() + grp * part;
    for (int64_t e = 0; e < part; e += L) store(sums + e, load(sums + e) + load(p + e));
  }
  for (int64_t e = 0; e < entries * OC; ++e) {
    T sum = T(0);
    for (int64_t lane = 0; lane < L; ++lane) sum += sums[e * L + lane];
    df[e] = sum;
  }
  return true;
}

bool backward_filter_batched(DType dtype, const Conv2dShape& s, const void* x, const void* dy, void* df) {
  if (dtype == DType::Float32)
    return backward_filter_batched_typed(s, static_cast<const float*>(x), static_cast<const float*>(dy),
                                         static_cast<float*>(df));
  return backward_filter_batched_typed(s, static_cast<const double*>(x), static_cast<const double*>(dy),
                                       static_cast<double*>(df));
}
