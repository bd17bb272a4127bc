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
#endif
