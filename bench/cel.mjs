// Issue 8 benchmark: CEL (clustered embedding tables) against hashing, frequency and the full
// table at equal table memory. Run: node bench/cel.mjs [--dataset amazon-phone|gowalla]
// [--model mf|lightgcn] [--layers 3] [--tables items|users|both] [--epochs 20] [--ratios 10,100,1000]
// [--seeds 1,2,3] [--reg 1e-4] [--lr 5e-3] [--only REGEX] [--extra 'name={"kind":"clustered",...}']
// [--out bench/results/cel-<dataset>.json]. Needs `npm run build`. --only keeps the runs whose
// name matches; --extra (repeatable) adds a run per ratio with that embedding (plus the ratio).
// --tables says which tables share rows (the ratio applies to each shared table).
//
// Every run: dim 64, Adam lr 5e-3, batch 2048, pairs sampler, L2 1e-4 (--lr, --reg change them for
// every method of the run alike; MF-BPR needs --reg 0.1 on amazon-phone, see bench/README.md), one
// seed per --seeds entry (model and sampler); evaluated on test every 5 epochs (Recall/NDCG@20,
// full ranking, train items excluded). Reported: the last epoch and the best evaluated epoch
// (best-on-test: the paper protocol, optimistic). Cold-start slice at the last epoch: users with
// < 5 train interactions (their Recall@20 from top-20 lists), and test pairs whose item has < 5
// train interactions (the share of them in the user's top 20, and their AUC, the paper's measure;
// for scale also the AUC of those users' first test item).
// Memory: bytes of the trainable model state (rows, residuals, assignments that must be stored).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { datasetsDir, repoRoot } from './lib.mjs';

const { Dataset, Evaluator, MF, LightGCN, Trainer } = await import(path.join(repoRoot, 'dist', 'index.js'));
const arg = (name, fallback) => {
  const k = process.argv.indexOf(`--${name}`);
  return k > 0 ? process.argv[k + 1] : fallback;
};
const epochs = Number(arg('epochs', 20));
const lr = Number(arg('lr', 5e-3)), reg = Number(arg('reg', 1e-4));
const ratios = arg('ratios', '10,100,1000').split(',').map(Number);
const seeds = arg('seeds', '1').split(',').map(Number);
const only = new RegExp(arg('only', '.'));
const extras = process.argv.flatMap((a, k) => (a === '--extra' ? [process.argv[k + 1]] : [])).map((x) => {
  const eq = x.indexOf('=');
  return [x.slice(0, eq), JSON.parse(x.slice(eq + 1))];
});
const datasetName = arg('dataset', 'amazon-phone');
const modelName = arg('model', 'mf');
if (!['mf', 'lightgcn'].includes(modelName)) throw new Error(`--model must be mf or lightgcn, got ${modelName}`);
const layers = modelName === 'lightgcn' ? Number(arg('layers', 3)) : 0;
const tables = arg('tables', 'items');
const out = arg('out', path.join(repoRoot, 'bench', 'results', `cel-${datasetName}.json`));
const dir = path.join(datasetsDir, datasetName);
const data = await Dataset.load({ train: path.join(dir, 'train.txt'), test: path.join(dir, 'test.txt') });
const COLD = 5;

const userDeg = new Int32Array(data.nUsers), itemDeg = new Int32Array(data.nItems);
for (let k = 0; k < data.train.users.length; k++) userDeg[data.train.users[k]]++, itemDeg[data.train.items[k]]++;
const testOf = new Map();
for (let k = 0; k < data.test.users.length; k++) {
  const u = data.test.users[k];
  if (!testOf.has(u)) testOf.set(u, []);
  testOf.get(u).push(data.test.items[k]);
}
const testUsers = Int32Array.from([...testOf.keys()].sort((a, b) => a - b));

async function coldSlice(model) {
  const rec = await model.recommendBatch(testUsers, { k: 20 });
  let coldUsers = 0, coldUserRecall = 0, coldPairs = 0, coldPairHits = 0;
  for (let r = 0; r < testUsers.length; r++) {
    const u = testUsers[r];
    const top = new Set(rec.items.subarray(r * 20, r * 20 + 20));
    const truth = testOf.get(u);
    if (userDeg[u] < COLD) {
      coldUsers++;
      coldUserRecall += truth.filter((i) => top.has(i)).length / truth.length;
    }
    for (const i of truth) if (itemDeg[i] < COLD) coldPairs++, coldPairHits += top.has(i) ? 1 : 0;
  }
  return { coldUsers, coldUserRecall20: coldUserRecall / Math.max(1, coldUsers), coldItemPairs: coldPairs, coldItemHit20: coldPairHits / Math.max(1, coldPairs),
    ...(await coldItemAuc(model)) };
}

