// The input gradient vectorised over images, included by conv2d_direct_impl.h inside its
// per-ISA namespace where the path has vectors (NG_CONV_VECTORS).
//
// dx[n, h, w, c] = Σ over the taps (i, j) whose (oh, ow) = ((h + pad_top − i·dh) / sh,
// (w + pad_left − j·dw) / sw) is an output pixel of Σ_o dy[n, oh, ow, o] · f[i, j, c, o],
// for a block of NB = NV·L images at once. dy is first copied image-minor, dyb[oh, ow, o,
// lane], so that every (pixel, tap, o) is NV vector loads holding NB images' values, times
// one broadcast filter value per input channel. The forms vectorised over pixels multiply
// the zero padding of the flipped convolution too (LeNet's 10×10 → 14×14 input gradient:
// 20 of every 70 taps, and 2 of every 16 lanes), and over channels fill few lanes when
// there are few; here each dx pixel sums only its own taps and every lane holds an image.

constexpr int64_t kDxbMaxKh = 16;  // filter rows the batched form takes

// Where the taps of a dx row land: for each filter row i that reaches an output row, that
// row of dyb; for each filter column j and dx column w, the output column (col[j·col_ld +
// w]) or −1.
template <typename T>
struct DxbRow {
  const T* rows[kDxbMaxKh];
  int64_t rows_i[kDxbMaxKh];
  int64_t count = 0;
  const int64_t* col = nullptr;  // col[j·col_ld + w]
  int64_t col_ld = 0;
  const T* zeros = nullptr;  // out_c·NB zeros, read for taps that miss
  const int8_t* const* plans = nullptr;  // plans[cn]: the row's blocks for cn channels (dxb_plan)
};

// P pixels × CB input channels of one dx row, for one block of images: out[(q·CB + c)·NB +
// lane] for pixel w0 + q and channel c0 + c.
template <typename T, int NV, int CB, int P>
void dxb_block(const Conv2dShape& s, const T* f, const DxbRow<T>& r, int64_t w0, int64_t c0, T* out) {
  using V = typename VecOf<T>::type;
  constexpr int L = sizeof(V) / sizeof(T);
  constexpr int64_t NB = NV * L;
  const Window2d& g = s.win;
  const int64_t oc = s.out_c, ic = s.in_c, onb = oc * NB;
  V acc[P][CB][NV];
  for (int q = 0; q < P; ++q)
    for (int c = 0; c < CB; ++c)
      for (int v = 0; v < NV; ++v) acc[q][c][v] = V{};
  for (int64_t ii = 0; ii < r.count; ++ii) {
    const int64_t i = r.rows_i[ii];
    const T* row = r.rows[ii];
    for (int64_t j = 0; j < g.kw; ++j) {
      const int64_t* colj = r.col + j * r.col_ld + w0;
      const T* src[P];
      bool any = false;
      for (int q = 0; q < P; ++q) {
        const int64_t ow = colj[q];
        src[q] = ow >= 0 ? row + ow * onb : r.zeros;
        any |= ow >= 0;
      }
      if (!any) continue;
      const T* wt = f + ((i * g.kw + j) * ic + c0) * oc;
      for (int64_t o = 0; o < oc; ++o) {
        V d[P][NV];
        for (int q = 0; q < P; ++q)
          for (int v = 0; v < NV; ++v) d[q][v] = load(src[q] + o * NB + v * L);
        for (int c = 0; c < CB; ++c) {
          const V wv = splat(wt[c * oc + o]);
          for (int q = 0; q < P; ++q)
            for (int v = 0; v < NV; ++v) acc[q][c][v] = madd(wv, d[q][v], acc[q][c][v]);
        }
      }
    }
  }
  for (int q = 0; q < P; ++q)
    for (int c = 0; c < CB; ++c)
      for (int v = 0; v < NV; ++v) store(out + (q * CB + c) * NB + v * L, acc[q][c][v]);
}

// Pixels per block: enough accumulators (P·CB·NV, with NV = 2) to hide the FMA latency,
// few enough to leave registers for the loads. With AVX-512's 32 registers (NV = 1) up to
// 24 accumulators.
template <int CB>
constexpr int dxb_pixels() {
  if (kVectorRegs == 32) return std::max(1, std::min(4, 24 / CB));
  return CB == 1 ? 4 : CB <= 3 ? 2 : 1;
}
constexpr int64_t kDxbMaxCb = 6;

