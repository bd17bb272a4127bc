// The depthwise convolution loops, included inside namespace ng::depthwise_<isa> by each
// depthwise_<isa>.cpp, which sets the target instruction set and the vector macros of
// conv2d_simd.h. The includer provides <algorithm>, <cmath>, <cstdint>, thread_pool.h,
// im2col.h (scratch), partials.h and depthwise.h.

#include "conv2d_simd.h"

constexpr int64_t kChannelBlock = 32;  // channels kept in registers in the forward pass
constexpr int64_t kTaskChannels = 64;  // input channels per task in the backward passes
constexpr int64_t kFilterGroups = 8;   // most image groups the filter gradient sums
constexpr int64_t kTaskWork = 1 << 16;  // multiply-adds per forward task, roughly

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

template <typename T>
inline T activate(T v, Activation act) {
  switch (act) {
    case Activation::Relu: return v > T(0) ? v : T(0);
    case Activation::LeakyRelu: return v > T(0) ? v : T(0.01) * v;
    case Activation::Sigmoid: return T(1) / (T(1) + std::exp(-v));
    case Activation::Tanh: return std::tanh(v);
    default: return v;
  }
}

// The in-image taps [ilo, ihi) × [jlo, jhi) of output pixel (oh, ow), and its first tap.
struct Taps {
  int64_t ih0, iw0, ilo, ihi, jlo, jhi;
  bool empty() const { return ilo >= ihi || jlo >= jhi; }
};

inline Taps taps_of(const Window2d& g, int64_t oh, int64_t ow) {
  Taps t;
  t.ih0 = oh * g.stride_h - g.pad_top;
  t.iw0 = ow * g.stride_w - g.pad_left;
  window_taps(t.ih0, g.dilation_h, g.kh, g.in_h, &t.ilo, &t.ihi);
  window_taps(t.iw0, g.dilation_w, g.kw, g.in_w, &t.jlo, &t.jhi);
  return t;
}

// acc[c] = Σ over ni × nj taps of x[tap][c] · f[tap][c], c < width (W when W > 0).
template <typename T, int64_t W>
inline void dot_taps(int64_t width, const T* x, int64_t xi, int64_t xj, const T* f, int64_t fi, int64_t fj,
                     int64_t ni, int64_t nj, T* __restrict acc) {
  const int64_t w = W > 0 ? W : width;
  for (int64_t c = 0; c < w; ++c) acc[c] = T(0);
  for (int64_t i = 0; i < ni; ++i) {
    for (int64_t j = 0; j < nj; ++j) {
      const T* __restrict xp = x + i * xi + j * xj;
      const T* __restrict fp = f + i * fi + j * fj;
      for (int64_t c = 0; c < w; ++c) acc[c] += xp[c] * fp[c];
    }
  }
}

#ifdef NG_CONV_VECTORS
constexpr int kBlockPixels = 4;   // output pixels sharing each loaded filter vector
constexpr int kBlockVectors = 2;  // vectors of channels per block

// Multiplier 1, interior pixels: kBlockPixels consecutive output pixels × kBlockVectors
// vectors of channels. x0 is tap (ilo, 0) of the first pixel at the block's first channel,
// f0 the filter at tap (ilo, 0), same channel; xp steps from pixel to pixel.
template <typename T>
inline void pixel_block(const T* x0, int64_t xi, int64_t xj, int64_t xp, const T* f0, int64_t fi, int64_t fj,
                        int64_t ni, int64_t nj, const T* bias, T* y0, int64_t yp) {
  using V = typename VecOf<T>::type;
  constexpr int L = sizeof(V) / sizeof(T);
  V acc[kBlockPixels][kBlockVectors];
  for (int b = 0; b < kBlockVectors; ++b) {
    const V start = bias ? load(bias + b * L) : V{};
    for (int p = 0; p < kBlockPixels; ++p) acc[p][b] = start;
  }
  for (int64_t i = 0; i < ni; ++i) {
    for (int64_t j = 0; j < nj; ++j) {
      const T* xt = x0 + i * xi + j * xj;
      const T* ft = f0 + i * fi + j * fj;
      V w[kBlockVectors];
      for (int b = 0; b < kBlockVectors; ++b) w[b] = load(ft + b * L);
      for (int p = 0; p < kBlockPixels; ++p)
        for (int b = 0; b < kBlockVectors; ++b) acc[p][b] = madd(load(xt + p * xp + b * L), w[b], acc[p][b]);
    }
  }
  for (int p = 0; p < kBlockPixels; ++p)
    for (int b = 0; b < kBlockVectors; ++b) store(y0 + p * yp + b * L, acc[p][b]);
}
#endif

