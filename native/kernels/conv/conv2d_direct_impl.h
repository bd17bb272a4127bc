// The direct small-channel convolution loops (see conv2d_direct.h), included inside
// namespace ng::conv2d_direct_<isa> by each conv2d_direct_<isa>.cpp, which sets the target
// instruction set and the vector macros of conv2d_simd.h. The includer provides <algorithm>,
// <cmath>, <cstdint>, <cstring>, <utility>, <vector>, thread_pool.h, cache_aligned.h, im2col.h
// and conv2d_direct.h.
//
// Each output row r = n·out_h + oh is computed from a strip: for every filter row i, input
// channel c and stride phase φ < sw, the plane of padded input columns φ, φ + sw, φ + 2·sw…
// (zero outside the image). Tap j of output pixel ow then reads plane φ = (j·dw) mod sw at
// index ow + ⌊j·dw / sw⌋, so consecutive pixels read consecutive values whatever the stride.
// A block of NV vectors of pixels × all OC output channels accumulates in registers.

#include "conv2d_simd.h"

constexpr int64_t kRowWork = 1 << 15;  // multiply-adds per task, roughly

#include "activate_all.inc"

// Per-call tables. Input rows are kept in planar form: input row ih holds, for each channel
// c and stride phase ph, a plane of `plane` values (padded columns ph, ph + sw, ph + 2·sw…,
// zero outside the image), row_stride values in all. Tap t = i·kw·in_c + jc, jc = j·in_c + c
// (the filter's row order), reads the planar row of filter row i at in_row[jc] + ow for
// output pixel ow; rows outside the image read a row of zeros.
struct Strip {
  int64_t phases;      // stride_w
  int64_t plane;       // values per plane (with slack for the last pixel block)
  int64_t row_stride;  // in_c · phases · plane
  int64_t row_taps;    // kw · in_c
  std::vector<int64_t> in_row;
  std::vector<int64_t> q_lo, q_hi;  // per phase: plane indices inside the image

  Strip(const Conv2dShape& s, int64_t block_pixels) {
    const Window2d& g = s.win;
    phases = g.stride_w;
    kh = g.kh;
    const int64_t pixels = (g.out_w + block_pixels - 1) / block_pixels * block_pixels;
    plane = pixels + ((g.kw - 1) * g.dilation_w) / g.stride_w + 1;
    row_stride = s.in_c * phases * plane;
    row_taps = g.kw * s.in_c;
    for (int64_t j = 0; j < g.kw; ++j)
      for (int64_t c = 0; c < s.in_c; ++c) {
        const int64_t shift = j * g.dilation_w;
        in_row.push_back((c * phases + shift % phases) * plane + shift / phases);
      }
    // Plane index q of phase ph is input column q·sw + ph − pl.
    for (int64_t ph = 0; ph < phases; ++ph) {
      const int64_t first = g.pad_left - ph;  // q·sw ≥ first
      const int64_t lo = first <= 0 ? 0 : (first + phases - 1) / phases;
      const int64_t last = g.in_w - 1 + g.pad_left - ph;  // q·sw ≤ last
      const int64_t hi = last < 0 ? 0 : std::min(plane, last / phases + 1);
      q_lo.push_back(std::min(lo, hi));
      q_hi.push_back(hi);
    }
  }

  int64_t kh = 0;
  int64_t taps() const { return kh * row_taps; }
};

// Input rows [ih_lo, ih_lo + count) of image n (all inside it) in planar form.
template <typename T>
void fill_planes(const Conv2dShape& s, const T* x, int64_t n, int64_t ih_lo, int64_t count, const Strip& st,
                 T* planes) {
  const Window2d& g = s.win;
  const int64_t cin = s.in_c, step = st.phases * cin;
  for (int64_t rr = 0; rr < count; ++rr) {
    const int64_t ih = ih_lo + rr;
    for (int64_t c = 0; c < cin; ++c) {
      for (int64_t ph = 0; ph < st.phases; ++ph) {
        T* plane = planes + rr * st.row_stride + (c * st.phases + ph) * st.plane;
        const int64_t lo = st.q_lo[ph], hi = st.q_hi[ph];
        for (int64_t q = 0; q < lo; ++q) plane[q] = T(0);
        if (lo < hi) {
          const T* src = x + ((n * g.in_h + ih) * g.in_w + lo * st.phases + ph - g.pad_left) * cin + c;
          for (int64_t q = lo; q < hi; ++q) plane[q] = src[(q - lo) * step];
        }
        for (int64_t q = hi; q < st.plane; ++q) plane[q] = T(0);
      }
    }
  }
}

