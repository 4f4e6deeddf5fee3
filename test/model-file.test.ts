import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Dataset, Evaluator, IdMap, Interact2Vec, LightGCN, MF, MODEL_FORMAT, Trainer, loadModel, parseSafetensors, saveModel,
  serializeSafetensors, syntheticDataset, type Interact2VecOptions, type SavedModel,
} from '../dist/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-model-'));
const data = await syntheticDataset({ users: 600, items: 400, seed: 11 });

async function trained(kind: 'lightgcn' | 'mf', epochs = 2) {
  const m = kind === 'mf' ? await MF.create(data, { dim: 8, seed: 2 }) : await LightGCN.create(data, { dim: 8, layers: 2, seed: 2 });
  for await (const _ of new Trainer(m, { lr: 0.01 }).fit({ epochs, evalEvery: 1 })) void _;
  return m;
}

/** One thread: Interact2Vec SGD is bit-reproducible only then. */
async function trainedI2v(options: Interact2VecOptions = {}, epochs = 2) {
  const m = await Interact2Vec.create(data, { dim: 8, seed: 3, threads: 1, lr: 0.05, ...options });
  for await (const _ of m.fit({ epochs, evalEvery: 1, k: 20 })) void _;
  return m;
}

const bits = (t: { data: Float32Array }) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