template <typename T>
void forward_typed(const Conv2dShape& s, const T* x, const T* f, const T* bias, Activation act, T* y) {
  const Window2d& g = s.win;
  const int64_t cin = s.in_c, cout = s.out_c, mult = cin ? cout / cin : 0;
  const int64_t rows = s.batch * g.out_h;
  if (rows == 0 || g.out_w == 0 || cout == 0) return;
  const int64_t xi = g.dilation_h * g.in_w * cin, xj = g.dilation_w * cin, fi = g.kw * cout, fj = cout;
  const int64_t per_task = std::max<int64_t>(1, kTaskWork / std::max<int64_t>(1, g.out_w * cout * g.kh * g.kw));
  parallel_for(ceil_div(rows, per_task), [&](int64_t t) {
    alignas(64) T acc[kChannelBlock];
    for (int64_t r = t * per_task; r < std::min(rows, (t + 1) * per_task); ++r) {
      const int64_t n = r / g.out_h, oh = r % g.out_h;
      // Multiplier 1: interior pixels (every column tap inside) in blocks, channels [0, fast_c).
      int64_t fast_lo = 0, fast_hi = 0, fast_c = 0;
#ifdef NG_CONV_VECTORS
      constexpr int64_t kChannels = kBlockVectors * sizeof(typename VecOf<T>::type) / sizeof(T);
      if (mult == 1 && cout >= kChannels) {
        fast_c = cout / kChannels * kChannels;
        fast_lo = std::min(g.out_w, (g.pad_left + g.stride_w - 1) / g.stride_w);
        const int64_t top = g.in_w - 1 - (g.kw - 1) * g.dilation_w + g.pad_left;
        fast_hi = top < 0 ? fast_lo : std::max(fast_lo, std::min(g.out_w, top / g.stride_w + 1));
        fast_hi = fast_lo + (fast_hi - fast_lo) / kBlockPixels * kBlockPixels;
        const Taps t0 = taps_of(g, oh, fast_lo);
        if (t0.ilo < t0.ihi) {
          for (int64_t ow = fast_lo; ow < fast_hi; ow += kBlockPixels) {
            const int64_t iw0 = ow * g.stride_w - g.pad_left;
            const T* x0 = x + ((n * g.in_h + t0.ih0 + t0.ilo * g.dilation_h) * g.in_w + iw0) * cin;
            T* y0 = y + (r * g.out_w + ow) * cout;
            for (int64_t c0 = 0; c0 < fast_c; c0 += kChannels)
              pixel_block(x0 + c0, xi, xj, g.stride_w * cin, f + t0.ilo * fi + c0, fi, fj, t0.ihi - t0.ilo, g.kw,
                          bias ? bias + c0 : nullptr, y0 + c0, cout);
            if (act != Activation::None)
              for (int64_t p = 0; p < kBlockPixels; ++p)
                for (int64_t c = 0; c < fast_c; ++c) y0[p * cout + c] = activate(y0[p * cout + c], act);
          }
        } else {
          fast_hi = fast_lo;  // the row lies in the padding: the generic loop writes bias/act
        }
      }
#endif
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        T* yo = y + (r * g.out_w + ow) * cout;
        const Taps tp = taps_of(g, oh, ow);
        const int64_t c_first = ow >= fast_lo && ow < fast_hi ? fast_c : 0;  // channels still to do
        if (c_first == cout) continue;
        if (tp.empty()) {
          for (int64_t o = 0; o < cout; ++o) yo[o] = activate(T(0) + (bias ? bias[o] : T(0)), act);
          continue;
        }
        const int64_t ni = tp.ihi - tp.ilo, nj = tp.jhi - tp.jlo;
        const T* x0 = x + ((n * g.in_h + tp.ih0 + tp.ilo * g.dilation_h) * g.in_w + tp.iw0 + tp.jlo * g.dilation_w) * cin;
        const T* f0 = f + (tp.ilo * g.kw + tp.jlo) * cout;
        if (mult == 1) {
          for (int64_t c0 = c_first; c0 < cout; c0 += kChannelBlock) {
            const int64_t w = std::min(kChannelBlock, cout - c0);
            if (w == kChannelBlock)
              dot_taps<T, kChannelBlock>(w, x0 + c0, xi, xj, f0 + c0, fi, fj, ni, nj, acc);
            else
              dot_taps<T, 0>(w, x0 + c0, xi, xj, f0 + c0, fi, fj, ni, nj, acc);
            for (int64_t c = 0; c < w; ++c) yo[c0 + c] = activate(acc[c] + (bias ? bias[c0 + c] : T(0)), act);
          }
          continue;
        }
        for (int64_t o = 0; o < cout; ++o) yo[o] = T(0);
        for (int64_t i = 0; i < ni; ++i) {
          for (int64_t j = 0; j < nj; ++j) {
            const T* xp = x0 + i * xi + j * xj;
            const T* fp = f0 + i * fi + j * fj;
            for (int64_t c = 0; c < cin; ++c) {
              const T xv = xp[c];
              T* __restrict yc = yo + c * mult;
              const T* __restrict fc = fp + c * mult;
              for (int64_t q = 0; q < mult; ++q) yc[q] += xv * fc[q];
            }
          }
        }
        for (int64_t o = 0; o < cout; ++o) yo[o] = activate(yo[o] + (bias ? bias[o] : T(0)), act);
      }
    }
  });
}

