// Elementwise, reduction and data-movement kernels. Raw pointers, shapes and strides in
// elements; callers (the bindings) have checked every index stays inside its buffer.
#pragma once

#include <cstdint>

#include "../../runtime/isa.h"
#include "../dtype.h"

namespace ng {

enum class BinaryOp : int {
  Add = 0, Sub = 1, Mul = 2, Div = 3, Maximum = 4, Minimum = 5, Pow = 6, Equal = 7, Greater = 8, Less = 9
};
enum class ReduceOp : int { Sum = 0, Mean = 1, Max = 2, Min = 3 };
enum class ArgReduceOp : int { ArgMax = 0, ArgMin = 1 };

// The codes of lib/backend/backend.ts UNARY_OPS. LeakyRelu and Elu take alpha in p0; Clip
// takes lo in p0 and hi in p1.
enum class UnaryOp : int {
  Neg = 0, Exp = 1, Log = 2, Sqrt = 3, Abs = 4, Square = 5, Sigmoid = 6, Tanh = 7, Relu = 8,
  LeakyRelu = 9, Elu = 10, Softplus = 11, Clip = 12, Sign = 13
};

inline bool binary_op_valid(int op) { return op >= 0 && op <= 9; }
inline bool unary_op_valid(int op) { return op >= 0 && op <= 13; }
// Ops defined on int32 as well as float (the others are float only).
inline bool unary_op_takes_int(UnaryOp op) {
  return op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Square || op == UnaryOp::Sign ||
         op == UnaryOp::Clip;
}
inline bool reduce_op_valid(int op) { return op >= 0 && op <= 3; }
inline bool arg_reduce_op_valid(int op) { return op >= 0 && op <= 1; }

// out[i...] = a[i . a_strides] op b[i . b_strides] over `shape` (out is contiguous).
// A stride of 0 broadcasts. Int32 arithmetic wraps; Int32 Div and Pow are not supported (the
// TypeScript layer promotes them to float). Comparisons give 1 or 0 (NaN compares false);
// float32 Pow is computed in double and rounded.
void binary(Isa isa, BinaryOp op, DType dtype, const void* a, const int64_t* a_strides, const void* b,
            const int64_t* b_strides, void* out, const int64_t* shape, int ndim);

// x viewed as [outer, r, inner]; out is [outer, inner]. Max/Min propagate NaN. r == 0
// gives 0 for Sum, NaN for Mean, and is rejected for Max/Min by the callers.
void reduce(Isa isa, ReduceOp op, DType dtype, const void* x, int64_t outer, int64_t r, int64_t inner, void* out);

// Index of the first maximum (minimum) along r; a NaN counts as the extreme. r >= 1.
void arg_reduce(Isa isa, ArgReduceOp op, DType dtype, const void* x, int64_t outer, int64_t r, int64_t inner,
                int32_t* out);

// out = f(x) over n elements (float; int32 where unary_op_takes_int). exp, log, tanh,
// sigmoid, softplus and elu use the vectorized functions of vmath.inc.
void unary(Isa isa, UnaryOp op, DType dtype, const void* x, void* out, int64_t n, double p0, double p1);

// dx = dy · f'(x) over n elements (float only); y = f(x).
void unary_grad(Isa isa, UnaryOp op, DType dtype, const void* x, const void* y, const void* dy, void* dx, int64_t n,
                double p0, double p1);

// (log-)softmax of x as [outer, r, inner] along r (float); and its backward from y.
void softmax(Isa isa, DType dtype, const void* x, void* out, int64_t outer, int64_t r, int64_t inner, bool log);
void softmax_grad(Isa isa, DType dtype, const void* y, const void* dy, void* dx, int64_t outer, int64_t r,
                  int64_t inner, bool log);

// Softmax cross-entropy over rows of logits [n, c]: loss[i] = logsumexp(x_i) − Σ_j t_ij·x_ij
// written stably. labels are float [n, c] (label_dtype == dtype) or int32 class indices [n],
// already checked to lie in [0, c). grad (nullable) = softmax(x) − t.
void softmax_cross_entropy(Isa isa, DType dtype, const void* logits, DType label_dtype, const void* labels,
                           void* loss, void* grad, int64_t n, int64_t c);

// loss = max(x, 0) − x·t + log1p(e^{−|x|}); grad (nullable) = sigmoid(x) − t.
void sigmoid_cross_entropy(Isa isa, DType dtype, const void* logits, const void* targets, void* loss, void* grad,
                           int64_t n);

// out = cond ? a : b over `shape` through broadcast strides; cond of any dtype (nonzero is
// true), a, b and out of `dtype`.
void where(DType cond_dtype, const void* cond, const int64_t* cond_strides, DType dtype, const void* a,
           const int64_t* a_strides, const void* b, const int64_t* b_strides, void* out, const int64_t* shape,
           int ndim);

// x as [outer, axis_len, inner]: out[o, i, j] = x[o, idx[i], j] for i < n_idx. Every index must
// already be checked to lie in [0, axis_len).
void gather(DType dtype, const void* x, const int32_t* idx, int64_t n_idx, void* out, int64_t outer,
            int64_t axis_len, int64_t inner);

// The adjoint of gather: dx = 0, then dx[o, idx[i], j] += dy[o, i, j], in index order (the
// result does not depend on threads). Int32 sums wrap.
void scatter_add(DType dtype, const void* dy, const int32_t* idx, int64_t n_idx, void* dx, int64_t outer,
                 int64_t axis_len, int64_t inner);

// dst[i . dst_strides] = src[i . src_strides] over `shape`, for elements of elem_size bytes.
void copy_strided(int elem_size, const void* src, const int64_t* src_strides, void* dst,
                  const int64_t* dst_strides, const int64_t* shape, int ndim);

// Converts n elements; float to int32 truncates toward zero and saturates (NaN -> 0).
void cast(DType from, const void* src, DType to, void* dst, int64_t n);

void fill(DType dtype, void* dst, int64_t n, double value);

// dst[i] = start + i * step, computed in double and then converted.
void arange(DType dtype, void* dst, int64_t n, double start, double step);

}  // namespace ng
