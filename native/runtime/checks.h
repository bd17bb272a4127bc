// Bounds and shape checks shared by the Node-API and WebAssembly bindings. Each returns
// an empty string when the arguments are safe, or the error message to throw.
#pragma once

#include <cstdint>
#include <string>

namespace ng {

constexpr int64_t kMaxSafeInt = (int64_t{1} << 53) - 1;

std::string shape_string(const int64_t* shape, int ndim);

// Product of the dims into *size; fails on a negative dim or a size past 2^53.
std::string check_size(const char* fn, const int64_t* shape, int ndim, int64_t* size);

// A buffer of `length` elements holds every offset + sum(idx[d] * strides[d]), idx < shape.
std::string check_covers(const char* fn, const char* name, int64_t length, int64_t offset, const int64_t* shape,
                         const int64_t* strides, int ndim);

// Every idx[i] (i < n) lies in [0, limit); otherwise names the first one out of range.
std::string check_indices(const char* fn, const char* what, const int32_t* idx, int64_t n, int64_t limit);

}  // namespace ng
