import { shapeString, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkTensor, onBackend } from './util.js';

/**
 * @internal Copies src's values into dst's own buffer, in place, converting the dtype and
 * crossing backends when needed (running statistics, loadStateDict, test-local updates).
 * Every tensor sharing dst's buffer sees the change; nothing is recorded for autograd.
 */
export function assignInPlace(dst: Tensor, src: Tensor, op = 'assign'): void {
  checkTensor(op, dst, 'dst');
  checkTensor(op, src, 'src');
  if (!shapesEqual(dst.shape, src.shape) && dst.size !== src.size) {
    throw new Error(`${op}: cannot copy a tensor of shape ${shapeString(src.shape)} into one of shape ${shapeString(dst.shape)}`);
  }
  if (dst.size === 0) return;
  const local = onBackend(src, dst.backend);
  dst.backend.cast(local.storage, dst.storage);
  dst.markWritten();
  if (local !== src) local.dispose();
}
