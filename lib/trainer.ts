/**
 * Training of {@link LightGCN} / {@link MF} models with BPR: `fit()` is an async iterator of
 * epoch events; each epoch runs on native worker threads, so the event loop stays free. Optional
 * periodic evaluation, best-epoch tracking, early stopping, and atomic checkpoints that a new
 * process can resume from.
 *
 * ```ts
 * const trainer = new Trainer(model, { lr: 1e-3, batchSize: 2048, seed: 1 });
 * for await (const e of trainer.fit({ epochs: 200, evalEvery: 10, earlyStopping: { patience: 5 },
 *                                     checkpoint: { path: 'run.ckpt' } })) {
 *   console.log(e.epoch, e.loss, e.metrics?.['recall@20'], e.best);
 * }
 * ```
 * @module
 */
import type { Dataset } from './dataset.js';
import { RecforgeError, isRecforgeError } from './errors.js';
import { Evaluator, type MetricName } from './evaluator.js';
import { runNative, throwIfAborted } from './job.js';
import type { LightGCN } from './lightgcn.js';
import { Matryoshka } from './matryoshka.js';
import type { EpochEvent, FitOptions, Trainer as TrainerContract } from './model.js';
import { readCheckpoint, writeCheckpoint, type TrainerSnapshot } from './checkpoint.js';
import type { RawTrainOptions } from './native.js';
import { boolOption, choiceOption, intOption, numberOption } from './options.js';
import { Tensor } from './tensor.js';

/** Hyperparameters of a {@link Trainer} (defaults: the LightGCN paper's). */
export interface TrainerOptions {
  /** Triples per mini-batch (default 2048). */
  batchSize?: number;
  /** Learning rate, > 0 (default 1e-3). */
  lr?: number;
  /** L2 coefficient λ on the batch's layer-0 rows, >= 0 (default 1e-4). */
  reg?: number;
  /**
   * What the L2 term is divided by: `'batch'` (the batch's actual length, as the PyTorch port;
   * default) or `'configured'` (batchSize, as the TF code). They differ only on a partial batch.
   */
  regDivisor?: 'batch' | 'configured';
  /**
   * What one epoch is (ALGORITHMS.md Part A 1.5): `'tf'` (paper code, default: batches of distinct
   * users), `'torch'` (users uniform with replacement), `'stratified'` (PyTorch C++ sampler),
   * `'pairs'` (every train pair once, shuffled: the MRL4Rec code, default for {@link Matryoshka}).
   */
  sampler?: 'tf' | 'torch' | 'stratified' | 'pairs';
  /** Skip a last batch shorter than batchSize (default: true for {@link Matryoshka} models, as the MRL4Rec code; else false). */
  dropLast?: boolean;
  /** How a {@link Matryoshka} model is trained (only for Matryoshka models). */
  matryoshka?: MatryoshkaTraining;
  /**
   * `'adam'` (dense, as torch.optim.Adam; default), `'lazy-adam'` (rows with a gradient only) or
   * `'sgd'`. A model on device `'cuda'` trains with `'adam'` or `'sgd'` only.
   */
  optimizer?: 'adam' | 'lazy-adam' | 'sgd';
  /** Negative items: `'uniform'` (default) or `'popularity'` (∝ degree^negativeAlpha). */
  negatives?: 'uniform' | 'popularity';
  /** Popularity exponent for `negatives: 'popularity'` (default 0). */
  negativeAlpha?: number;
  /** Worker threads (default: the model's). Results do not depend on it. */
  threads?: number;
  /** Seed of the sampler (default: the model's seed). Same seed, same run. */
  seed?: number;
}

/** Options of the Matryoshka (MRL4Rec) objective. */
export interface MatryoshkaTraining {
  /**
   * How each triple's negatives are chosen from uniform non-positive candidates: `'mns'`
   * (default: N candidates per level, each level takes its hardest at its own prefix), `'shared'`
   * ("MRL without MNS": the hardest of N at full width, reused by every level) or `'dns'` (plain
   * BPR with the hardest of N at full width, the loss at the last level only).
   */
  negatives?: 'mns' | 'shared' | 'dns';
  /** Candidates N per level (default 16; the paper uses 8 on ML-100K). */
  candidates?: number;
  /** Weight of each level's BPR term, > 0 (default uniform 1/levels, as the reference). */
  levelWeights?: readonly number[];
}

