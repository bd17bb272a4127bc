// The peer side of the training benchmark (bench/train-peers.ts): the tfjs models have exactly
// the layers and parameter counts nodegrad trains, a few tiny training and inference runs
// produce figures (or NaN with the peer's error), and nothing leaks tfjs tensors.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';

import { onnxMlpInference, tfjsMlpInference, tfjsModel, tfjsTrain, useTfjs } from '../bench/train-peers.js';

beforeAll(() => useTfjs('cpu'));

describe('tfjs models of the benchmark workloads', () => {
  it('mlp: 784→512→256→10, 535,818 parameters', () => {
    const m = tfjsModel('mlp');
    expect(m.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Dense', 'Dense']);
    expect(m.outputs[0]!.shape).toEqual([null, 10]);
    expect(m.countParams()).toBe(784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10);
    m.dispose();
  });

  it('lenet: conv same → pool → conv valid → pool → 400 → 120 → 84 → 10, 61,706 parameters', () => {
    const m = tfjsModel('lenet');
    expect(m.layers.map((l) => `${l.getClassName()}${JSON.stringify(l.outputShape)}`)).toEqual([
      'Conv2D[null,28,28,6]', 'MaxPooling2D[null,14,14,6]', 'Conv2D[null,10,10,16]', 'MaxPooling2D[null,5,5,16]',
      'Flatten[null,400]', 'Dense[null,120]', 'Dense[null,84]', 'Dense[null,10]',
    ]);
    expect(m.countParams()).toBe(6 * 25 + 6 + 16 * 6 * 25 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10);
    m.dispose();
  });
});

describe('tfjsTrain', () => {
  it('trains the MLP on cpu and wasm and reports samples/s without leaking tensors', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const before = tf.memory().numTensors;
      const r = await tfjsTrain(backend, { name: 'mlp', batchSize: 8, steps: 2, warmupSteps: 1 });
      expect(r.note).toBeUndefined();
      expect(r.samplesPerSec).toBeGreaterThan(0);
      expect(Number.isFinite(r.samplesPerSec)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('trains LeNet on cpu; on wasm either trains or returns NaN with the missing-kernel error, leaking nothing', async () => {
    const lenet = { name: 'lenet', batchSize: 4, steps: 1, warmupSteps: 1 } as const;
    const cpu = await tfjsTrain('cpu', lenet);
    expect(cpu.samplesPerSec).toBeGreaterThan(0);
    const before = tf.memory().numTensors;
    const wasm = await tfjsTrain('wasm', lenet);
    if (Number.isNaN(wasm.samplesPerSec)) expect(wasm.note).toMatch(/not registered for backend 'wasm'/);
    else expect(wasm.samplesPerSec).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('answers a thread count it cannot set with NaN and a note, and rejects bad workloads', async () => {
    const r = await tfjsTrain('wasm', { name: 'mlp', batchSize: 8, steps: 1, warmupSteps: 0 }, 2);
    expect(r.samplesPerSec).toBeNaN();
    expect(r.note).toMatch(/1 thread in Node; 2 threads cannot be set/);
    await expect(tfjsTrain('cpu', { name: 'mlp', batchSize: 0, steps: 1, warmupSteps: 0 })).rejects.toThrow(/batchSize ≥ 1/);
    await expect(tfjsTrain('cpu', { name: 'resnet' as 'mlp', batchSize: 1, steps: 1, warmupSteps: 0 })).rejects.toThrow(/unknown workload 'resnet'/);
  });
});

describe('MLP inference', () => {
  it('onnxruntime-node and tfjs report a median time (or, for onnxruntime, why it cannot load)', async () => {
    const ort = await onnxMlpInference(2, 1);
    if ('note' in ort) expect(ort.note).toMatch(/onnxruntime-node cannot load/);
    else expect(ort.ms).toBeGreaterThan(0);
    for (const backend of ['wasm', 'cpu'] as const) {
      const r = await tfjsMlpInference(backend, 2);
      expect('ms' in r && r.ms > 0).toBe(true);
    }
    await expect(onnxMlpInference(0, 1)).rejects.toThrow(/batch and threads must be integers ≥ 1/);
  });
});
