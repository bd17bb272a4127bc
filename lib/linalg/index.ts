// ng.linalg: dense linear algebra in float64 (small systems: closed-form regression).
export { lstsq, ridge, solve } from './solve.js';
export type { LstsqOptions } from './solve.js';