// A task's buffers: the planar in-image input rows of the current run of output rows, a row
// of zeros, and the planar rows (one per filter row) of the current output row; for the
// filter gradient also dy's rows transposed and the tap pointers of a run of rows.
template <typename T>
struct Workspace {
  CacheAlignedVector<T> planes, zeros, dyt;
  CacheAlignedVector<const T*> rows, ptrs;
};

// The calling thread's workspace, kept from task to task and call to call: no allocation
// per task, and lines no other thread writes (cache_aligned.h).
template <typename T>
Workspace<T>& thread_workspace() {
  thread_local Workspace<T> ws;
  return ws;
}

// Calls fn(r, rows) for output rows r in [r0, r1) in order, rows[i] being the planar row
// filter row i reads (tap t = i·row_taps + jc of output pixel ow reads rows[i][in_row[jc] +
// ow]). Input rows are converted once per run of rows of one image, and only where they lie
// inside the image. Every pointer stays valid until the next call.
template <typename T, typename F>
void for_each_row(const Conv2dShape& s, const T* x, int64_t r0, int64_t r1, const Strip& st, Workspace<T>& ws,
                  F&& fn) {
  const Window2d& g = s.win;
  ws.zeros.assign(static_cast<size_t>(st.row_stride), T(0));
  ws.rows.resize(static_cast<size_t>(g.kh));
  for (int64_t r = r0; r < r1;) {
    const int64_t n = r / g.out_h, oh0 = r % g.out_h, oh1 = std::min(g.out_h, oh0 + (r1 - r));
    const int64_t first = oh0 * g.stride_h - g.pad_top;
    const int64_t last = (oh1 - 1) * g.stride_h - g.pad_top + (g.kh - 1) * g.dilation_h;
    const int64_t lo = std::max<int64_t>(first, 0), hi = std::min(last + 1, g.in_h);
    const int64_t count = std::max<int64_t>(hi - lo, 0);
    // Sparse rows (stride taller than the window): each output row's kh rows on their own.
    const bool sparse = count > (oh1 - oh0) * g.kh;
    ws.planes.resize(static_cast<size_t>((sparse ? (oh1 - oh0) * g.kh : count) * st.row_stride));
    if (!sparse) fill_planes(s, x, n, lo, count, st, ws.planes.data());
    for (int64_t oh = oh0; oh < oh1; ++oh, ++r) {
      T* own = ws.planes.data() + (oh - oh0) * g.kh * st.row_stride;
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t ih = oh * g.stride_h - g.pad_top + i * g.dilation_h;
        if (ih < 0 || ih >= g.in_h) {
          ws.rows[i] = ws.zeros.data();
        } else if (sparse) {
          fill_planes(s, x, n, ih, 1, st, own + i * st.row_stride);
          ws.rows[i] = own + i * st.row_stride;
        } else {
          ws.rows[i] = ws.planes.data() + (ih - lo) * st.row_stride;
        }
      }
      fn(r, ws.rows.data());
    }
  }
}

#ifdef NG_CONV_VECTORS

// acc[o][v] = Σ over taps t of f[t, o] · the NV vectors of pixels of tap t. Filter rows that
// read a row of zeros (vertical padding) are skipped.
template <typename T, int OC, int NV>
inline void row_block(const Strip& st, const T* const* rows, const T* zeros, const T* f, int64_t ow0,
                      typename VecOf<T>::type (&acc)[OC][NV]) {
  using V = typename VecOf<T>::type;
  constexpr int L = sizeof(V) / sizeof(T);
  for (int o = 0; o < OC; ++o)
    for (int v = 0; v < NV; ++v) acc[o][v] = V{};
  // With a single output channel, odd taps go to a second set of accumulators, added in at
  // the end: NV chains alone would leave the FMA units waiting on their latency.
  V odd[NV];
  for (int v = 0; v < NV; ++v) odd[v] = V{};
  const int64_t* in_row = st.in_row.data();
  for (int64_t i = 0; i < st.kh; ++i) {
    if (rows[i] == zeros) continue;
    const T* row = rows[i] + ow0;
    const T* wi = f + i * st.row_taps * OC;
    int64_t jc = 0;
    if constexpr (OC == 1) {
      for (; jc + 2 <= st.row_taps; jc += 2) {
        const V w0 = splat(wi[jc]), w1 = splat(wi[jc + 1]);
        const T* x0 = row + in_row[jc];
        const T* x1 = row + in_row[jc + 1];
        for (int v = 0; v < NV; ++v) {
          acc[0][v] = madd(w0, load(x0 + v * L), acc[0][v]);
          odd[v] = madd(w1, load(x1 + v * L), odd[v]);
        }
      }
    }
    for (; jc < st.row_taps; ++jc) {
      const T* xs = row + in_row[jc];
      const T* wt = wi + jc * OC;
      V xv[NV];
      for (int v = 0; v < NV; ++v) xv[v] = load(xs + v * L);
      for (int o = 0; o < OC; ++o) {
        const V w = splat(wt[o]);
        for (int v = 0; v < NV; ++v) acc[o][v] = madd(w, xv[v], acc[o][v]);
      }
    }
  }
  if constexpr (OC == 1)
    for (int v = 0; v < NV; ++v) acc[0][v] += odd[v];
}

