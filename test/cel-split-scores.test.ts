// embedding.splitScores (docs/cel.md): a member of a shared item row is ranked at the row's score
// minus log(members). Checked against a float64 JS reference built from the plain final tables and
// the model's assignments: the ranking tables, evaluation during fit, recommend / recommendBatch /
// recommendSync, fold-in, a saved and reloaded model, and the option's errors.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Evaluator, Interact2Vec, LightGCN, MF, Matryoshka, Trainer, loadModel, saveModel, syntheticDataset } from '../dist/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-split-'));
const data = await syntheticDataset({ users: 200, items: 60, rank: 4, affinity: 6, meanActivity: 8, seed: 5 });
const K = 10;

/** Reference scores of one user vector against every item: <u, v_i> - log(members of i's row), in double. */
function referenceScores(model: MF | LightGCN, u: ArrayLike<number>, items: Float32Array, split: boolean): Float64Array {
  const c = model.clusters()!.items;
  const members = new Int32Array(c.capacity);
  for (const a of c.assign) members[a]++;
  const d = model.dim, out = new Float64Array(model.nItems);
  for (let i = 0; i < model.nItems; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += u[k] * items[i * d + k];
    out[i] = s - (split ? Math.log(members[c.assign[i]]) : 0);
  }
  return out;
}

/** A top-k list is right when its scores match the reference and no other candidate beats its last one. */
function expectTopK(items: ArrayLike<number>, scores: ArrayLike<number>, ref: Float64Array, excluded: Set<number>) {
  const got = Array.from(items).filter((i) => i >= 0);
  expect(got.length).toBeGreaterThan(0);
  got.forEach((i, r) => expect(scores[r]).toBeCloseTo(ref[i], 4));
  for (let r = 1; r < got.length; r++) expect(scores[r]).toBeLessThanOrEqual(scores[r - 1]);
  const last = scores[got.length - 1];
  for (let i = 0; i < ref.length; i++)
    if (!got.includes(i) && !excluded.has(i)) expect(ref[i]).toBeLessThanOrEqual(last + 1e-4);
}

function trainRows(model: MF | LightGCN): Set<number>[] {
  const m = model.native().trainMatrix().export();
  return Array.from({ length: model.nUsers }, (_, u) => new Set(Array.from(m.indices.subarray(m.indptr[u], m.indptr[u + 1]))));
}

/** Recall@K over test users, ranking the reference scores (ties to the lower id), train items excluded. */
function referenceRecall(model: MF | LightGCN, U: Float32Array, V: Float32Array, split: boolean): number {
  const train = trainRows(model), t = data.matrix('test')!.export();
  let sum = 0, n = 0;
  for (let u = 0; u < model.nUsers; u++) {
    const truth = new Set(Array.from(t.indices.subarray(t.indptr[u], t.indptr[u + 1])));
    if (truth.size === 0) continue;
    const s = referenceScores(model, U.subarray(u * model.dim, (u + 1) * model.dim), V, split);
    const ranked = [...s.keys()].filter((i) => !train[u].has(i)).sort((a, b) => (s[b] !== s[a] ? s[b] - s[a] : a - b));
    sum += ranked.slice(0, K).filter((i) => truth.has(i)).length / truth.size;
    n++;
  }
  return sum / n;
}

async function trained(kind: typeof MF | typeof LightGCN, embedding: Record<string, unknown>, evalEvery = 0) {
  const model = kind === MF
    ? await MF.create(data, { dim: 8, seed: 3, embedding: embedding as never })
    : await LightGCN.create(data, { dim: 8, layers: 1, seed: 3, embedding: embedding as never });
  const events = [];
  for await (const e of new Trainer(model, { lr: 0.02, batchSize: 256 }).fit({ epochs: 3, evalEvery: evalEvery || 3, k: K, metrics: ['recall'] }))
    events.push(e);
  return { model, last: events[events.length - 1] };
}

