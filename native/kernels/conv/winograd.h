// Winograd's minimal filtering F(2×2, 3×3) for 3×3 stride-1 undilated convolutions (Lavin &
// Gray, "Fast Algorithms for Convolutional Neural Networks", 2015). The output is cut into
// 2×2 tiles; each reads a 4×4 patch of x. With
//   Bᵀ = | 1  0 −1  0 |    G = | 1    0    0  |    Aᵀ = | 1  1  1  0 |
//        | 0  1  1  0 |        | ½    ½    ½  |         | 0  1 −1 −1 |
//        | 0 −1  1  0 |        | ½   −½    ½  |
//        | 0  1  0 −1 |        | 0    0    1  |
// a tile of y is Aᵀ [(G f Gᵀ) ⊙ (Bᵀ d B)] A: 16 products per channel pair instead of the 36
// that the 2×2 pixels' sums take, and, summed over channels, 16 GEMMs (one per point of the
// 4×4 transform) [tiles, in_c] · [in_c, out_c]. The filter gradient follows from the same
// identity, ∂/∂f of ⟨dy, y⟩: df = Gᵀ [Σ_tiles (A dy Aᵀ) ⊙ (Bᵀ d B)] G, 16 GEMMs
// [out_c, tiles] · [tiles, in_c] (2.25× fewer multiply-adds). The input gradient of a
// stride-1 convolution is itself a convolution (conv2d.cpp), so alone it takes the forward
// form; with the filter gradient, where conv2d_winograd_backward_applies, it takes the
// transposed identity, dx patches = B [(A dy Aᵀ) ⊙ (G f Gᵀ)] Bᵀ summed over overlapping
// patches, sharing A dy Aᵀ with df.
//
// The filter gradient can also take 4×4 tiles of dy, F(3×3, 4×4) (winograd_filter4.cpp): a
// tile reads a 6×6 patch of x, df = Aᵀ [Σ_tiles (G dy Gᵀ) ⊙ (Bᵀ d B)] A with 6×6 transforms
// (points 0, ±1, 2, −1/2), 36 GEMMs per 16 pixels of dy where F(3×3, 2×2) takes 16 per 4: 9/16
// of its multiply-adds. Taken where conv2d_winograd_filter4_applies (little waste at the
// edges, enough tiles per task group); both gradients then run as two passes.
//
// The input gradient alone can take 4×4 tiles of dx, F(4×4, 3×3) (winograd4.cpp), the
// transposed pair of F(3×3, 4×4) with the same points and 6×6 input transform: 36 GEMMs
// [tiles, out_c] · [out_c, in_c] per 16 pixels of dx, 9/16 of F(2×2, 3×3)'s multiply-adds.
// Taken where conv2d_winograd4_applies (little waste, enough tiles, and 64 channels of dy or
// more: see Accuracy); from 20M pixel-channel pairs (batch·out_h·out_w·in_c·out_c), both
// gradients then run as two passes.
//
// Accuracy. The 4×4 transforms only add and subtract and G's halves are exact, so the float32
// forward and input gradient stay within the error bound of a direct sum against the float64
// reference, eps·(terms + 4)·(1 + |value|) with the sum's own terms (9·in_c for y, which
// conv_test holds every forward path to; its random problems bound dx and df more loosely).
// F(4×4, 3×3), whose transforms multiply by up to 8 (the filter's divides by 2, 6, 15 and 30,
// computed in double and rounded once), does not: random data, float32, against float64, rms
// error 1.1e-6 of the rms of dx where F(2×2, 3×3) gives 2.6e-7, and a largest error of
// 0.5-1.1 of the bound over its 9·C terms at C = 64-256 channels summed, where F(2×2, 3×3)
// stays at 0.09-0.15; at 8-32 channels 1.1-1.7 of it (with Lavin & Gray's points 0, ±1, ±2
// and the filter transformed in float, 1.3-4.6). So the forward keeps F(2×2, 3×3), and the
// input gradient, whose error stays below the filter gradient's F(3×3, 4×4) (next), takes
// F(4×4, 3×3) from 64 channels of dy; conv_test holds it to twice that bound. The 6×6
// transforms of the filter gradient multiply by up to 8 and its
// final transform divides by 2, 6, 15 and 30: random data, float32, against float64, rms error
// 1.9e-6 of the rms of df where F(3×3, 2×2) gives 4.4e-7 and direct sums 3.8e-7 (largest
// error 2.7e-6 of the largest |df| against 5.0e-7). That stays within the same bound for df's
// batch·out_h·out_w terms: conv_test's shapes reach 0.08-0.53 of it (F(3×3, 2×2) 0.02-0.13;
// the bound grows with the terms, the transforms' error does not). Non-finite values
// differ: an infinite input makes most of the outputs it reaches NaN (∞ − ∞ inside the
// transforms) where the direct sums give ±∞.
#pragma once

