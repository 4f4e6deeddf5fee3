// Backends and the two builds of the addon. The CPU addon (build/Release, what CI builds) is
// checked in child processes with RECFORGE_CUDA=0; the CUDA variant (build-cuda-addon/, from
// `npm run build:cuda`) in child processes with RECFORGE_ADDON_PATH, when it was built here.
// Neither needs a GPU; the GPU end-to-end check (test/cuda-e2e.mjs) skips without one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { listBackends, resolveDevice } from '../dist/index.js';
import { repoRoot } from './helpers.js';

const distUrl = pathToFileURL(path.join(repoRoot, 'dist', 'index.js')).href;
const cudaAddon = [path.join(repoRoot, 'build-cuda-addon', 'Release', 'recforge_cuda.node'),
  path.join(repoRoot, 'build-cuda-addon', 'recforge_cuda.node')].find((p) => existsSync(p));

/** Runs an ES module snippet in a fresh Node with `env` on top of ours; returns its last stdout line as JSON. */
function child(code: string, env: Record<string, string | undefined>): { json: any; stderr: string; status: number | null } {
  const merged: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: merged, encoding: 'utf8', timeout: 120_000 });
  const lines = r.stdout.trim().split('\n');
  let json: unknown;
  try {
    json = JSON.parse(lines[lines.length - 1]);
  } catch {
    json = undefined;
  }
  return { json, stderr: r.stderr, status: r.status };
}

// What a child reports: listBackends(), and the error codes of the ways to ask for CUDA.
const probeCode = `
const rf = await import(${JSON.stringify(distUrl)});
const { addon, loadedAddon } = await import(${JSON.stringify(distUrl.replace(/index\.js$/, 'native.js'))});
const code = async (f) => { try { await f(); return 'ok'; } catch (e) { return e.code + ': ' + e.message; } };
const data = await rf.syntheticDataset({ users: 300, items: 200, seed: 2 });
const out = { backends: rf.listBackends(), loaded: loadedAddon().variant, buildInfo: addon().buildInfo() };
out.lightgcnCuda = await code(() => rf.LightGCN.create(data, { dim: 8, layers: 1, device: 'cuda' }));
out.mfCuda = await code(() => rf.MF.create(data, { dim: 8, device: 'cuda' }));
out.mrlCuda = await code(() => rf.Matryoshka.create(data, { dim: 8, levels: [4, 8], device: 'cuda' }));
out.i2vCuda = await code(() => rf.Interact2Vec.create(data, { dim: 8, device: 'cuda' }));
// The addon itself refuses a GPU run it cannot do with a typed error, not a crash.
const m = await rf.LightGCN.create(data, { dim: 8, layers: 1, device: 'cpu' });
out.device = m.device;
const raw = { sampler: 'tf', negatives: 'uniform', negativeAlpha: 0, batchSize: 64, reg: 1e-4, regByConfiguredBatch: false,
  optimizer: 'adam', lr: 0.01, threads: 1, seed: 1 };
out.rawCuda = await code(() => m.native().configureTraining({ ...raw, device: 'cuda' }));
out.rawBadDevice = await code(() => m.native().configureTraining({ ...raw, device: 'tpu' }));
// Training on the CPU works with either build.
for await (const e of new rf.Trainer(m, { lr: 0.01, batchSize: 64 }).fit({ epochs: 1 })) out.cpuLoss = e.loss;
out.trainerDevice = m.native().info().device;
m.dispose();
console.log(JSON.stringify(out));
`;

describe('listBackends', () => {
  it('has the documented shape: cpu always available, cuda available only when compiled', () => {
    const b = listBackends();
    expect(b.map((x) => x.name)).toEqual(['cpu', 'cuda']);
    for (const x of b) {
      expect(Object.keys(x).sort()).toEqual(['available', 'compiled', 'name', 'reason']);
      expect(typeof x.available).toBe('boolean');
      expect(typeof x.compiled).toBe('boolean');
      expect(x.reason.length).toBeGreaterThan(10);
    }
    expect(b[0]).toMatchObject({ available: true, compiled: true });
    if (b[1].available) expect(b[1].compiled).toBe(true);
    expect(resolveDevice('auto')).toBe(b[1].available ? 'cuda' : 'cpu');
  });
});

