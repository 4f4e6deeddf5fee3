/**
 * A dataset: train interactions (and optionally test and validation) over one user/item id space,
 * with the native sparse structures built once and shared by evaluators and models.
 * @module
 */
import { RecforgeError } from './errors.js';
import { Interactions, type InteractionArrays } from './interactions.js';
import { runNative, type AsyncOptions } from './job.js';
import { addon, type NativeCsr, type NativeGraph } from './native.js';

/** Names of the interaction sets a Dataset may hold. */
export type SplitName = 'train' | 'test' | 'validation';

/** Maps between external (string) ids and dense ids. `toExternal[denseId]` is the original id. */
export class IdMap {
  /** External id of each dense id. */
  readonly toExternal: readonly string[];
  #index?: Map<string, number>;

  /** @param external - external id of each dense id, in dense-id order */
  constructor(external: readonly string[]) {
    this.toExternal = external;
  }

  /** Number of ids. */
  get size(): number {
    return this.toExternal.length;
  }

  /** Dense id of an external id, or undefined. */
  toDense(id: string): number | undefined {
    if (!this.#index) this.#index = new Map(this.toExternal.map((s, k) => [s, k]));
    return this.#index.get(id);
  }

  /** Plain JSON form (`string[]` in dense-id order). */
  toJSON(): string[] {
    return [...this.toExternal];
  }
}

/** Input to {@link Dataset.fromArrays}. */
export interface DatasetArrays {
  /** Number of users; default: largest user id in any split + 1. */
  nUsers?: number;
  /** Number of items; default: largest item id in any split + 1. */
  nItems?: number;
  /** Training interactions (required). */
  train: InteractionArrays;
  /** Held-out interactions used as ground truth by the evaluator. */
  test?: InteractionArrays;
  /** Validation interactions, masked when evaluating on test. */
  validation?: InteractionArrays;
  /** External ids of users, when ids were mapped from strings. */
  userIds?: IdMap;
  /** External ids of items, when ids were mapped from strings. */
  itemIds?: IdMap;
}

/** Summary of a distribution of degrees. */
export interface DegreeSummary {
  /** Smallest degree. */
  min: number;
  /** Median degree (mean of the two middle values for an even count). */
  median: number;
  /** Mean degree. */
  mean: number;
  /** Largest degree. */
  max: number;
}

/** What `recforge stats` prints. */
export interface DatasetStats {
  /** Number of users. */
  users: number;
  /** Number of items. */
  items: number;
  /** Distinct train (user, item) pairs. */
  train: number;
  /** Distinct test pairs. */
  test: number;
  /** Distinct validation pairs. */
  validation: number;
  /** (train + test + validation) / (users × items). */
  density: number;
  /** Train interactions per user. */
  userDegree: DegreeSummary;
  /** Train interactions per item. */
  itemDegree: DegreeSummary;
}

/**
 * Interactions over one id space. Create with {@link Dataset.fromArrays} or `Dataset.load`.
 * Duplicate pairs collapse in the native matrices. Call {@link Dataset.dispose} to free native
 * memory early (it is also freed when the object is garbage-collected).
 */
export class Dataset {
  /** Number of users (rows of the user embedding table). */
  readonly nUsers: number;
  /** Number of items. */
  readonly nItems: number;
  /** Training interactions. */
  readonly train: Interactions;
  /** Test interactions (ground truth for evaluation), if any. */
  readonly test?: Interactions;
  /** Validation interactions, if any. */
  readonly validation?: Interactions;
  /** External user ids, when the source used string ids. */
  readonly userIds?: IdMap;
  /** External item ids, when the source used string ids. */
  readonly itemIds?: IdMap;

  #matrices: Partial<Record<SplitName, NativeCsr>>;
  #graph?: Promise<NativeGraph>;
  #disposed = false;

  private constructor(init: {
    nUsers: number; nItems: number; sets: Partial<Record<SplitName, Interactions>>;
    matrices: Partial<Record<SplitName, NativeCsr>>; userIds?: IdMap; itemIds?: IdMap;
  }) {
    this.nUsers = init.nUsers;
    this.nItems = init.nItems;
    this.train = init.sets.train!;
    if (init.sets.test) this.test = init.sets.test;
    if (init.sets.validation) this.validation = init.sets.validation;
    if (init.userIds) this.userIds = init.userIds;
    if (init.itemIds) this.itemIds = init.itemIds;
    this.#matrices = init.matrices;
  }

