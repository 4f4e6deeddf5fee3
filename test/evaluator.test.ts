import { describe, expect, it } from 'vitest';
import { Dataset, Evaluator, METRIC_NAMES, Tensor } from '../dist/index.js';
import { rng } from './helpers.js';

type Sets = Set<number>[];

interface Problem {
  nUsers: number; nItems: number; dim: number;
  U: Float32Array; V: Float32Array;
  train: Sets; test: Sets; validation: Sets;
}

/** Random split; integer-valued embeddings make every score exact (and ties common). */
function randomProblem(nUsers: number, nItems: number, dim: number, integer: boolean, seed: number): Problem {
  const r = rng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const fill = (n: number) => Float32Array.from({ length: n }, () => (integer ? Math.floor(r() * 5) - 2 : gauss()));
  const sets = () => Array.from({ length: nUsers }, () => new Set<number>());
  const p: Problem = { nUsers, nItems, dim, U: fill(nUsers * dim), V: fill(nItems * dim), train: sets(), test: sets(), validation: sets() };
  for (let u = 0; u < nUsers; u++) {
    for (let t = Math.floor(r() * 20); t > 0; t--) p.train[u].add(Math.floor(r() * nItems));
    for (let t = Math.floor(r() * 4); t > 0; t--) p.validation[u].add(Math.floor(r() * nItems));
    if (u % 5 === 2) continue; // no test items: skipped by the evaluator
    for (let t = 1 + Math.floor(r() * 12); t > 0; t--) {
      const i = Math.floor(r() * nItems);
      if (!p.train[u].has(i)) p.test[u].add(i);
    }
  }
  return p;
}

function pairs(s: Sets) {
  const users: number[] = [];
  const items: number[] = [];
  s.forEach((row, u) => row.forEach((i) => (users.push(u), items.push(i))));
  return { users: Int32Array.from(users), items: Int32Array.from(items) };
}

async function datasetOf(p: Problem, withValidation = true) {
  return Dataset.fromArrays({
    nUsers: p.nUsers, nItems: p.nItems, train: pairs(p.train), test: pairs(p.test),
    ...(withValidation ? { validation: pairs(p.validation) } : {}),
  });
}

/** Independent pure-JS reference: score all items, sort them all, apply the formulas. */
function reference(p: Problem, score: (u: number, i: number) => number, ks: number[], masks: Sets[]) {
  const out: Record<string, number[]> = {};
  const users: number[] = [];
  for (let u = 0; u < p.nUsers; u++) {
    const T = p.test[u];
    if (T.size === 0) continue;
    users.push(u);
    const ranked: { s: number; i: number }[] = [];
    for (let i = 0; i < p.nItems; i++) if (!masks.some((m) => m[u].has(i))) ranked.push({ s: score(u, i), i });
    ranked.sort((a, b) => (a.s !== b.s ? b.s - a.s : a.i - b.i));
    for (const K of ks) {
      const rel = (r: number) => (r <= ranked.length && T.has(ranked[r - 1].i) ? 1 : 0);
      let hits = 0, dcg = 0, ap = 0, mrr = 0, idcg = 0;
      for (let r = 1; r <= K; r++) {
        if (!rel(r)) continue;
        hits++;
        dcg += 1 / Math.log2(r + 1);
        ap += hits / r;
        if (mrr === 0) mrr = 1 / r;
      }
      const ideal = Math.min(K, T.size);
      for (let r = 1; r <= ideal; r++) idcg += 1 / Math.log2(r + 1);
      const put = (m: string, v: number) => (out[`${m}@${K}`] ??= []).push(v);
      put('precision', hits / K);
      put('recall', hits / T.size);
      put('ndcg', dcg / idcg);
      put('hitrate', hits > 0 ? 1 : 0);
      put('map', ap / ideal);
      put('mrr', mrr);
    }
  }
  return { users, out };
}

