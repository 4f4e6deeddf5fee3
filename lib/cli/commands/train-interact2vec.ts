/**
 * `recforge train --model interact2vec`: the Interact2Vec branch of the train command, kept in
 * its own file so train.ts only routes to it. Same `--json` epoch contract as the other models.
 * @internal
 * @module
 */
import type { Dataset } from '../../dataset.js';
import { Interact2Vec, type Interact2VecFitOptions, type Interact2VecOptions, type Interact2VecScoring } from '../../interact2vec.js';
import { saveModel, type SavedModel } from '../../model-file.js';
import { UsageError, type FlagSpec, type ParsedFlags } from '../args.js';
import { embeddingFromFlags } from '../embedding-flags.js';
import { CLI_METRICS, epochLine, epochRecord } from '../epoch-record.js';
import { printJson } from '../output.js';
import { progressBar } from '../progress.js';
import { runConfig, writeReportFlag } from '../report.js';

/** `--scoring`: how an Interact2Vec model scores a user-item pair (train, eval and recommend take it). */
export const scoringFlag: FlagSpec = {
  kind: 'string', help: 'interact2vec: dot (default), cosine, knn (item-based, 64 neighbours) or blend (0.5 cosine + 0.5 knn)',
  choices: ['dot', 'cosine', 'knn', 'blend'],
};

/**
 * The --scoring flag for a loaded model: the scoring for an Interact2Vec model, refused
 * (UsageError) for a model of another family, which has only the dot product.
 */
export function scoringFor(flags: ParsedFlags, model: SavedModel, file: string): Interact2VecScoring | undefined {
  if (flags.scoring !== undefined && !(model instanceof Interact2Vec))
    throw new UsageError(`--scoring is for interact2vec models; ${file} holds a ${model.kind} model`);
  return flags.scoring as Interact2VecScoring | undefined;
}

/** Flags only Interact2Vec reads (train.ts also routes --dim, --negatives, --lr, --optimizer, --batch, ...). */
export const interact2vecFlags: Record<string, FlagSpec> = {
  alpha: { kind: 'number', help: 'interact2vec: negatives drawn proportional to item count^alpha, any real (default -0.5)' },
  subsample: { kind: 'number', help: 'interact2vec: word2vec keep-rule threshold rho (default 0 = off)', min: 0 },
  'subsample-mode': { kind: 'string', help: 'interact2vec: subsample once (default) or every epoch', choices: ['once', 'epoch'] },
  'item-item-weight': { kind: 'number', help: 'interact2vec (sgd): weight of the item-item objective (default 0)', min: 0 },
  'adam-row-order': { kind: 'string', help: 'interact2vec (adam): shuffled rows (default, steadier) or user order (the reference code)', choices: ['shuffled', 'user'] },
  scoring: { ...scoringFlag, help: `${scoringFlag.help}; the score evaluated` },
};

/** Flags of the other models that Interact2Vec has no use for. */
const FOREIGN = ['layers', 'init-std', 'init', 'reg', 'sampler', 'drop-last', 'patience', 'checkpoint', 'checkpoint-every', 'resume'];

/** Refuses Interact2Vec flags given to another model. */
export function checkInteract2VecFlagsUnused(flags: ParsedFlags): void {
  for (const f of Object.keys(interact2vecFlags))
    if (flags[f] !== undefined) throw new UsageError(`--${f} is for --model interact2vec`);
}

/** Builds, trains, reports and (with --save) saves an Interact2Vec model from the parsed flags (the caller disposes `data`). */
export async function trainInteract2Vec(flags: ParsedFlags, data: Dataset, json: boolean, tty: boolean): Promise<void> {
  for (const f of FOREIGN) if (flags[f] !== undefined) throw new UsageError(`--${f} is not used by --model interact2vec`);
  const optimizer = (flags.optimizer as string | undefined) ?? 'sgd';
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new UsageError(`--model interact2vec trains with --optimizer sgd or adam, got ${optimizer}`);
  const negatives = flags.negatives === undefined ? undefined : Number(flags.negatives);
  if (negatives !== undefined && !(Number.isInteger(negatives) && negatives >= 1))
    throw new UsageError(`--negatives must be an integer >= 1 for --model interact2vec, got ${String(flags.negatives)}`);
  const options: Interact2VecOptions = {
    dim: flags.dim as number | undefined, negatives, alpha: flags.alpha as number | undefined,
    subsample: flags.subsample as number | undefined, subsampleMode: flags['subsample-mode'] as 'once' | undefined, optimizer,
    lr: flags.lr as number | undefined, batchRows: flags.batch as number | undefined,
    adamRowOrder: flags['adam-row-order'] as 'shuffled' | undefined,
    itemItemWeight: flags['item-item-weight'] as number | undefined, seed: flags.seed as number | undefined,
    threads: flags.threads as number | undefined,
    device: flags.device as 'cpu' | undefined,  // 'cuda' is refused: Interact2Vec trains on CPU only
    embedding: embeddingFromFlags(flags),
  };
  const hasTruth = data.test !== undefined || data.validation !== undefined;
  const evalEvery = (flags['eval-every'] as number | undefined) ?? (hasTruth ? 10 : 0);
  if (evalEvery > 0 && !hasTruth) throw new UsageError('--eval-every needs --test or --validation');
  const model = await Interact2Vec.create(data, options);
  try {
    const fit: Interact2VecFitOptions = {
      epochs: (flags.epochs as number | undefined) ?? 100, evalEvery, k: (flags.k as number[] | undefined) ?? [20], metrics: CLI_METRICS,
      scoring: flags.scoring as Interact2VecScoring | undefined,
    };
    if (flags.on !== undefined) fit.on = flags.on as 'validation' | 'test';
    if (flags.catalog !== undefined) fit.catalog = flags.catalog as 'all' | 'train';
    const bar = progressBar('training', tty);
    fit.onProgress = (f) => bar.update(f);
    try {
      for await (const e of model.fit(fit)) {
        if (json) printJson(epochRecord(e));
        else {
          bar.done();
          process.stdout.write(epochLine(e) + '\n');
        }
      }
    } finally {
      bar.done();
    }
    if (flags.save !== undefined) {
      await saveModel(model, flags.save as string);
      if (!json) process.stdout.write(`saved interact2vec model to ${String(flags.save)}\n`);
    }
    await writeReportFlag(flags, model.history, runConfig('interact2vec', flags, model.config, model.training,
      { epochs: fit.epochs, evalEvery, k: fit.k, on: fit.on, catalog: fit.catalog, scoring: fit.scoring }), json);
  } finally {
    model.dispose();
  }
}
