// Vector types and operations for the direct convolution loops (conv2d_direct_impl.h,
// depthwise_impl.h), written with the GCC/Clang vector extension so that one source serves
// every instruction set. Included inside a per-ISA namespace by a file that sets:
//   NG_CONV_VEC_BYTES         vector width in bytes (16: SSE2 / SIMD128, 32: AVX2, 64: AVX-512)
//   NG_CONV_FMA, _FMA_PD      fused multiply-add intrinsics, where the path has them
//   NG_CONV_SPLAT, _SPLAT_PD  broadcast intrinsics (required above 16 bytes)
// Without the vector extension (MSVC) NG_CONV_VECTORS stays undefined and the includers use
// plain loops. No include guard: each translation unit includes it once, in its namespace.

#if defined(__GNUC__) || defined(__clang__)
typedef float VF __attribute__((vector_size(NG_CONV_VEC_BYTES)));
typedef double VD __attribute__((vector_size(NG_CONV_VEC_BYTES)));
// The same vectors at any element address (unaligned loads), allowed to alias T.
typedef float VFU __attribute__((vector_size(NG_CONV_VEC_BYTES), aligned(4), may_alias));
typedef double VDU __attribute__((vector_size(NG_CONV_VEC_BYTES), aligned(8), may_alias));
template <typename T>
struct VecOf;
template <>
struct VecOf<float> {
  using type = VF;
  using unaligned = VFU;
};
template <>
struct VecOf<double> {
  using type = VD;
  using unaligned = VDU;
};

template <typename T>
inline typename VecOf<T>::type load(const T* p) {
  return *reinterpret_cast<const typename VecOf<T>::unaligned*>(p);
}

template <typename T>
inline void store(T* p, typename VecOf<T>::type v) {
  *reinterpret_cast<typename VecOf<T>::unaligned*>(p) = v;
}
#define NG_CONV_VECTORS 1

// x in every lane (NG_CONV_SPLAT from the includer, else the 16-byte initializer).
inline VF splat(float x) {
#ifdef NG_CONV_SPLAT
  return NG_CONV_SPLAT(x);
#else
  static_assert(sizeof(VF) == 16, "define NG_CONV_SPLAT for wider vectors");
  return VF{x, x, x, x};
#endif
}
inline VD splat(double x) {
#ifdef NG_CONV_SPLAT_PD
  return NG_CONV_SPLAT_PD(x);
#else
  static_assert(sizeof(VD) == 16, "define NG_CONV_SPLAT_PD for wider vectors");
  return VD{x, x};
#endif
}

// a·b + c, fused where the path has FMA (NG_CONV_FMA from the includer).
inline VF madd(VF a, VF b, VF c) {
#ifdef NG_CONV_FMA
  return NG_CONV_FMA(a, b, c);
#else
  return a * b + c;
#endif
}
inline VD madd(VD a, VD b, VD c) {
#ifdef NG_CONV_FMA_PD
  return NG_CONV_FMA_PD(a, b, c);
#else
  return a * b + c;
#endif
}

// Keeps v in a register for its uses that follow. Otherwise GCC folds the load of a vector
// used twice into both multiply-adds, a load per use (LeNet's 28×28×1 filter gradient: 14
// loads per 12 multiply-adds, 0.175 ms; with the vector kept, 0.150-0.162 ms).
template <typename V>
inline void keep_in_register(V& v) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__("" : "+v"(v));
#else
  (void)v;
#endif
}

// v with its lanes from n on cleared to +0 bitwise (an inf or NaN there leaves nothing).
template <typename T>
inline typename VecOf<T>::type first_lanes(typename VecOf<T>::type v, int64_t n) {
  using V = typename VecOf<T>::type;
  using I = typename std::conditional<sizeof(T) == 4, int32_t, int64_t>::type;
  typedef I VI __attribute__((vector_size(sizeof(V))));
  VI lane = {};
  for (int k = 0; k < static_cast<int>(sizeof(V) / sizeof(T)); ++k) lane[k] = k;
  return reinterpret_cast<V>(reinterpret_cast<VI>(v) & (lane < static_cast<I>(n)));
}

// Elements of T per vector.
template <typename T>
constexpr int64_t lanes() {
  return sizeof(typename VecOf<T>::type) / sizeof(T);
}

