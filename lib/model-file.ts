/**
 * Model files: a trained {@link LightGCN} / {@link MF} / {@link Matryoshka} or
 * {@link Interact2Vec} with its configuration, id maps, training history and the train
 * interactions (to exclude seen items), as one safetensors file that Python reads with
 * `safetensors.numpy.load_file`. docs/model-format.md documents the layout.
 *
 * Every family shares the header, the final `user_embedding` / `item_embedding` tables, the train
 * CSR, the ids, the history and the checksum; what differs (LightGCN's layer-0 table, each
 * family's config) is written, checked and rebuilt by one small function per family below.
 *
 * Checkpoints are LightGCN model files with the optimizer state added (see trainer.ts), so a
 * checkpoint can also be loaded as a model.
 * @module
 */
import { webcrypto } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Dataset } from './dataset.js';
import { IdMap } from './dataset.js';
import { RecforgeError, isRecforgeError } from './errors.js';
import type { Device } from './backends.js';
import { resolveEmbedding, type EmbeddingTableOptions, type ModelClusters, type ResolvedEmbedding } from './embedding.js';
import { Interact2Vec, resolveInteract2VecOptions, type Interact2VecConfig, type Interact2VecOptions, type Interact2VecTraining } from './interact2vec.js';
import { runNative, type AsyncOptions } from './job.js';
import { LightGCN, buildParts, type LightGCNConfig } from './lightgcn.js';
import { Matryoshka, validateLevels } from './matryoshka.js';
import type { EpochEvent } from './model.js';
import type { RawCelCounters, RawLightGcnState } from './native.js';
import { intOption } from './options.js';
import { parseSafetensors, serializeSafetensors, writeFileAtomic, type SafetensorsContent } from './safetensors.js';
import { Tensor } from './tensor.js';

/** Value of the `format` metadata key of every recforge model file. */
export const MODEL_FORMAT = 'recforge.model';
/** Current version of the layout; readers refuse newer versions. */
export const MODEL_FORMAT_VERSION = 1;

/**
 * A model that model files hold: a {@link LightGCN} (also {@link MF} and {@link Matryoshka}) or
 * an {@link Interact2Vec}. Tell them apart by `kind` (`'interact2vec'` or a LightGCN kind) or
 * `instanceof`.
 */
export type SavedModel = LightGCN | Interact2Vec;

/** The two families of model files: `'lightgcn'` (LightGCN, MF and Matryoshka files) and `'interact2vec'`. */
export type ModelFamily = 'lightgcn' | 'interact2vec';

