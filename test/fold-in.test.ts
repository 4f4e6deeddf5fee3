// foldInUser: a user not seen in training embedded from its items, every table frozen. Checked
// against a naive JS propagation (LightGCN, no fitting), a closed-form optimum (MF), the
// trained user with the same items, and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dataset, IdMap, Interact2Vec, LightGCN, MF, Matryoshka, Trainer, syntheticDataset } from '../dist/index.js';

const data = await syntheticDataset({ users: 150, items: 200, seed: 21 });

/** Each user's train items. */
function trainRows(m: LightGCN): number[][] {
  const csr = m.native().trainMatrix().export();
  return Array.from({ length: csr.rows }, (_, u) => Array.from(csr.indices.subarray(csr.indptr[u], csr.indptr[u + 1])));
}

// f = (sum_i P_i / sqrt(s (deg_i + 1))) / (K + 1), P_i = the item's layers 0..K-1 summed, from the
// layer-0 table by an explicit layer loop in double.
async function naiveFoldIn(m: LightGCN, items: number[]): Promise<Float64Array> {
  const { ego } = await m.native().exportState();
  const d = m.dim, M = m.nUsers, N = m.nItems, K = m.config.layers;
  const rows = trainRows(m);
  const degU = rows.map((r) => r.length), degI = new Array(N).fill(0);
  rows.forEach((r) => r.forEach((i) => degI[i]++));
  let cur = Float64Array.from(ego);
  const sum = Float64Array.from(ego.subarray(M * d));
  for (let l = 1; l < K; l++) {
    const next = new Float64Array(cur.length);
    rows.forEach((r, u) => r.forEach((i) => {
      const w = 1 / Math.sqrt(degU[u] * degI[i]);
      for (let c = 0; c < d; c++) {
        next[u * d + c] += w * cur[(M + i) * d + c];
        next[(M + i) * d + c] += w * cur[u * d + c];
      }
    }));
    cur = next;
    for (let q = 0; q < N * d; q++) sum[q] += cur[M * d + q];
  }
  const f = new Float64Array(d);
  for (const i of items) for (let c = 0; c < d; c++) f[c] += sum[i * d + c] / Math.sqrt(items.length * (degI[i] + 1)) / (K + 1);
  return f;
}

/** Top-k of a query vector against the final item table, `skip` left out, ties to the lower id. */
function naiveTop(V: Float32Array, d: number, f: ArrayLike<number>, k: number, skip: Set<number>): number[] {
  const all: [number, number][] = [];
  for (let i = 0; i < V.length / d; i++) {
    if (skip.has(i)) continue;
    let s = 0;
    for (let c = 0; c < d; c++) s += f[c] * V[i * d + c];
    all.push([s, i]);
  }
  return all.sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k).map((x) => x[1]);
}

