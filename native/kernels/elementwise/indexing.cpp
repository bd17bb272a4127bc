// Selection kernels: where, gather and its adjoint scatter_add. They move data rather than
// compute, so they need no per-ISA build.
#include <cstring>

#include "elementwise.h"

namespace ng {
namespace {

template <typename C, typename T>
void where_typed(const C* c, const int64_t* cs, const T* a, const int64_t* as, const T* b, const int64_t* bs, T* out,
                 const int64_t* shape, int ndim) {
  if (ndim == 0) {
    out[0] = c[0] != C(0) ? a[0] : b[0];
    return;
  }
  const int last = ndim - 1;
  const int64_t n = shape[last];
  int64_t rows = 1;
  for (int d = 0; d < last; ++d) rows *= shape[d];
  if (rows == 0 || n == 0) return;
  const int64_t sc = cs[last], sa = as[last], sb = bs[last];
  int64_t idx[kMaxDims] = {0};
  int64_t co = 0, ao = 0, bo = 0;
  for (int64_t row = 0; row < rows; ++row) {
    T* o = out + row * n;
    if (sc == 1 && sa == 1 && sb == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = c[co + i] != C(0) ? a[ao + i] : b[bo + i];
    } else {
      for (int64_t i = 0; i < n; ++i) o[i] = c[co + i * sc] != C(0) ? a[ao + i * sa] : b[bo + i * sb];
    }
    for (int d = last - 1; d >= 0; --d) {  // odometer over the outer dims
      co += cs[d];
      ao += as[d];
      bo += bs[d];
      if (++idx[d] < shape[d]) break;
      co -= cs[d] * shape[d];
      ao -= as[d] * shape[d];
      bo -= bs[d] * shape[d];
      idx[d] = 0;
    }
  }
}

// Values are only copied, so they move as same-sized unsigned integers.
template <typename C>
void where_cond(const C* c, const int64_t* cs, DType dtype, const void* a, const int64_t* as, const void* b,
                const int64_t* bs, void* out, const int64_t* shape, int ndim) {
  if (dtype_size(dtype) == 8)
    where_typed(c, cs, static_cast<const uint64_t*>(a), as, static_cast<const uint64_t*>(b), bs,
                static_cast<uint64_t*>(out), shape, ndim);
  else
    where_typed(c, cs, static_cast<const uint32_t*>(a), as, static_cast<const uint32_t*>(b), bs,
                static_cast<uint32_t*>(out), shape, ndim);
}

template <typename T>
void gather_typed(const T* x, const int32_t* idx, int64_t n_idx, T* out, int64_t outer, int64_t axis_len,
                  int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = x + o * axis_len * inner;
    T* oo = out + o * n_idx * inner;
    if (inner == 1) {
      for (int64_t i = 0; i < n_idx; ++i) oo[i] = xo[idx[i]];
    } else {
      for (int64_t i = 0; i < n_idx; ++i) std::memcpy(oo + i * inner, xo + idx[i] * inner, inner * sizeof(T));
    }
  }
}

template <typename T>
inline T add_wrap(T a, T b) { return a + b; }
template <>
inline int32_t add_wrap(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

template <typename T>
void scatter_add_typed(const T* dy, const int32_t* idx, int64_t n_idx, T* dx, int64_t outer, int64_t axis_len,
                       int64_t inner) {
  for (int64_t k = 0; k < outer * axis_len * inner; ++k) dx[k] = T(0);
  for (int64_t o = 0; o < outer; ++o) {
    const T* go = dy + o * n_idx * inner;
    T* dxo = dx + o * axis_len * inner;
    for (int64_t i = 0; i < n_idx; ++i) {
      T* d = dxo + idx[i] * inner;
      const T* g = go + i * inner;
      for (int64_t j = 0; j < inner; ++j) d[j] = add_wrap(d[j], g[j]);
    }
  }
}

}  // namespace

void where(DType cond_dtype, const void* cond, const int64_t* cs, DType dtype, const void* a, const int64_t* as,
           const void* b, const int64_t* bs, void* out, const int64_t* shape, int ndim) {
  switch (cond_dtype) {
    case DType::Float32: return where_cond(static_cast<const float*>(cond), cs, dtype, a, as, b, bs, out, shape, ndim);
    case DType::Float64: return where_cond(static_cast<const double*>(cond), cs, dtype, a, as, b, bs, out, shape, ndim);
    case DType::Int32: return where_cond(static_cast<const int32_t*>(cond), cs, dtype, a, as, b, bs, out, shape, ndim);
  }
}

void gather(DType dtype, const void* x, const int32_t* idx, int64_t n_idx, void* out, int64_t outer, int64_t axis_len,
            int64_t inner) {
  if (dtype_size(dtype) == 8)
    gather_typed(static_cast<const uint64_t*>(x), idx, n_idx, static_cast<uint64_t*>(out), outer, axis_len, inner);
  else
    gather_typed(static_cast<const uint32_t*>(x), idx, n_idx, static_cast<uint32_t*>(out), outer, axis_len, inner);
}

void scatter_add(DType dtype, const void* dy, const int32_t* idx, int64_t n_idx, void* dx, int64_t outer,
                 int64_t axis_len, int64_t inner) {
  switch (dtype) {
    case DType::Float32:
      return scatter_add_typed(static_cast<const float*>(dy), idx, n_idx, static_cast<float*>(dx), outer, axis_len,
                               inner);
    case DType::Float64:
      return scatter_add_typed(static_cast<const double*>(dy), idx, n_idx, static_cast<double*>(dx), outer, axis_len,
                               inner);
    case DType::Int32:
      return scatter_add_typed(static_cast<const int32_t*>(dy), idx, n_idx, static_cast<int32_t*>(dx), outer,
                               axis_len, inner);
  }
}

}  // namespace ng
