// The pooling kernels compiled for the avx2 path.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "../../runtime/thread_pool.h"
#include "pool.h"
#include "pool_paths.h"
#if defined(__x86_64__) || defined(_M_X64)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#define NG_VEC_AVX2 1
namespace ng::isa_avx2 {
#include "../elementwise/simd.inc"
#include "pool_impl.h"
}  // namespace ng::isa_avx2

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif  // x86-64
