import { isGradEnabled } from '../autograd/mode.js';
import type { Activation, PackedOperand } from '../backend/backend.js';
import type { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';
import { empty } from './util.js';

/**
 * @internal A layer's weight W [k, n] packed once for the GEMM and reused by the products
 * x·W (+ bias, activation) that record no gradient — inference and validation — while W is
 * unchanged: W's version (bumped by optimizer steps, loadStateDict and every other in-place
 * write), backend and kernel path decide when to pack again. The GEMM otherwise re-packs W
 * on every call. Products that record a gradient, and backends without a packed path (wasm,
 * js), take plain matmul; both give bitwise the same values.
 *
 * The packing is a second copy of W, held until release() or until the owner is collected.
 */
export class PackedWeight {
  private packed: PackedOperand | null = null;
  /** The weight packed (its backend made the packing), and its version then. */
  private source: Tensor | null = null;
  private version = -1;

  /** act(x·w + bias) for x [..., k], w [k, n], bias [n]; the same as matmul(x, w, { bias, activation }). */
  matmul(x: Tensor, w: Tensor, bias: Tensor | undefined, activation: Activation): Tensor {
    return this.tryPacked(x, w, bias, activation) ?? matmul(x, w, { bias, activation });
  }

  /** Frees the packing now. */
  release(): void {
    if (this.packed) this.source?.backend.releasePacked?.(this.packed);
    this.packed = null;
    this.source = null;
  }

  private tryPacked(x: Tensor, w: Tensor, bias: Tensor | undefined, activation: Activation): Tensor | null {
    const be = w.backend;
    if (!be.packB || !be.gemmPacked) return null;
    if (isGradEnabled() && (x.requiresGrad || w.requiresGrad || (bias?.requiresGrad ?? false))) return null;
    if (x.isDisposed || w.isDisposed || bias?.isDisposed) return null;  // matmul names the problem
    if (x.backend !== be || x.dtype !== w.dtype || w.dtype === 'int32' || w.rank !== 2 || x.rank < 2) return null;
    if (bias && (bias.backend !== be || bias.dtype !== w.dtype || bias.size !== w.shape[1])) return null;
    const [k, n] = w.shape as [number, number];
    if (x.shape.at(-1) !== k || k === 0 || n === 0 || x.size === 0) return null;
    const m = x.size / k;

    if (!this.packed || this.source !== w || this.version !== w.version || this.packed.isa !== be.isa) {
      this.release();
      this.packed = be.packB(w.storage, { k, n, transB: false, ldb: n, bOffset: 0 });
      this.source = w;
      this.version = w.version;
    }
    const out = empty(be, w.dtype, [...x.shape.slice(0, -1), n]);
    be.gemmPacked(x.storage, this.packed, out.storage, {
      m, n, k, transA: false, transB: false, lda: k, ldb: n, ldc: n, aOffset: 0, bOffset: 0, cOffset: 0,
      alpha: 1, beta: 0, activation,
    }, bias?.storage);
    return out;
  }
}
