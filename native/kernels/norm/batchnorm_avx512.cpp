// The batch-norm kernels compiled for the avx512 path.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../../runtime/thread_pool.h"
#include "batchnorm_paths.h"
#if defined(__x86_64__) || defined(_M_X64)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace ng::bn_avx512 {
#include "batchnorm_impl.inc"
}  // namespace ng::bn_avx512

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif
#endif  // x86-64