describe('embedding.splitScores', () => {
  for (const [name, kind, embedding] of [
    ['MF, frequency x4', MF, { kind: 'frequency', ratio: 4, splitScores: true }],
    ['LightGCN, CEL hot x4', LightGCN, { kind: 'clustered', ratio: 4, hot: 0.5, splitScores: true }],
  ] as const) {
    it(`${name}: ranking tables, evaluation during fit and every recommend path follow score - log(members)`, async () => {
      const { model, last } = await trained(kind, embedding);
      const U = (await model.userEmbeddings()).data, V = (await model.itemEmbeddings()).data;
      const r = await model.rankingEmbeddings();
      expect(r.users.shape).toEqual([model.nUsers, model.dim + 1]);
      const c = model.clusters()!.items, members = new Int32Array(c.capacity);
      for (const a of c.assign) members[a]++;
      expect(Math.max(...members)).toBeGreaterThan(1);  // there are shared rows to split
      for (let i = 0; i < model.nItems; i++) {
        expect(r.items.data[i * 9 + 8]).toBe(Math.fround(-Math.log(members[c.assign[i]])));
        expect(Array.from(r.items.data.subarray(i * 9, i * 9 + 8))).toEqual(Array.from(V.subarray(i * 8, i * 8 + 8)));
      }
      for (let u = 0; u < model.nUsers; u++) expect(r.users.data[u * 9 + 8]).toBe(1);

      // Evaluation during fit = the Evaluator on the ranking tables = the float64 reference.
      const direct = await new Evaluator(data, { k: K, metrics: ['recall'] }).evaluate(r.users, r.items);
      expect(last.metrics![`recall@${K}`]).toBe(direct[`recall@${K}`]);
      expect(direct[`recall@${K}`]).toBeCloseTo(referenceRecall(model, U, V, true), 2);
      // The offsets matter here: the plain tables rank differently.
      expect(referenceRecall(model, U, V, false)).not.toBeCloseTo(referenceRecall(model, U, V, true), 3);

      const train = trainRows(model);
      const users = [0, 17, 63, 150];
      const batch = await model.recommendBatch(users, { k: K });
      await model.warmup();
      for (const [q, u] of users.entries()) {
        const ref = referenceScores(model, U.subarray(u * 8, u * 8 + 8), V, true);
        expectTopK(batch.items.subarray(q * K, q * K + K), batch.scores.subarray(q * K, q * K + K), ref, train[u]);
        const one = model.recommendSync(u, { k: K });
        expect(Array.from(one.items)).toEqual(Array.from(batch.items.subarray(q * K, q * K + K)));
        expect(Array.from(one.scores)).toEqual(Array.from(batch.scores.subarray(q * K, q * K + K)));
        // A prefix ranking stays on the embedding coordinates, without the offsets.
        const pre = await model.recommend(u, { k: K, dim: 4 });
        const refPre = referenceScores(model, Array.from(U.subarray(u * 8, u * 8 + 8), (x, k) => (k < 4 ? x : 0)), V, false);
        expectTopK(pre.items, pre.scores, refPre, train[u]);
      }
      const fold = await model.foldInUser([1, 2, 3], { k: K });
      expectTopK(fold.items, fold.scores, referenceScores(model, fold.embedding, V, true), new Set([1, 2, 3]));
      model.dispose();
    });
  }

  it('survives save and load, and the CLI-style evaluation of the loaded model ranks the same', async () => {
    const { model } = await trained(MF, { kind: 'frequency', ratio: 4, splitScores: true });
    const file = path.join(dir, 'split.safetensors');
    await saveModel(model, file);
    const loaded = await loadModel(file);
    expect(loaded.config.embedding?.splitScores).toBe(true);
    const a = await model.recommendBatch([5, 6], { k: K }), b = await (loaded as MF).recommendBatch([5, 6], { k: K });
    expect(Array.from(b.items)).toEqual(Array.from(a.items));
    expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
    const ra = await model.rankingEmbeddings(), rb = await (loaded as MF).rankingEmbeddings();
    expect(Array.from(rb.items.data)).toEqual(Array.from(ra.items.data));
    model.dispose();
    loaded.dispose();
  });

  it('without the option the ranking tables are the final embeddings', async () => {
    const { model } = await trained(MF, { kind: 'frequency', ratio: 4 });
    const r = await model.rankingEmbeddings();
    expect(r.items.shape).toEqual([model.nItems, model.dim]);
    expect(Array.from(r.items.data)).toEqual(Array.from((await model.itemEmbeddings()).data));
    model.dispose();
  });

  it('is refused without shared item rows, for Matryoshka and for Interact2Vec', async () => {
    const bad = { code: 'E_INVALID_ARG' };
    await expect(MF.create(data, { embedding: { kind: 'frequency', ratio: 4, tables: 'users', splitScores: true } }))
      .rejects.toMatchObject(bad);
    await expect(Matryoshka.create(data, { dim: 8, levels: [4, 8], embedding: { kind: 'frequency', ratio: 4, splitScores: true } }))
      .rejects.toMatchObject(bad);
    await expect(Interact2Vec.create(data, { dim: 8, embedding: { kind: 'frequency', ratio: 4, splitScores: true } }))
      .rejects.toMatchObject(bad);
  });
});
