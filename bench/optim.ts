// npm run bench:optim — one optimizer step (Optimizer.step(), the fused kernel plus the
// TypeScript around it) over the parameters of the MNIST MLP 784-512-512-10 (weights
// [in, out] and biases, float32, 669,706 parameters), for native (all threads and 1
// thread), wasm and the pure-JS baseline side by side, with the bandwidth each step moves.
// The configurations are measured in ROUNDS interleaved rounds (env BENCH_ROUNDS, default 3)
// and each keeps its best median: on a shared machine other processes only ever slow a
// measurement down, and interleaving spreads their load over every configuration.
import * as ng from '../lib/index.js';
import type { BackendName } from '../lib/backend/backend.js';
import { backendNamed } from '../lib/backend/registry.js';
import { fmt, medianMs, table } from './harness.js';

const LAYERS = [784, 512, 512, 10];
const SHAPES = LAYERS.slice(1).flatMap((out, i) => [[LAYERS[i]!, out], [out]]);
const PARAMS = SHAPES.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);

interface Case {
  label: string;
  make: (ps: ng.Tensor[]) => ng.optim.Optimizer<any>;
  /** Buffers of PARAMS float32 each step reads and writes: p, g and state in, p and state out. */
  streams: number;
}

const CASES: Case[] = [
  { label: 'Adam', make: (ps) => new ng.optim.Adam(ps, { lr: 1e-3 }), streams: 4 + 3 },
  { label: 'SGD momentum 0.9', make: (ps) => new ng.optim.SGD(ps, { lr: 0.01, momentum: 0.9 }), streams: 3 + 2 },
  { label: 'RMSprop', make: (ps) => new ng.optim.RMSprop(ps, { lr: 1e-3 }), streams: 3 + 2 },
];

interface Config { label: string; backend: BackendName; threads?: number }

const configs: Config[] = [];
for (const name of ['native', 'wasm', 'js'] as const) {
  try {
    const be = backendNamed(name);
    if (name === 'native') {
      configs.push({ label: `native/${be.isa} ${be.threads}T`, backend: name });
      if (be.threads > 1) configs.push({ label: `native/${be.isa} 1T`, backend: name, threads: 1 });
    } else {
      configs.push({ label: name, backend: name });
    }
  } catch (e) {
    console.log(`(${name} unavailable: ${(e as Error).message})`);
  }
}

function params(): ng.Tensor[] {
  ng.seed(1);
  return SHAPES.map((s) => {
    const p = ng.randn(s).mul(0.05);
    p.requiresGrad = true;
    p.grad = ng.randn(s).mul(1e-3);
    return p;
  });
}

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const ms = new Map<string, number[]>(configs.map((c) => [c.label, CASES.map(() => Infinity)]));
for (let round = 0; round < ROUNDS; round++) {
  for (const c of configs) {
    ng.setBackend(c.backend);
    const be = backendNamed(c.backend);
    const all = be.threads;
    if (c.threads) be.setNumThreads(c.threads);
    const ps = params();
    const best = ms.get(c.label)!;
    CASES.forEach((k, i) => {
      const opt = k.make(ps);
      best[i] = Math.min(best[i]!, medianMs(() => opt.step(), { samples: 7, minSampleMs: 50 }));
    });
    ng.dispose(ps.flatMap((p) => [p, p.grad!]));
    if (c.threads) be.setNumThreads(all);
  }
}

const jsMs = ms.get('js');
const fast = configs[0]!.label;
const header = ['step (669,706 f32 params)', ...configs.map((c) => `${c.label} ms`), `${fast} GB/s`];
if (jsMs) header.push(...configs.filter((c) => c.label !== 'js').map((c) => `${c.label} ×js`));
const rows = CASES.map((k, i) => {
  const row: (string | number)[] = [k.label, ...configs.map((c) => ms.get(c.label)![i]!)];
  row.push((k.streams * 4 * PARAMS) / ms.get(fast)![i]! / 1e6);
  if (jsMs) row.push(...configs.filter((c) => c.label !== 'js').map((c) => jsMs[i]! / ms.get(c.label)![i]!));
  return row;
});

console.log(`\nMLP ${LAYERS.join('-')}: ${SHAPES.length} parameter tensors, ${PARAMS} float32 parameters ` +
  `(${fmt((PARAMS * 4) / 2 ** 20)} MiB each for p, g and every state buffer); best median of ${ROUNDS} rounds\n`);
console.log(table(header, rows));
console.log('\ntarget: native Adam step >= 20× js');
