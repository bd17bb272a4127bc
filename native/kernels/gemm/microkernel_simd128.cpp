// WebAssembly SIMD128 path (Emscripten, -msimd128). fp32: 5 x 8 tile (5 rows x 2 f32x4
// = 10 accumulators); fp64: 5 x 4 (5 rows x 2 f64x2; 7-9% faster than 4 x 4 on the same
// Zen 4, 256³ 19.4 -> 20.8 GFLOP/s). SIMD128 has no FMA: each step is a
// mul and an add (two roundings), and the mul needs a temporary register. V8 maps v128 onto
// the 16 xmm registers of x86-64 hosts and keeps xmm15 as its scratch, so a tile must fit
// accumulators + 2 B vectors + the A broadcast + the product in 15: a 6 x 8 tile (12 + 4)
// spilled one accumulator to the stack every k step, and that store-to-load round trip
// bounded the loop. 5 x 8 (10 + 4) keeps all in registers. Node 20, Zen 4 EPYC, 1 thread,
// alternated: 1024^3 28.4 -> 44.9 GFLOP/s, 128x784x512 27.2 -> 41.3, 50176x288x64 27.2 ->
// 37.2. (On a Xeon, whose two FMA ports bound the loop before the spill did, the two
// tiles measured alike.) Empty on every other target.
#include "gemm_internal.h"

#if defined(__wasm_simd128__)

#include <cstdint>
#include <utility>
#include <wasm_simd128.h>

#include "microkernel_impl.h"
#include "microkernel_dot_impl.h"