template <typename T>
using DxbBlockFn = void (*)(const Conv2dShape&, const T*, const DxbRow<T>&, int64_t, int64_t, T*);

template <typename T, int NV, typename Seq = std::make_integer_sequence<int, kDxbMaxCb>>
struct DxbBlocks;
template <typename T, int NV, int... I>
struct DxbBlocks<T, NV, std::integer_sequence<int, I...>> {
  static constexpr DxbBlockFn<T> fns[sizeof...(I)] = {&dxb_block<T, NV, I + 1, dxb_pixels<I + 1>()>...};
  static constexpr DxbBlockFn<T> pairs[sizeof...(I)] = {&dxb_block<T, NV, I + 1, 2>...};
  static constexpr DxbBlockFn<T> singles[sizeof...(I)] = {&dxb_block<T, NV, I + 1, 1>...};
  static constexpr int pixels[sizeof...(I)] = {dxb_pixels<I + 1>()...};
  // Block `width` (pixels[cn − 1], 2 or 1) for cn channels.
  static DxbBlockFn<T> fn(int64_t cn, int width) {
    return width == 1 ? singles[cn - 1] : width == 2 && pixels[cn - 1] != 2 ? pairs[cn - 1] : fns[cn - 1];
  }
};

// The blocks a dx row is cut into, their widths in pixels: a block multiplies every tap that
// any of its pixels takes for all of them (zeros for the others), so near the edges of a
// 'valid' or 'same' window narrower blocks skip work, while wide blocks keep enough
// accumulators to cover the FMA latency. Chosen to minimise tap count × max(accumulators,
// kDxbLatencyAccs) over the row, which depends on the columns only (the same for every row);
// kDxbLatencyAccs is the FMA latency times the FMAs per cycle (Zen 4: 4 × one 512-bit FMA,
// or 4 × two 256-bit). LeNet's 14×14×6 5×5 → 16 (AVX-512, 1 thread, batch 32) multiplied 64
// taps per row at width 4 for 50 real ones: 0.18 → 0.15 ms, 1.13 → 0.93× the forward.
constexpr int64_t kDxbLatencyAccs = kVectorRegs == 32 ? 4 : 8;

inline std::vector<int8_t> dxb_plan(const int64_t* col, int64_t col_ld, int64_t kw, int64_t in_w, int64_t cn,
                                    int64_t nv, int widest) {
  const int widths[3] = {widest, 2, 1};
  const auto cost = [&](int64_t w, int width) {
    int64_t taps = 0;
    for (int64_t j = 0; j < kw; ++j) {
      bool any = false;
      for (int q = 0; q < width; ++q) any |= col[j * col_ld + w + q] >= 0;
      taps += any;
    }
    return taps * std::max<int64_t>(width * cn * nv, kDxbLatencyAccs);
  };
  std::vector<int64_t> best(static_cast<size_t>(in_w + 1), 0);  // best[w]: the cheapest cover of [w, in_w)
  std::vector<int8_t> take(static_cast<size_t>(in_w), 1);
  for (int64_t w = in_w - 1; w >= 0; --w) {
    best[static_cast<size_t>(w)] = INT64_MAX;
    for (int width : widths) {
      if (width > widest) continue;
      const int64_t c = cost(w, width) + best[static_cast<size_t>(std::min(in_w, w + width))];
      if (c < best[static_cast<size_t>(w)]) {
        best[static_cast<size_t>(w)] = c;
        take[static_cast<size_t>(w)] = static_cast<int8_t>(width);
      }
    }
  }
  std::vector<int8_t> plan;
  for (int64_t w = 0; w < in_w; w += take[static_cast<size_t>(w)]) plan.push_back(take[static_cast<size_t>(w)]);
  return plan;
}

// (Pixel, channel) entries of a dx row gathered before they are transposed.
constexpr int64_t kDxbRunEntries = 256;

