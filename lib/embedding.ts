/**
 * Embedding tables of LightGCN-family models: the plain table, or a clustered one where entities
 * share rows (CEL, Chen et al. WWW 2023, and its equal-memory baselines). See docs/cel.md.
 *
 * ```ts
 * // Items share 1/100 as many rows as there are items; clusters grow by gradient splits.
 * const model = await MF.create(dataset, { embedding: { kind: 'clustered', ratio: 100 } });
 * ```
 *
 * Such models save, load, recommend and train from checkpoints like plain ones (a resumed run is
 * bit-identical to an uninterrupted one); {@link LightGCN.foldInUser} places a new user in a
 * cluster of a shared user table (see {@link FoldInOptions.assign}).
 * @module
 */
import { RecforgeError } from './errors.js';
import type { RawEmbedding, RawEmbeddingSide } from './native.js';
import { boolOption, choiceOption, intOption, numberOption } from './options.js';

/** Kinds of embedding table. */
export type EmbeddingKind = 'full' | 'clustered' | 'hashed' | 'frequency';

/** The `embedding` option of a LightGCN-family model. */
export interface EmbeddingTableOptions {
  /**
   * `'full'` (one row per entity, default), `'clustered'` (CEL: start from one shared row, split
   * clusters along the leading principal direction of their members' gradients up to the budget,
   * move entities to the cluster with the lowest loss on their own interactions), `'hashed'`
   * (the hashing trick: a fixed seeded row per entity) or `'frequency'` (the most interacted
   * entities keep own rows, the rest share one).
   */
  kind: EmbeddingKind;
  /** Budget as a row count in [1, entities] (one of clusters / ratio for every kind but `'full'`). */
  clusters?: number;
  /** Budget as a compression ratio >= 1: rows = max(1, floor(entities / ratio)). */
  ratio?: number;
  /** Which tables share rows: `'items'` (default), `'users'` or `'both'` (the same budget rule for each). */
  tables?: 'items' | 'users' | 'both';
  /** Add a per-entity residual (e_i = W[a(i)] + δ_i, L2 towards zero): needs a full table's memory again. */
  residual?: boolean;
  /** CEL: cluster steps between training steps (default true) or once after each epoch (false). */
  online?: boolean;
  /** CEL: training steps between split rounds (default 10; splits stop when the budget is used). */
  splitEvery?: number;
  /** CEL: training steps between reassignment rounds (default 50; 0 = never). */
  reassignEvery?: number;
  /** CEL: clusters a reassignment compares per entity, its own included (default 8). */
  candidates?: number;
  /**
   * CEL: share of the row budget in [0, 1] given to the most interacted entities as pinned own
   * rows (floor(hot x rows), at most rows - 1); the rest start in one shared row that splits and
   * reassignment refine (default 0: the paper's top-down start from one cluster).
   */
  hot?: number;
  /** CEL: relative loss drop in [0, 1) a reassignment move needs (default 0: any improvement). */
  reassignMinGain?: number;
  /** CEL: stop reassigning after this many epochs (default 0: never stop). */
  reassignEpochs?: number;
  /**
   * A per-entity scalar score offset on the shared side (MF-BPR only, one shared side): the last
   * coordinate of its rows is the entity's own bias and the other side's last coordinate is held
   * at 1, so members of a cluster no longer score identically. Costs 4 bytes per entity.
   */
  bias?: boolean;
  /**
   * Rank a member of a shared item row at the row's score minus log(members of the row): the
   * row's score stands for the whole group, so its preference is split evenly among the members
   * (default false: every member gets the row's score). Applies to every full-width ranking of
   * the model (evaluation during fit, recommend, recommendSync, fold-in, and
   * {@link LightGCN.rankingEmbeddings}); needs shared item rows; LightGCN / MF only. Without it
   * the members of a row that fits a user tie and can fill the whole list (docs/cel.md).
   * Measured: it helped MF-BPR only at an L2 weight where the full model was below popularity;
   * well regularized it changes little (docs/cel.md).
   */
  splitScores?: boolean;
}

/** {@link EmbeddingTableOptions} as validated and stored in the model's config. */
export interface ResolvedEmbedding {
  /** The kind of the shared tables. */
  readonly kind: EmbeddingKind;
  /** Row budget given as a count. */
  readonly clusters?: number;
  /** Row budget given as a compression ratio. */
  readonly ratio?: number;
  /** Which tables share rows. */
  readonly tables: 'items' | 'users' | 'both';
  /** Per-entity residuals. */
  readonly residual: boolean;
  /** CEL schedule: online cluster steps. */
  readonly online: boolean;
  /** CEL schedule: steps between split rounds. */
  readonly splitEvery: number;
  /** CEL schedule: steps between reassignment rounds. */
  readonly reassignEvery: number;
  /** CEL schedule: reassignment candidates. */
  readonly candidates: number;
  /** CEL: pinned share of the rows for the most interacted entities. */
  readonly hot: number;
  /** CEL schedule: reassignment damping. */
  readonly reassignMinGain: number;
  /** CEL schedule: epochs with reassignment (0: all). */
  readonly reassignEpochs: number;
  /** Per-entity score offset on the shared side. */
  readonly bias?: boolean;
  /** Members of a shared item row ranked at the row's score minus log(members). */
  readonly splitScores?: boolean;
}