/** {@link MatryoshkaTraining} with its defaults filled in. */
export interface ResolvedMatryoshkaTraining {
  /** How each triple's negatives are chosen. */
  readonly negatives: 'mns' | 'shared' | 'dns';
  /** Candidates per level. */
  readonly candidates: number;
  /** Weight of each level's term (absent: uniform 1/levels). */
  readonly levelWeights?: readonly number[];
}

/** {@link TrainerOptions} with every default filled in. */
export type ResolvedTrainerOptions = Required<Omit<TrainerOptions, 'matryoshka'>> & {
  /** The Matryoshka objective (Matryoshka models only). */
  matryoshka?: ResolvedMatryoshkaTraining;
};

/** Early stopping on an evaluated metric. */
export interface EarlyStopping {
  /** Metric key to maximize, e.g. `'recall@20'` (default: recall at the first cutoff). */
  metric?: string;
  /** Stop after this many evaluations without a new best (TF LightGCN: 5). */
  patience: number;
}

/** Where and how often {@link Trainer.fit} writes checkpoints. */
export interface CheckpointOptions {
  /**
   * Checkpoint file, replaced atomically each time (a model file plus optimizer state; for
   * clustered embedding tables also the cluster rows' moments, CEL's gradient window and its
   * round counters, so a resumed clustered run is bit-identical to an uninterrupted one).
   */
  path: string;
  /** Write every N epochs (default 1); the last epoch is always written. */
  every?: number;
}

/** Options of {@link Trainer.fit}. */
export interface TrainFitOptions extends FitOptions {
  /**
   * Total epochs: training runs up to epoch `epochs`, counting epochs done before (by an earlier
   * `fit` of this trainer or in a resumed checkpoint).
   */
  epochs: number;
  /** Evaluate every N epochs and after the last one (default 0 = never). */
  evalEvery?: number;
  /** Cutoff(s) of the metrics (default 20). */
  k?: number | number[];
  /** Reported metrics (default recall, ndcg, precision). */
  metrics?: MetricName[];
  /**
   * Ground truth of the evaluations: `'validation'` (default when the dataset has one) or
   * `'test'`. Best-on-test is the paper protocol and optimistic; events label it with `on: 'test'`.
   */
  on?: 'validation' | 'test';
  /** Items the evaluations may rank: `'all'` (default) or `'train'` (see {@link EvaluatorOptions.catalog}). */
  catalog?: 'all' | 'train';
  /** Data to evaluate on (default: the model's dataset); it must share the model's id space. */
  data?: Dataset;
  /** Stop when the metric has not improved for `patience` evaluations. */
  earlyStopping?: EarlyStopping;
  /** Write checkpoints while training. */
  checkpoint?: CheckpointOptions;
  /**
   * Resume from this checkpoint file before training (E_PARSE when it is damaged, E_SHAPE when it
   * is another model's: other sizes, layers, levels or embedding tables). The model must be
   * created with the same config (and the trainer with the same options and threads) for the
   * resumed run to match an uninterrupted one bit for bit.
   */
  resume?: string;
}

/** The best evaluation so far. */
export interface BestEpoch {
  /** Epoch of the best value. */
  epoch: number;
  /** Metric key, e.g. `'recall@20'`. */
  metric: string;
  /** Its value. */
  value: number;
  /** Split it was measured on; `'test'` means best-on-test (the paper protocol, optimistic). */
  on: 'validation' | 'test';
}

/** What {@link Trainer.fit} yields per epoch. */
export interface TrainEpochEvent extends EpochEvent {
  /** Best evaluation so far (after this epoch's, if any). */
  best?: BestEpoch;
  /** Split of `metrics`, on evaluated epochs. */
  on?: 'validation' | 'test';
  /** True on the epoch where early stopping ended the run. */
  stopped?: boolean;
}

const DEFAULT_METRICS: readonly MetricName[] = ['recall', 'ndcg', 'precision'];

/**
 * Trains one model with BPR. The optimizer state (Adam moments, step count) persists across
 * `fit` calls, so `fit({epochs: 20})` after `fit({epochs: 10})` continues with epochs 11-20.
 * Only one `fit` may run at a time on a model (E_BUSY otherwise).
 */
