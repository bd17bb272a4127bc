import type { DType, TypedArray } from '../dtype.js';
import type { Storage } from './backend.js';

/** Storage held in a JavaScript typed array (the js and native backends). */
export class ArrayStorage implements Storage {
  constructor(
    readonly dtype: DType,
    public data: TypedArray,
  ) {}

  get size(): number {
    return this.data.length;
  }
}
