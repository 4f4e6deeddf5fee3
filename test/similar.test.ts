// similarItems / similarUsers of every model (one native path, rf::similarRows) against a naive
// JS scan: cosine (default) and dot, prefixes, exclude lists, string ids, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Dataset, IdMap, Interact2Vec, LightGCN, MF, Matryoshka, syntheticDataset, type Neighbours, type SimilarOptions,
} from '../dist/index.js';

const data = await syntheticDataset({ users: 90, items: 120, seed: 4 });

type Model = LightGCN | Interact2Vec;

// Best-first neighbours of row q of a rows x dim table in double: the query and excluded rows
// dropped, ties to the lower id.
function naive(t: Float32Array, dim: number, q: number, o: SimilarOptions): { ids: number[]; scores: number[] } {
  const d = o.dim ?? dim, rows = t.length / dim;
  const dot = (a: number, b: number) => {
    let s = 0;
    for (let c = 0; c < d; c++) s += t[a * dim + c] * t[b * dim + c];
    return s;
  };
  const skip = new Set<number>(Array.from(o.exclude ?? [], Number));
  const all: [number, number][] = [];
  for (let r = 0; r < rows; r++) {
    if (r === q || skip.has(r)) continue;
    const s = o.metric === 'dot' ? dot(q, r) : dot(q, r) / Math.sqrt(dot(q, q) * dot(r, r));
    all.push([s, r]);
  }
  all.sort((a, b) => (a[0] !== b[0] ? b[0] - a[0] : a[1] - b[1]));
  const top = all.slice(0, o.k ?? 10);
  return { ids: top.map((x) => x[1]), scores: top.map((x) => x[0]) };
}

function expectNaive(r: Neighbours, t: Float32Array, dim: number, q: number, o: SimilarOptions): void {
  const want = naive(t, dim, q, o);
  expect(r.query).toBe(q);
  expect(Array.from(r.ids)).toEqual(want.ids);
  want.scores.forEach((s, j) => expect(r.scores[j]).toBeCloseTo(s, 4));
}

const CASES: SimilarOptions[] = [
  {}, { k: 3 }, { k: 7, metric: 'dot' }, { k: 5, dim: 4 }, { k: 5, dim: 4, metric: 'dot' }, { k: 6, exclude: [0, 1, 2, 50] },
  { k: 4, exclude: Int32Array.of(5, 5, 9) },
];

describe('similarItems / similarUsers', () => {
  let models: [string, Model][];
  beforeAll(async () => {
    const i2v = await Interact2Vec.create(data, { dim: 8, seed: 1, threads: 2 });
    for await (const _ of i2v.fit({ epochs: 2 })) void _;
    models = [
      ['lightgcn', await LightGCN.create(data, { dim: 8, layers: 2, seed: 1 })],
      ['mf', await MF.create(data, { dim: 8, seed: 2 })],
      ['mrl', await Matryoshka.create(data, { dim: 8, levels: [4, 8], seed: 3 })],
      ['interact2vec', i2v],
    ];
  });
  afterAll(() => models.forEach(([, m]) => m.dispose()));

  it('match a naive scan of the final tables for every model, option and side', async () => {
    for (const [, m] of models) {
      const U = (await m.userEmbeddings()).data as Float32Array;
      const V = (await m.itemEmbeddings()).data as Float32Array;
      for (const o of CASES) {
        for (const q of [0, 17, 119]) expectNaive(await m.similarItems(q, o), V, m.dim, q, o);
        for (const q of [3, 89]) expectNaive(await m.similarUsers(q, o), U, m.dim, q, o);
      }
    }
  });

  it('pad nothing: k beyond the other rows gives every other row once', async () => {
    const [, m] = models[0];
    const r = await m.similarItems(5, { k: 1000 });
    expect(r.ids.length).toBe(m.nItems - 1);
    expect(new Set(r.ids).size).toBe(m.nItems - 1);
    expect(Array.from(r.ids)).not.toContain(5);
  });

  it('accept and return external ids when the data had string ids', async () => {
    const names = new IdMap(Array.from({ length: 6 }, (_, j) => `item-${j}`));
    const users = new IdMap(['ann', 'bob', 'cy']);
    const small = await Dataset.fromArrays({
      train: { users: Int32Array.of(0, 0, 1, 1, 2, 2, 2), items: Int32Array.of(0, 1, 1, 2, 3, 4, 5) }, itemIds: names, userIds: users,
    });
    const m = await LightGCN.create(small, { dim: 4, layers: 1, seed: 1 });
    const V = (await m.itemEmbeddings()).data as Float32Array;
    const r = await m.similarItems('item-3', { k: 2, exclude: ['item-4'] });
    expectNaive(r, V, 4, 3, { k: 2, exclude: [4] });
    expect(r.externalIds).toEqual(Array.from(r.ids, (i) => `item-${i}`));
    const s = await m.similarUsers('bob', { k: 1 });
    expect(s.externalIds?.[0]).toMatch(/^(ann|cy)$/);
    await expect(m.similarItems('nope')).rejects.toMatchObject({ code: 'E_OUT_OF_RANGE' });
    await expect(m.similarItems(0, { exclude: ['nope'] })).rejects.toMatchObject({ code: 'E_OUT_OF_RANGE', message: expect.stringContaining('exclude[0]') });
    m.dispose();
    small.dispose();
  });

  it('refuse bad input with typed errors naming the argument', async () => {
    for (const [, m] of models) {
      const bad: [() => Promise<unknown>, string, string][] = [
        [() => m.similarItems(-1), 'E_OUT_OF_RANGE', 'item'],
        [() => m.similarItems(120), 'E_OUT_OF_RANGE', 'item'],
        [() => m.similarUsers(90), 'E_OUT_OF_RANGE', 'user'],
        [() => m.similarItems(1.5), 'E_OUT_OF_RANGE', 'item'],
        [() => m.similarItems(0, { k: 0 }), 'E_INVALID_ARG', 'k'],
        [() => m.similarItems(0, { k: Number.NaN }), 'E_INVALID_ARG', 'k'],
        [() => m.similarItems(0, { dim: 9 }), 'E_INVALID_ARG', 'dim'],
        [() => m.similarItems(0, { metric: 'euclid' as 'dot' }), 'E_INVALID_ARG', 'metric'],
        [() => m.similarItems(0, { exclude: 'x' as unknown as number[] }), 'E_TYPE', 'exclude'],
        [() => m.similarItems(0, { exclude: [{}] as unknown as number[] }), 'E_TYPE', 'exclude[0]'],
        [() => m.similarItems(0, { exclude: [120] }), 'E_OUT_OF_RANGE', 'exclude[0]'],
        [() => m.similarItems(0, null as unknown as SimilarOptions), 'E_TYPE', 'options'],
      ];
      for (const [call, code, words] of bad) await expect(call()).rejects.toMatchObject({ code, message: expect.stringContaining(words) });
    }
    const gone = await MF.create(data, { dim: 4, seed: 1 });
    gone.dispose();
    await expect(gone.similarItems(0)).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });
});