/** Options of {@link saveModel}. */
export interface SaveModelOptions extends AsyncOptions {
  /** Training history to store (default: the model's own `history`). */
  history?: readonly EpochEvent[];
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions extends AsyncOptions {
  /** Worker threads of the loaded model (default 0 = all cores). */
  threads?: number;
  /**
   * Where a loaded LightGCN / MF model trains when training continues (default `'auto'`: CUDA
   * when available); Matryoshka and Interact2Vec models train on CPU only.
   */
  device?: Device;
  /**
   * The family the file must hold; a file of the other family is refused with E_TYPE. Giving it
   * also types the result ({@link LightGCN} or {@link Interact2Vec}).
   */
  family?: ModelFamily;
}

/** What extra a checkpoint stores on top of a model file. @internal */
export interface ModelFileExtras {
  /** Include the Adam moments (tensors `adam_m`, `adam_v`). */
  optimizer?: boolean;
  /** Extra string metadata (e.g. the trainer state as JSON). */
  metadata?: Record<string, string>;
}

/** What every parsed model file holds, whatever the family. @internal */
interface ParsedCommon {
  history: EpochEvent[];
  userIds?: IdMap;
  itemIds?: IdMap;
  trainIndptr: Int32Array;
  trainIndices: Int32Array;
  metadata: Record<string, string>;
}

/** A parsed and validated LightGCN / MF / Matryoshka file (or checkpoint). @internal */
export interface ParsedLightGcn extends ParsedCommon {
  family: 'lightgcn';
  config: LightGCNConfig;
  state: RawLightGcnState;
  /** Clustered embedding tables (models created with an `embedding` option). */
  clusters?: Record<'users' | 'items', ClusterTensors>;
  /** Checkpoints of clustered runs: the CEL trainer's state (metadata `cel_counters` present). */
  celTrainer?: CelTrainerTensors;
}

/** One side's clustered table as stored. @internal */
export interface ClusterTensors {
  assign: Int32Array;
  centers: Float32Array;
  residual?: Float32Array;
  bias?: Float32Array;
}

const CEL_SIDES = ['users', 'items'] as const;

/** What a checkpoint stores of a side's CEL training state: state key, tensor name suffix, shape. */
function celTrainerParts(capacity: number, entities: number, dim: number): [CelTrainerKey, string, number[]][] {
  return [
    ['m', 'adam_m', [capacity, dim]], ['v', 'adam_v', [capacity, dim]],
    ['mr', 'residual_adam_m', [entities, dim]], ['vr', 'residual_adam_v', [entities, dim]],
    ['mb', 'bias_adam_m', [entities]], ['vb', 'bias_adam_v', [entities]],
    ['window', 'window', [entities, dim]],
  ];
}

type CelTrainerKey = 'm' | 'v' | 'mr' | 'vr' | 'mb' | 'vb' | 'window';

/** A checkpoint's CEL training state (see {@link celTrainerParts}). @internal */
export interface CelTrainerTensors {
  counters: RawCelCounters;
  users: Partial<Record<CelTrainerKey, Float32Array>>;
  items: Partial<Record<CelTrainerKey, Float32Array>>;
}

/** True when `side` shares rows under `e` (the other side of a clustered model is a full table). */
function sideClustered(e: ResolvedEmbedding, side: 'users' | 'items'): boolean {
  return e.tables === 'both' || e.tables === side;
}

/** Rows of a side's cluster table: the native rule of docs/cel.md (count, or floor(n / ratio), at least 1). */
function clusterCapacity(e: ResolvedEmbedding, entities: number): number {
  return e.clusters ?? Math.max(1, Math.floor(entities / e.ratio!));
}

/** A parsed and validated Interact2Vec file. @internal */
export interface ParsedInteract2Vec extends ParsedCommon {
  family: 'interact2vec';
  config: Interact2VecConfig & Interact2VecTraining;
  tables: { users: Float32Array; items: Float32Array };
  /** Clustered embedding tables (models created with an `embedding` option). */
  clusters?: Record<'users' | 'items', ClusterTensors>;
}

/** A parsed and validated model file. @internal */
export type ParsedModel = ParsedLightGcn | ParsedInteract2Vec;

/**
 * Saves a model atomically (a killed process leaves the old file or the new one, never half a
 * file). Runs the table copies (and LightGCN's final-embedding propagation) off the event loop.
 * @throws RecforgeError E_IO when the file cannot be written, E_BUSY while the model trains,
 *   E_DISPOSED for a disposed model (or an Interact2Vec whose dataset was disposed: its train
 *   interactions and ids live there).
 */
export async function saveModel(model: SavedModel, path: string, options: SaveModelOptions = {}): Promise<void> {
  await writeFileAtomic(path, await serializeModel(model, options.history ?? model.history, {}, options));
}

/**
 * Loads an Interact2Vec file (see the general signature).
 * @throws RecforgeError as the general signature; E_TYPE when the file holds a LightGCN family model.
 */
export async function loadModel(path: string, options: LoadModelOptions & { family: 'interact2vec' }): Promise<Interact2Vec>;
/**
 * Loads a LightGCN, MF or Matryoshka file (see the general signature).
 * @throws RecforgeError as the general signature; E_TYPE when the file holds an Interact2Vec model.
 */
export async function loadModel(path: string, options: LoadModelOptions & { family: 'lightgcn' }): Promise<LightGCN>;
/**
 * Loads a model saved by {@link saveModel} (or a training checkpoint): a {@link LightGCN} (MF,
 * Matryoshka) or an {@link Interact2Vec}, by the file's `model` key. The model can recommend,
 * be evaluated and train on without the original dataset; its train interactions come from
 * the file.
 * @throws RecforgeError E_IO when the file cannot be read, E_PARSE when it is not a valid model
 *   file (truncated, corrupted, wrong format, version or model kind, a config or tensor that
 *   does not fit), E_TYPE when `options.family` is given and the file holds the other family.
 */
export async function loadModel(path: string, options?: LoadModelOptions): Promise<SavedModel>;
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<SavedModel> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new RecforgeError('E_IO', `${path}: cannot read (${(e as Error).message})`, { file: path, cause: e });
  }
  await verifyModelChecksum(bytes, path);
  const parsed = parseModelFile(bytes, path);
  if (options.family !== undefined && parsed.family !== options.family)
    throw new RecforgeError('E_TYPE', `${path}: holds a ${parsed.family} model, expected ${options.family}`, { file: path });
  return instantiateModel(parsed, path, options);
}

