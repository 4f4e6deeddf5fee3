/**
 * `recforge recommend`: a saved model's top-k unseen items for one user, the items most similar to
 * an item (--similar-items), or the top-k for a new user given its items (--fold-in).
 * @internal @module
 */
import { Interact2Vec } from '../../interact2vec.js';
import type { LightGCN, Recommendation } from '../../lightgcn.js';
import { loadModel } from '../../model-file.js';
import { UsageError, type ParsedFlags } from '../args.js';
import type { Command } from '../command.js';
import { printJson, printTable } from '../output.js';
import { scoringFlag, scoringFor } from './train-interact2vec.js';

export const recommendCommand: Command = {
  name: 'recommend',
  summary: "top-k items for a user from a saved model (the user's train items excluded), items like an item, or a new user's top-k",
  flags: {
    model: { kind: 'string', help: 'model file written by recforge train --save', required: true },
    user: { kind: 'string', help: 'user id (external id when the data had string ids)' },
    'similar-items': { kind: 'string', help: 'instead of --user: the k items most similar to this item (cosine of embeddings)' },
    'fold-in': { kind: 'string', help: 'instead of --user: top-k for a new user with these comma-separated items (LightGCN / MF / MRL)' },
    k: { kind: 'int', help: 'number of items (default 10)', min: 1 },
    dim: { kind: 'int', help: 'score with the first D coordinates only (or the coarse pass with --shortlist)', min: 1 },
    shortlist: { kind: 'int', help: 'coarse-to-fine: rerank the best N by the --dim prefix at full width (N >= k)', min: 1 },
    scoring: scoringFlag,
    'include-seen': { kind: 'bool', help: "also recommend the user's train items" },
    threads: { kind: 'int', help: 'worker threads (default: all cores)', min: 0 },
    json: { kind: 'bool', help: 'print one JSON object {user, items, scores}' },
  },
  async run(flags) {
    const modes = ['user', 'similar-items', 'fold-in'].filter((f) => flags[f] !== undefined);
    if (modes.length !== 1) throw new UsageError('give exactly one of --user, --similar-items or --fold-in');
    const model = await loadModel(flags.model as string, { threads: flags.threads as number | undefined });
    try {
      if (flags['similar-items'] !== undefined) return await similarItems(model, flags);
      if (flags['fold-in'] !== undefined) {
        if (model instanceof Interact2Vec) throw new UsageError('--fold-in needs a LightGCN, MF or MRL model');
        return await foldIn(model, flags);
      }
      const scoring = scoringFor(flags, model, flags.model as string);
      const common = { k: (flags.k as number | undefined) ?? 10, exclude: flags['include-seen'] === true ? 'none' as const : 'train' as const };
      let r: Recommendation;
      if (model instanceof Interact2Vec) {
        for (const f of ['dim', 'shortlist']) if (flags[f] !== undefined) throw new UsageError(`--${f} is not used by interact2vec models`);
        r = await model.recommend(flags.user as string, { ...common, scoring });
      } else {
        r = await model.recommend(flags.user as string, { ...common, dim: flags.dim as number | undefined, shortlist: flags.shortlist as number | undefined });
      }
      print(flags, { user: model.userIds ? flags.user : r.user, items: r.itemIds ?? Array.from(r.items), scores: Array.from(r.scores) });
    } finally {
      model.dispose();
    }
  },
};

/** --similar-items ITEM: the k nearest items by cosine, the item itself excluded. */
async function similarItems(model: LightGCN | Interact2Vec, flags: ParsedFlags): Promise<void> {
  for (const f of ['shortlist', 'scoring', 'include-seen']) if (flags[f] !== undefined) throw new UsageError(`--${f} is not used with --similar-items`);
  const item = flags['similar-items'] as string;
  const r = await model.similarItems(item, { k: (flags.k as number | undefined) ?? 10, dim: flags.dim as number | undefined });
  const items = r.externalIds ?? Array.from(r.ids);
  print(flags, { item: model.itemIds ? item : r.query, items, scores: Array.from(r.scores) });
}

/** --fold-in "i1,i2,...": the top-k for a user not in the model, from these items. */
async function foldIn(model: LightGCN, flags: ParsedFlags): Promise<void> {
  if (flags.scoring !== undefined) throw new UsageError('--scoring is used by interact2vec models only');
  const given = (flags['fold-in'] as string).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (given.length === 0) throw new UsageError('--fold-in needs at least one item id');
  const r = await model.foldInUser(given, {
    k: (flags.k as number | undefined) ?? 10, exclude: flags['include-seen'] === true ? 'none' : 'train',
    dim: flags.dim as number | undefined, shortlist: flags.shortlist as number | undefined,
  });
  print(flags, { foldIn: given, items: r.itemIds ?? Array.from(r.items), scores: Array.from(r.scores) });
}

/** One JSON object with --json, else a ranked table of items and scores. */
function print(flags: ParsedFlags, out: { items: (string | number)[]; scores: number[] } & Record<string, unknown>): void {
  if (flags.json === true) printJson(out);
  else printTable(Object.fromEntries(out.items.map((item, q) => [`${q + 1}. ${item}`, out.scores[q]])));
}
