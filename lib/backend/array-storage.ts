import type { DType, TypedArray } from '../dtype.js';
import type { Storage } from './backend.js';

/** Storage held in a JavaScript typed array (the js and native backends). */
export class ArrayStorage implements Storage {
  /** Set once the typed array has been handed to code outside the backend (see BufferPool). */
  exposed = false;

  constructor(
    readonly dtype: DType,
    public data: TypedArray,
  ) {}

  get size(): number {
    return this.data.length;
  }
}
