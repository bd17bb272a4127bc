// The pooling kernels, compiled once per instruction-set path: pool_{scalar,avx2,avx512}.cpp
// include this inside their namespace, after ../elementwise/simd.inc (VF/VD, masks, select).
// Not a standalone header.
//
// Vectorized over the contiguous channel axis (NHWC): one vector holds the same pixel of
// kLanes channels, so a window is a handful of vector loads and every lane is independent.
// Channels past the last full vector take the scalar loop, with the same comparisons in the
// same order. Work is split over independent rows (output rows forward, input rows
// backward): each output element is computed by exactly one task in a fixed order, so the
// results are bitwise the same whatever the thread count.
//
// Max pooling's backward uses the argmax that the forward saved (the winner's tap index in
// its window) rather than recomputing it from x: the forward decides ties and NaN once, the
// backward needs no second pass over x, and it stays a gather (each dx element sums the dy
// of the windows that picked it), which has no write conflicts where windows overlap.

// ---- tap indices in vector lanes ----------------------------------------------------------
// An index vector holds each lane's tap index as the bit pattern of an integer as wide as the
// lane (int32 in float lanes, int64 in double lanes), so select() moves it exactly.
template <class V> V index_splat(int32_t t);
template <class V> void store_index(V v, int32_t* p);
// The lanes where p[lane] == t, as a mask for V.
template <class V> typename V::Mask index_eq(const int32_t* p, int32_t t);

#if defined(NG_VEC_AVX512)
template <> inline VF index_splat<VF>(int32_t t) { return VF::from_bits(_mm512_set1_epi32(t)); }
template <> inline VD index_splat<VD>(int32_t t) { return VD::from_bits(_mm512_set1_epi64(t)); }
template <> inline void store_index<VF>(VF v, int32_t* p) { _mm512_storeu_si512(p, bits(v)); }
template <> inline void store_index<VD>(VD v, int32_t* p) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtepi64_epi32(bits(v)));
}
template <> inline MF index_eq<VF>(const int32_t* p, int32_t t) {
  return {_mm512_cmpeq_epi32_mask(_mm512_loadu_si512(p), _mm512_set1_epi32(t))};
}
template <> inline MD index_eq<VD>(const int32_t* p, int32_t t) {
  return {_mm256_cmpeq_epi32_mask(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), _mm256_set1_epi32(t))};
}
#elif defined(NG_VEC_AVX2)
template <> inline VF index_splat<VF>(int32_t t) { return VF::from_bits(_mm256_set1_epi32(t)); }
template <> inline VD index_splat<VD>(int32_t t) { return VD::from_bits(_mm256_set1_epi64x(t)); }
template <> inline void store_index<VF>(VF v, int32_t* p) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), bits(v));
}
template <> inline void store_index<VD>(VD v, int32_t* p) {
  const __m256i low = _mm256_permutevar8x32_epi32(bits(v), _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(low));
}
template <> inline MF index_eq<VF>(const int32_t* p, int32_t t) {
  const __m256i eq = _mm256_cmpeq_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), _mm256_set1_epi32(t));
  return {_mm256_castsi256_ps(eq)};
}
template <> inline MD index_eq<VD>(const int32_t* p, int32_t t) {
  const __m128i eq = _mm_cmpeq_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_set1_epi32(t));
  return {_mm256_castsi256_pd(_mm256_cvtepi32_epi64(eq))};
}
#elif defined(__wasm_simd128__)
template <> inline VF index_splat<VF>(int32_t t) { return {wasm_i32x4_splat(t)}; }
template <> inline VD index_splat<VD>(int32_t t) { return {wasm_i64x2_splat(t)}; }
template <> inline void store_index<VF>(VF v, int32_t* p) { wasm_v128_store(p, v.v); }
template <> inline void store_index<VD>(VD v, int32_t* p) {
  wasm_v128_store64_lane(p, wasm_i32x4_shuffle(v.v, v.v, 0, 2, 0, 2), 0);
}
template <> inline MF index_eq<VF>(const int32_t* p, int32_t t) {
  return {wasm_i32x4_eq(wasm_v128_load(p), wasm_i32x4_splat(t))};
}
template <> inline MD index_eq<VD>(const int32_t* p, int32_t t) {
  return {wasm_i64x2_extend_low_i32x4(wasm_i32x4_eq(wasm_v128_load64_zero(p), wasm_i32x4_splat(t)))};
}
#else
template <> inline VF index_splat<VF>(int32_t t) { return VF::from_bits(static_cast<uint32_t>(t)); }
template <> inline VD index_splat<VD>(int32_t t) { return VD::from_bits(static_cast<uint64_t>(static_cast<int64_t>(t))); }
template <> inline void store_index<VF>(VF v, int32_t* p) { *p = static_cast<int32_t>(VF::bits(v)); }
template <> inline void store_index<VD>(VD v, int32_t* p) { *p = static_cast<int32_t>(static_cast<int64_t>(VD::bits(v))); }
template <> inline bool index_eq<VF>(const int32_t* p, int32_t t) { return *p == t; }
template <> inline bool index_eq<VD>(const int32_t* p, int32_t t) { return *p == t; }
#endif

