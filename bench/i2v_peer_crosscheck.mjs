// Scores saved tables (users.npy, items.npy) with recforge's public Evaluator, to check that
// bench/i2v_peer_eval.py computes the same Recall@K / NDCG@K (issue 5 peer). Prints one JSON line.
//   node bench/i2v_peer_crosscheck.mjs TRAIN TEST DIR [K]
import { Evaluator, loadDataset, readNpy } from '../dist/index.js';

const [train, test, dir, k = '20'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/i2v_peer_crosscheck.mjs TRAIN TEST DIR [K]');
  process.exit(2);
}
const data = await loadDataset({ train, test });
const ev = new Evaluator(data, { k: Number(k), metrics: ['recall', 'ndcg'], threads: 1 });
const r = await ev.evaluate(await readNpy(`${dir}/users.npy`), await readNpy(`${dir}/items.npy`));
console.log(JSON.stringify({ dir, ...r }));
data.dispose?.();
