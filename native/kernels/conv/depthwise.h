// Depthwise 2-D convolution over NHWC images (TensorFlow semantics): input channel c is
// convolved with its own `mult` filters into output channels c·mult .. c·mult + mult − 1.
// The filter [kh, kw, in_c, mult] is read as [kh, kw, out_c] with out_c = in_c·mult.
//
//   y[n, oh, ow, c·mult + q] = act(bias + Σ_{i, j} x[n, oh·sh − pt + i·dh, ow·sw − pl + j·dw, c] · f[i, j, c, q])
//
// Direct loops over the contiguous channel axis, compiled once per instruction set.
// Results do not depend on the thread count: tasks own disjoint outputs, and the filter
// gradient sums fixed groups of images in a fixed order.
#pragma once

#include "conv2d.h"

namespace ng {

// Shapes as in conv2d.h with out_c = in_c·mult (parse_conv2d with depthwise = true).
void depthwise_conv2d_forward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter,
                              const void* bias, Activation act, void* y);
void depthwise_conv2d_backward_input(Isa isa, DType dtype, const Conv2dShape& s, const void* dy, const void* filter,
                                     void* dx);
void depthwise_conv2d_backward_filter(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                                      void* dfilter);

}  // namespace ng