  /**
   * Builds a Dataset from typed arrays (used as-is, not copied). Id ranges are validated off the
   * event loop.
   * @throws RecforgeError E_TYPE / E_SHAPE for wrong array types or lengths, E_OUT_OF_RANGE for
   *   ids outside [0, nUsers) / [0, nItems), E_EMPTY when train has no interactions.
   */
  static async fromArrays(arrays: DatasetArrays, options: AsyncOptions = {}): Promise<Dataset> {
    if (arrays === null || typeof arrays !== 'object') throw new RecforgeError('E_TYPE', 'fromArrays expects an object with a train field');
    const sets: Partial<Record<SplitName, Interactions>> = { train: new Interactions(arrays.train, 'train') };
    if (arrays.test) sets.test = new Interactions(arrays.test, 'test');
    if (arrays.validation) sets.validation = new Interactions(arrays.validation, 'validation');
    if (sets.train!.size === 0) throw new RecforgeError('E_EMPTY', 'train has no interactions');
    for (const key of ['nUsers', 'nItems'] as const) {
      const v = arrays[key];
      if (v !== undefined && (!Number.isSafeInteger(v) || v < 0 || v > 2147483646))
        throw new RecforgeError('E_INVALID_ARG', `${key} must be an integer in [0, 2147483646], got ${v}`);
    }
    const native = addon();
    // Infer counts natively across all splits (the id scan is O(nnz), so it runs on a worker).
    let nUsers = arrays.nUsers ?? -1;
    let nItems = arrays.nItems ?? -1;
    const names = Object.keys(sets) as SplitName[];
    if (nUsers < 0 || nItems < 0) {
      for (const name of names) {
        const probe = await runNative(options, (t) => native.buildCsr(sets[name]!.users, sets[name]!.items, -1, -1, t));
        nUsers = Math.max(nUsers, arrays.nUsers ?? probe.rows);
        nItems = Math.max(nItems, arrays.nItems ?? probe.cols);
        probe.dispose();
      }
    }
    const matrices: Partial<Record<SplitName, NativeCsr>> = {};
    for (const name of names) {
      const s = sets[name]!;
      matrices[name] = await runNative(options, (t) => native.buildCsr(s.users, s.items, nUsers, nItems, t)).catch((e) => {
        throw new RecforgeError(e.code, `${name}: ${e.message}`, { cause: e });
      });
    }
    return new Dataset({ nUsers, nItems, sets, matrices, userIds: arrays.userIds, itemIds: arrays.itemIds });
  }

  /** The native user → items matrix of a split (duplicates collapsed). @internal */
  matrix(name: SplitName): NativeCsr | undefined {
    this.#checkAlive();
    return this.#matrices[name];
  }

  /** The normalized bipartite train graph, built on first use and cached. @internal */
  graph(options: AsyncOptions = {}): Promise<NativeGraph> {
    this.#checkAlive();
    if (!this.#graph) {
      const t = this.train;
      this.#graph = runNative(options, (tok) => addon().buildGraph(t.users, t.items, this.nUsers, this.nItems, tok));
      this.#graph.catch(() => (this.#graph = undefined));
    }
    return this.#graph;
  }

  /** Counts, density and degree summaries (train degrees, duplicates collapsed). */
  async stats(options: AsyncOptions = {}): Promise<DatasetStats> {
    this.#checkAlive();
    const graph = await this.graph(options);
    const count = (n: SplitName) => this.#matrices[n]?.nnz ?? 0;
    const total = count('train') + count('test') + count('validation');
    return {
      users: this.nUsers,
      items: this.nItems,
      train: count('train'),
      test: count('test'),
      validation: count('validation'),
      density: this.nUsers > 0 && this.nItems > 0 ? total / (this.nUsers * this.nItems) : 0,
      userDegree: summarize(graph.degrees('users')),
      itemDegree: summarize(graph.degrees('items')),
    };
  }

  /** True after {@link Dataset.dispose}. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** Frees native memory now. Running jobs keep what they use until they finish. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const m of Object.values(this.#matrices)) m?.dispose();
    this.#graph?.then((g) => g.dispose(), () => undefined);
  }

  #checkAlive(): void {
    if (this.#disposed) throw new RecforgeError('E_DISPOSED', 'Dataset was disposed');
  }
}

function summarize(deg: Int32Array): DegreeSummary {
  if (deg.length === 0) return { min: 0, median: 0, mean: 0, max: 0 };
  const sorted = deg.slice().sort();
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  let sum = 0;
  for (const d of sorted) sum += d;
  return { min: sorted[0], median, mean: sum / sorted.length, max: sorted[sorted.length - 1] };
}
