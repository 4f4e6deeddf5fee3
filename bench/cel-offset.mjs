// Issue 8 experiment: does a cluster-size score offset undo the flooding? Trains MF-BPR (or
// LightGCN with LAYERS=3; REG sets the L2 weight, default 1e-4) on DATASET (default amazon-phone;
// bench/cel.mjs protocol, seed 1) with the given item embedding, then evaluates the trained tables
// with score(u, i) = u·v_i − β·log(size of i's cluster) for several β, through the library Evaluator
// on tables widened by one column ([U, 1] and [V, −β log m]).
// OFFSET=pop splits the row by the members' train counts instead of evenly: offset
// β·log((n_i + 1) / Σ_{j in c}(n_j + 1)), so within a shared row the more interacted member ranks first
// (an own row still gets 0). OFFSET=relpop: β·log((n_i + 1) / mean_{j in c}(n_j + 1)), the member's
// popularity relative to its row's average member (no −log m: members above the average rise).
// Run: node bench/cel-offset.mjs '{"kind":"clustered","ratio":10,"hot":0.9,"reassignMinGain":0.02}'
import path from 'node:path';
import { datasetsDir, repoRoot } from './lib.mjs';

const { Dataset, Evaluator, LightGCN, MF, Tensor, Trainer } = await import(path.join(repoRoot, 'dist', 'index.js'));
const name = process.env.DATASET ?? 'amazon-phone';
const dir = path.join(datasetsDir, name);
const data = await Dataset.load({ train: path.join(dir, 'train.txt'), test: path.join(dir, 'test.txt') });
const embedding = JSON.parse(process.argv[2] ?? '{"kind":"frequency","ratio":10}');
const epochs = Number(process.env.EPOCHS ?? 20);
const layers = Number(process.env.LAYERS ?? 0);
const reg = Number(process.env.REG ?? 1e-4);  // the L2 weight of bench/cel.mjs --reg
const model = layers > 0
  ? await LightGCN.create(data, { dim: 64, layers, seed: 1, initStd: 0.1, embedding })
  : await MF.create(data, { dim: 64, seed: 1, initStd: 0.1, embedding });
const trainer = new Trainer(model, { lr: 5e-3, batchSize: 2048, sampler: 'pairs', reg, seed: 1 });
for await (const e of trainer.fit({ epochs, evalEvery: epochs, k: 20, on: 'test' }))
  if (e.metrics) console.log(JSON.stringify({ epoch: e.epoch, recall20: e.metrics['recall@20'], ndcg20: e.metrics['ndcg@20'] }));
const c = model.clusters();
const size = new Int32Array(c.items.capacity);
for (const a of c.items.assign) size[a]++;
// Train counts + 1 per item, and their sums per row, for OFFSET=pop.
const count = new Float64Array(data.nItems).fill(1), mass = new Float64Array(c.items.capacity);
for (let k = 0; k < data.train.items.length; k++) count[data.train.items[k]]++;
for (let i = 0; i < data.nItems; i++) mass[c.items.assign[i]] += count[i];
const offsets = {
  size: (i) => -Math.log(size[c.items.assign[i]]),
  pop: (i) => Math.log(count[i] / mass[c.items.assign[i]]),
  // relative to the row's average member: BPR fits a shared row to its members' mean popularity
  relpop: (i) => Math.log((count[i] * size[c.items.assign[i]]) / mass[c.items.assign[i]]),
};
const share = offsets[process.env.OFFSET ?? 'size'];
if (!share) throw new Error(`OFFSET must be one of ${Object.keys(offsets).join(', ')}, got ${process.env.OFFSET}`);
const U = await model.userEmbeddings(), V = await model.itemEmbeddings();
const d = U.shape[1], nu = U.shape[0], ni = V.shape[0];
const U1 = new Float32Array(nu * (d + 1)), V1 = new Float32Array(ni * (d + 1));
for (let u = 0; u < nu; u++) { U1.set(U.data.subarray(u * d, u * d + d), u * (d + 1)); U1[u * (d + 1) + d] = 1; }
const ev = new Evaluator(data, { k: 20, metrics: ['recall', 'ndcg'] });
for (const beta of (process.env.BETAS ?? '0,0.25,0.5,1,2,4').split(',').map(Number)) {
  for (let i = 0; i < ni; i++) {
    V1.set(V.data.subarray(i * d, i * d + d), i * (d + 1));
    V1[i * (d + 1) + d] = beta * share(i);
  }
  const m = await ev.evaluate(new Tensor(U1, [nu, d + 1]), new Tensor(V1, [ni, d + 1]));
  console.log(JSON.stringify({ beta, recall20: m['recall@20'], ndcg20: m['ndcg@20'] }));
}
model.dispose();
