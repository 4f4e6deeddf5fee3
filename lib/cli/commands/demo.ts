/**
 * `recforge demo`: the main job on the embedded default. Generates seeded synthetic feedback
 * with planted structure, trains LightGCN on it within a time budget (one minute at most at the
 * default sizes), and compares it with the sanity recommenders (random, popularity, projection).
 * @internal
 * @module
 */
import { Evaluator, type EvaluationResult } from '../../evaluator.js';
import { LightGCN } from '../../lightgcn.js';
import { projectionEmbeddings } from '../../projection.js';
import { Trainer } from '../../trainer.js';
import { syntheticDataset } from '../../synthetic.js';
import { UsageError } from '../args.js';
import type { Command } from '../command.js';
import { epochLine, epochRecord } from '../epoch-record.js';
import { printJson } from '../output.js';
import { progressBar } from '../progress.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'generate seeded synthetic data and compare recommenders on it (no files needed)',
  flags: {
    users: { kind: 'int', help: 'number of users (default 5000)', min: 1 },
    items: { kind: 'int', help: 'number of items (default 3000)', min: 2 },
    'mean-activity': { kind: 'number', help: 'mean interactions per user (default 30)', min: 1 },
    dim: { kind: 'int', help: 'embedding width (default 64)', min: 1 },
    layers: { kind: 'int', help: 'LightGCN layers (default 3)', min: 0 },
    epochs: { kind: 'int', help: 'LightGCN epochs at most (default 20)', min: 1 },
    lr: { kind: 'number', help: 'LightGCN learning rate (default 0.01: a short run)' },
    'time-limit': { kind: 'number', help: 'seconds of LightGCN training at most (default 45)', min: 1 },
    k: { kind: 'intList', help: 'cutoffs (default 20)', min: 1 },
    seed: { kind: 'int', help: 'random seed (default 42)', min: 0 },
    threads: { kind: 'int', help: 'worker threads (default: all cores)', min: 0 },
    json: { kind: 'bool', help: 'print JSON lines: one for the data, one per recommender' },
  },
  async run(flags) {
    const json = flags.json === true;
    const tty = !json && process.stderr.isTTY === true;
    const seed = (flags.seed as number) ?? 42;
    const threads = (flags.threads as number) ?? 0;
    const spec = {
      users: (flags.users as number) ?? 5000,
      items: (flags.items as number) ?? 3000,
      meanActivity: (flags['mean-activity'] as number) ?? 30,
      seed,
      threads,
    };
    const timed = async <T>(label: string, fn: (p: (f: number) => void) => Promise<T>): Promise<[T, number]> => {
      const bar = progressBar(label, tty);
      const t0 = performance.now();
      try {
        return [await fn((f) => bar.update(f)), (performance.now() - t0) / 1000];
      } finally {
        bar.done();
      }
    };
    const [data, genSeconds] = await timed('generating', (p) => syntheticDataset(spec, { onProgress: p }));
    try {
      const stats = await data.stats();
      const dataRecord = { event: 'data', source: 'synthetic', ...spec, train: stats.train, test: stats.test, density: stats.density, seconds: genSeconds };
      if (json) printJson(dataRecord);
      else
        process.stdout.write(
          `synthetic data: ${stats.users} users x ${stats.items} items, ${stats.train} train / ${stats.test} test interactions ` +
            `(density ${stats.density.toPrecision(3)}, seed ${seed}), generated in ${genSeconds.toFixed(2)} s\n\n`,
        );
      const evaluator = new Evaluator(data, { k: (flags.k as number[] | undefined) ?? [20], threads });
      const dim = (flags.dim as number) ?? 64;
      const runs: Array<[string, string, (p: (f: number) => void) => Promise<EvaluationResult>]> = [
        ['random', 'uniform random scores (floor)', (p) => evaluator.random(seed, { onProgress: p })],
        ['popularity', 'most popular unseen items', (p) => evaluator.popularity({ onProgress: p })],
        ['projection', `untrained: random vectors propagated once over the graph (d=${dim})`, async (p) => {
          const e = await projectionEmbeddings(data, { dim, seed, threads });
          return evaluator.evaluate(e.users, e.items, { onProgress: p });
        }],
      ];
      const layers = (flags.layers as number) ?? 3;
      const lr = (flags.lr as number) ?? 0.01;
      if (!(lr > 0)) throw new UsageError(`--lr must be > 0, got ${lr}`);
      runs.push(['lightgcn', `trained: ${layers}-layer LightGCN, BPR + Adam (d=${dim}, lr=${lr})`, async () => {
        const model = await LightGCN.create(data, { dim, layers, seed, threads });
        try {
          await trainWithin(model, { epochs: (flags.epochs as number) ?? 20, lr, seed, threads, budget: (flags['time-limit'] as number) ?? 45, json, tty });
          return evaluator.evaluate(await model.userEmbeddings(), await model.itemEmbeddings());
        } finally {
          model.dispose();
        }
      }]);
      const keys = evaluator.ks.flatMap((k) => ['recall', 'ndcg', 'precision'].map((m) => `${m}@${k}`));
      const rows: string[] = [];
      for (const [model, what, run] of runs) {
        const [result, seconds] = await timed(model === 'lightgcn' ? 'setup' : model, run);
        if (json) printJson({ event: 'result', model, description: what, ...result, seconds });
        else
          rows.push(
            `${model.padEnd(12)}${keys.map((k) => result[k as `${string}@${number}`].toFixed(4).padStart(14)).join('')}` +
              `  ${seconds.toFixed(2).padStart(7)}  ${what}\n`,
          );
      }
      if (!json) process.stdout.write(`\n${'model'.padEnd(12)}${keys.map((k) => k.padStart(14)).join('')}  seconds  what\n${rows.join('')}`);
    } finally {
      data.dispose();
    }
  },
};

/**
 * Trains for at most `epochs` epochs, stopping before an epoch that would overrun `budget`
 * seconds (judged by the slowest epoch so far), printing each epoch.
 */
async function trainWithin(model: LightGCN, o: { epochs: number; lr: number; seed: number; threads: number; budget: number; json: boolean; tty: boolean }): Promise<void> {
  const trainer = new Trainer(model, { lr: o.lr, seed: o.seed, threads: o.threads });
  const bar = progressBar('training', o.tty);
  const t0 = performance.now();
  let slowest = 0;
  try {
    for await (const e of trainer.fit({ epochs: o.epochs, onProgress: (f) => bar.update(f) })) {
      slowest = Math.max(slowest, e.seconds);
      if (o.json) printJson({ event: 'epoch', model: 'lightgcn', ...epochRecord(e) });
      else {
        bar.done();
        process.stdout.write(`lightgcn ${epochLine(e)}\n`);
      }
      if ((performance.now() - t0) / 1000 + slowest > o.budget) break;
    }
  } finally {
    bar.done();
  }
}
