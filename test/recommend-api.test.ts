// The serving API of LightGCN / MF / Matryoshka: recommendSync (synchronous fast path),
// recommendMany (batched, async, caller-provided output) and recommend, against a naive JS
// ranking (double-precision scores, ties to the lower item id as the evaluator ranks).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LightGCN, MF, Matryoshka, syntheticDataset, type RecommendOptions } from '../dist/index.js';
import { addon } from '../dist/native.js';

const data = await syntheticDataset({ users: 120, items: 150, seed: 9 });

interface Tables { U: Float32Array; V: Float32Array; dim: number; train: Set<number>[] }

async function tables(m: LightGCN): Promise<Tables> {
  const U = (await m.userEmbeddings()).data as Float32Array;
  const V = (await m.itemEmbeddings()).data as Float32Array;
  const csr = m.native().trainMatrix().export();
  const train: Set<number>[] = [];
  for (let u = 0; u < csr.rows; u++) train.push(new Set(csr.indices.subarray(csr.indptr[u], csr.indptr[u + 1])));
  return { U, V, dim: m.dim, train };
}

// Items and scores best first: exclude / allow / deny filter, `dim`-prefix scores in double,
// optional shortlist reranked at full width; ties go to the lower item id.
function naive(t: Tables, user: number, o: RecommendOptions): { items: number[]; scores: number[] } {
  const k = o.k ?? 10, d = o.dim ?? t.dim;
  const allow = o.allow ? new Set(Array.from(o.allow)) : undefined;
  const deny = new Set(Array.from(o.deny ?? []));
  const score = (i: number, w: number) => {
    let s = 0;
    for (let p = 0; p < w; p++) s += t.U[user * t.dim + p] * t.V[i * t.dim + p];
    return s;
  };
  let all: [number, number][] = [];
  for (let i = 0; i < t.V.length / t.dim; i++) {
    if ((o.exclude ?? 'train') === 'train' && t.train[user].has(i)) continue;
    if ((allow && !allow.has(i)) || deny.has(i)) continue;
    all.push([score(i, d), i]);
  }
  const order = (a: [number, number], b: [number, number]) => (a[0] !== b[0] ? b[0] - a[0] : a[1] - b[1]);
  all.sort(order);
  if (o.shortlist) {
    all = all.slice(0, o.shortlist).map(([, i]) => [score(i, t.dim), i]);
    all.sort(order);
  }
  all = all.slice(0, k);
  return { items: all.map((c) => c[1]), scores: all.map((c) => c[0]) };
}

const CASES: RecommendOptions[] = [
  {}, { k: 5 }, { k: 1 }, { k: 20, exclude: 'none' }, { k: 7, dim: 3 }, { k: 5, dim: 2, shortlist: 30 },
  { k: 10, allow: [3, 1, 77, 149, 3, 60, 61, 62] }, { k: 10, deny: Int32Array.from([0, 1, 2, 5, 8, 13, 21, 34, 55, 89, 144]) },
  { k: 4, dim: 4, allow: Int32Array.from({ length: 50 }, (_, j) => 3 * j), deny: [0, 3, 6, 9] },
  { k: 200 }, { k: 5, allow: [] }, { k: 3, exclude: 'none', allow: [10, 11] },
];

