// A first tour: the same computation on every backend, with the time each one takes.
import * as ng from '../lib/index.js';

function time(fn: () => void, minMs = 200): number {
  fn();
  let reps = 0;
  const start = performance.now();
  do {
    fn();
    reps++;
  } while (performance.now() - start < minMs);
  return (performance.now() - start) / reps;
}

console.log(`nodegrad on ${process.platform}/${process.arch}, Node ${process.version}`);
console.log(`backends that load here: ${ng.availableBackends().join(', ')}; default: ${ng.getBackend()}\n`);

ng.seed(42);
const x = ng.tensor([[1, 2], [3, 4]]);
const w = ng.randn([2, 3]);
console.log('x =', x.toArray());
console.log('w = randn([2, 3]) with seed 42 =', w.toArray());
console.log('x · w =', x.matmul(w).toArray());
console.log('sum over rows =', x.sum(1).toArray(), ' mean =', x.mean().item(), ' argmax(1) =', x.argmax(1).toArray(), '\n');

const n = 256;
const flops = 2 * n ** 3;
console.log(`matmul ${n}×${n}×${n} (float32) on each backend:`);
const rows: { backend: string; ms: number }[] = [];
for (const name of ng.availableBackends()) {
  ng.setBackend(name);
  ng.seed(1);
  const a = ng.randn([n, n]);
  const b = ng.randn([n, n]);
  const ms = time(() => ng.tidy(() => { a.matmul(b); }));
  rows.push({ backend: ng.getBackend(), ms });
}
const slowest = Math.max(...rows.map((r) => r.ms));
for (const r of rows) {
  console.log(`  ${r.backend.padEnd(14)} ${r.ms.toFixed(3).padStart(9)} ms  ${(flops / r.ms / 1e6).toFixed(1).padStart(7)} GFLOP/s  ${(slowest / r.ms).toFixed(1).padStart(6)}× the slowest`);
}
console.log('\nmemory:', JSON.stringify(ng.memory().backends));
