// npm run bench:pool — max and average pooling (2×2 windows, stride 2, float32 NHWC), forward
// and backward, for native (all threads and 1 thread), wasm and the pure-JS baseline side by
// side, in ms and GB/s of the bytes each call must move, against a plain copy of the input
// (the memory-bandwidth reference). Backend methods are called directly, so the TypeScript op
// layer is not measured.
import type { Backend, Storage } from '../lib/backend/backend.js';
import { backendNamed } from '../lib/backend/registry.js';
import { type Window2d, resolveWindow } from '../lib/ops/window.js';
import { medianMs, randomData, table } from './harness.js';

const SHAPES = [[32, 28, 28, 32], [32, 56, 56, 64]] as const;

interface Bufs { x: Storage; out: Storage; arg: Storage; dy: Storage; dx: Storage }

interface Case {
  label: string;
  /** Bytes each call must move at least (reads + writes), from the input and output sizes. */
  bytes: (inSize: number, outSize: number) => number;
  run: (be: Backend, s: Bufs, n: number, c: number, w: Window2d) => void;
}

const CASES: Case[] = [
  { label: 'maxPool2d fwd', bytes: (i, o) => 4 * (i + o), run: (be, s, n, c, w) => be.maxPool2d(s.x, s.out, null, n, c, w) },
  { label: 'maxPool2d fwd +argmax', bytes: (i, o) => 4 * (i + 2 * o),
    run: (be, s, n, c, w) => be.maxPool2d(s.x, s.out, s.arg, n, c, w) },
  { label: 'maxPool2d bwd', bytes: (i, o) => 4 * (2 * o + i), run: (be, s, n, c, w) => be.maxPool2dGrad(s.dy, s.arg, s.dx, n, c, w) },
  { label: 'avgPool2d fwd', bytes: (i, o) => 4 * (i + o), run: (be, s, n, c, w) => be.avgPool2d(s.x, s.out, n, c, w) },
  { label: 'avgPool2d bwd', bytes: (i, o) => 4 * (o + i), run: (be, s, n, c, w) => be.avgPool2dGrad(s.dy, s.dx, n, c, w) },
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
const nativeAll = configs.find((c) => c.backend.name === 'native' && !c.threads)?.label;
const native1 = configs.find((c) => c.backend.name === 'native' && c.threads)?.label;
const others = configs.filter((c) => c.label !== 'js');

const header = ['case', ...configs.map((c) => `${c.label} ms`)];
if (nativeAll) header.push(`${nativeAll} GB/s`);
if (native1) header.push(`${native1} GB/s`);
if (nativeAll) header.push('copy/native');
header.push(...others.map((c) => `${c.label} ×js`));
if (nativeAll && configs.some((c) => c.label === 'wasm')) header.push('native/wasm');

const rows: (string | number)[][] = [];
const copies: string[] = [];
for (const shape of SHAPES) {
  const [n, h, wd, c] = shape;
  const w = resolveWindow('bench', h, wd, 2, 2, { strides: 2 });
  const inSize = n * h * wd * c;
  const outSize = n * w.outH * w.outW * c;
  // The memory-bandwidth reference: a copy of an input-sized array (TypedArray.set, memcpy).
  const src = randomData(inSize, 1);
  const dst = new Float32Array(inSize);
  const copyMs = medianMs(() => dst.set(src));
  const copyGBs = (8 * inSize) / copyMs / 1e6;
  copies.push(`plain copy of ${(4 * inSize / 1e6).toFixed(1)} MB (TypedArray.set): ${copyMs.toFixed(3)} ms = ${copyGBs.toFixed(1)} GB/s (read + write)`);

  const ms = new Map<string, number[]>();
  for (const cfg of configs) {
    const be = cfg.backend;
    const allThreads = be.threads;
    if (cfg.threads) be.setNumThreads(cfg.threads);
    const s: Bufs = {
      x: be.upload('float32', src), out: be.alloc('float32', outSize), arg: be.alloc('int32', outSize),
      dy: be.upload('float32', randomData(outSize, 2)), dx: be.alloc('float32', inSize),
    };
    be.maxPool2d(s.x, s.out, s.arg, n, c, w);  // a real argmax for the backward
    const budget = cfg.label === 'js' ? { samples: 3, maxTotalMs: 3000 } : {};
    ms.set(cfg.label, CASES.map((k) => medianMs(() => k.run(be, s, n, c, w), budget)));
    for (const v of Object.values(s)) be.free(v);
    if (cfg.threads) be.setNumThreads(allThreads);
  }

  CASES.forEach((k, i) => {
    const bytes = k.bytes(inSize, outSize);
    const t = (label: string) => ms.get(label)![i]!;
    const row: (string | number)[] = [`${k.label} [${shape.join(',')}]`, ...configs.map((cfg) => t(cfg.label))];
    if (nativeAll) row.push(bytes / t(nativeAll) / 1e6);
    if (native1) row.push(bytes / t(native1) / 1e6);
    if (nativeAll) row.push(copyGBs / (bytes / t(nativeAll) / 1e6));
    const jsMs = ms.get('js')?.[i];
    row.push(...others.map((cfg) => (jsMs === undefined ? NaN : jsMs / t(cfg.label))));
    if (nativeAll && ms.has('wasm')) row.push(t('wasm') / t(nativeAll));
    rows.push(row);
  });
}

console.log(`\n${copies.join('\n')}\n`);
console.log(table(header, rows));
console.log('\n2×2 windows, stride 2, float32. GB/s counts the bytes each call must move: x + out (+ int32 argmax) forward, '
  + 'dy (+ argmax) + dx backward. copy/native = copy bandwidth over native (all threads) bandwidth.');
