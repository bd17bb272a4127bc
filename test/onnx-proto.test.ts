// The hand-written ONNX protobuf writer (bench/onnx-proto.ts) and the benchmark MLP built with
// it (bench/onnx-mlp.ts): varint bytes against the protobuf spec, and models run through
// onnxruntime-node against plain JavaScript computations of the same graphs.
import { describe, expect, it } from 'vitest';

import { encodeModel, varintBytes, type OnnxGraph } from '../bench/onnx-proto.js';
import { MLP_UNITS, mlpForwardJs, onnxMlpModel, randomMlpWeights, seededNormal } from '../bench/onnx-mlp.js';

type Ort = typeof import('onnxruntime-node');
let ort: Ort | undefined;
let loadError = '';
try {
  ort = await import('onnxruntime-node');
} catch (e) {
  loadError = e instanceof Error ? e.message : String(e);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

async function run(model: Uint8Array, feeds: Record<string, { data: Float32Array; dims: number[] }>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const session = await ort!.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const inputs = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort!.Tensor('float32', v.data, v.dims)]));
    const out = await session.run(inputs);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: v.dims }]));
  } finally {
    await session.release();
  }
}

describe('protobuf encoding', () => {
  it('writes varints as the protobuf spec does, negative int64 as ten bytes', () => {
    expect([...varintBytes(0)]).toEqual([0]);
    expect([...varintBytes(1)]).toEqual([1]);
    expect([...varintBytes(127)]).toEqual([0x7f]);
    expect([...varintBytes(300)]).toEqual([0xac, 0x02]);
    expect([...varintBytes(2 ** 35)]).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect([...varintBytes(-1)]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect([...varintBytes(-2n)]).toEqual([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(() => varintBytes(1.5)).toThrow(/cannot encode 1.5/);
  });

  it('rejects an initializer whose data does not fill its dims, and bad MLP weights', () => {
    const graph: OnnxGraph = {
      name: 'g',
      nodes: [{ opType: 'Add', inputs: ['x', 'c'], outputs: ['y'] }],
      initializers: [{ name: 'c', dims: [2, 3], data: new Float32Array(5) }],
      inputs: [{ name: 'x', dims: [2, 3] }],
      outputs: [{ name: 'y', dims: [2, 3] }],
    };
    expect(() => encodeModel(graph)).toThrow(/'c' has dims \[2, 3\] \(6 elements\) but 5 values/);
    const weights = randomMlpWeights();
    expect(() => onnxMlpModel(weights.slice(0, 5))).toThrow(/needs 6 weight arrays/);
    weights[2] = new Float32Array(10);
    expect(() => onnxMlpModel(weights)).toThrow(/W2 must hold 512×256 = 131072 values, got 10/);
  });
});

if (ort === undefined) {
  describe('models run by onnxruntime-node', () => {
    it.skip(`skipped: onnxruntime-node cannot load (${loadError})`, () => {});
  });
}

describe.runIf(ort !== undefined)('models run by onnxruntime-node', () => {
  it('the benchmark MLP (784-512-256-10) matches a JavaScript forward pass, fixed batch', async () => {
    const weights = randomMlpWeights(MLP_UNITS, 11);
    const batch = 3;
    const x = seededNormal(batch * 784, 5);
    const out = await run(onnxMlpModel(weights, batch), { x: { data: x, dims: [batch, 784] } });
    expect(out.y!.dims).toEqual([batch, 10]);
    expectClose(out.y!.data, mlpForwardJs(x, batch, weights), 1e-5);
    for (let r = 0; r < batch; r++) {
      const row = out.y!.data.subarray(r * 10, (r + 1) * 10);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
  });

  it('a symbolic batch dimension serves several batch sizes (small odd-sized MLP)', async () => {
    const units = [7, 5, 6, 3];
    const weights = randomMlpWeights(units, 2);
    const model = onnxMlpModel(weights, 'n', units);
    for (const batch of [1, 4, 9]) {
      const x = seededNormal(batch * 7, batch);
      const out = await run(model, { x: { data: x, dims: [batch, 7] } });
      expect(out.y!.dims).toEqual([batch, 3]);
      expectClose(out.y!.data, mlpForwardJs(x, batch, weights, units), 1e-6);
    }
  });

  it('int (negative), float and ints attributes reach the operators', async () => {
    // y = Softmax(LeakyRelu(x, alpha 0.25), axis -1) and z = Transpose(x, perm [1, 0]).
    const [rows, cols] = [3, 5];
    const model = encodeModel({
      name: 'attrs',
      nodes: [
        { opType: 'LeakyRelu', inputs: ['x'], outputs: ['h'], attributes: { alpha: { float: 0.25 } } },
        { opType: 'Softmax', inputs: ['h'], outputs: ['y'], attributes: { axis: { int: -1 } } },
        { opType: 'Transpose', inputs: ['x'], outputs: ['z'], attributes: { perm: { ints: [1, 0] } } },
      ],
      inputs: [{ name: 'x', dims: [rows, cols] }],
      outputs: [{ name: 'y', dims: [rows, cols] }, { name: 'z', dims: [cols, rows] }],
    });
    const x = seededNormal(rows * cols, 9);
    const out = await run(model, { x: { data: x, dims: [rows, cols] } });
    const expectY = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      const h = Array.from(x.subarray(r * cols, (r + 1) * cols), (v) => (v > 0 ? v : 0.25 * v));
      const max = Math.max(...h);
      const e = h.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((v, c) => (expectY[r * cols + c] = v / sum));
    }
    expectClose(out.y!.data, expectY, 1e-6);
    expect(out.z!.dims).toEqual([cols, rows]);
    expectClose(out.z!.data, Array.from({ length: rows * cols }, (_, i) => x[(i % rows) * cols + Math.floor(i / rows)]!), 0);
  });

  it('a Conv node (NCHW, pads, strides) with weight and bias initializers matches a direct convolution', async () => {
    const [n, c, h, w, oc, k, stride, pad] = [2, 3, 7, 6, 4, 3, 2, 1];
    const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
    const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
    const weight = seededNormal(oc * c * k * k, 1);
    const bias = seededNormal(oc, 2);
    const x = seededNormal(n * c * h * w, 3);
    const model = encodeModel({
      name: 'conv',
      nodes: [{
        opType: 'Conv',
        inputs: ['x', 'W', 'B'],
        outputs: ['y'],
        attributes: { kernel_shape: { ints: [k, k] }, strides: { ints: [stride, stride] }, pads: { ints: [pad, pad, pad, pad] } },
      }],
      initializers: [{ name: 'W', dims: [oc, c, k, k], data: weight }, { name: 'B', dims: [oc], data: bias }],
      inputs: [{ name: 'x', dims: [n, c, h, w] }],
      outputs: [{ name: 'y', dims: [n, oc, oh, ow] }],
    });
    const out = await run(model, { x: { data: x, dims: [n, c, h, w] } });
    const expected = new Float64Array(n * oc * oh * ow);
    for (let b = 0; b < n; b++) for (let o = 0; o < oc; o++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) {
      let s = bias[o]!;
      for (let ci = 0; ci < c; ci++) for (let u = 0; u < k; u++) for (let v = 0; v < k; v++) {
        const [yy, xx] = [i * stride - pad + u, j * stride - pad + v];
        if (yy >= 0 && yy < h && xx >= 0 && xx < w) s += x[((b * c + ci) * h + yy) * w + xx]! * weight[((o * c + ci) * k + u) * k + v]!;
      }
      expected[((b * oc + o) * oh + i) * ow + j] = s;
    }
    expect(out.y!.dims).toEqual([n, oc, oh, ow]);
    expectClose(out.y!.data, expected, 1e-5);
  });
});
