/**
 * Seeded train/test/validation splits of an edge list (computed natively off the event loop).
 * @module
 */
import { checkEdgeList, type EdgeList } from './edge-list.js';
import { RecforgeError } from './errors.js';
import { runNative, type AsyncOptions } from './job.js';
import { addon, type RawEdges } from './native.js';

/**
 * - `random`: per user, a random `ratio` of the user's interactions is held out.
 * - `leave-k-out`: per user, `k` interactions are held out (random, or the latest; see `pick`).
 * - `chrono`: per user, the latest `ratio` of the user's interactions (needs timestamps).
 * - `temporal`: every interaction at or after a cut time is held out (needs timestamps).
 */
export type SplitMethod = 'random' | 'leave-k-out' | 'chrono' | 'temporal';

/** How one held-out part is chosen. */
export interface SplitOptions {
  /** Default `random`. */
  method?: SplitMethod;
  /**
   * Held-out fraction in [0, 1) (default 0.2). Per user, ceil(n × ratio) interactions are held
   * out, but a user always keeps at least one in train (a single interaction stays in train).
   * For `temporal`, the overall fraction: the cut is the (1 − ratio) timestamp quantile.
   */
  ratio?: number;
  /** `leave-k-out`: interactions held out per user (default 1; at most n − 1). */
  k?: number;
  /** `leave-k-out`: `latest` needs timestamps; `auto` (default) uses them when present. */
  pick?: 'auto' | 'random' | 'latest';
  /** `temporal`: explicit cut; timestamps >= cutTime are held out (overrides `ratio`). */
  cutTime?: number;
  /** Random seed, an integer in [0, 2^31 − 1] (default 0). Same seed, same split, any thread count. */
  seed?: number;
  /** Worker threads (default: all cores); never changes the result. */
  threads?: number;
}

/** Options of {@link splitInteractions}: the test split, plus an optional validation split. */
export interface TrainTestOptions extends SplitOptions {
  /** Carves a validation part out of the train part (its random draws are independent of the test split's). */
  validation?: SplitOptions;
}

/** Parts of a split; all keep the input's nUsers/nItems, id maps, edge order and columns. */
export interface SplitParts {
  /** Training edges. */
  train: EdgeList;
  /** Held-out test edges. */
  test: EdgeList;
  /** Held-out validation edges, when asked for. */
  validation?: EdgeList;
  /** `temporal`: the cut time used. */
  cutTime?: number;
}

const METHODS: readonly SplitMethod[] = ['random', 'leave-k-out', 'chrono', 'temporal'];

function checkSplitOptions<T extends SplitOptions>(o: T | undefined, name: string): T {
  if (o === undefined) return {} as T;
  if (o === null || typeof o !== 'object') throw new RecforgeError('E_TYPE', `${name} must be an object`);
  if (o.method !== undefined && !METHODS.includes(o.method))
    throw new RecforgeError('E_INVALID_ARG', `${name}.method must be one of ${METHODS.join(', ')}, got ${String(o.method)}`);
  return o;
}

/**
 * Splits an edge list into train/test (and validation).
 * @throws RecforgeError E_TYPE / E_SHAPE for bad arrays, E_INVALID_ARG for bad options or a
 *   time-based method without timestamps, E_OUT_OF_RANGE for ids outside the counts, E_EMPTY
 *   for no interactions.
 */
export async function splitInteractions(data: EdgeList, options: TrainTestOptions = {}, run: AsyncOptions = {}): Promise<SplitParts> {
  const input = checkEdgeList(data, 'data');
  const { validation, ...test } = checkSplitOptions(options, 'options');
  const val = validation === undefined ? undefined : checkSplitOptions(validation, 'options.validation');
  const raw = await runNative(run, (t, p) => addon().splitInteractions(input, test, val, t, p));
  const withIds = (e: RawEdges): EdgeList => ({ ...e, ...(data.userIds && { userIds: data.userIds }), ...(data.itemIds && { itemIds: data.itemIds }) });
  const out: SplitParts = { train: withIds(raw.train), test: withIds(raw.test) };
  if (raw.validation) out.validation = withIds(raw.validation);
  if (raw.cutTime !== undefined) out.cutTime = raw.cutTime;
  return out;
}
