// Issue 6 point 2: fold-in of users never seen in training, on gowalla. 1,000 users (seeded
// random among users with train and test items) are held out of training entirely: their train
// pairs are dropped, so they are isolated nodes in the held-out model's graph and the items lose
// those edges. Each held-out user is then folded in from their own train items
// (model.foldInUser) and their Recall@20 on their test items (train items excluded) is reported
// next to the same users' Recall@20 in a model trained with everyone (same config and epochs).
//
//   node bench/foldin.mjs [--data DIR] [--models mf,lightgcn] [--mf-epochs 20] [--lightgcn-epochs 10] [--users 1000]
//        [--seed 7] [--cache DIR] [--train-only] [--out bench/results/foldin-gowalla.json]
//
// Trained models are saved under --cache (default /tmp/recforge-foldin) and reused by later runs
// with the same settings, so the fold-in part can be rerun without retraining.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset, LightGCN, MF, Trainer, loadModel, saveModel } from '../dist/index.js';
import { datasetsDir, machine } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(datasetsDir, 'gowalla') },
    models: { type: 'string', default: 'mf,lightgcn' },
    'mf-epochs': { type: 'string', default: '20' },
    'lightgcn-epochs': { type: 'string', default: '10' },
    users: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '7' },
    threads: { type: 'string', default: '2' },
    cache: { type: 'string', default: '/tmp/recforge-foldin' },
    'train-only': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join('bench', 'results', 'foldin-gowalla.json') },
  },
});
if (!existsSync(path.join(opt.data, 'train.txt'))) {
  console.log(`skipped: no gowalla data at ${opt.data}`);
  process.exit(0);
}
const epochsOf = { mf: Number(opt['mf-epochs']), lightgcn: Number(opt['lightgcn-epochs']) };
const nHeld = Number(opt.users), threads = Number(opt.threads);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const K = 20;
// The training recipe (the LightGCN paper's, as bench/lightgcn.mjs), shortened to `epochs`.
const recipe = { dim: 64, lr: 0.001, reg: 1e-4, batchSize: 2048, seed: 2020 };

const full = await Dataset.load({ train: path.join(opt.data, 'train.txt'), test: path.join(opt.data, 'test.txt') });
const trainRows = rowsOf(full.train, full.nUsers);
const testRows = rowsOf(full.test, full.nUsers);

// Seeded random held-out users (mulberry32) among users with train and test items.
let state = Number(opt.seed) >>> 0;
const rand = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const eligible = [];
for (let u = 0; u < full.nUsers; u++) if (trainRows[u].length > 0 && testRows[u].length > 0) eligible.push(u);
for (let j = eligible.length - 1; j > 0; j--) {  // Fisher-Yates
  const r = Math.floor(rand() * (j + 1));
  [eligible[j], eligible[r]] = [eligible[r], eligible[j]];
}
const held = Int32Array.from(eligible.slice(0, nHeld)).sort();
const heldSet = new Set(held);

// The held-out dataset: same id space, the held-out users' train pairs dropped.
const keep = [];
for (let q = 0; q < full.train.users.length; q++) if (!heldSet.has(full.train.users[q])) keep.push(q);
const partial = await Dataset.fromArrays({
  nUsers: full.nUsers, nItems: full.nItems,
  train: { users: Int32Array.from(keep, (q) => full.train.users[q]), items: Int32Array.from(keep, (q) => full.train.items[q]) },
});

mkdirSync(opt.cache, { recursive: true });
const report = {
  date: new Date().toISOString(), machine: machine(), threads, epochs: epochsOf, recipe, heldOutUsers: held.length, seed: Number(opt.seed),
  command: `node bench/foldin.mjs --models ${opt.models} --mf-epochs ${epochsOf.mf} --lightgcn-epochs ${epochsOf.lightgcn} --users ${nHeld} --seed ${opt.seed}`,
  models: {},
};

// Context: the most popular train items (of the held-out training set) the user has not seen.
report.popularityRecall20 = popularityRecall();
console.log(`held-out users: ${held.length}; popularity Recall@20 ${report.popularityRecall20.toFixed(4)}`);

