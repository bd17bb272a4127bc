// Direct convolution for few input and few output channels (a first layer on a gray or RGB
// image with a handful of filters, e.g. LeNet's 28×28×1 → 6, and the input gradient of such
// layers, itself a convolution with out_c and in_c swapped). There the GEMM formulation
// spends most of its time building columns (kh·kw·in_c values per pixel for only
// 2·out_c flops each) and fills a fraction of the GEMM's register tile. This kernel instead
// copies each output row's receptive rows once into a zero-padded planar strip and
// accumulates a block of pixels × all output channels in registers, tap by tap.
#pragma once

#include "conv2d.h"

namespace ng {

// The largest in_c, out_c and horizontal stride the direct kernel takes. Its planar input
// rows hold about stride_w · out_w + (kw − 1)·dw values, which stays near the padded row
// width only for small strides and for windows not much wider than the image (other
// geometry, e.g. a hugely dilated window over a narrow image, goes to the GEMM instead).
constexpr int64_t kDirectMaxInC = 16;
constexpr int64_t kDirectMaxOutC = 8;
constexpr int64_t kDirectMaxStride = 4;

// True when the direct kernel takes this shape. (With a non-empty image its width is bounded
// by the input buffer, and so are the planar rows.)
inline bool conv2d_direct_applies(const Conv2dShape& s) {
  const Window2d& g = s.win;
  return s.in_c >= 1 && s.in_c <= kDirectMaxInC && s.out_c >= 1 && s.out_c <= kDirectMaxOutC && g.in_h >= 1 &&
         g.in_w >= 1 && g.stride_w <= kDirectMaxStride && (g.kw - 1) * g.dilation_w <= 2 * g.in_w + 16;
}

// y = act(conv(x, filter) + bias) where conv2d_direct_applies(s) (else nothing is done).
void conv2d_direct_forward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter,
                           const void* bias, Activation act, void* y);

// dfilter = ∂⟨dy, conv(x, filter)⟩/∂filter under the same limits: vectorised over images
// when the batch has at least a vector of them (conv2d_df_batched_impl.h), else over each
// row's pixels. Returns false (nothing done) outside them or where the build has no vector
// path for it; the caller then uses the GEMM.
bool conv2d_direct_backward_filter(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                                   void* dfilter);

// The input gradient of a layer with few input channels (at most kDxMaxInC) and an out_c of
// at most kDxMaxVectors whole vectors of the path, any stride, padding and dilation, by dot
// products over out_c: the GEMM forms put in_c (a handful) across a register tile 8 to 32
// columns wide. Returns false (nothing done) for other shapes or where the build has no
// vector path; the caller then uses another form.
constexpr int64_t kDxMaxInC = 8;
constexpr int64_t kDxMaxVectors = 8;
bool conv2d_direct_backward_input(Isa isa, DType dtype, const Conv2dShape& s, const void* dy, const void* filter,
                                  void* dx);

// The input gradient vectorised over images (conv2d_dx_batched_impl.h), any geometry: each
// input pixel sums only the taps that reach an output pixel, two vectors of images per
// block (16 floats on AVX2, 32 on AVX-512, 8 on wasm). Returns false (nothing done) where
// the build has no vector path. Worth it for few channels, stride 1 or not, where the other
// forms multiply padding or leave lanes empty; the caller decides (conv2d.cpp).
bool conv2d_direct_backward_input_batched(Isa isa, DType dtype, const Conv2dShape& s, const void* dy,
                                          const void* filter, void* dx);

// The filter gradient vectorised over images (conv2d_df_batched_impl.h), any geometry, for
// a batch of at least one vector of images and at most kDfbMaxInC input and kDfbMaxOutC
// output channels. Returns false (nothing done) for other shapes or where the build has no
// vector path; the caller decides where it is worth it (conv2d.cpp).
constexpr int64_t kDfbMaxInC = 16;
constexpr int64_t kDfbMaxOutC = 32;
bool conv2d_direct_backward_filter_batched(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                                           void* dfilter);

}  // namespace ng
