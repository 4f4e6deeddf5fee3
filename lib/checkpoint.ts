/**
 * Training checkpoints: a model file (model-file.ts) plus the optimizer state (`adam_m`, `adam_v`,
 * step count) and the trainer's bookkeeping (epoch, best evaluation, evaluations since the best)
 * as `trainer` JSON metadata. Written atomically, so a process killed at any moment leaves the
 * previous checkpoint or the new one; resuming continues bit-for-bit (the sampler is seeded by
 * (seed, epoch), so it carries no state).
 *
 * A run with clustered embedding tables (docs/cel.md) stores, besides the model file's tables
 * (`cel_<side>_assign`, `_centers`, `_residual`, `_bias`), the CEL trainer's state: the moments
 * of the cluster rows, residuals and biases (`cel_<side>_adam_m`, `_adam_v`, `_residual_adam_m`,
 * `_residual_adam_v`, `_bias_adam_m`, `_bias_adam_v`), CEL's gradient window since the last
 * split round (`cel_<side>_window`) and the cluster-step counters (metadata `cel_counters`: the
 * split and reassignment rounds seed their draws by round number), so it resumes bit-for-bit too.
 * @internal
 * @module
 */
import { readFile } from 'node:fs/promises';
import { RecforgeError } from './errors.js';
import type { AsyncOptions } from './job.js';
import type { LightGCN } from './lightgcn.js';
import type { EpochEvent } from './model.js';
import { parseModelFile, serializeModel, verifyModelChecksum } from './model-file.js';
import type { RawLightGcnState, RawTrainOptions } from './native.js';
import { writeFileAtomic } from './safetensors.js';
import type { BestEpoch } from './trainer.js';

/** The trainer's position in a run. */
export interface TrainerSnapshot {
  /** Epochs completed. */
  epoch: number;
  /** Best evaluation so far. */
  best: BestEpoch | undefined;
  /** Evaluations since the best one (early-stopping counter). */
  sinceBest: number;
}

/** A checkpoint read back and checked against the model it resumes. */
export interface Checkpoint {
  state: RawLightGcnState;
  snapshot: TrainerSnapshot;
  history: EpochEvent[];
  options: RawTrainOptions;
}

/** Writes `model`'s state and the trainer's position to `path` atomically. */
export async function writeCheckpoint(path: string, model: LightGCN, options: RawTrainOptions, snap: TrainerSnapshot,
  run: AsyncOptions): Promise<void> {
  const trainer = JSON.stringify({ epoch: snap.epoch, best: snap.best ?? null, sinceBest: snap.sinceBest, options });
  await writeFileAtomic(path, await serializeModel(model, model.history, { optimizer: true, metadata: { trainer } }, run));
}

/**
 * Reads a checkpoint for `model`.
 * @throws RecforgeError E_IO (unreadable), E_PARSE (truncated, corrupted, not a checkpoint),
 *   E_SHAPE (a checkpoint of another model or dataset).
 */
export async function readCheckpoint(path: string, model: LightGCN): Promise<Checkpoint> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new RecforgeError('E_IO', `${path}: cannot read checkpoint (${(e as Error).message})`, { file: path, cause: e });
  }
  await verifyModelChecksum(bytes, path);
  const parsed = parseModelFile(bytes, path);
  const bad = (what: string) => new RecforgeError('E_PARSE', `${path}: ${what}`, { file: path });
  if (parsed.family !== 'lightgcn') throw bad(`not a checkpoint (a ${parsed.family} model file)`);
  let trainer: { epoch?: unknown; best?: unknown; sinceBest?: unknown; options?: unknown; steps?: unknown };
  try {
    trainer = JSON.parse(parsed.metadata.trainer ?? 'null');
  } catch {
    throw bad('metadata trainer is not valid JSON');
  }
  if (trainer === null || typeof trainer !== 'object') throw bad('not a checkpoint (no trainer metadata)');
  const epoch = trainer.epoch, sinceBest = trainer.sinceBest;
  const steps = Number(parsed.metadata.optimizer_steps);
  if (!Number.isSafeInteger(epoch) || (epoch as number) < 0 || !Number.isSafeInteger(sinceBest) || (sinceBest as number) < 0 ||
    !Number.isSafeInteger(steps) || steps < 0 || trainer.options === null || typeof trainer.options !== 'object')
    throw bad('metadata trainer is incomplete');
  const c = parsed.config, m = model.config;
  if (c.users !== m.users || c.items !== m.items || c.dim !== m.dim || c.layers !== m.layers ||
    String(c.levels ?? '') !== String(m.levels ?? '') ||
    parsed.trainIndices.length !== model.native().trainMatrix().nnz)
    throw new RecforgeError('E_SHAPE', `${path}: checkpoint of a ${c.users} x ${c.items}, dim ${c.dim}, ${c.layers}-layer model ` +
      `with ${parsed.trainIndices.length} train pairs does not match this model (${m.users} x ${m.items}, dim ${m.dim}, ${m.layers} layers)`,
    { file: path });
  const tablesOf = (e: LightGCN['config']['embedding']) => JSON.stringify(e ? [e.kind, e.tables, e.clusters, e.ratio, e.residual, e.hot, !!e.bias] : null);
  if (tablesOf(c.embedding) !== tablesOf(m.embedding))
    throw new RecforgeError('E_SHAPE', `${path}: checkpoint embedding tables ${tablesOf(c.embedding)} do not match this model's ${tablesOf(m.embedding)} ` +
      '(kind, tables, clusters, ratio, residual, hot, bias)', { file: path });
  const state: RawLightGcnState = { ...parsed.state, steps };
  if (parsed.clusters) {
    if (!parsed.celTrainer) throw bad('not a checkpoint of a clustered run (no metadata cel_counters)');
    const t = parsed.celTrainer;
    state.cel = { counters: t.counters, users: { ...parsed.clusters.users, ...t.users }, items: { ...parsed.clusters.items, ...t.items } };
  }
  return {
    state,
    snapshot: { epoch: epoch as number, best: (trainer.best ?? undefined) as BestEpoch | undefined, sinceBest: sinceBest as number },
    history: parsed.history,
    options: trainer.options as RawTrainOptions,
  };
}
