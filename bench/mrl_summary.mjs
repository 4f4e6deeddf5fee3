// Summarizes the JSON logs of bench/parity/mrl-accuracy.sh: for each run the evaluation with the
// best test Recall@10 (the authors' selection rule), its 64-d and per-level Recall@20 / NDCG@20,
// then means over seeds per (dataset, mode).
//   node bench/mrl_summary.mjs run-dir [--json out.json]
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node bench/mrl_summary.mjs run-dir [--json out.json]');
  process.exit(2);
}
const jsonOut = process.argv.indexOf('--json') > 0 ? process.argv[process.argv.indexOf('--json') + 1] : undefined;
const runs = [];
for (const f of readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort()) {
  const m = /^(.*)-(mns|shared|dns)-seed(\d+)\.jsonl$/.exec(f);
  if (!m) continue;
  const evals = readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    .filter((r) => r['recall@10'] !== undefined);
  if (evals.length === 0) continue;
  // Strict improvement keeps the earliest best, as the reference's early stopping does.
  const best = evals.reduce((a, b) => (b['recall@10'] > a['recall@10'] ? b : a));
  const last = evals[evals.length - 1];
  runs.push({ dataset: m[1], mode: m[2], seed: Number(m[3]), done: readdirSync(dir).includes(`${f}.done`), bestEpoch: best.epoch, lastEpoch: last.epoch, best });
}
const levels = [4, 8, 16, 32, 64];
const fmt = (x) => (x === undefined ? '-' : x.toFixed(4));
console.log('| dataset | negatives | seed | best epoch (of) | R@20 d64 | N@20 d64 | ' + levels.map((d) => `R@20 d${d}`).join(' | ') + ' |');
console.log('|---|---|---|---|---|---|' + levels.map(() => '---').join('|') + '|');
for (const r of runs)
  console.log(`| ${r.dataset} | ${r.mode} | ${r.seed} | ${r.bestEpoch} (${r.lastEpoch}${r.done ? '' : ', running'}) | ${fmt(r.best['recall@20'])} | ${fmt(r.best['ndcg@20'])} | ` +
    levels.map((d) => fmt(r.best[`recall@20/d${d}`])).join(' | ') + ' |');
const groups = new Map();
for (const r of runs) {
  const k = `${r.dataset} ${r.mode}`;
  if (!groups.has(k)) groups.set(k, []);
  groups.get(k).push(r);
}
console.log('\nmeans over seeds:');
const means = [];
for (const [k, rs] of groups) {
  const mean = (key) => rs.reduce((s, r) => s + r.best[key], 0) / rs.length;
  const row = { group: k, seeds: rs.length, 'recall@20': mean('recall@20'), 'ndcg@20': mean('ndcg@20') };
  for (const d of levels) row[`recall@20/d${d}`] = mean(`recall@20/d${d}`);
  means.push(row);
  console.log(`${k} (${rs.length} seeds): R@20 ${fmt(row['recall@20'])}  N@20 ${fmt(row['ndcg@20'])}  ` +
    levels.map((d) => `d${d} ${fmt(row[`recall@20/d${d}`])}`).join('  '));
}
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ runs, means }, null, 1));
