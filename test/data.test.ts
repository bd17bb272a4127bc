// ng.data: the mnist package loader, IDX files, one-hot labels, standardization and splits.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as ng from '../lib/index.js';
import { importMnistPackage } from '../lib/data/mnist.js';
import { lcg } from './backends.js';

let root: string;
beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'ng-data-')); });
afterAll(async () => { await rm(root, { recursive: true, force: true }); });

// Samples per digit in the mnist package (src/digits/<d>.json).
const PACKAGE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

function rowHashes(x: ng.Tensor): string[] {
  const d = x.dataSync();
  const per = x.size / x.shape[0]!;
  const out: string[] = [];
  for (let i = 0; i < x.shape[0]!; i++) {
    out.push(createHash('md5').update(new Uint8Array(d.buffer, d.byteOffset + i * per * 4, per * 4)).digest('hex'));
  }
  return out;
}

describe('ng.data.mnist', () => {
  it('loads 8,000 + 2,000 digits: shapes, dtypes, pixel values k/255, every label', async () => {
    const { xTrain, yTrain, xTest, yTest } = await ng.data.mnist();
    expect(xTrain.shape).toEqual([8000, 28, 28]);
    expect(xTrain.dtype).toBe('float32');
    expect(yTrain.shape).toEqual([8000]);
    expect(yTrain.dtype).toBe('int32');
    expect(xTest.shape).toEqual([2000, 28, 28]);
    expect(yTest.shape).toEqual([2000]);
    const px = xTrain.dataSync();
    let min = Infinity, max = -Infinity, offGrid = 0;
    for (const v of px) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      const k = Math.round(v * 255);
      if (v !== Math.fround(k / 255)) offGrid++;
    }
    expect([min, max, offGrid]).toEqual([0, 1, 0]);
    const counts = new Array(10).fill(0);
    for (const y of [...yTrain.dataSync(), ...yTest.dataSync()]) counts[y]++;
    expect(counts).toEqual(PACKAGE_COUNTS);
  });

  it('splits deterministically by seed, train and test disjoint, images paired with their labels', async () => {
    const a = await ng.data.mnist({ seed: 1 });
    const b = await ng.data.mnist({ seed: 1 });
    const c = await ng.data.mnist({ seed: 2 });
    expect(rowHashes(a.xTest)).toEqual(rowHashes(b.xTest));
    expect(Array.from(a.yTrain.dataSync())).toEqual(Array.from(b.yTrain.dataSync()));
    expect(rowHashes(a.xTest)).not.toEqual(rowHashes(c.xTest));
    const train = new Set(rowHashes(a.xTrain));
    expect(rowHashes(a.xTest).filter((h) => train.has(h)).length).toBeLessThan(5);  // MNIST has a few duplicate images
    // The same image carries the same label in both splits of different seeds.
    const labelOf = new Map(rowHashes(c.xTrain).map((h, i) => [h, c.yTrain.dataSync()[i]]));
    const ya = a.yTest.dataSync();
    let checked = 0;
    rowHashes(a.xTest).forEach((h, i) => { if (labelOf.has(h)) { expect(labelOf.get(h)).toBe(ya[i]); checked++; } });
    expect(checked).toBeGreaterThan(1000);
  });

  it('offers layouts, raw pixels, one-hot labels and custom sizes', async () => {
    const d = await ng.data.mnist({ layout: 'flat', trainSize: 100, testSize: 50, oneHot: true });
    expect(d.xTrain.shape).toEqual([100, 784]);
    expect(d.yTrain.shape).toEqual([100, 10]);
    expect(d.yTrain.sum(1).dataSync().every((v) => v === 1)).toBe(true);
    const n = await ng.data.mnist({ layout: 'nhwc', normalize: false, trainSize: 10, testSize: 10 });
    expect(n.xTrain.shape).toEqual([10, 28, 28, 1]);
    expect(n.xTrain.max().item()).toBeGreaterThan(200);
    expect(n.xTrain.dataSync().every((v) => Number.isInteger(v))).toBe(true);
    await expect(ng.data.mnist({ trainSize: 9000, testSize: 2000 })).rejects.toThrow(/exceeds the 10000 digits available/);
  });

  it('tells the user to install the package when it is missing', async () => {
    await expect(importMnistPackage('mnist-package-that-is-not-installed'))
      .rejects.toThrow(/'mnist-package-that-is-not-installed' package is not installed.*npm install mnist-package-that-is-not-installed/);
  });
});

