import { describe, expect, it } from 'vitest';
import { Evaluator, LightGCN, MF, Trainer, listBackends, syntheticDataset } from '../dist/index.js';
import { addon } from '../dist/native.js';

const data = await syntheticDataset({ users: 2000, items: 1000, seed: 5 });

async function train(model: InstanceType<typeof LightGCN>, epochs: number, threads = 2) {
  for await (const _ of new Trainer(model, { lr: 0.01, threads }).fit({ epochs })) void _;
}

describe('LightGCN / MF', () => {
  it('learn: Recall@20 clearly above popularity after a few seconds', async () => {
    const ev = new Evaluator(data, { k: 20, metrics: ['recall'] });
    const pop = (await ev.popularity())['recall@20'];
    for (const model of [await LightGCN.create(data, { dim: 32, layers: 2, seed: 1 }), await MF.create(data, { dim: 32, seed: 1 })]) {
      const t0 = performance.now();
      await train(model, 8);
      const r = (await ev.evaluate(await model.userEmbeddings(), await model.itemEmbeddings()))['recall@20'];
      expect(r, `${model.kind} recall ${r} vs popularity ${pop}`).toBeGreaterThan(2 * pop);
      expect(performance.now() - t0).toBeLessThan(20_000);
      model.dispose();
    }
    expect(pop).toBeGreaterThan(0.02);
  }, 60_000);

  it('same seed and threads give bit-identical embeddings; another seed does not', async () => {
    const run = async (seed: number) => {
      const m = await LightGCN.create(data, { dim: 16, layers: 2, seed });
      await train(m, 2);
      const u = await m.userEmbeddings();
      m.dispose();
      return Buffer.from(u.data.buffer);
    };
    const [a, b, c] = [await run(3), await run(3), await run(4)];
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  }, 30_000);

  it('MF is LightGCN with zero layers; kind and config are reported', async () => {
    const mf = await MF.create(data, { dim: 8 });
    expect(mf).toBeInstanceOf(LightGCN);
    expect(mf.kind).toBe('mf');
    expect(mf.config).toMatchObject({ users: 2000, items: 1000, dim: 8, layers: 0, initStd: 0.1, seed: 0 });
    await expect(MF.create(data, { layers: 2 })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    mf.dispose();
  });

  it('bad model hyperparameters are E_INVALID_ARG naming the option', async () => {
    for (const [opts, name] of [
      [{ dim: 0 }, 'dim'], [{ dim: NaN }, 'dim'], [{ dim: 1.5 }, 'dim'], [{ layers: -1 }, 'layers'], [{ layers: 65 }, 'layers'],
      [{ initStd: -1 }, 'initStd'], [{ initStd: NaN }, 'initStd'], [{ seed: -1 }, 'seed'], [{ threads: -2 }, 'threads'],
    ] as const)
      await expect(LightGCN.create(data, opts as object), JSON.stringify(opts)).rejects.toMatchObject({
        code: 'E_INVALID_ARG', message: expect.stringContaining(name),
      });
    // Only where CUDA is unavailable (test/backends.test.ts covers both builds of the addon).
    if (!listBackends()[1].available)
      await expect(LightGCN.create(data, { device: 'cuda' })).rejects.toMatchObject({ code: 'E_BACKEND_UNAVAILABLE' });
  });

  it('bad training hyperparameters are E_INVALID_ARG, in the facade and in the addon', async () => {
    const m = await LightGCN.create(data, { dim: 8, layers: 1 });
    for (const [opts, name] of [
      [{ lr: -0.1 }, 'lr'], [{ lr: 0 }, 'lr'], [{ lr: NaN }, 'lr'], [{ reg: -1 }, 'reg'], [{ batchSize: 0 }, 'batchSize'],
      [{ batchSize: 2.5 }, 'batchSize'], [{ sampler: 'bogus' }, 'sampler'], [{ optimizer: 'rmsprop' }, 'optimizer'], [{ seed: NaN }, 'seed'],
    ] as const)
      expect(() => new Trainer(m, opts as object), JSON.stringify(opts)).toThrow(expect.objectContaining({
        code: 'E_INVALID_ARG', message: expect.stringContaining(name),
      }));
    const raw = { sampler: 'tf', negatives: 'uniform', negativeAlpha: 0, batchSize: 64, reg: 1e-4, optimizer: 'adam', lr: 1e-3, threads: 0, seed: 0 } as const;
    for (const [key, value] of [['lr', -1], ['lr', NaN], ['batchSize', 0], ['reg', -1], ['sampler', 'x']] as const)
      expect(() => m.native().configureTraining({ ...raw, [key]: value })).toThrow(expect.objectContaining({
        code: 'E_INVALID_ARG', message: expect.stringContaining(`options.${key}`),
      }));
    const graph = await data.graph();
    expect(() => addon().createLightGcn(graph, { dim: 0, layers: 1, initStd: 0.1, seed: 0 }, 0)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    // trainEpoch before configureTraining is refused, not a crash
    expect(() => m.native().trainEpoch(0)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    m.dispose();
  });

  it('recommend excludes seen items and matches a brute-force top-k of the final embeddings', async () => {
    const m = await LightGCN.create(data, { dim: 16, layers: 2, seed: 2 });
    await train(m, 2);
    const U = await m.userEmbeddings(), V = await m.itemEmbeddings();
    const seen = data.train;
    const users = [0, 7, 123, 1999];
    const batch = await m.recommendBatch(users, { k: 15 });
    expect(batch.k).toBe(15);
    for (const [row, u] of users.entries()) {
      const mine = new Set<number>();
      for (let q = 0; q < seen.users.length; q++) if (seen.users[q] === u) mine.add(seen.items[q]);
      const score = (i: number) => {
        let s = 0;
        for (let j = 0; j < 16; j++) s += U.data[u * 16 + j] * V.data[i * 16 + j];
        return s;
      };
      const got = Array.from(batch.items.subarray(row * 15, (row + 1) * 15));
      for (const i of got) expect(mine.has(i)).toBe(false);
      const brute = [...Array(1000).keys()].filter((i) => !mine.has(i)).sort((a, b) => score(b) - score(a) || a - b);
      const kth = score(brute[14]);
      // Same scores (float vs double accumulation) and nothing unpicked scores clearly higher.
      for (const [r, i] of got.entries()) expect(batch.scores[row * 15 + r]).toBeCloseTo(score(i), 4);
      for (const i of brute.slice(0, 15)) if (!got.includes(i)) expect(score(i)).toBeLessThan(kth + 1e-4);
      const single = await m.recommend(u, { k: 15 });
      expect(Array.from(single.items)).toEqual(got);
    }
    const all = await m.recommend(0, { k: 1000, exclude: 'none' });
    expect(all.items.length).toBe(1000);
    const unseen = await m.recommend(0, { k: 1000 });
    expect(unseen.items.length).toBeLessThan(1000);
    await expect(m.recommend(2000)).rejects.toMatchObject({ code: 'E_OUT_OF_RANGE' });
    await expect(m.recommend(-1)).rejects.toMatchObject({ code: 'E_OUT_OF_RANGE' });
    await expect(m.recommend(0, { k: 0 })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    await expect(m.recommendBatch([0, 5000])).rejects.toMatchObject({ code: 'E_OUT_OF_RANGE' });
    m.dispose();
    await expect(m.recommend(0)).rejects.toMatchObject({ code: 'E_DISPOSED' });
    await expect(m.userEmbeddings()).rejects.toMatchObject({ code: 'E_DISPOSED' });
  }, 30_000);

  it('outlives its dataset', async () => {
    const ds = await syntheticDataset({ users: 300, items: 200, seed: 9 });
    const m = await LightGCN.create(ds, { dim: 8 });
    ds.dispose();
    const r = await m.recommend(1, { k: 5 });
    expect(r.items.length).toBe(5);
    m.dispose();
  });
});