// The paper's measure on the cold slice (it reports AUC): for each test pair (u, i) whose item has
// < COLD train interactions, the share of the items u has neither trained on nor holds in test that
// score below i (ties count one half), averaged over those pairs; scored with the tables the model
// ranks with (so splitScores offsets count). Also, for scale, the AUC of the first test item of
// the same users (cold or not). Exact (every item scored), in float64.
const trainOf = new Map();
for (let k = 0; k < data.train.users.length; k++) {
  const u = data.train.users[k];
  if (!trainOf.has(u)) trainOf.set(u, new Set());
  trainOf.get(u).add(data.train.items[k]);
}
async function coldItemAuc(model) {
  const { users: U, items: V } = await model.rankingEmbeddings();
  const w = U.shape[1], n = V.shape[0];
  const scores = new Float64Array(n);
  let cold = 0, coldSum = 0, all = 0, allSum = 0;
  for (const u of testUsers) {
    const truth = testOf.get(u);
    const coldTruth = truth.filter((i) => itemDeg[i] < COLD);
    if (coldTruth.length === 0) continue;
    const ur = U.data.subarray(u * w, u * w + w);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < w; c++) s += ur[c] * V.data[j * w + c];
      scores[j] = s;
    }
    const seen = trainOf.get(u) ?? new Set(), held = new Set(truth);
    const auc = (i) => {
      let below = 0, total = 0;
      for (let j = 0; j < n; j++) {
        if (seen.has(j) || held.has(j)) continue;
        total++;
        below += scores[j] < scores[i] ? 1 : scores[j] === scores[i] ? 0.5 : 0;
      }
      return below / Math.max(1, total);
    };
    for (const i of coldTruth) cold++, coldSum += auc(i);
    all++, allSum += auc(truth[0]);
  }
  return { coldItemAuc: coldSum / Math.max(1, cold), firstTestItemAuc: allSum / Math.max(1, all) };
}

async function run(name, embedding, seed) {
  const t0 = performance.now();
  const shared = embedding && embedding.kind !== 'full' ? { ...embedding, tables } : embedding;
  const model = modelName === 'lightgcn'
    ? await LightGCN.create(data, { dim: 64, layers, seed, initStd: 0.1, embedding: shared })
    : await MF.create(data, { dim: 64, seed, initStd: 0.1, embedding: shared });
  const trainer = new Trainer(model, { lr, batchSize: 2048, sampler: 'pairs', reg, seed });
  let last, best;
  for await (const e of trainer.fit({ epochs, evalEvery: 5, k: 20, on: 'test' })) {
    if (!e.metrics) continue;
    last = { epoch: e.epoch, recall20: e.metrics['recall@20'], ndcg20: e.metrics['ndcg@20'] };
    if (!best || last.recall20 > best.recall20) best = last;
  }
  const c = model.clusters();
  const full = data.nItems * 64 * 4, fullUsers = data.nUsers * 64 * 4;
  const memory = c
    ? { userBytes: c.users.stateBytes, itemBytes: c.items.stateBytes, itemRows: c.items.capacity, itemRowsUsed: c.items.used,
      itemCompression: full / c.items.stateBytes, userRows: c.users.capacity, userCompression: fullUsers / c.users.stateBytes,
      totalCompression: (full + fullUsers) / (c.items.stateBytes + c.users.stateBytes), counters: c.counters }
    : { userBytes: fullUsers, itemBytes: full, itemRows: data.nItems, itemRowsUsed: data.nItems, itemCompression: 1, totalCompression: 1 };
  const r = { name, seed, embedding: embedding ?? { kind: 'full' }, last, best, ...(await coldSlice(model)), memory,
    seconds: (performance.now() - t0) / 1000 };
  model.dispose();
  console.log(JSON.stringify(r));
  return r;
}

