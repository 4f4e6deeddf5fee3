// Evaluator `catalog: 'train'`: items with no train interaction are never ranked, for embeddings,
// prefix widths and baselines; checked against an independent pure-JS ranking.
import { describe, expect, it } from 'vitest';
import { Dataset, Evaluator, Interact2Vec, Tensor } from '../dist/index.js';
import { rng } from './helpers.js';

const nUsers = 40, nItems = 120, dim = 6;

/** Train draws from items 0..99 only (a few of them may stay unused); test also holds items 100..119. */
function problem(seed: number) {
  const r = rng(seed);
  const train: [number, number][] = [], test: [number, number][] = [];
  for (let u = 0; u < nUsers; u++) {
    const seen = new Set<number>();
    for (let t = 0; t < 8; t++) seen.add(Math.floor(r() * 100));
    seen.forEach((i) => train.push([u, i]));
    for (let t = 0; t < 4; t++) {
      const i = Math.floor(r() * nItems);
      if (!seen.has(i)) seen.add(i), test.push([u, i]);
    }
  }
  // Items absent from train get large rows, so with every item ranked they would fill the lists.
  const U = Float32Array.from({ length: nUsers * dim }, () => r() + 0.1);
  const V = Float32Array.from({ length: nItems * dim }, (_, k) => (Math.floor(k / dim) >= 100 ? 5 : r() - 0.2));
  const arrays = (ps: [number, number][]) => ({ users: Int32Array.from(ps, (p) => p[0]), items: Int32Array.from(ps, (p) => p[1]) });
  const inTrain = new Set(train.map((p) => p[1]));
  return { train, test, U, V, inTrain, trainArrays: arrays(train), testArrays: arrays(test) };
}

/** Recall@K over users with test items, ranking the unmasked items (ties: lower id first). */
function referenceRecall(p: ReturnType<typeof problem>, K: number, rankable: (i: number) => boolean): number {
  const trainOf = Array.from({ length: nUsers }, () => new Set<number>()), testOf = Array.from({ length: nUsers }, () => new Set<number>());
  p.train.forEach(([u, i]) => trainOf[u].add(i));
  p.test.forEach(([u, i]) => testOf[u].add(i));
  let sum = 0, n = 0;
  for (let u = 0; u < nUsers; u++) {
    if (testOf[u].size === 0) continue;
    const ranked: { s: number; i: number }[] = [];
    for (let i = 0; i < nItems; i++) {
      if (trainOf[u].has(i) || !rankable(i)) continue;
      let s = 0;
      for (let q = 0; q < dim; q++) s += Math.fround(p.U[u * dim + q] * p.V[i * dim + q]);
      ranked.push({ s, i });
    }
    ranked.sort((a, b) => (a.s !== b.s ? b.s - a.s : a.i - b.i));
    sum += ranked.slice(0, K).filter((x) => testOf[u].has(x.i)).length / testOf[u].size;
    n++;
  }
  return sum / n;
}

describe("Evaluator catalog: 'train'", () => {
  it('never ranks items absent from train; the default ranks every item', async () => {
    const p = problem(7);
    const ds = await Dataset.fromArrays({ nUsers, nItems, train: p.trainArrays, test: p.testArrays });
    const u = new Tensor(p.U, [nUsers, dim]), v = new Tensor(p.V, [nItems, dim]);
    const all = await new Evaluator(ds, { k: 10, metrics: ['recall'] }).evaluate(u, v);
    const warm = await new Evaluator(ds, { k: 10, metrics: ['recall'], catalog: 'train' }).evaluate(u, v);
    expect(all['recall@10']).toBeCloseTo(referenceRecall(p, 10, () => true), 6);
    expect(warm['recall@10']).toBeCloseTo(referenceRecall(p, 10, (i) => p.inTrain.has(i)), 6);
    expect(warm['recall@10']).not.toBeCloseTo(all['recall@10'], 3);
    // The prefix path applies the same catalog.
    const pre = await new Evaluator(ds, { k: 10, metrics: ['recall'], catalog: 'train' }).evaluate(u, v, { dims: [dim] });
    expect(pre['recall@10']).toBe(warm['recall@10']);
    ds.dispose();
  });

  it('applies to baselines and to evaluations during fit, and rejects an unknown catalog', async () => {
    const p = problem(8);
    const ds = await Dataset.fromArrays({ nUsers, nItems, train: p.trainArrays, test: p.testArrays });
    // Random scores rank cold items too unless the catalog excludes them: with K = all items every
    // rankable test item is a hit, so recall = share of test items that are rankable.
    const K = nItems;
    const warmRandom = await new Evaluator(ds, { k: K, metrics: ['recall'], catalog: 'train' }).random(3);
    const allRandom = await new Evaluator(ds, { k: K, metrics: ['recall'] }).random(3);
    expect(allRandom[`recall@${K}`]).toBeCloseTo(1, 6);
    expect(warmRandom[`recall@${K}`]).toBeCloseTo(referenceRecall(p, K, (i) => p.inTrain.has(i)), 6);
    expect(() => new Evaluator(ds, { catalog: 'warm' as 'train' })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    const model = await Interact2Vec.create(ds, { dim: 4, seed: 1, threads: 1 });
    const events = [];
    for await (const e of model.fit({ epochs: 2, evalEvery: 2, k: 10, catalog: 'train' })) events.push(e);
    const last = events[events.length - 1];
    const emb = [await model.userEmbeddings(), await model.itemEmbeddings()] as const;
    const direct = await new Evaluator(ds, { k: 10, catalog: 'train' }).evaluate(emb[0], emb[1]);
    expect(last.metrics!['recall@10']).toBe(direct['recall@10']);
    model.dispose();
    ds.dispose();
  });
});