describe('foldInUser', () => {
  let gcn: LightGCN;
  beforeAll(async () => {
    gcn = await LightGCN.create(data, { dim: 16, layers: 3, seed: 5 });
    for await (const _ of new Trainer(gcn, { lr: 0.01 }).fit({ epochs: 30 })) void _;
  }, 60_000);
  afterAll(() => gcn.dispose());

  it('LightGCN without fitting: the propagation of the items, as a naive layer loop computes it', async () => {
    const V = (await gcn.itemEmbeddings()).data as Float32Array;
    for (const items of [[3], [0, 5, 9, 120, 199], [7, 7, 2, 150]]) {
      const r = await gcn.foldInUser(items, { k: 10 });
      const f = await naiveFoldIn(gcn, [...new Set(items)]);
      f.forEach((x, c) => expect(r.embedding[c]).toBeCloseTo(x, 5));
      expect(r.steps).toBe(0);
      expect(r.loss).toBe(0);
      expect(Array.from(r.items)).toEqual(naiveTop(V, gcn.dim, r.embedding, 10, new Set(items)));
      // exclude: 'none' may return the given items; allow / deny / dim as recommend.
      const all = await gcn.foldInUser(items, { k: 200, exclude: 'none' });
      expect(all.items.length).toBe(200);
      const some = await gcn.foldInUser(items, { k: 3, allow: [1, 2, 3, 4, 5, 6], deny: [4], dim: 8 });
      expect(Array.from(some.items).every((i) => [1, 2, 5, 6].includes(i) || (i === 3 && !items.includes(3)))).toBe(true);
    }
  });

  it("a user whose items equal a trained user's gets mostly that user's recommendations", async () => {
    const mf = await MF.create(data, { dim: 16, seed: 5 });
    for await (const _ of new Trainer(mf, { lr: 0.01 }).fit({ epochs: 30 })) void _;
    // Overlap of the top-10 with the trained user's, and (baseline) of the next user's top-10.
    for (const [m, options, least] of [[gcn, {}, 0.65], [gcn, { steps: 20 }, 0.65], [mf, {}, 0.35]] as const) {
      const rows = trainRows(m);
      let overlap = 0, baseline = 0, n = 0;
      for (let u = 0; u < m.nUsers; u += 5) {
        const mine = Array.from((await m.recommend(u, { k: 10 })).items);
        const folded = (await m.foldInUser(rows[u], { k: 10, ...options })).items;
        const other = (await m.recommend((u + 1) % m.nUsers, { k: 10 })).items;
        overlap += Array.from(folded).filter((i) => mine.includes(i)).length / 10;
        baseline += Array.from(other).filter((i) => mine.includes(i)).length / 10;
        n++;
      }
      expect(overlap / n).toBeGreaterThan(least);
      expect(overlap).toBeGreaterThan(2.5 * baseline);
    }
    mf.dispose();
  }, 60_000);

  it('MF: the fitted row reaches the closed-form optimum of the objective', async () => {
    // Six orthogonal items of length alpha (dim 6); a user with items {0, 1}. By symmetry the
    // optimum is (a, a, -b, -b, -b, -b), a = alpha sig / (2 reg), b = alpha sig / (4 reg),
    // sig = sigma(-alpha (a + b)); solved for t = a + b by bisection.
    const tiny = await Dataset.fromArrays({ nUsers: 2, nItems: 6, train: { users: Int32Array.of(0, 1), items: Int32Array.of(0, 5) } });
    const mf = await MF.create(tiny, { dim: 6, seed: 1 });
    const alpha = 1.5, reg = 0.05;
    const ego = new Float32Array(8 * 6);
    for (let j = 0; j < 6; j++) ego[(2 + j) * 6 + j] = alpha;
    await mf.native().importState({ ego, steps: 0 });
    mf.markChanged();
    const r = await mf.foldInUser([1, 0], { steps: 400, reg, k: 4 });
    const sigma = (z: number) => 1 / (1 + Math.exp(-z));
    let lo = 0, hi = 100;
    for (let it = 0; it < 200; it++) {
      const mid = (lo + hi) / 2;
      if (mid - (alpha / reg) * 0.75 * sigma(-alpha * mid) > 0) hi = mid; else lo = mid;
    }
    const sig = sigma(-alpha * lo), a = (alpha * sig) / (2 * reg), b = (alpha * sig) / (4 * reg);
    expect(r.embedding[0]).toBeCloseTo(a, 3);
    expect(r.embedding[1]).toBeCloseTo(a, 3);
    for (let j = 2; j < 6; j++) expect(r.embedding[j]).toBeCloseTo(-b, 3);
    expect(r.loss).toBeGreaterThan(0);
    // Every other item ties at alpha * -b: ranked by id.
    expect(Array.from(r.items)).toEqual([2, 3, 4, 5]);
    mf.dispose();
    tiny.dispose();
  });

  it('is deterministic per seed, fits Matryoshka prefixes, and takes external ids', async () => {
    const mrl = await Matryoshka.create(data, { dim: 8, levels: [2, 4, 8], seed: 2 });
    const items = [1, 2, 3, 40, 41];
    const a = await mrl.foldInUser(items, { negatives: 20 }), b = await mrl.foldInUser(items, { negatives: 20 });
    const c = await mrl.foldInUser(items, { negatives: 20, seed: 99 });
    expect(a.steps).toBeGreaterThan(0);
    expect(Buffer.from(a.embedding.buffer).equals(Buffer.from(b.embedding.buffer))).toBe(true);
    expect(Buffer.from(a.embedding.buffer).equals(Buffer.from(c.embedding.buffer))).toBe(false);
    mrl.dispose();

    const named = await Dataset.fromArrays({
      train: { users: Int32Array.of(0, 0, 1, 1, 2), items: Int32Array.of(0, 1, 1, 2, 3) },
      itemIds: new IdMap(['a', 'b', 'c', 'd']), userIds: new IdMap(['x', 'y', 'z']),
    });
    const m = await LightGCN.create(named, { dim: 4, layers: 2, seed: 1 });
    const r = await m.foldInUser(['a', 'b'], { k: 2 });
    expect(r.itemIds).toEqual(Array.from(r.items, (i) => 'abcd'[i]));
    expect(r.itemIds).not.toContain('a');
    await expect(m.foldInUser(['a', 'zz'])).rejects.toMatchObject({ code: 'E_OUT_OF_RANGE', message: expect.stringContaining('items[1]') });
    m.dispose();
    named.dispose();
  });

  it('refuses bad input with typed errors naming the argument', async () => {
    const mf = await MF.create(data, { dim: 4, seed: 1 });
    const bad: [() => Promise<unknown>, string, string][] = [
      [() => gcn.foldInUser([]), 'E_INVALID_ARG', 'items'],
      [() => gcn.foldInUser([200]), 'E_OUT_OF_RANGE', 'items[0]'],
      [() => gcn.foldInUser([0, -1]), 'E_OUT_OF_RANGE', 'items[1]'],
      [() => gcn.foldInUser([0.5]), 'E_OUT_OF_RANGE', 'items[0]'],
      [() => gcn.foldInUser('3' as unknown as number[]), 'E_TYPE', 'items'],
      [() => gcn.foldInUser([null] as unknown as number[]), 'E_TYPE', 'items[0]'],
      [() => gcn.foldInUser([1], { steps: -1 }), 'E_INVALID_ARG', 'steps'],
      [() => gcn.foldInUser([1], { negatives: 0 }), 'E_INVALID_ARG', 'negatives'],
      [() => gcn.foldInUser([1], { reg: Number.NaN }), 'E_INVALID_ARG', 'reg'],
      [() => gcn.foldInUser([1], { seed: -2 }), 'E_INVALID_ARG', 'seed'],
      [() => gcn.foldInUser([1], { k: 0 }), 'E_INVALID_ARG', 'k'],
      [() => gcn.foldInUser([1], { dim: 17 }), 'E_INVALID_ARG', 'dim'],
      [() => gcn.foldInUser([1], { deny: [999] }), 'E_OUT_OF_RANGE', 'deny'],
      [() => mf.foldInUser([1], { steps: 0 }), 'E_INVALID_ARG', 'steps'],
    ];
    for (const [call, code, words] of bad) await expect(call()).rejects.toMatchObject({ code, message: expect.stringContaining(words) });
    mf.dispose();
    await expect(mf.foldInUser([1])).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });
});

