/**
 * `recforge train`: trains LightGCN or MF-BPR on interaction files, printing one record per epoch
 * (`--json`: one JSON object per line), with evaluation, early stopping, checkpoints and resume.
 * @internal
 * @module
 */
import type { Device } from '../../backends.js';
import type { Dataset } from '../../dataset.js';
import { LightGCN, MF } from '../../lightgcn.js';
import { Matryoshka } from '../../matryoshka.js';
import { saveModel } from '../../model-file.js';
import { Trainer, type TrainerOptions, type TrainFitOptions } from '../../trainer.js';
import { UsageError, type ParsedFlags } from '../args.js';
import type { Command } from '../command.js';
import { catalogFlag, dataFlags, loadFromFlags } from '../data-flags.js';
import { embeddingFromFlags } from '../embedding-flags.js';
import { CLI_METRICS, epochLine, epochRecord } from '../epoch-record.js';
import { printJson } from '../output.js';
import { progressBar } from '../progress.js';
import { reportFlag, runConfig, writeReportFlag } from '../report.js';
import { checkInteract2VecFlagsUnused, interact2vecFlags, trainInteract2Vec } from './train-interact2vec.js';

async function createModel(kind: string, flags: ParsedFlags, data: Dataset): Promise<LightGCN> {
  const options = {
    dim: flags.dim as number | undefined, layers: flags.layers as number | undefined, init: flags.init as 'normal' | undefined,
    initStd: flags['init-std'] as number | undefined, seed: flags.seed as number | undefined, threads: flags.threads as number | undefined,
    // auto: CUDA when available, except for what only the CPU trainer does (lazy-adam; mrl is CPU-only anyway).
    device: (flags.device as Device | undefined) ?? (flags.optimizer === 'lazy-adam' ? 'cpu' : 'auto'),
    embedding: embeddingFromFlags(flags),
  };
  if (kind === 'mf') return MF.create(data, options);
  if (kind === 'lightgcn') return LightGCN.create(data, options);
  return Matryoshka.create(data, { ...options, levels: flags.levels as number[] | undefined, backbone: flags.backbone as 'mf' | undefined });
}

