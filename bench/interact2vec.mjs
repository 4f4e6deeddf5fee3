// Issue 5 benchmark, point 5: Interact2Vec training speed side by side with gensim on Gowalla
// train (810,128 interactions), d 64, K 5, no subsampling, 2 threads, in one run of alternating
// rounds: recforge Interact2Vec SGD through the public API (Interact2Vec.create + fit), gensim
// Doc2Vec PV-DBOW (the user is the document, its items the words: the same (user, item) work) and
// gensim Word2Vec skip-gram item2vec over the same lists (bench/gensim_peer.py). Then a quality
// sanity check: Recall@20 / NDCG@20 on Gowalla test of each model after the same epochs, all
// scored by recforge's Evaluator.
//
//   node bench/interact2vec.mjs [--rounds 3] [--epochs 5] [--skipgram-epochs 2] [--threads 2]
//        [--alpha 0.75] [--skip-skipgram] [--skip-quality] [--quality-epochs N] [--out FILE]
//
// Quality: recforge and gensim PV-DBOW after --quality-epochs (default --epochs; the models of the
// last timed round are scored when equal, fresh untimed runs otherwise), skip-gram after --epochs.
//
// Skip-gram item2vec trains sum n_u (n_u - 1) = 61.7 M pairs per epoch on Gowalla (76 per
// interaction), about a minute per epoch here, so its timed runs use --skipgram-epochs (the
// per-epoch cost does not depend on the epoch count) and its quality run, untimed, uses --epochs.
//
// PAUSE_PIDS="pid pid": processes stopped (SIGSTOP) during each timed training run only and
// continued (SIGCONT) right after; a detached watchdog continues them after --max-pause seconds
// whatever happens, and the exit handler continues them too. Other CPU use during each timed run
// (system busy time minus this benchmark's own) is recorded as othersCpuS.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { datasetsDir, machine, median, repoRoot, runPython } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    epochs: { type: 'string', default: '5' },
    'skipgram-epochs': { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    alpha: { type: 'string', default: '0.75' },
    seed: { type: 'string', default: '1' },
    'max-pause': { type: 'string', default: '170' },
    'skip-skipgram': { type: 'boolean', default: false },
    'skip-quality': { type: 'boolean', default: false },
    'quality-epochs': { type: 'string' },
    out: { type: 'string' },
  },
});
const { loadDataset, Interact2Vec, Evaluator, readNpy } = await import(path.join(repoRoot, 'dist', 'index.js'));
const gowalla = path.join(datasetsDir, 'gowalla');
const trainFile = path.join(gowalla, 'train.txt');
const rounds = Number(opt.rounds), epochs = Number(opt.epochs), sgEpochs = Number(opt['skipgram-epochs']);
const threads = Number(opt.threads), alpha = Number(opt.alpha), seed = Number(opt.seed);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ---- pausing the other jobs during timed runs only
const pausePids = (process.env.PAUSE_PIDS ?? '').split(/\s+/).filter(Boolean).map(Number);
let watchdog;
const signalAll = (sig) => pausePids.forEach((p) => { try { process.kill(p, sig); } catch { /* gone */ } });
function pause() {
  if (!pausePids.length) return;
  watchdog = spawn('sh', ['-c', `sleep ${Number(opt['max-pause'])}; kill -CONT ${pausePids.join(' ')}`], { detached: true, stdio: 'ignore' });
  watchdog.unref();
  signalAll('SIGSTOP');
}
function resume() {
  if (!pausePids.length) return;
  signalAll('SIGCONT');
  if (watchdog) { try { process.kill(-watchdog.pid, 'SIGKILL'); } catch { /* done */ } watchdog = undefined; }
}
process.on('exit', resume);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => { resume(); process.exit(130); });

// ---- CPU accounting: system busy seconds vs this process and its waited-for children
const HZ = 100;
function cpuNow() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7]; // user nice system irq softirq steal
  const self = readFileSync('/proc/self/stat', 'utf8');
  const g = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number); // fields from 3 (state) on
  const own = g[11] + g[12] + g[13] + g[14]; // utime stime cutime cstime
  return { busy: busy / HZ, own: own / HZ };
}
/** Runs fn with the other jobs paused; returns its result plus load and the CPU seconds others used meanwhile. */
async function timed(fn) {
  const loadBefore = loadavg();
  pause();
  const c0 = cpuNow();
  let result, c1;
  try {
    result = await fn();
  } finally {
    c1 = cpuNow();
    resume();
  }
  const ownCpuS = c1.own - c0.own;
  const othersCpuS = Math.max(0, (c1.busy - c0.busy) - ownCpuS);
  const r2 = (x) => Math.round(x * 100) / 100;
  return { result, loadBefore, loadAfter: loadavg(), ownCpuS: r2(ownCpuS), othersCpuS: r2(othersCpuS) };
}
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