template <typename T, int OC>
void rows(const Conv2dShape& s, const T* x, const T* f, const T* bias, Activation act, T* y, int64_t r0, int64_t r1,
          const Strip& st, Workspace<T>& ws) {
  using V = typename VecOf<T>::type;
  constexpr int L = sizeof(V) / sizeof(T);
  constexpr int NV = OC <= 2 ? 4 : OC <= 6 ? 2 : 1;  // OC·NV accumulators fit the register file
  const Window2d& g = s.win;
  for_each_row(s, x, r0, r1, st, ws, [&](int64_t r, const T* const* rows) {
    T* yr = y + r * g.out_w * OC;
    for (int64_t ow0 = 0; ow0 < g.out_w; ow0 += NV * L) {
      V acc[OC][NV];
      row_block<T, OC, NV>(st, rows, ws.zeros.data(), f, ow0, acc);
      T out[OC][NV * L];
      std::memcpy(out, acc, sizeof(out));
      const int64_t nw = std::min<int64_t>(NV * L, g.out_w - ow0);
      T* dst = yr + ow0 * OC;
      for (int64_t q = 0; q < nw; ++q)
        for (int o = 0; o < OC; ++o) dst[q * OC + o] = out[o][q] + (bias ? bias[o] : T(0));
    }
    activate_all(yr, g.out_w * OC, act);
  });
}

constexpr int64_t kBlockPixels = 4 * NG_CONV_VEC_BYTES / 4;  // the widest block (NV = 4, float)

// Taps summed together by the filter gradient: TT·OC accumulators, TT x vectors and one dy
// vector within the vector registers (16, or 32 with AVX-512; at most 3/4 of them
// accumulators), so that each dy vector loaded serves TT taps (LeNet's 28×28×1 5×5 → 6
// loaded 7 vectors per 6 multiply-adds with one tap).
constexpr int kVectorRegs = NG_CONV_VEC_BYTES == 64 ? 32 : 16;
template <int OC>
constexpr int filter_taps_together() {
  const int by_acc = kVectorRegs * 3 / 4 / OC, by_regs = (kVectorRegs - 1) / (OC + 1);
  return std::max(1, std::min(by_acc, by_regs));
}

#ifdef NG_CONV_PERMUTE2_PS
// Permute indices that gather plane o of 16 pixels × OC channels held in OC vectors:
// step k (1 ≤ k < OC) takes from vector k the lanes whose value lies there and keeps the
// others (step 1 also takes vector 0's).
template <int OC>
struct FewPlaneIndex {
  int lane[OC][OC][16];
  constexpr FewPlaneIndex() : lane{} {
    for (int o = 0; o < OC; ++o)
      for (int k = 1; k < OC; ++k)
        for (int q = 0; q < 16; ++q) {
          const int e = q * OC + o, src = e / 16, pos = e % 16;
          lane[o][k][q] = src == k ? 16 + pos : k == 1 ? (src == 0 ? pos : 0) : q;
        }
  }
};
template <int OC>
constexpr FewPlaneIndex<OC> kFewPlaneIndex{};
#endif