// ---- window geometry ----------------------------------------------------------------------
struct Range {
  int64_t lo, hi;  // [lo, hi), empty when hi <= lo
};

// The taps [lo, hi) of the window at output position o that land inside [0, size).
inline Range taps_inside(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t size) {
  const int64_t start = o * stride - pad;
  return {std::max<int64_t>(0, -start), std::min(k, size - start)};
}

// The output positions [lo, hi) whose window (of k taps) covers input position i.
inline Range windows_covering(int64_t i, int64_t stride, int64_t pad, int64_t k, int64_t out) {
  const int64_t last = i + pad;      // o * stride <= i + pad
  const int64_t first = last - k + 1;  // o * stride >= i + pad - k + 1
  return {first <= 0 ? 0 : (first + stride - 1) / stride, std::min(out, last / stride + 1)};
}

// Rows per task so that each task does at least ~kGrain element-taps (small problems stay on
// one thread). Depends on the problem only, never on the thread count.
constexpr int64_t kGrain = int64_t{1} << 16;

template <class F>
void for_each_row(int64_t rows, int64_t work_per_row, const F& f) {
  const int64_t per_task = std::max<int64_t>(1, kGrain / std::max<int64_t>(1, work_per_row));
  const int64_t tasks = (rows + per_task - 1) / per_task;
  parallel_for(tasks, [&](int64_t t) {
    const int64_t end = std::min(rows, (t + 1) * per_task);
    for (int64_t r = t * per_task; r < end; ++r) f(r);
  });
}

// ---- forward ------------------------------------------------------------------------------
// One window over kV vectors of channels starting at x (the image offset by the first
// channel): the taps run inside, the kV accumulators (and argmax) stay in registers.
template <class T, int kV, bool kAvg, bool kArg>
inline void window_vectors(const T* x, int64_t in_w, int64_t c, int64_t kw, Range ry, Range rx, int64_t y0,
                           int64_t x0, int32_t first, T count, T* o, int32_t* a) {
  using V = typename VecOf<T>::type;
  constexpr int64_t L = V::kLanes;
  V acc[kV], idx[kV];
  for (int v = 0; v < kV; ++v) {
    acc[v] = V::set1(kAvg ? T(0) : -std::numeric_limits<T>::infinity());
    if constexpr (kArg) idx[v] = index_splat<V>(first);
  }
  for (int64_t ky = ry.lo; ky < ry.hi; ++ky) {
    for (int64_t kx = rx.lo; kx < rx.hi; ++kx) {
      const T* p = x + ((y0 + ky) * in_w + x0 + kx) * c;
      V tap{};
      if constexpr (kArg) tap = index_splat<V>(static_cast<int32_t>(ky * kw + kx));
      for (int v = 0; v < kV; ++v) {
        const V xv = V::load(p + v * L);
        if constexpr (kAvg) {
          acc[v] = acc[v] + xv;
        } else {
          // the first maximum wins; a NaN beats any number and the first NaN stays
          const typename V::Mask up = (xv > acc[v]) | (is_nan(xv) & (acc[v] == acc[v]));
          acc[v] = select(up, xv, acc[v]);
          if constexpr (kArg) idx[v] = select(up, tap, idx[v]);
        }
      }
    }
  }
  for (int v = 0; v < kV; ++v) {
    if constexpr (kAvg) acc[v] = acc[v] / V::set1(count);
    acc[v].store(o + v * L);
    if constexpr (kArg) store_index(idx[v], a + v * L);
  }
}

