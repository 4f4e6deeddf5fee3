// Issue 6 point 5 (server part): load test of `recforge serve` on loopback with autocannon.
// A gowalla LightGCN model (dim 64, 3 layers) is trained for a few epochs through the public API
// and saved (or --model FILE is used), `recforge serve --model FILE --port 0` runs in a child
// process, and autocannon sends single-user top-10 requests for random users
// (GET /recommend?user=U&k=10) over 10 and 1,000 connections. Every --check-every-th response is
// compared with the in-process answer of the same model file (items and scores exactly). Reports
// throughput, latency percentiles, errors / timeouts / non-2xx, the server's CPU time, and the
// in-process recommendSync latency of the same model for comparison; then SIGTERM and the exit
// code. Latency does not depend on how well the model is trained: a few epochs are enough.
//
//   node bench/serve_load.mjs [--data DIR] [--model FILE | --keep-model FILE] [--epochs 2]
//        [--connections 10,1000] [--duration 15] [--repeat 2] [--check-every 25] [--out FILE]
//
// --keep-model FILE: save the trained model there (for later runs with --model FILE).
//
// Nothing is paused: the machine is shared, and the load average is recorded around each run.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Dataset, LightGCN, Trainer, loadModel, saveModel } from '../dist/index.js';
import { datasetsDir, machine, repoRoot } from './lib.mjs';

const { values: opt } = parseArgs({
  options: {
    data: { type: 'string', default: path.join(datasetsDir, 'gowalla') },
    model: { type: 'string' },
    epochs: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10,1000' },
    duration: { type: 'string', default: '15' },
    'check-every': { type: 'string', default: '25' },
    repeat: { type: 'string', default: '2' },
    'keep-model': { type: 'string' },
    out: { type: 'string', default: path.join(repoRoot, 'bench', 'results', 'serve-load-gowalla.json') },
  },
});
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const K = 10;
const checkEvery = Number(opt['check-every']);

// Seeded random users (mulberry32).
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// 1. The model file.
let file = opt.model;
if (!file) {
  file = opt['keep-model'] ?? path.join(mkdtempSync(path.join(tmpdir(), 'recforge-serve-load-')), 'gowalla-lightgcn.rfm');
  const data = await Dataset.load({ train: path.join(opt.data, 'train.txt') });
  const model = await LightGCN.create(data, { dim: 64, layers: 3, seed: 1 });
  for await (const e of new Trainer(model, { lr: 0.001 }).fit({ epochs: Number(opt.epochs) })) console.log(`epoch ${e.epoch} loss ${e.loss.toFixed(4)} ${e.seconds.toFixed(1)} s`);
  await saveModel(model, file);
  model.dispose();
  data.dispose();
}
const ref = await loadModel(file, { family: 'lightgcn', threads: 1 });
const training = {
  epochs: ref.history.length, seconds: ref.history.reduce((a, e) => a + e.seconds, 0), lastLoss: ref.history.at(-1)?.loss,
  how: opt.model ? `model file ${opt.model}` : `trained here: Adam lr 0.001, batch 2048, seed 1`,
};
await ref.warmup();
console.log(`${ref.kind} dim ${ref.dim}, ${ref.nUsers} users x ${ref.nItems} items (${file})`);

// 2. In-process recommendSync latency of the same model, on this (one) thread.
function inProcessLatency(n) {
  const rand = rng(777);
  const users = Int32Array.from({ length: n }, () => Math.floor(rand() * ref.nUsers));
  for (let q = 0; q < 300; q++) ref.recommendSync(users[q], { k: K });
  const us = new Float64Array(n);
  for (let q = 0; q < n; q++) {
    const a = process.hrtime.bigint();
    ref.recommendSync(users[q], { k: K });
    us[q] = Number(process.hrtime.bigint() - a) / 1000;
  }
  const s = Float64Array.from(us).sort();
  return { queries: n, p50Us: s[Math.floor(0.5 * n)], p99Us: s[Math.floor(0.99 * n)], meanUs: us.reduce((x, y) => x + y, 0) / n };
}
const inProcess = { loadavg: loadavg(), ...inProcessLatency(2000) };
console.log(`in-process recommendSync top-${K}: p50 ${inProcess.p50Us.toFixed(1)} us, p99 ${inProcess.p99Us.toFixed(1)} us`);

