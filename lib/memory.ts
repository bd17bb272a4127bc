import type { Backend, BackendName, Storage } from './backend/backend.js';

/** Live tensors and the bytes of their buffers, for one backend. */
export interface MemoryInfo {
  tensors: number;
  bytes: number;
}

/**
 * One buffer and the tensors sharing it (a reshape shares its input's buffer). It holds
 * the buffer itself only where the garbage collector cannot reclaim it (wasm memory):
 * holding a native or js buffer here would keep it alive until the finalizer ran.
 */
export class Holder {
  refs = 0;
  readonly freeOnCollect: Storage | null;

  constructor(readonly backend: Backend, storage: Storage, readonly bytes: number) {
    this.freeOnCollect = backend.gcManaged ? null : storage;
    stats(backend.name).bytes += bytes;
  }
}

const usage = new Map<BackendName, MemoryInfo>();

function stats(name: BackendName): MemoryInfo {
  let s = usage.get(name);
  if (!s) usage.set(name, (s = { tensors: 0, bytes: 0 }));
  return s;
}

function dropRef(holder: Holder, storage: Storage | null): void {
  stats(holder.backend.name).tensors--;
  if (--holder.refs > 0) return;
  stats(holder.backend.name).bytes -= holder.bytes;
  const s = storage ?? holder.freeOnCollect;
  if (s) holder.backend.free(s);
}

const collected = new FinalizationRegistry<Holder>((holder) => dropRef(holder, null));

/** Records a new tensor on `holder`; it is released by dispose() or when collected. */
export function trackTensor(tensor: object, holder: Holder): void {
  holder.refs++;
  stats(holder.backend.name).tensors++;
  collected.register(tensor, holder, tensor);
  scopes.at(-1)?.push(tensor as Disposable);
}

/** Releases one tensor's reference now; frees the buffer when it was the last one. */
export function releaseTensor(tensor: object, holder: Holder, storage: Storage): void {
  collected.unregister(tensor);
  dropRef(holder, storage);
}

/** Live tensors and bytes per backend, and in total. */
export function memory(): { numTensors: number; numBytes: number; backends: Record<string, MemoryInfo> } {
  const backends: Record<string, MemoryInfo> = {};
  let numTensors = 0;
  let numBytes = 0;
  for (const [name, s] of usage) {
    backends[name] = { ...s };
    numTensors += s.tensors;
    numBytes += s.bytes;
  }
  return { numTensors, numBytes, backends };
}

interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Disposable[][] = [];
const kept = new WeakSet<object>();

/** Keeps a tensor alive past the end of the enclosing tidy(). */
export function keep<T extends object>(t: T): T {
  kept.add(t);
  return t;
}

function collectTensors(value: unknown, into: Set<unknown>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 4) return;
  if (typeof (value as Disposable).dispose === 'function' && 'isDisposed' in (value as object)) {
    into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, depth + 1);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, depth + 1);
  }
}

/**
 * Runs fn and disposes every tensor created inside it, except the ones it returns (a
 * tensor, or arrays/plain objects of tensors) and those passed to keep(). Synchronous
 * functions only: a promise would escape the scope.
 */
export function tidy<T>(fn: () => T): T {
  scopes.push([]);
  let result: T;
  let created: Disposable[];
  try {
    result = fn();
  } finally {
    created = scopes.pop()!;
  }
  if (result instanceof Promise) throw new Error('tidy: the function must be synchronous (it returned a Promise)');
  const survivors = new Set<unknown>();
  collectTensors(result, survivors);
  const outer = scopes.at(-1);
  for (const t of created) {
    if (survivors.has(t) || kept.has(t)) outer?.push(t);
    else if (!t.isDisposed) t.dispose();
  }
  return result;
}
