// The direct small-channel convolution compiled for AVX-512 (entered only when the CPU has it).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "../../runtime/cache_aligned.h"
#include "../../runtime/thread_pool.h"
#include "conv2d_direct.h"
#include "conv2d_direct_paths.h"
#include "im2col.h"

#if defined(__x86_64__) || defined(_M_X64)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")
#endif
#define NG_CONV_FMA _mm512_fmadd_ps
#define NG_CONV_FMA_PD _mm512_fmadd_pd
#define NG_CONV_SPLAT _mm512_set1_ps
#define NG_CONV_SPLAT_PD _mm512_set1_pd
#define NG_CONV_VEC_BYTES 64
#define NG_CONV_PERMUTE2_PS(a, index, b) \
  VF(_mm512_permutex2var_ps(a, _mm512_loadu_si512(static_cast<const void*>(index)), b))
namespace ng::conv2d_direct_avx512 {
#include "conv2d_direct_impl.h"
}  // namespace ng::conv2d_direct_avx512
#undef NG_CONV_VEC_BYTES
#undef NG_CONV_PERMUTE2_PS
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
