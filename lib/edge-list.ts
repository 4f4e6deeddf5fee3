/**
 * An edge list with its id-space sizes: the currency of the loaders, cleaning and splits.
 * @module
 */
import { RecforgeError } from './errors.js';
import { Interactions, type InteractionArrays } from './interactions.js';
import type { IdMap } from './dataset.js';

/** Interactions together with the sizes of their user and item id spaces. */
export interface EdgeList extends InteractionArrays {
  /** Number of users (ids are in [0, nUsers)). */
  nUsers: number;
  /** Number of items (ids are in [0, nItems)). */
  nItems: number;
  /** External user ids, when the source used string ids. */
  userIds?: IdMap;
  /** External item ids, when the source used string ids. */
  itemIds?: IdMap;
}

/**
 * Checks array types/lengths (E_TYPE / E_SHAPE) and the counts (E_INVALID_ARG); id ranges are
 * checked natively. Returns the plain shape the addon takes.
 * @internal
 */
export function checkEdgeList(data: EdgeList, name: string): EdgeList {
  if (data === null || typeof data !== 'object') throw new RecforgeError('E_TYPE', `${name} must be an object with users and items arrays`);
  const x = new Interactions(data, name);
  for (const key of ['nUsers', 'nItems'] as const) {
    const v = data[key];
    if (!Number.isSafeInteger(v) || v < 0 || v > 2147483647)
      throw new RecforgeError('E_INVALID_ARG', `${name}.${key} must be an integer in [0, 2147483647], got ${v}`);
  }
  const out: EdgeList = { nUsers: data.nUsers, nItems: data.nItems, users: x.users, items: x.items };
  if (x.weights) out.weights = x.weights;
  if (x.timestamps) out.timestamps = x.timestamps;
  return out;
}
