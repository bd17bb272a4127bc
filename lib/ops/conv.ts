/**
 * 2-D convolutions over NHWC images (channels last, as Keras and TF.js): the standard one
 * with an HWIO filter [kh, kw, inC, outC], and the depthwise one with a filter
 * [kh, kw, inC, multiplier]. Both fuse an optional bias and activation into the kernel, and
 * differentiate with respect to the input, the filter and the bias.
 */
import { record } from '../autograd/record.js';
import { ACTIVATIONS, type Activation, type Backend, type Conv2dSpec } from '../backend/backend.js';
import { promoteTypes } from '../dtype.js';
import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { activationGrad } from './matmul.js';
import { sumToShape } from './reduce.js';
import { castIfNeeded, reshape } from './shape-ops.js';
import { checkTensor, empty, onBackend, releaseTemps } from './util.js';
import { type WindowOptions, resolveWindow } from './window.js';

export interface Conv2dOptions extends WindowOptions {
  /** One value per output channel, added before the activation. */
  bias?: Tensor;
  /** Fused into the kernel after the bias (default 'none'). */
  activation?: Activation;
}

/**
 * 2-D convolution of x [batch, height, width, inC] with filter [kh, kw, inC, outC] (HWIO):
 * out [batch, outH, outW, outC]. Options: strides, padding ('valid', TensorFlow's 'same', or
 * [[top, bottom], [left, right]]), dilation, and a fused bias and activation.
 * float32 and float64 (mixed operands are promoted).
 */
export function conv2d(x: Tensor, filter: Tensor, options: Conv2dOptions = {}): Tensor {
  return convOp(false, x, filter, options);
}

/**
 * Depthwise 2-D convolution (TensorFlow semantics): each input channel c is convolved with
 * its own filters filter[:, :, c, q], q < multiplier, giving output channel c·multiplier + q.
 * x [batch, height, width, inC], filter [kh, kw, inC, multiplier]: out [batch, outH, outW,
 * inC·multiplier]. Same options as conv2d.
 */
export function depthwiseConv2d(x: Tensor, filter: Tensor, options: Conv2dOptions = {}): Tensor {
  return convOp(true, x, filter, options);
}

interface Kernels {
  forward(b: Backend): Backend['conv2d'];
  backwardInput(b: Backend): Backend['conv2dBackwardInput'];
  backwardFilter(b: Backend): Backend['conv2dBackwardFilter'];
  /** Both gradients in one call, where the backend has such a kernel. */
  backward?(b: Backend): Backend['conv2dBackward'];
}

const STANDARD: Kernels = {
  forward: (b) => b.conv2d.bind(b),
  backwardInput: (b) => b.conv2dBackwardInput.bind(b),
  backwardFilter: (b) => b.conv2dBackwardFilter.bind(b),
  backward: (b) => b.conv2dBackward.bind(b),
};

const DEPTHWISE: Kernels = {
  forward: (b) => b.depthwiseConv2d.bind(b),
  backwardInput: (b) => b.depthwiseConv2dBackwardInput.bind(b),
  backwardFilter: (b) => b.depthwiseConv2dBackwardFilter.bind(b),
};