// dyt[o·ld + q] = dy[q·OC + o] for q < count, o < OC: a run of dy's pixels, channel-major,
// each plane's row a whole number of vectors long (the permute form writes all of it).
// Blocks of L pixels are transposed in registers where dy has the L·⌈OC/L⌉ values the block
// reads past its first pixel (they reach into the next pixels); dyt then has ⌈OC/L⌉·L
// planes, the ones past OC holding garbage.
template <typename T, int OC>
void transpose_dy(const T* dy, int64_t count, int64_t readable, T* dyt, int64_t ld) {
  int64_t q = 0;
  // A 16×16 block for few channels mostly transposes the next pixels' values into planes
  // nobody reads (LeNet's 6 channels on AVX-512: df 0.15 -> 0.20 ms); element copies there.
  if constexpr (kTransposesInRegisters<T> && (lanes<T>() <= 8 || 2 * OC > lanes<T>())) {
    constexpr int64_t L = lanes<T>(), span = (OC + L - 1) / L * L;
    const T* src[L];
    for (; q + L <= count && (q + L - 1) * OC + span <= readable; q += L) {
      for (int64_t k = 0; k < L; ++k) src[k] = dy + (q + k) * OC;
      for (int64_t e = 0; e < OC; e += L) transpose_block(src, e, dyt + q, ld);
    }
  }
#ifdef NG_CONV_PERMUTE2_PS
  // Few channels on AVX-512: 16 pixels' OC·16 values (OC vectors), each plane assembled by
  // a chain of OC − 1 two-vector permutes; the last block's lanes past `count` zero (written:
  // the planes' rows are whole vectors). LeNet's conv1 filter gradient in this row form
  // (batch 32, 1 thread): element copies 0.20 ms, 16-lane gathers 0.15 ms, permutes 0.14 ms.
  if constexpr (std::is_same_v<T, float> && 2 * OC <= lanes<T>()) {
    constexpr int64_t L = lanes<T>();
    const auto& idx = kFewPlaneIndex<OC>;
    alignas(64) float tail[L * OC];
    for (; q < count; q += L) {
      const float* src = dy + q * OC;
      if (count - q < L) {
        const int64_t have = (count - q) * OC;
        std::copy(src, src + have, tail);
        std::fill(tail + have, tail + L * OC, 0.0f);
        src = tail;
      }
      VF v[OC];
      for (int k = 0; k < OC; ++k) v[k] = load(src + k * L);
      for (int o = 0; o < OC; ++o) {
        VF plane = v[0];
        for (int k = 1; k < OC; ++k) plane = NG_CONV_PERMUTE2_PS(plane, idx.lane[o][k], v[k]);
        store(dyt + o * ld + q, plane);
      }
    }
  }
#endif
  for (; q < count; ++q)
    for (int o = 0; o < OC; ++o) dyt[o * ld + q] = dy[q * OC + o];
}

// Filter gradient of output rows [r0, r1) (a run of rows of one image): for each tap t and
// output channel o,
//   vacc[(t·OC + o)·L + lane] += Σ over rows and pixel blocks of x(t) · dyᵀ[o],
// rows, blocks and lanes always in the same order. A row's last, partial block reads dy
// zero-padded and x with the lanes past the row cleared (the planes hold whole blocks), so
// those lanes add exact zeros. dyt receives the rows of dy transposed, each padded to whole
// vectors.
template <typename T, int OC>
void filter_rows(const Conv2dShape& s, const T* x, const T* dy, int64_t r0, int64_t r1, const Strip& st,
                 Workspace<T>& ws, T* vacc) {
  using V = typename VecOf<T>::type;
  constexpr int L = sizeof(V) / sizeof(T);
  const Window2d& g = s.win;
  const int64_t taps = st.taps(), rows = r1 - r0;
  const int64_t full = g.out_w / L * L, row_ld = (g.out_w + L - 1) / L * L;
  const int64_t ld = rows * row_ld;  // dyt[o·ld + row·row_ld + ow]
  constexpr int64_t planes = (OC + L - 1) / L * L;
  ws.dyt.resize(static_cast<size_t>(planes * ld));
  T* dyt = ws.dyt.data();
  const int64_t total = s.batch * g.out_h * g.out_w * OC;
  for (int64_t rr = 0; rr < rows; ++rr) {
    const int64_t first = (r0 + rr) * g.out_w * OC;
    transpose_dy<T, OC>(dy + first, g.out_w, total - first, dyt + rr * row_ld, ld);
    for (int o = 0; o < OC; ++o)
      for (int64_t q = g.out_w; q < row_ld; ++q) dyt[o * ld + rr * row_ld + q] = T(0);
  }
  // Tap pointers of every row of the run, then the sums tap by tap over all rows.
  ws.ptrs.resize(static_cast<size_t>(rows * taps));
  const T** ptrs = ws.ptrs.data();
  for_each_row(s, x, r0, r1, st, ws, [&](int64_t r, const T* const* row) {
    const T** p = ptrs + (r - r0) * taps;
    for (int64_t i = 0; i < st.kh; ++i)
      for (int64_t jc = 0; jc < st.row_taps; ++jc) *p++ = row[i] + st.in_row[jc];
  });
  // Taps [t, t + TT) together; every (tap, o) sum sees the same operations in the same order
  // whatever TT.
  const auto taps_together = [&](auto tt_constant, int64_t t) {
    constexpr int TT = decltype(tt_constant)::value;
    V a[TT][OC];
    for (int u = 0; u < TT; ++u)
      for (int o = 0; o < OC; ++o) a[u][o] = V{};
    const auto block = [&](const V (&xv)[TT], const T* d0) {
      for (int o = 0; o < OC; ++o) {
        V d = load(d0 + o * ld);
        if (TT > 1) keep_in_register(d);
        for (int u = 0; u < TT; ++u) a[u][o] = madd(xv[u], d, a[u][o]);
      }
    };
    for (int64_t rr = 0; rr < rows; ++rr) {
      const T* xs[TT];
      for (int u = 0; u < TT; ++u) xs[u] = ptrs[rr * taps + t + u];
      const T* dr = dyt + rr * row_ld;
      for (int64_t q = 0; q < full; q += L) {
        V xv[TT];
        for (int u = 0; u < TT; ++u) xv[u] = load(xs[u] + q);
        block(xv, dr + q);
      }
      if (full < g.out_w) {
        V xv[TT];
        for (int u = 0; u < TT; ++u) xv[u] = first_lanes<T>(load(xs[u] + full), g.out_w - full);
        block(xv, dr + full);
      }
    }
    for (int u = 0; u < TT; ++u)
      for (int o = 0; o < OC; ++o) {
        T* va = vacc + ((t + u) * OC + o) * L;
        store(va, load(va) + a[u][o]);
      }
  };
  constexpr int TT = filter_taps_together<OC>();
  int64_t t = 0;
  for (; t + TT <= taps; t += TT) taps_together(std::integral_constant<int, TT>{}, t);
  for (; t < taps; ++t) taps_together(std::integral_constant<int, 1>{}, t);
}

