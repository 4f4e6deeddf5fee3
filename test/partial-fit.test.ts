// partialFit: new users and items grow the tables, train a few epochs, and are served afterwards
// (recommend, recommendSync, similar*, foldInUser) with the new interactions excluded.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Dataset, IdMap, LightGCN, MF, Matryoshka, Trainer, loadModel, saveModel, syntheticDataset, type LightGCNOptions,
} from '../dist/index.js';

const data = await syntheticDataset({ users: 80, items: 100, seed: 8 });

async function trained(Model: typeof LightGCN | typeof MF | typeof Matryoshka, options: LightGCNOptions): Promise<LightGCN> {
  const m = await Model.create(data, { dim: 8, seed: 1, ...options });
  for await (const _ of new Trainer(m, { lr: 0.01 }).fit({ epochs: 3 })) void _;
  return m;
}

describe('partialFit', () => {
  it('grows the tables for new dense ids; new ids are served with their interactions excluded', async () => {
    for (const [Model, options] of [[LightGCN, { layers: 2 }], [MF, {}], [Matryoshka, { levels: [4, 8] }]] as const) {
      const m = await trained(Model, options);
      const before = (await m.itemEmbeddings()).data.slice();
      // Users 80 and 81 are new; item 100 is new. User 3 gets item 5.
      const r = await m.partialFit({ users: [80, 80, 81, 3, 80], items: [1, 100, 2, 5, 7] }, { epochs: 3, lr: 0.05 });
      expect(r).toMatchObject({ newUsers: 2, newItems: 1 });
      expect(Array.from(r.users)).toEqual([80, 80, 81, 3, 80]);
      expect(r.losses.length).toBe(3);
      r.losses.forEach((l) => expect(Number.isFinite(l)).toBe(true));
      expect([m.nUsers, m.nItems, m.config.users, m.config.items]).toEqual([82, 101, 82, 101]);
      expect(m.dataset.nUsers).toBe(82);
      expect(m.dataset.test?.size).toBe(data.test?.size);
      const rec = await m.recommend(80, { k: 101 });
      expect(rec.items.length).toBe(101 - 3);
      for (const i of [1, 100, 7]) expect(Array.from(rec.items)).not.toContain(i);
      expect(Array.from((await m.recommend(3, { k: 101 })).items)).not.toContain(5);
      await m.warmup();
      expect(Array.from(m.recommendSync(81, { k: 101 }).items)).not.toContain(2);
      expect((await m.similarItems(100, { k: 3 })).ids.length).toBe(3);
      expect((await m.similarUsers(81, { k: 3 })).ids.length).toBe(3);
      expect((await m.foldInUser([100, 1], { k: 5 })).items.length).toBe(5);
      expect((await m.itemEmbeddings()).rows).toBe(101);
      // The rest of the model moved too (replayed pairs), but stayed finite.
      const after = (await m.itemEmbeddings()).data;
      expect(after.every(Number.isFinite)).toBe(true);
      expect(Buffer.from(after.buffer, 0, before.byteLength).equals(Buffer.from(before.buffer))).toBe(false);
      // A Trainer keeps training the grown model (a fresh optimizer run).
      for await (const e of new Trainer(m).fit({ epochs: 1 })) expect(Number.isFinite(e.loss)).toBe(true);
      m.dispose();
    }
  }, 60_000);

  it('fits a new user to its items: they outrank the items it never saw', async () => {
    const m = await trained(LightGCN, { layers: 2 });
    const mine = [2, 9, 14, 30, 31, 60];
    await m.partialFit({ users: mine.map(() => 80), items: mine }, { epochs: 30, lr: 0.05 });
    const all = await m.recommend(80, { k: 100, exclude: 'none' });
    const rank = new Map(Array.from(all.items, (i, r) => [i, r]));
    const mean = mine.reduce((s, i) => s + rank.get(i)!, 0) / mine.length;
    expect(mean).toBeLessThan(25);  // of 100 items; random would be ~50
    m.dispose();
  }, 60_000);

  it('string ids: unknown strings are new, numbered in order of first appearance', async () => {
    const d = await Dataset.fromArrays({
      train: { users: Int32Array.of(0, 0, 1, 2), items: Int32Array.of(0, 1, 1, 2) },
      userIds: new IdMap(['ann', 'bob', 'cy']), itemIds: new IdMap(['a', 'b', 'c']),
    });
    const m = await LightGCN.create(d, { dim: 4, layers: 1, seed: 1 });
    const r = await m.partialFit({ users: ['dee', 'ann', 'eve', 'dee'], items: ['d', 'd', 'a', 'b'] }, { epochs: 1 });
    expect(r).toMatchObject({ newUsers: 2, newItems: 1 });
    expect(Array.from(r.users)).toEqual([3, 0, 4, 3]);
    expect(Array.from(r.items)).toEqual([3, 3, 0, 1]);
    expect(m.userIds?.toExternal).toEqual(['ann', 'bob', 'cy', 'dee', 'eve']);
    expect(m.itemIds?.toExternal).toEqual(['a', 'b', 'c', 'd']);
    const rec = await m.recommend('dee', { k: 4 });
    expect(rec.itemIds?.sort()).toEqual(['a', 'c']);
    // Saved and loaded, the grown model keeps its new ids and train pairs.
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rf-pf-')), 'm.rfm');
    await saveModel(m, file);
    const back = await loadModel(file, { family: 'lightgcn' });
    expect([back.nUsers, back.nItems]).toEqual([5, 4]);
    expect((await back.recommend('dee', { k: 4 })).itemIds?.sort()).toEqual(['a', 'c']);
    back.dispose();
    expect(d.disposed).toBe(false);  // the caller's dataset is left as it was
    expect(d.nUsers).toBe(3);
    m.dispose();
    d.dispose();
  });

  it('refuses bad input with typed errors, leaving the model as it was', async () => {
    const m = await MF.create(data, { dim: 4, seed: 1 });
    const bad: [unknown, unknown, string, string][] = [
      [null, {}, 'E_TYPE', 'interactions'],
      [{ users: 'x', items: [1] }, {}, 'E_TYPE', 'interactions.users'],
      [{ users: [1, 2], items: [1] }, {}, 'E_SHAPE', 'interactions'],
      [{ users: [], items: [] }, {}, 'E_EMPTY', 'no pairs'],
      [{ users: [-1], items: [1] }, {}, 'E_OUT_OF_RANGE', 'interactions.users[0]'],
      [{ users: [0.5], items: [1] }, {}, 'E_OUT_OF_RANGE', 'interactions.users[0]'],
      [{ users: [1], items: [null] }, {}, 'E_TYPE', 'interactions.items[0]'],
      [{ users: [82], items: [1] }, {}, 'E_OUT_OF_RANGE', '80 is missing'],
      [{ users: [1], items: ['b'] }, {}, 'E_OUT_OF_RANGE', 'interactions.items[0]'],
      [{ users: [1], items: [1] }, { epochs: -1 }, 'E_INVALID_ARG', 'epochs'],
      [{ users: [1], items: [1] }, { replay: Number.NaN }, 'E_INVALID_ARG', 'replay'],
      [{ users: [1], items: [1] }, { lr: 0 }, 'E_INVALID_ARG', 'lr'],
      [{ users: [1], items: [1] }, null, 'E_TYPE', 'options'],
    ];
    for (const [x, o, code, words] of bad)
      await expect(m.partialFit(x as never, o as never)).rejects.toMatchObject({ code, message: expect.stringContaining(words) });
    expect([m.nUsers, m.nItems]).toEqual([80, 100]);
    // One fit at a time.
    const fit = new Trainer(m).fit({ epochs: 2 });
    const first = fit.next();
    await expect(m.partialFit({ users: [1], items: [1] })).rejects.toMatchObject({ code: 'E_BUSY' });
    await first;
    await fit.return(undefined);
    const abort = new AbortController();
    abort.abort();
    await expect(m.partialFit({ users: [80], items: [1] }, { signal: abort.signal })).rejects.toMatchObject({ code: 'E_ABORTED' });
    m.dispose();
    await expect(m.partialFit({ users: [1], items: [1] })).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });
});
