// npm run bench:ops — elementwise / reduction throughput on 1e6-element float32 arrays for
// native (all threads and 1 thread), wasm and the pure-JS baseline side by side, against a
// plain copy (the memory-bandwidth reference), plus the call overhead of one small native
// op, both through the Backend method alone and through the public op (allocation, autograd
// bookkeeping and dispose included).
import type { Backend, Storage } from '../lib/backend/backend.js';
import { availableBackends, backendNamed, setBackend } from '../lib/backend/registry.js';
import * as ng from '../lib/index.js';
import { medianMs, randomData, table } from './harness.js';

const N = 1_000_000;
const ROWS = 1000;
const COLS = N / ROWS;

interface Bufs { a: Storage; b: Storage; row: Storage; out: Storage; rowsOut: Storage; colsOut: Storage }

interface Case {
  label: string;
  /** Bytes each call must move at least (reads + writes). */
  bytes: number;
  run: (be: Backend, s: Bufs) => void;
}

const CASES: Case[] = [
  { label: 'add', bytes: 12 * N, run: (be, s) => be.binary('add', s.a, s.b, s.out, [N], [1], [1]) },
  { label: 'add row bcast', bytes: 8 * N, run: (be, s) => be.binary('add', s.a, s.row, s.out, [ROWS, COLS], [COLS, 1], [0, 1]) },
  { label: 'mul', bytes: 12 * N, run: (be, s) => be.binary('mul', s.a, s.b, s.out, [N], [1], [1]) },
  { label: 'exp', bytes: 8 * N, run: (be, s) => be.unary('exp', s.a, s.out, 0, 0) },
  { label: 'tanh', bytes: 8 * N, run: (be, s) => be.unary('tanh', s.a, s.out, 0, 0) },
  { label: 'sigmoid', bytes: 8 * N, run: (be, s) => be.unary('sigmoid', s.a, s.out, 0, 0) },
  { label: 'relu', bytes: 8 * N, run: (be, s) => be.unary('relu', s.a, s.out, 0, 0) },
  { label: 'softmax rows 1000', bytes: 8 * N, run: (be, s) => be.softmax(s.a, s.out, ROWS, COLS, 1, false) },
  { label: 'sum axis 1', bytes: 4 * N, run: (be, s) => be.reduce('sum', s.a, s.rowsOut, ROWS, COLS, 1) },
  { label: 'sum axis 0', bytes: 4 * N, run: (be, s) => be.reduce('sum', s.a, s.colsOut, 1, ROWS, COLS) },
];

function buffers(be: Backend): Bufs {
  return {
    a: be.upload('float32', randomData(N, 1)),
    b: be.upload('float32', randomData(N, 2)),
    row: be.upload('float32', randomData(COLS, 3)),
    out: be.alloc('float32', N),
    rowsOut: be.alloc('float32', ROWS),
    colsOut: be.alloc('float32', COLS),
  };
}

function release(be: Backend, s: Bufs): void {
  for (const v of Object.values(s)) be.free(v);
}

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

// The memory-bandwidth reference: a plain 4 MB copy (memcpy through TypedArray.set).
const src = randomData(N, 4);
const dst = new Float32Array(N);
const copyMs = medianMs(() => dst.set(src));
const copyGBs = (8 * N) / copyMs / 1e6;

const ms = new Map<string, number[]>();
for (const c of configs) {
  const be = c.backend;
  const allThreads = be.threads;
  if (c.threads) be.setNumThreads(c.threads);
  const s = buffers(be);
  ms.set(c.label, CASES.map((k) => medianMs(() => k.run(be, s))));
  release(be, s);
  if (c.threads) be.setNumThreads(allThreads);
}

const jsMs = ms.get('js');
const nativeLabel = configs.find((c) => c.backend.name === 'native' && !c.threads)?.label;
const header = ['op (1e6 float32)', ...configs.map((c) => `${c.label} ms`)];
if (nativeLabel) header.push('native GB/s', 'copy/native BW');
if (jsMs) header.push(...configs.filter((c) => c.label !== 'js').map((c) => `${c.label} ×js`));
const rows = CASES.map((k, i) => {
  const row: (string | number)[] = [k.label, ...configs.map((c) => ms.get(c.label)![i]!)];
  if (nativeLabel) {
    const gbs = k.bytes / ms.get(nativeLabel)![i]! / 1e6;
    row.push(gbs, copyGBs / gbs);
  }
  if (jsMs) row.push(...configs.filter((c) => c.label !== 'js').map((c) => jsMs[i]! / ms.get(c.label)![i]!));
  return row;
});

console.log(`\nplain copy (TypedArray.set, 4 MB): ${copyMs.toFixed(3)} ms = ${copyGBs.toFixed(1)} GB/s (read + write)\n`);
console.log(table(header, rows));

// Call overhead: one op on a 16-element tensor, through the Backend method and through the public op.
const reps = 100_000;
const perCallUs = (fn: () => void) => (medianMs(() => { for (let i = 0; i < reps; i++) fn(); }) / reps) * 1000;
try {
  const be = backendNamed('native');
  const x = be.upload('float32', randomData(16, 5));
  const y = be.upload('float32', randomData(16, 6));
  const out = be.alloc('float32', 16);
  const unaryUs = perCallUs(() => be.unary('relu', x, out, 0, 0));
  const binaryUs = perCallUs(() => be.binary('add', x, y, out, [16], [1], [1]));
  console.log(`\nnative kernel call (Backend method), 16 elements: relu ${unaryUs.toFixed(2)} µs, add ${binaryUs.toFixed(2)} µs`);
} catch {
  // native unavailable: reported above
}
const opRows = availableBackends().map((name) => {
  setBackend(name);
  const x = ng.tensor(randomData(16, 5));
  const y = ng.tensor(randomData(16, 6));
  const add = perCallUs(() => x.add(y).dispose());
  const relu = perCallUs(() => x.relu().dispose());
  return [name, add.toFixed(2), relu.toFixed(2)];
});
console.log('\npublic op on a 16-element tensor, µs per call (op + dispose):');
console.log(table(['backend', 'x.add(y)', 'x.relu()'], opRows));
console.log('\ntargets: native elementwise within 1.5× of copy bandwidth (copy/native BW <= 1.5); exp/tanh/sigmoid >= 10× js; native op call overhead < 2 µs');
