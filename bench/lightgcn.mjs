// Issue 3 benchmark: LightGCN (K=3) and MF-BPR training epochs and full evaluations on Gowalla,
// recforge vs a faithful PyTorch reference (bench/torch_lightgcn.py, torch.sparse.mm, 2 threads)
// in one run; the propagation kernel alone next to measured memory bandwidth; peak memory of a
// training process next to the size of the model state.
//
//   node bench/lightgcn.mjs [--epochs 2] [--torch-epochs 1] [--skip-torch]
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { datasetsDir, machine, median, repoRoot, runNativeBench } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    epochs: { type: 'string', default: '2' },
    'torch-epochs': { type: 'string', default: '1' },
    'skip-torch': { type: 'boolean', default: false },
    threads: { type: 'string', default: '2' },
  },
});
const gowalla = path.join(datasetsDir, 'gowalla');
const threads = Number(opt.threads);
const report = { date: new Date().toISOString(), machine: machine(), threads };
const loadavg = () => spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ');

/** Runs a JSON-lines trainer command; returns its records and the child's peak RSS (MiB). */
function trainRun(cmd, args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB %M', cmd, ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  const records = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const rss = Number(/MAXRSS_KB (\d+)/.exec(r.stderr)?.[1]) / 1024;
  return { records, rssMiB: rss };
}

function summarize(name, run) {
  const epochs = run.records.filter((x) => typeof x.train_s === 'number');
  const evals = run.records.filter((x) => typeof x.eval_s === 'number');
  const s = {
    epochSeconds: median(epochs.map((x) => x.train_s)),
    evalSeconds: evals.length ? median(evals.map((x) => x.eval_s)) : undefined,
    losses: epochs.map((x) => x.loss),
    recall20: evals.map((x) => x['recall@20']),
    ndcg20: evals.map((x) => x['ndcg@20']),
    peakRssMiB: run.rssMiB,
    loadavg: loadavg(),
  };
  console.log(`${name.padEnd(22)} epoch ${s.epochSeconds.toFixed(2)} s (median of ${epochs.length}), eval ${s.evalSeconds?.toFixed(2)} s, ` +
    `loss ${s.losses.map((l) => l.toFixed(4)).join(' ')}, recall@20 ${s.recall20.map((v) => v.toFixed(4)).join(' ')}, ` +
    `peak RSS ${s.peakRssMiB.toFixed(0)} MiB, load ${s.loadavg}`);
  return s;
}

const files = ['--train', path.join(gowalla, 'train.txt'), '--test', path.join(gowalla, 'test.txt')];
const common = ['--dim', '64', '--batch', '2048', '--lr', '0.001', '--reg', '0.0001', '--seed', '2020', '--threads', String(threads), '--k', '20', '--json'];
const cli = [path.join(repoRoot, 'dist', 'cli', 'main.js'), 'train', ...files, ...common, '--sampler', 'tf', '--eval-every', opt.epochs, '--epochs', opt.epochs];
const torchArgs = (model, layers) => [path.join(repoRoot, 'bench', 'torch_lightgcn.py'), '--data', gowalla, '--model', model, '--layers', String(layers),
  '--dim', '64', '--batch', '2048', '--lr', '0.001', '--reg', '0.0001', '--threads', String(threads), '--sampler', 'tf', '--seed', '2020',
  '--epochs', opt['torch-epochs'], '--eval-every', opt['torch-epochs'], '--json'];

console.log(JSON.stringify(report.machine), `threads ${threads}`);
const results = {};
for (const [model, layers] of [['lightgcn', 3], ['mf', 0]]) {
  results[`recforge-${model}`] = summarize(`recforge ${model}`, trainRun(process.execPath, [...cli, '--model', model, '--layers', String(layers)]));
  if (!opt['skip-torch']) {
    results[`torch-${model}`] = summarize(`pytorch ${model}`, trainRun('/usr/bin/python3', torchArgs(model, layers)));
  }
}
for (const model of ['lightgcn', 'mf']) {
  const a = results[`recforge-${model}`], b = results[`torch-${model}`];
  if (a && b)
    console.log(`${model}: pytorch/recforge = ${(b.epochSeconds / a.epochSeconds).toFixed(1)}x per epoch, ` +
      `${(b.evalSeconds / a.evalSeconds).toFixed(1)}x per evaluation`);
}
// Model state: layer-0 table + Adam m and v, float32.
const rows = 29858 + 40981;
report.modelStateMiB = (3 * rows * 64 * 4) / 2 ** 20;
console.log(`model state (E0 + Adam m, v): ${report.modelStateMiB.toFixed(1)} MiB; peak RSS of the recforge LightGCN process: ` +
  `${results['recforge-lightgcn'].peakRssMiB.toFixed(0)} MiB (includes Node itself, the dataset and the evaluator)`);

// Kernel alone: propagation ns/edge and GB/s, next to the memory bandwidth probe.
const kernel = runNativeBench('bench_lightgcn', ['--epochs', '0']);
console.log(kernel.trimEnd().replace(/^/gm, '  native | '));
const bw = runNativeBench('bench_load', [path.join(gowalla, 'train.txt')]);
console.log(bw.trimEnd().split('\n').filter((l) => l.startsWith('memory')).join('\n').replace(/^/gm, '  native | '));
report.results = results;
report.kernel = kernel;
writeFileSync(path.join(repoRoot, 'bench', 'results', 'lightgcn-latest.json'), JSON.stringify(report, null, 2) + '\n');
