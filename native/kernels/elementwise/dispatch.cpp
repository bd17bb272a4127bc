// Routes the hot elementwise kernels to the instruction-set path in use, and holds the
// data-movement kernels, which are bound by memory and need no per-ISA build.
#include <cmath>
#include <cstring>
#include <limits>

#include "elementwise.h"
#include "isa_paths.h"

namespace ng {

#if defined(__x86_64__) || defined(_M_X64)
#define NG_ROUTE(fn, ...)                                     \
  switch (isa) {                                              \
    case Isa::Avx512: return isa_avx512::fn(__VA_ARGS__);     \
    case Isa::Avx2: return isa_avx2::fn(__VA_ARGS__);         \
    default: return isa_scalar::fn(__VA_ARGS__);              \
  }
#else
#define NG_ROUTE(fn, ...) \
  (void)isa;              \
  return isa_scalar::fn(__VA_ARGS__);
#endif

void binary(Isa isa, BinaryOp op, DType dtype, const void* a, const int64_t* as, const void* b, const int64_t* bs,
            void* out, const int64_t* shape, int ndim) {
  NG_ROUTE(binary, op, dtype, a, as, b, bs, out, shape, ndim)
}

void reduce(Isa isa, ReduceOp op, DType dtype, const void* x, int64_t outer, int64_t r, int64_t inner, void* out) {
  NG_ROUTE(reduce, op, dtype, x, outer, r, inner, out)
}

void arg_reduce(Isa isa, ArgReduceOp op, DType dtype, const void* x, int64_t outer, int64_t r, int64_t inner,
                int32_t* out) {
  NG_ROUTE(arg_reduce, op, dtype, x, outer, r, inner, out)
}

void unary(Isa isa, UnaryOp op, DType dtype, const void* x, void* out, int64_t n, double p0, double p1) {
  NG_ROUTE(unary, op, dtype, x, out, n, p0, p1)
}

void unary_grad(Isa isa, UnaryOp op, DType dtype, const void* x, const void* y, const void* dy, void* dx, int64_t n,
                double p0, double p1) {
  NG_ROUTE(unary_grad, op, dtype, x, y, dy, dx, n, p0, p1)
}

void softmax(Isa isa, DType dtype, const void* x, void* out, int64_t outer, int64_t r, int64_t inner, bool log) {
  NG_ROUTE(softmax, dtype, x, out, outer, r, inner, log)
}

void softmax_grad(Isa isa, DType dtype, const void* y, const void* dy, void* dx, int64_t outer, int64_t r,
                  int64_t inner, bool log) {
  NG_ROUTE(softmax_grad, dtype, y, dy, dx, outer, r, inner, log)
}

void softmax_cross_entropy(Isa isa, DType dtype, const void* logits, DType label_dtype, const void* labels,
                           void* loss, void* grad, int64_t n, int64_t c) {
  NG_ROUTE(softmax_cross_entropy, dtype, logits, label_dtype, labels, loss, grad, n, c)
}

void sigmoid_cross_entropy(Isa isa, DType dtype, const void* logits, const void* targets, void* loss, void* grad,
                           int64_t n) {
  NG_ROUTE(sigmoid_cross_entropy, dtype, logits, targets, loss, grad, n)
}

void copy_strided(int elem_size, const void* src, const int64_t* ss, void* dst, const int64_t* ds,
                  const int64_t* shape, int ndim) {
  const char* s = static_cast<const char*>(src);
  char* d = static_cast<char*>(dst);
  if (ndim == 0) {
    std::memcpy(d, s, elem_size);
    return;
  }
  const int last = ndim - 1;
  int64_t rows = 1;
  for (int i = 0; i < last; ++i) rows *= shape[i];
  const int64_t n = shape[last];
  if (rows == 0 || n == 0) return;
  const int64_t sl = ss[last] * elem_size, dl = ds[last] * elem_size;
  int64_t idx[kMaxDims] = {0};
  int64_t so = 0, dof = 0;
  for (int64_t row = 0; row < rows; ++row) {
    if (ss[last] == 1 && ds[last] == 1) {
      std::memcpy(d + dof, s + so, n * elem_size);
    } else if (elem_size == 4) {
      for (int64_t i = 0; i < n; ++i) std::memcpy(d + dof + i * dl, s + so + i * sl, 4);
    } else {
      for (int64_t i = 0; i < n; ++i) std::memcpy(d + dof + i * dl, s + so + i * sl, elem_size);
    }
    for (int k = last - 1; k >= 0; --k) {
      so += ss[k] * elem_size;
      dof += ds[k] * elem_size;
      if (++idx[k] < shape[k]) break;
      so -= ss[k] * shape[k] * elem_size;
      dof -= ds[k] * shape[k] * elem_size;
      idx[k] = 0;
    }
  }
}

namespace {

int32_t to_int32(double v) {
  if (std::isnan(v)) return 0;
  if (v >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (v <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(v);
}

template <typename From>
void cast_from(const From* src, DType to, void* dst, int64_t n) {
  switch (to) {
    case DType::Float32: {
      float* d = static_cast<float*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<float>(src[i]);
      return;
    }
    case DType::Float64: {
      double* d = static_cast<double*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<double>(src[i]);
      return;
    }
    case DType::Int32: {
      int32_t* d = static_cast<int32_t*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = to_int32(static_cast<double>(src[i]));
      return;
    }
  }
}

template <typename T>
T from_double(double v) { return static_cast<T>(v); }
template <>
int32_t from_double(double v) { return to_int32(v); }

template <typename T>
void fill_typed(T* d, int64_t n, double value) {
  const T v = from_double<T>(value);
  for (int64_t i = 0; i < n; ++i) d[i] = v;
}

template <typename T>
void arange_typed(T* d, int64_t n, double start, double step) {
  for (int64_t i = 0; i < n; ++i) d[i] = from_double<T>(start + static_cast<double>(i) * step);
}

}  // namespace

void cast(DType from, const void* src, DType to, void* dst, int64_t n) {
  switch (from) {
    case DType::Float32: return cast_from(static_cast<const float*>(src), to, dst, n);
    case DType::Float64: return cast_from(static_cast<const double*>(src), to, dst, n);
    case DType::Int32: return cast_from(static_cast<const int32_t*>(src), to, dst, n);
  }
}

void fill(DType dtype, void* dst, int64_t n, double value) {
  switch (dtype) {
    case DType::Float32: return fill_typed(static_cast<float*>(dst), n, value);
    case DType::Float64: return fill_typed(static_cast<double*>(dst), n, value);
    case DType::Int32: return fill_typed(static_cast<int32_t*>(dst), n, value);
  }
}

void arange(DType dtype, void* dst, int64_t n, double start, double step) {
  switch (dtype) {
    case DType::Float32: return arange_typed(static_cast<float*>(dst), n, start, step);
    case DType::Float64: return arange_typed(static_cast<double*>(dst), n, start, step);
    case DType::Int32: return arange_typed(static_cast<int32_t*>(dst), n, start, step);
  }
}

}  // namespace ng
