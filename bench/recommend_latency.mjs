// Issue 6 point 5 (in-process part): latency of the synchronous single-user serving path,
// model.recommendSync(user, { k: 10 }), seen items excluded, on one thread. A quick model is
// trained through the public API on gowalla (dim 64), warmed once (final embeddings and the packed
// item table are cached natively), then ~2000 random users are timed call by call: p50 / p99 /
// mean microseconds, for the full width and for prefixes / coarse-to-fine (the prefix variants run
// on the same table: their latency does not depend on how the model was trained; their quality
// does, see prefix-retrieval-latest.json for a nested model).
//
// The full-width variant is timed once per certified scan route (int8 / bf16 / float panels,
// switched with the addon's servingScan), the routes interleaved over --rounds rounds so that
// machine noise hits them alike; each route is first checked against recommendBatch.
//
//   node bench/recommend_latency.mjs [--data DIR] [--model lightgcn|mf] [--epochs 1] [--users 2000]
//        [--k 10] [--rounds 3] [--pause] [--out FILE]
//
// --pause: SIGSTOP the background `cli/main.js train` processes during the timed part only (a few
// seconds), resuming them on every exit path.
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset, LightGCN, MF, Trainer } from '../dist/index.js';
import { addon } from '../dist/native.js';
import { datasetsDir, machine } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(datasetsDir, 'gowalla') },
    model: { type: 'string', default: 'lightgcn' },
    epochs: { type: 'string', default: '1' },
    users: { type: 'string', default: '2000' },
    k: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    pause: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const k = Number(opt.k), nQueries = Number(opt.users);

const data = await Dataset.load({ train: path.join(opt.data, 'train.txt') });
const Model = opt.model === 'mf' ? MF : LightGCN;
const model = await Model.create(data, { dim: 64, seed: 1, ...(opt.model === 'mf' ? {} : { layers: 3 }) });
const t0 = performance.now();
for await (const _ of new Trainer(model, { lr: 0.001 }).fit({ epochs: Number(opt.epochs) })) void _;
const trainSeconds = (performance.now() - t0) / 1000;
const w0 = performance.now();
await model.warmup();
const warmupSeconds = (performance.now() - w0) / 1000;
console.log(`${model.kind} dim ${model.dim}, ${model.nUsers} users x ${model.nItems} items, trained ${opt.epochs} epoch(s) in ${trainSeconds.toFixed(1)} s, warm-up ${(warmupSeconds * 1000).toFixed(0)} ms`);

// Seeded random users (mulberry32).
let seed = 12345;
const rand = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const users = Int32Array.from({ length: nQueries }, () => Math.floor(rand() * model.nUsers));

// Correctness first: the sync path returns what the batched path returns, on every route.
const native = addon();
const routes = native.servingScan().int8Supported ? ['int8', 'bf16', 'float'] : ['bf16', 'float'];
const check = await model.recommendBatch(users.subarray(0, 200), { k });
for (const route of [...routes, 'auto']) {
  native.servingScan(route);
  for (let q = 0; q < 200; q++) {
    const s = model.recommendSync(users[q], { k });
    for (let r = 0; r < k; r++)
      if (s.items[r] !== check.items[q * k + r] || s.scores[r] !== check.scores[q * k + r])
        throw new Error(`recommendSync (${route} scan) differs from recommendBatch for user ${users[q]} at rank ${r}`);
  }
}

const variants = [
  { name: `full d64 top-${k} (auto route)`, options: { k } },
  { name: `prefix d32 top-${k}`, options: { k, dim: 32 } },
  { name: `prefix d16 top-${k}`, options: { k, dim: 16 } },
  { name: `coarse-to-fine d16 shortlist 200 -> d64 top-${k}`, options: { k, dim: 16, shortlist: 200 } },
  { name: `coarse-to-fine d8 shortlist 200 -> d64 top-${k}`, options: { k, dim: 8, shortlist: 200 } },
  { name: `coarse-to-fine d16 shortlist 50 -> d64 top-${k}`, options: { k, dim: 16, shortlist: 50 } },
  { name: `coarse-to-fine d32 shortlist 50 -> d64 top-${k}`, options: { k, dim: 32, shortlist: 50 } },
  { name: `full d64 top-${k}, allow 1000 random items`, options: { k, allow: Int32Array.from({ length: 1000 }, () => Math.floor(rand() * model.nItems)) } },
];

