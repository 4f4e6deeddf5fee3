/**
 * Resolving the user or item a caller names (a dense id, or an external string id) for the
 * serving methods of every model.
 * @internal
 * @module
 */
import type { IdMap } from './dataset.js';
import { RecforgeError } from './errors.js';

/**
 * The dense id of `id`: a dense number in [0, n), or a string looked up in `map` (without a map,
 * a decimal string is read as a dense id). E_OUT_OF_RANGE otherwise.
 */
export function denseId(id: number | string, n: number, map: IdMap | undefined, what: 'user' | 'item'): number {
  if (typeof id === 'string') {
    const dense = map ? map.toDense(id) : /^\d+$/.test(id) ? Number(id) : undefined;
    if (dense === undefined || dense >= n) throw new RecforgeError('E_OUT_OF_RANGE', `unknown ${what} '${id}'`);
    return dense;
  }
  if (!Number.isInteger(id) || id < 0 || id >= n)
    throw new RecforgeError('E_OUT_OF_RANGE', `${what} ${String(id)} is outside [0, ${n})`);
  return id;
}
