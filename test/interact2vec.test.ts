import { describe, expect, it } from 'vitest';
import { Dataset, Evaluator, Interact2Vec, isRecforgeError, syntheticDataset } from '../dist/index.js';

const data = await syntheticDataset({ users: 600, items: 300, meanActivity: 20, seed: 5 });

async function fitAll(model: Interact2Vec, epochs: number, extra: Record<string, unknown> = {}) {
  const events = [];
  for await (const e of model.fit({ epochs, ...extra })) events.push(e);
  return events;
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return isRecforgeError(e) ? e.code : `not a RecforgeError: ${String(e)}`;
  }
  return undefined;
}

describe('Interact2Vec', () => {
  it('learns: Recall@20 above popularity, epoch events with loss, seconds, kept, lr and metrics', async () => {
    const model = await Interact2Vec.create(data, { dim: 16, lr: 0.05, seed: 1, threads: 2 });
    const progress: number[] = [];
    const events = await fitAll(model, 30, { evalEvery: 10, k: 20, onProgress: (f: number) => progress.push(f) });
    expect(progress.length).toBeGreaterThan(0);
    for (let q = 1; q < progress.length; q++) expect(progress[q]).toBeGreaterThanOrEqual(progress[q - 1]);
    expect(progress[progress.length - 1]).toBeLessThanOrEqual(1);
    expect(events.map((e) => e.epoch)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(events.filter((e) => e.metrics).map((e) => e.epoch)).toEqual([10, 20, 30]);
    for (const e of events) {
      expect(Number.isFinite(e.loss)).toBe(true);
      expect(e.seconds).toBeGreaterThanOrEqual(0);
      expect(e.kept).toBe(data.matrix('train')!.nnz);  // no subsampling: every train pair
    }
    expect(events[29].loss).toBeLessThan(events[0].loss);
    expect(events[29].lr).toBeLessThan(0.05 * 0.05);
    const pop = (await new Evaluator(data, { k: 20, metrics: ['recall'] }).popularity())['recall@20'];
    const r = events[29].metrics!['recall@20'];
    expect(r, `recall ${r} vs popularity ${pop}`).toBeGreaterThan(1.5 * pop);
    expect(model.history).toHaveLength(30);
    model.dispose();
  }, 60_000);

  it('the Adam path (reference setting) learns and is deterministic across thread counts', async () => {
    const run = async (threads: number) => {
      const m = await Interact2Vec.create(data, { dim: 16, optimizer: 'adam', batchRows: 2048, lr: 0.01, seed: 2, threads });
      const events = await fitAll(m, 3);
      const u = await m.userEmbeddings();
      m.dispose();
      return { u: Buffer.from(u.data.buffer), loss: events[2].loss };
    };
    const [a, b] = [await run(1), await run(2)];
    expect(a.u.equals(b.u)).toBe(true);
    expect(a.loss).toBeLessThan(Math.log(2));
  }, 30_000);

  it('single-thread SGD: same seed, same bits; another seed differs', async () => {
    const run = async (seed: number) => {
      const m = await Interact2Vec.create(data, { dim: 8, seed, threads: 1, subsample: 1e-3, itemItemWeight: 0.5 });
      await fitAll(m, 2);
      const v = await m.itemEmbeddings();
      m.dispose();
      return Buffer.from(v.data.buffer);
    };
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  }, 30_000);

  it('serves: recommend (dot and cosine, train excluded), similarItems and similarUsers by cosine', async () => {
    const model = await Interact2Vec.create(data, { dim: 16, seed: 1, threads: 2 });
    await fitAll(model, 5);
    const U = await model.userEmbeddings();
    const V = await model.itemEmbeddings();
    const d = model.dim;
    const dot = (a: Float32Array, i: number, b: Float32Array, j: number) => {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
      return s;
    };
    const cos = (a: Float32Array, i: number, b: Float32Array, j: number) =>
      dot(a, i, b, j) / Math.sqrt(dot(a, i, a, i) * dot(b, j, b, j));
    const train = data.matrix('train')!.export();
    const seen = new Set(train.indices.subarray(train.indptr[7], train.indptr[8]));
    for (const scoring of ['dot', 'cosine'] as const) {
      const r = await model.recommend(7, { k: 10, scoring });
      expect(r.items.length).toBe(10);
      const f = scoring === 'dot' ? dot : cos;
      // Naive ranking of every unseen item.
      const want = Array.from({ length: model.nItems }, (_, j) => j).filter((j) => !seen.has(j))
        .map((j) => ({ j, s: f(U.data, 7, V.data, j) })).sort((x, y) => y.s - x.s || x.j - y.j).slice(0, 10);
      expect(Array.from(r.items)).toEqual(want.map((w) => w.j));
      for (let q = 0; q < 10; q++) expect(r.scores[q]).toBeCloseTo(want[q].s, 4);
    }
    const all = await model.recommend(7, { k: model.nItems, exclude: 'none' });
    expect(all.items.length).toBe(model.nItems);
    const si = await model.similarItems(3, { k: 5 });
    expect(si.ids.length).toBe(5);
    expect(Array.from(si.ids)).not.toContain(3);
    const wantItems = Array.from({ length: model.nItems }, (_, j) => j).filter((j) => j !== 3)
      .map((j) => ({ j, s: cos(V.data, 3, V.data, j) })).sort((x, y) => y.s - x.s || x.j - y.j).slice(0, 5);
    expect(Array.from(si.ids)).toEqual(wantItems.map((w) => w.j));
    const su = await model.similarUsers(0, { k: 4 });
    expect(su.ids.length).toBe(4);
    expect(Array.from(su.ids)).not.toContain(0);
    for (let q = 0; q < 4; q++) expect(su.scores[q]).toBeCloseTo(cos(U.data, 0, U.data, su.ids[q]), 4);
    model.dispose();
  }, 30_000);

  it('knn and blend scoring match a naive item-based computation', async () => {
    const model = await Interact2Vec.create(data, { dim: 8, seed: 1, threads: 2 });
    await fitAll(model, 3);
    const V = (await model.itemEmbeddings()).data;
    const U = (await model.userEmbeddings()).data;
    const d = model.dim, n = model.nItems, K = 10;
    const cos = (a: Float32Array, i: number, b: Float32Array, j: number) => {
      let ab = 0, aa = 0, bb = 0;
      for (let c = 0; c < d; c++) { ab += a[i * d + c] * b[j * d + c]; aa += a[i * d + c] ** 2; bb += b[j * d + c] ** 2; }
      return ab / Math.sqrt(aa * bb);
    };
    const train = data.matrix('train')!.export();
    const user = 11;
    const hist = Array.from(train.indices.subarray(train.indptr[user], train.indptr[user + 1]));
    // sim(i, j) kept only within i's K most similar items.
    const lists = new Map<number, Map<number, number>>();
    for (const i of hist) {
      const all = Array.from({ length: n }, (_, j) => j).filter((j) => j !== i).map((j) => ({ j, s: cos(V, i, V, j) }))
        .sort((x, y) => y.s - x.s || x.j - y.j).slice(0, K);
      lists.set(i, new Map(all.map((e) => [e.j, e.s])));
    }
    for (const [scoring, w] of [['knn', 0], ['blend', 0.3]] as const) {
      const r = await model.recommend(user, { k: 5, scoring, neighbours: K, userWeight: scoring === 'blend' ? w : undefined });
      const want = Array.from({ length: n }, (_, j) => j).filter((j) => !hist.includes(j)).map((j) => {
        let knn = 0;
        for (const i of hist) knn += lists.get(i)!.get(j) ?? 0;
        return { j, s: w * cos(U, user, V, j) + (1 - w) * knn / hist.length };
      }).sort((x, y) => y.s - x.s || x.j - y.j).slice(0, 5);
      for (let q = 0; q < 5; q++) expect(r.scores[q]).toBeCloseTo(want[q].s, 4);
    }
    expect(await codeOf(model.recommend(0, { scoring: 'blend', userWeight: 2 }))).toBe('E_INVALID_ARG');
    expect(await codeOf(model.recommend(0, { scoring: 'knn', neighbours: 0 }))).toBe('E_INVALID_ARG');
    model.dispose();
  }, 30_000);

  it('evaluate: dot and cosine agree with the evaluator, knn / blend agree with their own recommendations', async () => {
    const model = await Interact2Vec.create(data, { dim: 8, seed: 1, threads: 2 });
    await fitAll(model, 3);
    const ev = new Evaluator(data, { k: 20, metrics: ['hitrate', 'recall'] });
    expect(await model.evaluate(ev)).toEqual(await ev.evaluateModel(model));
    const cos = await model.evaluate(ev, { scoring: 'cosine' });
    expect(cos['recall@20']).toBeGreaterThan(0);
    const test = data.matrix('test')!.export();
    for (const [scoring, userWeight] of [['knn', undefined], ['blend', 0.25]] as const) {
      const r = await model.evaluate(ev, { scoring, neighbours: 16, userWeight });
      // Hit rate from the served lists of every user with test items.
      let users = 0, hits = 0;
      for (let u = 0; u < model.nUsers; u++) {
        const truth = test.indices.subarray(test.indptr[u], test.indptr[u + 1]);
        if (truth.length === 0) continue;
        users++;
        const top = await model.recommend(u, { k: 20, scoring, neighbours: 16, userWeight });
        if (Array.from(top.items).some((i) => truth.includes(i))) hits++;
      }
      expect(r['hitrate@20']).toBeCloseTo(hits / users, 10);
    }
    const fitted = await fitAll(model, 1, { evalEvery: 1, scoring: 'knn', neighbours: 8 });
    expect(fitted[0].metrics!['recall@20']).toBeGreaterThan(0);
    expect(await codeOf(model.evaluate(ev, { scoring: 'blend', userWeight: -1 }))).toBe('E_INVALID_ARG');
    model.dispose();
  }, 60_000);

  it('bad hyperparameters and ids are typed errors', async () => {
    const bad: Record<string, unknown>[] = [
      { dim: 0 }, { negatives: 0 }, { negatives: 1.5 }, { alpha: Number.NaN }, { alpha: Infinity }, { subsample: -1 },
      { lr: 0 }, { minLrRatio: 2 }, { batchRows: 0 }, { l2: -1 }, { itemItemWeight: -1 }, { optimizer: 'lbfgs' },
      { optimizer: 'adam', itemItemWeight: 1 }, { subsampleMode: 'sometimes' }, { init: 'zeros' }, { threads: -1 }, { seed: -1 },
    ];
    for (const o of bad) expect(await codeOf(Interact2Vec.create(data, o)), JSON.stringify(o)).toBe('E_INVALID_ARG');
    expect(await codeOf(Interact2Vec.create(data, null as never))).toBe('E_TYPE');
    const model = await Interact2Vec.create(data, { dim: 8 });
    expect(await codeOf(model.recommend(-1))).toBe('E_OUT_OF_RANGE');
    expect(await codeOf(model.recommend(600))).toBe('E_OUT_OF_RANGE');
    expect(await codeOf(model.similarItems(300))).toBe('E_OUT_OF_RANGE');
    expect(await codeOf(model.recommend(0, { k: 0 }))).toBe('E_INVALID_ARG');
    expect(await codeOf(model.recommend(0, { scoring: 'pagerank' as never }))).toBe('E_INVALID_ARG');
    expect(await codeOf(fitAll(model, 0))).toBe('E_INVALID_ARG');
    model.dispose();
    expect(await codeOf(model.userEmbeddings())).toBe('E_DISPOSED');
    expect(await codeOf(model.similarUsers(0))).toBe('E_DISPOSED');
  }, 30_000);

  it('abort stops fit mid-run with E_ABORTED; dispose during fit gives E_DISPOSED; reads during an epoch are E_BUSY', async () => {
    const big = await syntheticDataset({ users: 4000, items: 2000, meanActivity: 40, seed: 9 });
    const model = await Interact2Vec.create(big, { dim: 64, threads: 1 });
    const ac = new AbortController();
    const events: number[] = [];
    const code = await codeOf(async () => {
      for await (const e of model.fit({ epochs: 1000, signal: ac.signal })) {
        events.push(e.epoch);
        if (e.epoch === 2) ac.abort();
      }
    });
    expect(code).toBe('E_ABORTED');
    expect(events).toEqual([1, 2]);
    const it = model.fit({ epochs: 1000 })[Symbol.asyncIterator]();
    const first = it.next();
    await new Promise((r) => setTimeout(r, 5));
    expect(await codeOf(model.userEmbeddings())).toBe('E_BUSY');
    await first;
    const pending = it.next();
    model.dispose();
    expect(await codeOf(pending)).toBe('E_DISPOSED');
    big.dispose();
  }, 60_000);

  it('works with string ids and external ids in results', async () => {
    const ds = await Dataset.fromArrays({
      nUsers: 3, nItems: 4,
      train: { users: Int32Array.from([0, 0, 1, 1, 2, 2]), items: Int32Array.from([0, 1, 1, 2, 2, 3]) },
    });
    const m = await Interact2Vec.create(ds, { dim: 4, threads: 1 });
    await fitAll(m, 3);
    const r = await m.recommend('1', { k: 2 });
    expect(r.items.length).toBe(2);
    expect(Array.from(r.items).some((i) => i === 1 || i === 2)).toBe(false);
    m.dispose();
    ds.dispose();
  }, 30_000);
});
