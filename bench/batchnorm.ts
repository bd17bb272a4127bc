// npm run bench:batchnorm — the fused batch-norm kernels (training forward, inference
// forward, backward) for native (all threads and 1 thread), wasm and the pure-JS baseline,
// side by side on NHWC activations and a dense layer, float32, through the Backend methods;
// then ng.batchNorm (fused, forward + backward through autograd) against the same
// normalization composed of ng ops (mean, sub, square, ...) on native.
import * as ng from '../lib/index.js';
import type { Backend, Storage } from '../lib/backend/backend.js';
import { backendNamed } from '../lib/backend/registry.js';
import { medianMs, randomData, table } from './harness.js';

const SHAPES: { label: string; outer: number; c: number }[] = [
  { label: 'NHWC [32,28,28,16]', outer: 32 * 28 * 28, c: 16 },
  { label: 'NHWC [16,32,32,64]', outer: 16 * 32 * 32, c: 64 },
  { label: 'dense [256,1024]', outer: 256, c: 1024 },
];

interface Bufs { x: Storage; dy: Storage; y: Storage; dx: Storage; g: Storage; b: Storage; m: Storage; v: Storage; dg: Storage; db: Storage }

const KERNELS: { label: string; run: (be: Backend, s: Bufs, outer: number, c: number) => void }[] = [
  { label: 'train fwd', run: (be, s, o, c) => be.batchNormTrain(s.x, s.g, s.b, s.y, s.m, s.v, o, c, 1e-5) },
  { label: 'infer fwd', run: (be, s, o, c) => be.batchNormInfer(s.x, s.g, s.b, s.m, s.v, s.y, o, c, 1e-5) },
  { label: 'backward', run: (be, s, o, c) => be.batchNormBackward(s.x, s.dy, s.m, s.v, s.g, s.dx, s.dg, s.db, o, c, 1e-5, true) },
];

const configs: { label: string; backend: Backend; threads?: number }[] = [];
for (const name of ['native', 'wasm', 'js'] as const) {
  try {
    const be = backendNamed(name);
    configs.push({ label: name === 'native' ? `native/${be.isa} ${be.threads}T` : name, backend: be });
    if (name === 'native' && be.threads > 1) configs.push({ label: `native/${be.isa} 1T`, backend: be, threads: 1 });
  } catch (e) {
    console.log(`(${name} unavailable: ${(e as Error).message})`);
  }
}

const rows: (string | number)[][] = [];
for (const shape of SHAPES) {
  const n = shape.outer * shape.c;
  const times = new Map<string, number[]>();
  for (const cfg of configs) {
    const be = cfg.backend;
    const all = be.threads;
    if (cfg.threads) be.setNumThreads(cfg.threads);
    const up = (a: Float32Array) => be.upload('float32', a);
    const s: Bufs = {
      x: up(randomData(n, 1, -2)), dy: up(randomData(n, 2, -2)), y: be.alloc('float32', n), dx: be.alloc('float32', n),
      g: up(randomData(shape.c, 3, -2)), b: up(randomData(shape.c, 4, -2)), m: be.alloc('float32', shape.c), v: be.alloc('float32', shape.c),
      dg: be.alloc('float32', shape.c), db: be.alloc('float32', shape.c),
    };
    be.batchNormTrain(s.x, s.g, s.b, s.y, s.m, s.v, shape.outer, shape.c, 1e-5);
    times.set(cfg.label, KERNELS.map((k) => medianMs(() => k.run(be, s, shape.outer, shape.c))));
    for (const v of Object.values(s)) be.free(v);
    if (cfg.threads) be.setNumThreads(all);
  }
  KERNELS.forEach((k, i) => {
    const js = times.get('js')?.[i];
    const native = times.get(configs[0]!.label)![i]!;
    // Bytes the kernel must move at least: x read + y written (forward); x, dy read + dx written (backward).
    const bytes = (k.label === 'backward' ? 12 : 8) * n;
    rows.push([`${shape.label} ${k.label}`, ...configs.map((c) => times.get(c.label)![i]!), bytes / native / 1e6,
      ...(js ? configs.filter((c) => c.label !== 'js').map((c) => js / times.get(c.label)![i]!) : [])]);
  });
}
const header = ['kernel (float32)', ...configs.map((c) => `${c.label} ms`), `${configs[0]!.label} GB/s`,
  ...configs.filter((c) => c.label !== 'js').map((c) => `${c.label} ×js`)];
console.log(`\n${table(header, rows)}`);

// Fused op against the same normalization composed of ng ops, forward + backward, on native.
try {
  ng.setBackend('native');
  const compare: (string | number)[][] = [];
  for (const shape of SHAPES) {
    const x = ng.tensor(randomData(shape.outer * shape.c, 5, -2), [shape.outer, shape.c]);
    const w = ng.ones([shape.c]);
    const b = ng.zeros([shape.c]);
    for (const t of [x, w, b]) t.requiresGrad = true;
    const fused = () => ng.tidy(() => { ng.batchNorm(x, { weight: w, bias: b }).sum().backward(); });
    const composed = () => ng.tidy(() => {
      const mean = x.mean(0, true);
      const centered = x.sub(mean);
      const variance = centered.square().mean(0, true);
      centered.div(variance.add(1e-5).sqrt()).mul(w).add(b).sum().backward();
    });
    const f = medianMs(fused);
    const c = medianMs(composed);
    for (const t of [x, w, b]) t.zeroGrad();
    compare.push([shape.label, f, c, c / f]);
  }
  console.log(`\n${table(['forward + backward (native)', 'ng.batchNorm ms', 'composed ops ms', 'composed/fused'], compare)}`);
} catch (e) {
  console.log(`(native unavailable: ${(e as Error).message})`);
}
