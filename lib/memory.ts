import type { Backend, BackendName, Storage } from './backend/backend.js';

/** Live tensors and the bytes of their buffers, for one backend. */
export interface MemoryInfo {
  tensors: number;
  bytes: number;
}

/** What the finalizer needs to settle a buffer's accounts; it holds no reference to the data. */
interface Account {
  readonly backend: Backend;
  readonly bytes: number;
  /** Live tensors on the buffer (a reshape shares its input's buffer). */
  tensors: number;
  /** The buffer, only where the garbage collector cannot reclaim it by itself (wasm memory). */
  readonly freeOnCollect: Storage | null;
  /** Bumped by every in-place write to the buffer (caches derived from it compare it). */
  version: number;
}

/**
 * One per buffer, referenced by every tensor on it and registered for finalization.
 * V8 clears finalization targets only in full GCs, so the target must be this small
 * object: were it the tensor, the tensor and its buffer would survive every young-
 * generation GC and memory would climb until the next full one.
 */
export class Holder {
  readonly account: Account;
  /** Whether it is registered with the finalization registry yet (see registerPending). */
  registered = false;

  constructor(backend: Backend, storage: Storage, bytes: number) {
    this.account = { backend, bytes, tensors: 0, freeOnCollect: backend.gcManaged ? null : storage, version: 0 };
    stats(backend.name).bytes += bytes;
    if (pending.length >= PENDING_LIMIT) registerPending();
    pending.push(this);
    if (!registerQueued) {
      registerQueued = true;
      queueMicrotask(registerPending);
    }
  }
}

// Registration is deferred to the end of the current job (a microtask), and skipped for
// buffers released by then. V8 allocates each registry cell in the old generation, where
// it stays until the next full GC even after unregister(): registering the dozens of
// intermediates a training step creates and disposes made the old generation grow by
// about 5 kB per step between full GCs. Finalizers only ever run in a later task, so
// registering at the end of the job loses nothing; pending holders are small and never
// hold a collectable buffer (freeOnCollect is only set where the GC cannot free it).
const pending: Holder[] = [];
const PENDING_LIMIT = 4096;
let registerQueued = false;

function registerPending(): void {
  registerQueued = false;
  for (const holder of pending) {
    if (holder.account.tensors === 0) continue;  // released before the end of the job
    collected.register(holder, holder.account, holder);
    holder.registered = true;
  }
  pending.length = 0;
}

const usage: Record<BackendName, MemoryInfo> = {
  native: { tensors: 0, bytes: 0 }, wasm: { tensors: 0, bytes: 0 }, js: { tensors: 0, bytes: 0 },
};

function stats(name: BackendName): MemoryInfo {
  return usage[name];
}

const collected = new FinalizationRegistry<Account>((account) => {
  const s = stats(account.backend.name);
  s.tensors -= account.tensors;
  s.bytes -= account.bytes;
  if (account.freeOnCollect) account.backend.free(account.freeOnCollect);
});

/** Records a new tensor on `holder`'s buffer. */
export function trackTensor(tensor: Disposable, holder: Holder): void {
  holder.account.tensors++;
  stats(holder.account.backend.name).tensors++;
  scopes.at(-1)?.push(tensor);
}

/** Releases one tensor now; frees the buffer when it was the last tensor on it. */
export function releaseTensor(holder: Holder, storage: Storage): void {
  const { account } = holder;
  const s = stats(account.backend.name);
  s.tensors--;
  if (--account.tensors > 0) return;
  if (holder.registered) collected.unregister(holder);
  s.bytes -= account.bytes;
  account.backend.free(storage);
}

/** Live tensors and bytes per backend, and in total. */
export function memory(): { numTensors: number; numBytes: number; backends: Record<string, MemoryInfo> } {
  const backends: Record<string, MemoryInfo> = {};
  let numTensors = 0;
  let numBytes = 0;
  for (const [name, s] of Object.entries(usage)) {
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

/** True when `t` was created inside the innermost running tidy(), which would dispose it. */
export function createdInCurrentScope(t: object): boolean {
  return scopes.at(-1)?.includes(t as Disposable) ?? false;
}

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
