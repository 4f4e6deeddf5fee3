// Issue 4 benchmark: serving nested-prefix embeddings. For each prefix width d and shortlist size
// s, coarse-to-fine top-k (the best s items by the d-prefix score, reranked at full width) against
// exact full-width top-k over every user: recall of the exact top-k, and speedup (median times of
// recommendBatch through the public API, seen items excluded, same run, same threads). Also the
// d-prefix alone (no rerank), and the model's test quality at each width (one-pass evaluation).
//
//   node bench/prefix_retrieval.mjs [--model FILE] [--data DIR] [--epochs 10] [--dims 4,8,16]
//        [--shortlists 50,100,200,500] [--k 20] [--runs 5] [--threads 1] [--out FILE]
//
// --model: a saved model (saveModel / recforge train --save), e.g. a Matryoshka one; without it a
// quick MF (dim 64) is trained on --data (default ../shared/datasets/amazon-phone). --data also
// supplies the test split for the quality table (skipped for --model without --data).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset, Evaluator, MF, Trainer, loadModel } from '../dist/index.js';
import { datasetsDir, machine, timeMedian } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    model: { type: 'string' },
    data: { type: 'string' },
    epochs: { type: 'string', default: '10' },
    dims: { type: 'string', default: '4,8,16' },
    shortlists: { type: 'string', default: '50,100,200,500' },
    k: { type: 'string', default: '20' },
    runs: { type: 'string', default: '5' },
    threads: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});
const list = (s) => s.split(',').map(Number);
const [dims, shortlists, k, runs, threads] = [list(opt.dims), list(opt.shortlists), Number(opt.k), Number(opt.runs), Number(opt.threads)];
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const dataDir = opt.data ?? (opt.model ? undefined : path.join(datasetsDir, 'amazon-phone'));
const data = dataDir
  ? await Dataset.load({ train: path.join(dataDir, 'train.txt'), test: path.join(dataDir, 'test.txt') })
  : undefined;
const report = { date: new Date().toISOString(), machine: machine(), threads, k, runs, data: dataDir, loadavgStart: loadavg() };

let model;
if (opt.model) {
  model = await loadModel(opt.model, { threads });
  report.model = { file: opt.model, kind: model.kind, config: model.config };
} else {
  model = await MF.create(data, { dim: 64, seed: 1, threads });
  const t0 = performance.now();
  for await (const _ of new Trainer(model, { lr: 0.005, threads }).fit({ epochs: Number(opt.epochs) })) void _;
  report.model = { trained: `MF dim 64, Adam lr 0.005, batch 2048, ${opt.epochs} epochs, seed 1`, trainSeconds: (performance.now() - t0) / 1000 };
}
const D = model.dim;
console.log(JSON.stringify(report.machine), `threads ${threads}, model dim ${D}, ${model.nUsers} users x ${model.nItems} items`);

if (data) {
  const ev = new Evaluator(data, { k: [k], metrics: ['recall', 'ndcg'], threads });
  const widths = [...new Set([...dims, D])].filter((d) => d <= D).sort((a, b) => a - b);
  const r = await ev.evaluateModel(model, { dims: widths });
  report.quality = Object.fromEntries(widths.map((d) => [d, { recall: r[`recall@${k}/d${d}`], ndcg: r[`ndcg@${k}/d${d}`] }]));
  console.log(`test quality by width: ${widths.map((d) => `d${d} recall@${k} ${r[`recall@${k}/d${d}`].toFixed(4)}`).join(', ')}`);
}

const users = Int32Array.from({ length: model.nUsers }, (_, u) => u);
await model.finalTables();  // computed once, outside every timing

/** Mean over users of |got ∩ exact| / |exact| for row-major top-k lists (padding -1 ignored). */
function recallAgainst(exact, got) {
  let sum = 0, n = 0;
  for (let u = 0; u < users.length; u++) {
    const want = new Set();
    for (let r = 0; r < k; r++) if (exact.items[u * k + r] >= 0) want.add(exact.items[u * k + r]);
    if (want.size === 0) continue;
    let hit = 0;
    for (let r = 0; r < k; r++) if (want.has(got.items[u * k + r])) hit++;
    sum += hit / want.size;
    n++;
  }
  return sum / n;
}

const exact = await timeMedian(() => model.recommendBatch(users, { k }), runs);
report.exactSeconds = exact.seconds;
console.log(`exact full-width top-${k}, all ${users.length} users: ${exact.seconds.toFixed(3)} s (median of ${runs})`);
report.rows = [];
for (const d of dims.filter((x) => x <= D)) {
  for (const s of [0, ...shortlists]) {
    const options = s === 0 ? { k, dim: d } : { k, dim: d, shortlist: s };
    const t = await timeMedian(() => model.recommendBatch(users, options), runs);
    const row = { dim: d, shortlist: s === 0 ? null : s, recall: recallAgainst(exact.result, t.result), seconds: t.seconds,
      speedup: exact.seconds / t.seconds };
    report.rows.push(row);
    console.log(`d ${String(d).padStart(3)}  ${s === 0 ? 'prefix only   ' : `shortlist ${String(s).padStart(4)}`}  ` +
      `recall vs exact ${row.recall.toFixed(4)}  ${row.seconds.toFixed(3)} s  speedup ${row.speedup.toFixed(2)}x`);
  }
}
report.loadavgEnd = loadavg();
console.log(`load average ${report.loadavgStart} -> ${report.loadavgEnd}`);
if (opt.out) writeFileSync(opt.out, JSON.stringify(report, null, 2) + '\n');
model.dispose();
