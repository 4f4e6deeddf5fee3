import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LightGCN, Matryoshka, Trainer, loadModel, saveModel, syntheticDataset, type TrainEpochEvent, type TrainerOptions,
} from '../dist/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-mrl-'));
const data = await syntheticDataset({ users: 600, items: 400, seed: 7 });

async function collect(it: AsyncIterable<TrainEpochEvent>) {
  const out: TrainEpochEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('Matryoshka model', () => {
  it('defaults to the paper setting: MF backbone, levels 4..64, Xavier init, pairs epochs dropping the last batch', async () => {
    const m = await Matryoshka.create(data, { seed: 1 });
    expect(m.kind).toBe('mrl');
    expect(m.backbone).toBe('mf');
    expect(m.levels).toEqual([4, 8, 16, 32, 64]);
    expect(m.config).toMatchObject({ dim: 64, layers: 0, init: 'xavier', levels: [4, 8, 16, 32, 64] });
    const t = new Trainer(m);
    expect(t.options).toMatchObject({ sampler: 'pairs', dropLast: true, matryoshka: { negatives: 'mns', candidates: 16 } });
    // Xavier-uniform: every user entry within sqrt(6 / (users + dim)).
    const ego = await m.userEmbeddings();
    const bound = Math.sqrt(6 / (m.nUsers + 64));
    expect(Math.max(...Array.from(ego.data, Math.abs))).toBeLessThanOrEqual(bound);
    m.dispose();
    const small = await Matryoshka.create(data, { dim: 24, backbone: 'lightgcn', layers: 2 });
    expect(small.levels).toEqual([4, 8, 16, 24]);
    expect(small.backbone).toBe('lightgcn');
    small.dispose();
  });

  it('bad levels, backbones and training options are typed errors naming the option', async () => {
    const bad: [object, RegExp][] = [
      [{ levels: [8, 4] }, /strictly increasing/],
      [{ levels: [4, 128] }, /levels\[1\] = 128/],
      [{ levels: [] }, /non-empty/],
      [{ levels: [0, 4] }, /levels\[0\]/],
      [{ levels: [2.5, 4] }, /levels\[0\]/],
      [{ backbone: 'mf', layers: 2 }, /layers must be 0/],
      [{ backbone: 'gcn' }, /backbone/],
    ];
    for (const [options, message] of bad)
      await expect(Matryoshka.create(data, options as never), JSON.stringify(options)).rejects.toMatchObject({ code: 'E_INVALID_ARG', message });
    const m = await Matryoshka.create(data, { dim: 16, levels: [4, 16] });
    const badTrain: [TrainerOptions, RegExp][] = [
      [{ matryoshka: { candidates: 0 } }, /candidates/],
      [{ matryoshka: { negatives: 'hard' as never } }, /negatives/],
      [{ matryoshka: { levelWeights: [1] } }, /levelWeights must be 2/],
      [{ matryoshka: { levelWeights: [1, 0] } }, /levelWeights\[1\]/],
      [{ matryoshka: { levelWeights: [1, -2] } }, /levelWeights\[1\]/],
      [{ matryoshka: { levelWeights: [1, NaN] } }, /levelWeights\[1\]/],
      [{ dropLast: 'yes' as never }, /dropLast/],
    ];
    for (const [options, message] of badTrain)
      expect(() => new Trainer(m, options), JSON.stringify(options)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG', message: expect.stringMatching(message) }));
    const plain = await LightGCN.create(data, { dim: 8, layers: 1 });
    expect(() => new Trainer(plain, { matryoshka: {} })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    plain.dispose();
    m.dispose();
  });

  it('trains in every negative mode, deterministically for a seed, and the loss falls', async () => {
    for (const negatives of ['mns', 'shared', 'dns'] as const) {
      const run = async (threads: number) => {
        const m = await Matryoshka.create(data, { dim: 16, levels: [4, 8, 16], seed: 3, threads });
        const ev = await collect(new Trainer(m, { lr: 0.01, batchSize: 256, matryoshka: { negatives, candidates: 4 } }).fit({ epochs: 3 }));
        const emb = await m.itemEmbeddings();
        m.dispose();
        return { losses: ev.map((e) => e.loss), emb: Buffer.from(emb.data.buffer) };
      };
      const a = await run(1), b = await run(2);
      expect(a.losses[2], negatives).toBeLessThan(a.losses[0]);
      expect(a.losses).toEqual(b.losses);
      expect(a.emb.equals(b.emb), negatives).toBe(true);
    }
  }, 60_000);

  it('the 4-d prefix of an MNS model beats that of a plain BPR-DNS model trained the same way', async () => {
    const recall4: Record<string, number> = {};
    for (const negatives of ['mns', 'dns'] as const) {
      const m = await Matryoshka.create(data, { dim: 32, levels: [4, 8, 16, 32], seed: 2 });
      const events = await collect(new Trainer(m, { lr: 0.01, batchSize: 256, matryoshka: { negatives, candidates: 4 } })
        .fit({ epochs: 12, evalEvery: 12, k: 20 }));
      recall4[negatives] = events[11].metrics!['recall@20/d4'];
      expect(events[11].metrics!['recall@20/d32']).toBe(events[11].metrics!['recall@20']);
      m.dispose();
    }
    expect(recall4.mns).toBeGreaterThan(1.15 * recall4.dns);
  }, 60_000);

  it('saves and loads with its levels; a checkpoint resumes bit-for-bit', async () => {
    const file = path.join(dir, 'mrl.safetensors'), ckpt = path.join(dir, 'mrl.ckpt');
    const options = { dim: 16, levels: [2, 8, 16], seed: 5 };
    const train: TrainerOptions = { lr: 0.01, batchSize: 256, matryoshka: { candidates: 3, levelWeights: [0.5, 1, 2] } };
    const m = await Matryoshka.create(data, options);
    const trainer = new Trainer(m, train);  // one trainer: its Adam state carries over between fits
    await collect(trainer.fit({ epochs: 2, checkpoint: { path: ckpt } }));
    await saveModel(m, file);
    const loaded = await loadModel(file);
    expect(loaded).toBeInstanceOf(Matryoshka);
    expect(loaded.kind).toBe('mrl');
    expect(loaded.config).toEqual(m.config);
    expect(Buffer.from((await loaded.itemEmbeddings()).data.buffer).equals(Buffer.from((await m.itemEmbeddings()).data.buffer))).toBe(true);
    loaded.dispose();
    await collect(trainer.fit({ epochs: 4 }));
    const resumed = await Matryoshka.create(data, options);
    await collect(new Trainer(resumed, train).fit({ epochs: 4, resume: ckpt }));
    expect(Buffer.from((await resumed.userEmbeddings()).data.buffer).equals(Buffer.from((await m.userEmbeddings()).data.buffer))).toBe(true);
    const otherLevels = await Matryoshka.create(data, { ...options, levels: [4, 16] });
    await expect(collect(new Trainer(otherLevels, { matryoshka: { candidates: 3 } }).fit({ epochs: 4, resume: ckpt })))
      .rejects.toMatchObject({ code: 'E_SHAPE' });
    for (const x of [m, resumed, otherLevels]) x.dispose();
  }, 60_000);
});
