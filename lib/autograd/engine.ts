import { createdInCurrentScope, keep, tidy } from '../memory.js';
import { shapeString, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from './mode.js';
import type { GradNode } from './node.js';

export interface BackwardOptions {
  /** Keep the graph so that backward() can go through it again. */
  retainGraph?: boolean;
}

/** The tensors reachable from root through the graph, inputs before the ops that use them. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, expanded] = stack.pop()!;
    if (expanded) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const input of t.gradFn?.inputs ?? []) if (input.requiresGrad && !seen.has(input)) stack.push([input, false]);
  }
  return order;
}

/**
 * Adds g into leaf.grad. A first gradient is adopted without a copy when nothing else can
 * see its buffer: a temporary of this backward pass, not its seed, not already adopted by
 * another leaf, and sharing memory with no other tensor (a grad clipped in place must
 * never alias anything).
 */
function accumulateLeaf(leaf: Tensor, g: Tensor, seed: Tensor, adopted: Set<Tensor>): void {
  if (!leaf.grad && g !== seed && !adopted.has(g) && g.ownsBufferAlone && createdInCurrentScope(g)) {
    adopted.add(g);
    leaf.grad = keep(g);
    return;
  }
  const sum = leaf.grad ? leaf.grad.add(g) : g.clone();
  leaf.grad?.dispose();
  leaf.grad = keep(sum);
}

/**
 * Reverse-mode differentiation from `root`: adds d(root)/d(leaf) into each leaf's .grad
 * (and into .grad of non-leaves that called retainGrad()). Gradient temporaries are
 * disposed at once; the graph is released afterwards unless retainGraph is set.
 */
export function runBackward(root: Tensor, grad: Tensor | undefined, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error(`backward: tensor ${shapeString(root.shape)} does not require grad (no op on it was recorded)`);
  }
  if (grad === undefined && root.size !== 1) {
    throw new Error(`backward: a gradient can be implied only for a one-element output; got shape ${shapeString(root.shape)}, pass backward(grad)`);
  }
  if (grad !== undefined && !shapesEqual(grad.shape, root.shape)) {
    throw new Error(`backward: grad shape ${shapeString(grad.shape)} does not match the output shape ${shapeString(root.shape)}`);
  }
  const order = topoOrder(root);
  noGrad(() => tidy(() => {
    const grads = new Map<Tensor, Tensor>();
    const seed = grad ? grad.astype(root.dtype) : root.onesLike();
    const adopted = new Set<Tensor>();
    grads.set(root, seed);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i]!;
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      if (!t.gradFn) {
        accumulateLeaf(t, g, seed, adopted);
        continue;
      }
      if (t.retainsGrad) accumulateLeaf(t, g, seed, adopted);
      const node: GradNode = t.gradFn;
      const inputGrads = node.apply(g);
      node.inputs.forEach((input, k) => {
        const ig = inputGrads[k];
        if (!ig || !input.requiresGrad) return;
        if (!shapesEqual(ig.shape, input.shape)) {
          throw new Error(`backward: '${node.op}' produced a gradient of shape ${shapeString(ig.shape)} for an input of shape ${shapeString(input.shape)}`);
        }
        const prev = grads.get(input);
        grads.set(input, prev ? prev.add(ig) : ig);
      });
    }
  }));
  if (!options.retainGraph) for (const t of order) t.gradFn?.release();
}
