// The benchmark MLP (784-512-256-10, relu, relu, softmax) as an ONNX model for onnxruntime-node,
// with seeded weights and a plain JavaScript forward pass that the tests check the model against.
import { encodeModel, type OnnxNode, type OnnxTensor } from './onnx-proto.js';

/** Layer widths of the benchmark MLP: Dense 784→512 relu, 512→256 relu, 256→10 softmax. */
export const MLP_UNITS: readonly number[] = [784, 512, 256, 10];

/** Deterministic uniform [0, 1) numbers (mulberry32). */
export function seededUniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n samples of N(0, 1) (Box-Muller over seededUniform). */
export function seededNormal(n: number, seed: number): Float32Array {
  const u = seededUniform(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const theta = 2 * Math.PI * u();
    out[i] = r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/**
 * Weights in Keras order [W1, b1, W2, b2, ...], each kernel row-major [in, out]: kernels
 * Glorot-uniform, biases small and non-zero (so that a model that drops them is caught).
 */
export function randomMlpWeights(units: readonly number[] = MLP_UNITS, seed = 1): Float32Array[] {
  const u = seededUniform(seed);
  const weights: Float32Array[] = [];
  for (let l = 0; l + 1 < units.length; l++) {
    const fanIn = units[l]!;
    const fanOut = units[l + 1]!;
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    weights.push(Float32Array.from({ length: fanIn * fanOut }, () => (2 * u() - 1) * limit));
    weights.push(Float32Array.from({ length: fanOut }, () => 0.1 * (2 * u() - 1)));
  }
  return weights;
}

function checkWeights(units: readonly number[], weights: readonly Float32Array[]): void {
  const layers = units.length - 1;
  if (weights.length !== 2 * layers) {
    throw new Error(`onnx-mlp: an MLP with units [${units.join(', ')}] needs ${2 * layers} weight arrays [W1, b1, ...], got ${weights.length}`);
  }
  for (let l = 0; l < layers; l++) {
    const [fanIn, fanOut] = [units[l]!, units[l + 1]!];
    if (weights[2 * l]!.length !== fanIn * fanOut) {
      throw new Error(`onnx-mlp: W${l + 1} must hold ${fanIn}×${fanOut} = ${fanIn * fanOut} values, got ${weights[2 * l]!.length}`);
    }
    if (weights[2 * l + 1]!.length !== fanOut) {
      throw new Error(`onnx-mlp: b${l + 1} must hold ${fanOut} values, got ${weights[2 * l + 1]!.length}`);
    }
  }
}

/**
 * The MLP as ONNX (opset 13): Gemm(+bias) and Relu per hidden layer, Gemm then Softmax at the
 * end; input 'x' [batch, units[0]], output 'y' [batch, units.at(-1)]. A string batch is a
 * symbolic dimension, so one session then serves every batch size.
 */
export function onnxMlpModel(weights: readonly Float32Array[], batch: number | string = 'batch', units: readonly number[] = MLP_UNITS): Uint8Array {
  checkWeights(units, weights);
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let current = 'x';
  const layers = units.length - 1;
  for (let l = 0; l < layers; l++) {
    const [fanIn, fanOut] = [units[l]!, units[l + 1]!];
    initializers.push({ name: `W${l + 1}`, dims: [fanIn, fanOut], data: weights[2 * l]! });
    initializers.push({ name: `b${l + 1}`, dims: [fanOut], data: weights[2 * l + 1]! });
    const pre = `z${l + 1}`;
    nodes.push({ opType: 'Gemm', inputs: [current, `W${l + 1}`, `b${l + 1}`], outputs: [pre], name: `dense${l + 1}` });
    const last = l === layers - 1;
    current = last ? 'y' : `h${l + 1}`;
    nodes.push({ opType: last ? 'Softmax' : 'Relu', inputs: [pre], outputs: [current], name: `${last ? 'softmax' : 'relu'}${l + 1}` });
  }
  return encodeModel({
    name: 'mlp',
    nodes,
    initializers,
    inputs: [{ name: 'x', dims: [batch, units[0]!] }],
    outputs: [{ name: 'y', dims: [batch, units[layers]!] }],
  });
}

/** The same MLP in plain JavaScript (float64 accumulation): the reference for the ONNX model. */
export function mlpForwardJs(x: Float32Array, batch: number, weights: readonly Float32Array[], units: readonly number[] = MLP_UNITS): Float64Array {
  checkWeights(units, weights);
  if (x.length !== batch * units[0]!) throw new Error(`onnx-mlp: input must hold ${batch}×${units[0]} values, got ${x.length}`);
  let h: Float64Array = Float64Array.from(x);
  for (let l = 0; l + 1 < units.length; l++) {
    const [fanIn, fanOut] = [units[l]!, units[l + 1]!];
    const w = weights[2 * l]!;
    const b = weights[2 * l + 1]!;
    const out = new Float64Array(batch * fanOut);
    for (let r = 0; r < batch; r++) {
      for (let j = 0; j < fanOut; j++) {
        let s = b[j]!;
        for (let k = 0; k < fanIn; k++) s += h[r * fanIn + k]! * w[k * fanOut + j]!;
        out[r * fanOut + j] = s;
      }
    }
    if (l + 2 < units.length) {
      for (let i = 0; i < out.length; i++) out[i] = Math.max(0, out[i]!);
    } else {
      for (let r = 0; r < batch; r++) {
        const row = out.subarray(r * fanOut, (r + 1) * fanOut);
        const max = Math.max(...row);
        let sum = 0;
        for (let j = 0; j < fanOut; j++) sum += (row[j] = Math.exp(row[j]! - max));
        for (let j = 0; j < fanOut; j++) row[j]! /= sum;
      }
    }
    h = out;
  }
  return h;
}