// Scatter-add form: each task owns one image's channels [c0, c1) of dx and adds the output
// pixels' contributions in a fixed order (pixels, then taps).
template <typename T>
void backward_input_typed(const Conv2dShape& s, const T* dy, const T* f, T* dx) {
  const Window2d& g = s.win;
  const int64_t cin = s.in_c, cout = s.out_c, mult = cin ? cout / cin : 0;
  const int64_t plane = g.in_h * g.in_w, blocks = ceil_div(cin, kTaskChannels);
  if (cin == 0 || s.batch == 0 || plane == 0) return;  // dx is empty
  parallel_for(s.batch * blocks, [&](int64_t t) {
    const int64_t n = t / blocks, c0 = (t % blocks) * kTaskChannels, w = std::min(kTaskChannels, cin - c0);
    T* dxn = dx + n * plane * cin + c0;
    for (int64_t p = 0; p < plane; ++p)
      for (int64_t c = 0; c < w; ++c) dxn[p * cin + c] = T(0);
    if (mult == 0) return;
    for (int64_t oh = 0; oh < g.out_h; ++oh) {
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        const Taps tp = taps_of(g, oh, ow);
        const T* __restrict dyp = dy + ((n * g.out_h + oh) * g.out_w + ow) * cout + c0 * mult;
        for (int64_t i = tp.ilo; i < tp.ihi; ++i) {
          for (int64_t j = tp.jlo; j < tp.jhi; ++j) {
            T* __restrict dxp = dxn + ((tp.ih0 + i * g.dilation_h) * g.in_w + tp.iw0 + j * g.dilation_w) * cin;
            const T* __restrict fp = f + (i * g.kw + j) * cout + c0 * mult;
            if (mult == 1) {
              for (int64_t c = 0; c < w; ++c) dxp[c] += dyp[c] * fp[c];
            } else {
              for (int64_t c = 0; c < w; ++c) {
                T acc = T(0);
                for (int64_t q = 0; q < mult; ++q) acc += dyp[c * mult + q] * fp[c * mult + q];
                dxp[c] += acc;
              }
            }
          }
        }
      }
    }
  });
}

