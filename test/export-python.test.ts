// Runs docs/export.md's Python example (numpy only) on exports of every model kind and checks
// that what Python loads is bit-identical to the model's tables and ranks items as the model does.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportEmbeddings, type Tensor } from '../dist/index.js';
import { trainedModels, type Kinds } from './export-fixtures.js';
import { repoRoot } from './helpers.js';

const PYTHON = '/usr/bin/python3';
const probe = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
const hasNumpy = probe.status === 0;
if (!hasNumpy)
  console.warn(`skipping the docs/export.md Python example: ${PYTHON} cannot import numpy (${probe.error?.message ?? probe.stderr.trim()})`);

/** The doc's only ```python block, verbatim. */
function docExample(): string {
  const blocks = [...readFileSync(path.join(repoRoot, 'docs', 'export.md'), 'utf8').matchAll(/```python\n([\s\S]*?)```/g)];
  expect(blocks).toHaveLength(1);
  return blocks[0][1];
}

// Imports the example as a module and dumps what its loaders return: raw bytes per array, JSON for the rest.
const HARNESS = `
import json, sys
sys.path.insert(0, sys.argv[1])
from load_export import load_export, load_safetensors
folder, out = sys.argv[2], sys.argv[3]
users, items, user_ids, item_ids = load_export(folder)
tensors, meta = load_safetensors(folder + "/embeddings.safetensors")
arrays = {"users_npy": users, "items_npy": items, "users_st": tensors["users"], "items_st": tensors["items"]}
for name, a in arrays.items():
    open(out + "/" + name + ".bin", "wb").write(a.tobytes())
print(json.dumps({"dtypes": {k: str(a.dtype) for k, a in arrays.items()}, "shapes": {k: list(a.shape) for k, a in arrays.items()},
                  "meta": meta, "user_ids": user_ids, "item_ids": item_ids}))
`;

function python(...args: string[]): string {
  const r = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, `${r.stderr}${r.error?.message ?? ''}`).toBe(0);
  return r.stdout;
}

describe.skipIf(!hasNumpy)('docs/export.md Python example (numpy only)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'recforge-export-py-'));
  const script = path.join(dir, 'load_export.py');
  writeFileSync(script, docExample());
  const { data, models } = hasNumpy ? await trainedModels(dir) : ({} as { data: never; models: Kinds });
  afterAll(() => {
    for (const m of Object.values(models)) m.dispose();
    data.dispose();
  });
  const bytes = (t: Tensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

  for (const [kind, dim] of [['lightgcn', undefined], ['mf', undefined], ['mrl', 4], ['interact2vec', undefined]] as const)
    it(`loads a ${kind} export${dim ? ` at d = ${dim}` : ''} with the same values and ranking as the model`, async () => {
      const model = models[kind];
      const out = path.join(dir, `${kind}-export`), dump = path.join(dir, `${kind}-dump`);
      mkdirSync(dump);
      await exportEmbeddings(model, out, { dim });
      const [u, v] = [await model.userEmbeddings({ dim }), await model.itemEmbeddings({ dim })];
      const got = JSON.parse(python('-c', HARNESS, dir, out, dump));
      expect(Object.values(got.dtypes)).toEqual(['float32', 'float32', 'float32', 'float32']);
      expect(got.shapes).toEqual({ users_npy: u.shape, items_npy: v.shape, users_st: u.shape, items_st: v.shape });
      for (const [name, t] of [['users_npy', u], ['items_npy', v], ['users_st', u], ['items_st', v]] as const)
        expect(readFileSync(path.join(dump, `${name}.bin`)).equals(bytes(t)), name).toBe(true);
      expect(got.meta).toMatchObject({ format: 'recforge.embeddings', model: kind, dim: String(u.cols) });
      expect(got.user_ids).toEqual(Object.fromEntries(data.userIds!.toExternal.map((id, r) => [id, r])));
      expect(got.item_ids).toEqual(Object.fromEntries(data.itemIds!.toExternal.map((id, r) => [id, r])));

      // The example as a script: the top 10 of a user by dataset id, as the model ranks them.
      const user = 'u7';
      const top = JSON.parse(python(script, out, user));
      const rec = await model.recommend(data.userIds!.toDense(user)!, { k: 10, exclude: 'none', ...(dim ? { dim } : {}) });
      expect(top).toMatchObject({ users: u.shape, items: v.shape, user });
      expect(top.top).toEqual(rec.itemIds);
      top.scores.forEach((s: number, r: number) => expect(s).toBeCloseTo(rec.scores[r], 5));
    }, 60_000);

  it('falls back to the safetensors file when only it was exported', async () => {
    const out = path.join(dir, 'st-only');
    await exportEmbeddings(models.mrl, out, { format: 'safetensors', dim: 8 });
    const top = JSON.parse(python(script, out, 'u3'));
    expect(top.users).toEqual([data.nUsers, 8]);
    const rec = await models.mrl.recommend(data.userIds!.toDense('u3')!, { k: 10, exclude: 'none', dim: 8 });
    expect(top.top).toEqual(rec.itemIds);
  }, 60_000);
});
