// The Winograd tile transforms for the scalar path. The wasm build compiles this file with
// -msimd128, where the 16-byte vectors are SIMD128's.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "winograd_paths.h"

#define NG_CONV_VEC_BYTES 16
namespace ng::winograd_scalar {
#include "winograd_impl.h"
}  // namespace ng::winograd_scalar
#undef NG_CONV_VEC_BYTES