function trainerOptions(flags: ParsedFlags, lr: number | undefined): TrainerOptions {
  const options: TrainerOptions = {
    batchSize: flags.batch as number | undefined, lr, reg: flags.reg as number | undefined,
    sampler: flags.sampler as 'tf' | undefined, optimizer: flags.optimizer as 'adam' | undefined,
  };
  if (flags['drop-last'] !== undefined) options.dropLast = flags['drop-last'] === 'yes';
  if (flags.model === 'mrl')
    options.matryoshka = {
      negatives: flags.negatives as 'mns' | undefined, candidates: flags.candidates as number | undefined,
      levelWeights: flags['level-weights'] as number[] | undefined,
    };
  return options;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train LightGCN, MF-BPR, Matryoshka (MRL4Rec) or Interact2Vec embeddings and optionally save the model',
  flags: {
    model: { kind: 'string', help: 'lightgcn (default), mf (= 0 layers), mrl (Matryoshka, MRL4Rec) or interact2vec', choices: ['lightgcn', 'mf', 'mrl', 'interact2vec'] },
    ...dataFlags(true, false),
    dim: { kind: 'int', help: 'embedding width (default 64)', min: 1 },
    layers: { kind: 'int', help: 'propagation layers K (default 3; mf: 0)', min: 0 },
    'init-std': { kind: 'number', help: 'std of the initial N(0, std^2) table (default 0.1)', min: 0 },
    init: { kind: 'string', help: 'initial table: normal (N(0, std^2)) or xavier (default: xavier for mrl, else normal)', choices: ['normal', 'xavier'] },
    levels: { kind: 'intList', help: 'mrl: nested prefix sizes (default 4,8,16,32,64)', min: 1 },
    'level-weights': { kind: 'numberList', help: 'mrl: weight of each level\'s loss, > 0 (default uniform 1/levels)' },
    candidates: { kind: 'int', help: 'mrl: candidate negatives N per level (default 16)', min: 1 },
    backbone: { kind: 'string', help: 'mrl: mf (default) or lightgcn (with --layers)', choices: ['mf', 'lightgcn'] },
    negatives: { kind: 'string', help: 'mrl: mns (default), shared (MRL w/o MNS) or dns (plain BPR-DNS); interact2vec: negatives per interaction K (default 5)' },
    embedding: { kind: 'string', help: 'embedding tables (lightgcn / mf / mrl layer 0, interact2vec U and V): full (default), clustered (CEL), hashed or frequency (see docs/cel.md)', choices: ['full', 'clustered', 'hashed', 'frequency'] },
    compression: { kind: 'number', help: 'shared tables: compression ratio R >= 1 (rows = floor(entities / R))', min: 1 },
    clusters: { kind: 'int', help: 'shared tables: row count N (instead of --compression)', min: 1 },
    'cluster-tables': { kind: 'string', help: 'which tables share rows: items (default), users or both', choices: ['items', 'users', 'both'] },
    residual: { kind: 'bool', help: 'shared tables: add a per-entity residual row (full-table memory again)' },
    hot: { kind: 'number', help: 'clustered: share of the rows in [0, 1] pinned to the most interacted entities, the rest clustered (default 0)', min: 0 },
    'split-scores': { kind: 'bool', help: 'lightgcn / mf with shared item rows: rank a member of a shared row at the row score minus log(members)' },
    ...interact2vecFlags,
    epochs: { kind: 'int', help: 'total epochs (default 100; counts resumed epochs)', min: 0 },
    batch: { kind: 'int', help: 'triples per mini-batch (default 2048)', min: 1 },
    lr: { kind: 'number', help: 'learning rate, > 0 (default 0.001)' },
    reg: { kind: 'number', help: 'L2 coefficient lambda (default 1e-4)', min: 0 },
    sampler: { kind: 'string', help: 'what an epoch is (default tf; mrl: pairs)', choices: ['tf', 'torch', 'stratified', 'pairs'] },
    'drop-last': { kind: 'string', help: 'skip a partial last batch (default: yes for mrl, else no)', choices: ['yes', 'no'] },
    optimizer: { kind: 'string', help: 'optimizer (default adam)', choices: ['adam', 'lazy-adam', 'sgd'] },
    seed: { kind: 'int', help: 'seed of the initial table and the sampler (default 0)', min: 0 },
    threads: { kind: 'int', help: 'worker threads (default: all cores); results do not depend on it', min: 0 },
    device: { kind: 'string', help: 'where lightgcn / mf train: auto (default: cuda when available, see `recforge backends`), cpu or cuda', choices: ['auto', 'cpu', 'cuda'] },
    'eval-every': { kind: 'int', help: 'evaluate every N epochs and after the last (default 10 with --test/--validation, 0 = never)', min: 0 },
    k: { kind: 'intList', help: 'metric cutoffs (default 20)', min: 1 },
    on: { kind: 'string', help: 'evaluate on (default: validation when given, else test = paper protocol)', choices: ['validation', 'test'] },
    catalog: catalogFlag,
    patience: { kind: 'int', help: 'early stopping: evaluations without a new best recall@K', min: 1 },
    save: { kind: 'string', help: 'write the trained model to this file (safetensors, see docs/model-format.md)' },
    checkpoint: { kind: 'string', help: 'write a resumable checkpoint to this file (atomically)' },
    'checkpoint-every': { kind: 'int', help: 'epochs between checkpoints (default 1)', min: 1 },
    resume: { kind: 'string', help: 'continue from this checkpoint (same data and model flags)' },
    report: reportFlag,
    json: { kind: 'bool', help: 'print one JSON object per epoch: epoch, loss, train_s [, eval_s, recall@K, ndcg@K, precision@K; mrl: also recall@K/dD per level]' },
  },
  async run(flags) {
    const kind = (flags.model as string | undefined) ?? 'lightgcn';
    const lr = flags.lr as number | undefined;
    if (lr !== undefined && !(lr > 0)) throw new UsageError(`--lr must be > 0, got ${lr}`);
    if (kind === 'mf' && flags.layers !== undefined && flags.layers !== 0) throw new UsageError('--model mf has 0 layers; drop --layers');
    if (kind !== 'mrl')
      for (const f of ['levels', 'level-weights', 'candidates', 'backbone', 'negatives'])
        if (flags[f] !== undefined && !(f === 'negatives' && kind === 'interact2vec')) throw new UsageError(`--${f} is for --model mrl`);
    if (kind === 'mrl' && flags.negatives !== undefined && !['mns', 'shared', 'dns'].includes(flags.negatives as string))
      throw new UsageError(`--negatives must be mns, shared or dns for --model mrl, got ${String(flags.negatives)}`);
    if (kind !== 'interact2vec') checkInteract2VecFlagsUnused(flags);
    const json = flags.json === true;
    const tty = !json && process.stderr.isTTY === true;
    const data = await loadFromFlags(flags, tty);
    let model: LightGCN | undefined;
    try {
      if (kind === 'interact2vec') return await trainInteract2Vec(flags, data, json, tty);
      model = await createModel(kind, flags, data);
      const trainer = new Trainer(model, trainerOptions(flags, lr));
      const hasTruth = data.test !== undefined || data.validation !== undefined;
      const evalEvery = (flags['eval-every'] as number | undefined) ?? (hasTruth ? 10 : 0);
      if (evalEvery > 0 && !hasTruth) throw new UsageError('--eval-every needs --test or --validation');
      const ks = (flags.k as number[] | undefined) ?? [20];
      const fit: TrainFitOptions = { epochs: (flags.epochs as number | undefined) ?? 100, evalEvery, k: ks, metrics: CLI_METRICS };
      if (flags.on !== undefined) fit.on = flags.on as 'validation' | 'test';
      if (flags.catalog !== undefined) fit.catalog = flags.catalog as 'all' | 'train';
      if (flags.patience !== undefined) fit.earlyStopping = { patience: flags.patience as number, metric: `recall@${Math.min(...ks)}` };
      if (flags.checkpoint !== undefined) fit.checkpoint = { path: flags.checkpoint as string, every: flags['checkpoint-every'] as number | undefined };
      if (flags.resume !== undefined) fit.resume = flags.resume as string;
      const bar = progressBar('training', tty);
      fit.onProgress = (f) => bar.update(f);
      let best;
      try {
        for await (const e of trainer.fit(fit)) {
          best = e.best;
          if (json) printJson(epochRecord(e));
          else {
            bar.done();
            process.stdout.write(epochLine(e) + (e.stopped ? '  (early stop)' : '') + '\n');
          }
        }
      } finally {
        bar.done();
      }
      if (!json && best)
        process.stdout.write(`best epoch ${best.epoch}: ${best.metric} ${best.value.toFixed(4)} on ${best.on}` +
          `${best.on === 'test' ? ' (best-on-test: the paper protocol, optimistic)' : ''}\n`);
      if (flags.save !== undefined) {
        await saveModel(model, flags.save as string);
        if (!json) process.stdout.write(`saved ${kind} model to ${String(flags.save)}\n`);
      }
      await writeReportFlag(flags, model.history, runConfig(kind, flags, model.config, trainer.options,
        { epochs: fit.epochs, evalEvery, k: ks, on: fit.on, catalog: fit.catalog, patience: flags.patience, resume: fit.resume }), json);
    } finally {
      model?.dispose();
      data.dispose();
    }
  },
};
