// Nested-prefix embeddings through the public API: evaluation at every prefix width in one pass,
// serving at a chosen width and coarse-to-fine, and exporting a prefix (library and CLI).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Evaluator, FixedEmbeddings, MF, Tensor, Trainer, readNpy, saveModel, syntheticDataset, type LightGCN,
} from '../dist/index.js';
import { repoRoot, rng } from './helpers.js';

const data = await syntheticDataset({ users: 600, items: 700, seed: 21 });
const dim = 32;
const rand = rng(17);
const U = new Tensor(Float32Array.from({ length: data.nUsers * dim }, () => rand() - 0.5), [data.nUsers, dim]);
const V = new Tensor(Float32Array.from({ length: data.nItems * dim }, () => rand() - 0.5), [data.nItems, dim]);

/** The first d columns of a 2-D tensor, computed independently of the library. */
function cut(t: Tensor<'float32'>, d: number): Tensor<'float32'> {
  const out = new Float32Array(t.rows * d);
  for (let r = 0; r < t.rows; r++) for (let c = 0; c < d; c++) out[r * d + c] = t.data[r * t.cols + c];
  return new Tensor(out, [t.rows, d]);
}

async function trainedMF(): Promise<LightGCN> {
  const m = await MF.create(data, { dim: 16, seed: 3, threads: 2 });
  for await (const _ of new Trainer(m, { lr: 0.01, threads: 2 }).fit({ epochs: 3 })) void _;
  return m;
}

describe('evaluation at every prefix width', () => {
  const ev = new Evaluator(data, { k: [10, 20] });

  it('per-level keys equal evaluating truncated tables; full-width keys equal a plain evaluation', async () => {
    const plain = await ev.evaluate(U, V);
    const r = await ev.evaluate(U, V, { dims: [2, 4, 8, 16] });
    for (const [key, value] of Object.entries(plain)) expect(r[key as 'recall@20']).toBe(value);
    for (const d of [2, 4, 8, 16]) {
      const want = await ev.evaluate(cut(U as Tensor<'float32'>, d), cut(V as Tensor<'float32'>, d));
      for (const m of ev.metrics)
        for (const k of ev.ks) expect(r[`${m}@${k}/d${d}`], `${m}@${k}/d${d}`).toBe(want[`${m}@${k}`]);
    }
    expect(Object.keys(r)).toHaveLength(6 * 2 * 5);
    expect(r['recall@20/d2']).not.toBe(r['recall@20']);
  });

  it('a level at the full width is reported under both keys', async () => {
    const r = await ev.evaluate(U, V, { dims: [4, dim] });
    expect(r[`ndcg@20/d${dim}`]).toBe(r['ndcg@20']);
    expect(r['ndcg@20/d4']).toBeTypeOf('number');
  });

  it('evaluateModel passes dims through for any embedding model', async () => {
    const fixed = new FixedEmbeddings(U, V);
    const r = await ev.evaluateModel(fixed, { dims: [8] });
    expect(r['recall@10/d8']).toBe((await ev.evaluate(cut(U as Tensor<'float32'>, 8), cut(V as Tensor<'float32'>, 8)))['recall@10']);
    const m = await trainedMF();
    const rm = await ev.evaluateModel(m, { dims: [4, 8] });
    expect(rm['recall@20']).toBe((await ev.evaluateModel(m))['recall@20']);
    expect(rm['recall@20/d4']).toBe((await ev.evaluate(await m.userEmbeddings({ dim: 4 }), await m.itemEmbeddings({ dim: 4 })))['recall@20']);
    m.dispose();
  }, 30_000);

  it('rejects dims that are empty, not increasing, out of range or not integers', async () => {
    for (const dims of [[], [8, 4], [4, 4], [0], [dim + 1], [2.5], ['4']] as unknown as number[][])
      await expect(ev.evaluate(U, V, { dims }), JSON.stringify(dims)).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
  });
});