export class Trainer implements TrainerContract {
  /** The model being trained. */
  readonly model: LightGCN;
  /** The validated hyperparameters. */
  readonly options: Readonly<ResolvedTrainerOptions>;
  #snapshot: TrainerSnapshot = { epoch: 0, best: undefined, sinceBest: 0 };

  /**
   * Epochs run where the model lives ({@link LightGCN.device}): on the GPU for a `'cuda'` model,
   * with the same seeded batches as on the CPU (results agree up to float rounding).
   * @throws RecforgeError E_INVALID_ARG naming the first bad option (lr <= 0, negative reg,
   *   batchSize < 1, NaN anywhere, unknown sampler/optimizer, `'lazy-adam'` on a `'cuda'` model),
   *   E_DISPOSED for a disposed model.
   */
  constructor(model: LightGCN, options: TrainerOptions = {}) {
    if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
    this.model = model;
    const threads = model.threads;  // throws E_DISPOSED first
    const mrl = model instanceof Matryoshka;
    if (options.matryoshka !== undefined && !mrl)
      throw new RecforgeError('E_INVALID_ARG', `options.matryoshka needs a Matryoshka model, not ${model.kind}`);
    const resolved: ResolvedTrainerOptions = {
      batchSize: intOption('batchSize', options.batchSize, 1, 2147483647, 2048),
      lr: numberOption('lr', options.lr, 0, 1e-3, true),
      reg: numberOption('reg', options.reg, 0, 1e-4),
      regDivisor: choiceOption('regDivisor', options.regDivisor, ['batch', 'configured'] as const, 'batch'),
      sampler: choiceOption('sampler', options.sampler, ['tf', 'torch', 'stratified', 'pairs'] as const, mrl ? 'pairs' : 'tf'),
      dropLast: boolOption('dropLast', options.dropLast, mrl),
      optimizer: choiceOption('optimizer', options.optimizer, ['adam', 'lazy-adam', 'sgd'] as const, 'adam'),
      negatives: choiceOption('negatives', options.negatives, ['uniform', 'popularity'] as const, 'uniform'),
      negativeAlpha: numberOption('negativeAlpha', options.negativeAlpha, 0, 0),
      threads: intOption('threads', options.threads, 0, 4096, threads),
      seed: intOption('seed', options.seed, 0, Number.MAX_SAFE_INTEGER, model.config.seed),
    };
    if (mrl) resolved.matryoshka = Object.freeze(matryoshkaOptions(options.matryoshka ?? {}, model.levels));
    if (model.device === 'cuda' && resolved.optimizer === 'lazy-adam')
      throw new RecforgeError('E_INVALID_ARG',
        "optimizer 'lazy-adam' is not supported on device 'cuda' (use 'adam' or 'sgd', or create the model with device: 'cpu')");
    this.options = Object.freeze(resolved);
  }

  /** Epochs completed so far by this trainer (including resumed ones). */
  get epoch(): number {
    return this.#snapshot.epoch;
  }

