// Issue 8 check: is the full model of bench/cel.mjs at a sane operating point? Trains the full
// table (MF-BPR, or LightGCN with --model lightgcn, 3 layers) with bench/cel.mjs's setting (dim 64,
// Adam, batch 2048, pairs sampler, init std 0.1, seed 1) for each REG:LR:EPOCHS[:DIM] given (dim 64
// unless given: a smaller dim is the low-rank peer of a shared table at equal memory), and prints
// Recall@20 on test every 5 epochs. Run:
//   node bench/reg-sweep.mjs [--dataset amazon-phone] [--model mf] 1e-4:5e-3:20 0.1:5e-3:20 0.1:5e-3:20:6 ...
import path from 'node:path';
import { datasetsDir, repoRoot } from './lib.mjs';

const { Dataset, LightGCN, MF, Trainer } = await import(path.join(repoRoot, 'dist', 'index.js'));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const k = args.indexOf(`--${name}`);
  return k >= 0 ? args.splice(k, 2)[1] : fallback;
};
const datasetName = option('dataset', 'amazon-phone');
const modelName = option('model', 'mf');
const dir = path.join(datasetsDir, datasetName);
const data = await Dataset.load({ train: path.join(dir, 'train.txt'), test: path.join(dir, 'test.txt') });
for (const spec of args) {
  const [reg, lr, epochs, dim = 64] = spec.split(':').map(Number);
  const model = modelName === 'lightgcn'
    ? await LightGCN.create(data, { dim, layers: 3, seed: 1, initStd: 0.1 })
    : await MF.create(data, { dim, seed: 1, initStd: 0.1 });
  const trainer = new Trainer(model, { lr, batchSize: 2048, sampler: 'pairs', reg, seed: 1 });
  const out = [];
  for await (const e of trainer.fit({ epochs, evalEvery: 5, k: 20, on: 'test' }))
    if (e.metrics) out.push(`${e.epoch}:${e.metrics['recall@20'].toFixed(4)}`);
  console.log(`${datasetName} ${modelName} reg:lr:epochs[:dim] ${spec}  Recall@20 by epoch ${out.join(' ')}`);
  model.dispose();
}
