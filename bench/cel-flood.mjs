// Issue 8 diagnostic: how much of a user's top 20 shared-row items take. Trains MF-BPR on
// amazon-phone (the bench/cel.mjs protocol, seed 1) with the given item embedding and prints, at
// every 5th epoch, Recall@20 and, over 3,000 test-set users (ids 0, 9, 18, ...), the mean number of
// top-20 slots held by items whose row is shared (cluster size > 1) and the mean size of the
// largest same-cluster group in a list. Members of a cluster score identically, so a cluster row
// that scores high for a user fills the list with its members (ties ordered by item id).
// Run: node bench/cel-flood.mjs '{"kind":"clustered","ratio":10,"hot":0.9,"reassignEvery":0}'
import path from 'node:path';
import { datasetsDir, repoRoot } from './lib.mjs';

const { Dataset, MF, Trainer } = await import(path.join(repoRoot, 'dist', 'index.js'));
const dir = path.join(datasetsDir, 'amazon-phone');
const data = await Dataset.load({ train: path.join(dir, 'train.txt'), test: path.join(dir, 'test.txt') });
const users = Int32Array.from({ length: 3000 }, (_, k) => k * 9);
const embedding = JSON.parse(process.argv[2] ?? '{"kind":"frequency","ratio":10}');
const model = await MF.create(data, { dim: 64, seed: 1, initStd: 0.1, embedding });
const trainer = new Trainer(model, { lr: 5e-3, batchSize: 2048, sampler: 'pairs', reg: 1e-4, seed: 1 });
for await (const e of trainer.fit({ epochs: 20, evalEvery: 5, k: 20, on: 'test' })) {
  if (!e.metrics) continue;
  const c = model.clusters();
  const size = new Int32Array(c.items.capacity);
  for (const a of c.items.assign) size[a]++;
  const rec = await model.recommendBatch(users, { k: 20 });
  let shared = 0, maxSame = 0;
  for (let r = 0; r < users.length; r++) {
    const count = new Map();
    for (const i of rec.items.subarray(r * 20, r * 20 + 20)) {
      const a = c.items.assign[i];
      if (size[a] > 1) shared++;
      count.set(a, (count.get(a) ?? 0) + 1);
    }
    maxSame += Math.max(...count.values());
  }
  console.log(JSON.stringify({ epoch: e.epoch, recall20: e.metrics['recall@20'], sharedSlots: shared / users.length, largestSameCluster: maxSame / users.length }));
}
model.dispose();