// ---- the three trainers
const dataset = await loadDataset({ train: trainFile, test: path.join(gowalla, 'test.txt') });
const interactions = (await dataset.stats()).train;
const recforgeOptions = {
  dim: 64, negatives: 5, alpha, subsample: 0, optimizer: 'sgd', lr: 0.025, minLrRatio: 0.0001 / 0.025,
  init: 'word2vec', threads, seed,
};
let lastModel;
async function recforge(nEpochs = epochs) {
  const t0 = performance.now();
  const model = await Interact2Vec.create(dataset, recforgeOptions);
  const createS = (performance.now() - t0) / 1000;
  const ev = [];
  for await (const e of model.fit({ epochs: nEpochs })) ev.push(e);
  lastModel?.dispose();
  lastModel = model;
  return { createS, epochS: ev.map((e) => e.seconds), kept: ev.map((e) => e.kept), loss: ev.map((e) => e.loss) };
}
function gensim(model, nEpochs, save) {
  const args = ['--train', trainFile, '--model', model, '--epochs', nEpochs, '--dim', 64, '--negatives', 5,
    '--workers', threads, '--ns-exponent', alpha, '--seed', seed, '--users', dataset.nUsers, '--items', dataset.nItems];
  if (save) args.push('--save', save);
  const out = runPython('bench/gensim_peer.py', args);
  if (!out) throw new Error('gensim peer failed (apt-get install -y python3-gensim)');
  return JSON.parse(out.trim().split('\n').pop());
}

const report = {
  date: new Date().toISOString(), machine: machine(), data: 'gowalla train', interactions, threads, epochs,
  skipgramTimedEpochs: sgEpochs, recforgeOptions, paused: pausePids.length > 0, rounds: [],
};
console.log(JSON.stringify(report.machine), `threads ${threads}, ${epochs} epochs (skip-gram timed: ${sgEpochs}), alpha ${alpha}, paused ${pausePids.length} pids`);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'i2v-gensim-'));
const fmt = (xs) => xs.map((s) => s.toFixed(3)).join(' ');
for (let r = 0; r < rounds; r++) {
  const last = r === rounds - 1;
  const round = {};
  round.recforge = await timed(recforge);
  await sleep(3);
  round.dbow = await timed(() => gensim('dbow', epochs, last ? path.join(tmp, 'dbow') : undefined));
  if (!opt['skip-skipgram']) {
    await sleep(10); // let the paused jobs run between two pauses
    round.skipgram = await timed(() => gensim('skipgram', sgEpochs));
  }
  report.rounds.push(round);
  const line = (name, t, s) => `  ${name} ${fmt(s)} s/epoch (load ${t.loadBefore} -> ${t.loadAfter}, own ${t.ownCpuS} CPU-s, others ${t.othersCpuS} CPU-s)`;
  console.log(`round ${r + 1}:`);
  console.log(line('recforge  ', round.recforge, round.recforge.result.epochS));
  console.log(line('gensim dbow', round.dbow, round.dbow.result.epoch_s));
  if (round.skipgram) console.log(line('gensim sg  ', round.skipgram, round.skipgram.result.epoch_s));
  if (!last) await sleep(10);
}

// ---- summary: medians of epochs 2+ over all rounds (epoch 1 carries one-time costs on both sides)
const later = (get) => report.rounds.flatMap((r) => get(r)?.slice(1) ?? []);
const sum = {};
const rf = median(later((r) => r.recforge.result.epochS));
sum.recforge = { epochS: rf, interactionsPerS: interactions / rf, pairsPerS: interactions / rf, perCorePairsPerS: interactions / rf / threads };
// per CPU-second actually used (create + all epochs of a run; undefined without /proc accounting)
const rfCpu = report.rounds.map((r) => r.recforge.ownCpuS).filter((x) => x > 0);
if (rfCpu.length) sum.recforge.pairsPerCpuS = (interactions * epochs) / median(rfCpu);
const db = median(later((r) => r.dbow.result.epoch_s));
sum.gensimDbow = { epochS: db, interactionsPerS: interactions / db, pairsPerS: interactions / db };
if (!opt['skip-skipgram']) {
  // with 2 timed epochs, "epochs 2+" is one epoch per round; use all epochs when there is only one
  const sgAll = sgEpochs > 1 ? later((r) => r.skipgram.result.epoch_s) : report.rounds.flatMap((r) => r.skipgram.result.epoch_s);
  const sg = median(sgAll);
  const pairs = report.rounds[0].skipgram.result.pairs_per_epoch;
  sum.gensimSkipgram = { epochS: sg, interactionsPerS: interactions / sg, pairsPerEpoch: pairs, pairsPerS: pairs / sg, window: report.rounds[0].skipgram.result.window };
}
sum.ratios = {
  recforgeOverDbowInteractions: sum.recforge.interactionsPerS / sum.gensimDbow.interactionsPerS,
  ...(sum.gensimSkipgram && {
    recforgeOverSkipgramInteractions: sum.recforge.interactionsPerS / sum.gensimSkipgram.interactionsPerS,
    recforgeOverSkipgramPairs: sum.recforge.pairsPerS / sum.gensimSkipgram.pairsPerS,
  }),
  recforgePerCoreOverWord2vecC: sum.recforge.perCorePairsPerS / 0.7e6,
};
sum.gensimFastVersion = report.rounds[0].dbow.result.fast_version;
sum.gensimOptimizedC = report.rounds[0].dbow.result.optimized_c;
report.summary = sum;
console.log(`recforge Interact2Vec: ${rf.toFixed(3)} s/epoch, ${(sum.recforge.interactionsPerS / 1e6).toFixed(2)} M interactions/s ` +
  `(${(sum.recforge.perCorePairsPerS / 1e6).toFixed(2)} M per core; word2vec C ~0.7 M pairs/s/core at d 100 -> ${sum.ratios.recforgePerCoreOverWord2vecC.toFixed(1)}x)`);
