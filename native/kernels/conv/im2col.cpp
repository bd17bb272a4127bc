#include "im2col.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace ng {
namespace conv_detail {
namespace {

// Runs are often a handful of elements (1- or 3-channel images): a call to memcpy would
// cost more than the copy.
template <typename T>
inline void copy_run(T* __restrict d, const T* __restrict s, int64_t n) {
  if (n >= 16) {
    std::memcpy(d, s, static_cast<size_t>(n) * sizeof(T));
  } else {
    for (int64_t k = 0; k < n; ++k) d[k] = s[k];
  }
}

template <typename T>
inline void zero_run(T* d, int64_t n) {
  if (n >= 16) {
    std::memset(d, 0, static_cast<size_t>(n) * sizeof(T));
  } else {
    for (int64_t k = 0; k < n; ++k) d[k] = T(0);
  }
}

template <typename T>
inline void add_run(T* __restrict d, const T* __restrict s, int64_t n) {
  for (int64_t k = 0; k < n; ++k) d[k] += s[k];
}

// Walks output pixels p0..p1 − 1 and calls fn(p, image offset of x/dx, ih0, iw0, jlo, jhi).
template <typename F>
inline void for_each_pixel(const Conv2dShape& s, int64_t p0, int64_t p1, F&& fn) {
  const Window2d& g = s.win;
  const int64_t image = g.in_h * g.in_w * s.in_c;
  int64_t ow = p0 % g.out_w, t = p0 / g.out_w;
  int64_t oh = t % g.out_h, n = t / g.out_h;
  for (int64_t p = p0; p < p1; ++p) {
    const int64_t iw0 = ow * g.stride_w - g.pad_left;
    int64_t jlo, jhi;
    window_taps(iw0, g.dilation_w, g.kw, g.in_w, &jlo, &jhi);
    fn(p, n * image, oh * g.stride_h - g.pad_top, iw0, jlo, jhi);
    if (++ow == g.out_w) {
      ow = 0;
      if (++oh == g.out_h) {
        oh = 0;
        ++n;
      }
    }
  }
}

}  // namespace

template <typename T>
void im2col_rows(const Conv2dShape& s, const T* x, int64_t p0, int64_t p1, T* col, int64_t ldc) {
  const Window2d& g = s.win;
  const int64_t c = s.in_c, run = g.kw * c, row = g.in_w * c;
  for_each_pixel(s, p0, p1, [&](int64_t p, int64_t image, int64_t ih0, int64_t iw0, int64_t jlo, int64_t jhi) {
    T* dst = col + (p - p0) * ldc;
    for (int64_t i = 0; i < g.kh; ++i, dst += run) {
      const int64_t ih = ih0 + i * g.dilation_h;
      if (ih < 0 || ih >= g.in_h || jlo >= jhi) {
        zero_run(dst, run);
        continue;
      }
      const T* src = x + image + ih * row;
      zero_run(dst, jlo * c);
      if (g.dilation_w == 1) {
        copy_run(dst + jlo * c, src + (iw0 + jlo) * c, (jhi - jlo) * c);
      } else {
        for (int64_t j = jlo; j < jhi; ++j) copy_run(dst + j * c, src + (iw0 + j * g.dilation_w) * c, c);
      }
      zero_run(dst + jhi * c, (g.kw - jhi) * c);
    }
  });
}

template <typename T>
void col2im_rows(const Conv2dShape& s, const T* col, int64_t ldc, int64_t p0, int64_t p1, T* dx) {
  const Window2d& g = s.win;
  const int64_t c = s.in_c, run = g.kw * c, row = g.in_w * c;
  for_each_pixel(s, p0, p1, [&](int64_t p, int64_t image, int64_t ih0, int64_t iw0, int64_t jlo, int64_t jhi) {
    const T* src = col + (p - p0) * ldc;
    for (int64_t i = 0; i < g.kh; ++i, src += run) {
      const int64_t ih = ih0 + i * g.dilation_h;
      if (ih < 0 || ih >= g.in_h || jlo >= jhi) continue;
      T* dst = dx + image + ih * row;
      if (g.dilation_w == 1) {
        add_run(dst + (iw0 + jlo) * c, src + jlo * c, (jhi - jlo) * c);
      } else {
        for (int64_t j = jlo; j < jhi; ++j) add_run(dst + (iw0 + j * g.dilation_w) * c, src + j * c, c);
      }
    }
  });
}

template void im2col_rows<float>(const Conv2dShape&, const float*, int64_t, int64_t, float*, int64_t);
template void im2col_rows<double>(const Conv2dShape&, const double*, int64_t, int64_t, double*, int64_t);
template void col2im_rows<float>(const Conv2dShape&, const float*, int64_t, int64_t, int64_t, float*);
template void col2im_rows<double>(const Conv2dShape&, const double*, int64_t, int64_t, int64_t, double*);

namespace {

class Scratch {
 public:
  ~Scratch() { release(); }
  void* get(size_t bytes) {
    if (bytes > cap_) {
      release();
      cap_ = (bytes + 4095) & ~size_t(4095);
      p_ = ::operator new(cap_, std::align_val_t(64));
    }
    return p_;
  }

 private:
  void release() {
    if (p_) ::operator delete(p_, std::align_val_t(64));
    p_ = nullptr;
    cap_ = 0;
  }
  void* p_ = nullptr;
  size_t cap_ = 0;
};

thread_local Scratch tls_scratch[2];

}  // namespace

void* thread_scratch(ScratchSlot slot, size_t bytes) { return tls_scratch[static_cast<int>(slot)].get(bytes); }

}  // namespace conv_detail
}  // namespace ng