for (const kind of opt.models.split(',')) {
  const withEveryone = await trained(kind, 'all', full);
  const heldOut = await trained(kind, 'heldout', partial);
  if (opt['train-only']) continue;
  await withEveryone.warmup();
  await heldOut.warmup();
  const r = { trainSeconds: { all: withEveryone.trainSeconds, heldout: heldOut.trainSeconds } };
  // The same users in the model trained with everyone: their own trained embeddings.
  const recs = await withEveryone.recommendMany(held, { k: K });
  r.trainedWithEveryone = recallOf((q) => recs.items.subarray(q * K, (q + 1) * K));
  // Recall of the other users, to show both models are comparable.
  r.otherUsersRecall20 = { all: await otherRecall(withEveryone), heldout: await otherRecall(heldOut) };
  // Defaults first (LightGCN: propagation only; MF: 20 fitting steps), then a variant each.
  const variants = kind === 'lightgcn' ? [{}, { steps: 20 }] : [{}, { steps: 50 }];
  r.foldIn = [];
  for (const v of variants) {
    const t0 = performance.now();
    const lists = [];
    let steps = 0;
    for (const u of held) {
      const f = await heldOut.foldInUser(trainRows[u], { k: K, ...v });
      lists.push(f.items);
      steps += f.steps;
    }
    const seconds = (performance.now() - t0) / 1000;
    r.foldIn.push({ options: v, recall20: recallOf((q) => lists[q]), msPerUser: (1000 * seconds) / held.length, meanSteps: steps / held.length });
  }
  report.models[kind] = r;
  console.log(kind, JSON.stringify(r), `load ${loadavg()}`);
}
if (!opt['train-only']) {
  report.loadavg = loadavg();
  writeFileSync(opt.out, JSON.stringify(report, null, 2) + '\n');
  console.log(`wrote ${opt.out}`);
}

/** A model of `kind` trained on `data` for its epochs, from the cache when present. */
async function trained(kind, tag, data) {
  const epochs = epochsOf[kind];
  const file = path.join(opt.cache, `${kind}-${tag}-e${epochs}-u${nHeld}-s${opt.seed}.rfm`);
  if (existsSync(file)) {
    const m = await loadModel(file, { family: 'lightgcn', threads });
    m.trainSeconds = JSON.parse(readFileSync(`${file}.json`, 'utf8')).trainSeconds;
    return m;
  }
  const Model = kind === 'mf' ? MF : LightGCN;
  const m = await Model.create(data, { dim: recipe.dim, seed: recipe.seed, threads, ...(kind === 'mf' ? {} : { layers: 3 }) });
  const t0 = performance.now();
  for await (const e of new Trainer(m, { lr: recipe.lr, reg: recipe.reg, batchSize: recipe.batchSize }).fit({ epochs }))
    console.log(`${kind} ${tag} epoch ${e.epoch} loss ${e.loss.toFixed(4)} ${e.seconds.toFixed(1)} s load ${loadavg()}`);
  m.trainSeconds = (performance.now() - t0) / 1000;
  await saveModel(m, file);
  writeFileSync(`${file}.json`, JSON.stringify({ trainSeconds: m.trainSeconds }));
  return m;
}

/** Mean Recall@20 over the held-out users, given each one's top-20 list (by position in `held`). */
function recallOf(listOf) {
  let sum = 0;
  held.forEach((u, q) => {
    const truth = new Set(testRows[u]);
    let hits = 0;
    for (const i of listOf(q)) if (truth.has(i)) hits++;
    sum += hits / truth.size;
  });
  return sum / held.length;
}

/** Recall@20 of the held-out users from the items most popular in the held-out training set. */
function popularityRecall() {
  const count = new Int32Array(full.nItems);
  for (let q = 0; q < full.train.items.length; q++) if (!heldSet.has(full.train.users[q])) count[full.train.items[q]]++;
  const order = Array.from({ length: full.nItems }, (_, i) => i).sort((a, b) => count[b] - count[a] || a - b);
  return recallOf((q) => {
    const seen = new Set(trainRows[held[q]]);
    const top = [];
    for (const i of order) if (!seen.has(i) && top.push(i) === K) break;
    return top;
  });
}

/** Mean Recall@20 of 2,000 users that were not held out (train items excluded). */
async function otherRecall(model) {
  const others = eligible.slice(nHeld, nHeld + 2000);
  const recs = await model.recommendMany(others, { k: K });
  let sum = 0;
  others.forEach((u, q) => {
    const truth = new Set(testRows[u]);
    let hits = 0;
    for (const i of recs.items.subarray(q * K, (q + 1) * K)) if (truth.has(i)) hits++;
    sum += hits / truth.size;
  });
  return sum / others.length;
}

/** Each user's items of a split, as arrays. */
function rowsOf(split, nUsers) {
  const rows = Array.from({ length: nUsers }, () => []);
  for (let q = 0; q < split.users.length; q++) rows[split.users[q]].push(split.items[q]);
  return rows;
}
