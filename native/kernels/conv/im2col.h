// Moving receptive fields between NHWC images and column matrices, for the GEMM-based
// convolution (conv2d.cpp). Rows are output pixels p = (n·out_h + oh)·out_w + ow over
// the whole batch; a row holds kh·kw·in_c values ordered (i, j, c), the order of an HWIO
// filter's rows, so one tap's in_c channels are contiguous in the image and in the row.
#pragma once

#include <cstddef>
#include <cstdint>

#include "conv2d.h"

namespace ng {
namespace conv_detail {

// col[(p − p0)·ldc + k] = x at tap k of output pixel p, or 0 in the padding, for p in [p0, p1).
template <typename T>
void im2col_rows(const Conv2dShape& s, const T* x, int64_t p0, int64_t p1, T* col, int64_t ldc);

// The transpose of im2col_rows: colt[k·ldt + (p − p0)] = x at tap k of output pixel p. Rows
// of colt are long (one output row of pixels per tap and channel), which suits images with
// few channels, whose im2col rows are made of very short runs.
template <typename T>
void im2col_t_rows(const Conv2dShape& s, const T* x, int64_t p0, int64_t p1, T* colt, int64_t ldt);

// The adjoint: dx at tap k of output pixel p += col[(p − p0)·ldc + k], for p in [p0, p1) in
// increasing order and taps in increasing order (a fixed summation order). Taps in the
// padding are dropped.
template <typename T>
void col2im_rows(const Conv2dShape& s, const T* col, int64_t ldc, int64_t p0, int64_t p1, T* dx);

// Per-thread, grow-only, 64-byte aligned scratch memory: one buffer per thread and slot,
// so that nested users on one thread never share a buffer. Columns, Product and Gradient
// serve the tasks of a parallel loop; Filter and Reduction the thread that calls the kernel.
enum class ScratchSlot { Columns = 0, Product = 1, Filter = 2, Reduction = 3, Pointers = 4, Gradient = 5 };
void* thread_scratch(ScratchSlot slot, size_t bytes);
// Frees this thread's buffer of `slot` when it holds more than `keep` bytes.
void trim_thread_scratch(ScratchSlot slot, size_t keep);

}  // namespace conv_detail
}  // namespace ng
