// The pooling kernels compiled for the scalar path. The wasm build compiles this file with
// -msimd128, which makes it the "simd128" path (simd.inc then uses 4/2-lane vectors).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "../../runtime/thread_pool.h"
#include "pool.h"
#include "pool_paths.h"

namespace ng::isa_scalar {
#include "../elementwise/simd.inc"
#include "pool_impl.h"
}  // namespace ng::isa_scalar