describe('the CPU addon (RECFORGE_CUDA=0)', () => {
  it('reports cuda not compiled, and every way to ask for cuda is a typed error', () => {
    const r = child(probeCode, { RECFORGE_CUDA: '0', RECFORGE_ADDON_PATH: cudaAddon ?? '/nonexistent.node' });
    expect(r.json, r.stderr).toBeDefined();
    const o = r.json;
    expect(o.loaded).toBe('cpu');
    expect(o.backends[1]).toMatchObject({ name: 'cuda', available: false, compiled: false });
    expect(o.backends[1].reason).toMatch(/compiled without CUDA/);
    expect(o.buildInfo.cuda).toMatchObject({ compiled: false, available: false });
    expect(o.lightgcnCuda).toMatch(/^E_BACKEND_UNAVAILABLE: .*compiled without CUDA/);
    expect(o.mfCuda).toMatch(/^E_BACKEND_UNAVAILABLE/);
    expect(o.mrlCuda).toMatch(/^E_BACKEND_UNAVAILABLE: .*Matryoshka/);
    expect(o.i2vCuda).toMatch(/^E_BACKEND_UNAVAILABLE: .*Interact2Vec/);
    expect(o.device).toBe('cpu');
    expect(o.rawCuda).toMatch(/^E_NO_DEVICE: .*without CUDA/);
    expect(o.rawBadDevice).toMatch(/^E_INVALID_ARG: .*device/);
    expect(Number.isFinite(o.cpuLoss)).toBe(true);
    expect(o.trainerDevice).toBe('cpu');
  });

  it('an explicit RECFORGE_ADDON_PATH that does not exist is E_IO', () => {
    const r = child(`
      const rf = await import(${JSON.stringify(distUrl)});
      try { rf.listBackends(); console.log(JSON.stringify('loaded')); } catch (e) { console.log(JSON.stringify(e.code + ': ' + e.message)); }
    `, { RECFORGE_CUDA: undefined, RECFORGE_ADDON_PATH: path.join(repoRoot, 'no-such-addon.node') });
    expect(r.json, r.stderr).toMatch(/^E_IO: .*RECFORGE_ADDON_PATH/);
  });
});

describe('a CUDA addon older than the CPU addon', () => {
  it('is reported stale (then the CPU addon is used), unless it is at least as new', async () => {
    const { staleCudaAddon } = await import(distUrl.replace(/index\.js$/, 'native.js'));
    const dir = mkdtempSync(path.join(tmpdir(), 'recforge-stale-'));
    const cuda = path.join(dir, 'recforge_cuda.node'), cpu = path.join(dir, 'recforge.node');
    writeFileSync(cuda, ''), writeFileSync(cpu, '');
    utimesSync(cuda, 1000, 1000), utimesSync(cpu, 2000, 2000);
    expect(staleCudaAddon(cuda, cpu)).toMatch(/older than .*npm run build:cuda.*RECFORGE_ADDON_PATH/);
    utimesSync(cuda, 3000, 3000);
    expect(staleCudaAddon(cuda, cpu)).toBeUndefined();
    expect(staleCudaAddon(cuda, path.join(dir, 'none.node'))).toBeUndefined();  // no CPU build: nothing to compare
  });
});

