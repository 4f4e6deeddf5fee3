/**
 * Nearest neighbours within one embedding table, `similarItems` / `similarUsers` of every model
 * ({@link LightGCN}, {@link MF}, {@link Matryoshka}, {@link Interact2Vec}): one code path, the
 * native `similar` job over rf::similarRows, off the event loop.
 *
 * Similarity is the cosine of the two vectors by default: what "items like this one" usually
 * means, and unlike the inner product it does not favour long (typically popular) vectors, so an
 * item's own neighbours are not just the catalogue's best sellers. `metric: 'dot'` ranks by the
 * inner product instead (the model's own score between two rows of one table).
 * @module
 */
import type { IdMap } from './dataset.js';
import { RecforgeError } from './errors.js';
import { denseId, denseIdList } from './dense-id.js';
import { runNative, type AsyncOptions } from './job.js';
import type { NativeCancelToken, ProgressFn } from './native.js';
import { choiceOption, intOption } from './options.js';
import { prefixDim } from './prefix.js';

/** Options of `similarItems` and `similarUsers`. */
export interface SimilarOptions extends AsyncOptions {
  /** Number of neighbours (default 10). */
  k?: number;
  /**
   * Compare the first `dim` coordinates only (an integer in [1, model dim]; default: all): a
   * nested-dimension ({@link Matryoshka}) model's neighbours at a smaller size.
   */
  dim?: number;
  /** `'cosine'` (default) or `'dot'` (inner product) of the two vectors. */
  metric?: 'cosine' | 'dot';
  /**
   * Ids never returned (on top of the query itself): dense ids, or external ids when the data had
   * string ids; an Int32Array or an array.
   */
  exclude?: Int32Array | readonly (number | string)[];
}

/** Nearest neighbours of one item among items, or of one user among users. */
export interface Neighbours {
  /** The query (dense id). */
  query: number;
  /** Dense ids of the neighbours, most similar first (the query itself is never listed). */
  ids: Int32Array;
  /** Similarity of each neighbour (cosine, or inner product with `metric: 'dot'`). */
  scores: Float32Array;
  /** External ids of the neighbours, when the data had string ids. */
  externalIds?: string[];
}

/** The native entry point shared by every model (see native/addon/similar.cpp). @internal */
export type NativeSimilar = (side: 'users' | 'items', queries: Int32Array, k: number, dim: number, cosine: boolean,
  deny: Int32Array | undefined, threads: number, cancel?: NativeCancelToken, progress?: ProgressFn) =>
  Promise<{ items: Int32Array; scores: Float32Array }>;

/** What a model hands to {@link similarNeighbours}. @internal */
export interface SimilarSource {
  /** Rows of the user and item tables. */
  nUsers: number;
  nItems: number;
  /** Embedding width. */
  dim: number;
  /** External ids, when the data had string ids. */
  userIds?: IdMap;
  itemIds?: IdMap;
  threads: number;
  /** Makes the tables the native job reads current (a LightGCN model's final embeddings). */
  prepare?: (run: AsyncOptions) => Promise<unknown>;
  similar: NativeSimilar;
}

/**
 * The k rows of `side` most similar to `id` (a dense id, or an external id when the data had
 * string ids), the query itself left out.
 * @throws RecforgeError E_OUT_OF_RANGE for an unknown id (query or exclude), E_INVALID_ARG for a
 *   bad k, dim or metric, E_TYPE for options or exclude of the wrong type.
 * @internal
 */
export async function similarNeighbours(source: SimilarSource, side: 'user' | 'item', id: number | string,
  options: SimilarOptions): Promise<Neighbours> {
  if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
  const [n, map] = side === 'user' ? [source.nUsers, source.userIds] : [source.nItems, source.itemIds];
  const query = denseId(id, n, map, side);
  const k = intOption('k', options.k, 1, 2147483647, 10);
  const dim = prefixDim(options.dim, source.dim);
  const metric = choiceOption('metric', options.metric, ['cosine', 'dot'] as const, 'cosine');
  const deny = options.exclude === undefined || options.exclude === null
    ? undefined : denseIdList(options.exclude, 'exclude', n, map, side);
  const run: AsyncOptions = { signal: options.signal, onProgress: options.onProgress };
  await source.prepare?.(run);
  const r = await runNative(run, (t, p) =>
    source.similar(side === 'user' ? 'users' : 'items', Int32Array.of(query), k, dim, metric === 'cosine', deny, source.threads, t, p));
  let len = 0;
  while (len < r.items.length && r.items[len] >= 0) len++;
  const out: Neighbours = { query, ids: r.items.slice(0, len), scores: r.scores.slice(0, len) };
  if (map) out.externalIds = Array.from(out.ids, (i) => map.toExternal[i]);
  return out;
}
