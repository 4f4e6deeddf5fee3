// Interact2Vec over clustered embedding tables (docs/cel.md) through the facade and the CLI: the
// embedding option on create, typed errors for bad budgets, clustered items beating popularity,
// determinism, the baselines, save/load of assignments and cluster rows, fold-in.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Evaluator, Interact2Vec, loadModel, saveModel, syntheticDataset, type Interact2VecOptions } from '../dist/index.js';
import { repoRoot, writeLineSplits } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-i2v-cel-'));
const data = await syntheticDataset({ users: 400, items: 250, seed: 6 });

async function trained(options: Interact2VecOptions, epochs: number) {
  const m = await Interact2Vec.create(data, { dim: 16, lr: 0.05, seed: 1, threads: 1, ...options });
  for await (const _ of m.fit({ epochs })) void _;
  return m;
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('Interact2Vec with clustered embedding tables', () => {
  it('rejects bad budgets with E_INVALID_ARG', async () => {
    const bad = [
      { kind: 'clustered', clusters: 0 }, { kind: 'clustered', clusters: 251 }, { kind: 'hashed', ratio: 0.5 },
      { kind: 'frequency' }, { kind: 'hashed', ratio: 2, bias: true },
    ];
    for (const embedding of bad)
      await expect(Interact2Vec.create(data, { dim: 8, embedding: embedding as never })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    // More clusters than users (400 users, 250 items: fine for items, checked natively for users).
    (await Interact2Vec.create(data, { dim: 8, embedding: { kind: 'hashed', clusters: 300, tables: 'users' } })).dispose();
    await expect(Interact2Vec.create(data, { dim: 8, embedding: { kind: 'hashed', clusters: 401, tables: 'users' } }))
      .rejects.toMatchObject({ code: 'E_INVALID_ARG' });
  });

  it('clustered items (SGD and Adam) beat popularity, hold their budget, and the baselines train', async () => {
    const ev = new Evaluator(data, { k: 20, metrics: ['recall'] });
    const pop = (await ev.popularity())['recall@20'];
    for (const optimizer of ['sgd', 'adam'] as const) {
      const m = await trained({ optimizer, lr: optimizer === 'sgd' ? 0.05 : 0.01, batchRows: 2048,
        embedding: { kind: 'clustered', ratio: 5, splitEvery: 1, reassignEvery: 3 } }, optimizer === 'sgd' ? 30 : 15);
      const c = m.clusters()!;
      expect(c.items.capacity).toBe(50);
      expect(c.items.used).toBeGreaterThan(40);
      expect(c.users.kind).toBe('full');
      expect(c.counters.splits).toBeGreaterThan(0);
      expect(c.items.stateBytes).toBe(50 * 16 * 4 + 250 * 4);
      const items = await m.itemEmbeddings();
      for (let i = 0; i < 250; i++)
        for (let j = 0; j < 16; j++) expect(items.data[i * 16 + j]).toBe(c.items.centers[c.items.assign[i] * 16 + j]);
      const r = (await m.evaluate(ev))['recall@20'];
      expect(r, `${optimizer}: recall ${r} vs popularity ${pop}`).toBeGreaterThan(pop);
      m.dispose();
    }
    for (const kind of ['hashed', 'frequency'] as const) {
      const m = await trained({ embedding: { kind, ratio: 5, tables: 'both', residual: kind === 'hashed' } }, 3);
      const c = m.clusters()!;
      expect([c.users.capacity, c.items.capacity]).toEqual([80, 50]);
      expect(c.items.residual?.length).toBe(kind === 'hashed' ? 250 * 16 : undefined);
      m.dispose();
    }
  }, 120_000);

  it('is deterministic for a seed (SGD with one thread)', async () => {
    const o: Interact2VecOptions = { embedding: { kind: 'clustered', clusters: 30, tables: 'both', splitEvery: 1, reassignEvery: 2 } };
    const a = await trained(o, 3), b = await trained(o, 3);
    expect(bits((await a.itemEmbeddings()).data).equals(bits((await b.itemEmbeddings()).data))).toBe(true);
    expect(bits((await a.userEmbeddings()).data).equals(bits((await b.userEmbeddings()).data))).toBe(true);
    expect(a.clusters()!.counters).toEqual(b.clusters()!.counters);
    a.dispose();
    b.dispose();
  }, 60_000);

  it('saves assignments and cluster rows and loads them back bit for bit; recommend and fold-in work', async () => {
    const m = await trained({ embedding: { kind: 'clustered', clusters: 25, tables: 'both', residual: true, splitEvery: 1 } }, 4);
    const file = path.join(dir, 'i2v-cel.safetensors');
    await saveModel(m, file);
    const back = await loadModel(file, { family: 'interact2vec' });
    expect(back.config.embedding).toEqual(m.config.embedding);
    const [c, d] = [m.clusters()!, back.clusters()!];
    for (const side of ['users', 'items'] as const) {
      expect(Array.from(d[side].assign)).toEqual(Array.from(c[side].assign));
      expect(bits(d[side].centers).equals(bits(c[side].centers))).toBe(true);
      expect(bits(d[side].residual!).equals(bits(c[side].residual!))).toBe(true);
    }
    expect(bits((await back.itemEmbeddings()).data).equals(bits((await m.itemEmbeddings()).data))).toBe(true);
    expect(bits((await back.userEmbeddings()).data).equals(bits((await m.userEmbeddings()).data))).toBe(true);
    for (const u of [0, 7, 123]) expect(await back.recommend(u, { k: 10 })).toEqual(await m.recommend(u, { k: 10 }));
    const f = await back.foldInUser([1, 2, 3], { k: 5 });
    expect(f.items).toHaveLength(5);
    // The loaded model trains on from its stored tables and hyperparameters.
    for await (const _ of back.fit({ epochs: 1 })) void _;
    expect(back.clusters()!.items.used).toBeLessThanOrEqual(25);
    m.dispose();
    back.dispose();
  }, 60_000);
});

describe('recforge train --model interact2vec --embedding', () => {
  it('trains clustered items with the same --json records and saves a loadable model', async () => {
    const files = writeLineSplits(data, dir);
    const save = path.join(dir, 'cli-cel.safetensors');
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli', 'main.js'), 'train', '--model', 'interact2vec',
      '--train', files.train, '--test', files.test, '--dim', '8', '--epochs', '2', '--eval-every', '1', '--embedding', 'clustered',
      '--compression', '10', '--cluster-tables', 'items', '--residual', '--threads', '1', '--save', save, '--json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    expect(Object.keys(lines[1])).toEqual(expect.arrayContaining(['epoch', 'loss', 'train_s', 'eval_s', 'recall@20']));
    const m = await loadModel(save, { family: 'interact2vec' });
    expect(m.config.embedding).toMatchObject({ kind: 'clustered', ratio: 10, tables: 'items', residual: true });
    expect(m.clusters()!.items.capacity).toBe(25);
    m.dispose();
    const bad = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli', 'main.js'), 'train', '--model', 'interact2vec',
      '--train', files.train, '--embedding', 'hashed', '--epochs', '1'], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/exactly one of --compression/);
  }, 60_000);
});