describe('IDX files', () => {
  const cases: [ng.data.IdxArray, number[]][] = [
    [Uint8Array.from({ length: 60 }, (_, i) => (i * 37) % 256), [3, 4, 5]],
    [Int8Array.from([-128, -1, 0, 1, 127]), [5]],
    [Int16Array.from([-32768, -2, 300, 32767]), [2, 2]],
    [Int32Array.from([-2147483648, 65536, 7]), [3, 1]],
    [Float32Array.from([1.5, -0.25, 3e38]), [3]],
    [Float64Array.from([Math.PI, -1e-300]), [1, 2]],
  ];

  it.each(cases)('round-trips %o through a file, plain and gzipped', async (data, shape) => {
    for (const gzip of [false, true]) {
      const path = join(root, `t-${data.constructor.name}-${gzip}.idx`);
      await ng.data.writeIdx(path, data, shape, { gzip });
      const raw = await readFile(path);
      expect(raw[0] === 0x1f && raw[1] === 0x8b).toBe(gzip);
      const back = await ng.data.readIdx(path);
      expect(back.shape).toEqual(shape);
      expect(back.data.constructor).toBe(data.constructor);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('writes the big-endian layout of the format', () => {
    const bytes = ng.data.encodeIdx(Int16Array.from([258]), [1]);
    expect(Array.from(bytes)).toEqual([0, 0, 0x0b, 1, 0, 0, 0, 1, 1, 2]);
  });

  it('rejects truncated and malformed files', () => {
    const good = ng.data.encodeIdx(new Uint8Array(12), [3, 4]);
    expect(() => ng.data.parseIdx(good.subarray(0, good.length - 1), 'x.idx')).toThrow(/parseIdx \(x.idx\): truncated: shape \[3, 4\] of uint8 needs 24 bytes, the data has 23/);
    expect(() => ng.data.parseIdx(new Uint8Array([...good, 0]))).toThrow(/trailing bytes/);
    expect(() => ng.data.parseIdx(new Uint8Array([1, 0, 8, 1]))).toThrow(/not an IDX file/);
    expect(() => ng.data.parseIdx(new Uint8Array([0, 0, 0x42, 1, 0, 0, 0, 0]))).toThrow(/unknown IDX element type 0x42/);
    expect(() => ng.data.parseIdx(gzipSync(good).subarray(0, 15))).toThrow(/gzip data is corrupted or truncated/);
  });

  it('loadIdx makes tensors (scaled pixels as float32)', async () => {
    const path = join(root, 'pixels.idx');
    await ng.data.writeIdx(path, Uint8Array.from([0, 51, 255, 102]), [2, 2]);
    const ints = await ng.data.loadIdx(path);
    expect(ints.dtype).toBe('int32');
    expect(ints.toArray()).toEqual([[0, 51], [255, 102]]);
    const scaled = await ng.data.loadIdx(path, { scale: 1 / 255 });
    expect(scaled.dtype).toBe('float32');
    expect(Array.from(scaled.dataSync())).toEqual([0, 0.2, 1, 0.4].map(Math.fround));
  });

  it('loadMnistIdx reads the four standard files (some gzipped)', async () => {
    const dir = join(root, 'mnist-idx');
    const rnd = lcg(5);
    const images = (n: number) => Uint8Array.from({ length: n * 784 }, () => Math.floor(rnd() * 256));
    const trainX = images(12);
    const trainY = Uint8Array.from({ length: 12 }, (_, i) => i % 10);
    const testX = images(3);
    const testY = Uint8Array.from([9, 8, 7]);
    await ng.data.writeIdx(join(dir, 'train-images-idx3-ubyte.gz'), trainX, [12, 28, 28], { gzip: true });
    await ng.data.writeIdx(join(dir, 'train-labels-idx1-ubyte'), trainY, [12]);
    await ng.data.writeIdx(join(dir, 't10k-images-idx3-ubyte'), testX, [3, 28, 28]);
    await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), ng.data.encodeIdx(testY, [3], { gzip: true }));
    const d = await ng.data.loadMnistIdx(dir, { layout: 'flat' });
    expect(d.xTrain.shape).toEqual([12, 784]);
    expect(Array.from(d.xTrain.dataSync())).toEqual(Array.from(trainX, (v) => Math.fround(v / 255)));
    expect(Array.from(d.yTrain.dataSync())).toEqual(Array.from(trainY));
    expect(Array.from(d.yTest.dataSync())).toEqual([9, 8, 7]);
    await expect(ng.data.loadMnistIdx(root)).rejects.toThrow(/lacks train-images-idx3-ubyte\[.gz\] or train-images.idx3-ubyte\[.gz\]; train-labels-idx1-ubyte\[.gz\]/);
  });
});

describe('preprocessing', () => {
  it('toCategorical / oneHot', () => {
    expect(ng.data.toCategorical([2, 0, 1]).toArray()).toEqual([[0, 0, 1], [1, 0, 0], [0, 1, 0]]);
    const t = ng.data.oneHot(ng.tensor([[1], [3]], { dtype: 'int32' }), 4);
    expect(t.shape).toEqual([2, 4]);
    expect(t.dtype).toBe('float32');
    expect(t.toArray()).toEqual([[0, 1, 0, 0], [0, 0, 0, 1]]);
    expect(() => ng.data.toCategorical([0, 4], 4)).toThrow(/label 4 is out of range for numClasses=4/);
    expect(() => ng.data.toCategorical([0, 1.5])).toThrow(/non-negative integers, got 1.5 at index 1/);
  });

  it('standardize fits on the training set only and applies the same statistics elsewhere', () => {
    const train = ng.tensor([[1, 10, 5], [3, 30, 5], [5, 20, 5]]);
    const test = ng.tensor([[2, 0, 7], [9, 40, 5]]);
    const s = ng.data.standardize(train);
    // Column means [3, 20, 5]; population stds [sqrt(8/3), sqrt(200/3), 0 → 1].
    expect(Array.from(s.mean.dataSync())).toEqual([3, 20, 5]);
    const sd = [Math.sqrt(8 / 3), Math.sqrt(200 / 3), 1];
    s.std.dataSync().forEach((v, i) => expect(v).toBeCloseTo(sd[i]!, 12));
    const tt = s.transform(test);
    expect(tt.dtype).toBe('float32');
    const expected = [[(2 - 3) / sd[0]!, (0 - 20) / sd[1]!, 2], [(9 - 3) / sd[0]!, (40 - 20) / sd[1]!, 0]];
    tt.dataSync().forEach((v, i) => expect(v).toBeCloseTo(expected[Math.floor(i / 3)]![i % 3]!, 5));
    const tr = s.transform(train);
    tr.mean(0).dataSync().forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-6));
    Array.from(s.inverseTransform(tt).dataSync()).forEach((v, i) => expect(v).toBeCloseTo(test.dataSync()[i]!, 4));
    expect(() => s.transform(ng.ones([2, 4]))).toThrow(/x has shape \[2,4\], but the statistics were fitted on shape \[\*,3\]/);
    const global = ng.data.standardize(ng.tensor([1, 2, 3, 4]), { axis: null });
    expect(global.mean.item()).toBe(2.5);
    expect(global.std.item()).toBeCloseTo(Math.sqrt(1.25), 12);
  });

  it('standardize keeps its statistics alive past an enclosing tidy', () => {
    const s = ng.tidy(() => ng.data.standardize(ng.tensor([[1, 2], [3, 4]])));
    expect(ng.tidy(() => s.transform(ng.tensor([[1, 2]])).toArray())).toEqual([[-1, -1]]);
  });

  it('trainTestSplit: sizes, determinism, rows stay paired, nothing lost', () => {
    const n = 50;
    const x = ng.arange(n * 2).reshape([n, 2]);
    const y = ng.arange(n, undefined, 1, 'int32');
    const a = ng.data.trainTestSplit(x, y, { testSize: 0.2, seed: 3 });
    expect(a.xTrain.shape).toEqual([40, 2]);
    expect(a.yTest.shape).toEqual([10]);
    const b = ng.data.trainTestSplit(x, y, { testSize: 0.2, seed: 3 });
    expect(Array.from(b.yTest.dataSync())).toEqual(Array.from(a.yTest.dataSync()));
    const c = ng.data.trainTestSplit(x, y, { testSize: 0.2, seed: 4 });
    expect(Array.from(c.yTest.dataSync())).not.toEqual(Array.from(a.yTest.dataSync()));
    const ids = [...a.yTrain.dataSync(), ...a.yTest.dataSync()];
    expect([...ids].sort((p, q) => p - q)).toEqual(Array.from({ length: n }, (_, i) => i));
    a.yTrain.dataSync().forEach((id, i) => expect(a.xTrain.dataSync()[2 * i]).toBe(2 * id));
    expect(ng.data.trainTestSplit(x, y, { testSize: 7 }).yTest.shape).toEqual([7]);
    expect(ng.data.trainTestSplit(x, y, { testSize: 0.1, shuffle: false }).yTest.toArray()).toEqual([45, 46, 47, 48, 49]);
    expect(() => ng.data.trainTestSplit(x, ng.zeros([3]))).toThrow(/different numbers of samples: \[50,2\] vs \[3\]/);
    expect(() => ng.data.trainTestSplit(x, y, { testSize: 50 })).toThrow(/leaves no training samples/);
  });

  it('permutation: seeded, or from the global generator', () => {
    const p = ng.data.permutation(1000, 9);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(ng.data.permutation(1000, 9))).toEqual(Array.from(p));
    ng.seed(5);
    const g1 = Array.from(ng.data.permutation(20));
    const g2 = Array.from(ng.data.permutation(20));
    ng.seed(5);
    expect(Array.from(ng.data.permutation(20))).toEqual(g1);
    expect(g2).not.toEqual(g1);
  });
});