/** A family's part of a file: its final tables, extra tensors, config and metadata, and the train CSR. */
interface ModelBody {
  users: Float32Array;
  items: Float32Array;
  tensors: Record<string, Tensor>;
  config: object;
  metadata: Record<string, string>;
  train: { indptr: Int32Array; indices: Int32Array };
}

/** LightGCN's part: the final tables after propagation, the layer-0 table and, for checkpoints, Adam's moments. */
async function lightGcnBody(model: LightGCN, extras: ModelFileExtras, run: AsyncOptions): Promise<ModelBody> {
  const native = model.native();
  const final = await model.finalTables(run);
  const state = await runNative(run, (t) => native.exportState(t));
  const { users, items, dim, embedding } = model.config;
  const tensors: Record<string, Tensor> = {
    ego_embedding: new Tensor(state.ego, [users + items, dim]),
    ...clusterTensors(embedding, embedding ? native.clusters() : undefined, users, items, dim),
  };
  const metadata: Record<string, string> = {};
  if (extras.optimizer) {
    metadata.optimizer_steps = String(state.steps);
    if (state.m && state.v) {
      tensors.adam_m = new Tensor(state.m, [users + items, dim]);
      tensors.adam_v = new Tensor(state.v, [users + items, dim]);
    }
    if (state.cel) {  // the CEL trainer's state: counters, and per side moments and gradient window
      metadata.cel_counters = JSON.stringify(state.cel.counters);
      for (const side of CEL_SIDES) {
        const t = state.cel[side], n = side === 'users' ? users : items;
        for (const [key, name, shape] of celTrainerParts(t.centers.length / dim, n, dim)) {
          const data = t[key];
          if (data) tensors[`cel_${side}_${name}`] = new Tensor(data, shape);
        }
      }
    }
  }
  return { ...final, tensors, config: model.config, metadata, train: native.trainMatrix().export() };
}

/** The `cel_<side>_*` tensors of the clustered sides of a model (none for full tables). */
function clusterTensors(embedding: ResolvedEmbedding | undefined, clusters: ModelClusters | undefined, users: number, items: number,
  dim: number): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {};
  if (!embedding || !clusters) return tensors;
  for (const side of CEL_SIDES) {
    if (!sideClustered(embedding, side)) continue;
    const t = clusters[side], n = side === 'users' ? users : items;
    tensors[`cel_${side}_assign`] = new Tensor(t.assign, [n]);
    tensors[`cel_${side}_centers`] = new Tensor(t.centers, [t.capacity, dim]);
    if (t.residual) tensors[`cel_${side}_residual`] = new Tensor(t.residual, [n, dim]);
    if (t.bias) tensors[`cel_${side}_bias`] = new Tensor(t.bias, [n]);
  }
  return tensors;
}

/**
 * Interact2Vec's part: U and V (for clustered tables their gathered views, plus the assignments
 * and cluster rows) are the whole state; the config adds the training hyperparameters.
 */
