// Elementwise, reduction and data-movement kernels. Raw pointers, shapes and strides in
// elements; callers (the bindings) have checked every index stays inside its buffer.
#pragma once

#include <cstdint>

#include "../../runtime/isa.h"
#include "../dtype.h"

namespace ng {

enum class BinaryOp : int { Add = 0, Sub = 1, Mul = 2, Div = 3, Maximum = 4, Minimum = 5 };
enum class ReduceOp : int { Sum = 0, Mean = 1, Max = 2, Min = 3 };
enum class ArgReduceOp : int { ArgMax = 0, ArgMin = 1 };

inline bool binary_op_valid(int op) { return op >= 0 && op <= 5; }
inline bool reduce_op_valid(int op) { return op >= 0 && op <= 3; }
inline bool arg_reduce_op_valid(int op) { return op >= 0 && op <= 1; }

// out[i...] = a[i . a_strides] op b[i . b_strides] over `shape` (out is contiguous).
// A stride of 0 broadcasts. Int32 arithmetic wraps; Int32 Div is not supported (the
// TypeScript layer promotes integer division to float).
void binary(Isa isa, BinaryOp op, DType dtype, const void* a, const int64_t* a_strides, const void* b,
            const int64_t* b_strides, void* out, const int64_t* shape, int ndim);

// x viewed as [outer, r, inner]; out is [outer, inner]. Max/Min propagate NaN. r == 0
// gives 0 for Sum, NaN for Mean, and is rejected for Max/Min by the callers.
void reduce(Isa isa, ReduceOp op, DType dtype, const void* x, int64_t outer, int64_t r, int64_t inner, void* out);

// Index of the first maximum (minimum) along r; a NaN counts as the extreme. r >= 1.
void arg_reduce(Isa isa, ArgReduceOp op, DType dtype, const void* x, int64_t outer, int64_t r, int64_t inner,
                int32_t* out);

// dst[i . dst_strides] = src[i . src_strides] over `shape`, for elements of elem_size bytes.
void copy_strided(int elem_size, const void* src, const int64_t* src_strides, void* dst,
                  const int64_t* dst_strides, const int64_t* shape, int ndim);

// Converts n elements; float to int32 truncates toward zero and saturates (NaN -> 0).
void cast(DType from, const void* src, DType to, void* dst, int64_t n);

void fill(DType dtype, void* dst, int64_t n, double value);

// dst[i] = start + i * step, computed in double and then converted.
void arange(DType dtype, void* dst, int64_t n, double start, double step);

}  // namespace ng
