/* Reference timings for bench/gemm.ts: OpenBLAS cblas_sgemm, and the FP32 FMA peak of
 * one core. Built by the bench when libopenblas-dev is installed:
 *   cc -O3 bench/openblas/sgemm.c -lopenblas -o build/bench/openblas-sgemm
 * Usage: openblas-sgemm gemm M N K TRANSA TRANSB THREADS   -> GFLOP/s of the fastest of 7 samples
 *        openblas-sgemm peak avx2|avx512                    -> GFLOP/s of one core
 */
#include <cblas.h>
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void openblas_set_num_threads(int);

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int gemm(int m, int n, int k, int ta, int tb, int threads) {
  openblas_set_num_threads(threads);
  float* a = aligned_alloc(64, ((size_t)m * k * 4 + 63) / 64 * 64 + 64);
  float* b = aligned_alloc(64, ((size_t)k * n * 4 + 63) / 64 * 64 + 64);
  float* c = aligned_alloc(64, ((size_t)m * n * 4 + 63) / 64 * 64 + 64);
  for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
  for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)((i * 5) % 11) / 11.0f - 0.5f;
  const double flops = 2.0 * m * n * k;
  int reps = 1;
  for (;;) { /* calibrate: one sample takes at least 30 ms */
    double t0 = now();
    for (int r = 0; r < reps; r++)
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
                  ta ? m : k, b, tb ? k : n, 0.0f, c, n);
    if (now() - t0 > 0.03 || reps > 1 << 20) break;
    reps *= 2;
  }
  double best = 0;
  for (int s = 0; s < 7; s++) {
    double t0 = now();
    for (int r = 0; r < reps; r++)
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
                  ta ? m : k, b, tb ? k : n, 0.0f, c, n);
    const double g = flops * reps / (now() - t0) / 1e9;
    if (g > best) best = g;
  }
  printf("%.2f\n", best);
  free(a), free(b), free(c);
  return 0;
}

#define PEAK_ITERS 50000000L

__attribute__((target("avx2,fma"))) static double peak_avx2(void) {
  __m256 acc[12], x = _mm256_set1_ps(1.0000001f), y = _mm256_set1_ps(0.9999999f);
  for (int i = 0; i < 12; i++) acc[i] = _mm256_set1_ps((float)i);
  double t0 = now();
  for (long it = 0; it < PEAK_ITERS; it++)
    for (int i = 0; i < 12; i++) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
  double dt = now() - t0;
  float sink = 0;
  for (int i = 0; i < 12; i++) sink += _mm256_cvtss_f32(acc[i]);
  if (sink == 42.0f) puts("");
  return 12.0 * 8 * 2 * PEAK_ITERS / dt / 1e9;
}

__attribute__((target("avx512f"))) static double peak_avx512(void) {
  __m512 acc[16], x = _mm512_set1_ps(1.0000001f), y = _mm512_set1_ps(0.9999999f);
  for (int i = 0; i < 16; i++) acc[i] = _mm512_set1_ps((float)i);
  double t0 = now();
  for (long it = 0; it < PEAK_ITERS; it++)
    for (int i = 0; i < 16; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  double dt = now() - t0;
  float sink = 0;
  for (int i = 0; i < 16; i++) sink += _mm512_reduce_add_ps(acc[i]);
  if (sink == 42.0f) puts("");
  return 16.0 * 16 * 2 * PEAK_ITERS / dt / 1e9;
}

int main(int argc, char** argv) {
  if (argc == 8 && strcmp(argv[1], "gemm") == 0)
    return gemm(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]), atoi(argv[7]));
  if (argc == 3 && strcmp(argv[1], "peak") == 0) {
    const int avx512 = strcmp(argv[2], "avx512") == 0;
    if (avx512 ? !__builtin_cpu_supports("avx512f") : !__builtin_cpu_supports("avx2")) return 2;
    double best = 0;
    for (int i = 0; i < 3; i++) {
      double g = avx512 ? peak_avx512() : peak_avx2();
      if (g > best) best = g;
    }
    printf("%.2f\n", best);
    return 0;
  }
  fprintf(stderr, "usage: %s gemm M N K TRANSA TRANSB THREADS | peak avx2|avx512\n", argv[0]);
  return 1;
}
