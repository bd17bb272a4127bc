// Max and average pooling over NHWC images, forward and backward. Raw pointers; the
// bindings have checked the geometry and every buffer size with check_pool first.
//
// x and dx are [n, in_h, in_w, c]; out, dy and argmax are [n, out_h, out_w, c]. Only the
// taps of a window that land inside the image count: padding never wins a max and is
// not counted in an average (TensorFlow's 'same' semantics). A window with no tap inside
// the image gives -inf (max) or 0 (average) and passes no gradient; the TypeScript layer
// rejects padding that would make one. Results do not depend on the thread count.
#pragma once

#include <cstdint>
#include <string>

#include "../../runtime/isa.h"
#include "../dtype.h"
#include "window.h"

namespace ng {

// out = the first maximum of each window's in-bounds taps (NaN counts as the maximum).
// When argmax is not null it receives the winner's tap index ky * kw + kx within the
// window (-1 for a window without in-bounds taps).
void max_pool2d(Isa isa, DType dtype, const void* x, void* out, int32_t* argmax, int64_t n, int64_t c,
                const Window2d& w);

// dx[p] = sum of dy over the windows whose argmax (from max_pool2d) is input pixel p.
// Every element of dx is written (computed by gathering, so overlapping windows are safe).
void max_pool2d_grad(Isa isa, DType dtype, const void* dy, const int32_t* argmax, void* dx, int64_t n, int64_t c,
                     const Window2d& w);

// out = (sum of each window's in-bounds taps, in tap order) / (their count).
void avg_pool2d(Isa isa, DType dtype, const void* x, void* out, int64_t n, int64_t c, const Window2d& w);

// dx[p] = sum over the windows containing p of dy · (1 / that window's in-bounds count).
void avg_pool2d_grad(Isa isa, DType dtype, const void* dy, void* dx, int64_t n, int64_t c, const Window2d& w);

// The bindings' check of a pooling call: the window is consistent, undilated, its tap
// indices fit int32, and the input / output sizes do not overflow. Sets *in_size
// (n·in_h·in_w·c) and *out_size (n·out_h·out_w·c); returns "" or the error message.
std::string check_pool(const char* fn, const Window2d& w, int64_t n, int64_t c, int64_t* in_size, int64_t* out_size);

// A Window2d from the 12 integers of lib/ops/window.ts windowMeta (in_h, in_w, kh, kw,
// stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, out_h, out_w).
Window2d window_from_meta(const int64_t* m);

}  // namespace ng