// dxb_row for a whole block of images and all channels in one block: the lanes of a run of
// the row's pixels (each lane an image) gathered, then each image's stretch of dx written by
// L×L transposes in registers, not value by value (1 thread, batch 32: LeNet's 14×14×6 → 16
// 0.196 → 0.180 ms, 28×28×1 → 6 0.133 → 0.125 ms).
template <typename T, int NV>
void dxb_row_transposed(const Conv2dShape& s, const T* f, const DxbRow<T>& r, int64_t h, T* dx) {
  using Blocks = DxbBlocks<T, NV>;
  constexpr int64_t L = lanes<T>(), NB = NV * L;
  const Window2d& g = s.win;
  const int64_t ic = s.in_c, image = g.in_h * g.in_w * ic;
  const int64_t run = std::max<int64_t>(Blocks::pixels[ic - 1], kDxbRunEntries / ic);
  alignas(64) T buf[kDxbRunEntries * NB];
  const T* src[L];
  const int8_t* plan = r.plans[ic];
  for (int64_t w0 = 0; w0 < g.in_w;) {
    int64_t w = w0;
    for (; w < g.in_w && w + *plan <= w0 + run; w += *plan++)
      Blocks::fn(ic, *plan)(s, f, r, w, 0, buf + (w - w0) * ic * NB);
    const int64_t entries = (std::min(w, g.in_w) - w0) * ic;
    T* dst = dx + (h * g.in_w + w0) * ic;
    int64_t e = 0;
    for (; e + L <= entries; e += L) {
      for (int64_t k = 0; k < L; ++k) src[k] = buf + (e + k) * NB;
      for (int64_t lane = 0; lane < NB; lane += L) transpose_block(src, lane, dst + e, image);
    }
    for (; e < entries; ++e)
      for (int64_t lane = 0; lane < NB; ++lane) dst[lane * image + e] = buf[e * NB + lane];
    w0 = w;
  }
}

// One dx row h of a block of `images` images (dx: the block's first image).
template <typename T, int NV>
void dxb_row(const Conv2dShape& s, const T* f, const T* block, const T* zeros, const int64_t* col, int64_t col_ld,
             const int8_t* const* plans, int64_t h, int64_t images, T* dx) {
  using Blocks = DxbBlocks<T, NV>;
  constexpr int64_t NB = NV * int64_t(sizeof(typename VecOf<T>::type) / sizeof(T));
  const Window2d& g = s.win;
  const int64_t ic = s.in_c, onb = s.out_c * NB, image = g.in_h * g.in_w * ic;
  DxbRow<T> r;
  r.col = col;
  r.col_ld = col_ld;
  r.zeros = zeros;
  r.plans = plans;
  for (int64_t i = 0; i < g.kh; ++i) {
    const int64_t oh = output_row(g, h, i);
    if (oh < 0) continue;
    r.rows_i[r.count] = i;
    r.rows[r.count++] = block + oh * g.out_w * onb;
  }
  const int64_t cblocks = (ic + kDxbMaxCb - 1) / kDxbMaxCb;  // channel blocks of balanced sizes
  if constexpr (kTransposesInRegisters<T>) {
    if (cblocks == 1 && images == NB) {
      dxb_row_transposed<T, NV>(s, f, r, h, dx);
      return;
    }
  }
  alignas(64) T out[kDxbMaxCb * 4 * NB];
  for (int64_t cb = 0; cb < cblocks; ++cb) {
    const int64_t c0 = ic * cb / cblocks, cn = ic * (cb + 1) / cblocks - c0;
    const int8_t* plan = r.plans[cn];
    for (int64_t w0 = 0, pixels = 0; w0 < g.in_w; w0 += pixels) {
      pixels = *plan++;
      Blocks::fn(cn, static_cast<int>(pixels))(s, f, r, w0, c0, out);
      for (int64_t q = 0; q < std::min<int64_t>(pixels, g.in_w - w0); ++q)
        for (int64_t c = 0; c < cn; ++c) {
          const T* lanes = out + (q * cn + c) * NB;
          T* d = dx + (h * g.in_w + w0 + q) * ic + c0 + c;
          for (int64_t lane = 0; lane < images; ++lane) d[lane * image] = lanes[lane];
        }
    }
  }
}

// Where this form is taken: at least one whole block of images, at most kDxbMaxInC input and
// kDxbMaxOutC output channels. On AVX2 (1 thread, batch 32) it measured against the forms of
// conv2d.cpp: LeNet's 28×28×1 5×5 → 6 0.318 → 0.155 ms, 14×14×6 5×5 → 16 0.378 → 0.196 ms,
// 28×28×3 5×5 → 16 1.37 → 0.65 ms, 14×14×8 3×3 'same' → 16 0.38 → 0.25 ms, 28×28×3 3×3
// 'same' → 32 1.29 → 1.23 ms; and equal or slower beyond: 32×32×3 → 64 3.88 → 3.88 ms,
// 28×28×16 → 16 1.49 → 2.12 ms (dy's image-minor copy outgrows L1 per pixel, and the
// GEMM forms fill their tiles there).
constexpr int64_t kDxbMaxInC = 8;
constexpr int64_t kDxbMaxOutC = 32;

