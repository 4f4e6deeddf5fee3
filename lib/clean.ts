/**
 * Cleaning an edge list: duplicate removal, minimum-count (k-core) filtering, re-indexing.
 * @module
 */
import { IdMap } from './dataset.js';
import { checkEdgeList, type EdgeList } from './edge-list.js';
import { RecforgeError } from './errors.js';
import { runNative, type AsyncOptions } from './job.js';
import { addon } from './native.js';

/** What {@link cleanInteractions} does. */
export interface CleanOptions {
  /** Drop repeated (user, item) pairs, keeping the first occurrence with its weight/timestamp (default true). */
  dedup?: boolean;
  /** Drop users with fewer interactions (default 0: no filter). */
  minUserInteractions?: number;
  /** Drop items with fewer interactions (default 0: no filter). */
  minItemInteractions?: number;
  /** Repeat the filter until every user and item meets its minimum (the k-core; default false: one pass). */
  iterate?: boolean;
  /** Renumber the users/items that keep an edge to 0..n-1, in their old order (default false). */
  reindex?: boolean;
}

/** The cleaned edges and what was removed. */
export interface CleanReport {
  /** Cleaned edges (id maps carried over, and remapped when re-indexed). */
  data: EdgeList;
  /** Repeated (user, item) pairs removed. */
  duplicatesRemoved: number;
  /** Interactions removed by the min-count filter. */
  interactionsDropped: number;
  /** Users/items that had interactions before filtering and none after. */
  usersDropped: number;
  /** Items that had interactions before filtering and none after. */
  itemsDropped: number;
  /** Filter passes that removed something. */
  rounds: number;
  /** With `reindex`: new id -> old id, and old id -> new id (-1 when gone). */
  userNewToOld?: Int32Array;
  /** With `reindex`: new item id -> old item id. */
  itemNewToOld?: Int32Array;
  /** With `reindex`: old user id -> new user id (-1 when gone). */
  userOldToNew?: Int32Array;
  /** With `reindex`: old item id -> new item id (-1 when gone). */
  itemOldToNew?: Int32Array;
}

/**
 * Cleans an edge list off the event loop.
 * @throws RecforgeError E_TYPE / E_SHAPE / E_OUT_OF_RANGE for bad input, E_INVALID_ARG for bad options.
 */
export async function cleanInteractions(data: EdgeList, options: CleanOptions = {}, run: AsyncOptions = {}): Promise<CleanReport> {
  const input = checkEdgeList(data, 'data');
  if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
  const raw = await runNative(run, (t, p) => addon().cleanInteractions(input, options, t, p));
  const cleaned: EdgeList = { ...raw.data };
  const remap = (ids: IdMap | undefined, newToOld: Int32Array | undefined) =>
    ids && (newToOld ? new IdMap(Array.from(newToOld, (old) => ids.toExternal[old])) : ids);
  const userIds = remap(data.userIds, raw.userNewToOld);
  const itemIds = remap(data.itemIds, raw.itemNewToOld);
  if (userIds) cleaned.userIds = userIds;
  if (itemIds) cleaned.itemIds = itemIds;
  return { ...raw, data: cleaned };
}
