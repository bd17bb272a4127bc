// ng.io: the weights format (bitwise round trip, validation), model directories and atomic writes.
import { mkdtemp, readFile, readdir, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { atomicHooks } from '../lib/io/atomic.js';
import { CONFIGS, use } from './backends.js';

let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'ng-io-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); ng.setBackend('js'); });
afterEach(() => { atomicHooks.afterWrite = null; atomicHooks.beforeCommit = null; });

let counter = 0;
const fresh = () => join(root, `case${counter++}`);

function bytesOf(x: ng.Tensor): number[] {
  const d = x.dataSync();
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}

function sampleTensors(): ng.io.NamedTensor[] {
  const special = new Float32Array([0, -0, NaN, Infinity, -Infinity, 1e-45, 3.4e38, Math.fround(0.1)]);
  const nanPayload = new Float32Array(new Uint32Array([0x7fc00123, 0xffa00001]).buffer);  // NaNs with payload bits
  return [
    { name: 'dense/kernel', tensor: ng.tensor(special, [2, 4]) },
    { name: 'dense/nan', tensor: ng.tensor(nanPayload, [2]) },
    { name: 'dense/bias64', tensor: ng.tensor(new Float64Array([Math.PI, -1e-310, 2 ** 60]), [3]) },
    { name: 'step', tensor: ng.tensor(new Int32Array([-2147483648, 7, 2147483647]), [3]) },
    { name: 'scalar', tensor: ng.scalar(0.5) },
    { name: 'empty', tensor: ng.zeros([0, 3]) },
    { name: 'odd', tensor: ng.tensor(new Float32Array([1, 2, 3]), [3]) },  // 12 bytes: the next entry is padded
  ];
}

describe('weights format', () => {
  it.each(CONFIGS)('round-trips named tensors bitwise (NaN payloads, -0, denormals, all dtypes) on $label', (cfg) => {
    use(cfg);
    const named = sampleTensors();
    const { data, manifest } = ng.io.encodeWeights(named);
    expect(manifest.byteLength).toBe(data.length);
    expect(manifest.tensors.every((e) => e.offset % 8 === 0)).toBe(true);
    const back = ng.io.decodeWeights(data, JSON.parse(JSON.stringify(manifest)));
    expect(back.map((w) => w.name)).toEqual(named.map((w) => w.name));
    back.forEach((w, i) => {
      expect(w.tensor.dtype).toBe(named[i]!.tensor.dtype);
      expect(w.tensor.shape).toEqual(named[i]!.tensor.shape);
      expect(bytesOf(w.tensor)).toEqual(bytesOf(named[i]!.tensor));
    });
  });

  it('rejects truncated, tampered and mismatched files with clear errors', () => {
    const { data, manifest } = ng.io.encodeWeights(sampleTensors());
    const decode = (d: Uint8Array, m: unknown = manifest) => () => ng.io.decodeWeights(d, m, 'weights.bin');
    expect(decode(data.subarray(0, data.length - 5))).toThrow(/weights.bin: the file is truncated: \d+ of \d+ bytes/);
    expect(decode(data.subarray(0, 10))).toThrow(/truncated: 10 bytes, shorter than the 64-byte header/);
    const flipped = data.slice();
    flipped[flipped.length - 20]! ^= 0x01;
    expect(decode(flipped)).toThrow(/checksum mismatch/);
    const badMagic = data.slice();
    badMagic[0] = 0x58;
    expect(decode(badMagic)).toThrow(/not a nodegrad weights file \(bad magic bytes\)/);
    const longer = new Uint8Array(data.length + 3);
    longer.set(data);
    expect(decode(longer)).toThrow(/3 unexpected trailing bytes/);
    // A manifest that reshapes a tensor without changing its size is caught by the checksum.
    const reshaped = JSON.parse(JSON.stringify(manifest));
    reshaped.tensors[0].shape = [4, 2];
    expect(decode(data, reshaped)).toThrow(/checksum mismatch/);
    const resized = JSON.parse(JSON.stringify(manifest));
    resized.tensors[0].shape = [3, 4];
    expect(decode(data, resized)).toThrow(/'dense\/kernel'\): byteLength 32 does not match float32 \[3,4\]/);
    const other = ng.io.encodeWeights([{ name: 'w', tensor: ng.ones([16]) }]);
    expect(decode(data, other.manifest)).toThrow(/the files do not belong together/);
    expect(decode(data, { ...manifest, format: 'zip' })).toThrow(/unknown manifest format "zip"/);
  });

  it('refuses bad input to the encoder', () => {
    expect(() => ng.io.encodeWeights([{ name: 'a', tensor: ng.ones([1]) }, { name: 'a', tensor: ng.ones([1]) }])).toThrow(/duplicate tensor name 'a'/);
    const gone = ng.ones([2]);
    gone.dispose();
    expect(() => ng.io.encodeWeights([{ name: 'w', tensor: gone }])).toThrow(/encodeWeights \('w'\): tensor \[2\] float32 was disposed/);
  });

  it('matchWeights orders by name and reports shape and name mismatches', () => {
    const loaded = [{ name: 'b', tensor: ng.ones([3]) }, { name: 'a', tensor: ng.ones([2, 3]) }];
    expect(ng.io.matchWeights(loaded, [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }]).map((x) => x.shape)).toEqual([[2, 3], [3]]);
    expect(() => ng.io.matchWeights(loaded, [{ name: 'a', shape: [3, 2] }, { name: 'b', shape: [3] }]))
      .toThrow(/'a' was saved with shape \[2,3\] but the model expects \[3,2\]/);
    expect(() => ng.io.matchWeights(loaded, [{ name: 'c', shape: [3] }])).toThrow(/no tensor named 'c'/);
    expect(() => ng.io.matchWeights(loaded, [{ name: 'a', shape: [2, 3] }])).toThrow(/unexpected tensors not in the model: b/);
  });
});

