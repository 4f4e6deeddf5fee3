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

/**
 * Dense ids of a list of dense or external ids (an Int32Array or an array), each resolved as
 * {@link denseId}; errors name the entry (`name[j]`).
 * @throws RecforgeError E_TYPE for a list or entry of another type, E_OUT_OF_RANGE for an unknown id.
 */
export function denseIdList(list: unknown, name: string, n: number, map: IdMap | undefined, what: 'user' | 'item'): Int32Array {
  if (!(list instanceof Int32Array) && !Array.isArray(list))
    throw new RecforgeError('E_TYPE', `${name} must be an Int32Array or an array of ${what} ids`);
  const out = new Int32Array(list.length);
  for (let j = 0; j < list.length; j++) {
    const x: unknown = list[j];
    if (typeof x !== 'number' && typeof x !== 'string')
      throw new RecforgeError('E_TYPE', `${name}[${j}] must be a ${what} id (number or string), got ${typeof x}`);
    try {
      out[j] = denseId(x, n, map, what);
    } catch (e) {
      throw new RecforgeError('E_OUT_OF_RANGE', `${name}[${j}]: ${(e as Error).message}`, { cause: e });
    }
  }
  return out;
}
