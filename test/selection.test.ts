// Backend and ISA selection through the environment, checked in fresh processes, and the
// addon loaded in several worker_threads at once.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { NATIVE_ISAS } from './backends.js';

const root = join(import.meta.dirname, '..');
const ALL_ISAS = ['scalar', 'avx2', 'avx512'];

/** Runs a script against the TypeScript sources in a new Node process with `env`. */
function run(code: string, env: Record<string, string>): { out: string; ok: boolean } {
  const script = `import * as ng from ${JSON.stringify(join(root, 'lib/index.ts'))};\n${code}`;
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx/esm', '--input-type=module', '-e', script], {
      cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { out: out.trim(), ok: true };
  } catch (e) {
    return { out: String((e as { stderr?: string }).stderr ?? e), ok: false };
  }
}

describe('backend selection', () => {
  it('defaults to native, reporting the best ISA path', () => {
    const r = run('console.log(ng.getBackend())', { NODEGRAD_BACKEND: '', NODEGRAD_ISA: '' });
    expect(r.out).toBe(`native/${NATIVE_ISAS.at(-1)}`);
  });

  it.each(['wasm', 'js'])('NODEGRAD_BACKEND=%s selects it', (name) => {
    const r = run('console.log(ng.getBackend())', { NODEGRAD_BACKEND: name });
    expect(r.out).toBe(name === 'js' ? 'js' : 'wasm/simd128');
  });

  it.each(ALL_ISAS)('NODEGRAD_ISA=%s forces that path, or says the CPU cannot run it', (isa) => {
    const r = run('console.log(ng.getBackend(), ng.ones([3]).add(1).sum().item())', { NODEGRAD_BACKEND: 'native', NODEGRAD_ISA: isa });
    if (NATIVE_ISAS.includes(isa)) {
      expect(r.out).toBe(`native/${isa} 6`);
    } else {
      expect(r.ok).toBe(false);
      expect(r.out).toContain(`NODEGRAD_ISA=${isa} cannot run on this CPU`);
    }
  });

  it('falls back to wasm silently when the addon cannot load, but NODEGRAD_BACKEND=native throws', () => {
    const hide = `import { createRequire } from 'node:module';
      const Module = createRequire(import.meta.url)('module');
      const load = Module._load;
      Module._load = function (req, ...rest) {
        if (req === 'node-gyp-build') throw new Error('addon missing for this test');
        return load.call(this, req, ...rest);
      };`;
    const fallback = run(`${hide}\nconsole.log(ng.getBackend())`, { NODEGRAD_BACKEND: '' });
    expect(fallback.out).toBe('wasm/simd128');
    const forced = run(`${hide}\nng.tensor([1])`, { NODEGRAD_BACKEND: 'native' });
    expect(forced.ok).toBe(false);
    expect(forced.out).toContain('the native backend cannot be loaded: addon missing for this test');
  });
});

describe('worker_threads', () => {
  it('loads the addon in the main thread and in three workers at once', async () => {
    // Workers drive the addon directly (plain JS), as a worker of a user's server would.
    const script = `
      const { parentPort, workerData } = require('node:worker_threads');
      const addon = require('node-gyp-build')(${JSON.stringify(root)});
      const n = 64;
      let total = 0;
      for (let i = 0; i < 200; i++) {
        const a = addon.alloc(0, n * n), b = addon.alloc(0, n * n), c = addon.alloc(0, n * n), s = addon.alloc(0, 1);
        addon.fill(a, workerData + 1);
        addon.fill(b, 1);
        addon.matmul(a, b, c, new Float64Array([1, n, n, n, 0, 0, 0, 0, 0]));
        addon.reduce(0, c, s, 1, n * n, 1);
        total += s[0];
      }
      parentPort.postMessage({ isa: addon.info().isa, total });`;
    const workers = [0, 1, 2].map((i) => new Worker(script, { eval: true, workerData: i }));
    ng.setBackend('native');
    const mainTotal = ng.matmul(ng.ones([64, 64]), ng.ones([64, 64])).sum().item();
    const results = await Promise.all(workers.map((w) => new Promise<{ isa: string; total: number }>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    })));
    results.forEach((r, i) => {
      expect(NATIVE_ISAS).toContain(r.isa);
      expect(r.total).toBe(200 * 64 * 64 * 64 * (i + 1));
    });
    expect(mainTotal).toBe(64 ** 3);
    await Promise.all(workers.map((w) => w.terminate()));
  });
});
