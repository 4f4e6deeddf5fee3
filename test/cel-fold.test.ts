// Clustered embedding tables (CEL, docs/cel.md): fold-in of a new user into a shared user table
// against a naive JS reference (every cluster's fold-in loss computed here, argmin), the kinds'
// rules, residual fits, item-only tables unchanged; and checkpoints of clustered runs: resumed
// == uninterrupted bit for bit, corrupt or foreign checkpoints are typed errors.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LightGCN, MF, Matryoshka, Trainer, loadModel, saveModel, syntheticDataset } from '../dist/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-celfold-'));
// A planted structure: users and items with rank-4 latent factors and a strong affinity, so
// user clusters differ in what they rank first.
const data = await syntheticDataset({ users: 240, items: 60, rank: 4, affinity: 8, meanActivity: 8, seed: 11 });

type Model = MF | LightGCN | Matryoshka;

async function train(m: Model, epochs = 4) {
  for await (const _ of new Trainer(m, { lr: 0.02, batchSize: 128 }).fit({ epochs })) void _;
  return m;
}

const softplus = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));

/**
 * The fold-in data loss of every candidate cluster row, in double: the user's items S against
 * every other item (the pool when `negatives` exceeds them), averaged over the levels' prefixes,
 * with the propagated offset of a LightGCN model (layer-0 rows of the items, K = 1 only here).
 */
async function referenceLosses(m: Model, items: number[], levels: number[]): Promise<Map<number, number>> {
  const dim = m.dim, K = m.config.layers;
  const v = (await m.itemEmbeddings()).data;
  const c = m.clusters()!.users;
  const offset = new Float64Array(dim);
  if (K > 0) {
    expect(K).toBe(1);
    const { ego } = await m.native().exportState();
    const train = m.native().trainMatrix().export();
    const deg = new Int32Array(m.nItems);
    for (const i of train.indices) deg[i]++;
    for (const i of items) {
      const w = 1 / Math.sqrt(items.length * (deg[i] + 1));
      for (let k = 0; k < dim; k++) offset[k] += w * ego[(m.nUsers + i) * dim + k];
    }
  }
  const sizes = new Int32Array(c.capacity);
  for (const a of c.assign) sizes[a]++;
  const negatives = [...Array(m.nItems).keys()].filter((j) => !items.includes(j));
  const out = new Map<number, number>();
  for (let cl = 0; cl < c.capacity; cl++) {
    if (sizes[cl] === 0) continue;
    const f = Array.from({ length: dim }, (_, k) => (c.centers[cl * dim + k] + offset[k]) / (K + 1));
    const score = (i: number, w: number) => { let s = 0; for (let k = 0; k < w; k++) s += f[k] * v[i * dim + k]; return s; };
    let loss = 0;
    for (const w of levels) {
      let sum = 0;
      for (const i of items) for (const j of negatives) sum += softplus(score(j, w) - score(i, w));
      loss += sum / (items.length * negatives.length) / levels.length;
    }
    out.set(cl, loss);
  }
  return out;
}

function argmin(losses: Map<number, number>): [number, number] {
  let best = -1, bestLoss = Infinity;
  for (const [c, l] of losses) if (l < bestLoss) best = c, bestLoss = l;
  return [best, bestLoss];
}

/** The train items of a few users: realistic histories with the planted structure. */
function histories(n: number): number[][] {
  const byUser = new Map<number, Set<number>>();
  const { users, items } = data.train;
  for (let q = 0; q < users.length; q++) {
    if (!byUser.has(users[q])) byUser.set(users[q], new Set());
    byUser.get(users[q])!.add(items[q]);
  }
  return Array.from({ length: n }, (_, q) => [...byUser.get(q * 37)!].sort((a, b) => a - b));
}

