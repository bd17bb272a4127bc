import type { Tensor } from '../tensor.js';

/**
 * Computes the gradients of an op's inputs from the gradient of its output. `needs[i]`
 * says whether input i wants one; entries for the others may be null.
 */
export type BackwardFn = (grad: Tensor, needs: readonly boolean[]) => (Tensor | null)[];

/** The record of one differentiable op in the graph: its inputs and how to differentiate it. */
export class GradNode {
  private fn: BackwardFn | null;

  constructor(
    readonly op: string,
    readonly inputs: readonly Tensor[],
    fn: BackwardFn,
  ) {
    this.fn = fn;
  }

  get released(): boolean {
    return this.fn === null;
  }

  apply(grad: Tensor): (Tensor | null)[] {
    if (!this.fn) {
      throw new Error(`backward: the graph through '${this.op}' was freed by a previous backward(); ` +
        'call backward({ retainGraph: true }) the first time to go through it twice');
    }
    return this.fn(grad, this.inputs.map((t) => t.requiresGrad));
  }

  /** Drops the closure and what it saved, so the garbage collector can reclaim them. */
  release(): void {
    this.fn = null;
  }
}
