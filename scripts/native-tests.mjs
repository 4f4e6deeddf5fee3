// Configures, builds and runs the C++ core test executable through CMake + ctest.
// --sanitize builds a separate tree with AddressSanitizer + UndefinedBehaviorSanitizer.
import { spawnSync } from 'node:child_process';
import os from 'node:os';

const sanitize = process.argv.includes('--sanitize');
const dir = sanitize ? 'build-asan' : 'build-native';
const jobs = String(Math.max(1, os.cpus().length));

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

run('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release', `-DRECFORGE_SANITIZE=${sanitize ? 'ON' : 'OFF'}`, '-DRECFORGE_CUDA=OFF']);
run('cmake', ['--build', dir, '--parallel', jobs, '--target', 'recforge_core_tests']);
// halt_on_error + detect_leaks: a sanitized run only passes when it is clean.
const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:halt_on_error=1', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' };
run('ctest', ['--test-dir', dir, '--output-on-failure'], env);