/** One side's table as the model holds it (see {@link LightGCN.clusters}). */
export interface ClusterTable {
  /** The kind of table. */
  kind: EmbeddingKind;
  /** Rows of the cluster table (the budget). */
  capacity: number;
  /** Rows with at least one member. */
  used: number;
  /** Bytes of the model state for this side: rows, residuals and (when not implicit) the assignment. */
  stateBytes: number;
  /** Cluster of each entity. */
  assign: Int32Array;
  /** The cluster table, capacity x dim, row-major. */
  centers: Float32Array;
  /** Per-entity residuals, entities x dim (when enabled). */
  residual?: Float32Array;
  /** Per-entity score offsets, entities values (when enabled). */
  bias?: Float32Array;
}

/** The clustered tables of a model and what the cluster steps did. */
export interface ModelClusters {
  /** The user table. */
  users: ClusterTable;
  /** The item table. */
  items: ClusterTable;
  /** What the cluster steps did since training was configured. */
  counters: ClusterCounters;
}

/** Counts of CEL's cluster steps. */
export interface ClusterCounters {
  /** Clusters split. */
  splits: number;
  /** Split rounds run. */
  splitRounds: number;
  /** Entities moved by reassignment. */
  moves: number;
  /** Reassignment rounds run. */
  reassignRounds: number;
}

/**
 * Validates the `embedding` option (E_INVALID_ARG naming the field; the budget against the
 * entity counts is checked natively). Undefined or kind `'full'` gives undefined.
 * @internal
 */
export function resolveEmbedding(o: EmbeddingTableOptions | undefined): ResolvedEmbedding | undefined {
  if (o === undefined) return undefined;
  if (o === null || typeof o !== 'object') throw new RecforgeError('E_TYPE', 'embedding must be an object');
  const kind = choiceOption('embedding.kind', o.kind, ['full', 'clustered', 'hashed', 'frequency'] as const, 'full');
  if (kind === 'full') {
    if (o.clusters !== undefined || o.ratio !== undefined || o.residual)
      throw new RecforgeError('E_INVALID_ARG', "embedding kind 'full' takes no clusters, ratio or residual");
    return undefined;
  }
  if ((o.clusters === undefined) === (o.ratio === undefined))
    throw new RecforgeError('E_INVALID_ARG', `embedding kind '${kind}' needs exactly one of clusters and ratio`);
  const out: ResolvedEmbedding = {
    kind,
    tables: choiceOption('embedding.tables', o.tables, ['items', 'users', 'both'] as const, 'items'),
    residual: boolOption('embedding.residual', o.residual, false),
    online: boolOption('embedding.online', o.online, true),
    splitEvery: intOption('embedding.splitEvery', o.splitEvery, 0, 2147483647, 10),
    reassignEvery: intOption('embedding.reassignEvery', o.reassignEvery, 0, 2147483647, 50),
    candidates: intOption('embedding.candidates', o.candidates, 1, 65536, 8),
    hot: numberOption('embedding.hot', o.hot, 0, 0),
    reassignMinGain: numberOption('embedding.reassignMinGain', o.reassignMinGain, 0, 0),
    reassignEpochs: intOption('embedding.reassignEpochs', o.reassignEpochs, 0, 2147483647, 0),
    ...(o.bias ? { bias: boolOption('embedding.bias', o.bias, false) } : {}),
    ...(o.splitScores ? { splitScores: boolOption('embedding.splitScores', o.splitScores, false) } : {}),
    ...(o.clusters !== undefined ? { clusters: intOption('embedding.clusters', o.clusters, 1, 2147483647, NaN) } : {}),
    ...(o.ratio !== undefined ? { ratio: numberOption('embedding.ratio', o.ratio, 1, NaN) } : {}),
  };
  if (out.hot > 1) throw new RecforgeError('E_INVALID_ARG', `embedding.hot must be in [0, 1], got ${out.hot}`);
  if (out.hot > 0 && kind !== 'clustered') throw new RecforgeError('E_INVALID_ARG', "embedding.hot applies to kind 'clustered' only");
  if (out.splitScores && out.tables === 'users')
    throw new RecforgeError('E_INVALID_ARG', "embedding.splitScores needs shared item rows (tables 'items' or 'both')");
  if (out.reassignMinGain >= 1)
    throw new RecforgeError('E_INVALID_ARG', `embedding.reassignMinGain must be in [0, 1), got ${out.reassignMinGain}`);
  return Object.freeze(out);
}

/** The native form: per side kind and budget, plus the CEL schedule. @internal */
export function rawEmbedding(e: ResolvedEmbedding): RawEmbedding {
  const side: RawEmbeddingSide = { kind: e.kind, residual: e.residual };
  if (e.kind === 'clustered' && e.hot > 0) side.hot = e.hot;
  if (e.bias) side.bias = true;
  if (e.clusters !== undefined) side.clusters = e.clusters;
  if (e.ratio !== undefined) side.ratio = e.ratio;
  const full: RawEmbeddingSide = { kind: 'full' };
  return {
    users: e.tables === 'items' ? full : side, items: e.tables === 'users' ? full : side,
    online: e.online, splitEvery: e.splitEvery, reassignEvery: e.reassignEvery, candidates: e.candidates,
    reassignMinGain: e.reassignMinGain ?? 0, reassignEpochs: e.reassignEpochs ?? 0,
  };
}

/**
 * The per-item score offsets of `splitScores`: -log(members of the item's row), 0 for an item
 * alone in its row. @internal
 */
export function memberScoreOffsets(items: ClusterTable): Float32Array {
  const members = new Int32Array(items.capacity);
  for (const a of items.assign) members[a]++;
  const offset = new Float32Array(items.assign.length);
  for (let i = 0; i < offset.length; i++) offset[i] = -Math.log(members[items.assign[i]]);
  return offset;
}