describe('serving at a chosen width', () => {
  it('recommend with dim ranks by the prefix score; coarse-to-fine reranks a prefix shortlist at full width', async () => {
    const m = await trainedMF();
    const [Uf, Vf] = [await m.userEmbeddings(), await m.itemEmbeddings()];
    const seen = data.train;
    const users = [0, 7, 123, 599];
    const dot = (u: number, i: number, d: number) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += Uf.data[u * 16 + j] * Vf.data[i * 16 + j];
      return s;
    };
    const exact = await m.recommendBatch(users, { k: 10 });
    const prefix = await m.recommendBatch(users, { k: 10, dim: 4 });
    const c2f = await m.recommendBatch(users, { k: 10, dim: 4, shortlist: 40 });
    const all = await m.recommendBatch(users, { k: 10, dim: 4, shortlist: data.nItems });
    expect(Array.from(all.items)).toEqual(Array.from(exact.items));  // a shortlist of everything is exact
    expect(Array.from(all.scores)).toEqual(Array.from(exact.scores));
    users.forEach((u, row) => {
      const mine = new Set<number>();
      for (let q = 0; q < seen.users.length; q++) if (seen.users[q] === u) mine.add(seen.items[q]);
      const unseen = [...Array(data.nItems).keys()].filter((i) => !mine.has(i));
      const byPrefix = [...unseen].sort((a, b) => dot(u, b, 4) - dot(u, a, 4) || a - b);
      const slice = (t: Int32Array | Float32Array) => Array.from(t.subarray(row * 10, row * 10 + 10));
      // dim only: the prefix ranking and prefix scores (float vs double sums: compare scores loosely).
      slice(prefix.scores).forEach((s, r) => expect(s).toBeCloseTo(dot(u, slice(prefix.items)[r], 4), 4));
      expect(dot(u, slice(prefix.items)[9], 4)).toBeGreaterThanOrEqual(dot(u, byPrefix[9], 4) - 1e-5);
      // coarse-to-fine: every item from the 40-item prefix shortlist, ordered and scored at full width.
      const shortlist = new Set(byPrefix.slice(0, 40));
      const got = slice(c2f.items);
      for (const i of got) expect(shortlist.has(i) || Math.abs(dot(u, i, 4) - dot(u, byPrefix[39], 4)) < 1e-5).toBe(true);
      const want = [...shortlist].sort((a, b) => dot(u, b, 16) - dot(u, a, 16) || a - b).slice(0, 10);
      expect(got).toEqual(want);
      slice(c2f.scores).forEach((s, r) => expect(s).toBeCloseTo(dot(u, got[r], 16), 4));
    });
    const one = await m.recommend(7, { k: 10, dim: 4, shortlist: 40 });
    expect(Array.from(one.items)).toEqual(Array.from(c2f.items.subarray(10, 20)));
    m.dispose();
  }, 30_000);

  it('rejects bad dim and shortlist options with E_INVALID_ARG', async () => {
    const m = await MF.create(data, { dim: 16, seed: 1, threads: 2 });
    for (const o of [{ dim: 0 }, { dim: 17 }, { dim: 2.5 }, { k: 10, dim: 4, shortlist: 9 }, { k: 5, shortlist: 50 },
      { dim: 4, shortlist: 1.5 }, { dim: '4' }] as object[])
      await expect(m.recommend(0, o), JSON.stringify(o)).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    m.dispose();
  });
});

describe('exporting a prefix', () => {
  it('userEmbeddings / itemEmbeddings({dim}) return the first columns, for trained and fixed models', async () => {
    const m = await trainedMF();
    const [u, v] = [await m.userEmbeddings(), await m.itemEmbeddings()];
    const [u4, v4] = [await m.userEmbeddings({ dim: 4 }), await m.itemEmbeddings({ dim: 4 })];
    expect(u4.shape).toEqual([data.nUsers, 4]);
    expect(Array.from(u4.data)).toEqual(Array.from(cut(u, 4).data));
    expect(Array.from(v4.data)).toEqual(Array.from(cut(v, 4).data));
    expect(Array.from((await m.userEmbeddings({ dim: 16 })).data)).toEqual(Array.from(u.data));
    await expect(m.userEmbeddings({ dim: 0 })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    await expect(m.itemEmbeddings({ dim: 17 })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    const f = new FixedEmbeddings(U, V);
    expect(Array.from((await f.itemEmbeddings({ dim: 3 })).data)).toEqual(Array.from(cut(V as Tensor<'float32'>, 3).data));
    await expect(f.userEmbeddings({ dim: 33 })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    m.dispose();
  }, 30_000);

  it('recforge export --dim writes users.npy / items.npy holding the prefix', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'recforge-export-'));
    const m = await trainedMF();
    const file = path.join(dir, 'mf.safetensors');
    await saveModel(m, file);
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8' });
    const r = cli('export', '--model', file, '--dim', '8', '--out', path.join(dir, 'd8'), '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dim: 8, modelDim: 16, nUsers: data.nUsers, nItems: data.nItems });
    const [u, v] = [await readNpy(path.join(dir, 'd8', 'users.npy')), await readNpy(path.join(dir, 'd8', 'items.npy'))];
    expect(u.shape).toEqual([data.nUsers, 8]);
    expect(Array.from(u.data)).toEqual(Array.from(cut(await m.userEmbeddings(), 8).data));
    expect(Array.from(v.data)).toEqual(Array.from(cut(await m.itemEmbeddings(), 8).data));
    const full = cli('export', '--model', file, '--out', path.join(dir, 'full'));
    expect(full.status, full.stderr).toBe(0);
    expect((await readNpy(path.join(dir, 'full', 'items.npy'))).shape).toEqual([data.nItems, 16]);
    const bad = cli('export', '--model', file, '--dim', '17', '--out', path.join(dir, 'bad'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('E_INVALID_ARG');
    m.dispose();
  }, 30_000);
});
