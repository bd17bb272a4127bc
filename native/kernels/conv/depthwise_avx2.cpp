// The depthwise loops compiled for AVX2 + FMA (entered only when the CPU has them).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "../../runtime/thread_pool.h"
#include "depthwise_paths.h"
#include "im2col.h"

#if defined(__x86_64__) || defined(_M_X64)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

namespace ng::depthwise_avx2 {
#include "depthwise_impl.h"
}  // namespace ng::depthwise_avx2

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif  // x86-64