async function interact2VecBody(model: Interact2Vec, run: AsyncOptions): Promise<ModelBody> {
  if (!model.disposed && model.dataset.disposed)
    throw new RecforgeError('E_DISPOSED', "cannot save an Interact2Vec model whose dataset was disposed (its train interactions and ids live there)");
  const [u, v] = await Promise.all([model.userEmbeddings(run), model.itemEmbeddings(run)]);
  const { nUsers, nItems, dim, config: { embedding } } = model;
  return {
    users: u.data, items: v.data, tensors: clusterTensors(embedding, embedding ? model.clusters() : undefined, nUsers, nItems, dim),
    config: { ...model.config, ...model.training }, metadata: {},
    train: model.dataset.matrix('train')!.export(),
  };
}

/** The file bytes of a model (and optional checkpoint extras, LightGCN only). @internal */
export async function serializeModel(model: SavedModel, history: readonly EpochEvent[], extras: ModelFileExtras,
  run: AsyncOptions = {}): Promise<Buffer> {
  const body = model instanceof Interact2Vec ? await interact2VecBody(model, run) : await lightGcnBody(model, extras, run);
  const { nUsers: users, nItems: items, dim } = model;
  const tensors: Record<string, Tensor> = {
    user_embedding: new Tensor(body.users, [users, dim]),
    item_embedding: new Tensor(body.items, [items, dim]),
    ...body.tensors,
    train_indptr: new Tensor(body.train.indptr, [users + 1]),
    train_indices: new Tensor(body.train.indices, [body.train.indices.length]),
  };
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    format_version: String(MODEL_FORMAT_VERSION),
    model: model.kind,
    config: JSON.stringify(body.config),
    history: JSON.stringify(history),
    ...body.metadata,
    ...extras.metadata,
  };
  if (model.userIds) metadata.user_ids = JSON.stringify(model.userIds.toJSON());
  if (model.itemIds) metadata.item_ids = JSON.stringify(model.itemIds.toJSON());
  metadata.data_sha256 = await dataHash(tensors);
  return serializeSafetensors({ tensors, metadata });
}

/**
 * SHA-256 of the data section: the tensors' bytes in name order, as serializeSafetensors lays
 * them out. WebCrypto hashes on the libuv thread pool, so tens of megabytes never block the loop.
 */
async function dataHash(tensors: Record<string, Tensor>): Promise<string> {
  const parts = Object.keys(tensors).sort().map((name) => {
    const d = tensors[name].data;
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  });
  return sha256Hex(Buffer.concat(parts));
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex');
}

/**
 * Checks the data checksum of model file bytes (when the file has one) off the event loop.
 * Throws E_PARSE naming `file` on a mismatch. @internal
 */
export async function verifyModelChecksum(bytes: Uint8Array, file: string): Promise<void> {
  const meta = parseSafetensors(bytes, file).metadata;
  if (meta.data_sha256 === undefined) return;
  const headerLen = Number(Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0));
  if ((await sha256Hex(bytes.subarray(8 + headerLen))) !== meta.data_sha256)
    throw new RecforgeError('E_PARSE', `${file}: tensor data is corrupted (checksum mismatch)`, { file });
}

/** The family of each `model` value (files without one are LightGCN files). */
const FAMILIES: ReadonlyMap<string | undefined, ModelFamily> = new Map<string | undefined, ModelFamily>([
  [undefined, 'lightgcn'], ['lightgcn', 'lightgcn'], ['mf', 'lightgcn'], ['mrl', 'lightgcn'], ['interact2vec', 'interact2vec'],
]);

/** A config's LightGCN fields checked (throws E_INVALID_ARG naming the field; users, items and dim are checked already). */
function lightGcnConfig(c: Record<string, unknown>, users: number, items: number, dim: number): LightGCNConfig {
  const layers = intOption('config.layers', c.layers, 0, 64, NaN);
  const seed = intOption('config.seed', c.seed, 0, Number.MAX_SAFE_INTEGER, NaN);
  if (typeof c.initStd !== 'number' || !(c.initStd >= 0)) throw new RecforgeError('E_INVALID_ARG', 'config.initStd is invalid');
  const init = c.init ?? 'normal';  // files written before Xavier init existed
  if (init !== 'normal' && init !== 'xavier') throw new RecforgeError('E_INVALID_ARG', 'config.init is invalid');
  const levels = c.levels === undefined ? undefined : validateLevels(c.levels as number[], dim);
  const embedding = resolveEmbedding(c.embedding as EmbeddingTableOptions | undefined);
  if (embedding) {
    checkBudget(embedding, users, items);
    return { users, items, dim, layers, initStd: c.initStd, init, seed, levels, embedding };
  }
  return { users, items, dim, layers, initStd: c.initStd, init, seed, levels };
}

