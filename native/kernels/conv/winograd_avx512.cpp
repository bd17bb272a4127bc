// The Winograd tile transforms compiled for AVX-512 (entered only when the CPU has it).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#endif

#include "winograd_paths.h"

#if defined(__x86_64__) || defined(_M_X64)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")
#endif
#define NG_CONV_SPLAT _mm512_set1_ps
#define NG_CONV_SPLAT_PD _mm512_set1_pd
#define NG_CONV_VEC_BYTES 64
namespace ng::winograd_avx512 {
#include "winograd_impl.h"
}  // namespace ng::winograd_avx512
#undef NG_CONV_VEC_BYTES
#undef NG_CONV_SPLAT
#undef NG_CONV_SPLAT_PD

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif  // x86-64
