/** `recforge eval`: full-ranking metrics of a saved model, of embeddings (.npy) or of a baseline. @internal @module */
import type { Dataset } from '../../dataset.js';
import { RecforgeError } from '../../errors.js';
import { Evaluator, type EvaluationResult } from '../../evaluator.js';
import { Interact2Vec } from '../../interact2vec.js';
import type { AsyncOptions } from '../../job.js';
import { loadModel } from '../../model-file.js';
import { readNpy } from '../../npy.js';
import { UsageError, type ParsedFlags } from '../args.js';
import type { Command } from '../command.js';
import { catalogFlag, dataFlags, loadFromFlags } from '../data-flags.js';
import { CLI_METRICS } from '../epoch-record.js';
import { printJson, printTable } from '../output.js';
import { progressBar } from '../progress.js';
import { scoringFlag, scoringFor } from './train-interact2vec.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'full-ranking Recall/Precision/NDCG/HitRate/MAP/MRR of a saved model, embeddings or a baseline',
  flags: {
    ...dataFlags(true, true),
    model: { kind: 'string', help: 'saved model (recforge train --save); prints the epoch-record keys' },
    'user-emb': { kind: 'string', help: 'user embeddings, .npy float32 [users, d]' },
    'item-emb': { kind: 'string', help: 'item embeddings, .npy float32 [items, d]' },
    dims: { kind: 'intList', help: 'also report every prefix width, keys like recall@20/d4 (default for an mrl model: its levels)', min: 1 },
    scoring: { ...scoringFlag, help: `${scoringFlag.help}; with --model of an interact2vec file` },
    baseline: { kind: 'string', help: 'evaluate a baseline instead of embeddings', choices: ['popularity', 'random'] },
    k: { kind: 'intList', help: 'cutoffs, e.g. 10,20 (default 20)', min: 1 },
    catalog: catalogFlag,
    seed: { kind: 'int', help: 'seed of the random baseline (default 0)', min: 0 },
    threads: { kind: 'int', help: 'worker threads (default: all cores)', min: 0 },
    json: { kind: 'bool', help: 'print one JSON object of metric@k values' },
  },
  async run(flags) {
    const hasEmb = flags['user-emb'] !== undefined || flags['item-emb'] !== undefined;
    const sources = [hasEmb, flags.baseline !== undefined, flags.model !== undefined].filter(Boolean).length;
    if (sources > 1) throw new UsageError('give one of --model, --user-emb/--item-emb or --baseline');
    if (sources === 0) throw new UsageError('give --model, --user-emb and --item-emb, or --baseline');
    if (hasEmb && (flags['user-emb'] === undefined || flags['item-emb'] === undefined))
      throw new UsageError('--user-emb and --item-emb go together');
    if (flags.scoring !== undefined && flags.model === undefined) throw new UsageError('--scoring needs --model (an interact2vec file)');
    const json = flags.json === true;
    const tty = !json && process.stderr.isTTY === true;
    const data = await loadFromFlags(flags, tty);
    try {
      // A saved model reports the keys of the training epoch records (recall/ndcg/precision, eval_s).
      const metrics = flags.model !== undefined ? CLI_METRICS : undefined;
      const evaluator = new Evaluator(data, {
        k: (flags.k as number[] | undefined) ?? [20], threads: (flags.threads as number) ?? 0, metrics,
        catalog: flags.catalog as 'all' | 'train' | undefined,
      });
      const t0 = performance.now();
      const bar = progressBar('evaluating', tty);
      const run = { onProgress: (f: number) => bar.update(f) };
      let result: EvaluationResult;
      try {
        if (flags.baseline === 'popularity') result = await evaluator.popularity(run);
        else if (flags.baseline === 'random') result = await evaluator.random((flags.seed as number) ?? 0, run);
        else if (flags.model !== undefined)
          result = { ...(await evaluateModelFile(flags, data, evaluator, run)), eval_s: (performance.now() - t0) / 1000 } as EvaluationResult;
        else {
          const [u, v] = await Promise.all([readNpy(flags['user-emb'] as string), readNpy(flags['item-emb'] as string)]);
          result = await evaluator.evaluate(u, v, { ...run, dims: flags.dims as number[] | undefined });
        }
      } finally {
        bar.done();
      }
      if (json) printJson(result);
      else printTable({ ...result });
    } finally {
      data.dispose();
    }
  },
};

/**
 * Evaluates the saved model `--model` after checking that it shares the data's id space: the
 * same string ids in the same order (or integer ids on both sides); row counts are checked by
 * the evaluator. LightGCN-family models are scored by the dot product of their final tables (with
 * `--dims` prefixes, by default a Matryoshka model's levels); Interact2Vec models by `--scoring`.
 */
async function evaluateModelFile(flags: ParsedFlags, data: Dataset, evaluator: Evaluator, run: AsyncOptions): Promise<EvaluationResult> {
  const file = flags.model as string;
  const model = await loadModel(file, { threads: flags.threads as number | undefined });
  try {
    for (const [what, mine, theirs] of [['user', model.userIds, data.userIds], ['item', model.itemIds, data.itemIds]] as const) {
      const a = mine?.toExternal, b = theirs?.toExternal;
      if ((a === undefined) !== (b === undefined) || (a && b && a.some((id, k) => id !== b[k])))
        throw new RecforgeError('E_SHAPE', `${file}: the model's ${what} ids differ from the data's (train it on the same files)`);
    }
    const scoring = scoringFor(flags, model, file);
    const dims = flags.dims as number[] | undefined;
    if (model instanceof Interact2Vec && scoring !== undefined && scoring !== 'dot') {
      if (dims) throw new UsageError('--dims needs --scoring dot (prefixes of the embedding tables)');
      return await model.evaluate(evaluator, { ...run, scoring });
    }
    if (!(model instanceof Interact2Vec) && model.config.embedding?.splitScores && !dims) {
      const r = await model.rankingEmbeddings(run);  // what the model's recommend ranks with
      return await evaluator.evaluate(r.users, r.items, run);
    }
    const levels = model instanceof Interact2Vec ? undefined : model.config.levels;
    return await evaluator.evaluate(await model.userEmbeddings(), await model.itemEmbeddings(), { ...run, dims: dims ?? (levels && [...levels]) });
  } finally {
    model.dispose();
  }
}
