/**
 * Incremental training of LightGCN-family models: {@link LightGCN.partialFit} adds interactions,
 * grows the tables for new user and item ids and trains a few epochs on the new pairs plus
 * replayed old ones.
 * @module
 */
import { Dataset, IdMap } from './dataset.js';
import { RecforgeError } from './errors.js';
import { runNative, type AsyncOptions } from './job.js';
import type { LightGCN } from './lightgcn.js';
import { intOption, numberOption } from './options.js';
import { Trainer, claim, forgetConfiguration, release, type TrainerOptions } from './trainer.js';

/** Interactions given to {@link LightGCN.partialFit}: two id lists of one length. */
export interface NewInteractions {
  /** User of each interaction: a known or new id (see {@link LightGCN.partialFit}). */
  users: Int32Array | readonly (number | string)[];
  /** Item of each interaction: a known or new id. */
  items: Int32Array | readonly (number | string)[];
}

/** Options of {@link LightGCN.partialFit}; optimizer settings as {@link TrainerOptions}. */
export interface PartialFitOptions extends AsyncOptions,
  Pick<TrainerOptions, 'lr' | 'reg' | 'batchSize' | 'optimizer' | 'matryoshka' | 'threads' | 'seed'> {
  /** Epochs over the new interactions (default 5), an integer in [0, 100000]; 0 only grows the tables. */
  epochs?: number;
  /**
   * Train pairs drawn uniformly from the whole train set (old and new) per new pair, in every
   * epoch (default 1), so the rest of the model keeps fitting its data while the new rows move.
   */
  replay?: number;
}

/** What {@link LightGCN.partialFit} did. */
export interface PartialFitResult {
  /** Users added (rows appended to the user table). */
  newUsers: number;
  /** Items added. */
  newItems: number;
  /** Dense ids of the interactions' users, in input order. */
  users: Int32Array;
  /** Dense ids of the interactions' items. */
  items: Int32Array;
  /** Mean batch loss of each epoch. */
  losses: number[];
}

/** Incremental epochs run per model so far: their plans (and Matryoshka negatives) get new streams. */
const epochsRun = new WeakMap<LightGCN, number>();

/** {@link LightGCN.partialFit}. @internal */
export async function partialFit(model: LightGCN, interactions: NewInteractions, options: PartialFitOptions): Promise<PartialFitResult> {
  if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
  // Growing a clustered table would need a cluster choice for every new row (issue 8's fold-in);
  // refuse rather than silently give new entities private rows outside the memory budget.
  if (model.config.embedding)
    throw new RecforgeError('E_INVALID_ARG', 'partialFit does not support clustered/hashed/frequency embedding tables yet (train a full-table model)');
  const epochs = intOption('epochs', options.epochs, 0, 100000, 5);
  const replay = numberOption('replay', options.replay, 0, 1);
  if (replay > 1e6) throw new RecforgeError('E_INVALID_ARG', `replay must be in [0, 1e6], got ${replay}`);
  const trainer = new Trainer(model, {
    lr: options.lr, reg: options.reg, batchSize: options.batchSize, optimizer: options.optimizer, matryoshka: options.matryoshka,
    threads: options.threads, seed: options.seed,
  });
  if (interactions === null || typeof interactions !== 'object')
    throw new RecforgeError('E_TYPE', 'interactions must be { users, items } id lists');
  const old = model.dataset;
  const users = growIds(interactions.users, 'interactions.users', model.nUsers, model.userIds, 'user');
  const items = growIds(interactions.items, 'interactions.items', model.nItems, model.itemIds, 'item');
  if (users.dense.length !== items.dense.length)
    throw new RecforgeError('E_SHAPE', `interactions.users has ${users.dense.length} ids but interactions.items ${items.dense.length}`);
  if (users.dense.length === 0) throw new RecforgeError('E_EMPTY', 'interactions has no pairs');
  claim(model);
  try {
    const signal = options.signal ? AbortSignal.any([options.signal, model.lifeSignal]) : model.lifeSignal;
    const run = { signal };
    const native = model.native();
    // The train split with the new pairs appended (a memcpy, as the addon copies every input),
    // test / validation kept as they were (their ids stay valid).
    const data = await Dataset.fromArrays({
      nUsers: model.nUsers + users.added.length, nItems: model.nItems + items.added.length,
      train: { users: concat(old.train.users, users.dense), items: concat(old.train.items, items.dense) },
      test: old.test, validation: old.validation,
      userIds: old.userIds && new IdMap([...old.userIds.toExternal, ...users.added]),
      itemIds: old.itemIds && new IdMap([...old.itemIds.toExternal, ...items.added]),
    }, run);
    let adopted = false;
    try {
      const graph = await data.graph(run);
      // The stream key of the new rows: the table size before, different for every growth.
      await runNative(run, (t) => native.grow(graph, model.nUsers + model.nItems, t));
      model.adoptGrown(data);
      adopted = true;
    } finally {
      if (!adopted) data.dispose();
    }
    forgetConfiguration(model);
    const losses: number[] = [];
    if (epochs > 0) await runNative(run, (t) => native.configureTraining({ ...trainer.raw(), device: 'cpu' }, t));
    for (let e = 0; e < epochs; e++) {
      const counter = epochsRun.get(model) ?? 0;
      epochsRun.set(model, counter + 1);
      const onProgress = options.onProgress && ((f: number) => options.onProgress!((e + f) / epochs));
      losses.push(await runNative({ signal, onProgress }, (t, p) => native.trainPairs(users.dense, items.dense, replay, counter, t, p))
        .finally(() => model.markChanged()));
    }
    return { newUsers: users.added.length, newItems: items.added.length, users: users.dense, items: items.dense, losses };
  } finally {
    release(model);
  }
}