// ---- Input gradient for few input channels ----
// dx[n, h, w, c] = Σ_{i, j} Σ_o dy[n, oh, ow, o] · f[i, j, c, o] over the taps whose
// (oh, ow) = ((h + pad_top − i·dh) / sh, (w + pad_left − j·dw) / sw) is an output pixel
// (exact division). dy's pixel rows and f's (tap, c) rows are both contiguous in o, so the
// sum over o runs in vectors: per tap, NVO vector loads of dy and CB·NVO fused multiply-adds
// for a pixel × CB input channels, with no padding work and no col2im. A block of P pixels
// × CB channels accumulates in registers; its lanes are summed once, at the end.

// Which output pixel an input pixel reaches through a filter tap, for the input gradient:
// the output row of input row h through filter row i, or −1 (none, or between strides).
inline int64_t output_row(const Window2d& g, int64_t h, int64_t i) {
  const int64_t num = h + g.pad_top - i * g.dilation_h;
  return num < 0 || num % g.stride_h != 0 || num / g.stride_h >= g.out_h ? -1 : num / g.stride_h;
}

// col[j·ld + w]: the output column of input column w through filter column j, or −1; the
// entries past in_w (ld ≥ in_w) are −1 too.
inline std::vector<int64_t> output_columns(const Window2d& g, int64_t ld) {
  std::vector<int64_t> col(static_cast<size_t>(g.kw * ld), -1);
  for (int64_t j = 0; j < g.kw; ++j)
    for (int64_t w = 0; w < g.in_w; ++w) {
      const int64_t num = w + g.pad_left - j * g.dilation_w;
      if (num >= 0 && num % g.stride_w == 0 && num / g.stride_w < g.out_w)
        col[static_cast<size_t>(j * ld + w)] = num / g.stride_w;
    }
  return col;
}

// One dx row's view of dy: the filter rows i that reach output rows, with those rows' dy, and
// for each filter column j the output column each input column w reads (−1: none).
template <typename T>
struct DxRow {
  CacheAlignedVector<const T*> dy_rows;  // dy row of each filter row in rows_i
  CacheAlignedVector<int64_t> rows_i;
  const int64_t* col = nullptr;  // col[j·in_w + w]
  const T* zeros = nullptr;      // out_c zeros, read for taps that miss
};

// The calling thread's DxRow, kept from task to task (see thread_workspace).
template <typename T>
DxRow<T>& thread_dx_row() {
  thread_local DxRow<T> r;
  return r;
}

template <typename T, int NVO, int CB, int P>
void dx_row_block(const Conv2dShape& s, const T* f, const DxRow<T>& r, int64_t c0, T* dxrow) {
  using V = typename VecOf<T>::type;
  constexpr int L = sizeof(V) / sizeof(T);
  const Window2d& g = s.win;
  const int64_t oc = s.out_c, ic = s.in_c, nrows = static_cast<int64_t>(r.rows_i.size());
  for (int64_t w0 = 0; w0 < g.in_w; w0 += P) {
    V acc[P][CB][NVO];
    for (int q = 0; q < P; ++q)
      for (int c = 0; c < CB; ++c)
        for (int v = 0; v < NVO; ++v) acc[q][c][v] = V{};
    for (int64_t ii = 0; ii < nrows; ++ii) {
      const T* dyr = r.dy_rows[ii];
      const T* fr = f + (r.rows_i[ii] * g.kw * ic + c0) * oc;
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t* colj = r.col + j * g.in_w;
        const T* dp[P];
        bool any = false;
        for (int q = 0; q < P; ++q) {
          const int64_t ow = w0 + q < g.in_w ? colj[w0 + q] : -1;
          dp[q] = ow >= 0 ? dyr + ow * oc : r.zeros;
          any |= ow >= 0;
        }
        if (!any) continue;
        const T* fj = fr + j * ic * oc;
        for (int v = 0; v < NVO; ++v) {
          V d[P];
          for (int q = 0; q < P; ++q) d[q] = load(dp[q] + v * L);
          for (int c = 0; c < CB; ++c) {
            const V wv = load(fj + c * oc + v * L);
            for (int q = 0; q < P; ++q) acc[q][c][v] = madd(d[q], wv, acc[q][c][v]);
          }
        }
      }
    }
    const int64_t pc = std::min<int64_t>(P, g.in_w - w0);
    for (int64_t q = 0; q < pc; ++q)
      for (int c = 0; c < CB; ++c) {
        V t = acc[q][c][0];
        for (int v = 1; v < NVO; ++v) t += acc[q][c][v];
        T lane[L];
        store(lane, t);
        for (int half = L / 2; half >= 1; half /= 2)
          for (int l = 0; l < half; ++l) lane[l] += lane[l + half];
        dxrow[(w0 + q) * ic + c0 + c] = lane[0];
      }
  }
}

