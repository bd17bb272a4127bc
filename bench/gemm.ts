// npm run bench:gemm — SGEMM GFLOP/s side by side in one run: native per ISA path at 1
// and all threads, wasm, the pure-JS baseline, OpenBLAS (cblas_sgemm) and
// tfjs-backend-wasm, with ratios against OpenBLAS, tfjs-wasm and the measured FMA peak.
import { cpus } from 'node:os';
import { join } from 'node:path';

import * as ng from '../lib/index.js';
import { backendNamed } from '../lib/backend/registry.js';
import { packageRoot } from '../lib/package-root.js';
import { medianMs, openblasDriver, runDriver, table } from './harness.js';

interface Shape { label: string; m: number; n: number; k: number; transA?: boolean; transB?: boolean }

const SQUARE: Shape[] = [64, 128, 256, 512, 1024, 2048].map((n) => ({ label: `${n}³`, m: n, n, k: n }));
const MLP: Shape[] = [
  { label: 'mlp fwd 1', m: 128, k: 784, n: 512 },
  { label: 'mlp fwd 2', m: 128, k: 512, n: 512 },
  { label: 'mlp fwd 3', m: 128, k: 512, n: 10 },
  { label: 'mlp dW1=XᵀdY', m: 784, k: 128, n: 512, transA: true },
  { label: 'mlp dW2', m: 512, k: 128, n: 512, transA: true },
  { label: 'mlp dW3', m: 512, k: 128, n: 10, transA: true },
  { label: 'mlp dX2=dYWᵀ', m: 128, k: 512, n: 512, transB: true },
  { label: 'mlp dX3', m: 128, k: 10, n: 512, transB: true },
];
const CONV: Shape[] = [{ label: 'conv im2col', m: 50176, k: 288, n: 64 }];
const quick = process.argv.includes('--quick');
const SHAPES = quick ? [SQUARE[1]!, SQUARE[2]!, SQUARE[4]!, MLP[0]!] : [...SQUARE, ...MLP, ...CONV];
const JS_MAX_FLOPS = 3e9;  // the js baseline runs at < 1 GFLOP/s: skip shapes that would take minutes

const root = packageRoot();
const allThreads = cpus().length;
const flopsOf = (s: Shape) => 2 * s.m * s.n * s.k;

function gflopsOn(backend: 'native' | 'wasm' | 'js', s: Shape): number {
  ng.setBackend(backend);
  ng.seed(1);
  const a = ng.randn(s.transA ? [s.k, s.m] : [s.m, s.k]);
  const b = ng.randn(s.transB ? [s.n, s.k] : [s.k, s.n]);
  const ms = medianMs(() => ng.matmul(a, b, { transposeA: s.transA, transposeB: s.transB }).dispose());
  a.dispose();
  b.dispose();
  return flopsOf(s) / ms / 1e6;
}

async function tfjsWasm(): Promise<((s: Shape) => number) | undefined> {
  try {
    const tf = await import('@tensorflow/tfjs-core');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const { createRequire } = await import('node:module');
    const req = createRequire(import.meta.url);
    wasm.setWasmPaths(`${join(req.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'), '..')}/`);
    await tf.setBackend('wasm');
    await tf.ready();
    return (s) => {
      const a = tf.randomNormal(s.transA ? [s.k, s.m] : [s.m, s.k]) as import('@tensorflow/tfjs-core').Tensor2D;
      const b = tf.randomNormal(s.transB ? [s.n, s.k] : [s.k, s.n]) as import('@tensorflow/tfjs-core').Tensor2D;
      const ms = medianMs(() => {
        const c = tf.matMul(a, b, s.transA, s.transB);
        c.dataSync();
        c.dispose();
      });
      a.dispose();
      b.dispose();
      return flopsOf(s) / ms / 1e6;
    };
  } catch (e) {
    console.log(`(tfjs-backend-wasm not available: ${(e as Error).message})`);
    return undefined;
  }
}

const native = backendNamed('native');
const isas = [...native.supportedIsas].reverse();  // best first
const driver = openblasDriver(root);
const peak = driver ? runDriver(driver, ['peak', isas.includes('avx512') ? 'avx512' : 'avx2']) : NaN;
const tf = await tfjsWasm();

console.log(`SGEMM GFLOP/s (2mnk/s, medians), ${cpus()[0]?.model ?? 'cpu'}, ${allThreads} threads`);
console.log(`FP32 FMA peak of one core (measured): ${peak.toFixed(1)} GFLOP/s; OpenBLAS: ${driver ? 'yes' : 'not installed'}; tfjs-backend-wasm: ${tf ? 'single-threaded' : 'no'}\n`);

const header = ['shape (m×k×n)'];
for (const isa of isas) header.push(`${isa} 1T`, `${isa} ${allThreads}T`);
header.push('OpenBLAS 1T', `OpenBLAS ${allThreads}T`, 'wasm', 'tfjs-wasm', 'js',
  'vs BLAS 1T', `vs BLAS ${allThreads}T`, '% peak 1T', 'wasm/tfjs', 'wasm/js');
const rows: (string | number)[][] = [];

for (const s of SHAPES) {
  const row: (string | number)[] = [`${s.label} ${s.m}×${s.k}×${s.n}${s.transA ? ' Aᵀ' : ''}${s.transB ? ' Bᵀ' : ''}`];
  let best1 = 0;
  let bestN = 0;
  for (const isa of isas) {
    ng.setBackend('native');
    ng.setIsa(isa);
    ng.setNumThreads(1);
    const g1 = gflopsOn('native', s);
    ng.setNumThreads(allThreads);
    const gN = gflopsOn('native', s);
    row.push(g1, gN);
    if (isa === isas[0]) [best1, bestN] = [g1, gN];
  }
  ng.setIsa(isas[0]!);
  const blas1 = driver ? runDriver(driver, ['gemm', s.m, s.n, s.k, s.transA ? 1 : 0, s.transB ? 1 : 0, 1]) : NaN;
  const blasN = driver ? runDriver(driver, ['gemm', s.m, s.n, s.k, s.transA ? 1 : 0, s.transB ? 1 : 0, allThreads]) : NaN;
  const w = gflopsOn('wasm', s);
  const t = tf ? tf(s) : NaN;
  const j = flopsOf(s) <= JS_MAX_FLOPS ? gflopsOn('js', s) : NaN;
  row.push(blas1, blasN, w, t, j, best1 / blas1, bestN / blasN, (100 * best1) / peak, w / t, w / j);
  rows.push(row);
  console.log(table(header, rows).split('\n').at(-1));
}

console.log(`\n${table(header, rows)}`);
console.log(`\nvs BLAS: best native path over OpenBLAS at the same thread count; % peak: best native 1T over the measured FMA peak;`);
console.log(`wasm/tfjs: our wasm (SIMD128, 1 thread) over tfjs-backend-wasm (XNNPACK, 1 thread); js: skipped (—) above ${JS_MAX_FLOPS / 1e9} GFLOP per call.`);
