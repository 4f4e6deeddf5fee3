/**
 * Dense tensors: a typed array plus a shape. Embeddings cross the API boundary as Tensors.
 *
 * Ownership: a Tensor wraps its typed array without copying. Functions that hand a Tensor to a
 * background job copy its contents synchronously before returning the Promise, so the caller may
 * reuse or mutate the array as soon as the call returns. Tensors returned by recforge own fresh
 * memory that no native object keeps a pointer to.
 * @module
 */
import { RecforgeError } from './errors.js';

/** Element types a Tensor can hold. */
export type DType = 'float32' | 'int32';

/** The typed array behind a dtype. */
export type TypedArrayOf<D extends DType> = D extends 'float32' ? Float32Array : Int32Array;

/** A dense, row-major (C-order) tensor. */
export class Tensor<D extends DType = DType> {
  /** Row-major elements. */
  readonly data: TypedArrayOf<D>;
  /** Size of each dimension. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: D;

  /**
   * Wraps `data` (no copy) with the given shape.
   * @throws RecforgeError E_TYPE if `data` is not a Float32Array/Int32Array, E_SHAPE if the
   *   shape's product differs from `data.length`.
   */
  constructor(data: TypedArrayOf<D>, shape: readonly number[]) {
    let dtype: DType;
    if (data instanceof Float32Array) dtype = 'float32';
    else if (data instanceof Int32Array) dtype = 'int32';
    else throw new RecforgeError('E_TYPE', `Tensor data must be a Float32Array or Int32Array, got ${describe(data)}`);
    if (!Array.isArray(shape) || shape.some((s) => !Number.isSafeInteger(s) || s < 0))
      throw new RecforgeError('E_SHAPE', `Tensor shape must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw new RecforgeError('E_SHAPE', `Tensor shape [${shape.join(', ')}] holds ${size} elements but data has ${data.length}`);
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype as D;
  }

  /** A zero-filled tensor. */
  static zeros<D extends DType = 'float32'>(shape: readonly number[], dtype: D = 'float32' as D): Tensor<D> {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = (dtype === 'int32' ? new Int32Array(n) : new Float32Array(n)) as TypedArrayOf<D>;
    return new Tensor<D>(data, shape);
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of rows of a 2-D tensor. */
  get rows(): number {
    return this.shape[0] ?? 0;
  }

  /** Number of columns of a 2-D tensor (1 for a 1-D tensor). */
  get cols(): number {
    return this.shape.length >= 2 ? this.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
  }

  /** Row `i` of a 2-D tensor as a view (no copy) into `data`. */
  row(i: number): TypedArrayOf<D> {
    if (!Number.isInteger(i) || i < 0 || i >= this.rows)
      throw new RecforgeError('E_OUT_OF_RANGE', `row ${i} is outside [0, ${this.rows})`);
    const c = this.cols;
    return this.data.subarray(i * c, (i + 1) * c) as TypedArrayOf<D>;
  }

  /** A deep copy. */
  clone(): Tensor<D> {
    return new Tensor<D>(this.data.slice() as TypedArrayOf<D>, this.shape);
  }
}

/** Short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  if (Array.isArray(v)) return 'Array';
  return typeof v;
}

/**
 * Checks that `t` is a 2-D float32 Tensor with `rows` rows (when given) and returns its columns.
 * `name` names the argument in errors.
 * @internal
 */
export function expectMatrix(t: unknown, name: string, rows?: number): number {
  if (!(t instanceof Tensor)) throw new RecforgeError('E_TYPE', `${name} must be a Tensor, got ${describe(t)}`);
  if (t.dtype !== 'float32') throw new RecforgeError('E_TYPE', `${name} must be a float32 Tensor, got ${t.dtype}`);
  if (t.shape.length !== 2) throw new RecforgeError('E_SHAPE', `${name} must be 2-D, got shape [${t.shape.join(', ')}]`);
  if (rows !== undefined && t.shape[0] !== rows)
    throw new RecforgeError('E_SHAPE', `${name} has ${t.shape[0]} rows but the dataset has ${rows}`);
  return t.shape[1];
}