// A vector of the first k values at p: one load where a whole vector lies before `end` (its
// lanes past k are the next pixel's channels, computed on and never stored), else k values.
template <class V>
inline V load_upto(const typename V::Scalar* p, int64_t k, const typename V::Scalar* end) {
  return p + V::kLanes <= end ? V::load(p) : load_tail<V>(p, k);
}

// The last k (< kLanes) channels of one window, in one vector (see window_vectors): the same
// comparisons and sums, in the same order, as a full vector's lanes; k lanes are stored.
// x + n·in_h·in_w·c = end, the end of the input.
template <class T, bool kAvg, bool kArg>
inline void window_tail(const T* x, const T* end, int64_t k, int64_t in_w, int64_t c, int64_t kw, Range ry,
                        Range rx, int64_t y0, int64_t x0, int32_t first, T count, T* o, int32_t* a) {
  using V = typename VecOf<T>::type;
  V acc = V::set1(kAvg ? T(0) : -std::numeric_limits<T>::infinity());
  V idx{};
  if constexpr (kArg) idx = index_splat<V>(first);
  for (int64_t ky = ry.lo; ky < ry.hi; ++ky) {
    for (int64_t kx = rx.lo; kx < rx.hi; ++kx) {
      const V xv = load_upto<V>(x + ((y0 + ky) * in_w + x0 + kx) * c, k, end);
      if constexpr (kAvg) {
        acc = acc + xv;
      } else {
        const typename V::Mask up = (xv > acc) | (is_nan(xv) & (acc == acc));
        acc = select(up, xv, acc);
        if constexpr (kArg) idx = select(up, index_splat<V>(static_cast<int32_t>(ky * kw + kx)), idx);
      }
    }
  }
  if constexpr (kAvg) acc = acc / V::set1(count);
  store_tail(acc, o, k);
  if constexpr (kArg) {
    alignas(64) int32_t b[V::kLanes];
    store_index(idx, b);
    for (int64_t i = 0; i < k; ++i) a[i] = b[i];
  }
}

// Max (kAvg false) or average of every window of output row oh of one image. img is the
// image [in_h, in_w, c], end the end of the whole input; out and arg point at the row
// [out_w, c]. Channels go in blocks of four vectors, then single vectors, then one partial
// vector: a block re-reads the window once. (The partial vector replaced a scalar loop that
// made a 6-channel image, LeNet's first pooling, 9x slower per element than 32 channels.)
template <class T, bool kAvg, bool kArg>
void pool_row(const T* img, const T* end, T* out, int32_t* arg, int64_t c, const Window2d& w, int64_t oh) {
  constexpr int64_t L = VecOf<T>::type::kLanes;
  const T lowest = -std::numeric_limits<T>::infinity();
  const Range ry = taps_inside(oh, w.stride_h, w.pad_top, w.kh, w.in_h);
  const int64_t y0 = oh * w.stride_h - w.pad_top;
  for (int64_t ow = 0; ow < w.out_w; ++ow) {
    T* o = out + ow * c;
    int32_t* a = kArg ? arg + ow * c : nullptr;
    const Range rx = taps_inside(ow, w.stride_w, w.pad_left, w.kw, w.in_w);
    const int64_t x0 = ow * w.stride_w - w.pad_left;
    if (ry.hi <= ry.lo || rx.hi <= rx.lo) {
      std::fill(o, o + c, kAvg ? T(0) : lowest);
      if (kArg) std::fill(a, a + c, -1);
      continue;
    }
    const T count = static_cast<T>((ry.hi - ry.lo) * (rx.hi - rx.lo));
    const int32_t first = static_cast<int32_t>(ry.lo * w.kw + rx.lo);
    int64_t j = 0;
    for (; j + 4 * L <= c; j += 4 * L)
      window_vectors<T, 4, kAvg, kArg>(img + j, w.in_w, c, w.kw, ry, rx, y0, x0, first, count, o + j, kArg ? a + j : nullptr);
    for (; j + L <= c; j += L)
      window_vectors<T, 1, kAvg, kArg>(img + j, w.in_w, c, w.kw, ry, rx, y0, x0, first, count, o + j, kArg ? a + j : nullptr);
    if (j < c)
      window_tail<T, kAvg, kArg>(img + j, end, c - j, w.in_w, c, w.kw, ry, rx, y0, x0, first, count, o + j,
                                 kArg ? a + j : nullptr);
  }
}

