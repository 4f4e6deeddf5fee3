/** `recforge recommend`: a saved model's top-k unseen items for one user. @internal @module */
import { Interact2Vec } from '../../interact2vec.js';
import type { Recommendation } from '../../lightgcn.js';
import { loadModel } from '../../model-file.js';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { printJson, printTable } from '../output.js';
import { scoringFlag, scoringFor } from './train-interact2vec.js';

export const recommendCommand: Command = {
  name: 'recommend',
  summary: "top-k items for a user from a saved model (the user's train items excluded)",
  flags: {
    model: { kind: 'string', help: 'model file written by recforge train --save', required: true },
    user: { kind: 'string', help: 'user id (external id when the data had string ids)', required: true },
    k: { kind: 'int', help: 'number of items (default 10)', min: 1 },
    dim: { kind: 'int', help: 'score with the first D coordinates only (or the coarse pass with --shortlist)', min: 1 },
    shortlist: { kind: 'int', help: 'coarse-to-fine: rerank the best N by the --dim prefix at full width (N >= k)', min: 1 },
    scoring: scoringFlag,
    'include-seen': { kind: 'bool', help: "also recommend the user's train items" },
    threads: { kind: 'int', help: 'worker threads (default: all cores)', min: 0 },
    json: { kind: 'bool', help: 'print one JSON object {user, items, scores}' },
  },
  async run(flags) {
    const model = await loadModel(flags.model as string, { threads: flags.threads as number | undefined });
    try {
      const scoring = scoringFor(flags, model, flags.model as string);
      const common = { k: (flags.k as number | undefined) ?? 10, exclude: flags['include-seen'] === true ? 'none' as const : 'train' as const };
      let r: Recommendation;
      if (model instanceof Interact2Vec) {
        for (const f of ['dim', 'shortlist']) if (flags[f] !== undefined) throw new UsageError(`--${f} is not used by interact2vec models`);
        r = await model.recommend(flags.user as string, { ...common, scoring });
      } else {
        r = await model.recommend(flags.user as string, { ...common, dim: flags.dim as number | undefined, shortlist: flags.shortlist as number | undefined });
      }
      const items = r.itemIds ?? Array.from(r.items);
      const user = model.userIds ? flags.user : r.user;
      if (flags.json === true) printJson({ user, items, scores: Array.from(r.scores) });
      else printTable(Object.fromEntries(items.map((item, q) => [`${q + 1}. ${item}`, r.scores[q]])));
    } finally {
      model.dispose();
    }
  },
};
