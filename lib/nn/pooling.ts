import { type Pool2dOptions, avgPool2d, globalAvgPool2d, globalMaxPool1d, globalMaxPool2d, maxPool2d } from '../ops/pool.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** Max over each window of NHWC input (default 2×2, stride = pool size, 'valid'). */
export class MaxPool2d extends Module {
  constructor(readonly options: Pool2dOptions = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options);
  }
}

/** Mean over each window of NHWC input; padding is not counted. */
export class AvgPool2d extends Module {
  constructor(readonly options: Pool2dOptions = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.options);
  }
}

/** [N, H, W, C] → [N, C], the mean over all positions. */
export class GlobalAvgPool2d extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool2d(x);
  }
}

/** [N, H, W, C] → [N, C], the maximum over all positions. */
export class GlobalMaxPool2d extends Module {
  forward(x: Tensor): Tensor {
    return globalMaxPool2d(x);
  }
}

/** [N, T, C] → [N, C], the maximum over time. */
export class GlobalMaxPool1d extends Module {
  forward(x: Tensor): Tensor {
    return globalMaxPool1d(x);
  }
}