template <class T, bool kAvg, bool kArg>
void pool_forward(const T* x, T* out, int32_t* arg, int64_t n, int64_t c, const Window2d& w) {
  const int64_t in_image = w.in_h * w.in_w * c, out_row = w.out_w * c;
  for_each_row(n * w.out_h, out_row * w.kh * w.kw, [&](int64_t r) {
    const int64_t b = r / w.out_h, oh = r % w.out_h;
    pool_row<T, kAvg, kArg>(x + b * in_image, x + n * in_image, out + r * out_row, kArg ? arg + r * out_row : nullptr,
                            c, w, oh);
  });
}

// ---- backward -----------------------------------------------------------------------------
// Adds one window's share into the channels of one dx pixel: d = (kFirst ? 0 : d) + share.
// Max: share = g where the window's argmax a is this pixel's tap, else 0. Average:
// g · (1 / count), a multiply rather than a division (a vector division costs as much as
// the memory traffic here).
template <class T, bool kAvg, bool kFirst>
void add_share(T* d, const T* g, const int32_t* a, int32_t tap, T inv_count, int64_t c) {
  using V = typename VecOf<T>::type;
  constexpr int64_t L = V::kLanes;
  const V zero = V::set1(T(0));
  const V inv = V::set1(inv_count);
  int64_t j = 0;
  for (; j + L <= c; j += L) {
    const V prev = kFirst ? zero : V::load(d + j);
    V share;
    if constexpr (kAvg) share = V::load(g + j) * inv;
    else share = select(index_eq<V>(a + j, tap), V::load(g + j), zero);
    (prev + share).store(d + j);
  }
  for (; j < c; ++j) {
    const T prev = kFirst ? T(0) : d[j];
    d[j] = prev + (kAvg ? g[j] * inv_count : a[j] == tap ? g[j] : T(0));
  }
}