describe('fold-in into shared user rows', () => {
  it('MF / LightGCN / Matryoshka with a clustered user table join the cluster the naive argmin picks', async () => {
    const models: [Model, number[]][] = [
      [await MF.create(data, { dim: 8, seed: 1, embedding: { kind: 'clustered', clusters: 12, tables: 'users', splitEvery: 2 } }), [8]],
      [await LightGCN.create(data, { dim: 8, layers: 1, seed: 2, embedding: { kind: 'clustered', clusters: 10, tables: 'both', splitEvery: 2 } }), [8]],
      [await Matryoshka.create(data, { dim: 8, levels: [4, 8], seed: 3, embedding: { kind: 'hashed', clusters: 16, tables: 'users' } }), [4, 8]],
    ];
    for (const [m, levels] of models) {
      await train(m);
      const cl = m.clusters()!;
      const chosen = new Set<number>();
      for (const items of histories(6)) {
        const r = await m.foldInUser(items, { assign: 'best', k: 5 });
        const ref = await referenceLosses(m, items, levels);
        const [best, bestLoss] = argmin(ref);
        expect(r.cluster).toBe(best);
        expect(r.loss).toBeCloseTo(bestLoss, 5);
        expect(r.steps).toBe(0);
        chosen.add(r.cluster!);
        if (m.config.layers === 0)  // the embedding is the row itself
          expect([...r.embedding]).toEqual([...cl.users.centers.subarray(best * 8, best * 8 + 8)]);
        const again = await m.foldInUser(items, { assign: 'best', k: 5 });
        expect(Buffer.from(again.embedding.buffer).equals(Buffer.from(r.embedding.buffer))).toBe(true);
        expect([...again.items]).toEqual([...r.items]);
      }
      expect(chosen.size).toBeGreaterThan(1);  // different histories, different clusters
      m.dispose();
    }
  }, 60_000);

  it('rules: hashed joins the bucket of hashId (as the table hashes its own ids), frequency the shared last row', async () => {
    const hashed = await train(await MF.create(data, { dim: 8, seed: 4, embedding: { kind: 'hashed', clusters: 20, tables: 'users' } }));
    const c = hashed.clusters()!.users;
    const items = histories(1)[0];
    for (const u of [0, 5, 77, 239]) expect((await hashed.foldInUser(items, { hashId: u })).cluster).toBe(c.assign[u]);
    const next = await hashed.foldInUser(items);  // default: the rule, id nUsers
    expect(next.cluster).toBe((await hashed.foldInUser(items, { assign: 'rule', hashId: 240 })).cluster);
    expect(next.cluster).toBeGreaterThanOrEqual(0);
    expect(next.cluster).toBeLessThan(20);
    expect([...next.embedding]).toEqual([...c.centers.subarray(next.cluster! * 8, next.cluster! * 8 + 8)]);
    const freq = await train(await MF.create(data, { dim: 8, seed: 4, embedding: { kind: 'frequency', clusters: 20, tables: 'both' } }));
    expect((await freq.foldInUser(items)).cluster).toBe(19);
    const best = await freq.foldInUser(items, { assign: 'best' });
    expect(best.cluster).toBe(argmin(await referenceLosses(freq, items, [8]))[0]);
    hashed.dispose();
    freq.dispose();
  }, 30_000);

  it('a residual is fitted on the joined cluster: lower loss, same cluster', async () => {
    const m = await train(await MF.create(data, { dim: 8, seed: 5, embedding: { kind: 'clustered', clusters: 12, tables: 'users', residual: true, splitEvery: 2 } }));
    const items = histories(2)[1];
    const fitted = await m.foldInUser(items, { steps: 40 });
    const ref = await referenceLosses(m, items, [8]);
    const [best, bestLoss] = argmin(ref);
    expect(fitted.cluster).toBe(best);
    expect(fitted.steps).toBeGreaterThan(0);
    expect(fitted.loss).toBeLessThan(bestLoss);
    const row = m.clusters()!.users.centers.subarray(best * 8, best * 8 + 8);
    expect([...fitted.embedding]).not.toEqual([...row]);
    // steps 0: just the row (allowed without layers, unlike a free row).
    const rowOnly = await m.foldInUser(items, { steps: 0 });
    expect([...rowOnly.embedding]).toEqual([...row]);
    m.dispose();
  }, 30_000);

  it('only the item table shared: fold-in is the plain one, bit for bit (and an item bias holds the user at 1)', async () => {
    const m = await train(await MF.create(data, { dim: 8, seed: 6, embedding: { kind: 'clustered', clusters: 12 } }));
    const plain = await MF.create(data, { dim: 8, seed: 6 });
    const { ego } = await m.native().exportState();
    await plain.native().importState({ ego, steps: 0 });
    plain.markChanged();
    for (const items of histories(3)) {
      const [a, b] = [await m.foldInUser(items, { steps: 30 }), await plain.foldInUser(items, { steps: 30 })];
      expect(a.cluster).toBeUndefined();
      expect(Buffer.from(a.embedding.buffer).equals(Buffer.from(b.embedding.buffer))).toBe(true);
      expect([...a.items]).toEqual([...b.items]);
      expect(a.loss).toBe(b.loss);
    }
    const biased = await train(await MF.create(data, { dim: 8, seed: 6, embedding: { kind: 'frequency', clusters: 12, bias: true } }));
    const r = await biased.foldInUser(histories(1)[0], { steps: 30 });
    expect(r.embedding[7]).toBe(1);
    expect(r.steps).toBeGreaterThan(0);
    for (const x of [m, plain, biased]) x.dispose();
  }, 30_000);

  it('refuses bad input with typed errors', async () => {
    const m = await train(await MF.create(data, { dim: 8, seed: 7, embedding: { kind: 'hashed', clusters: 12, tables: 'users' } }), 1);
    await expect(m.foldInUser([1, 2], { assign: 'nope' as never })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    await expect(m.foldInUser([1, 2], { hashId: -1 })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    await expect(m.foldInUser([1, 2], { hashId: 1.5 })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    await expect(m.foldInUser([])).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    await expect(m.foldInUser([1, 60])).rejects.toMatchObject({ code: 'E_OUT_OF_RANGE' });
    await expect(m.foldInUser([1, 2], { negatives: 0 })).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    expect((await m.foldInUser([1, 2], { steps: 0 })).cluster).toBeGreaterThanOrEqual(0);  // no free row: steps 0 is fine
    // Every item given: no negative left, every cluster ties at 0, the rule's row is kept.
    const all = await m.foldInUser([...Array(60).keys()], { assign: 'best' });
    expect(all.loss).toBe(0);
    m.dispose();
  }, 30_000);
});

describe('checkpoints of clustered runs', () => {
  const embeddings = [
    { kind: 'clustered', clusters: 40, tables: 'both', residual: true, splitEvery: 7, reassignEvery: 5 },
    { kind: 'clustered', clusters: 30, hot: 0.5, splitEvery: 7, reassignEvery: 3, online: false },
    { kind: 'hashed', clusters: 20, tables: 'both', residual: true },
    { kind: 'frequency', clusters: 20, bias: true },
  ] as const;

  it('resumed == uninterrupted, bit for bit, for every kind', async () => {
    for (const embedding of embeddings) {
      const layers = embedding.kind === 'hashed' ? 1 : 0;
      const make = () => LightGCN.create(data, { dim: 8, layers, seed: 8, embedding });
      const opts = { lr: 0.02, batchSize: 100, threads: 2 };
      const straight = await make();
      const all: number[] = [];
      for await (const e of new Trainer(straight, opts).fit({ epochs: 4 })) all.push(e.loss);
      const ckpt = path.join(dir, `${embedding.kind}.ckpt`);
      const first = await make();
      for await (const _ of new Trainer(first, opts).fit({ epochs: 2, checkpoint: { path: ckpt } })) void _;
      first.dispose();
      const resumed = await make();  // a new process would start here
      const rest: number[] = [];
      for await (const e of new Trainer(resumed, opts).fit({ epochs: 4, resume: ckpt })) rest.push(e.loss);
      expect(rest).toEqual(all.slice(2));
      const [a, b] = [await straight.native().exportState(), await resumed.native().exportState()];
      expect(Buffer.from(b.ego.buffer).equals(Buffer.from(a.ego.buffer))).toBe(true);
      expect(b.steps).toBe(a.steps);
      expect(b.cel!.counters).toEqual(a.cel!.counters);
      for (const side of ['users', 'items'] as const)
        for (const key of ['assign', 'centers', 'residual', 'bias', 'm', 'v', 'mr', 'vr', 'mb', 'vb', 'window'] as const) {
          const [x, y] = [a.cel![side][key], b.cel![side][key]];
          expect(y === undefined, `${side} ${key}`).toBe(x === undefined);
          if (x && y) expect(Buffer.from(y.buffer).equals(Buffer.from(x.buffer)), `${embedding.kind} ${side} ${key}`).toBe(true);
        }
      if (embedding.kind === 'clustered') expect(a.cel!.counters.splits).toBeGreaterThan(0);
      // The checkpoint is a model file too.
      const loaded = await loadModel(ckpt, { family: 'lightgcn' });
      expect(loaded.config.embedding).toEqual(straight.config.embedding);
      loaded.dispose();
      straight.dispose();
      resumed.dispose();
    }
  }, 120_000);

  it('corrupt, foreign or non-checkpoint files are typed errors and leave the model usable', async () => {
    const embedding = { kind: 'clustered', clusters: 30, tables: 'both', splitEvery: 7 } as const;
    const m = await MF.create(data, { dim: 8, seed: 9, embedding });
    const ckpt = path.join(dir, 'cel-good.ckpt');
    for await (const _ of new Trainer(m, { lr: 0.02 }).fit({ epochs: 1, checkpoint: { path: ckpt } })) void _;
    const good = readFileSync(ckpt);
    for (const [name, bytes] of [
      ['truncated', good.subarray(0, good.length - 100)],
      ['bitflip', (() => { const b = Buffer.from(good); b[b.length - 5] ^= 0x40; return b; })()],
      ['garbage', Buffer.from('not a checkpoint')],
    ] as const) {
      const file = path.join(dir, `cel-${name}.ckpt`);
      writeFileSync(file, bytes);
      const fresh = await MF.create(data, { dim: 8, seed: 9, embedding });
      await expect(new Trainer(fresh).fit({ epochs: 2, resume: file }).next(), name).rejects.toMatchObject({ code: 'E_PARSE' });
      expect((await fresh.recommend(0, { k: 3 })).items.length).toBe(3);
      fresh.dispose();
    }
    // A saved model is not a checkpoint; a checkpoint of other tables, or of a plain run, is foreign.
    const modelFile = path.join(dir, 'cel.model');
    await saveModel(m, modelFile);
    await expect(new Trainer(m).fit({ epochs: 2, resume: modelFile }).next()).rejects.toMatchObject({ code: 'E_PARSE' });
    for (const other of [
      await MF.create(data, { dim: 8, seed: 9 }),
      await MF.create(data, { dim: 8, seed: 9, embedding: { ...embedding, clusters: 31 } }),
      await MF.create(data, { dim: 8, seed: 9, embedding: { ...embedding, kind: 'hashed' } }),
    ]) {
      await expect(new Trainer(other).fit({ epochs: 2, resume: ckpt }).next()).rejects.toMatchObject({ code: 'E_SHAPE' });
      other.dispose();
    }
    const plainCkpt = path.join(dir, 'plain.ckpt');
    const plain = await MF.create(data, { dim: 8, seed: 9 });
    for await (const _ of new Trainer(plain).fit({ epochs: 1, checkpoint: { path: plainCkpt } })) void _;
    await expect(new Trainer(m).fit({ epochs: 2, resume: plainCkpt }).next()).rejects.toMatchObject({ code: 'E_SHAPE' });
    // Another optimizer: its moments do not fit this run.
    await expect(new Trainer(m, { optimizer: 'sgd' }).fit({ epochs: 2, resume: ckpt }).next()).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    plain.dispose();
    m.dispose();
  }, 60_000);
});
