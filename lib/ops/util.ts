import type { Backend } from '../backend/backend.js';
import { currentBackend } from '../backend/registry.js';
import type { DType } from '../dtype.js';
import { type Shape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/** A new tensor on `backend` whose buffer the caller fills. */
export function empty(backend: Backend, dtype: DType, shape: Shape): Tensor {
  return new Tensor(backend, backend.alloc(dtype, sizeOf(shape)), shape);
}

/** Checks that `x` is a live Tensor; names the op and the argument otherwise. */
export function checkTensor(op: string, x: unknown, name = 'x'): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor, got ${describe(x)}`);
  x.assertLive(op);
  return x;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x === 'object' ? (x.constructor?.name ?? 'an object') : `${typeof x} ${String(x)}`;
}

/**
 * `x` on `backend`: itself, or a copy when it lives on another backend (the copy is
 * released by the caller through `release`).
 */
export function onBackend(x: Tensor, backend: Backend): Tensor {
  if (x.backend === backend) return x;
  return new Tensor(backend, backend.upload(x.dtype, x.dataSync()), x.shape);
}

/** Disposes the temporaries an op made (copies and casts), leaving its real inputs alone. */
export function releaseTemps(temps: readonly Tensor[], inputs: readonly Tensor[]): void {
  for (const t of temps) if (!inputs.includes(t)) t.dispose();
}

/** The backend for an op: the first input's, or the current one for creation ops. */
export function backendOf(inputs: readonly Tensor[]): Backend {
  return inputs[0]?.backend ?? currentBackend();
}

/** Checks a non-empty array of live tensors. */
export function checkTensorList(op: string, tensors: unknown): Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new Error(`${op}: expected a non-empty array of tensors`);
  return tensors.map((t, i) => checkTensor(op, t, `tensors[${i}]`));
}