// dst[(e + j)·ld + k] = src[k][e + j] for k, j < L: an L×L block transposed in registers,
// for the widths that have it (L = 4, 8 or 16).
template <typename T>
constexpr bool kTransposesInRegisters = lanes<T>() == 4 || lanes<T>() == 8 || lanes<T>() == 16;

// One stage of a 16×16 transpose in registers: the off-diagonal W×W blocks of every
// 2W×2W block swap places (rows i and i + W, bit W of i clear, exchange the lanes whose
// bit W differs from the row's). Stages 1, 2, 4 and 8 make the transpose.
template <int W, typename V>
void swap_blocks16(V (&r)[16]) {
  for (int i = 0; i < 16; ++i) {
    if (i & W) continue;
    V lo, hi;
    if constexpr (W == 1) {
      lo = __builtin_shufflevector(r[i], r[i + 1], 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
      hi = __builtin_shufflevector(r[i], r[i + 1], 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
    } else if constexpr (W == 2) {
      lo = __builtin_shufflevector(r[i], r[i + 2], 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
      hi = __builtin_shufflevector(r[i], r[i + 2], 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
    } else {
      static_assert(W == 4, "stage 8 is done while storing");
      lo = __builtin_shufflevector(r[i], r[i + 4], 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
      hi = __builtin_shufflevector(r[i], r[i + 4], 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
    }
    r[i] = lo;
    r[i + W] = hi;
  }
}

template <typename T>
void transpose_block(const T* const* src, int64_t e, T* dst, int64_t ld) {
  using V = typename VecOf<T>::type;
  if constexpr (lanes<T>() == 16) {
    V r[16];
    for (int k = 0; k < 16; ++k) r[k] = load(src[k] + e);
    swap_blocks16<1>(r);
    swap_blocks16<2>(r);
    swap_blocks16<4>(r);
    for (int i = 0; i < 8; ++i) {
      store(dst + (e + i) * ld, __builtin_shufflevector(r[i], r[i + 8], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
      store(dst + (e + i + 8) * ld, __builtin_shufflevector(r[i], r[i + 8], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
    }
  } else if constexpr (lanes<T>() == 8) {
    V r[8];
    for (int k = 0; k < 8; ++k) r[k] = load(src[k] + e);
    V a[8], b[8];
    for (int k = 0; k < 8; k += 2) {
      a[k] = __builtin_shufflevector(r[k], r[k + 1], 0, 8, 1, 9, 4, 12, 5, 13);
      a[k + 1] = __builtin_shufflevector(r[k], r[k + 1], 2, 10, 3, 11, 6, 14, 7, 15);
    }
    for (int k = 0; k < 8; k += 4)
      for (int h = 0; h < 2; ++h) {
        b[k + 2 * h] = __builtin_shufflevector(a[k + h], a[k + h + 2], 0, 1, 8, 9, 4, 5, 12, 13);
        b[k + 2 * h + 1] = __builtin_shufflevector(a[k + h], a[k + h + 2], 2, 3, 10, 11, 6, 7, 14, 15);
      }
    for (int j = 0; j < 4; ++j) {
      store(dst + (e + j) * ld, __builtin_shufflevector(b[j], b[j + 4], 0, 1, 2, 3, 8, 9, 10, 11));
      store(dst + (e + j + 4) * ld, __builtin_shufflevector(b[j], b[j + 4], 4, 5, 6, 7, 12, 13, 14, 15));
    }
  } else if constexpr (lanes<T>() == 4) {
    V r[4];
    for (int k = 0; k < 4; ++k) r[k] = load(src[k] + e);
    const V a0 = __builtin_shufflevector(r[0], r[1], 0, 4, 1, 5), a1 = __builtin_shufflevector(r[0], r[1], 2, 6, 3, 7);
    const V a2 = __builtin_shufflevector(r[2], r[3], 0, 4, 1, 5), a3 = __builtin_shufflevector(r[2], r[3], 2, 6, 3, 7);
    store(dst + e * ld, __builtin_shufflevector(a0, a2, 0, 1, 4, 5));
    store(dst + (e + 1) * ld, __builtin_shufflevector(a0, a2, 2, 3, 6, 7));
    store(dst + (e + 2) * ld, __builtin_shufflevector(a1, a3, 0, 1, 4, 5));
    store(dst + (e + 3) * ld, __builtin_shufflevector(a1, a3, 2, 3, 6, 7));
  }
}
#endif