/** E_INVALID_ARG when a clustered side's budget has more rows than the side has entities. */
function checkBudget(embedding: ResolvedEmbedding, users: number, items: number): void {
  for (const side of CEL_SIDES) {
    const n = side === 'users' ? users : items;
    if (sideClustered(embedding, side) && !(clusterCapacity(embedding, n) <= n))
      throw new RecforgeError('E_INVALID_ARG', `config.embedding: more clusters than ${side}`);
  }
}

/** Interact2Vec's config keys: the model's, then the training hyperparameters (absent ones take their defaults). */
const I2V_MODEL_KEYS = ['init', 'initRange', 'seed'] as const;
const I2V_TRAINING_KEYS = ['negatives', 'alpha', 'subsample', 'subsampleMode', 'optimizer', 'lr', 'minLrRatio', 'batchRows', 'adamRowOrder', 'l2', 'itemItemWeight'] as const;

/** A config's Interact2Vec fields checked by the same rules as {@link Interact2Vec.create}. */
function interact2VecConfig(c: Record<string, unknown>, users: number, items: number, dim: number): Interact2VecConfig & Interact2VecTraining {
  for (const key of I2V_MODEL_KEYS) if (c[key] === undefined) throw new RecforgeError('E_INVALID_ARG', `config.${key} is missing`);
  const picked = Object.fromEntries([...I2V_MODEL_KEYS, ...I2V_TRAINING_KEYS, 'embedding'].map((key) => [key, c[key]]));
  const { config, training, embedding } = resolveInteract2VecOptions({ ...picked, dim } as Interact2VecOptions);
  const { threads: _threads, seed: _seed, ...hyper } = training;
  if (embedding) checkBudget(embedding, users, items);
  return { users, items, dim, init: config.init, initRange: config.initRange, seed: config.seed, ...hyper, ...(embedding ? { embedding } : {}) };
}

/**
 * Parses and validates model file bytes; every inconsistency is E_PARSE naming `file`, so a
 * damaged file never reaches native code. Callers run {@link verifyModelChecksum} first. @internal
 */
