/** `recforge eval`: full-ranking metrics of embeddings (.npy) or of a baseline. @internal @module */
import { Evaluator, type EvaluationResult } from '../../evaluator.js';
import { readNpy } from '../../npy.js';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { dataFlags, loadFromFlags } from '../data-flags.js';
import { printJson, printTable } from '../output.js';
import { progressBar } from '../progress.js';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'full-ranking Recall/Precision/NDCG/HitRate/MAP/MRR of embeddings or a baseline',
  flags: {
    ...dataFlags(true, true),
    'user-emb': { kind: 'string', help: 'user embeddings, .npy float32 [users, d]' },
    'item-emb': { kind: 'string', help: 'item embeddings, .npy float32 [items, d]' },
    baseline: { kind: 'string', help: 'evaluate a baseline instead of embeddings', choices: ['popularity', 'random'] },
    k: { kind: 'intList', help: 'cutoffs, e.g. 10,20 (default 20)', min: 1 },
    seed: { kind: 'int', help: 'seed of the random baseline (default 0)', min: 0 },
    threads: { kind: 'int', help: 'worker threads (default: all cores)', min: 0 },
    json: { kind: 'bool', help: 'print one JSON object of metric@k values' },
  },
  async run(flags) {
    const hasEmb = flags['user-emb'] !== undefined || flags['item-emb'] !== undefined;
    if (hasEmb && flags.baseline !== undefined) throw new UsageError('give either --user-emb/--item-emb or --baseline, not both');
    if (!hasEmb && flags.baseline === undefined) throw new UsageError('give --user-emb and --item-emb, or --baseline');
    if (hasEmb && (flags['user-emb'] === undefined || flags['item-emb'] === undefined))
      throw new UsageError('--user-emb and --item-emb go together');
    const json = flags.json === true;
    const tty = !json && process.stderr.isTTY === true;
    const data = await loadFromFlags(flags, tty);
    try {
      const evaluator = new Evaluator(data, { k: (flags.k as number[] | undefined) ?? [20], threads: (flags.threads as number) ?? 0 });
      const bar = progressBar('evaluating', tty);
      const run = { onProgress: (f: number) => bar.update(f) };
      let result: EvaluationResult;
      try {
        if (flags.baseline === 'popularity') result = await evaluator.popularity(run);
        else if (flags.baseline === 'random') result = await evaluator.random((flags.seed as number) ?? 0, run);
        else {
          const [u, v] = await Promise.all([readNpy(flags['user-emb'] as string), readNpy(flags['item-emb'] as string)]);
          result = await evaluator.evaluate(u, v, run);
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