function convOp(depthwise: boolean, x: Tensor, filter: Tensor, options: Conv2dOptions): Tensor {
  const op = depthwise ? 'depthwiseConv2d' : 'conv2d';
  const kernels = depthwise ? DEPTHWISE : STANDARD;
  const spec = checkConv(op, depthwise, x, filter, options);
  const dtype = promoteTypes(x.dtype, filter.dtype);
  const backend = x.backend;
  const xa = castIfNeeded(onBackend(x, backend), dtype);
  const fa = castIfNeeded(onBackend(filter, backend), dtype);
  const bias = options.bias ? castIfNeeded(onBackend(options.bias, backend), dtype) : undefined;
  const { window: w } = spec;
  const out = empty(backend, dtype, [spec.batch, w.outH, w.outW, spec.outC]);
  if (out.size > 0) kernels.forward(backend)(xa.storage, fa.storage, out.storage, spec, bias?.storage);
  releaseTemps([xa, fa, ...(bias ? [bias] : [])], [x, filter, ...(options.bias ? [options.bias] : [])]);

  const inputs = options.bias ? [x, filter, options.bias] : [x, filter];
  return record(out, op, inputs, (g, needs) => {
    const gz = activationGrad(spec.activation, g, out);
    const gb = gz.backend;
    const temps: Tensor[] = [];
    const operand = (t: Tensor): Tensor => {
      const c = castIfNeeded(onBackend(t, gb), dtype);
      if (c !== t) temps.push(c);
      return c;
    };
    // dfilter first: then dx, which the layer below consumes next, is the freshest in cache,
    // and the second pass finds gz warm from the first. Both at once in one kernel where
    // there is one (it reads gz once for both where it can).
    const dx = needs[0] ? empty(gb, dtype, x.shape) : null;
    const df = needs[1] ? empty(gb, dtype, filter.shape) : null;
    if (dx && df && dx.size > 0 && df.size > 0 && kernels.backward) {
      kernels.backward(gb)(operand(x).storage, gz.storage, operand(filter).storage, dx.storage, df.storage, spec);
    } else {
      if (df && df.size > 0) kernels.backwardFilter(gb)(operand(x).storage, gz.storage, df.storage, spec);
      if (dx && dx.size > 0) kernels.backwardInput(gb)(gz.storage, operand(filter).storage, dx.storage, spec);
    }
    for (const t of temps) t.dispose();
    const grads = [dx && castIfNeeded(dx, x.dtype), df && castIfNeeded(df, filter.dtype)];
    if (options.bias) {
      const db = needs[2] ? reshape(sumToShape(gz, [1, 1, 1, spec.outC]), options.bias.shape) : null;
      grads.push(db && castIfNeeded(db, options.bias.dtype));
    }
    return grads;
  });
}

/** Validates the operands and options of a convolution and resolves its geometry. */
function checkConv(op: string, depthwise: boolean, x: Tensor, filter: Tensor, options: Conv2dOptions): Conv2dSpec {
  checkTensor(op, x, 'x');
  checkTensor(op, filter, 'filter');
  if (options === null || typeof options !== 'object') throw new Error(`${op}: options must be an object`);
  const filterDims = depthwise ? '[kh, kw, inC, multiplier]' : '[kh, kw, inC, outC]';
  if (x.rank !== 4) {
    throw new Error(`${op}: x must be NHWC [batch, height, width, channels], got shape ${shapeString(x.shape)}`);
  }
  if (filter.rank !== 4) throw new Error(`${op}: filter must be ${filterDims}, got shape ${shapeString(filter.shape)}`);
  if (x.dtype === 'int32' || filter.dtype === 'int32') {
    throw new Error(`${op}: expected float32 or float64 tensors, got x ${x.dtype} and filter ${filter.dtype}`);
  }
  const [batch, inH, inW, inC] = x.shape as [number, number, number, number];
  const [kh, kw, fc, last] = filter.shape as [number, number, number, number];
  if (fc !== inC) {
    throw new Error(`${op}: filter ${shapeString(filter.shape)} (${filterDims}) expects ${fc} input channels, but x ${shapeString(x.shape)} has ${inC}`);
  }
  if (kh < 1 || kw < 1) throw new Error(`${op}: the filter window must be at least 1×1, got ${shapeString(filter.shape)}`);
  const outC = depthwise ? inC * last : last;
  const activation = options.activation ?? 'none';
  if (typeof activation !== 'string' || !Object.prototype.hasOwnProperty.call(ACTIVATIONS, activation)) {
    throw new Error(`${op}: activation must be one of ${Object.keys(ACTIVATIONS).join(', ')}, got ${JSON.stringify(activation)}`);
  }
  if (options.bias !== undefined) {
    checkTensor(op, options.bias, 'bias');
    if (options.bias.dtype === 'int32') throw new Error(`${op}: bias must be float32 or float64, got int32`);
    if (options.bias.size !== outC) {
      throw new Error(`${op}: bias ${shapeString(options.bias.shape)} must have ${outC} elements, one per output channel (filter ${shapeString(filter.shape)})`);
    }
  }
  const window = resolveWindow(op, inH, inW, kh, kw, options);
  return { batch, inC, outC, window, activation };
}
