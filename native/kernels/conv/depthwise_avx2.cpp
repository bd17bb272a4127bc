// The depthwise loops compiled for AVX2 + FMA (entered only when the CPU has them).
#include <algorithm>
#include <cmath>
#include <cstdint>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "../../runtime/thread_pool.h"
#include "depthwise_paths.h"
#include "im2col.h"
#include "partials.h"

#if defined(__x86_64__) || defined(_M_X64)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

#define NG_CONV_FMA _mm256_fmadd_ps
#define NG_CONV_FMA_PD _mm256_fmadd_pd
#define NG_CONV_SPLAT _mm256_set1_ps
#define NG_CONV_SPLAT_PD _mm256_set1_pd
#define NG_CONV_VEC_BYTES 32
namespace ng::depthwise_avx2 {
#include "depthwise_impl.h"
}  // namespace ng::depthwise_avx2
#undef NG_CONV_VEC_BYTES
#undef NG_CONV_FMA
#undef NG_CONV_FMA_PD
#undef NG_CONV_SPLAT
#undef NG_CONV_SPLAT_PD

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif  // x86-64
