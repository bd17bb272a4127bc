// The direct small-channel convolution for the scalar path (the wasm build compiles it with
// -msimd128, where the pixel loops become 128-bit vectors).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "../../runtime/cache_aligned.h"
#include "../../runtime/thread_pool.h"
#include "conv2d_direct.h"
#include "conv2d_direct_paths.h"
#include "im2col.h"

#define NG_CONV_VEC_BYTES 16
namespace ng::conv2d_direct_scalar {
#include "conv2d_direct_impl.h"
}  // namespace ng::conv2d_direct_scalar
#undef NG_CONV_VEC_BYTES

