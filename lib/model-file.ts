/**
 * Model files: a trained {@link LightGCN} / {@link MF} with its configuration, id maps, training
 * history and the train interactions (to exclude seen items), as one safetensors file that Python
 * reads with `safetensors.numpy.load_file`. docs/model-format.md documents the layout.
 *
 * Checkpoints are model files with the optimizer state added (see trainer.ts), so a checkpoint
 * can also be loaded as a model.
 * @module
 */
import { webcrypto } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Dataset } from './dataset.js';
import { IdMap } from './dataset.js';
import { RecforgeError, isRecforgeError } from './errors.js';
import { runNative, type AsyncOptions } from './job.js';
import { LightGCN, buildParts, type LightGCNConfig } from './lightgcn.js';
import { Matryoshka, validateLevels } from './matryoshka.js';
import type { EpochEvent } from './model.js';
import type { RawLightGcnState } from './native.js';
import { intOption } from './options.js';
import { parseSafetensors, serializeSafetensors, writeFileAtomic } from './safetensors.js';
import { Tensor } from './tensor.js';

/** Value of the `format` metadata key of every recforge model file. */
export const MODEL_FORMAT = 'recforge.model';
/** Current version of the layout; readers refuse newer versions. */
export const MODEL_FORMAT_VERSION = 1;

/** Options of {@link saveModel}. */
export interface SaveModelOptions extends AsyncOptions {
  /** Training history to store (default: the model's own {@link LightGCN.history}). */
  history?: readonly EpochEvent[];
}

/** Options of {@link loadModel}. */
export interface LoadModelOptions extends AsyncOptions {
  /** Worker threads of the loaded model (default 0 = all cores). */
  threads?: number;
}

/** What extra a checkpoint stores on top of a model file. @internal */
export interface ModelFileExtras {
  /** Include the Adam moments (tensors `adam_m`, `adam_v`). */
  optimizer?: boolean;
  /** Extra string metadata (e.g. the trainer state as JSON). */
  metadata?: Record<string, string>;
}

/** A parsed and validated model file. @internal */
export interface ParsedModel {
  config: LightGCNConfig;
  history: EpochEvent[];
  userIds?: IdMap;
  itemIds?: IdMap;
  state: RawLightGcnState;
  trainIndptr: Int32Array;
  trainIndices: Int32Array;
  metadata: Record<string, string>;
}

/**
 * Saves a model atomically (a killed process leaves the old file or the new one, never half a
 * file). Runs the final-embedding propagation off the event loop.
 * @throws RecforgeError E_IO when the file cannot be written, E_BUSY while the model trains.
 */
export async function saveModel(model: LightGCN, path: string, options: SaveModelOptions = {}): Promise<void> {
  await writeFileAtomic(path, await serializeModel(model, options.history ?? model.history, {}, options));
}

