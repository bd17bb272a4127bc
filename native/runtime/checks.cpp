#include "checks.h"

namespace ng {

std::string shape_string(const int64_t* shape, int ndim) {
  std::string s = "[";
  for (int d = 0; d < ndim; ++d) s += (d ? "," : "") + std::to_string(shape[d]);
  return s + "]";
}

std::string check_size(const char* fn, const int64_t* shape, int ndim, int64_t* size) {
  int64_t n = 1;
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] < 0) return std::string(fn) + ": negative dimension in shape " + shape_string(shape, ndim);
    if (shape[d] != 0 && n > kMaxSafeInt / shape[d])
      return std::string(fn) + ": shape " + shape_string(shape, ndim) + " is too large";
    n *= shape[d];
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
    if (strides[d] > 0 && shape[d] - 1 > (kMaxSafeInt - last) / strides[d]) last = kMaxSafeInt;
    else last += (shape[d] - 1) * strides[d];
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
