// Builds the CUDA backend, its test executable and the GPU benchmarks whenever a CUDA toolkit is
// found (CI's compile check: the CUDA sources cannot rot on machines without a GPU), then runs the
// GPU tests, which skip with the reason when no device is usable. Without a toolkit: says so, passes.
import { spawnSync } from 'node:child_process';
import os from 'node:os';

const dir = 'build-cuda';
const jobs = String(Math.max(1, os.cpus().length));
const probe = spawnSync('nvcc', ['--version'], { encoding: 'utf8' });
if (probe.status !== 0 && !process.env.CUDACXX) {
  console.log('cuda-tests: no CUDA toolkit (nvcc) found: CUDA backend not built, skipped');
  process.exit(0);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release', '-DRECFORGE_CUDA=ON']);
run('cmake', ['--build', dir, '--parallel', jobs, '--target', 'recforge_cuda_tests', 'bench_cuda_lightgcn']);
run(`${dir}/recforge_cuda_tests`, []);