describe('Interact2Vec.foldInUser', () => {
  let i2v: Interact2Vec;
  let rows: number[][];
  beforeAll(async () => {
    i2v = await Interact2Vec.create(data, { dim: 16, lr: 0.05, seed: 3, threads: 1 });
    for await (const _ of i2v.fit({ epochs: 30 })) void _;
    const csr = data.matrix('train')!.export();
    rows = Array.from({ length: csr.rows }, (_, u) => Array.from(csr.indices.subarray(csr.indptr[u], csr.indptr[u + 1])));
  }, 60_000);
  afterAll(() => i2v.dispose());

  it('is deterministic per seed, leaves out the items given, and fits the SGNS objective', async () => {
    const items = [3, 1, 40, 41, 3];
    const a = await i2v.foldInUser(items, { k: 20 }), b = await i2v.foldInUser(items, { k: 20 });
    const c = await i2v.foldInUser(items, { k: 20, seed: 99 });
    expect(a.embedding.length).toBe(16);
    expect(a.steps).toBeGreaterThan(0);
    expect(Number.isFinite(a.loss) && a.loss > 0).toBe(true);
    expect(Buffer.from(a.embedding.buffer).equals(Buffer.from(b.embedding.buffer))).toBe(true);
    expect(Array.from(a.items)).toEqual(Array.from(b.items));
    expect(Buffer.from(a.embedding.buffer).equals(Buffer.from(c.embedding.buffer))).toBe(false);
    expect(a.items.length).toBe(20);
    for (const i of [1, 3, 40, 41]) expect(Array.from(a.items)).not.toContain(i);
    for (let q = 1; q < a.scores.length; q++) expect(a.scores[q]).toBeLessThanOrEqual(a.scores[q - 1]);
    // Scores are the dot with the fitted vector; more steps lower the objective.
    const V = (await i2v.itemEmbeddings()).data as Float32Array;
    let s = 0;
    for (let k = 0; k < 16; k++) s += a.embedding[k] * V[a.items[0] * 16 + k];
    expect(a.scores[0]).toBeCloseTo(s, 4);
    const few = await i2v.foldInUser(items, { steps: 2 });
    expect(few.loss).toBeGreaterThan(a.loss);
    const all = await i2v.foldInUser(items, { k: 200, exclude: 'none', scoring: 'cosine' });
    expect(all.items.length).toBe(200);
  });

  it("a user whose items equal a trained user's gets mostly that user's recommendations", async () => {
    let overlap = 0, baseline = 0, n = 0;
    for (let u = 0; u < i2v.nUsers; u += 5) {
      const mine = Array.from((await i2v.recommend(u, { k: 10 })).items);
      const folded = (await i2v.foldInUser(rows[u], { k: 10 })).items;
      const other = (await i2v.recommend((u + 7) % i2v.nUsers, { k: 10 })).items;
      overlap += Array.from(folded).filter((i) => mine.includes(i)).length / 10;
      baseline += Array.from(other).filter((i) => mine.includes(i)).length / 10;
      n++;
    }
    expect(overlap / n).toBeGreaterThan(0.3);
    expect(overlap).toBeGreaterThan(2 * baseline);
  }, 60_000);

  it('refuses bad input with typed errors naming the argument', async () => {
    const bad: [() => Promise<unknown>, string, string][] = [
      [() => i2v.foldInUser([]), 'E_INVALID_ARG', 'items'],
      [() => i2v.foldInUser([200]), 'E_OUT_OF_RANGE', 'items[0]'],
      [() => i2v.foldInUser([0, -1]), 'E_OUT_OF_RANGE', 'items[1]'],
      [() => i2v.foldInUser('3' as unknown as number[]), 'E_TYPE', 'items'],
      [() => i2v.foldInUser([1], { steps: 0 }), 'E_INVALID_ARG', 'steps'],
      [() => i2v.foldInUser([1], { steps: 1.5 }), 'E_INVALID_ARG', 'steps'],
      [() => i2v.foldInUser([1], { negatives: 0 }), 'E_INVALID_ARG', 'negatives'],
      [() => i2v.foldInUser([1], { reg: -1 }), 'E_INVALID_ARG', 'reg'],
      [() => i2v.foldInUser([1], { k: 0 }), 'E_INVALID_ARG', 'k'],
      [() => i2v.foldInUser([1], { scoring: 'knn' }), 'E_INVALID_ARG', 'scoring'],
    ];
    for (const [call, code, words] of bad) await expect(call()).rejects.toMatchObject({ code, message: expect.stringContaining(words) });
  });
});
