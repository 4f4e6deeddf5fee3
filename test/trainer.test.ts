import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset, LightGCN, MF, Trainer, saveModel, syntheticDataset, type TrainEpochEvent } from '../dist/index.js';
import { repoRoot } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-train-'));
const data = await syntheticDataset({ users: 2000, items: 1000, seed: 5 });

async function collect(it: AsyncIterable<TrainEpochEvent>) {
  const out: TrainEpochEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('Trainer', () => {
  it('yields epoch events with metrics on evaluated epochs and tracks the best (labelled best-on-test)', async () => {
    const m = await LightGCN.create(data, { dim: 16, layers: 2, seed: 1 });
    const events = await collect(new Trainer(m, { lr: 0.01 }).fit({ epochs: 5, evalEvery: 2, k: [10, 20] }));
    expect(events.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    for (const e of events) {
      expect(Number.isFinite(e.loss) && e.seconds >= 0).toBe(true);
      expect(e.metrics !== undefined).toBe([2, 4, 5].includes(e.epoch));  // every 2 and the last
    }
    expect(Object.keys(events[1].metrics!).sort()).toEqual(['ndcg@10', 'ndcg@20', 'precision@10', 'precision@20', 'recall@10', 'recall@20']);
    expect(events[4].best).toMatchObject({ metric: 'recall@10', on: 'test' });
    expect(events[4].loss).toBeLessThan(events[0].loss);
    expect(m.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5]);
    m.dispose();
  }, 30_000);

  it('tracks the best epoch on a validation split when the dataset has one', async () => {
    const t = data.test!;
    const half = t.users.length >> 1;
    const ds = await Dataset.fromArrays({
      nUsers: data.nUsers, nItems: data.nItems, train: data.train,
      validation: { users: t.users.slice(0, half), items: t.items.slice(0, half) },
      test: { users: t.users.slice(half), items: t.items.slice(half) },
    });
    const m = await MF.create(ds, { dim: 16 });
    const events = await collect(new Trainer(m, { lr: 0.01 }).fit({ epochs: 2, evalEvery: 1 }));
    expect(events[1].on).toBe('validation');
    expect(events[1].best?.on).toBe('validation');
    m.dispose();
    ds.dispose();
  });

  it('early stopping ends the run after `patience` evaluations without a new best', async () => {
    const m = await MF.create(data, { dim: 8 });
    // A vanishing SGD step leaves the metrics unchanged, so no evaluation after the first improves.
    const events = await collect(new Trainer(m, { optimizer: 'sgd', lr: 1e-30 }).fit({ epochs: 20, evalEvery: 1, earlyStopping: { patience: 2 } }));
    expect(events.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(events[2].stopped).toBe(true);
    expect(events[2].best?.epoch).toBe(1);
    m.dispose();
  });

  it('abort mid-epoch rejects with E_ABORTED quickly and leaves the model usable', async () => {
    const m = await LightGCN.create(data, { dim: 32, layers: 3 });
    const trainer = new Trainer(m, { batchSize: 16 });  // many small batches: a long epoch
    const ac = new AbortController();
    const t0 = Date.now();
    const it = trainer.fit({ epochs: 3, signal: ac.signal, onProgress: () => ac.abort() });
    await expect(collect(it)).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(trainer.epoch).toBe(0);
    expect((await m.recommend(3, { k: 5 })).items.length).toBe(5);
    const more = await collect(new Trainer(m, { lr: 0.01 }).fit({ epochs: 1 }));
    expect(more).toHaveLength(1);
    m.dispose();
  }, 30_000);

  it('dispose while training stops fit with E_DISPOSED', async () => {
    const m = await LightGCN.create(data, { dim: 32, layers: 3 });
    const it = new Trainer(m, { batchSize: 16 }).fit({ epochs: 3, onProgress: () => m.dispose() });
    await expect(collect(it)).rejects.toMatchObject({ code: 'E_DISPOSED' });
    expect(() => new Trainer(m)).toThrow(expect.objectContaining({ code: 'E_DISPOSED' }));
  }, 30_000);

  it('a concurrent fit or epoch on one model is refused with E_BUSY', async () => {
    const m = await LightGCN.create(data, { dim: 16, layers: 2 });
    const first = new Trainer(m, { batchSize: 64 }).fit({ epochs: 1 })[Symbol.asyncIterator]();
    const pending = first.next();
    await expect(new Trainer(m).fit({ epochs: 1 })[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'E_BUSY' });
    // The native lease refuses a second epoch (and reads of the table) while one runs.
    await new Promise((r) => setTimeout(r, 50));
    expect(() => m.native().trainEpoch(0)).toThrow(expect.objectContaining({ code: 'E_BUSY' }));
    await expect(m.userEmbeddings()).rejects.toMatchObject({ code: 'E_BUSY' });
    expect((await pending).value?.epoch).toBe(1);
    expect((await first.next()).done).toBe(true);
    m.dispose();
  }, 30_000);

  it('same seed and threads: identical training runs', async () => {
    const run = async () => {
      const m = await LightGCN.create(data, { dim: 16, layers: 2, seed: 8 });
      const ev = await collect(new Trainer(m, { lr: 0.01, seed: 3, threads: 2 }).fit({ epochs: 2 }));
      const e = Buffer.from((await m.itemEmbeddings()).data.buffer);
      m.dispose();
      return { losses: ev.map((x) => x.loss), e };
    };
    const a = await run(), b = await run();
    expect(a.losses).toEqual(b.losses);
    expect(a.e.equals(b.e)).toBe(true);
  }, 30_000);

  it('a killed process resumes from its checkpoint and matches uninterrupted training bit-for-bit', async () => {
    const ckpt = path.join(dir, 'run.ckpt');
    const entry = path.join(repoRoot, 'dist', 'index.js');
    // The child trains with a checkpoint per epoch and SIGKILLs itself after epoch 2.
    const script = `
      import(${JSON.stringify(entry)}).then(async (r) => {
        const data = await r.syntheticDataset({ users: 2000, items: 1000, seed: 5 });
        const m = await r.LightGCN.create(data, { dim: 16, layers: 2, seed: 4 });
        for await (const e of new r.Trainer(m, { lr: 0.01 }).fit({ epochs: 4, evalEvery: 1, checkpoint: { path: ${JSON.stringify(ckpt)} } }))
          if (e.epoch === 2) process.kill(process.pid, 'SIGKILL');
      });`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const resumed = await LightGCN.create(data, { dim: 16, layers: 2, seed: 4 });
    const trainer = new Trainer(resumed, { lr: 0.01 });
    const events = await collect(trainer.fit({ epochs: 4, evalEvery: 1, resume: ckpt }));
    expect(events.map((e) => e.epoch)).toEqual([3, 4]);
    expect(resumed.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    const straight = await LightGCN.create(data, { dim: 16, layers: 2, seed: 4 });
    const all = await collect(new Trainer(straight, { lr: 0.01 }).fit({ epochs: 4, evalEvery: 1 }));
    expect(events.map((e) => e.loss)).toEqual(all.slice(2).map((e) => e.loss));
    expect(events[1].metrics).toEqual(all[3].metrics);
    const a = Buffer.from((await resumed.userEmbeddings()).data.buffer), b = Buffer.from((await straight.userEmbeddings()).data.buffer);
    expect(a.equals(b)).toBe(true);
    resumed.dispose();
    straight.dispose();
  }, 60_000);

  it('resuming from a corrupt, truncated, foreign or missing checkpoint is a typed error', async () => {
    const m = await LightGCN.create(data, { dim: 8, layers: 1 });
    const ckpt = path.join(dir, 'good.ckpt');
    await collect(new Trainer(m, { lr: 0.01 }).fit({ epochs: 1, checkpoint: { path: ckpt } }));
    const good = readFileSync(ckpt);
    const variants: Array<[string, Buffer]> = [
      ['truncated', good.subarray(0, good.length - 100)],
      ['header-only', good.subarray(0, 40)],
      ['empty', Buffer.alloc(0)],
      ['garbage', Buffer.from('not a checkpoint at all, just text')],
      ['bitflip', (() => { const b = Buffer.from(good); b[b.length - 5] ^= 0x40; return b; })()],
    ];
    for (const [name, bytes] of variants) {
      const file = path.join(dir, `${name}.ckpt`);
      writeFileSync(file, bytes);
      const fresh = await LightGCN.create(data, { dim: 8, layers: 1 });
      await expect(collect(new Trainer(fresh).fit({ epochs: 2, resume: file })), name).rejects.toMatchObject({ code: 'E_PARSE' });
      expect((await fresh.recommend(0, { k: 3 })).items.length).toBe(3);  // still usable
      fresh.dispose();
    }
    // A plain model file is not a checkpoint.
    const modelFile = path.join(dir, 'plain.model');
    await saveModel(m, modelFile);
    await expect(collect(new Trainer(m).fit({ epochs: 2, resume: modelFile }))).rejects.toMatchObject({ code: 'E_PARSE' });
    // A checkpoint of another model shape.
    const other = await LightGCN.create(data, { dim: 16, layers: 1 });
    await expect(collect(new Trainer(other).fit({ epochs: 2, resume: ckpt }))).rejects.toMatchObject({ code: 'E_SHAPE' });
    await expect(collect(new Trainer(other).fit({ epochs: 2, resume: path.join(dir, 'missing.ckpt') }))).rejects.toMatchObject({ code: 'E_IO' });
    other.dispose();
    m.dispose();
  }, 30_000);

  it('regDivisor: TF (configured B) and PyTorch (actual length) differ only through the partial last batch', async () => {
    const losses = async (regDivisor: 'batch' | 'configured', batchSize: number, sampler: 'tf' | 'torch') => {
      const m = await MF.create(data, { dim: 8, seed: 2 });
      const ev = await collect(new Trainer(m, { lr: 0.01, reg: 0.5, batchSize, regDivisor, sampler, seed: 1 }).fit({ epochs: 1 }));
      m.dispose();
      return ev[0].loss;
    };
    // The 'torch' sampler cuts n_train triples into batches of B: with n_train % 1000 != 0 the
    // last batch is partial and its L2 part differs between the two divisors.
    expect(data.train.size % 1000).not.toBe(0);
    expect(await losses('configured', 1000, 'torch')).not.toBe(await losses('batch', 1000, 'torch'));
    // TF's sampler only makes full batches of B distinct users: the divisors agree exactly.
    expect(await losses('configured', 1000, 'tf')).toBe(await losses('batch', 1000, 'tf'));
    const m = await MF.create(data, { dim: 8 });
    expect(() => new Trainer(m, { regDivisor: 'mean' as never })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    m.dispose();
  });

  it('bad fit options are E_INVALID_ARG', async () => {
    const m = await MF.create(data, { dim: 8 });
    const t = new Trainer(m);
    for (const opts of [{ epochs: -1 }, { epochs: NaN }, { epochs: 2, evalEvery: -1 }, { epochs: 2, earlyStopping: { patience: 0 } },
      { epochs: 2, evalEvery: 1, earlyStopping: { patience: 2, metric: 'auc@20' } }, { epochs: 2, on: 'train' }])
      await expect(collect(t.fit(opts as never)), JSON.stringify(opts)).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    m.dispose();
  });
});
