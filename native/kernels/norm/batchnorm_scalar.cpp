// The batch-norm kernels for the scalar path (the baseline target's own vectors, e.g. SSE2).
// The wasm build compiles this file with -msimd128, which makes it the "simd128" path.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../../runtime/thread_pool.h"
#include "batchnorm_paths.h"

namespace ng::bn_scalar {
#include "batchnorm_impl.inc"
}  // namespace ng::bn_scalar