function sampleVariant(options) {
  for (let q = 0; q < Math.min(300, nQueries); q++) model.recommendSync(users[q], options);  // warm caches and JIT
  const us = new Float64Array(nQueries);
  let sink = 0;
  for (let q = 0; q < nQueries; q++) {
    const a = process.hrtime.bigint();
    const r = model.recommendSync(users[q], options);
    us[q] = Number(process.hrtime.bigint() - a) / 1000;
    sink += r.items[0];
  }
  return { us, sink };
}
function stats(samples) {
  const n = samples.length, s = Float64Array.from(samples).sort();
  const mean = s.reduce((x, y) => x + y, 0) / n;
  return { p50: s[Math.floor(0.5 * n)], p99: s[Math.floor(0.99 * n)], mean };
}
function timeVariant(options) {
  return stats(sampleVariant(options).us);
}
// The full-width variant per route, interleaved: round r times every route once.
function timeRoutes(options, rounds) {
  const samples = Object.fromEntries(routes.map((r) => [r, []]));
  for (let round = 0; round < rounds; round++)
    for (const route of routes) {
      native.servingScan(route);
      samples[route].push(...sampleVariant(options).us);
    }
  native.servingScan('auto');
  return routes.map((route) => ({ route, ...stats(samples[route]) }));
}

// The timed part: optionally pause the background training jobs (always resumed).
let paused = [], pausedCount = 0;
const resume = () => {
  for (const p of paused) {
    try { process.kill(p, 'SIGCONT'); } catch { /* already gone */ }
  }
  paused = [];
};
process.on('exit', resume);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { resume(); process.exit(130); });
if (opt.pause) {
  try {
    paused = execFileSync('pgrep', ['-f', 'cli/main.js train'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number).filter((p) => p !== process.pid);
  } catch { paused = []; }
  pausedCount = paused.length;
  const watchdog = setTimeout(resume, 110_000);  // never longer than 2 minutes, whatever happens
  watchdog.unref();
  for (const p of paused) process.kill(p, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 1000));  // let the CPUs settle
}
const loadStart = loadavg();
const results = [];
const print = (name, r) =>
  console.log(`${name.padEnd(52)} p50 ${r.p50.toFixed(1).padStart(7)} us  p99 ${r.p99.toFixed(1).padStart(7)} us  mean ${r.mean.toFixed(1).padStart(7)} us`);
try {
  for (const r of timeRoutes({ k }, Number(opt.rounds))) {
    const name = `full d64 top-${k}, ${r.route} scan (${opt.rounds} interleaved rounds)`;
    results.push({ variant: name, options: { k }, route: r.route, p50Us: r.p50, p99Us: r.p99, meanUs: r.mean });
    print(name, r);
  }
  for (const v of variants) {
    const r = timeVariant(v.options);
    results.push({ variant: v.name, options: { ...v.options, allow: v.options.allow ? `${v.options.allow.length} ids` : undefined }, p50Us: r.p50, p99Us: r.p99, meanUs: r.mean });
    print(v.name, r);
  }
} finally {
  resume();
}
const report = {
  date: new Date().toISOString(), machine: machine(), command: `node bench/recommend_latency.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  model: `${model.kind} dim 64${opt.model === 'mf' ? '' : ', 3 layers'}, ${opt.epochs} epoch(s) Adam lr 0.001, seed 1`,
  data: opt.data, users: model.nUsers, items: model.nItems, queries: nQueries, k, rounds: Number(opt.rounds), thread: 'one (the calling thread)',
  autoRoute: routes[0],
  pausedBackgroundJobs: opt.pause ? pausedCount : false, loadavgAtStartOfTiming: loadStart, loadavgEnd: loadavg(),
  trainSeconds, warmupSeconds, results,
};
writeFileSync(opt.out ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'recommend-latency-latest.json'), JSON.stringify(report, null, 2) + '\n');
model.dispose();
data.dispose();