describe('model files', () => {
  it('round-trip: same config, history, embeddings and recommendations; no temp files left', async () => {
    for (const kind of ['lightgcn', 'mf'] as const) {
      const m = await trained(kind);
      const file = path.join(dir, `${kind}.safetensors`);
      await saveModel(m, file);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const l = await loadModel(file);
      expect(l.kind).toBe(kind);
      expect(l).toBeInstanceOf(kind === 'mf' ? MF : LightGCN);
      expect(l.config).toEqual(m.config);
      expect(l.history).toEqual(m.history);
      expect(l.history).toHaveLength(2);
      expect(Buffer.from((await l.userEmbeddings()).data.buffer).equals(Buffer.from((await m.userEmbeddings()).data.buffer))).toBe(true);
      for (const u of [0, 5, 599]) expect(await l.recommend(u, { k: 7 })).toEqual(await m.recommend(u, { k: 7 }));
      m.dispose();
      l.dispose();
    }
  });

  it('a loaded model recommends and evaluates without the original dataset', async () => {
    const m = await trained('lightgcn');
    const file = path.join(dir, 'standalone.safetensors');
    await saveModel(m, file);
    const want = await new Evaluator(data, { k: 20 }).evaluate(await m.userEmbeddings(), await m.itemEmbeddings());
    m.dispose();
    const l = await loadModel(file);
    const seen = new Set<number>();
    for (let q = 0; q < data.train.users.length; q++) if (data.train.users[q] === 3) seen.add(data.train.items[q]);
    for (const i of (await l.recommend(3, { k: 50 })).items) expect(seen.has(i)).toBe(false);
    const again = await Dataset.fromArrays({ nUsers: 600, nItems: 400, train: data.train, test: data.test });
    expect(await new Evaluator(again, { k: 20 }).evaluate(await l.userEmbeddings(), await l.itemEmbeddings())).toEqual(want);
    again.dispose();
    l.dispose();
  });

  it('has the documented layout (what a Python reader sees) and keeps string ids', async () => {
    const ds = await Dataset.fromArrays({
      train: { users: Int32Array.from([0, 0, 1, 2, 2]), items: Int32Array.from([0, 1, 2, 0, 2]) },
      userIds: new IdMap(['ann', 'bob', 'cy']), itemIds: new IdMap(['x', 'y', 'z']),
    });
    const m = await LightGCN.create(ds, { dim: 4, layers: 1 });
    const file = path.join(dir, 'ids.safetensors');
    await saveModel(m, file);
    const c = parseSafetensors(readFileSync(file));
    expect(Object.keys(c.tensors).sort()).toEqual(['ego_embedding', 'item_embedding', 'train_indices', 'train_indptr', 'user_embedding']);
    expect(c.tensors.user_embedding.shape).toEqual([3, 4]);
    expect(c.tensors.ego_embedding.shape).toEqual([6, 4]);
    expect(Array.from(c.tensors.train_indptr.data)).toEqual([0, 2, 3, 5]);
    expect(Array.from(c.tensors.train_indices.data)).toEqual([0, 1, 2, 0, 2]);
    expect(c.metadata).toMatchObject({ format: MODEL_FORMAT, format_version: '1', model: 'lightgcn' });
    expect(JSON.parse(c.metadata.config)).toEqual({ users: 3, items: 3, dim: 4, layers: 1, initStd: 0.1, init: 'normal', seed: 0 });
    expect(JSON.parse(c.metadata.user_ids)).toEqual(['ann', 'bob', 'cy']);
    const l = await loadModel(file);
    expect(l.userIds?.toExternal).toEqual(['ann', 'bob', 'cy']);
    const r = await l.recommend('bob', { k: 2 });
    expect(r.itemIds).toHaveLength(2);
    expect(r.itemIds).not.toContain('z');  // bob's train item
    await expect(l.recommend('nobody')).rejects.toMatchObject({ code: 'E_OUT_OF_RANGE' });
    l.dispose();
    m.dispose();
    ds.dispose();
  });

  it.each(['mf', 'interact2vec'] as const)('corrupted, truncated or foreign %s files are E_PARSE; a missing file is E_IO', async (kind) => {
    const m: SavedModel = kind === 'mf' ? await trained('mf', 1) : await trainedI2v({}, 1);
    const file = path.join(dir, `good-${kind}.safetensors`);
    await saveModel(m, file);
    m.dispose();
    const good = readFileSync(file);
    const headerLen = Number(good.readBigUInt64LE(0));
    const cuts = [0, 4, 8, 20, 8 + headerLen, 8 + headerLen + 10, good.length - 1];
    const flip = (at: number) => { const b = Buffer.from(good); b[at] ^= 0x10; return b; };
    const content = parseSafetensors(good);
    const variants: Array<[string, Buffer]> = [
      ...cuts.map((n): [string, Buffer] => [`truncated@${n}`, good.subarray(0, n)]),
      ['flip in data', flip(good.length - 3)],
      ['flip in header', flip(12)],
      ['huge header length', (() => { const b = Buffer.from(good); b.writeBigUInt64LE(1n << 60n, 0); return b; })()],
      ['not a model', serializeSafetensors({ tensors: content.tensors, metadata: { format: 'other' } })],
      ['future version', serializeSafetensors({ tensors: content.tensors, metadata: { ...content.metadata, format_version: '99' } })],
      ['bad config', serializeSafetensors({ tensors: content.tensors, metadata: { ...content.metadata, config: '{"users": -1}' } })],
      ['config not JSON', serializeSafetensors({ tensors: content.tensors, metadata: { ...content.metadata, config: '{users' } })],
      ['unknown model kind', serializeSafetensors({ tensors: content.tensors, metadata: { ...content.metadata, model: 'word2vec' } })],
      ['other kind, same tensors', serializeSafetensors({
        tensors: content.tensors, metadata: { ...content.metadata, model: kind === 'mf' ? 'interact2vec' : 'mf' },
      })],
      ['missing user_embedding', (() => {
        const { user_embedding: _, ...t } = content.tensors;
        return serializeSafetensors({ tensors: kind === 'mf' ? { ...t, ego_embedding: t.item_embedding } : t, metadata: content.metadata });
      })()],
      ['wrong table shape', (() => {
        const t = { ...content.tensors, [kind === 'mf' ? 'ego_embedding' : 'item_embedding']: content.tensors.train_indptr };
        return serializeSafetensors({ tensors: t, metadata: content.metadata });
      })()],
      ['NaN in a table', (() => {
        const name = kind === 'mf' ? 'ego_embedding' : 'user_embedding';
        const table = content.tensors[name].clone();
        table.data[3] = Number.NaN;
        const meta = { ...content.metadata };
        delete meta.data_sha256;  // past the checksum: the native finiteness check must catch it
        return serializeSafetensors({ tensors: { ...content.tensors, [name]: table }, metadata: meta });
      })()],
      ['bad indices', (() => {
        const t = { ...content.tensors };
        const idx = t.train_indices.clone();
        idx.data[0] = 99999;
        t.train_indices = idx;
        const meta = { ...content.metadata };
        delete meta.data_sha256;  // get past the checksum: the native id check must still catch it
        return serializeSafetensors({ tensors: t, metadata: meta });
      })()],
    ];
    if (kind === 'interact2vec') {
      const config = JSON.parse(content.metadata.config);
      for (const [name, patch] of [['negatives 0', { negatives: 0 }], ['alpha NaN text', { alpha: 'x' }], ['optimizer', { optimizer: 'lbfgs' }],
        ['item-item with adam', { optimizer: 'adam', itemItemWeight: 1 }], ['no seed', { seed: undefined }], ['init', { init: 'zeros' }],
        ['dim disagrees', { dim: 9 }]] as const)
        variants.push([`config ${name}`, serializeSafetensors({
          tensors: content.tensors, metadata: { ...content.metadata, config: JSON.stringify({ ...config, ...patch }) },
        })]);
    }
    for (const [name, bytes] of variants) {
      const f = path.join(dir, 'bad.safetensors');
      writeFileSync(f, bytes);
      await expect(loadModel(f), name).rejects.toMatchObject({ code: 'E_PARSE' });
    }
    await expect(loadModel(path.join(dir, 'nope.safetensors'))).rejects.toMatchObject({ code: 'E_IO' });
  });

  describe('Interact2Vec files', () => {
    it('round-trip: config, hyperparameters, history, tables, every scoring, neighbours', async () => {
      const m = await trainedI2v({ alpha: -1, negatives: 4, subsample: 1e-3, itemItemWeight: 0.5 });
      const file = path.join(dir, 'i2v.safetensors');
      await saveModel(m, file);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const l = await loadModel(file, { threads: 1 });
      expect(l).toBeInstanceOf(Interact2Vec);
      expect(l.kind).toBe('interact2vec');
      const typed: Interact2Vec = await loadModel(file, { family: 'interact2vec' });  // typed without narrowing
      typed.dispose();
      if (!(l instanceof Interact2Vec)) throw new Error('not an Interact2Vec');
      expect(l.config).toEqual(m.config);
      expect(l.training).toEqual(m.training);
      expect(l.training).toMatchObject({ alpha: -1, negatives: 4, subsample: 1e-3, itemItemWeight: 0.5 });
      expect(l.history).toEqual(m.history);
      expect(l.history).toHaveLength(2);
      expect(l.history[1].metrics?.['recall@20']).toBeGreaterThan(0);
      expect(bits(await l.userEmbeddings()).equals(bits(await m.userEmbeddings()))).toBe(true);
      expect(bits(await l.itemEmbeddings()).equals(bits(await m.itemEmbeddings()))).toBe(true);
      for (const scoring of ['dot', 'cosine', 'knn', 'blend'] as const)
        for (const u of [0, 7, 599]) expect(await l.recommend(u, { k: 9, scoring }), scoring).toEqual(await m.recommend(u, { k: 9, scoring }));
      expect(await l.recommend(4, { k: 400, exclude: 'none' })).toEqual(await m.recommend(4, { k: 400, exclude: 'none' }));
      expect(await l.similarItems(11, { k: 6 })).toEqual(await m.similarItems(11, { k: 6 }));
      expect(await l.similarUsers(11, { k: 6 })).toEqual(await m.similarUsers(11, { k: 6 }));
      await expect(loadModel(file, { family: 'lightgcn' })).rejects.toMatchObject({ code: 'E_TYPE' });
      m.dispose();
      l.dispose();
      await expect(l.recommend(0)).rejects.toMatchObject({ code: 'E_DISPOSED' });
    });

    it('a loaded model excludes seen items and evaluates like the original under every scoring', async () => {
      const m = await trainedI2v();
      const file = path.join(dir, 'i2v-eval.safetensors');
      await saveModel(m, file);
      const evaluator = new Evaluator(data, { k: 20 });
      const want: Record<string, unknown> = {};  // one at a time: a second concurrent job is refused with E_BUSY
      for (const scoring of ['dot', 'cosine', 'knn', 'blend'] as const) want[scoring] = await m.evaluate(evaluator, { scoring });
      m.dispose();
      const l = await loadModel(file, { family: 'interact2vec' });
      const seen = new Set<number>();
      for (let q = 0; q < data.train.users.length; q++) if (data.train.users[q] === 3) seen.add(data.train.items[q]);
      for (const scoring of ['dot', 'knn'] as const)
        for (const i of (await l.recommend(3, { k: 60, scoring })).items) expect(seen.has(i)).toBe(false);
      const again = await Dataset.fromArrays({ nUsers: 600, nItems: 400, train: data.train, test: data.test });
      const e2 = new Evaluator(again, { k: 20 });
      for (const scoring of ['dot', 'cosine', 'knn', 'blend'] as const) expect(await l.evaluate(e2, { scoring }), scoring).toEqual(want[scoring]);
      expect(await e2.evaluateModel(l)).toEqual(want.dot);
      again.dispose();
      l.dispose();
    });

    it('fit after load continues from the loaded tables exactly like another fit of the original (SGD and Adam)', async () => {
      for (const options of [{}, { optimizer: 'adam', batchRows: 512, lr: 0.01 }] as const) {
        const m = await trainedI2v(options);
        const file = path.join(dir, 'i2v-resume.safetensors');
        await saveModel(m, file);
        const l = await loadModel(file, { family: 'interact2vec', threads: 1 });
        for await (const _ of m.fit({ epochs: 2 })) void _;
        const events = [];
        for await (const e of l.fit({ epochs: 2 })) events.push(e);
        expect(events.map((e) => e.epoch)).toEqual([3, 4]);
        expect(events.map((e) => e.loss)).toEqual(m.history.slice(2).map((e) => e.loss));
        expect(bits(await l.userEmbeddings()).equals(bits(await m.userEmbeddings()))).toBe(true);
        expect(bits(await l.itemEmbeddings()).equals(bits(await m.itemEmbeddings()))).toBe(true);
        // The file has no test split: evaluation during fit needs one.
        await expect((async () => { for await (const _ of l.fit({ epochs: 1, evalEvery: 1 })) void _; })()).rejects.toMatchObject({ code: 'E_EMPTY' });
        // Saving the loaded model again gives the same tables and the longer history.
        await saveModel(l, file);
        const l2 = await loadModel(file, { family: 'interact2vec' });
        expect(l2.history.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
        expect(bits(await l2.itemEmbeddings()).equals(bits(await m.itemEmbeddings()))).toBe(true);
        for (const x of [m, l, l2]) x.dispose();
      }
    });

    it('has the documented layout and keeps string ids', async () => {
      const ds = await Dataset.fromArrays({
        train: { users: Int32Array.from([0, 0, 1, 2, 2]), items: Int32Array.from([0, 1, 2, 0, 2]) },
        userIds: new IdMap(['ann', 'bob', 'cy']), itemIds: new IdMap(['x', 'y', 'z']),
      });
      const m = await Interact2Vec.create(ds, { dim: 4, optimizer: 'adam', alpha: 0.75 });
      const file = path.join(dir, 'i2v-ids.safetensors');
      await saveModel(m, file);
      const c = parseSafetensors(readFileSync(file));
      expect(Object.keys(c.tensors).sort()).toEqual(['item_embedding', 'train_indices', 'train_indptr', 'user_embedding']);
      expect(c.tensors.user_embedding.shape).toEqual([3, 4]);
      expect(Array.from(c.tensors.user_embedding.data)).toEqual(Array.from((await m.userEmbeddings()).data));
      expect(Array.from(c.tensors.train_indptr.data)).toEqual([0, 2, 3, 5]);
      expect(c.metadata).toMatchObject({ format: MODEL_FORMAT, format_version: '1', model: 'interact2vec' });
      expect(JSON.parse(c.metadata.config)).toEqual({
        users: 3, items: 3, dim: 4, init: 'uniform', initRange: 0.05, seed: 0, negatives: 5, alpha: 0.75, subsample: 0,
        subsampleMode: 'once', optimizer: 'adam', lr: 0.025, minLrRatio: 1e-4, batchRows: 8192, adamRowOrder: 'shuffled', l2: 1e-6, itemItemWeight: 0,
      });
      expect(JSON.parse(c.metadata.item_ids)).toEqual(['x', 'y', 'z']);
      const l = await loadModel(file);
      expect(l.userIds?.toExternal).toEqual(['ann', 'bob', 'cy']);
      const r = await l.recommend('bob', { k: 2 });
      expect(r.itemIds).toHaveLength(2);
      expect(r.itemIds).not.toContain('z');
      if (!(l instanceof Interact2Vec)) throw new Error('not an Interact2Vec');
      expect((await l.similarItems('x', { k: 1 })).externalIds).toHaveLength(1);
      l.dispose();
      // The train interactions and ids live in the dataset: saving after disposing it is refused.
      ds.dispose();
      await expect(saveModel(m, file)).rejects.toMatchObject({ code: 'E_DISPOSED' });
      m.dispose();
      await expect(saveModel(m, file)).rejects.toMatchObject({ code: 'E_DISPOSED' });
    });
  });
});
