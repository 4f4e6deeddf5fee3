import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EXPORT_FILES, FixedEmbeddings, MF, Tensor, exportEmbeddings, parseSafetensors, readNpy, saveModel, syntheticDataset,
  type ExportableModel,
} from '../dist/index.js';
import { trainedModels } from './export-fixtures.js';
import { repoRoot } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-export-'));
const { data, models } = await trainedModels(dir);
let n = 0;
const fresh = () => path.join(dir, `out${n++}`);
const floats = (t: Tensor) => Array.from(t.data);
const aFile = path.join(dir, 'a-file');
writeFileSync(aFile, 'x');

afterAll(() => {
  for (const m of Object.values(models)) m.dispose();
  data.dispose();
});

async function expectExport(model: ExportableModel, out: string, dim: number | undefined): Promise<void> {
  const [u, v] = [await model.userEmbeddings({ dim }), await model.itemEmbeddings({ dim })];
  const [nu, nv] = [await readNpy(path.join(out, 'users.npy')), await readNpy(path.join(out, 'items.npy'))];
  expect(nu.shape).toEqual(u.shape);
  expect(floats(nu)).toEqual(floats(u));
  expect(floats(nv)).toEqual(floats(v));
  const st = parseSafetensors(readFileSync(path.join(out, 'embeddings.safetensors')));
  expect(Object.keys(st.tensors).sort()).toEqual(['items', 'users']);
  expect(st.tensors.users.shape).toEqual(u.shape);
  expect(floats(st.tensors.users)).toEqual(floats(u));
  expect(floats(st.tensors.items)).toEqual(floats(v));
  expect(st.metadata).toMatchObject({ format: 'recforge.embeddings', model: model.kind, dim: String(u.cols), model_dim: String(model.dim) });
}

