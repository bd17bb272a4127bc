#include "checks.h"

#include <algorithm>

namespace ng {
namespace {

// a·b for 0 <= a, b <= kMaxSafeInt, or kMaxSafeInt + 1 where it is larger. No division:
// these checks run on every kernel call, and a 64-bit division costs tens of cycles. The
// double product is exact whenever the true product is at most kMaxSafeInt.
int64_t mul_saturated(int64_t a, int64_t b) {
  return static_cast<double>(a) * static_cast<double>(b) > static_cast<double>(kMaxSafeInt) ? kMaxSafeInt + 1 : a * b;
}

}  // namespace

std::string shape_string(const int64_t* shape, int ndim) {
  std::string s = "[";
  for (int d = 0; d < ndim; ++d) s += (d ? "," : "") + std::to_string(shape[d]);
  return s + "]";
}

std::string check_size(const char* fn, const int64_t* shape, int ndim, int64_t* size) {
  int64_t n = 1;
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] < 0) return std::string(fn) + ": negative dimension in shape " + shape_string(shape, ndim);
    n = mul_saturated(n, shape[d]);
    if (n > kMaxSafeInt) return std::string(fn) + ": shape " + shape_string(shape, ndim) + " is too large";
  }
  *size = n;
  return {};
}

std::string check_covers(const char* fn, const char* name, int64_t length, int64_t offset, const int64_t* shape,
                         const int64_t* strides, int ndim) {
  int64_t n = 0;
  std::string err = check_size(fn, shape, ndim, &n);
  if (!err.empty() || n == 0) return err;
  int64_t last = offset;
  for (int d = 0; d < ndim && last < kMaxSafeInt; ++d) {
    if (strides[d] < 0) return std::string(fn) + ": negative stride for '" + name + "'";
    last = std::min(kMaxSafeInt, last + mul_saturated(shape[d] - 1, std::min(strides[d], kMaxSafeInt)));
  }
  if (offset < 0 || last >= length)
    return std::string(fn) + ": '" + name + "' (length " + std::to_string(length) + ") is too short for shape " +
           shape_string(shape, ndim) + " with strides " + shape_string(strides, ndim) + " at offset " +
           std::to_string(offset);
  return {};
}

std::string check_indices(const char* fn, const char* what, const int32_t* idx, int64_t n, int64_t limit) {
  for (int64_t i = 0; i < n; ++i) {
    if (idx[i] < 0 || idx[i] >= limit)
      return std::string(fn) + ": " + what + " " + std::to_string(idx[i]) + " (at position " + std::to_string(i) +
             ") is out of range [0, " + std::to_string(limit) + ")";
  }
  return {};
}

}  // namespace ng
