import type { Backend, BackendName } from './backend.js';
import { JsBackend } from './js.js';
import { NativeBackend } from './native.js';
import { WasmBackend } from './wasm.js';

const FACTORIES: Record<BackendName, () => Backend> = {
  native: () => new NativeBackend(),
  wasm: () => new WasmBackend(),
  js: () => new JsBackend(),
};
const DEFAULT_ORDER: readonly BackendName[] = ['native', 'wasm', 'js'];

const instances = new Map<BackendName, Backend>();
const loadErrors = new Map<BackendName, Error>();
let current: Backend | undefined;

function isBackendName(name: unknown): name is BackendName {
  return name === 'native' || name === 'wasm' || name === 'js';
}

/** The backend instance `name`, created once; throws the reason it cannot load. */
export function backendNamed(name: BackendName): Backend {
  const existing = instances.get(name);
  if (existing) return existing;
  const failed = loadErrors.get(name);
  if (failed) throw failed;
  try {
    const b = FACTORIES[name]();
    instances.set(name, b);
    return b;
  } catch (e) {
    const err = new Error(`nodegrad: the ${name} backend cannot be loaded: ${(e as Error).message}`, { cause: e });
    loadErrors.set(name, err);
    throw err;
  }
}

/** The backend ops run on: the one set, or NODEGRAD_BACKEND, or the first of native, wasm, js that loads. */
export function currentBackend(): Backend {
  if (current) return current;
  const requested = process.env.NODEGRAD_BACKEND;
  if (requested) {
    if (!isBackendName(requested)) {
      throw new Error(`NODEGRAD_BACKEND=${requested} is not a backend (expected native, wasm or js)`);
    }
    return (current = backendNamed(requested));
  }
  for (const name of DEFAULT_ORDER) {
    try {
      return (current = backendNamed(name));
    } catch {
      // fall back silently to the next backend
    }
  }
  throw new Error('nodegrad: no backend could be loaded');
}

/** Selects the backend for all following ops; throws the load error if it cannot load. */
export function setBackend(name: BackendName): void {
  if (!isBackendName(name)) throw new Error(`setBackend: unknown backend '${String(name)}' (expected native, wasm or js)`);
  current = backendNamed(name);
}

/** The backend and kernel path in use, such as 'native/avx2', 'wasm/simd128' or 'js'. */
export function getBackend(): string {
  const b = currentBackend();
  return b.name === 'js' ? 'js' : `${b.name}/${b.isa}`;
}

/** Backends that load on this machine, in the default order. */
export function availableBackends(): BackendName[] {
  return DEFAULT_ORDER.filter((name) => {
    try {
      backendNamed(name);
      return true;
    } catch {
      return false;
    }
  });
}

/** Forces the native kernel path ('avx512', 'avx2', 'scalar'); throws if this CPU cannot run it. */
export function setIsa(isa: string): void {
  currentBackend().setIsa(isa);
}

/** Threads the native kernels may use (1 to 256). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`setNumThreads: expected an integer in [1, 256], got ${n}`);
  currentBackend().setNumThreads(n);
}