// 3. The server, as users run it.
const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
const child = spawn(process.execPath, [cli, 'serve', '--model', file, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
let serverOut = '';
child.stdout.setEncoding('utf8').on('data', (c) => (serverOut += c));
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
process.on('exit', () => child.kill('SIGKILL'));
const url = await new Promise((resolve, reject) => {
  const timer = setInterval(() => {
    const m = /listening on (http:\/\/\S+)/.exec(serverOut);
    if (m) clearInterval(timer), resolve(m[1]);
  }, 20);
  exited.then((e) => reject(new Error(`server exited before listening: ${JSON.stringify(e)}`)));
});
console.log(`server pid ${child.pid} at ${url}`);
const cpuSeconds = () => {
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // utime + stime in clock ticks (USER_HZ = 100)
};
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;

// 4. Load runs: random users, every checkEvery-th answer compared with the in-process one.
async function load(connections, duration, seed, path = undefined) {
  const rand = rng(seed);
  const check = { checked: 0, wrong: 0, firstWrong: undefined };
  let n = 0;
  const request = {
    method: 'GET',
    setupRequest(req, context) {
      context.user = Math.floor(rand() * ref.nUsers);
      return { ...req, path: path ?? `/recommend?user=${context.user}&k=${K}` };
    },
    onResponse(status, body, context) {
      if (path || status !== 200 || ++n % checkEvery !== 0) return;
      check.checked++;
      const got = JSON.parse(body);
      const want = ref.recommendSync(context.user, { k: K });
      const same = got.user === context.user && got.items.length === K &&
        got.items.every((it, r) => it === want.items[r] && got.scores[r] === want.scores[r]);
      if (!same) {
        check.wrong++;
        check.firstWrong ??= { user: context.user, got, want: { items: Array.from(want.items), scores: Array.from(want.scores) } };
      }
    },
  };
  const before = { loadavg: loadavg(), cpu: cpuSeconds(), client: process.cpuUsage() };
  // autocannon's histogram keeps whole milliseconds; the 'response' event has the exact time.
  const times = [];
  const instance = autocannon({ url, connections, duration, requests: [request], timeout: 30 });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) times.push(ms);
  });
  const r = await instance;
  const cpu = cpuSeconds() - before.cpu;
  const client = process.cpuUsage(before.client);
  const s = Float64Array.from(times).sort();
  const at = (p) => Number(s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(3));
  const l = r.latency;
  return {
    path: path ?? `/recommend?user=<random>&k=${K}`, connections, durationS: duration, requests: r.requests.total, throughputRps: r.requests.average,
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Number(s[s.length - 1].toFixed(3)), mean: Number((s.reduce((a, b) => a + b, 0) / s.length).toFixed(3)) },
    autocannonLatencyMs: { p50: l.p50, p99: l.p99, note: 'autocannon histogram, whole milliseconds' },
    errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx, resets: r.resets,
    statusCodes: r.statusCodeStats, answersChecked: check.checked, answersWrong: check.wrong, firstWrong: check.firstWrong,
    serverCpuSeconds: cpu, serverCpuPerRequestUs: (cpu / Math.max(1, r.requests.total)) * 1e6, serverRssMiB: rssMiB(),
    // Cores each side got on average: on a shared machine, throughput is bounded by these.
    serverCores: cpu / duration, clientCores: (client.user + client.system) / 1e6 / duration,
    loadavgBefore: before.loadavg, loadavgAfter: loadavg(),
  };
}

await load(10, 3, 1);  // warm-up (JIT, connections), not reported
const runs = [];
for (let rep = 0; rep < Number(opt.repeat); rep++) for (const c of opt.connections.split(',').map(Number)) {
  const r = { repeat: rep + 1, ...await load(c, Number(opt.duration), 100 * rep + c) };
  runs.push(r);
  console.log(`${String(c).padStart(5)} connections: ${r.throughputRps.toFixed(0)} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ` +
    `errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}, answers checked ${r.answersChecked} (wrong ${r.answersWrong}), ` +
    `server CPU ${r.serverCpuPerRequestUs.toFixed(0)} us/request (${r.serverCores.toFixed(2)} cores; client ${r.clientCores.toFixed(2)}), load ${r.loadavgBefore} -> ${r.loadavgAfter}`);
}

// The HTTP stack alone (fastify, JSON, loopback TCP, the client): GET /health, no model work.
const healthBaseline = await load(10, Number(opt.duration), 9, '/health');
console.log(`GET /health, 10 connections: ${healthBaseline.throughputRps.toFixed(0)} req/s, p50 ${healthBaseline.latencyMs.p50} ms, ` +
  `server CPU ${healthBaseline.serverCpuPerRequestUs.toFixed(0)} us/request`);

// 5. Still up and healthy, then a graceful stop.
const health = await (await fetch(`${url}/health`)).json();
const t0 = performance.now();
child.kill('SIGTERM');
const exit = await exited;
const shutdown = { signal: 'SIGTERM', exitCode: exit.code, seconds: (performance.now() - t0) / 1000, stdoutTail: serverOut.trim().split('\n').slice(-2) };
console.log(`health after load: ${JSON.stringify(health)}; SIGTERM -> exit ${exit.code} in ${shutdown.seconds.toFixed(2)} s`);

const report = {
  date: new Date().toISOString(), machine: machine(), command: `node bench/serve_load.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  note: 'client (autocannon, one process) and server (one process, one JS thread) share the same 2 cores; nothing paused',
  data: opt.data, model: { kind: ref.kind, dim: ref.dim, layers: ref.config.layers, users: ref.nUsers, items: ref.nItems, training },
  request: `GET /recommend?user=<random dense id>&k=${K} (seen items excluded)`, checkEvery,
  inProcessRecommendSync: inProcess, runs, healthBaseline, healthAfterLoad: health, shutdown,
};
writeFileSync(opt.out, JSON.stringify(report, null, 2) + '\n');
ref.dispose();
const failed = [...runs, healthBaseline].some((r) => r.errors || r.timeouts || r.non2xx || r.answersWrong) || exit.code !== 0;
process.exitCode = failed ? 1 : 0;