// Pixels per block: enough independent accumulators to hide the FMA latency, few enough
// (with the P dy vectors and a filter vector) to stay in 16 registers. Two pixels share each
// filter load, which keeps the loads per multiply-add below one.
template <int NVO, int CB>
constexpr int dx_pixels() {
  return CB * NVO <= 3 ? 4 : CB * NVO <= 6 ? 2 : 1;
}

// Input channels per block, for 12 accumulators: 6 / NVO channels of the 2 pixels that
// dx_pixels then takes, or from NVO = 4 on, 12 / NVO channels of one pixel.
template <int NVO>
constexpr int dx_max_cb() {
  return NVO <= 3 ? 6 / NVO : 12 / NVO;
}

template <typename T>
using DxBlockFn = void (*)(const Conv2dShape&, const T*, const DxRow<T>&, int64_t, T*);

// The block kernels for CB = 1 .. dx_max_cb<NVO>() (fns[cb − 1]), and no others.
template <typename T, int NVO, typename Seq = std::make_integer_sequence<int, dx_max_cb<NVO>()>>
struct DxBlocks;
template <typename T, int NVO, int... I>
struct DxBlocks<T, NVO, std::integer_sequence<int, I...>> {
  static constexpr DxBlockFn<T> fns[sizeof...(I)] = {&dx_row_block<T, NVO, I + 1, dx_pixels<NVO, I + 1>()>...};
};

template <typename T, int NVO>
void backward_input_nvo(const Conv2dShape& s, const T* dy, const T* f, T* dx) {
  static_assert(dx_max_cb<NVO>() <= kDxMaxInC, "channel blocks");
  using Blocks = DxBlocks<T, NVO>;
  constexpr int64_t max_cb = dx_max_cb<NVO>();
  const Window2d& g = s.win;
  const int64_t ic = s.in_c, oc = s.out_c;
  const int64_t blocks = (ic + max_cb - 1) / max_cb;  // channel blocks of balanced sizes
  // col[j·in_w + w]: the output column input column w reads through filter column j, or −1.
  const std::vector<int64_t> col = output_columns(g, g.in_w);
  const std::vector<T> zeros(static_cast<size_t>(oc), T(0));
  const int64_t rows_total = s.batch * g.in_h;
  const int64_t work = std::max<int64_t>(1, g.in_w * g.kh * g.kw * ic * oc);
  const int64_t per_task = std::max<int64_t>(1, 4 * kRowWork / work);
  parallel_for((rows_total + per_task - 1) / per_task, [&](int64_t t) {
    DxRow<T>& r = thread_dx_row<T>();
    r.rows_i.reserve(static_cast<size_t>(g.kh));
    r.dy_rows.reserve(static_cast<size_t>(g.kh));
    r.col = col.data();
    r.zeros = zeros.data();
    for (int64_t row = t * per_task; row < std::min(rows_total, (t + 1) * per_task); ++row) {
      const int64_t n = row / g.in_h, h = row % g.in_h;
      r.rows_i.clear();
      r.dy_rows.clear();
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t oh = output_row(g, h, i);
        if (oh < 0) continue;
        r.rows_i.push_back(i);
        r.dy_rows.push_back(dy + (n * g.out_h + oh) * g.out_w * oc);
      }
      T* dxrow = dx + row * g.in_w * ic;
      if (r.rows_i.empty()) {
        std::fill(dxrow, dxrow + g.in_w * ic, T(0));
        continue;
      }
      for (int64_t b = 0; b < blocks; ++b) {
        const int64_t c0 = ic * b / blocks, cb = ic * (b + 1) / blocks - c0;
        Blocks::fns[cb - 1](s, f, r, c0, dxrow);
      }
    }
  });
}