  /**
   * Trains up to `options.epochs`, yielding one event per epoch. Breaking out of the loop stops
   * after the current epoch; aborting `signal` stops mid-epoch with E_ABORTED (the batches already
   * applied stay applied; the model remains usable). Disposing the model stops it with E_DISPOSED.
   * @throws RecforgeError E_BUSY when another fit runs on the model, E_INVALID_ARG for bad
   *   options, E_PARSE / E_IO for an unusable resume checkpoint, E_ABORTED, E_DISPOSED; on a
   *   `'cuda'` model E_NO_DEVICE (no usable GPU), E_DEVICE_OOM (GPU memory exhausted; the model
   *   stays usable) or E_DEVICE (another CUDA failure).
   */
  async *fit(options: TrainFitOptions): AsyncGenerator<TrainEpochEvent, void, undefined> {
    const model = this.model;
    const plan = this.#plan(options);
    claim(model);
    try {
      const signal = options.signal ? AbortSignal.any([options.signal, model.lifeSignal]) : model.lifeSignal;
      const run = { signal };
      const native = model.native();
      if (configuredBy.get(model) !== this) {
        await runNative(run, (t) => native.configureTraining({ ...this.raw(), device: model.device }, t));
        configuredBy.set(model, this);
      }
      if (options.resume !== undefined) {
        const ck = await readCheckpoint(options.resume, model);
        if (ck.options.optimizer !== this.options.optimizer)
          throw new RecforgeError('E_INVALID_ARG', `checkpoint ${options.resume} was trained with optimizer '${ck.options.optimizer}', not '${this.options.optimizer}'`);
        await runNative(run, (t) => native.importState(ck.state, t)).finally(() => model.markChanged());
        this.#snapshot = ck.snapshot;
        model.history.splice(0, model.history.length, ...ck.history);
      }
      const evaluator = plan.evalEvery > 0
        ? new Evaluator(plan.data, { k: plan.k, metrics: plan.metrics, threads: this.options.threads, on: plan.on, catalog: options.catalog }) : undefined;
      const metric = options.earlyStopping?.metric ?? `recall@${evaluator?.ks[0] ?? 20}`;
      if (evaluator && options.earlyStopping && !evaluator.ks.some((k) => plan.metrics.some((m) => `${m}@${k}` === metric)))
        throw new RecforgeError('E_INVALID_ARG', `earlyStopping.metric '${metric}' is not among the evaluated metrics`);
      const first = this.#snapshot.epoch + 1;
      for (let epoch = first; epoch <= options.epochs; epoch++) {
        throwIfAborted(signal);
        const t0 = performance.now();
        const span = options.epochs - first + 1;
        const onProgress = options.onProgress && ((f: number) => options.onProgress!((epoch - first + f) / span));
        // Epochs are numbered from 1 for people and from 0 for the sampler's seed stream.
        const loss = await runNative({ signal, onProgress }, (t, p) => native.trainEpoch(epoch - 1, t, p))
          .finally(() => model.markChanged());
        const event: TrainEpochEvent = { epoch, loss, seconds: (performance.now() - t0) / 1000 };
        const snap = this.#snapshot;
        snap.epoch = epoch;
        if (evaluator && (epoch % plan.evalEvery === 0 || epoch === options.epochs)) {
          const e0 = performance.now();
          // The tables recommend ranks with (wider by one column with embedding.splitScores).
          const final = await model.rankingTables(run);
          // A Matryoshka model is evaluated at every level too (keys like recall@20/d4), in one pass.
          const dims = model instanceof Matryoshka ? [...model.levels] : undefined;
          const result = await evaluator.evaluate(
            new Tensor(final.users, [model.nUsers, final.width]), new Tensor(final.items, [model.nItems, final.width]), { ...run, dims });
          event.metrics = { ...result } as Record<string, number>;
          event.evalSeconds = (performance.now() - e0) / 1000;
          event.on = plan.on;
          const value = event.metrics[metric];
          if (!snap.best || value > snap.best.value) {
            snap.best = { epoch, metric, value, on: plan.on };
            snap.sinceBest = 0;
          } else snap.sinceBest++;
          if (options.earlyStopping && snap.sinceBest >= options.earlyStopping.patience) event.stopped = true;
        }
        if (snap.best) event.best = { ...snap.best };
        model.history.push(historyRecord(event));
        const last = epoch === options.epochs || event.stopped === true;
        if (options.checkpoint && (epoch % plan.checkpointEvery === 0 || last))
          await writeCheckpoint(options.checkpoint.path, model, this.raw(), snap, run);
        yield event;
        if (event.stopped) return;
      }
    } catch (e) {
      if (model.disposed && isRecforgeError(e, 'E_ABORTED')) throw new RecforgeError('E_DISPOSED', 'the model was disposed during training', { cause: e });
      throw e;
    } finally {
      release(model);
    }
  }

