// Clustered embedding tables (CEL) through the facade and the CLI: the embedding option, typed
// errors for bad budgets, full == plain training, save/load of assignments and cluster tables.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LightGCN, MF, Trainer, loadModel, saveModel, syntheticDataset } from '../dist/index.js';
import { repoRoot } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-cel-'));
const data = await syntheticDataset({ users: 300, items: 200, seed: 5 });

async function train(m: MF | LightGCN, epochs = 3) {
  for await (const _ of new Trainer(m, { lr: 0.01, batchSize: 256 }).fit({ epochs })) void _;
  return m;
}

describe('clustered embedding tables', () => {
  it('rejects bad budgets and options with E_INVALID_ARG', async () => {
    const bad = [
      { kind: 'clustered', clusters: 0 }, { kind: 'clustered', clusters: 201 }, { kind: 'hashed', ratio: 0.5 },
      { kind: 'frequency' }, { kind: 'clustered', clusters: 4, ratio: 2 }, { kind: 'full', clusters: 3 }, { kind: 'nope', ratio: 2 },
    ];
    for (const embedding of bad)
      await expect(MF.create(data, { dim: 8, embedding: embedding as never })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    // More clusters than users (tables 'both'): checked natively against the entity count.
    await expect(MF.create(data, { dim: 8, embedding: { kind: 'hashed', clusters: 250, tables: 'both' } }))
      .rejects.toMatchObject({ code: 'E_INVALID_ARG' });
  });

  it('holds its budget, reports memory, and trains for every kind', async () => {
    for (const kind of ['clustered', 'hashed', 'frequency'] as const) {
      const m = await MF.create(data, { dim: 8, seed: 1, embedding: { kind, ratio: 10 } });
      await train(m);
      const c = m.clusters()!;
      expect(c.items.capacity).toBe(20);
      expect(c.items.centers.length).toBe(20 * 8);
      expect(c.items.assign.length).toBe(200);
      expect(c.users.kind).toBe('full');
      expect(c.items.stateBytes).toBe(20 * 8 * 4 + (kind === 'hashed' ? 0 : 200 * 4));
      if (kind === 'clustered') expect(c.counters.splits).toBeGreaterThan(0);
      // Members of a cluster share their item row exactly.
      const items = await m.itemEmbeddings();
      const a = c.items.assign;
      for (let i = 0; i < 200; i++)
        for (let j = 0; j < 8; j++) expect(items.data[i * 8 + j]).toBe(c.items.centers[a[i] * 8 + j]);
      m.dispose();
    }
  });

  it('kind full is the plain model, and saved clustered models load with the same tables', async () => {
    const plain = await train(await MF.create(data, { dim: 8, seed: 3 }));
    const full = await train(await MF.create(data, { dim: 8, seed: 3, embedding: { kind: 'full' } }));
    expect(Buffer.from((await full.itemEmbeddings()).data.buffer).equals(Buffer.from((await plain.itemEmbeddings()).data.buffer))).toBe(true);
    expect(full.clusters()).toBeUndefined();
    const m = await train(await LightGCN.create(data, { dim: 8, layers: 1, seed: 3, embedding: { kind: 'clustered', clusters: 12, tables: 'both', residual: true } }));
    const file = path.join(dir, 'cel.safetensors');
    await saveModel(m, file);
    const back = (await loadModel(file, { family: 'lightgcn' }));
    expect(back.config.embedding).toEqual(m.config.embedding);
    const [c1, c2] = [m.clusters()!, back.clusters()!];
    for (const side of ['users', 'items'] as const) {
      expect([...c2[side].assign]).toEqual([...c1[side].assign]);
      expect([...c2[side].centers]).toEqual([...c1[side].centers]);
      expect([...c2[side].residual!]).toEqual([...c1[side].residual!]);
    }
    expect((await back.recommend(4, { k: 10 })).items).toEqual((await m.recommend(4, { k: 10 })).items);
    for (const x of [plain, full, m, back]) x.dispose();
  });

  it('hot: the most interacted items keep pinned own rows, the tail is clustered; saved and loaded', async () => {
    for (const embedding of [{ kind: 'clustered', ratio: 10, hot: 1.5 }, { kind: 'frequency', ratio: 10, hot: 0.5 },
      { kind: 'clustered', ratio: 10, reassignMinGain: 1 }, { kind: 'clustered', ratio: 10, hot: -0.1 }])
      await expect(MF.create(data, { dim: 8, embedding: embedding as never })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    const m = await MF.create(data, { dim: 8, seed: 1, embedding: { kind: 'clustered', ratio: 10, hot: 0.5, reassignMinGain: 0.01, reassignEvery: 2, splitEvery: 1 } });
    const deg = new Int32Array(200);
    for (const i of data.train.items) deg[i]++;
    const order = [...deg.keys()].sort((a, b) => deg[b] - deg[a] || a - b);
    const before = m.clusters()!.items.assign.slice();
    for (let k = 0; k < 200; k++) expect(before[order[k]]).toBe(k < 10 ? k : 10);
    await train(m, 4);
    const c = m.clusters()!;
    for (let k = 0; k < 200; k++) {
      if (k < 10) expect(c.items.assign[order[k]]).toBe(k);
      else expect(c.items.assign[order[k]]).toBeGreaterThanOrEqual(10);
    }
    expect(c.items.used).toBeGreaterThan(11);
    const file = path.join(dir, 'cel-hot.safetensors');
    await saveModel(m, file);
    const back = await loadModel(file, { family: 'lightgcn' });
    expect(back.config.embedding).toEqual(m.config.embedding);
    expect([...back.clusters()!.items.assign]).toEqual([...c.items.assign]);
    expect((await back.recommend(4, { k: 10 })).items).toEqual((await m.recommend(4, { k: 10 })).items);
    m.dispose();
    back.dispose();
  });

  it('bias: a per-item score offset on the shared side (MF only), saved and loaded', async () => {
    const m = await MF.create(data, { dim: 8, seed: 2, embedding: { kind: 'frequency', clusters: 15, bias: true } });
    await train(m);
    const c = m.clusters()!;
    expect(c.items.bias!.length).toBe(200);
    expect(c.items.stateBytes).toBe(15 * 8 * 4 + 200 * 4 + 200 * 4);
    const [users, items] = [await m.userEmbeddings(), await m.itemEmbeddings()];
    for (let u = 0; u < 300; u++) expect(users.data[u * 8 + 7]).toBe(1);
    for (let i = 0; i < 200; i++) expect(items.data[i * 8 + 7]).toBe(c.items.bias![i]);
    expect(new Set(c.items.bias).size).toBeGreaterThan(50);  // tail members no longer tie
    const file = path.join(dir, 'cel-bias.safetensors');
    await saveModel(m, file);
    const back = await loadModel(file, { family: 'lightgcn' });
    expect([...back.clusters()!.items.bias!]).toEqual([...c.items.bias!]);
    expect((await back.recommend(4, { k: 10 })).items).toEqual((await m.recommend(4, { k: 10 })).items);
    await expect(LightGCN.create(data, { dim: 8, layers: 2, embedding: { kind: 'hashed', clusters: 15, bias: true } }))
      .rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    m.dispose();
    back.dispose();
  });

  it('CLI: --embedding with --compression or --clusters, usage errors otherwise', () => {
    const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
    const train = path.join(dir, 'train.tsv');
    const rows: string[] = [];
    for (let u = 0; u < 60; u++) for (let k = 0; k < 6; k++) rows.push(`${u}\t${(u * 7 + k * 13) % 50}`);
    writeFileSync(train, rows.join('\n') + '\n');
    const out = execFileSync('node', [cli, 'train', '--model', 'mf', '--train', train, '--embedding', 'clustered', '--compression', '5',
      '--epochs', '2', '--dim', '8', '--json', '--save', path.join(dir, 'cli.safetensors')], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toHaveLength(2);
    const run = (args: string[]) => {
      try {
        execFileSync('node', [cli, 'train', '--model', 'mf', '--train', train, '--epochs', '1', ...args], { encoding: 'utf8', stdio: 'pipe' });
        return 0;
      } catch (e) {
        return (e as { status: number }).status;
      }
    };
    expect(run(['--embedding', 'hashed'])).toBe(2);  // no budget
    expect(run(['--compression', '4'])).toBe(2);     // budget without a shared kind
    expect(run(['--embedding', 'hashed', '--compression', '4', '--clusters', '3'])).toBe(2);
    expect(run(['--embedding', 'clustered', '--compression', '4', '--hot', '0.5'])).toBe(0);
    expect(run(['--embedding', 'frequency', '--compression', '4', '--hot', '0.5'])).toBe(2);  // hot: clustered only
    expect(run(['--hot', '0.5'])).toBe(2);
    expect(run(['--split-scores'])).toBe(2);  // needs shared rows
    expect(run(['--embedding', 'frequency', '--compression', '4', '--split-scores', '--save', path.join(dir, 'split.safetensors')])).toBe(0);
    expect(run(['--embedding', 'frequency', '--compression', '4', '--cluster-tables', 'users', '--split-scores'])).not.toBe(0);
  });
});