// False (nothing done) unless out_c is a whole number of vectors, at most kDxMaxVectors.
template <typename T>
bool backward_input_typed(const Conv2dShape& s, const T* dy, const T* f, T* dx) {
  constexpr int64_t L = sizeof(typename VecOf<T>::type) / sizeof(T);
  static_assert(kDxMaxVectors == 8, "the cases below");
  if (s.in_c < 1 || s.in_c > kDxMaxInC || s.out_c % L != 0 || s.out_c / L > kDxMaxVectors) return false;
  switch (s.out_c / L) {
    case 1: return backward_input_nvo<T, 1>(s, dy, f, dx), true;
    case 2: return backward_input_nvo<T, 2>(s, dy, f, dx), true;
    case 3: return backward_input_nvo<T, 3>(s, dy, f, dx), true;
    case 4: return backward_input_nvo<T, 4>(s, dy, f, dx), true;
    case 5: return backward_input_nvo<T, 5>(s, dy, f, dx), true;
    case 6: return backward_input_nvo<T, 6>(s, dy, f, dx), true;
    case 7: return backward_input_nvo<T, 7>(s, dy, f, dx), true;
    case 8: return backward_input_nvo<T, 8>(s, dy, f, dx), true;
    default: return false;
  }
}

bool backward_input(DType dtype, const Conv2dShape& s, const void* dy, const void* f, void* dx) {
  if (dtype == DType::Float32)
    return backward_input_typed(s, static_cast<const float*>(dy), static_cast<const float*>(f), static_cast<float*>(dx));
  return backward_input_typed(s, static_cast<const double*>(dy), static_cast<const double*>(f),
                              static_cast<double*>(dx));
}

#include "image_minor_impl.h"
#include "conv2d_dx_batched_impl.h"
#include "conv2d_df_batched_impl.h"

#define NG_DIRECT_FILTER_GRADIENT 1

#else  // no vector extensions: plain loops

constexpr int64_t kBlockPixels = 8;

template <typename T, int OC>
void rows(const Conv2dShape& s, const T* x, const T* f, const T* bias, Activation act, T* y, int64_t r0, int64_t r1,
          const Strip& st, Workspace<T>& ws) {
  const Window2d& g = s.win;
  const int64_t taps = st.taps();
  for_each_row(s, x, r0, r1, st, ws, [&](int64_t r, const T* const* row) {
    T* yr = y + r * g.out_w * OC;
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      T acc[OC] = {};
      for (int64_t t = 0; t < taps; ++t) {
        const T xv = row[t / st.row_taps][st.in_row[t % st.row_taps] + ow];
        for (int o = 0; o < OC; ++o) acc[o] += xv * f[t * OC + o];
      }
      for (int o = 0; o < OC; ++o) yr[ow * OC + o] = acc[o] + (bias ? bias[o] : T(0));
    }
    activate_all(yr, g.out_w * OC, act);
  });
}

#endif

template <typename T, int OC>
void forward_oc(const Conv2dShape& s, const T* x, const T* f, const T* bias, Activation act, T* y) {
  const Window2d& g = s.win;
  const int64_t rows_total = s.batch * g.out_h;
  if (rows_total == 0 || g.out_w == 0) return;
  const Strip st(s, kBlockPixels);
  // Tasks of whole rows; at least a few, so that converted input rows are reused.
  const int64_t per_task = std::max<int64_t>(
      std::min<int64_t>(g.out_h, 8), kRowWork / std::max<int64_t>(1, g.out_w * g.kh * g.kw * s.in_c * OC));
  parallel_for((rows_total + per_task - 1) / per_task, [&](int64_t t) {
    rows<T, OC>(s, x, f, bias, act, y, t * per_task, std::min(rows_total, (t + 1) * per_task), st,
                thread_workspace<T>());
  });
}

#ifdef NG_DIRECT_FILTER_GRADIENT
constexpr int64_t kFilterGroups = 8;  // most image groups the filter gradient sums
constexpr int64_t kFilterChunkRows = 32;  // output rows converted at once

