#include "im2col.h"

#include "../../runtime/scratch.h"

#include <algorithm>
#include <cstring>
#include <vector>
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace ng {
namespace conv_detail {
namespace {

// Runs are often a handful of elements (kw·in_c for a 1- or 3-channel image), where a call
// to memcpy costs more than the copy. Short runs move 16 bytes at a time with the baseline
// vector instructions (SSE2 on x86-64, SIMD128 in wasm): the compiler cannot turn explicit
// vector moves back into library calls, as it does with plain element loops.
constexpr int64_t kShortRunBytes = 256;

#if defined(__SSE2__) || defined(_M_X64)
using Vec16 = __m128i;
inline Vec16 load16(const void* p) { return _mm_loadu_si128(static_cast<const __m128i*>(p)); }
inline void store16(void* p, Vec16 v) { _mm_storeu_si128(static_cast<__m128i*>(p), v); }
inline Vec16 zero16() { return _mm_setzero_si128(); }
inline void add16(float* d, const float* s) { _mm_storeu_ps(d, _mm_add_ps(_mm_loadu_ps(d), _mm_loadu_ps(s))); }
inline void add16(double* d, const double* s) { _mm_storeu_pd(d, _mm_add_pd(_mm_loadu_pd(d), _mm_loadu_pd(s))); }
#define NG_CONV_VEC16 1
#elif defined(__wasm_simd128__)
using Vec16 = v128_t;
inline Vec16 load16(const void* p) { return wasm_v128_load(p); }
inline void store16(void* p, Vec16 v) { wasm_v128_store(p, v); }
inline Vec16 zero16() { return wasm_i64x2_splat(0); }
inline void add16(float* d, const float* s) { wasm_v128_store(d, wasm_f32x4_add(wasm_v128_load(d), wasm_v128_load(s))); }
inline void add16(double* d, const double* s) { wasm_v128_store(d, wasm_f64x2_add(wasm_v128_load(d), wasm_v128_load(s))); }
#define NG_CONV_VEC16 1
#endif

// The optimizer turns even a loop of explicit vector moves back into a call to
// memmove/memset; an address it cannot see through keeps the loop a loop.
template <typename P>
inline P opaque(P p) {
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+r"(p));
#endif
  return p;
}

template <typename T>
inline void copy_run(T* __restrict d, const T* __restrict s, int64_t n) {
  const int64_t bytes = n * static_cast<int64_t>(sizeof(T));
  if (bytes > kShortRunBytes) {
    std::memcpy(d, s, static_cast<size_t>(bytes));
    return;
  }
  int64_t k = 0;
#ifdef NG_CONV_VEC16
  constexpr int64_t kLanes = 16 / sizeof(T);
  for (; k + kLanes <= n; k += kLanes) store16(opaque(d + k), load16(s + k));
  if (k < n) d[k] = s[k];  // at most 3 (float) or 1 (double) left
  if (k + 1 < n) d[k + 1] = s[k + 1];
  if (k + 2 < n) d[k + 2] = s[k + 2];
#else
  for (; k < n; ++k) d[k] = s[k];
#endif
}

template <typename T>
inline void zero_run(T* d, int64_t n) {
  const int64_t bytes = n * static_cast<int64_t>(sizeof(T));
  if (bytes > kShortRunBytes) {
    std::memset(d, 0, static_cast<size_t>(bytes));
    return;
  }
  int64_t k = 0;
#ifdef NG_CONV_VEC16
  constexpr int64_t kLanes = 16 / sizeof(T);
  for (; k + kLanes <= n; k += kLanes) store16(opaque(d + k), zero16());
  if (k < n) d[k] = T(0);
  if (k + 1 < n) d[k + 1] = T(0);
  if (k + 2 < n) d[k + 2] = T(0);
#else
  for (; k < n; ++k) d[k] = T(0);
#endif
}

template <typename T>
inline void add_run(T* __restrict d, const T* __restrict s, int64_t n) {
  int64_t k = 0;
#ifdef NG_CONV_VEC16
  constexpr int64_t kLanes = 16 / sizeof(T);
  for (; k + kLanes <= n; k += kLanes) add16(d + k, s + k);
#endif
  for (; k < n; ++k) d[k] += s[k];
}

// One output row's run of pixels ow in [ow0, ow1) (pixel p = first + ow − ow0), split into
// the left border [ow0, in0), the interior [in0, in1) where every column tap lands in the
// image, and the right border [in1, ow1).
struct Segment {
  int64_t image;     // offset of image n in x / dx
  int64_t ih0;       // input row of tap i = 0
  int64_t first;     // p of pixel ow0
  int64_t ow0, in0, in1, ow1;
};

// Calls fn(segment) for the output-row pieces of pixels [p0, p1), in order.
template <typename F>
inline void for_each_segment(const Conv2dShape& s, int64_t p0, int64_t p1, F&& fn) {
  const Window2d& g = s.win;
  const int64_t span_w = (g.kw - 1) * g.dilation_w;
  // Interior columns: ow·sw − pl ≥ 0 and ow·sw − pl + span_w ≤ in_w − 1.
  const int64_t lo = (g.pad_left + g.stride_w - 1) / g.stride_w;
  const int64_t top = g.in_w - 1 - span_w + g.pad_left;
  const int64_t hi = top < 0 ? 0 : top / g.stride_w + 1;
  for (int64_t p = p0; p < p1;) {
    const int64_t r = p / g.out_w;
    Segment seg;
    seg.ow0 = p % g.out_w;
    seg.ow1 = std::min(g.out_w, seg.ow0 + (p1 - p));
    seg.in0 = std::min(std::max(lo, seg.ow0), seg.ow1);
    seg.in1 = std::min(std::max(hi, seg.in0), seg.ow1);
    seg.image = r / g.out_h * g.in_h * g.in_w * s.in_c;
    seg.ih0 = r % g.out_h * g.stride_h - g.pad_top;
    seg.first = p;
    fn(seg);
    p += seg.ow1 - seg.ow0;
  }
}

}  // namespace

template <typename T>
void im2col_rows(const Conv2dShape& s, const T* x, int64_t p0, int64_t p1, T* col, int64_t ldc) {
  const Window2d& g = s.win;
  const int64_t c = s.in_c, run = g.kw * c, row = g.in_w * c, dw = g.dilation_w;
  for_each_segment(s, p0, p1, [&](const Segment& sg) {
    // Offsets (not pointers, which could point outside the buffers): pixel ow's column row,
    // and the input element of its tap (i, j) at column offset `j` = j·dw.
    const int64_t first_row = sg.first - p0 - sg.ow0;
    for (int64_t i = 0; i < g.kh; ++i) {
      const int64_t ih = sg.ih0 + i * g.dilation_h;
      const auto dst = [&](int64_t ow) { return col + (first_row + ow) * ldc + i * run; };
      if (ih < 0 || ih >= g.in_h) {
        for (int64_t ow = sg.ow0; ow < sg.ow1; ++ow) zero_run(dst(ow), run);
        continue;
      }
      const auto src = [&](int64_t ow, int64_t j) {
        return x + sg.image + ih * row + (ow * g.stride_w - g.pad_left + j) * c;
      };
      const auto border = [&](int64_t ow) {
        int64_t jlo, jhi;
        window_taps(ow * g.stride_w - g.pad_left, dw, g.kw, g.in_w, &jlo, &jhi);
        T* d = dst(ow);
        zero_run(d, jlo * c);
        for (int64_t j = jlo; j < jhi; ++j) copy_run(d + j * c, src(ow, j * dw), c);
        zero_run(d + jhi * c, (g.kw - jhi) * c);
      };
      for (int64_t ow = sg.ow0; ow < sg.in0; ++ow) border(ow);
      if (dw == 1) {
        for (int64_t ow = sg.in0; ow < sg.in1; ++ow) copy_run(dst(ow), src(ow, 0), run);
      } else {
        for (int64_t ow = sg.in0; ow < sg.in1; ++ow)
          for (int64_t j = 0; j < g.kw; ++j) copy_run(dst(ow) + j * c, src(ow, j * dw), c);
      }
      for (int64_t ow = sg.in1; ow < sg.ow1; ++ow) border(ow);
    }
  });
}

template <typename T>
void im2col_t_rows(const Conv2dShape& s, const T* x, int64_t p0, int64_t p1, T* colt, int64_t ldt) {
  const Window2d& g = s.win;
  const int64_t c = s.in_c, row = g.in_w * c, sw = g.stride_w;
  // Tap j of pixel ow reads input column ow·sw + off[j]; it is inside for ow in [lo[j], hi[j]).
  std::vector<int64_t> off(g.kw), lo(g.kw), hi(g.kw);
  for (int64_t j = 0; j < g.kw; ++j) {
    off[j] = j * g.dilation_w - g.pad_left;
    lo[j] = off[j] >= 0 ? 0 : (-off[j] + sw - 1) / sw;
    hi[j] = g.in_w - 1 - off[j] < 0 ? 0 : (g.in_w - 1 - off[j]) / sw + 1;
  }
  for_each_segment(s, p0, p1, [&](const Segment& sg) {
    const int64_t col0 = sg.first - p0 - sg.ow0;  // pixel ow is column col0 + ow of colt
    for (int64_t i = 0; i < g.kh; ++i) {
      const int64_t ih = sg.ih0 + i * g.dilation_h;
      const bool row_in = ih >= 0 && ih < g.in_h;
      for (int64_t j = 0; j < g.kw; ++j) {
        const int64_t a = row_in ? std::min(std::max(lo[j], sg.ow0), sg.ow1) : sg.ow1;
        const int64_t b = row_in ? std::min(std::max(hi[j], a), sg.ow1) : sg.ow1;
        for (int64_t ch = 0; ch < c; ++ch) {
          T* d = colt + ((i * g.kw + j) * c + ch) * ldt + col0;
          zero_run(d + sg.ow0, a - sg.ow0);
          if (a < b) {
            const T* src = x + sg.image + ih * row + (a * sw + off[j]) * c + ch;
            if (sw * c == 1) {
              copy_run(d + a, src, b - a);
            } else {
              for (int64_t ow = a; ow < b; ++ow) d[ow] = src[(ow - a) * sw * c];
            }
          }
          zero_run(d + b, sg.ow1 - b);
        }
      }
    }
  });
}

template <typename T>
void col2im_rows(const Conv2dShape& s, const T* col, int64_t ldc, int64_t p0, int64_t p1, T* dx) {
  const Window2d& g = s.win;
  const int64_t c = s.in_c, run = g.kw * c, row = g.in_w * c, dw = g.dilation_w;
  for_each_segment(s, p0, p1, [&](const Segment& sg) {
    const int64_t first_row = sg.first - p0 - sg.ow0;
    // Pixels in order, taps in order within each: the fixed summation order of dx.
    for (int64_t ow = sg.ow0; ow < sg.ow1; ++ow) {
      int64_t jlo = 0, jhi = g.kw;
      if (ow < sg.in0 || ow >= sg.in1) window_taps(ow * g.stride_w - g.pad_left, dw, g.kw, g.in_w, &jlo, &jhi);
      if (jlo >= jhi) continue;
      const int64_t iw0 = ow * g.stride_w - g.pad_left;
      for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t ih = sg.ih0 + i * g.dilation_h;
        if (ih < 0 || ih >= g.in_h) continue;
        const T* sr = col + (first_row + ow) * ldc + i * run;
        T* dst = dx + sg.image + ih * row;
        if (dw == 1) {
          add_run(dst + (iw0 + jlo) * c, sr + jlo * c, (jhi - jlo) * c);
        } else {
          for (int64_t j = jlo; j < jhi; ++j) add_run(dst + (iw0 + j * dw) * c, sr + j * c, c);
        }
      }
    }
  });
}

template void im2col_rows<float>(const Conv2dShape&, const float*, int64_t, int64_t, float*, int64_t);
template void im2col_rows<double>(const Conv2dShape&, const double*, int64_t, int64_t, double*, int64_t);
template void im2col_t_rows<float>(const Conv2dShape&, const float*, int64_t, int64_t, float*, int64_t);
template void im2col_t_rows<double>(const Conv2dShape&, const double*, int64_t, int64_t, double*, int64_t);
template void col2im_rows<float>(const Conv2dShape&, const float*, int64_t, int64_t, int64_t, float*);
template void col2im_rows<double>(const Conv2dShape&, const double*, int64_t, int64_t, int64_t, double*);

namespace {

thread_local ScratchBuffer tls_scratch[6];

}  // namespace

void* thread_scratch(ScratchSlot slot, size_t bytes) { return tls_scratch[static_cast<int>(slot)].get(bytes); }

void trim_thread_scratch(ScratchSlot slot, size_t keep) { tls_scratch[static_cast<int>(slot)].trim(keep); }

}  // namespace conv_detail
}  // namespace ng