console.log(`gensim PV-DBOW:        ${db.toFixed(3)} s/epoch, ${(sum.gensimDbow.interactionsPerS / 1e6).toFixed(2)} M interactions/s; ` +
  `recforge / gensim = ${sum.ratios.recforgeOverDbowInteractions.toFixed(1)}x  (FAST_VERSION ${sum.gensimFastVersion})`);
if (sum.gensimSkipgram) {
  const s = sum.gensimSkipgram;
  console.log(`gensim skip-gram:      ${s.epochS.toFixed(2)} s/epoch, ${(s.interactionsPerS / 1e6).toFixed(3)} M interactions/s, ` +
    `${(s.pairsPerS / 1e6).toFixed(2)} M pairs/s (${(s.pairsPerEpoch / 1e6).toFixed(1)} M pairs/epoch, window ${s.window}); ` +
    `recforge / gensim = ${sum.ratios.recforgeOverSkipgramInteractions.toFixed(0)}x per interaction, ${sum.ratios.recforgeOverSkipgramPairs.toFixed(1)}x per pair`);
}

// ---- quality after the same epochs (untimed, nothing paused)
if (!opt['skip-quality']) {
  const evaluator = new Evaluator(dataset, { k: 20, metrics: ['recall', 'ndcg'], threads });
  const pick = (m) => ({ 'recall@20': m['recall@20'], 'ndcg@20': m['ndcg@20'] });
  const q = { loadBefore: loadavg() };
  q.popularity = pick(await evaluator.popularity());
  const qEpochs = Number(opt['quality-epochs'] ?? epochs);
  q.epochs = qEpochs;
  q.skipgramEpochs = epochs;
  if (qEpochs !== epochs) await recforge(qEpochs);
  q.recforge = pick(await evaluator.evaluateModel(lastModel));
  q.recforgeFinalLoss = lastModel.history.at(-1).loss;
  const fromNpy = async (dir) => pick(await evaluator.evaluate(await readNpy(path.join(dir, 'users.npy')), await readNpy(path.join(dir, 'items.npy'))));
  if (qEpochs !== epochs) gensim('dbow', qEpochs, path.join(tmp, 'dbow'));
  q.gensimDbow = await fromNpy(path.join(tmp, 'dbow'));
  if (!opt['skip-skipgram']) {
    const sgRun = gensim('skipgram', epochs, path.join(tmp, 'skipgram'));
    q.gensimSkipgram = { ...(await fromNpy(path.join(tmp, 'skipgram'))), unpausedEpochS: sgRun.epoch_s };
  }
  q.loadAfter = loadavg();
  report.quality = q;
  console.log(`quality after ${qEpochs} epochs, skip-gram ${epochs} (Recall@20 / NDCG@20 on test): popularity ${q.popularity['recall@20'].toFixed(4)} / ${q.popularity['ndcg@20'].toFixed(4)}, ` +
    `recforge ${q.recforge['recall@20'].toFixed(4)} / ${q.recforge['ndcg@20'].toFixed(4)}, ` +
    `gensim PV-DBOW ${q.gensimDbow['recall@20'].toFixed(4)} / ${q.gensimDbow['ndcg@20'].toFixed(4)}` +
    (q.gensimSkipgram ? `, gensim skip-gram ${q.gensimSkipgram['recall@20'].toFixed(4)} / ${q.gensimSkipgram['ndcg@20'].toFixed(4)}` : ''));
}
lastModel?.dispose();
rmSync(tmp, { recursive: true, force: true });
report.loadEnd = loadavg();
if (opt.out) writeFileSync(opt.out, JSON.stringify(report, null, 1) + '\n');
