// Integration on the real LightGCN Gowalla split (skipped with a message when ../shared is absent):
// the normalized graph and the evaluator's popularity baseline against independent JS computations.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset, Evaluator } from '../dist/index.js';
import { sharedDataset } from './helpers.js';

const dir = sharedDataset('gowalla');

describe.runIf(dir !== undefined)('gowalla', () => {
  it('graph: nnz 1,620,256 in both directions, symmetric weights 1/sqrt(du·di)', async () => {
    const ds = await Dataset.load({ train: path.join(dir!, 'train.txt') });
    const g = (await ds.graph()).export();
    expect(g.userItems.indices.length + g.itemUsers.indices.length).toBe(1620256);
    const du = (u: number) => g.userItems.indptr[u + 1] - g.userItems.indptr[u];
    const di = (i: number) => g.itemUsers.indptr[i + 1] - g.itemUsers.indptr[i];
    for (let u = 0; u < ds.nUsers; u += 97)
      for (let k = g.userItems.indptr[u]; k < g.userItems.indptr[u + 1]; k++)
        expect(g.userNorm[k]).toBeCloseTo(1 / Math.sqrt(du(u) * di(g.userItems.indices[k])), 7);
    ds.dispose();
  });

  it('popularity baseline matches an independent computation of Recall/Precision/NDCG@20', async () => {
    const ds = await Dataset.load({ train: path.join(dir!, 'train.txt'), test: path.join(dir!, 'test.txt') });
    const got = await new Evaluator(ds, { k: 20 }).popularity();
    // Independent: rank items by train degree (ties: lower id), walk the list per user skipping
    // train items, score against the test set with the LightGCN formulas.
    const deg = new Int32Array(ds.nItems);
    for (const i of ds.train.items) deg[i]++;
    const order = Array.from({ length: ds.nItems }, (_, i) => i).sort((a, b) => deg[b] - deg[a] || a - b);
    const trainSets = Array.from({ length: ds.nUsers }, () => new Set<number>());
    ds.train.users.forEach((u, k) => trainSets[u].add(ds.train.items[k]));
    const testSets = Array.from({ length: ds.nUsers }, () => new Set<number>());
    ds.test!.users.forEach((u, k) => testSets[u].add(ds.test!.items[k]));
    let recall = 0, precision = 0, ndcg = 0, n = 0;
    for (let u = 0; u < ds.nUsers; u++) {
      const truth = testSets[u];
      if (truth.size === 0) continue;
      n++;
      let hits = 0, dcg = 0, rank = 0;
      for (let p = 0; p < order.length && rank < 20; p++) {
        if (trainSets[u].has(order[p])) continue;
        rank++;
        if (truth.has(order[p])) {
          hits++;
          dcg += 1 / Math.log2(rank + 1);
        }
      }
      let idcg = 0;
      for (let r = 1; r <= Math.min(20, truth.size); r++) idcg += 1 / Math.log2(r + 1);
      recall += hits / truth.size;
      precision += hits / 20;
      ndcg += dcg / idcg;
    }
    expect(got['recall@20']).toBeCloseTo(recall / n, 6);
    expect(got['precision@20']).toBeCloseTo(precision / n, 6);
    expect(got['ndcg@20']).toBeCloseTo(ndcg / n, 6);
    console.log(`gowalla popularity: recall@20 ${(recall / n).toFixed(4)}, ndcg@20 ${(ndcg / n).toFixed(4)} over ${n} users`);
    ds.dispose();
  });
});