namespace ng {
namespace gemm_detail {
namespace {

struct VecF32 {
  using T = float;
  using R = v128_t;
  static constexpr int kWidth = 4;
  static NG_GEMM_INLINE R zero() { return wasm_f32x4_splat(0.0f); }
  static NG_GEMM_INLINE R set1(T x) { return wasm_f32x4_splat(x); }
  static NG_GEMM_INLINE R load(const T* p) { return wasm_v128_load(p); }
  static NG_GEMM_INLINE R loadu(const T* p) { return wasm_v128_load(p); }
  static NG_GEMM_INLINE void storeu(T* p, R x) { wasm_v128_store(p, x); }
  static NG_GEMM_INLINE R bcast(const T* p) { return wasm_v128_load32_splat(p); }
  static NG_GEMM_INLINE R load_tail(const T* p, int count) {
    T v[4] = {0, 0, 0, 0};
    for (int i = 0; i < count; ++i) v[i] = p[i];
    return wasm_v128_load(v);
  }
  // Sums of 4 vectors' lanes: lanes l and l + 2, then + 1, of each.
  static constexpr int kSumBatch = 4;
  static NG_GEMM_INLINE void hsum_batch(const R* v, T* out) {
    const R s0 = wasm_f32x4_add(wasm_i32x4_shuffle(v[0], v[1], 0, 1, 4, 5), wasm_i32x4_shuffle(v[0], v[1], 2, 3, 6, 7));
    const R s1 = wasm_f32x4_add(wasm_i32x4_shuffle(v[2], v[3], 0, 1, 4, 5), wasm_i32x4_shuffle(v[2], v[3], 2, 3, 6, 7));
    wasm_v128_store(out, wasm_f32x4_add(wasm_i32x4_shuffle(s0, s1, 0, 2, 4, 6), wasm_i32x4_shuffle(s0, s1, 1, 3, 5, 7)));
  }
  static constexpr bool kGather = false;
  static NG_GEMM_INLINE R fma(R a, R b, R c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
  static NG_GEMM_INLINE R mul(R a, R b) { return wasm_f32x4_mul(a, b); }
  static NG_GEMM_INLINE R add(R a, R b) { return wasm_f32x4_add(a, b); }
  static NG_GEMM_INLINE R gt0_select(R x, R y) {
    return wasm_v128_bitselect(x, y, wasm_f32x4_gt(x, wasm_f32x4_splat(0.0f)));
  }
  static NG_GEMM_INLINE void prefetch(const void*) {}
};

struct VecF64 {
  using T = double;
  using R = v128_t;
  static constexpr int kWidth = 2;
  static NG_GEMM_INLINE R zero() { return wasm_f64x2_splat(0.0); }
  static NG_GEMM_INLINE R set1(T x) { return wasm_f64x2_splat(x); }
  static NG_GEMM_INLINE R load(const T* p) { return wasm_v128_load(p); }
  static NG_GEMM_INLINE R loadu(const T* p) { return wasm_v128_load(p); }
  static NG_GEMM_INLINE void storeu(T* p, R x) { wasm_v128_store(p, x); }
  static NG_GEMM_INLINE R bcast(const T* p) { return wasm_v128_load64_splat(p); }
  static NG_GEMM_INLINE R load_tail(const T* p, int) { return wasm_f64x2_make(p[0], 0.0); }  // count is 1
  static constexpr int kSumBatch = 2;
  static NG_GEMM_INLINE void hsum_batch(const R* v, T* out) {
    wasm_v128_store(out, wasm_f64x2_add(wasm_i64x2_shuffle(v[0], v[1], 0, 2), wasm_i64x2_shuffle(v[0], v[1], 1, 3)));
  }
  static constexpr bool kGather = false;
  static NG_GEMM_INLINE R fma(R a, R b, R c) { return wasm_f64x2_add(wasm_f64x2_mul(a, b), c); }
  static NG_GEMM_INLINE R mul(R a, R b) { return wasm_f64x2_mul(a, b); }
  static NG_GEMM_INLINE R add(R a, R b) { return wasm_f64x2_add(a, b); }
  static NG_GEMM_INLINE R gt0_select(R x, R y) {
    return wasm_v128_bitselect(x, y, wasm_f64x2_gt(x, wasm_f64x2_splat(0.0)));
  }
  static NG_GEMM_INLINE void prefetch(const void*) {}
};

constexpr int kMrF32 = 5, kNvF32 = 2;  // 5 x 8

// op(B) transposed: 4 x 4 blocks (pack_b_by_blocks), instead of the generic packer's one
// strided element at a time (6.5% of the MLP's dX3, 128×10×512).
template <int NR>
void pack_b_f32_transposing(bool trans, int64_t kc, int64_t cols, const float* b, int64_t ldb, float* dst) {
  pack_b_by_blocks<float, NR, 4>(trans, kc, cols, b, ldb, dst, [](const float* r, int64_t ld, float* o, int64_t ol) {
    const v128_t r0 = wasm_v128_load(r), r1 = wasm_v128_load(r + ld);
    const v128_t r2 = wasm_v128_load(r + 2 * ld), r3 = wasm_v128_load(r + 3 * ld);
    const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
    const v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
    wasm_v128_store(o, wasm_i32x4_shuffle(t0, t2, 0, 1, 4, 5));
    wasm_v128_store(o + ol, wasm_i32x4_shuffle(t0, t2, 2, 3, 6, 7));
    wasm_v128_store(o + 2 * ol, wasm_i32x4_shuffle(t1, t3, 0, 1, 4, 5));
    wasm_v128_store(o + 3 * ol, wasm_i32x4_shuffle(t1, t3, 2, 3, 6, 7));
  });
}

constexpr int kMrF64 = 5, kNvF64 = 2;  // 5 x 4

}  // namespace

bool get_kernels_simd128(KernelDesc<float>* f32, KernelDesc<double>* f64) {
  // KC 512 rather than 256: fewer k-blocks, so fewer C reloads and kernel calls (k = 288 or
  // 512 is one block). In Node 20 on a Zen 3 EPYC, interleaved: the conv-shaped
  // 12544x288x64 +10% (21.2 -> 23.4 GFLOP/s), 1024^3 +4%, the rest within noise; 1024 was
  // no better.
  NG_GEMM_FILL_DESC(f32, VecF32, kMrF32, kNvF32, 120, 512, 1, 2, 3, 4, 5);
  f32->pack_b = &pack_b_f32_transposing<kNvF32 * 4>;
  // Dot kernels (use_dot skips n a multiple of NR = 8) with 8 accumulators: 12 spilled as
  // the 6 x 8 tile did (Zen 4: 128×512×10 21.2 -> 28.5 GFLOP/s, 128×784×12 23.8 -> 30.7;
  // float64 128×512×10 10.4 -> 14.1). Node 20, 1 thread, dot / broadcast
  // GFLOP/s: 128×1×784 20.3 / 3.7, 128×10×512 27.6 / 10.0, 128×12×784 28.0 / 12.5; but
  // 128×8×256 24.2 / 29.3 and 128×16×784 28.0 / 34.8.
  NG_GEMM_FILL_DOT(f32, VecF32, 8, 4, 16, 128);
  NG_GEMM_FILL_DESC(f64, VecF64, kMrF64, kNvF64, 120, 256, 1, 2, 3, 4, 5);
  NG_GEMM_FILL_DOT(f64, VecF64, 8, 4, 16, 128);
  return true;
}

}  // namespace gemm_detail
}  // namespace ng

#else  // not WebAssembly SIMD128

namespace ng {
namespace gemm_detail {
bool get_kernels_simd128(KernelDesc<float>*, KernelDesc<double>*) { return false; }
}  // namespace gemm_detail
}  // namespace ng

#endif