/**
 * Dense ids of a list of known or new ids, and the new ones' external names (their dense ids
 * follow the existing `n` in that order). With a map: unknown strings are new; numbers must be
 * known dense ids. Without: numbers (or decimal strings) >= n are new and must fill [n, max].
 */
function growIds(list: unknown, name: string, n: number, map: IdMap | undefined, what: 'user' | 'item'): { dense: Int32Array; added: string[] } {
  if (!(list instanceof Int32Array) && !Array.isArray(list))
    throw new RecforgeError('E_TYPE', `${name} must be an Int32Array or an array of ${what} ids`);
  const dense = new Int32Array(list.length);
  const fresh = new Map<string, number>();
  let top = n - 1;
  for (let j = 0; j < list.length; j++) {
    const x: unknown = list[j];
    let id: number;
    if (typeof x === 'string' && map) {
      id = map.toDense(x) ?? fresh.get(x) ?? n + fresh.size;
      if (id === n + fresh.size) fresh.set(x, id);
    } else if (typeof x === 'number' || typeof x === 'string') {
      id = typeof x === 'number' ? x : /^\d+$/.test(x) ? Number(x) : Number.NaN;
      const limit = map ? n : 2147483646;
      if (!Number.isInteger(id) || id < 0 || id >= limit)
        throw new RecforgeError('E_OUT_OF_RANGE', `${name}[${j}] = ${String(x)} is not ${map ? `a known ${what} id (new ${what}s take new string ids)` : `a valid ${what} id`}`);
      top = Math.max(top, id);
    } else {
      throw new RecforgeError('E_TYPE', `${name}[${j}] must be a ${what} id (number or string), got ${x === null ? 'null' : typeof x}`);
    }
    dense[j] = id;
  }
  if (map) return { dense, added: [...fresh.keys()] };
  const seen = new Uint8Array(Math.max(0, top - n + 1));
  for (const id of dense) if (id >= n) seen[id - n] = 1;
  const gap = seen.indexOf(0);
  if (gap >= 0)
    throw new RecforgeError('E_OUT_OF_RANGE', `${name}: new ${what} ids must continue from ${n} without gaps, but ${n + gap} is missing (largest ${top})`);
  return { dense, added: Array.from({ length: seen.length }, (_, k) => String(n + k)) };
}

/** a followed by b. */
function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