#include <cstdint>

#include "../../runtime/isa.h"
#include "../dtype.h"
#include "../gemm/gemm.h"
#include "conv2d.h"

namespace ng {

// The tiling of one convolution: tile t is (image, tile row, tile column) in that order, its
// output pixels rows 2·row + {0, 1} and columns 2·column + {0, 1} (those inside the output),
// its patch x rows 2·row − pad_top + {0..3} and columns 2·column − pad_left + {0..3} (zeros
// outside the image). The 4×4 tiles of F(3×3, 4×4) and F(4×4, 3×3) (winograd_tiles4,
// winograd6.h) count and place tiles the same way with 4 for 2 and 6×6 patches.
struct WinogradTiles {
  int64_t batch, in_h, in_w, in_c, out_h, out_w, out_c, pad_top, pad_left;
  int64_t rows, cols;  // tiles per image: ⌈out_h / 2⌉ × ⌈out_w / 2⌉ (⌈out / 4⌉ for 4×4 tiles)
  int64_t count() const { return batch * rows * cols; }
};

WinogradTiles winograd_tiles(const Conv2dShape& s);

// True for the shapes each path takes on `isa`: 3×3, stride 1, dilation 1, and enough
// channels in and out and enough tiles for its 16 GEMMs to pay for the transforms.
bool conv2d_winograd_forward_applies(Isa isa, const Conv2dShape& s);
bool conv2d_winograd_filter_applies(Isa isa, const Conv2dShape& s);
// True where conv2d_backward takes both gradients in one pass (conv2d_winograd_backward).
bool conv2d_winograd_backward_applies(Isa isa, DType dtype, const Conv2dShape& s);

// y = act(conv(x, filter) + bias), as conv2d_forward.
void conv2d_winograd_forward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter,
                             const void* bias, Activation act, void* y);

// dx and dfilter (overwritten), as conv2d_backward, or either alone (the other null; x is
// read for dfilter only, the filter for dx only). dfilter is bitwise the same either way.
// dx needs conv2d_winograd_forward_applies, dfilter conv2d_winograd_filter_applies.
void conv2d_winograd_backward(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                              const void* filter, void* dx, void* dfilter);

// The filter gradient over 4×4 tiles of dy, F(3×3, 4×4) (winograd_filter4.cpp).
bool conv2d_winograd_filter4_applies(Isa isa, DType dtype, const Conv2dShape& s);
void conv2d_winograd_filter4(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* dy,
                             void* dfilter);

// y = conv(x, filter) over 4×4 tiles of y, F(4×4, 3×3) (winograd4.cpp), no bias or
// activation: conv2d.cpp takes it for the stride-1 input gradient only (see Accuracy).
bool conv2d_winograd4_applies(Isa isa, DType dtype, const Conv2dShape& s);
void conv2d_winograd4(Isa isa, DType dtype, const Conv2dShape& s, const void* x, const void* filter, void* y);

}  // namespace ng