export function parseModelFile(bytes: Uint8Array, file: string): ParsedModel {
  const bad = (what: string, cause?: unknown) => new RecforgeError('E_PARSE', `${file}: ${what}`, { file, cause });
  const content: SafetensorsContent = parseSafetensors(bytes, file);
  const meta = content.metadata;
  if (meta.format !== MODEL_FORMAT) throw bad(`not a recforge model file (format ${JSON.stringify(meta.format)})`);
  const version = Number(meta.format_version);
  if (!Number.isInteger(version) || version < 1 || version > MODEL_FORMAT_VERSION)
    throw bad(`unsupported format_version ${JSON.stringify(meta.format_version)} (this build reads 1..${MODEL_FORMAT_VERSION})`);
  const family = FAMILIES.get(meta.model);
  if (!family) throw bad(`unknown model ${JSON.stringify(meta.model)} (this build reads ${[...FAMILIES.keys()].filter(Boolean).join(', ')})`);
  const json = (key: string): unknown => {
    if (meta[key] === undefined) return undefined;
    try {
      return JSON.parse(meta[key]);
    } catch (e) {
      throw bad(`metadata ${key} is not valid JSON`, e);
    }
  };
  const raw = json('config') as Record<string, unknown> | undefined;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('metadata config is missing');
  let config: LightGCNConfig | (Interact2VecConfig & Interact2VecTraining);
  try {
    const users = intOption('config.users', raw.users, 0, 2147483646, NaN);
    const items = intOption('config.items', raw.items, 0, 2147483646, NaN);
    const dim = intOption('config.dim', raw.dim, 1, 4096, NaN);
    config = (family === 'interact2vec' ? interact2VecConfig : lightGcnConfig)(raw, users, items, dim);
  } catch (e) {
    const what = (e as Error).message;
    throw bad(`metadata ${what.startsWith('config.') ? what : `config: ${what}`}`, e);
  }
  const { users, items, dim } = config;
  const tensor = (name: string, dtype: 'float32' | 'int32', shape: number[] | undefined) => {
    const t = content.tensors[name];
    if (!t) throw bad(`tensor ${name} is missing`);
    if (t.dtype !== dtype || (shape && (t.shape.length !== shape.length || t.shape.some((s, k) => s !== shape[k]))))
      throw bad(`tensor ${name} has dtype ${t.dtype} shape [${t.shape.join(', ')}], expected ${dtype} [${shape?.join(', ') ?? 'n'}]`);
    return t.data;
  };
  const trainIndptr = tensor('train_indptr', 'int32', [users + 1]) as Int32Array;
  const trainIndices = tensor('train_indices', 'int32', undefined) as Int32Array;
  if (trainIndptr[0] !== 0 || trainIndptr[users] !== trainIndices.length) throw bad('train_indptr does not span train_indices');
  for (let u = 0; u < users; u++) if (trainIndptr[u + 1] < trainIndptr[u]) throw bad(`train_indptr decreases at row ${u}`);
  const history = json('history') ?? [];
  if (!Array.isArray(history)) throw bad('metadata history is not an array');
  const idMap = (key: string, n: number): IdMap | undefined => {
    const ids = json(key);
    if (ids === undefined) return undefined;
    if (!Array.isArray(ids) || ids.length !== n || ids.some((s) => typeof s !== 'string')) throw bad(`metadata ${key} is not ${n} strings`);
    return new IdMap(ids as string[]);
  };
  const common: ParsedCommon = {
    history: history as EpochEvent[], userIds: idMap('user_ids', users), itemIds: idMap('item_ids', items), trainIndptr, trainIndices, metadata: meta,
  };
  // The stored clustered tables; a full side of a clustered model is the identity over `full` rows.
  const clustersOf = (embedding: ResolvedEmbedding, full: (side: 'users' | 'items') => Float32Array) => {
    const side = (name: 'users' | 'items'): ClusterTensors => {
      const n = name === 'users' ? users : items;
      if (!sideClustered(embedding, name)) return { assign: Int32Array.from({ length: n }, (_, i) => i), centers: full(name) };
      const t: ClusterTensors = {
        assign: tensor(`cel_${name}_assign`, 'int32', [n]) as Int32Array,
        centers: tensor(`cel_${name}_centers`, 'float32', [clusterCapacity(embedding, n), dim]) as Float32Array,
      };
      if (embedding.residual) t.residual = tensor(`cel_${name}_residual`, 'float32', [n, dim]) as Float32Array;
      if (embedding.bias) t.bias = tensor(`cel_${name}_bias`, 'float32', [n]) as Float32Array;
      return t;
    };
    return { users: side('users'), items: side('items') };
  };
  if (family === 'interact2vec') {
    const tables = {
      users: tensor('user_embedding', 'float32', [users, dim]) as Float32Array,
      items: tensor('item_embedding', 'float32', [items, dim]) as Float32Array,
    };
    const { embedding } = config as Interact2VecConfig;
    const clusters = embedding ? clustersOf(embedding, (name) => (name === 'users' ? tables.users : tables.items).slice()) : undefined;
    return { family, config: config as Interact2VecConfig & Interact2VecTraining, tables, ...(clusters ? { clusters } : {}), ...common };
  }
  const state: RawLightGcnState = { ego: tensor('ego_embedding', 'float32', [users + items, dim]) as Float32Array, steps: 0 };
  if (content.tensors.adam_m || content.tensors.adam_v) {
    state.m = tensor('adam_m', 'float32', [users + items, dim]) as Float32Array;
    state.v = tensor('adam_v', 'float32', [users + items, dim]) as Float32Array;
  }
  const embedding = (config as LightGCNConfig).embedding;
  if (!embedding) return { family, config: config as LightGCNConfig, state, ...common };
  const clusters = clustersOf(embedding, (name) => {  // a full side: its rows of ego_embedding
    const offset = name === 'users' ? 0 : users * dim, n = name === 'users' ? users : items;
    return state.ego.slice(offset, offset + n * dim);
  });
  if (meta.cel_counters === undefined) return { family, config: config as LightGCNConfig, state, clusters, ...common };
  const counters = json('cel_counters') as Record<string, unknown> | undefined;
  const keys = ['splits', 'splitRounds', 'moves', 'reassignRounds'] as const;
  if (counters === null || typeof counters !== 'object' || keys.some((k) => !Number.isSafeInteger(counters[k]) || (counters[k] as number) < 0))
    throw bad('metadata cel_counters is not four non-negative integers');
  const celTrainer: CelTrainerTensors = { counters: counters as unknown as RawCelCounters, users: {}, items: {} };
  for (const name of CEL_SIDES) {
    const n = name === 'users' ? users : items;
    for (const [key, suffix, shape] of celTrainerParts(clusters[name].centers.length / dim, n, dim))
      if (content.tensors[`cel_${name}_${suffix}`])
        celTrainer[name][key] = tensor(`cel_${name}_${suffix}`, 'float32', shape) as Float32Array;
  }
  return { family, config: config as LightGCNConfig, state, clusters, celTrainer, ...common };
}