// Tasks: (image group, channel block). Group 0 accumulates into df, the others into
// scratch partials; then df += partial 1, partial 2, ... in group order. The groups depend
// on the batch size alone.
template <typename T>
void backward_filter_typed(const Conv2dShape& s, const T* x, const T* dy, T* df) {
  const Window2d& g = s.win;
  const int64_t cin = s.in_c, cout = s.out_c, mult = cin ? cout / cin : 0;
  const int64_t taps = g.kh * g.kw, fsize = taps * cout;
  if (fsize == 0) return;
  if (s.batch == 0 || g.out_h == 0 || g.out_w == 0) {  // no output pixel: df = 0
    for (int64_t e = 0; e < fsize; ++e) df[e] = T(0);
    return;
  }
  const int64_t groups = std::min(s.batch, kFilterGroups);
  const int64_t blocks = ceil_div(cin, kTaskChannels);
  T* partial = groups > 1 ? static_cast<T*>(conv_detail::thread_scratch(
                                conv_detail::ScratchSlot::Reduction, static_cast<size_t>((groups - 1) * fsize) * sizeof(T)))
                          : nullptr;
  parallel_for(groups * blocks, [&](int64_t t) {
    const int64_t grp = t / blocks, c0 = (t % blocks) * kTaskChannels, w = std::min(kTaskChannels, cin - c0);
    const int64_t o0 = c0 * mult, ow_ = w * mult;
    T* out = grp == 0 ? df : partial + (grp - 1) * fsize;
    for (int64_t k = 0; k < taps; ++k)
      for (int64_t o = 0; o < ow_; ++o) out[k * cout + o0 + o] = T(0);
    const int64_t n0 = s.batch * grp / groups, n1 = s.batch * (grp + 1) / groups;
    for (int64_t n = n0; n < n1; ++n) {
      for (int64_t oh = 0; oh < g.out_h; ++oh) {
        for (int64_t ow = 0; ow < g.out_w; ++ow) {
          const Taps tp = taps_of(g, oh, ow);
          const T* __restrict dyp = dy + ((n * g.out_h + oh) * g.out_w + ow) * cout + o0;
          for (int64_t i = tp.ilo; i < tp.ihi; ++i) {
            for (int64_t j = tp.jlo; j < tp.jhi; ++j) {
              const T* __restrict xp =
                  x + ((n * g.in_h + tp.ih0 + i * g.dilation_h) * g.in_w + tp.iw0 + j * g.dilation_w) * cin + c0;
              T* __restrict fp = out + (i * g.kw + j) * cout + o0;
              if (mult == 1) {
                for (int64_t c = 0; c < w; ++c) fp[c] += xp[c] * dyp[c];
              } else {
                for (int64_t c = 0; c < w; ++c) {
                  const T xv = xp[c];
                  for (int64_t q = 0; q < mult; ++q) fp[c * mult + q] += xv * dyp[c * mult + q];
                }
              }
            }
          }
        }
      }
    }
  });
  if (groups > 1) conv_detail::add_partials(df, partial, groups, fsize);
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

void backward_input(DType dtype, const Conv2dShape& s, const void* dy, const void* f, void* dx) {
  if (dtype == DType::Float32)
    backward_input_typed(s, static_cast<const float*>(dy), static_cast<const float*>(f), static_cast<float*>(dx));
  else
    backward_input_typed(s, static_cast<const double*>(dy), static_cast<const double*>(f), static_cast<double*>(dx));
}

void backward_filter(DType dtype, const Conv2dShape& s, const void* x, const void* dy, void* df) {
  if (dtype == DType::Float32)
    backward_filter_typed(s, static_cast<const float*>(x), static_cast<const float*>(dy), static_cast<float*>(df));
  else
    backward_filter_typed(s, static_cast<const double*>(x), static_cast<const double*>(dy), static_cast<double*>(df));
}
