// Shared helpers for the end-to-end benchmarks: timing with medians, native bench executables,
// and the Python peer. Benchmarks print numbers; they never assert on time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const datasetsDir = path.resolve(repoRoot, '..', 'shared', 'datasets');

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs `fn` `runs` times (after one warm-up) and returns the median seconds and the last result. */
export async function timeMedian(fn, runs = 5) {
  let result = await fn();
  const times = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    result = await fn();
    times.push((performance.now() - t0) / 1000);
  }
  return { seconds: median(times), all: times, result };
}

/** Builds (once) and runs a bench/native executable, returning its stdout. */
export function runNativeBench(name, args = []) {
  const dir = path.join(repoRoot, 'build-native');
  const build = (cmd, a) => {
    const r = spawnSync(cmd, a, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`${cmd} ${a.join(' ')} failed`);
  };
  if (!existsSync(path.join(dir, 'CMakeCache.txt'))) build('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release']);
  build('cmake', ['--build', dir, '--parallel', String(os.cpus().length), '--target', name]);
  const r = spawnSync(path.join(dir, name), args, { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Runs a Python peer script with Debian's /usr/bin/python3. OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE
 * are removed for this command only (they pin a slower OpenBLAS kernel on this machine).
 * Returns stdout, or undefined with a printed reason when Python or numpy is missing.
 */
export function runPython(script, args = []) {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/python3', [path.join(repoRoot, script), ...args.map(String)], { cwd: repoRoot, encoding: 'utf8', env });
  if (r.error || r.status !== 0) {
    console.log(`  (peer ${script} unavailable: ${r.error?.message ?? r.stderr.trim().split('\n').pop()};` +
      ' install with: apt-get install -y python3-numpy libopenblas0-pthread)');
    return undefined;
  }
  return r.stdout;
}

/** Machine facts printed at the top of every benchmark. */
export function machine() {
  return { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version };
}
