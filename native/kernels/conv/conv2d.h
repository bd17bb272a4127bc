// 2-D convolution over NHWC images with HWIO filters: forward (with fused bias and
// activation) and both backward passes, on top of the GEMM.
//
//   y[n, oh, ow, o] = act(bias[o] + Σ_{i, j, c} x[n, oh·sh − pt + i·dh, ow·sw − pl + j·dw, c] · f[i, j, c, o])
//
// Taps that fall in the padding read zeros. Seen as matrices, y [N·outH·outW, outC] =
// col [N·outH·outW, kh·kw·inC] · f [kh·kw·inC, outC], where each row of col is the
// receptive field of one output pixel (im2col). The general forward path and the filter
// gradient of narrow layers never build col: the GEMM reads its rows through pointers into
// x (an indirect GEMM). The other paths build col in bounded tiles of rows, never for the
// whole batch. Results are bitwise independent of the thread count.
#pragma once

#include <cstdint>
#include <string>

#include "../../runtime/isa.h"
#include "../dtype.h"
#include "../gemm/gemm.h"
#include "window.h"

namespace ng {

// x [batch, in_h, in_w, in_c], y [batch, out_h, out_w, out_c]; the filter is
// [kh, kw, in_c, out_c], or for a depthwise convolution [kh, kw, in_c, out_c / in_c].
struct Conv2dShape {
  int64_t batch, in_c, out_c;
  Window2d win;
};

// Element counts of the three operands (filter as described above).
struct Conv2dSizes {
  int64_t x, filter, y;
};

// The 16 integers of a convolution call, in this order:
// [batch, inC, outC, inH, inW, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, outH, outW, act].
constexpr int kConv2dMetaLength = 16;

// Reads and checks a meta list (ranges, window consistency, for depthwise out_c a multiple
// of in_c) and the overflow-checked operand sizes. Empty on success, else the message.
std::string parse_conv2d(const char* fn, const int64_t* meta, size_t count, bool depthwise, Conv2dShape* shape,
                         Conv2dSizes* sizes, Activation* act);

// Empty when a buffer of `have` elements is exactly `want` long, else "<fn>: '<name>' ...".
std::string check_conv2d_operand(const char* fn, const char* name, int64_t have, int64_t want);

// The input gradient of a stride-1 convolution is itself a convolution, of dy with the filter
// flipped in space and transposed in channels (conv2d.cpp): its shape into *t, or false where
// the geometry does not allow it (a stride above 1, or more padding than the window's reach).
bool conv2d_input_gradient_as_conv(const Conv2dShape& s, Conv2dShape* t);

// y = act(conv(x, filter) + bias). bias: out_c values or nullptr. Buffers are trusted to
// have the sizes of Conv2dSizes (the bindings check them).
void conv2d_forward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter, const void* bias,
                    Activation act, void* y);

// dx (overwritten) = ∂⟨dy, conv(x, filter)⟩/∂x.
void conv2d_backward_input(Isa isa, DType dtype, const Conv2dShape& s, const void* dy, const void* filter, void* dx);

// dfilter (overwritten) = ∂⟨dy, conv(x, filter)⟩/∂filter.
void conv2d_backward_filter(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy, void* dfilter);

// Both at once: dx as conv2d_backward_input, dfilter as conv2d_backward_filter (bitwise the
// same results), sharing the reads of dy where the shape allows (a 1×1 convolution).
void conv2d_backward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy, const void* filter,
                     void* dx, void* dfilter);

}  // namespace ng
