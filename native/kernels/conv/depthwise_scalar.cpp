// The depthwise loops for the scalar path. The wasm build compiles this file with
// -msimd128, where the compiler vectorizes the channel loops with 128-bit lanes.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "../../runtime/thread_pool.h"
#include "depthwise_paths.h"
#include "im2col.h"
#include "partials.h"

#define NG_CONV_VEC_BYTES 16
namespace ng::depthwise_scalar {
#include "depthwise_impl.h"
}  // namespace ng::depthwise_scalar
#undef NG_CONV_VEC_BYTES