describe('recommend API', () => {
  let mf: MF;
  let gcn: LightGCN;
  beforeAll(async () => {
    // MF with an integer-valued table: exact scores in float and in double, and many exact ties.
    mf = await MF.create(data, { dim: 8, seed: 2 });
    const ego = new Float32Array((mf.nUsers + mf.nItems) * mf.dim);
    let s = 12345;
    for (let j = 0; j < ego.length; j++) ego[j] = ((s = (s * 1103515245 + 12345) % 2147483648) >> 16) % 3 - 1;
    await mf.native().importState({ ego, steps: 0 });
    mf.markChanged();
    gcn = await LightGCN.create(data, { dim: 16, layers: 2, seed: 3 });
  });
  afterAll(() => {
    mf.dispose();
    gcn.dispose();
  });

  it('recommendSync needs a warm model (E_NOT_READY), then matches the naive ranking with exact ties', async () => {
    expect(mf.ready).toBe(false);
    expect(() => mf.recommendSync(0)).toThrow(expect.objectContaining({ code: 'E_NOT_READY' }));
    await mf.warmup();
    expect(mf.ready).toBe(true);
    const t = await tables(mf);
    let ties = 0;
    for (const o of CASES)
      for (let u = 0; u < mf.nUsers; u += 7) {
        const got = mf.recommendSync(u, o), want = naive(t, u, o);
        expect(Array.from(got.items), `user ${u} ${JSON.stringify(o)}`).toEqual(want.items);
        expect(Array.from(got.scores)).toEqual(want.scores);
        for (let r = 1; r < want.scores.length; r++) ties += want.scores[r] === want.scores[r - 1] ? 1 : 0;
      }
    expect(ties).toBeGreaterThan(100);
  });

  it('sync, async single and batched paths agree bit for bit (real-valued LightGCN)', async () => {
    await gcn.warmup();
    const t = await tables(gcn);
    const users = Int32Array.from({ length: 40 }, (_, j) => (j * 37) % gcn.nUsers);
    for (const o of CASES) {
      const many = await gcn.recommendMany(users, o);
      const k = o.k ?? 10;
      expect(many.k).toBe(k);
      expect(many.items.length).toBe(users.length * k);
      for (let q = 0; q < users.length; q++) {
        const s = gcn.recommendSync(users[q], o);
        const a = await gcn.recommend(users[q], o);
        expect(Array.from(s.items)).toEqual(Array.from(a.items));
        expect(Buffer.from(s.scores.buffer).equals(Buffer.from(a.scores.buffer))).toBe(true);
        const row = many.items.subarray(q * k, (q + 1) * k), rs = many.scores.subarray(q * k, (q + 1) * k);
        expect(Array.from(row.subarray(0, s.items.length))).toEqual(Array.from(s.items));
        expect(Array.from(rs.subarray(0, s.items.length))).toEqual(Array.from(s.scores));
        for (let r = s.items.length; r < k; r++) expect([row[r], rs[r]]).toEqual([-1, -Infinity]);  // padding only past the candidates
        const want = naive(t, users[q], o);
        expect(s.items.length).toBe(want.items.length);
        // Float vs double: compare the ranking where the double scores are not near-ties.
        for (let r = 0; r < want.items.length; r++) {
          expect(Math.abs(s.scores[r] - want.scores[r])).toBeLessThan(1e-5);
          const gap = Math.min(r > 0 ? want.scores[r - 1] - want.scores[r] : Infinity, r + 1 < want.scores.length ? want.scores[r] - want.scores[r + 1] : Infinity);
          if (gap > 1e-5) expect(s.items[r]).toBe(want.items[r]);
        }
      }
    }
  });

  it('every certified scan route (int8 / bf16 / float, forced) gives the same exact results', async () => {
    await gcn.warmup();
    await mf.warmup();
    const native = addon();
    expect(native.servingScan().route).toBe('auto');
    expect(() => native.servingScan('fp8' as 'auto')).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    const users = Int32Array.from({ length: 30 }, (_, j) => (j * 41) % gcn.nUsers);
    try {
      for (const m of [gcn, mf])
        for (const o of CASES) {
          native.servingScan('float');
          const want = Array.from(users, (u) => m.recommendSync(u, o));
          for (const route of ['int8', 'bf16', 'auto'] as const) {
            expect(native.servingScan(route).route).toBe(route);
            for (let q = 0; q < users.length; q++) {
              const got = m.recommendSync(users[q], o);
              expect(Array.from(got.items), `${route} user ${users[q]} ${JSON.stringify(o)}`).toEqual(Array.from(want[q].items));
              expect(Buffer.from(got.scores.buffer).equals(Buffer.from(want[q].scores.buffer))).toBe(true);
            }
          }
        }
    } finally {
      native.servingScan('auto');
    }
  });

  it('recommendMany writes into caller arrays and pads past the candidates', async () => {
    await mf.warmup();
    const users = [4, 0, 119];
    const out = { items: new Int32Array(3 * 160 + 5).fill(9), scores: new Float32Array(3 * 160 + 5).fill(9) };
    const r = await mf.recommendMany(users, { k: 160, out });
    expect(r.items).toBe(out.items);
    expect(r.scores).toBe(out.scores);
    const t = await tables(mf);
    for (let q = 0; q < 3; q++) {
      const want = naive(t, users[q], { k: 160 });
      expect(Array.from(out.items.subarray(q * 160, q * 160 + want.items.length))).toEqual(want.items);
      expect(out.items.subarray(q * 160 + want.items.length, (q + 1) * 160).every((x) => x === -1)).toBe(true);
      expect(out.scores.subarray(q * 160 + want.items.length, (q + 1) * 160).every((x) => x === -Infinity)).toBe(true);
    }
    expect(Array.from(out.items.subarray(480))).toEqual([9, 9, 9, 9, 9]);  // nothing written past n × k
    const empty = await mf.recommendMany(new Int32Array(0), { k: 3 });
    expect([empty.k, empty.items.length]).toEqual([3, 0]);
  });

  it('Matryoshka models serve prefixes and coarse-to-fine synchronously', async () => {
    const m = await Matryoshka.create(data, { dim: 16, levels: [4, 8, 16], seed: 5 });
    await m.warmup();
    const t = await tables(m);
    for (const o of [{ k: 10, dim: 4 }, { k: 10, dim: 8, shortlist: 40 }] as RecommendOptions[])
      for (let u = 0; u < m.nUsers; u += 11) {
        const s = m.recommendSync(u, o);
        const a = await m.recommend(u, o);
        expect(Array.from(s.items)).toEqual(Array.from(a.items));
        expect(s.items.length).toBe(naive(t, u, o).items.length);
      }
    m.dispose();
  });

  it('readiness follows the table: a state import makes the model cold again', async () => {
    await mf.warmup();
    const st = await mf.native().exportState();
    await mf.native().importState(st);
    mf.markChanged();
    expect(mf.ready).toBe(false);
    expect(() => mf.recommendSync(1)).toThrow(expect.objectContaining({ code: 'E_NOT_READY' }));
    await mf.recommend(1);  // an async call warms it
    expect(mf.ready).toBe(true);
  });

  it('bad input is a typed error on every entry point', async () => {
    await mf.warmup();
    const bad: [unknown, RecommendOptions, string][] = [
      [0, { k: 0 }, 'E_INVALID_ARG'], [0, { k: 1.5 }, 'E_INVALID_ARG'], [0, { k: NaN }, 'E_INVALID_ARG'],
      [0, { dim: 9 }, 'E_INVALID_ARG'], [0, { dim: 4, shortlist: 2, k: 5 }, 'E_INVALID_ARG'], [0, { shortlist: 50 }, 'E_INVALID_ARG'],
      [0, { exclude: 'seen' as 'train' }, 'E_INVALID_ARG'],
      [-1, {}, 'E_OUT_OF_RANGE'], [120, {}, 'E_OUT_OF_RANGE'], [0.5, {}, 'E_OUT_OF_RANGE'], ['nobody', {}, 'E_OUT_OF_RANGE'],
      [0, { allow: [150] }, 'E_OUT_OF_RANGE'], [0, { allow: Int32Array.from([-1]) }, 'E_OUT_OF_RANGE'],
      [0, { deny: [1, 2 ** 40] }, 'E_OUT_OF_RANGE'], [0, { deny: [0.5] }, 'E_OUT_OF_RANGE'],
      [0, { allow: new Float32Array([1]) as unknown as Int32Array }, 'E_TYPE'], [0, { deny: '1,2' as unknown as number[] }, 'E_TYPE'],
      [0, { allow: ['1'] as unknown as number[] }, 'E_TYPE'], [0, { deny: new Uint32Array([1]) as unknown as Int32Array }, 'E_TYPE'],
    ];
    for (const [user, o, code] of bad) {
      const what = `${String(user)} ${JSON.stringify(o)}`;
      expect(() => mf.recommendSync(user as number, o), what).toThrow(expect.objectContaining({ code }));
      await expect(mf.recommend(user as number, o), what).rejects.toMatchObject({ code });
      await expect(mf.recommendMany([typeof user === 'number' ? user : -1], o), what).rejects.toMatchObject({ code });
    }
    expect(() => mf.recommendSync(0, null as unknown as RecommendOptions)).toThrow(expect.objectContaining({ code: 'E_TYPE' }));
    await expect(mf.recommendMany([0, 1], { k: 3, out: { items: new Int32Array(5), scores: new Float32Array(6) } }))
      .rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(mf.recommendMany([0, 1], { k: 3, out: { items: new Int32Array(6), scores: new Float32Array(5) } }))
      .rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(mf.recommendMany([0, 1], { k: 3, out: { items: new Float32Array(6), scores: new Float32Array(6) } as never }))
      .rejects.toMatchObject({ code: 'E_TYPE' });
    await expect(mf.recommendMany([0, 1], { k: 3, out: null as never })).rejects.toMatchObject({ code: 'E_TYPE' });
    await expect(mf.recommendMany('01' as unknown as number[])).rejects.toMatchObject({ code: 'E_TYPE' });
    const other = await MF.create(data, { dim: 4 });
    await other.warmup();
    other.dispose();
    expect(() => other.recommendSync(0)).toThrow(expect.objectContaining({ code: 'E_DISPOSED' }));
    await expect(other.recommendMany([0])).rejects.toMatchObject({ code: 'E_DISPOSED' });
    await expect(other.recommend(0)).rejects.toMatchObject({ code: 'E_DISPOSED' });
    expect(other.ready).toBe(false);
  });
});