// dx of input row ih of one image (dx_row is [in_w, c]), gathered from the windows over it
// in output order (oh, then ow). dy and arg are the image's [out_h, out_w, c]. The columns
// of windows over pixel iw only move forward with iw, so they are stepped, not divided out.
template <class T, bool kAvg>
void pool_grad_row(const T* dy, const int32_t* arg, T* dx_row, int64_t c, const Window2d& w, int64_t ih) {
  const Range ro = windows_covering(ih, w.stride_h, w.pad_top, w.kh, w.out_h);
  int64_t ow_lo = 0, ow_end = 0;  // windows [ow_lo, ow_end) start at or before iw, not before iw - kw + 1
  int64_t last_count = 0;
  T inv_count = T(0);
  for (int64_t iw = 0; iw < w.in_w; ++iw) {
    T* d = dx_row + iw * c;
    const int64_t at_or_before = iw + w.pad_left;  // ow * stride_w <= iw + pad_left
    while (ow_end < w.out_w && ow_end * w.stride_w <= at_or_before) ++ow_end;
    while (ow_lo < ow_end && ow_lo * w.stride_w + w.kw <= at_or_before) ++ow_lo;
    bool first = true;
    for (int64_t oh = ro.lo; oh < ro.hi; ++oh) {
      const int64_t ky = ih + w.pad_top - oh * w.stride_h;
      const Range ry = taps_inside(oh, w.stride_h, w.pad_top, w.kh, w.in_h);
      for (int64_t ow = ow_lo; ow < ow_end; ++ow) {
        const int64_t kx = at_or_before - ow * w.stride_w;
        if constexpr (kAvg) {
          const Range rx = taps_inside(ow, w.stride_w, w.pad_left, w.kw, w.in_w);
          const int64_t count = (ry.hi - ry.lo) * (rx.hi - rx.lo);
          if (count != last_count) {  // neighbouring windows mostly share their count
            last_count = count;
            inv_count = T(1) / static_cast<T>(count);
          }
        }
        const int64_t at = (oh * w.out_w + ow) * c;
        const int32_t tap = static_cast<int32_t>(ky * w.kw + kx);
        const int32_t* a = kAvg ? nullptr : arg + at;
        if (first) add_share<T, kAvg, true>(d, dy + at, a, tap, inv_count, c);
        else add_share<T, kAvg, false>(d, dy + at, a, tap, inv_count, c);
        first = false;
      }
    }
    if (first) std::fill(d, d + c, T(0));
  }
}

// Windows that do not overlap (strides >= pool size as in the usual 2×2/2, or one window
// along an axis as in global pooling) give each dx pixel at most one share: dx row ih is
// written window by window, each window's dy (and argmax) loaded once for its kw pixels,
// and the pixels no window covers are zeroed.
template <class T, bool kAvg>
void pool_grad_row_disjoint(const T* dy, const int32_t* arg, T* dx_row, int64_t c, const Window2d& w, int64_t ih,
                            const T* dy_end, const int32_t* arg_end) {
  using V = typename VecOf<T>::type;
  constexpr int64_t L = V::kLanes;
  const Range ro = windows_covering(ih, w.stride_h, w.pad_top, w.kh, w.out_h);
  if (ro.hi <= ro.lo) {
    std::fill(dx_row, dx_row + w.in_w * c, T(0));
    return;
  }
  const int64_t oh = ro.lo, ky = ih + w.pad_top - oh * w.stride_h;
  const Range ry = taps_inside(oh, w.stride_h, w.pad_top, w.kh, w.in_h);
  const V zero = V::set1(T(0));
  int64_t done = 0;  // dx_row pixels [0, done) are written
  for (int64_t ow = 0; ow < w.out_w; ++ow) {
    const int64_t x0 = ow * w.stride_w - w.pad_left;
    const int64_t from = std::max<int64_t>(x0, 0), to = std::min(x0 + w.kw, w.in_w);
    if (from >= to) continue;
    std::fill(dx_row + done * c, dx_row + from * c, T(0));
    done = to;
    const int64_t at = (oh * w.out_w + ow) * c;
    const T* g = dy + at;
    const int32_t* a = kAvg ? nullptr : arg + at;
    const int32_t tap0 = static_cast<int32_t>(ky * w.kw + (from - x0));
    T* d = dx_row + from * c;
    const int64_t pixels = to - from;
    const T inv = kAvg ? T(1) / static_cast<T>((ry.hi - ry.lo) * pixels) : T(0);
    int64_t j = 0;
    for (; j + L <= c; j += L) {
      const V gv = kAvg ? V::load(g + j) * V::set1(inv) : V::load(g + j);
      for (int64_t k = 0; k < pixels; ++k) {
        if constexpr (kAvg) gv.store(d + k * c + j);
        else select(index_eq<V>(a + j, tap0 + static_cast<int32_t>(k)), gv, zero).store(d + k * c + j);
      }
    }
    if (j < c) {  // the last channels in one partial vector (see pool_row)
      const int64_t rest = c - j;
      const V gv = kAvg ? load_upto<V>(g + j, rest, dy_end) * V::set1(inv) : load_upto<V>(g + j, rest, dy_end);
      alignas(64) int32_t at[L];
      const int32_t* aj = kAvg ? nullptr : a + j;  // average pooling has no argmax
      if (!kAvg && aj + L > arg_end) {
        for (int64_t i = 0; i < L; ++i) at[i] = i < rest ? aj[i] : -1;
        aj = at;
      }
      for (int64_t k = 0; k < pixels; ++k) {
        if constexpr (kAvg) store_tail(gv, d + k * c + j, rest);
        else store_tail(select(index_eq<V>(aj, tap0 + static_cast<int32_t>(k)), gv, zero), d + k * c + j, rest);
      }
    }
  }
  std::fill(dx_row + done * c, dx_row + w.in_w * c, T(0));
}

