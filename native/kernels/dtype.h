// Element types shared by every kernel and both bindings.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ng {

enum class DType : int { Float32 = 0, Int32 = 1, Float64 = 2 };

inline size_t dtype_size(DType d) { return d == DType::Float64 ? 8 : 4; }
inline bool dtype_valid(int d) { return d >= 0 && d <= 2; }
inline const char* dtype_name(DType d) {
  return d == DType::Float32 ? "float32" : d == DType::Int32 ? "int32" : "float64";
}

// Most dimensions an elementwise kernel walks; callers coalesce contiguous dims first.
constexpr int kMaxDims = 8;

}  // namespace ng