  /** Validates the fit options up front, before anything runs. */
  #plan(options: TrainFitOptions) {
    if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'fit options must be an object');
    intOption('epochs', options.epochs, 0, 1e9, NaN);
    const evalEvery = intOption('evalEvery', options.evalEvery, 0, 1e9, 0);
    const data = options.data ?? this.model.dataset;
    const on = choiceOption('on', options.on, ['validation', 'test'] as const, data.validation ? 'validation' : 'test');
    const metrics = options.metrics ?? [...DEFAULT_METRICS];
    if (options.earlyStopping) intOption('earlyStopping.patience', options.earlyStopping.patience, 1, 1e9, NaN);
    const checkpointEvery = options.checkpoint ? intOption('checkpoint.every', options.checkpoint.every, 1, 1e9, 1) : 1;
    if (options.checkpoint && typeof options.checkpoint.path !== 'string')
      throw new RecforgeError('E_INVALID_ARG', 'checkpoint.path must be a file path');
    if (options.resume !== undefined && typeof options.resume !== 'string')
      throw new RecforgeError('E_INVALID_ARG', 'resume must be a file path');
    if (evalEvery > 0 && (data.nUsers !== this.model.nUsers || data.nItems !== this.model.nItems))
      throw new RecforgeError('E_SHAPE', `evaluation data has ${data.nUsers} x ${data.nItems} users x items but the model ${this.model.nUsers} x ${this.model.nItems}`);
    return { evalEvery, data, on, metrics, k: options.k ?? 20, checkpointEvery };
  }

  /** The options as the addon takes them. @internal */
  raw(): RawTrainOptions {
    const { regDivisor, matryoshka, ...rest } = this.options;
    const raw: RawTrainOptions = { ...rest, regByConfiguredBatch: regDivisor === 'configured' };
    if (matryoshka) {
      raw.matryoshka = { levels: [...(this.model as Matryoshka).levels], candidates: matryoshka.candidates, mode: matryoshka.negatives };
      if (matryoshka.levelWeights) raw.matryoshka.weights = [...matryoshka.levelWeights];
    }
    return raw;
  }
}

function matryoshkaOptions(o: MatryoshkaTraining, levels: readonly number[]): ResolvedMatryoshkaTraining {
  if (o === null || typeof o !== 'object') throw new RecforgeError('E_TYPE', 'options.matryoshka must be an object');
  const out: ResolvedMatryoshkaTraining = {
    negatives: choiceOption('matryoshka.negatives', o.negatives, ['mns', 'shared', 'dns'] as const, 'mns'),
    candidates: intOption('matryoshka.candidates', o.candidates, 1, 1 << 20, 16),
  };
  if (o.levelWeights !== undefined) {
    if (!Array.isArray(o.levelWeights) || o.levelWeights.length !== levels.length)
      throw new RecforgeError('E_INVALID_ARG', `matryoshka.levelWeights must be ${levels.length} numbers, one per level`);
    // `?? NaN`: a hole or undefined entry must fail like any other non-number.
    o.levelWeights.forEach((w, k) => numberOption(`matryoshka.levelWeights[${k}]`, w ?? NaN, 0, NaN, true));
    return { ...out, levelWeights: Object.freeze([...o.levelWeights]) };
  }
  return out;
}

/** History entries keep the EpochEvent fields only (no best/stopped bookkeeping). */
function historyRecord(e: TrainEpochEvent): EpochEvent {
  const r: EpochEvent = { epoch: e.epoch, loss: e.loss, seconds: e.seconds };
  if (e.metrics) r.metrics = e.metrics;
  if (e.evalSeconds !== undefined) r.evalSeconds = e.evalSeconds;
  return r;
}

// Which Trainer's options (and Adam state) the native model holds: another Trainer on the same
// model reconfigures it (fresh optimizer state) before its first epoch.
const configuredBy = new WeakMap<LightGCN, Trainer>();

// One fit per model at a time, across Trainer instances (the native lease refuses concurrent
// epochs too; this refuses the second fit before it configures anything).
const training = new WeakSet<LightGCN>();

/** Marks `model` as training (E_BUSY when it already is): one fit or partialFit at a time. @internal */
export function claim(model: LightGCN): void {
  if (training.has(model)) throw new RecforgeError('E_BUSY', 'the model is already training (one fit at a time)');
  training.add(model);
}

/** Ends {@link claim}. @internal */
export function release(model: LightGCN): void {
  training.delete(model);
}

/**
 * Forgets which Trainer configured `model`'s native run, after something else replaced it
 * (partialFit): that Trainer's next fit configures a fresh run (new optimizer state). @internal
 */
export function forgetConfiguration(model: LightGCN): void {
  configuredBy.delete(model);
}
