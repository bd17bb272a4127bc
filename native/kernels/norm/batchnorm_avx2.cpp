// The batch-norm kernels compiled for the avx2 path.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../../runtime/thread_pool.h"
#include "batchnorm_paths.h"
#if defined(__x86_64__) || defined(_M_X64)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

namespace ng::bn_avx2 {
#include "batchnorm_impl.inc"
}  // namespace ng::bn_avx2

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif  // x86-64
