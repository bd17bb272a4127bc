import { reshape } from '../ops/shape-ops.js';
import { shapeString } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** [N, ...] to [N, prod(...)] (no copy); [N] becomes [N, 1]. */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    if (x.rank === 0) throw new Error(`Flatten: expected input [N, ...], got a scalar ${shapeString(x.shape)}`);
    const n = x.shape[0]!;
    return reshape(x, [n, x.shape.slice(1).reduce((a, b) => a * b, 1)]);
  }
}