// CEL as in the paper (top-down from one cluster) and CEL seeded by frequency (hot: pinned own rows
// for the most interacted items, the tail clustered by splits and damped reassignment); see docs/cel.md.
const CEL_HOT = { kind: 'clustered', hot: 0.9, reassignMinGain: 0.02 };
// splitScores: members of a shared item row are ranked at the row's score minus log(members), so a
// row that fits a user no longer fills the list with its members (docs/cel.md). cel-split gives
// the tail half of the rows (so it is not the frequency table at 1000x, where hot 0.9 leaves none).
const CEL_SPLIT = { kind: 'clustered', hot: 0.5, reassignMinGain: 0.02, splitScores: true };
// A per-item bias (`bias: true`) costs 4 bytes per item: at equal memory such a run gets
// ceil(items / dim) fewer rows than the ratio gives (64-wide float rows), and is skipped where
// that leaves none (100x and 1000x on amazon-phone).
const budgeted = (e, ratio) => {
  if (!e.bias) return { ...e, ratio };
  if (tables !== 'items') return undefined;  // the bias option shares one side only
  const clusters = Math.max(1, Math.floor(data.nItems / ratio)) - Math.ceil(data.nItems / 64);
  return clusters >= 1 ? { ...e, clusters } : undefined;
};
const plan = [['full', undefined]];
for (const ratio of ratios) {
  plan.push([`cel x${ratio}`, { kind: 'clustered', ratio }]);
  plan.push([`cel-noreassign x${ratio}`, { kind: 'clustered', ratio, reassignEvery: 0 }]);
  plan.push([`cel-hot x${ratio}`, { ...CEL_HOT, ratio }]);
  plan.push([`cel-hot-bias x${ratio}`, budgeted({ ...CEL_HOT, bias: true }, ratio)]);
  plan.push([`cel-split x${ratio}`, { ...CEL_SPLIT, ratio }]);
  plan.push([`cel-hot-split x${ratio}`, { ...CEL_HOT, splitScores: true, ratio }]);
  for (const [name, e] of extras) plan.push([`${name} x${ratio}`, budgeted(e, ratio)]);
  plan.push([`hashed x${ratio}`, { kind: 'hashed', ratio }]);
  plan.push([`frequency x${ratio}`, { kind: 'frequency', ratio }]);
  plan.push([`frequency-bias x${ratio}`, budgeted({ kind: 'frequency', bias: true }, ratio)]);
  plan.push([`frequency-split x${ratio}`, { kind: 'frequency', ratio, splitScores: true }]);
}
for (let k = plan.length - 1; k > 0; k--) if (plan[k][1] === undefined) plan.splice(k, 1);  // infeasible budgets
// The popularity list on the same test set: a shared table below it has learned less than item counts.
const popularity = await new Evaluator(data, { k: 20, metrics: ['recall', 'ndcg'] }).popularity();
console.log(`popularity               R@20 ${popularity['recall@20'].toFixed(4)} NDCG ${popularity['ndcg@20'].toFixed(4)}`);
const runs = [];
for (const seed of seeds)
  for (const [name, e] of plan) if (only.test(name)) runs.push(await run(name, e, seed));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const summary = [...new Set(runs.map((r) => r.name))].map((name) => {
  const rs = runs.filter((r) => r.name === name);
  const stat = (f) => ({ mean: mean(rs.map(f)), std: std(rs.map(f)) });
  return { name, seeds: rs.map((r) => r.seed), lastRecall20: stat((r) => r.last.recall20), lastNdcg20: stat((r) => r.last.ndcg20),
    bestRecall20: stat((r) => r.best.recall20), bestNdcg20: stat((r) => r.best.ndcg20), coldUserRecall20: stat((r) => r.coldUserRecall20),
    coldItemHit20: stat((r) => r.coldItemHit20), coldItemAuc: stat((r) => r.coldItemAuc), firstTestItemAuc: stat((r) => r.firstTestItemAuc), itemBytes: rs[0].memory.itemBytes, userBytes: rs[0].memory.userBytes,
    seconds: stat((r) => r.seconds) };
});
for (const s of summary)
  console.log(`${s.name.padEnd(24)} R@20 last ${s.lastRecall20.mean.toFixed(4)}±${s.lastRecall20.std.toFixed(4)} best ${s.bestRecall20.mean.toFixed(4)} NDCG last ${s.lastNdcg20.mean.toFixed(4)} cold-user R ${s.coldUserRecall20.mean.toFixed(4)} cold-item AUC ${s.coldItemAuc.mean.toFixed(4)} AUC ${s.firstTestItemAuc.mean.toFixed(4)} item bytes ${s.itemBytes} user bytes ${s.userBytes}`);
const report = {
  command: process.argv.slice(1).map((a) => (/^[\w./,=-]+$/.test(a) ? a : `'${a}'`)).join(' ').replace(/^\S*bench\/cel.mjs/, 'node bench/cel.mjs'),
  dataset: datasetName, model: modelName === 'lightgcn' ? `LightGCN (${layers} layers)` : 'MF-BPR', tables,
  setup: { dim: 64, lr, batchSize: 2048, sampler: 'pairs', reg, epochs, evalEvery: 5, seeds, cold: `< ${COLD} train interactions` },
  users: data.nUsers, items: data.nItems, popularity: { recall20: popularity['recall@20'], ndcg20: popularity['ndcg@20'] }, summary, runs,
};
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log(`wrote ${out}`);