const dot = (p: Problem) => (u: number, i: number) => {
  let s = 0;
  for (let q = 0; q < p.dim; q++) s += p.U[u * p.dim + q] * p.V[i * p.dim + q];
  return s;
};

function expectMatches(got: Record<string, unknown> & { perUser?: { users: Int32Array; values: Record<string, Float32Array> } },
  ref: ReturnType<typeof reference>) {
  expect(Array.from(got.perUser!.users)).toEqual(ref.users);
  for (const [key, vals] of Object.entries(ref.out)) {
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    expect(got[key] as number, key).toBeCloseTo(mean, 6);
    const per = got.perUser!.values[key];
    vals.forEach((v, j) => expect(per[j], `${key} user ${ref.users[j]}`).toBeCloseTo(v, 5));
  }
}

describe('Evaluator', () => {
  for (const [dim, integer] of [[1, true], [3, true], [16, false], [64, true], [67, false]] as const) {
    it(`matches a pure-JS reference (d=${dim}, ${integer ? 'exact scores with ties' : 'gaussian'})`, async () => {
      const p = randomProblem(70, 650, dim, integer, 10 + dim);
      const ds = await datasetOf(p);
      const ks = [1, 5, 20, 200, p.nItems];
      const ev = new Evaluator(ds, { k: ks, perUser: true, threads: 2 });
      const got = await ev.evaluate(new Tensor(p.U, [p.nUsers, dim]), new Tensor(p.V, [p.nItems, dim]));
      expectMatches(got, reference(p, dot(p), ks, [p.train, p.validation]));
      expect(Object.keys(got).filter((k) => k !== 'perUser')).toHaveLength(METRIC_NAMES.length * ks.length);
      ds.dispose();
    });
  }

  it('on validation masks train only; threads do not change results', async () => {
    const p = randomProblem(90, 500, 8, false, 3);
    // The dataset's validation split holds p.test, its test split p.validation: evaluating on
    // validation must use p.test as truth and mask train only (not the test split).
    const ds = await Dataset.fromArrays({
      nUsers: p.nUsers, nItems: p.nItems, train: pairs(p.train), test: pairs(p.validation), validation: pairs(p.test),
    });
    const a = await new Evaluator(ds, { k: 10, perUser: true, on: 'validation', threads: 1 })
      .evaluate(new Tensor(p.U, [p.nUsers, 8]), new Tensor(p.V, [p.nItems, 8]));
    expectMatches(a, reference(p, dot(p), [10], [p.train]));
    const b = await new Evaluator(ds, { k: 10, perUser: true, on: 'validation', threads: 3 })
      .evaluate(new Tensor(p.U, [p.nUsers, 8]), new Tensor(p.V, [p.nItems, 8]));
    expect(b).toEqual(a);
    ds.dispose();
  });

  it('reports only the requested metrics, cutoffs ascending and deduplicated', async () => {
    const p = randomProblem(20, 100, 4, false, 4);
    const ds = await datasetOf(p);
    const ev = new Evaluator(ds, { k: [20, 5, 20], metrics: ['recall', 'ndcg'] });
    expect(ev.ks).toEqual([5, 20]);
    const r = await ev.evaluate(new Tensor(p.U, [20, 4]), new Tensor(p.V, [100, 4]));
    expect(Object.keys(r).sort()).toEqual(['ndcg@20', 'ndcg@5', 'recall@20', 'recall@5']);
    expect(r.perUser).toBeUndefined();
    ds.dispose();
  });

  it('popularity and random baselines go through the same masking and metrics', async () => {
    const p = randomProblem(60, 300, 1, true, 5);
    const ds = await datasetOf(p);
    const ev = new Evaluator(ds, { k: [10, 50], perUser: true });
    const degree = new Float64Array(p.nItems);
    p.train.forEach((row) => row.forEach((i) => degree[i]++));
    expectMatches(await ev.popularity(), reference(p, (_u, i) => degree[i], [10, 50], [p.train, p.validation]));
    const r1 = await ev.random(7);
    expect(await ev.random(7)).toEqual(r1);
    expect(await ev.random(8)).not.toEqual(r1);
    ds.dispose();
  });

  it('rejects bad input with typed errors', async () => {
    const p = randomProblem(10, 30, 4, false, 6);
    const ds = await datasetOf(p);
    const U = new Tensor(p.U, [10, 4]);
    const V = new Tensor(p.V, [30, 4]);
    expect(() => new Evaluator(ds, { k: 0 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    expect(() => new Evaluator(ds, { k: -5 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    expect(() => new Evaluator(ds, { k: 31 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    expect(() => new Evaluator(ds, { k: 2.5 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    expect(() => new Evaluator(ds, { k: [] })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    expect(() => new Evaluator(ds, { metrics: ['auc' as never] })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    const ev = new Evaluator(ds, { k: 30 });
    const bad = async (u: unknown, v: unknown, code: string) =>
      expect(ev.evaluate(u as Tensor, v as Tensor)).rejects.toMatchObject({ code });
    const nan = p.U.slice();
    nan[7] = NaN;
    await bad(new Tensor(nan, [10, 4]), V, 'E_NONFINITE');
    const inf = p.V.slice();
    inf[0] = Infinity;
    await bad(U, new Tensor(inf, [30, 4]), 'E_NONFINITE');
    await bad(new Tensor(p.U.subarray(0, 36), [9, 4]), V, 'E_SHAPE'); // rows != nUsers
    await bad(U, new Tensor(p.V.subarray(0, 29 * 4), [29, 4]), 'E_SHAPE'); // rows != nItems
    await bad(new Tensor(new Float32Array(50), [10, 5]), V, 'E_SHAPE'); // widths differ
    await bad(new Tensor(Int32Array.from(p.U), [10, 4]), V, 'E_TYPE'); // int32 tensor
    await bad(p.U, V, 'E_TYPE'); // raw typed array, not a Tensor
    expect(() => new Tensor(Float64Array.from(p.U) as never, [10, 4])).toThrow(expect.objectContaining({ code: 'E_TYPE' }));
    const ac = new AbortController();
    ac.abort();
    await expect(ev.evaluate(U, V, { signal: ac.signal })).rejects.toMatchObject({ code: 'E_ABORTED' });
    const noTest = await Dataset.fromArrays({ train: pairs(p.train) });
    expect(() => new Evaluator(noTest)).toThrow(expect.objectContaining({ code: 'E_EMPTY' }));
    noTest.dispose();
    ds.dispose();
    await expect(ev.evaluate(U, V)).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });

  it('cancels a running evaluation and reports progress', async () => {
    const nUsers = 6000, nItems = 20000, dim = 64;
    const r = rng(9);
    const train = { users: new Int32Array(nUsers), items: new Int32Array(nUsers) };
    for (let u = 0; u < nUsers; u++) (train.users[u] = u), (train.items[u] = Math.floor(r() * nItems));
    const test = { users: train.users, items: train.items.map((i) => (i + 1) % nItems) };
    const ds = await Dataset.fromArrays({ nUsers, nItems, train, test });
    const U = new Tensor(Float32Array.from({ length: nUsers * dim }, () => r() - 0.5), [nUsers, dim]);
    const V = new Tensor(Float32Array.from({ length: nItems * dim }, () => r() - 0.5), [nItems, dim]);
    const ev = new Evaluator(ds, { k: 20 });
    const seen: number[] = [];
    await ev.evaluate(U, V, { onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    const ac = new AbortController();
    const job = ev.evaluate(U, V, { signal: ac.signal });
    setTimeout(() => ac.abort(), 5);
    await expect(job).rejects.toMatchObject({ code: 'E_ABORTED' });
    ds.dispose();
  });
});