describe('exportEmbeddings', () => {
  for (const kind of ['lightgcn', 'mf', 'mrl', 'interact2vec'] as const)
    it(`writes ${kind} tables as .npy and safetensors, and the id maps as JSON`, async () => {
      const model = models[kind];
      for (const dim of [undefined, 4]) {
        const out = fresh();
        const r = await exportEmbeddings(model, out, { dim });
        expect(r).toMatchObject({ dir: out, dim: dim ?? 16, modelDim: 16, nUsers: data.nUsers, nItems: data.nItems, format: 'both' });
        expect(Object.keys(r.files).sort()).toEqual(['itemIds', 'itemsNpy', 'safetensors', 'userIds', 'usersNpy']);
        await expectExport(model, out, dim);
        const userIds = JSON.parse(readFileSync(path.join(out, 'user_ids.json'), 'utf8'));
        const itemIds = JSON.parse(readFileSync(path.join(out, 'item_ids.json'), 'utf8'));
        expect(Object.keys(userIds)).toHaveLength(data.nUsers);
        expect(itemIds['it<5>']).toBe(data.itemIds!.toDense('it<5>'));
        data.userIds!.toExternal.forEach((id, row) => expect(userIds[id]).toBe(row));
        data.itemIds!.toExternal.forEach((id, row) => expect(itemIds[id]).toBe(row));
      }
    }, 30_000);

  it('writes only the chosen format and removes stale files of an earlier export', async () => {
    const out = fresh();
    await exportEmbeddings(models.mf, out, { format: 'both' });
    const npy = await exportEmbeddings(models.mf, out, { format: 'npy', dim: 8 });
    expect(npy.files.safetensors).toBeUndefined();
    expect(readdirSync(out).sort()).toEqual(['item_ids.json', 'items.npy', 'user_ids.json', 'users.npy']);
    expect((await readNpy(path.join(out, 'users.npy'))).cols).toBe(8);
    await exportEmbeddings(models.mf, out, { format: 'safetensors' });
    expect(readdirSync(out).sort()).toEqual(['embeddings.safetensors', 'item_ids.json', 'user_ids.json']);
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    // Integer-id data has no id maps: no JSON, and the stale maps go.
    const syn = await syntheticDataset({ users: 50, items: 40, seed: 2, threads: 2 });
    const plain = await MF.create(syn, { dim: 8, threads: 2 });
    const r = await exportEmbeddings(plain, out, { format: 'npy' });
    expect(r.files).toEqual({ usersNpy: path.join(out, 'users.npy'), itemsNpy: path.join(out, 'items.npy') });
    expect(readdirSync(out).sort()).toEqual(['items.npy', 'notes.txt', 'users.npy']);
    plain.dispose();
    syn.dispose();
  });

  it('exports FixedEmbeddings (model kind "embeddings")', async () => {
    const U = new Tensor(Float32Array.from({ length: 12 }, (_, k) => k / 7), [4, 3]);
    const V = new Tensor(Float32Array.from({ length: 15 }, (_, k) => -k / 3), [5, 3]);
    const out = fresh();
    const r = await exportEmbeddings(new FixedEmbeddings(U, V), out, { dim: 2, format: 'safetensors' });
    expect(r).toMatchObject({ dim: 2, modelDim: 3, nUsers: 4, nItems: 5 });
    const st = parseSafetensors(readFileSync(r.files.safetensors!));
    expect(st.metadata.model).toBe('embeddings');
    expect(floats(st.tensors.items)).toEqual(Array.from(V.data).filter((_, k) => k % 3 < 2));
  });

  it('rejects bad input with typed errors before writing anything', async () => {
    const out = fresh();
    const bad: [unknown, unknown, unknown, string][] = [
      [null, out, {}, 'E_TYPE'], [{}, out, {}, 'E_TYPE'], [models.mf, '', {}, 'E_INVALID_ARG'], [models.mf, 42, {}, 'E_INVALID_ARG'],
      [models.mf, out, null, 'E_TYPE'], [models.mf, out, { format: 'parquet' }, 'E_INVALID_ARG'], [models.mf, out, { dim: 0 }, 'E_INVALID_ARG'],
      [models.mrl, out, { dim: 17 }, 'E_INVALID_ARG'], [models.interact2vec, out, { dim: 2.5 }, 'E_INVALID_ARG'],
    ];
    for (const [m, d, o, code] of bad)
      await expect(exportEmbeddings(m as ExportableModel, d as string, o as object), JSON.stringify(o)).rejects.toMatchObject({ code });
    await expect(exportEmbeddings(models.mf, out, { format: 'xml' as 'npy' })).rejects.toThrow(/format/);
    await expect(exportEmbeddings(models.mf, out, { dim: 99 })).rejects.toThrow(/dim/);
    expect(existsSync(out)).toBe(false);
    await expect(exportEmbeddings(models.mf, aFile)).rejects.toMatchObject({ code: 'E_IO', file: aFile });
    await expect(exportEmbeddings(models.mf, path.join(aFile, 'sub'))).rejects.toMatchObject({ code: 'E_IO' });
    if (existsSync('/proc/self')) // Node's own recursive mkdir loops forever here; ours must not
      await expect(exportEmbeddings(models.mf, '/proc/recforge-export/x')).rejects.toMatchObject({ code: 'E_IO' });
    const gone = await MF.create(data, { dim: 4, threads: 2 });
    gone.dispose();
    await expect(exportEmbeddings(gone, fresh())).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });

  it('EXPORT_FILES names every file an export can write', () => {
    expect(Object.values(EXPORT_FILES).sort()).toEqual(['embeddings.safetensors', 'item_ids.json', 'items.npy', 'user_ids.json', 'users.npy']);
  });
});

describe('recforge export', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8' });
  const file = path.join(dir, 'mrl.safetensors');

  it('--format npy|safetensors|both and --dim write what the API writes', async () => {
    await saveModel(models.mrl, file);
    for (const format of ['npy', 'safetensors', 'both']) {
      const out = fresh();
      const r = cli('export', '--model', file, '--out', out, '--dim', '8', '--format', format, '--json');
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ dim: 8, modelDim: 16, format, nUsers: data.nUsers, nItems: data.nItems });
      expect(readdirSync(out).some((f) => f.endsWith('.npy'))).toBe(format !== 'safetensors');
      expect(existsSync(path.join(out, 'embeddings.safetensors'))).toBe(format !== 'npy');
      expect(existsSync(path.join(out, 'item_ids.json'))).toBe(true);
      if (format === 'both') await expectExport(models.mrl, out, 8);
    }
    const text = cli('export', '--model', file, '--out', fresh());
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/format\s+both/);
  });

  it('bad flags exit 2, bad values exit 1 with the error code', () => {
    expect(cli('export', '--model', file, '--out', fresh(), '--format', 'csv').status).toBe(2);
    const dim = cli('export', '--model', file, '--out', fresh(), '--dim', '32');
    expect(dim.status).toBe(1);
    expect(dim.stderr).toMatch(/E_INVALID_ARG.*dim/);
    const io = cli('export', '--model', file, '--out', aFile);
    expect(io.status).toBe(1);
    expect(io.stderr).toMatch(/E_IO.*a-file/);
  });
});