template <typename T>
bool backward_input_batched_typed(const Conv2dShape& s, const T* dy, const T* f, T* dx) {
  using V = typename VecOf<T>::type;
  constexpr int L = sizeof(V) / sizeof(T);
  // Blocks of 2 vectors of images, or of 1 with 16 lanes (AVX-512 float): a batch of 32 is
  // then 2 tasks, and 1 vector measured faster there on 1 thread as well (LeNet's
  // 28×28×1 → 6 dx: 1 thread 0.135 → 0.117 ms, 2 threads 0.119 → 0.063 ms).
  constexpr int NV = L >= 16 ? 1 : 2;
  constexpr int64_t NB = NV * L;
  if (s.batch < NB || s.in_c < 1 || s.in_c > kDxbMaxInC || s.out_c > kDxbMaxOutC || s.win.kh > kDxbMaxKh)
    return false;
  const Window2d& g = s.win;
  const int64_t oc = s.out_c, blocks = (s.batch + NB - 1) / NB;
  const int64_t out_px = g.out_h * g.out_w, onb = oc * NB;
  const CacheAlignedVector<T> zeros(static_cast<size_t>(onb), T(0));
  // Padded by P − 1 misses past the row's end, read by the last pixel block.
  const int64_t padded_w = g.in_w + 3;
  const std::vector<int64_t> col = output_columns(g, padded_w);
  // The row plans for the channel counts of dxb_row's channel blocks.
  std::vector<int8_t> plan_of[kDxbMaxCb + 1];
  const int8_t* plans[kDxbMaxCb + 1] = {};
  const int64_t cblocks = (s.in_c + kDxbMaxCb - 1) / kDxbMaxCb;
  for (int64_t cb = 0; cb < cblocks; ++cb) {
    const int64_t cn = s.in_c * (cb + 1) / cblocks - s.in_c * cb / cblocks;
    if (plans[cn]) continue;
    plan_of[cn] = dxb_plan(col.data(), padded_w, g.kw, g.in_w, cn, NV, DxbBlocks<T, NV>::pixels[cn - 1]);
    plans[cn] = plan_of[cn].data();
  }
  const int64_t image = g.in_h * g.in_w * s.in_c;
  // One task per block of images, in the thread's own scratch: with the copy shared by all
  // threads (rows of dx as tasks), each thread's writes to it and reads of it took the other
  // core's lines away, and 2 threads ran slower than 1 (LeNet's 28×28×1: 0.30 vs 0.16 ms).
  parallel_for(blocks, [&](int64_t b) {
    // dyb[oh][ow][o][lane]; lanes past the batch hold zeros.
    T* const dyb = static_cast<T*>(
        conv_detail::thread_scratch(conv_detail::ScratchSlot::Columns, static_cast<size_t>(out_px * onb) * sizeof(T)));
    const T* src[NB];
    for (int64_t lane = 0; lane < NB; ++lane) {
      const int64_t n = b * NB + lane;
      src[lane] = n < s.batch ? dy + n * out_px * oc : nullptr;
    }
    // Transposed in registers (LeNet's 28×28×1: 0.155 → 0.139 ms against value by value).
    to_image_minor<T, NB>(src, out_px * oc, dyb);
    const int64_t images = std::min(NB, s.batch - b * NB);
    for (int64_t h = 0; h < g.in_h; ++h)
      dxb_row<T, NV>(s, f, dyb, zeros.data(), col.data(), padded_w, plans, h, images, dx + b * NB * image);
  });
  return true;
}

bool backward_input_batched(DType dtype, const Conv2dShape& s, const void* dy, const void* f, void* dx) {
  if (dtype == DType::Float32)
    return backward_input_batched_typed(s, static_cast<const float*>(dy), static_cast<const float*>(f),
                                        static_cast<float*>(dx));
  return backward_input_batched_typed(s, static_cast<const double*>(dy), static_cast<const double*>(f),
                                      static_cast<double*>(dx));
}
