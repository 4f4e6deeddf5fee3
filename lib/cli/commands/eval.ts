/** `recforge eval`: full-ranking metrics of a saved model, of embeddings (.npy) or of a baseline. @internal @module */
import { RecforgeError } from '../../errors.js';
import { Evaluator, type EvaluationResult } from '../../evaluator.js';
import { loadModel } from '../../model-file.js';
import { readNpy } from '../../npy.js';
import type { Tensor } from '../../tensor.js';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { dataFlags, loadFromFlags } from '../data-flags.js';
import { CLI_METRICS } from '../epoch-record.js';
import { printJson, printTable } from '../output.js';
import { progressBar } from '../progress.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'full-ranking Recall/Precision/NDCG/HitRate/MAP/MRR of a saved model, embeddings or a baseline',
  flags: {
    ...dataFlags(true, true),
    model: { kind: 'string', help: 'saved model (recforge train --save); prints the epoch-record keys' },
    'user-emb': { kind: 'string', help: 'user embeddings, .npy float32 [users, d]' },
    'item-emb': { kind: 'string', help: 'item embeddings, .npy float32 [items, d]' },
    dims: { kind: 'intList', help: 'also report every prefix width, keys like recall@20/d4 (default for an mrl model: its levels)', min: 1 },
    baseline: { kind: 'string', help: 'evaluate a baseline instead of embeddings', choices: ['popularity', 'random'] },
    k: { kind: 'intList', help: 'cutoffs, e.g. 10,20 (default 20)', min: 1 },
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
    const json = flags.json === true;
    const tty = !json && process.stderr.isTTY === true;
    const data = await loadFromFlags(flags, tty);
    try {
      // A saved model reports the keys of the training epoch records (recall/ndcg/precision, eval_s).
      const metrics = flags.model !== undefined ? CLI_METRICS : undefined;
      const evaluator = new Evaluator(data, { k: (flags.k as number[] | undefined) ?? [20], threads: (flags.threads as number) ?? 0, metrics });
      const t0 = performance.now();
      const bar = progressBar('evaluating', tty);
      const run = { onProgress: (f: number) => bar.update(f) };
      let result: EvaluationResult;
      try {
        if (flags.baseline === 'popularity') result = await evaluator.popularity(run);
        else if (flags.baseline === 'random') result = await evaluator.random((flags.seed as number) ?? 0, run);
        else if (flags.model !== undefined) {
          const [u, v, levels] = await modelTables(flags.model as string, data.userIds?.toExternal, data.itemIds?.toExternal);
          const dims = (flags.dims as number[] | undefined) ?? levels;
          result = { ...(await evaluator.evaluate(u, v, { ...run, dims })), eval_s: (performance.now() - t0) / 1000 } as EvaluationResult;
        } else {
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
 * Final embeddings of a saved model (and its Matryoshka levels, if any), checked to share the
 * data's id space: the same string ids in the same order (or integer ids on both sides); row
 * counts are checked by the evaluator.
 */
async function modelTables(file: string, users?: readonly string[], items?: readonly string[]): Promise<[Tensor, Tensor, number[] | undefined]> {
  const model = await loadModel(file);
  try {
    for (const [what, mine, theirs] of [['user', model.userIds?.toExternal, users], ['item', model.itemIds?.toExternal, items]] as const) {
      if ((mine === undefined) !== (theirs === undefined) || (mine && theirs && mine.some((id, k) => id !== theirs[k])))
        throw new RecforgeError('E_SHAPE', `${file}: the model's ${what} ids differ from the data's (train it on the same files)`);
    }
    const levels = model.config.levels ? [...model.config.levels] : undefined;
    return [await model.userEmbeddings(), await model.itemEmbeddings(), levels];
  } finally {
    model.dispose();
  }
}
