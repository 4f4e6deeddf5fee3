// Issue 8 for Interact2Vec: the item table full, CEL-clustered (top-down, and seeded by
// frequency), hashed and frequency-shared at one compression ratio, SGD (Hogwild, linear decay),
// one seed. Run: node bench/cel-interact2vec.mjs [--data ml-100k-mrl] [--ratio 10] [--epochs 50]
// [--seed 1] [--threads 1] [--out bench/results/cel-interact2vec-<data>.json]. Needs `npm run build`;
// skips (exit 0) when the data is absent.
//
// Every run: dim 64, K 5, alpha -0.5, lr 0.025, no subsampling, the same seed for tables and
// sampler; Recall / NDCG@20 on test every 10 epochs (full ranking, train items excluded, dot
// scoring). Reported: the last epoch and the best evaluated epoch (best-on-test, optimistic), the
// item table's bytes (rows + assignment when stored) and the training seconds per epoch (median).
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { datasetsDir, machine, median, repoRoot } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    data: { type: 'string', default: 'ml-100k-mrl' }, ratio: { type: 'string', default: '10' },
    epochs: { type: 'string', default: '50' }, seed: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1' }, out: { type: 'string' },
  },
});
const dir = path.join(datasetsDir, opt.data);
if (!existsSync(path.join(dir, 'train.txt'))) {
  console.log(`cel-interact2vec: ${dir} not found, skipping`);
  process.exit(0);
}
const { Dataset, Evaluator, Interact2Vec } = await import(path.join(repoRoot, 'dist', 'index.js'));
const data = await Dataset.load({ train: path.join(dir, 'train.txt'), test: path.join(dir, 'test.txt') });
const ratio = Number(opt.ratio), epochs = Number(opt.epochs), seed = Number(opt.seed), threads = Number(opt.threads);
const setup = { dim: 64, negatives: 5, alpha: -0.5, lr: 0.025, optimizer: 'sgd', seed, threads };
const evaluator = new Evaluator(data, { k: 20, metrics: ['recall', 'ndcg'] });

const plan = [
  ['full', undefined],
  [`cel x${ratio}`, { kind: 'clustered', ratio }],
  [`cel-hot x${ratio}`, { kind: 'clustered', ratio, hot: 0.9, reassignMinGain: 0.02 }],
  [`hashed x${ratio}`, { kind: 'hashed', ratio }],
  [`frequency x${ratio}`, { kind: 'frequency', ratio }],
];
const runs = [];
for (const [name, embedding] of plan) {
  const model = await Interact2Vec.create(data, { ...setup, embedding });
  let last, best;
  const seconds = [];
  for await (const e of model.fit({ epochs, evalEvery: 10, k: 20, metrics: ['recall', 'ndcg'] })) {
    seconds.push(e.seconds);
    if (!e.metrics) continue;
    last = { epoch: e.epoch, recall20: e.metrics['recall@20'], ndcg20: e.metrics['ndcg@20'] };
    if (!best || last.recall20 > best.recall20) best = last;
  }
  const c = model.clusters();
  const items = c
    ? { bytes: c.items.stateBytes, rows: c.items.capacity, rowsUsed: c.items.used, counters: c.counters }
    : { bytes: data.nItems * 64 * 4, rows: data.nItems, rowsUsed: data.nItems };
  const r = { name, embedding: embedding ?? { kind: 'full' }, last, best, items, secondsPerEpoch: median(seconds) };
  console.log(JSON.stringify(r));
  runs.push(r);
  model.dispose();
}
const popularity = await evaluator.popularity();
const report = {
  command: ['node bench/cel-interact2vec.mjs', ...process.argv.slice(2)].join(' '),
  date: new Date().toISOString().slice(0, 10), machine: machine(), dataset: opt.data, model: 'Interact2Vec',
  setup: { ...setup, epochs, evalEvery: 10, ratio, users: data.nUsers, items: data.nItems },
  popularity: { recall20: popularity['recall@20'], ndcg20: popularity['ndcg@20'] }, runs,
};
const out = opt.out ?? path.join(repoRoot, 'bench', 'results', `cel-interact2vec-${opt.data}.json`);
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log(`wrote ${out}`);
