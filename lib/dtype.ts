/** Element types. float32 is the fast path; int32 holds labels and indices; float64 exists for gradient checking. */
export type DType = 'float32' | 'int32' | 'float64';

export type TypedArray = Float32Array | Int32Array | Float64Array;

export const DTYPES: readonly DType[] = ['float32', 'int32', 'float64'];

/** The code the C++ kernels use for each dtype (native/kernels/dtype.h). */
export const DTYPE_CODE: Record<DType, number> = { float32: 0, int32: 1, float64: 2 };

export const DTYPE_BYTES: Record<DType, number> = { float32: 4, int32: 4, float64: 8 };

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'int32' || x === 'float64';
}

export function typedArrayFor(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'int32': return new Int32Array(size);
    case 'float64': return new Float64Array(size);
  }
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Int32Array) return 'int32';
  return 'float64';
}

export function isTypedArray(x: unknown): x is TypedArray {
  return x instanceof Float32Array || x instanceof Int32Array || x instanceof Float64Array;
}

export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

/** The dtype of a binary op's result: float64 > float32 > int32. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'int32';
}

export function checkDType(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) throw new Error(`${op}: unknown dtype ${String(dtype)} (expected float32, int32 or float64)`);
  return dtype;
}