/**
 * Rebuilds a live model from a parsed file: a train-only Dataset over the stored interactions
 * (owned by the model), the native model, then the stored tables. @internal
 */
export async function instantiateModel(parsed: ParsedModel, file: string, options: LoadModelOptions = {}): Promise<SavedModel> {
  const { users, items } = parsed.config;
  const rowOf = new Int32Array(parsed.trainIndices.length);
  for (let u = 0; u < users; u++) rowOf.fill(u, parsed.trainIndptr[u], parsed.trainIndptr[u + 1]);
  const { Dataset } = await import('./dataset.js');
  let data: Dataset;
  try {
    data = await Dataset.fromArrays({
      nUsers: users, nItems: items, train: { users: rowOf, items: parsed.trainIndices },
      userIds: parsed.userIds, itemIds: parsed.itemIds,
    }, options);
  } catch (e) {
    throw asParse(e, file);
  }
  let model: SavedModel | undefined;
  try {
    const run: AsyncOptions = { signal: options.signal, onProgress: options.onProgress };
    if (parsed.family === 'interact2vec') {
      const { users: _users, items: _items, ...o } = parsed.config;
      // Once built, the model owns `data`; a failed restore disposes both (disposing again below is harmless).
      model = await Interact2Vec.restore(data, { ...o, threads: options.threads, device: options.device }, parsed.tables, run,
        parsed.clusters);
    } else {
      const family = parsed.config.levels ? 'mrl' : 'lightgcn';
      const parts = await buildParts(data, { ...parsed.config, threads: options.threads, device: options.device }, run, true, family);
      const m = parsed.config.levels ? Matryoshka.fromParts({ ...parts, levels: parsed.config.levels }) : LightGCN.fromParts(parts);
      model = m;
      const { ego } = parsed.state;
      if (parsed.clusters) m.native().importClusters(parsed.clusters);
      else await runNative(run, (t) => m.native().importState({ ego, steps: 0 }, t));
    }
    (model.history as EpochEvent[]).push(...parsed.history);
    return model;
  } catch (e) {
    if (model) model.dispose();
    else data.dispose();
    throw asParse(e, file);
  }
}

/** Damaged content found by native validation (ids out of range, NaN) is still a parse error of the file. */
function asParse(e: unknown, file: string): RecforgeError {
  if (isRecforgeError(e) && ['E_OUT_OF_RANGE', 'E_NONFINITE', 'E_SHAPE', 'E_EMPTY'].includes(e.code))
    return new RecforgeError('E_PARSE', `${file}: ${e.message}`, { file, cause: e });
  return e as RecforgeError;
}