template <class T, bool kAvg>
void pool_backward(const T* dy, const int32_t* arg, T* dx, int64_t n, int64_t c, const Window2d& w) {
  const int64_t out_image = w.out_h * w.out_w * c, in_row = w.in_w * c;
  // windows over one pixel: about ceil(kh / sh) · ceil(kw / sw)
  const int64_t overlap = ((w.kh + w.stride_h - 1) / w.stride_h) * ((w.kw + w.stride_w - 1) / w.stride_w);
  const bool disjoint = (w.stride_h >= w.kh || w.out_h == 1) && (w.stride_w >= w.kw || w.out_w == 1);
  for_each_row(n * w.in_h, in_row * overlap, [&](int64_t r) {
    const int64_t b = r / w.in_h, ih = r % w.in_h;
    const int32_t* a = kAvg ? nullptr : arg + b * out_image;
    if (disjoint)
      pool_grad_row_disjoint<T, kAvg>(dy + b * out_image, a, dx + r * in_row, c, w, ih, dy + n * out_image,
                                      kAvg ? nullptr : arg + n * out_image);
    else pool_grad_row<T, kAvg>(dy + b * out_image, a, dx + r * in_row, c, w, ih);
  });
}

// ---- entry points (see pool.h) ------------------------------------------------------------
void max_pool2d(DType dtype, const void* x, void* out, int32_t* argmax, int64_t n, int64_t c, const Window2d& w) {
  if (dtype == DType::Float32) {
    const auto* xs = static_cast<const float*>(x);
    auto* os = static_cast<float*>(out);
    if (argmax) pool_forward<float, false, true>(xs, os, argmax, n, c, w);
    else pool_forward<float, false, false>(xs, os, nullptr, n, c, w);
  } else {
    const auto* xs = static_cast<const double*>(x);
    auto* os = static_cast<double*>(out);
    if (argmax) pool_forward<double, false, true>(xs, os, argmax, n, c, w);
    else pool_forward<double, false, false>(xs, os, nullptr, n, c, w);
  }
}

void max_pool2d_grad(DType dtype, const void* dy, const int32_t* argmax, void* dx, int64_t n, int64_t c,
                     const Window2d& w) {
  if (dtype == DType::Float32)
    pool_backward<float, false>(static_cast<const float*>(dy), argmax, static_cast<float*>(dx), n, c, w);
  else
    pool_backward<double, false>(static_cast<const double*>(dy), argmax, static_cast<double*>(dx), n, c, w);
}

void avg_pool2d(DType dtype, const void* x, void* out, int64_t n, int64_t c, const Window2d& w) {
  if (dtype == DType::Float32)
    pool_forward<float, true, false>(static_cast<const float*>(x), static_cast<float*>(out), nullptr, n, c, w);
  else
    pool_forward<double, true, false>(static_cast<const double*>(x), static_cast<double*>(out), nullptr, n, c, w);
}

void avg_pool2d_grad(DType dtype, const void* dy, void* dx, int64_t n, int64_t c, const Window2d& w) {
  if (dtype == DType::Float32)
    pool_backward<float, true>(static_cast<const float*>(dy), nullptr, static_cast<float*>(dx), n, c, w);
  else
    pool_backward<double, true>(static_cast<const double*>(dy), nullptr, static_cast<double*>(dx), n, c, w);
}
