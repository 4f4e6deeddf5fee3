// Issue 4 benchmark: MRL4Rec training epochs on amazon-phone (MF backbone, d 64, levels 4..64,
// MNS with N = 16, B = 2048 dropping the last batch, Adam 1e-3, lambda 1e-4), recforge (the CLI,
// i.e. the public API end to end) vs the PyTorch reference (bench/torch_mrl.py, 2 threads,
// OMP_WAIT_POLICY=PASSIVE) in alternating rounds of one run, then where recforge's step time
// goes (bench/native/bench_matryoshka phase breakdown) next to the reference's own breakdown.
//
//   node bench/mrl.mjs [--rounds 3] [--epochs 3] [--threads 2] [--skip-torch] [--out FILE]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { datasetsDir, machine, median, repoRoot, runNativeBench } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    'skip-torch': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const phone = path.join(datasetsDir, 'amazon-phone');
const threads = opt.threads, epochs = opt.epochs;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** JSON lines of a command's stdout (objects with train_s are epochs). */
function jsonLines(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: repoRoot, encoding: 'utf8', env, maxBuffer: 1 << 26 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.error?.message ?? r.stderr}`);
  return r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).filter((x) => typeof x.train_s === 'number');
}

const recforge = () => jsonLines(process.execPath, [path.join(repoRoot, 'dist', 'cli', 'main.js'), 'train', '--model', 'mrl',
  '--train', path.join(phone, 'train.txt'), '--candidates', '16', '--negatives', 'mns', '--seed', '2022',
  '--epochs', epochs, '--threads', threads, '--json']);
const torchEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
delete torchEnv.OPENBLAS_CORETYPE;
const pytorch = () => jsonLines('/usr/bin/python3', [path.join(repoRoot, 'bench', 'torch_mrl.py'), '--data', phone,
  '--negatives', 'mns', '--candidates', '16', '--seed', '2022', '--threads', threads, '--time-epochs', epochs, '--json'], torchEnv);

const report = { date: new Date().toISOString(), machine: machine(), threads: Number(threads), epochs: Number(epochs), rounds: [] };
console.log(JSON.stringify(report.machine), `threads ${threads}, ${epochs} epochs per run`);
for (let r = 0; r < Number(opt.rounds); r++) {
  const round = { loadBefore: loadavg() };
  round.recforge = recforge().map((e) => e.train_s);
  if (!opt['skip-torch']) {
    const t = pytorch();
    round.pytorch = t.map((e) => e.train_s);
    round.pytorchPhases = t.map((e) => ({ cand_s: e.cand_s, score_s: e.score_s, loss_s: e.loss_s, step_s: e.step_s }));
  }
  round.loadAfter = loadavg();
  report.rounds.push(round);
  console.log(`round ${r + 1}: recforge ${round.recforge.map((s) => s.toFixed(3)).join(' ')} s` +
    (round.pytorch ? `, pytorch ${round.pytorch.map((s) => s.toFixed(3)).join(' ')} s` : '') + `  (load ${round.loadBefore} -> ${round.loadAfter})`);
}
// Epoch 1 includes one-time costs on both sides (allocation, warm-up): medians over the later epochs.
const later = (key) => report.rounds.flatMap((r) => (r[key] ?? []).slice(1));
report.recforgeEpochSeconds = median(later('recforge'));
console.log(`recforge: ${report.recforgeEpochSeconds.toFixed(3)} s per epoch (median of epochs 2+ over all rounds)`);
if (!opt['skip-torch']) {
  report.pytorchEpochSeconds = median(later('pytorch'));
  report.ratio = report.pytorchEpochSeconds / report.recforgeEpochSeconds;
  const ph = report.rounds.flatMap((r) => r.pytorchPhases.slice(1));
  report.pytorchPhases = Object.fromEntries(['cand_s', 'score_s', 'loss_s', 'step_s'].map((k) => [k, median(ph.map((p) => p[k]))]));
  console.log(`pytorch:  ${report.pytorchEpochSeconds.toFixed(3)} s per epoch; pytorch / recforge = ${report.ratio.toFixed(1)}x`);
  console.log(`pytorch phases per epoch: candidates ${report.pytorchPhases.cand_s.toFixed(3)} s, scoring ${report.pytorchPhases.score_s.toFixed(3)} s, ` +
    `forward+loss ${report.pytorchPhases.loss_s.toFixed(3)} s, backward+Adam ${report.pytorchPhases.step_s.toFixed(3)} s`);
}
// Where recforge's time goes: the core's per-phase clocks for the same recipe.
report.native = runNativeBench('bench_matryoshka', [path.join(phone, 'train.txt'), '--epochs', '4', '--threads', threads]);
process.stdout.write(report.native);
report.loadEnd = loadavg();
if (opt.out) writeFileSync(opt.out, JSON.stringify(report, null, 1) + '\n');
