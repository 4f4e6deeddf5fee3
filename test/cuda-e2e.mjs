// GPU end-to-end check of the CUDA addon, runnable on its own (`node test/cuda-e2e.mjs`, after
// `npx tsc -p tsconfig.json` and `npm run build:cuda`; scripts/gpu/addon-check.sh runs it on a
// GPU machine) and spawned by test/backends.test.ts. Prints one JSON object on the last line:
//   { skip: reason }                    when CUDA is not available (no CUDA addon, no GPU)
//   { ok, failures: [...], cpu, cuda, ... } otherwise
// The checks: LightGCN and MF trained 2 epochs on device 'cpu' and 'cuda' from the same seed
// agree (losses to 1e-4 relative, metrics to 1e-3); the GPU run really ran on the GPU; a GPU
// checkpoint resumes on the GPU to the uninterrupted result; recommend works after GPU
// training; lazy-adam on a 'cuda' model is E_INVALID_ARG; Matryoshka 'auto' stays on CPU.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const rf = await import(new URL('../dist/index.js', import.meta.url).href);
const { LightGCN, MF, Matryoshka, Trainer, listBackends, syntheticDataset } = rf;

const cuda = listBackends()[1];
if (!cuda.available) {
  console.log(JSON.stringify({ skip: `CUDA is not available: ${cuda.reason}` }));
  process.exit(0);
}

const failures = [];
const check = (cond, what) => {
  if (!cond) failures.push(what);
};
const close = (a, b, tol) => Math.abs(a - b) <= tol;
const dir = mkdtempSync(path.join(tmpdir(), 'recforge-cuda-e2e-'));
const data = await syntheticDataset({ users: 2000, items: 1000, seed: 5 });
const trainerOptions = { lr: 0.01, batchSize: 1024, seed: 3 };

async function run(Model, options, epochs, fit = {}) {
  const m = await Model.create(data, { dim: 32, seed: 1, ...options });
  const events = [];
  const t0 = performance.now();
  for await (const e of new Trainer(m, trainerOptions).fit({ epochs, evalEvery: 1, k: [10, 20], ...fit }))
    events.push({ loss: e.loss, metrics: e.metrics, seconds: e.seconds });
  const seconds = (performance.now() - t0) / 1000;
  return { m, events, seconds, device: m.device, trainerDevice: m.native().info().device };
}

const out = { backend: cuda.reason, runs: {} };
for (const [name, Model, options] of [['lightgcn', LightGCN, { layers: 2 }], ['mf', MF, {}]]) {
  const cpu = await run(Model, { ...options, device: 'cpu' }, 2);
  const gpu = await run(Model, { ...options, device: 'cuda' }, 2);
  check(cpu.trainerDevice === 'cpu', `${name}: cpu run trained on ${cpu.trainerDevice}`);
  check(gpu.device === 'cuda' && gpu.trainerDevice === 'cuda', `${name}: cuda run trained on ${gpu.trainerDevice}`);
  for (let e = 0; e < 2; e++) {
    const a = cpu.events[e], b = gpu.events[e];
    check(close(a.loss, b.loss, 1e-4 * Math.abs(a.loss)), `${name} epoch ${e + 1}: loss cpu ${a.loss} vs cuda ${b.loss}`);
    for (const key of Object.keys(a.metrics))
      check(close(a.metrics[key], b.metrics[key], 1e-3), `${name} epoch ${e + 1}: ${key} cpu ${a.metrics[key]} vs cuda ${b.metrics[key]}`);
  }
  const rec = await gpu.m.recommend(0, { k: 10 });
  check(rec.items.length === 10 && Number.isFinite(rec.scores[0]), `${name}: recommend after GPU training`);
  out.runs[name] = {
    cpu: { events: cpu.events, seconds: cpu.seconds },
    cuda: { events: gpu.events, seconds: gpu.seconds },
  };
  cpu.m.dispose();
  gpu.m.dispose();
}

// A GPU checkpoint after epoch 1, resumed by a fresh model and trainer on the GPU, ends where an
// uninterrupted GPU run ends (exportState / importState of the table, Adam moments and steps).
{
  const ckpt = path.join(dir, 'run.ckpt');
  const first = await run(LightGCN, { layers: 2, device: 'cuda' }, 1, { checkpoint: { path: ckpt } });
  first.m.dispose();
  const resumed = await LightGCN.create(data, { dim: 32, layers: 2, seed: 1, device: 'cuda' });
  const events = [];
  for await (const e of new Trainer(resumed, trainerOptions).fit({ epochs: 2, evalEvery: 1, k: [10, 20], resume: ckpt }))
    events.push({ loss: e.loss, metrics: e.metrics });
  const straight = await run(LightGCN, { layers: 2, device: 'cuda' }, 2);
  check(events.length === 1 && close(events[0].loss, straight.events[1].loss, 1e-6 * Math.abs(events[0].loss)),
    `resume: epoch 2 loss ${events[0]?.loss} vs uninterrupted ${straight.events[1].loss}`);
  const a = (await resumed.userEmbeddings()).data, b = (await straight.m.userEmbeddings()).data;
  let maxDiff = 0;
  for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
  check(maxDiff <= 1e-5, `resume: user embeddings differ by ${maxDiff}`);
  out.resumeMaxDiff = maxDiff;
  resumed.dispose();
  straight.m.dispose();
}

// What the GPU trainer does not do is refused up front, and 'auto' keeps Matryoshka on CPU.
{
  const m = await LightGCN.create(data, { dim: 8, layers: 1, device: 'cuda' });
  try {
    new Trainer(m, { optimizer: 'lazy-adam' });
    check(false, 'lazy-adam on a cuda model was accepted');
  } catch (e) {
    check(e.code === 'E_INVALID_ARG', `lazy-adam on a cuda model: ${e.code}`);
  }
  m.dispose();
  const auto = await LightGCN.create(data, { dim: 8, layers: 1 });
  check(auto.device === 'cuda', `LightGCN device 'auto' resolved to ${auto.device}`);
  auto.dispose();
  const mrl = await Matryoshka.create(data, { dim: 8, levels: [4, 8] });
  check(mrl.device === 'cpu', `Matryoshka device 'auto' resolved to ${mrl.device}`);
  mrl.dispose();
}

rmSync(dir, { recursive: true, force: true });
data.dispose();
out.ok = failures.length === 0;
out.failures = failures;
console.log(JSON.stringify(out));
