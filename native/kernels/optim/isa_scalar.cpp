// The optimizer kernels compiled for the scalar path. The wasm build compiles this file with
// -msimd128, which makes it the "simd128" path (simd.inc then uses 4/2-lane vectors).
#include <cmath>
#include <cstdint>
#include <cstring>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "optim_paths.h"

namespace ng::optim_scalar {
#include "../elementwise/simd.inc"
#include "optim_impl.inc"
}  // namespace ng::optim_scalar
