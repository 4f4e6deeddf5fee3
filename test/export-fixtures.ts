// Small trained models of every kind on data with string ids (so they have id maps), shared by
// the export tests.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Interact2Vec, LightGCN, MF, Matryoshka, Trainer, loadDataset, syntheticDataset, type Dataset,
} from '../dist/index.js';

/** Writes synthetic train/test splits as CSV with string ids (`u7`, `it<5>`: characters that need escaping in HTML). */
export async function writeStringIdSplits(dir: string, seed = 3): Promise<{ train: string; test: string }> {
  const syn = await syntheticDataset({ users: 120, items: 90, seed, threads: 2 });
  const files = { train: path.join(dir, 'train.csv'), test: path.join(dir, 'test.csv') };
  for (const split of ['train', 'test'] as const) {
    const m = syn.matrix(split)!.export();
    const rows = ['user,item'];
    for (let u = 0; u < m.rows; u++) for (const i of m.indices.subarray(m.indptr[u], m.indptr[u + 1])) rows.push(`u${u},it<${i}>`);
    writeFileSync(files[split], rows.join('\n') + '\n');
  }
  syn.dispose();
  return files;
}

/** The four model kinds, trained two epochs each on string-id data. */
export type Kinds = { lightgcn: LightGCN; mf: MF; mrl: Matryoshka; interact2vec: Interact2Vec };

export async function trainedModels(dir: string): Promise<{ data: Dataset; models: Kinds }> {
  const files = await writeStringIdSplits(dir);
  const data = await loadDataset({ ...files, idMode: 'string' });
  const o = { dim: 16, seed: 1, threads: 2 };
  const models: Kinds = {
    lightgcn: await LightGCN.create(data, { ...o, layers: 2 }),
    mf: await MF.create(data, o),
    mrl: await Matryoshka.create(data, { ...o, levels: [4, 8, 16] }),
    interact2vec: await Interact2Vec.create(data, o),
  };
  for (const m of [models.lightgcn, models.mf, models.mrl]) for await (const _ of new Trainer(m, { batchSize: 256 }).fit({ epochs: 2 }));
  for await (const _ of models.interact2vec.fit({ epochs: 2 }));
  return { data, models };
}