template <typename T, int OC>
void filter_oc(const Conv2dShape& s, const T* x, const T* dy, T* df) {
  constexpr int64_t L = lanes<T>();
  const Window2d& g = s.win;
  const Strip st(s, kBlockPixels);
  const int64_t taps = st.taps(), acc_n = taps * OC;
  const int64_t groups = std::max<int64_t>(1, std::min(s.batch, kFilterGroups));
  // Each group's sums in cache lines of their own: the groups' threads write them throughout.
  const int64_t vstride = static_cast<int64_t>(cache_line_stride<T>(static_cast<size_t>(acc_n * L)));
  CacheAlignedVector<T> vacc(static_cast<size_t>(groups * vstride), T(0));
  if (s.batch > 0 && g.out_h > 0 && g.out_w > 0) {  // then dy (and so dyt) is out_w·… long
    parallel_for(groups, [&](int64_t grp) {
      const int64_t chunk = std::min(g.out_h, kFilterChunkRows);
      Workspace<T>& ws = thread_workspace<T>();
      for (int64_t n = s.batch * grp / groups; n < s.batch * (grp + 1) / groups; ++n)
        for (int64_t oh = 0; oh < g.out_h; oh += chunk)
          filter_rows<T, OC>(s, x, dy, n * g.out_h + oh, n * g.out_h + std::min(g.out_h, oh + chunk), st, ws,
                             vacc.data() + grp * vstride);
    });
  }
  // The groups' lanes added group by group into group 0 (vectorisable), then each sum's
  // lanes in order: one long chain of scalar additions per sum took ~20 µs serially with
  // 16 lanes and 8 groups, about as long as LeNet's conv1 gradient itself on 2 threads.
  T* const sums = vacc.data();
  for (int64_t grp = 1; grp < groups; ++grp) {
    const T* part = vacc.data() + grp * vstride;
    for (int64_t i = 0; i < acc_n * L; ++i) sums[i] += part[i];
  }
  for (int64_t e = 0; e < acc_n; ++e) {
    T sum = T(0);
    for (int64_t l = 0; l < L; ++l) sum += sums[e * L + l];
    df[e] = sum;
  }
}

template <typename T>
void backward_filter_typed(const Conv2dShape& s, const T* x, const T* dy, T* df) {
  switch (s.out_c) {
    case 1: return filter_oc<T, 1>(s, x, dy, df);
    case 2: return filter_oc<T, 2>(s, x, dy, df);
    case 3: return filter_oc<T, 3>(s, x, dy, df);
    case 4: return filter_oc<T, 4>(s, x, dy, df);
    case 5: return filter_oc<T, 5>(s, x, dy, df);
    case 6: return filter_oc<T, 6>(s, x, dy, df);
    case 7: return filter_oc<T, 7>(s, x, dy, df);
    case 8: return filter_oc<T, 8>(s, x, dy, df);
    default: return;
  }
}

// False when this path has no direct filter gradient (no vector extensions): the caller
// falls back to the GEMM.
bool backward_filter(DType dtype, const Conv2dShape& s, const void* x, const void* dy, void* df) {
  // A batch of at least a vector of images: over images. LeNet's 28×28×1 5×5 → 6 (batch 32,
  // 1 thread) 0.14 → 0.066 ms on AVX-512, 0.11 → 0.084 on AVX2, 0.18 → 0.15 on SSE.
  if (backward_filter_batched(dtype, s, x, dy, df)) return true;
  if (dtype == DType::Float32)
    backward_filter_typed(s, static_cast<const float*>(x), static_cast<const float*>(dy), static_cast<float*>(df));
  else
    backward_filter_typed(s, static_cast<const double*>(x), static_cast<const double*>(dy), static_cast<double*>(df));
  return true;
}
#else
bool backward_filter(DType, const Conv2dShape&, const void*, const void*, void*) { return false; }
#endif

#ifndef NG_DIRECT_FILTER_GRADIENT
bool backward_input(DType, const Conv2dShape&, const void*, const void*, void*) { return false; }
bool backward_input_batched(DType, const Conv2dShape&, const void*, const void*, void*) { return false; }
bool backward_filter_batched(DType, const Conv2dShape&, const void*, const void*, void*) { return false; }
#endif

template <typename T>
void forward_typed(const Conv2dShape& s, const T* x, const T* f, const T* bias, Activation act, T* y) {
  switch (s.out_c) {
    case 1: return forward_oc<T, 1>(s, x, f, bias, act, y);
    case 2: return forward_oc<T, 2>(s, x, f, bias, act, y);
    case 3: return forward_oc<T, 3>(s, x, f, bias, act, y);
    case 4: return forward_oc<T, 4>(s, x, f, bias, act, y);
    case 5: return forward_oc<T, 5>(s, x, f, bias, act, y);
    case 6: return forward_oc<T, 6>(s, x, f, bias, act, y);
    case 7: return forward_oc<T, 7>(s, x, f, bias, act, y);
    case 8: return forward_oc<T, 8>(s, x, f, bias, act, y);
    default: return;
  }
}

void forward(DType dtype, const Conv2dShape& s, const void* x, const void* f, const void* bias, Activation act,
             void* y) {
  if (dtype == DType::Float32)
    forward_typed(s, static_cast<const float*>(x), static_cast<const float*>(f), static_cast<const float*>(bias), act,
                  static_cast<float*>(y));
  else
    forward_typed(s, static_cast<const double*>(x), static_cast<const double*>(f), static_cast<const double*>(bias),
                  act, static_cast<double*>(y));
}
