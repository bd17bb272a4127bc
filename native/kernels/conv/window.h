// Geometry of a 2-D sliding window over NHWC images, shared by convolution and pooling.
// Resolved in TypeScript (lib/ops/window.ts), passed in this order, re-checked here.
#pragma once

#include <cstdint>

namespace ng {

struct Window2d {
  int64_t in_h, in_w;
  int64_t kh, kw;
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left;
  int64_t out_h, out_w;
};

// True when every field is in range and every window tap of every output pixel lands in
// [-pad, in + pad_after], i.e. the output size is what the geometry implies. Bindings call
// this before any kernel reads memory.
inline bool window_is_consistent(const Window2d& w) {
  if (w.in_h < 0 || w.in_w < 0 || w.kh < 1 || w.kw < 1 || w.stride_h < 1 || w.stride_w < 1 ||
      w.dilation_h < 1 || w.dilation_w < 1 || w.pad_top < 0 || w.pad_left < 0 || w.out_h < 0 || w.out_w < 0) {
    return false;
  }
  const int64_t limit = int64_t(1) << 31;
  if (w.in_h > limit || w.in_w > limit || w.kh > limit || w.kw > limit || w.stride_h > limit ||
      w.stride_w > limit || w.dilation_h > limit || w.dilation_w > limit || w.pad_top > limit ||
      w.pad_left > limit || w.out_h > limit || w.out_w > limit) {
    return false;
  }
  // The first tap of the first window may start inside the top/left padding only.
  return w.pad_top < (w.kh - 1) * w.dilation_h + 1 + w.in_h && w.pad_left < (w.kw - 1) * w.dilation_w + 1 + w.in_w;
}

// The taps j in [*lo, *hi) (of `taps`, `step` apart, the first at `start`) that land inside
// [0, size): the in-image part of one window along one axis. Empty when *lo == *hi.
inline void window_taps(int64_t start, int64_t step, int64_t taps, int64_t size, int64_t* lo, int64_t* hi) {
  const int64_t l = start >= 0 ? 0 : (-start + step - 1) / step;
  const int64_t h = start >= size ? 0 : ((size - start + step - 1) / step < taps ? (size - start + step - 1) / step : taps);
  *lo = l < h ? l : h;
  *hi = h;
}

}  // namespace ng
