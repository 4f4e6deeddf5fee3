/**
 * Nested-prefix ("Matryoshka") embeddings: the first `dim` coordinates of a vector form a
 * complete, coarser embedding on their own. Helpers shared by evaluation, serving and export.
 * @module
 */
import { RecforgeError } from './errors.js';
import type { AsyncOptions } from './job.js';
import { intOption } from './options.js';
import { Tensor } from './tensor.js';

/** Options of `userEmbeddings` / `itemEmbeddings` on models that support prefixes. */
export interface EmbeddingOptions extends AsyncOptions {
  /** Return only the first `dim` columns (an integer in [1, model dim]; default: all). */
  dim?: number;
}

/**
 * Checks a `dim` option against an embedding width: undefined means the full width.
 * @throws RecforgeError E_INVALID_ARG unless an integer in [1, width].
 * @internal
 */
export function prefixDim(value: unknown, width: number, name = 'dim'): number {
  return intOption(name, value, 1, width, width);
}

/**
 * Checks a list of prefix widths: non-empty, integers, strictly increasing, each in [1, width].
 * @throws RecforgeError E_INVALID_ARG naming the offending entry.
 * @internal
 */
export function prefixDims(value: unknown, width: number, name = 'dims'): number[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new RecforgeError('E_INVALID_ARG', `${name} must be a non-empty array of prefix widths`);
  value.forEach((d, l) => {
    if (d === undefined) throw new RecforgeError('E_INVALID_ARG', `${name}[${l}] is missing`);
    intOption(`${name}[${l}]`, d, 1, width, 0);
    if (l > 0 && d <= value[l - 1])
      throw new RecforgeError('E_INVALID_ARG', `${name} must be strictly increasing (${name}[${l}] = ${d} after ${value[l - 1]})`);
  });
  return [...(value as number[])];
}

/**
 * The first `dim` columns of a row-major `rows × width` table, as a new [rows, dim] Tensor (the
 * whole table copied when dim = width).
 * @internal
 */
export function prefixColumns(data: Float32Array, rows: number, width: number, dim: number): Tensor<'float32'> {
  if (dim === width) return new Tensor(data.slice(), [rows, width]);
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * width, r * width + dim), r * dim);
  return new Tensor(out, [rows, dim]);
}

/** The key of a metric at cutoff k on the `dim`-prefix: `recall@20/d4`. */
export function levelKey(metric: string, k: number, dim: number): `${string}@${number}/d${number}` {
  return `${metric}@${k}/d${dim}`;
}