const config = { architecture: { layers: [{ type: 'dense', units: 3 }] }, compile: { loss: 'mse' } };

async function saveVersion(dir: string, v: number, withOptimizer = true): Promise<void> {
  await ng.io.saveModelFiles(dir, {
    config: { ...config, version: v },
    weights: [{ name: 'w', tensor: ng.full([2, 3], v) }, { name: 'b', tensor: ng.full([3], -v, 'float64') }],
    optimizerState: withOptimizer ? [{ name: 'step', tensor: ng.full([1], v, 'int32') }] : null,
  });
}

async function loadedVersion(dir: string): Promise<number> {
  const m = await ng.io.loadModelFiles(dir);
  const v = m.config.version as number;
  expect(Array.from(m.weights[0]!.tensor.dataSync())).toEqual(new Array(6).fill(v));
  expect(Array.from(m.weights[1]!.tensor.dataSync())).toEqual([-v, -v, -v]);
  return v;
}

describe('model directories', () => {
  it('save and load: model.json, weights.bin and optimizer.bin, bitwise', async () => {
    const dir = fresh();
    const named = sampleTensors();
    await ng.io.saveModelFiles(dir, { config, weights: named, optimizerState: [{ name: 'adam/m', tensor: ng.full([4], 0.25) }] });
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'optimizer.bin', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('nodegrad-model');
    expect(json.weightsManifest.tensors[0]).toEqual({ name: 'dense/kernel', dtype: 'float32', shape: [2, 4], offset: 0, byteLength: 32 });
    const m = await ng.io.loadModelFiles(dir);
    expect(m.config).toEqual(config);
    m.weights.forEach((w, i) => expect(bytesOf(w.tensor)).toEqual(bytesOf(named[i]!.tensor)));
    expect(Array.from(m.optimizerState![0]!.tensor.dataSync())).toEqual([0.25, 0.25, 0.25, 0.25]);
    // Saving again without optimizer state replaces the whole directory.
    await saveVersion(dir, 2, false);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    expect((await ng.io.loadModelFiles(dir)).optimizerState).toBeNull();
  });

  it('gives clear errors for missing, truncated and tampered files', async () => {
    const dir = fresh();
    await saveVersion(dir, 1);
    const weights = join(dir, 'weights.bin');
    const good = await readFile(weights);
    await writeFile(weights, good.subarray(0, good.length - 1));
    await expect(ng.io.loadModelFiles(dir)).rejects.toThrow(/weights.bin: the file is truncated/);
    const flipped = Buffer.from(good);
    flipped[70]! ^= 0x80;
    await writeFile(weights, flipped);
    await expect(ng.io.loadModelFiles(dir)).rejects.toThrow(/checksum mismatch/);
    await rm(weights);
    await expect(ng.io.loadModelFiles(dir)).rejects.toThrow(/data file .*weights.bin is missing/);
    await writeFile(weights, good);
    const json = await readFile(join(dir, 'model.json'), 'utf8');
    await writeFile(join(dir, 'model.json'), json.slice(0, json.length / 2));
    await expect(ng.io.loadModelFiles(dir)).rejects.toThrow(/model.json is not valid JSON \(truncated or corrupted\)/);
    await writeFile(join(dir, 'model.json'), json);
    expect(await loadedVersion(dir)).toBe(1);
    await expect(ng.io.loadModelFiles(fresh())).rejects.toThrow(/no model.json in .* \(not a saved nodegrad model, or the directory does not exist\)/);
  });

  it('a write that fails part-way leaves the previous model intact and no temporary files', async () => {
    const dir = fresh();
    await saveVersion(dir, 1);
    const before = (await readdir(root)).sort();
    // Fail after weights.bin of version 2 was written, before model.json.
    atomicHooks.afterWrite = (path) => { if (path.endsWith('optimizer.bin')) throw new Error('disk full (simulated)'); };
    await expect(saveVersion(dir, 2)).rejects.toThrow(/disk full/);
    atomicHooks.afterWrite = null;
    expect(await loadedVersion(dir)).toBe(1);
    // Fail just before the directory swap.
    atomicHooks.beforeCommit = () => { throw new Error('killed (simulated)'); };
    await expect(saveVersion(dir, 3)).rejects.toThrow(/killed/);
    atomicHooks.beforeCommit = null;
    expect(await loadedVersion(dir)).toBe(1);
    expect((await readdir(root)).sort()).toEqual(before);
    await saveVersion(dir, 4);
    expect(await loadedVersion(dir)).toBe(4);
  });

  it('recovers from a crash between the two renames of a directory swap', async () => {
    const dir = fresh();
    await saveVersion(dir, 1);
    // The state a process killed mid-swap leaves: the old model parked as the backup, a stray temp dir.
    await rename(dir, ng.io.backupPath(dir));
    await mkdir(`${ng.io.backupPath(dir)}-stray-tmp`);
    expect(await loadedVersion(dir)).toBe(1);
    await saveVersion(dir, 2);
    expect(await loadedVersion(dir)).toBe(2);
    expect((await readdir(root)).some((n) => n === `.${dir.split('/').at(-1)}.ng-backup`)).toBe(false);
  });

  it('never replaces a directory holding other files, nor a file', async () => {
    const dir = fresh();
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'mine');
    await expect(saveVersion(dir, 1)).rejects.toThrow(/refusing to replace .*: it holds files that are not part of this save \(notes.txt\)/);
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    const file = fresh();
    await writeFile(file, 'x');
    await expect(saveVersion(file, 1)).rejects.toThrow(/exists and is not a directory/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file, or leaves it untouched when the write fails', async () => {
    const path = join(root, 'atomic.txt');
    await ng.io.writeFileAtomic(path, 'one');
    await ng.io.writeFileAtomic(path, new Uint8Array([116, 119, 111]));
    expect(await readFile(path, 'utf8')).toBe('two');
    atomicHooks.afterWrite = () => { throw new Error('EIO (simulated)'); };
    await expect(ng.io.writeFileAtomic(path, 'three')).rejects.toThrow(/EIO/);
    expect(await readFile(path, 'utf8')).toBe('two');
    expect((await readdir(root)).filter((n) => n.includes('atomic.txt'))).toEqual(['atomic.txt']);
  });
});
