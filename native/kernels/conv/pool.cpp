// Routes the pooling kernels to the instruction-set path in use, and the argument check
// both bindings share.
#include "pool.h"

#include <limits>

#include "../../runtime/checks.h"
#include "pool_paths.h"

namespace ng {

#if defined(__x86_64__) || defined(_M_X64)
#define NG_POOL_ROUTE(fn, ...)                                \
  switch (isa) {                                              \
    case Isa::Avx512: return isa_avx512::fn(__VA_ARGS__);     \
    case Isa::Avx2: return isa_avx2::fn(__VA_ARGS__);         \
    default: return isa_scalar::fn(__VA_ARGS__);              \
  }
#else
#define NG_POOL_ROUTE(fn, ...) \
  (void)isa;                   \
  return isa_scalar::fn(__VA_ARGS__);
#endif

void max_pool2d(Isa isa, DType dtype, const void* x, void* out, int32_t* argmax, int64_t n, int64_t c,
                const Window2d& w) {
  NG_POOL_ROUTE(max_pool2d, dtype, x, out, argmax, n, c, w)
}

void max_pool2d_grad(Isa isa, DType dtype, const void* dy, const int32_t* argmax, void* dx, int64_t n, int64_t c,
                     const Window2d& w) {
  NG_POOL_ROUTE(max_pool2d_grad, dtype, dy, argmax, dx, n, c, w)
}

void avg_pool2d(Isa isa, DType dtype, const void* x, void* out, int64_t n, int64_t c, const Window2d& w) {
  NG_POOL_ROUTE(avg_pool2d, dtype, x, out, n, c, w)
}

void avg_pool2d_grad(Isa isa, DType dtype, const void* dy, void* dx, int64_t n, int64_t c, const Window2d& w) {
  NG_POOL_ROUTE(avg_pool2d_grad, dtype, dy, dx, n, c, w)
}

std::string check_pool(const char* fn, const Window2d& w, int64_t n, int64_t c, int64_t* in_size, int64_t* out_size) {
  if (!window_is_consistent(w)) return std::string(fn) + ": inconsistent window geometry";
  if (w.dilation_h != 1 || w.dilation_w != 1) return std::string(fn) + ": pooling windows take no dilation";
  if (w.kh * w.kw > std::numeric_limits<int32_t>::max())
    return std::string(fn) + ": a " + std::to_string(w.kh) + "x" + std::to_string(w.kw) +
           " window has more taps than an int32 argmax can index";
  const int64_t in_shape[4] = {n, w.in_h, w.in_w, c}, out_shape[4] = {n, w.out_h, w.out_w, c};
  std::string err = check_size(fn, in_shape, 4, in_size);
  if (err.empty()) err = check_size(fn, out_shape, 4, out_size);
  return err;
}

Window2d window_from_meta(const int64_t* m) {
  return Window2d{m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11]};
}

}  // namespace ng
