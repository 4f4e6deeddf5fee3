import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Dataset, Evaluator, IdMap, LightGCN, MF, MODEL_FORMAT, Trainer, loadModel, parseSafetensors, saveModel, serializeSafetensors,
  syntheticDataset,
} from '../dist/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-model-'));
const data = await syntheticDataset({ users: 600, items: 400, seed: 11 });

async function trained(kind: 'lightgcn' | 'mf', epochs = 2) {
  const m = kind === 'mf' ? await MF.create(data, { dim: 8, seed: 2 }) : await LightGCN.create(data, { dim: 8, layers: 2, seed: 2 });
  for await (const _ of new Trainer(m, { lr: 0.01 }).fit({ epochs, evalEvery: 1 })) void _;
  return m;
}

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

  it('corrupted, truncated or foreign files are E_PARSE; a missing file is E_IO', async () => {
    const m = await trained('mf', 1);
    const file = path.join(dir, 'good.safetensors');
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
    for (const [name, bytes] of variants) {
      const f = path.join(dir, 'bad.safetensors');
      writeFileSync(f, bytes);
      await expect(loadModel(f), name).rejects.toMatchObject({ code: 'E_PARSE' });
    }
    await expect(loadModel(path.join(dir, 'nope.safetensors'))).rejects.toMatchObject({ code: 'E_IO' });
  });
});