describe('the CUDA addon (build-cuda-addon/recforge_cuda.node)', () => {
  it('loads through RECFORGE_ADDON_PATH; without a GPU it reports why and refuses cuda with a typed error', (ctx) => {
    if (!cudaAddon) {
      console.warn('skipping: the CUDA addon is not built (npm run build:cuda needs a CUDA toolkit)');
      ctx.skip();
      return;
    }
    const r = child(probeCode, { RECFORGE_CUDA: undefined, RECFORGE_ADDON_PATH: cudaAddon });
    expect(r.json, r.stderr).toBeDefined();
    const o = r.json;
    expect(o.loaded).toBe('cuda');
    expect(o.backends[1]).toMatchObject({ name: 'cuda', compiled: true });
    expect(o.buildInfo.cuda.compiled).toBe(true);
    expect(o.buildInfo.cuda.runtimeVersion).toBeGreaterThan(0);
    // Interact2Vec and Matryoshka stay on CPU whatever the build.
    expect(o.mrlCuda).toMatch(/^E_BACKEND_UNAVAILABLE: .*Matryoshka/);
    expect(o.i2vCuda).toMatch(/^E_BACKEND_UNAVAILABLE: .*Interact2Vec/);
    expect(o.rawBadDevice).toMatch(/^E_INVALID_ARG: .*device/);
    expect(Number.isFinite(o.cpuLoss)).toBe(true);
    expect(o.trainerDevice).toBe('cpu');
    if (o.backends[1].available) {
      // A GPU machine: creation succeeds; the GPU run itself is checked by the end-to-end test.
      expect(o.lightgcnCuda).toBe('ok');
      expect(o.rawCuda).toBe('ok');
    } else {
      expect(o.backends[1].reason).toMatch(/CUDA|device|driver/);
      expect(o.buildInfo.cuda.available).toBe(false);
      expect(o.lightgcnCuda).toMatch(/^E_BACKEND_UNAVAILABLE: device 'cuda' is not available: /);
      expect(o.lightgcnCuda).toContain(o.backends[1].reason);
      expect(o.mfCuda).toMatch(/^E_BACKEND_UNAVAILABLE/);
      // The GPU trainer itself: probe fails, E_NO_DEVICE with the probe's reason.
      expect(o.rawCuda).toMatch(/^E_NO_DEVICE: /);
      expect(o.rawCuda).toContain(o.backends[1].reason);
    }
  });

  it('is found in build-cuda-addon/ without RECFORGE_ADDON_PATH, unless RECFORGE_CUDA=0', (ctx) => {
    if (!cudaAddon) {
      console.warn('skipping: the CUDA addon is not built (npm run build:cuda needs a CUDA toolkit)');
      ctx.skip();
      return;
    }
    const code = `
      const { loadedAddon } = await import(${JSON.stringify(distUrl.replace(/index\.js$/, 'native.js'))});
      console.log(JSON.stringify(loadedAddon()));
    `;
    expect(child(code, { RECFORGE_CUDA: undefined, RECFORGE_ADDON_PATH: undefined }).json).toEqual({ variant: 'cuda', path: cudaAddon });
    expect(child(code, { RECFORGE_CUDA: '0', RECFORGE_ADDON_PATH: undefined }).json).toEqual({ variant: 'cpu' });
  });

  it('GPU end to end: 2 epochs on cpu and cuda from the same seed agree (test/cuda-e2e.mjs)', (ctx) => {
    if (!cudaAddon) {
      console.warn('skipping the GPU end-to-end test: the CUDA addon is not built (npm run build:cuda)');
      ctx.skip();
      return;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, RECFORGE_ADDON_PATH: cudaAddon };
    delete env.RECFORGE_CUDA;
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'test', 'cuda-e2e.mjs')], { env, encoding: 'utf8', timeout: 300_000 });
    const lines = r.stdout.trim().split('\n');
    const o = JSON.parse(lines[lines.length - 1]);
    if (o.skip) {
      console.warn(`skipping the GPU end-to-end test: ${o.skip}`);
      ctx.skip();
      return;
    }
    expect(o.failures, r.stderr).toEqual([]);
    expect(o.ok).toBe(true);
  }, 300_000);
});
