// Synthetic two-class data for the lesson tests: circles and moons, seeded and generated
// here (independent of the library's generator).
import { lcg } from './backends.js';

export interface Dataset {
  /** [n, 2] coordinates, row-major. */
  x: Float32Array;
  /** 0 or 1 per point. */
  y: Float32Array;
  n: number;
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Two concentric circles (class 0 outer radius 1, class 1 inner radius `factor`), with noise; classes alternate. */
export function circles(n: number, seed: number, noise = 0.08, factor = 0.5): Dataset {
  const r = lcg(seed);
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const angle = 2 * Math.PI * r();
    const radius = cls === 0 ? 1 : factor;
    x[2 * i] = radius * Math.cos(angle) + noise * gaussian(r);
    x[2 * i + 1] = radius * Math.sin(angle) + noise * gaussian(r);
    y[i] = cls;
  }
  return { x, y, n };
}

/** Two interleaving half moons (sklearn's make_moons), with noise; classes alternate. */
export function moons(n: number, seed: number, noise = 0.3): Dataset {
  const r = lcg(seed);
  const x = new Float32Array(2 * n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 2;
    const t = Math.PI * r();
    x[2 * i] = (cls === 0 ? Math.cos(t) : 1 - Math.cos(t)) + noise * gaussian(r);
    x[2 * i + 1] = (cls === 0 ? Math.sin(t) : 0.5 - Math.sin(t)) + noise * gaussian(r);
    y[i] = cls;
  }
  return { x, y, n };
}