/**
 * Loads a model saved by {@link saveModel} (or a training checkpoint). The model can recommend
 * and be evaluated without the original dataset; its train interactions come from the file.
 * @throws RecforgeError E_IO when the file cannot be read, E_PARSE when it is not a valid model
 *   file (truncated, corrupted, wrong format or version).
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<LightGCN> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new RecforgeError('E_IO', `${path}: cannot read (${(e as Error).message})`, { file: path, cause: e });
  }
  await verifyModelChecksum(bytes, path);
  return instantiateModel(parseModelFile(bytes, path), path, options);
}

/** The file bytes of a model (and optional checkpoint extras). @internal */
export async function serializeModel(model: LightGCN, history: readonly EpochEvent[], extras: ModelFileExtras,
  run: AsyncOptions = {}): Promise<Buffer> {
  const native = model.native();
  const final = await model.finalTables(run);
  const state = await runNative(run, (t) => native.exportState(t));
  const train = native.trainMatrix().export();
  const { users, items, dim } = model.config;
  const tensors: Record<string, Tensor> = {
    user_embedding: new Tensor(final.users, [users, dim]),
    item_embedding: new Tensor(final.items, [items, dim]),
    ego_embedding: new Tensor(state.ego, [users + items, dim]),
    train_indptr: new Tensor(train.indptr, [users + 1]),
    train_indices: new Tensor(train.indices, [train.indices.length]),
  };
  const optimizer: Record<string, string> = {};
  if (extras.optimizer) {
    optimizer.optimizer_steps = String(state.steps);
    if (state.m && state.v) {
      tensors.adam_m = new Tensor(state.m, [users + items, dim]);
      tensors.adam_v = new Tensor(state.v, [users + items, dim]);
    }
  }
  const metadata: Record<string, string> = {
    format: MODEL_FORMAT,
    format_version: String(MODEL_FORMAT_VERSION),
    model: model.kind,
    config: JSON.stringify(model.config),
    history: JSON.stringify(history),
    ...optimizer,
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

/**
 * Parses and validates model file bytes; every inconsistency is E_PARSE naming `file`, so a
 * damaged file never reaches native code. Callers run {@link verifyModelChecksum} first. @internal
 */
export function parseModelFile(bytes: Uint8Array, file: string): ParsedModel {
  const bad = (what: string, cause?: unknown) => new RecforgeError('E_PARSE', `${file}: ${what}`, { file, cause });
  const content = parseSafetensors(bytes, file);
  const meta = content.metadata;
  if (meta.format !== MODEL_FORMAT) throw bad(`not a recforge model file (format ${JSON.stringify(meta.format)})`);
  const version = Number(meta.format_version);
  if (!Number.isInteger(version) || version < 1 || version > MODEL_FORMAT_VERSION)
    throw bad(`unsupported format_version ${JSON.stringify(meta.format_version)} (this build reads 1..${MODEL_FORMAT_VERSION})`);
  const json = (key: string): unknown => {
    if (meta[key] === undefined) return undefined;
    try {
      return JSON.parse(meta[key]);
    } catch (e) {
      throw bad(`metadata ${key} is not valid JSON`, e);
    }
  };
  const config = json('config') as LightGCNConfig | undefined;
  if (config === null || typeof config !== 'object') throw bad('metadata config is missing');
  try {
    for (const key of ['users', 'items'] as const) intOption(`config.${key}`, config[key], 0, 2147483646, NaN);
    intOption('config.dim', config.dim, 1, 4096, NaN);
    intOption('config.layers', config.layers, 0, 64, NaN);
    intOption('config.seed', config.seed, 0, Number.MAX_SAFE_INTEGER, NaN);
    if (typeof config.initStd !== 'number' || !(config.initStd >= 0)) throw new RecforgeError('E_INVALID_ARG', 'config.initStd is invalid');
    config.init ??= 'normal';  // files written before Xavier init existed
    if (config.init !== 'normal' && config.init !== 'xavier') throw new RecforgeError('E_INVALID_ARG', 'config.init is invalid');
    if (config.levels !== undefined) config.levels = validateLevels(config.levels, config.dim);
  } catch (e) {
    throw bad(`metadata ${(e as Error).message}`, e);
  }
  const { users, items, dim } = config;
  const tensor = (name: string, dtype: 'float32' | 'int32', shape: number[] | undefined) => {
    const t = content.tensors[name];
    if (!t) throw bad(`tensor ${name} is missing`);
    if (t.dtype !== dtype || (shape && (t.shape.length !== shape.length || t.shape.some((s, k) => s !== shape[k]))))
      throw bad(`tensor ${name} has dtype ${t.dtype} shape [${t.shape.join(', ')}], expected ${dtype} [${shape?.join(', ') ?? 'n'}]`);
    return t.data;
  };
  const ego = tensor('ego_embedding', 'float32', [users + items, dim]) as Float32Array;
  const trainIndptr = tensor('train_indptr', 'int32', [users + 1]) as Int32Array;
  const trainIndices = tensor('train_indices', 'int32', undefined) as Int32Array;
  if (trainIndptr[0] !== 0 || trainIndptr[users] !== trainIndices.length) throw bad('train_indptr does not span train_indices');
  for (let u = 0; u < users; u++) if (trainIndptr[u + 1] < trainIndptr[u]) throw bad(`train_indptr decreases at row ${u}`);
  const state: RawLightGcnState = { ego, steps: 0 };
  if (content.tensors.adam_m || content.tensors.adam_v) {
    state.m = tensor('adam_m', 'float32', [users + items, dim]) as Float32Array;
    state.v = tensor('adam_v', 'float32', [users + items, dim]) as Float32Array;
  }
  const history = json('history') ?? [];
  if (!Array.isArray(history)) throw bad('metadata history is not an array');
  const idMap = (key: string, n: number): IdMap | undefined => {
    const ids = json(key);
    if (ids === undefined) return undefined;
    if (!Array.isArray(ids) || ids.length !== n || ids.some((s) => typeof s !== 'string')) throw bad(`metadata ${key} is not ${n} strings`);
    return new IdMap(ids as string[]);
  };
  return {
    config: { users, items, dim, layers: config.layers, initStd: config.initStd, init: config.init, seed: config.seed, levels: config.levels },
    history: history as EpochEvent[],
    userIds: idMap('user_ids', users),
    itemIds: idMap('item_ids', items),
    state,
    trainIndptr,
    trainIndices,
    metadata: meta,
  };
}

/**
 * Rebuilds a live model from a parsed file: a train-only Dataset over the stored interactions
 * (owned by the model), the native model, then the stored table. @internal
 */
export async function instantiateModel(parsed: ParsedModel, file: string, options: LoadModelOptions = {}): Promise<LightGCN> {
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
  let model: LightGCN | undefined;
  try {
    const parts = await buildParts(data, { ...parsed.config, threads: options.threads }, options, true);
    model = parsed.config.levels ? Matryoshka.fromParts({ ...parts, levels: parsed.config.levels }) : LightGCN.fromParts(parts);
    const { ego } = parsed.state;
    await runNative(options, (t) => model!.native().importState({ ego, steps: 0 }, t));
    model.history.push(...parsed.history);
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
