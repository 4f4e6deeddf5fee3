// Builds the CUDA variant of the addon (recforge_cuda.node) with cmake-js into build-cuda-addon/,
// next to (never over) the shipped CPU addon in build/Release. Needs a CUDA toolkit (nvcc); uses
// the local Node headers found by toolchain.mjs so nothing is downloaded. The result loads on
// machines without a GPU too (the CUDA runtime is static; the driver is opened on first use).
//   node scripts/build-cuda-addon.mjs [extra cmake-js args, e.g. --CDCMAKE_CUDA_ARCHITECTURES=native]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeDir } from './toolchain.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let cmakeJs;
try {
  cmakeJs = require.resolve('cmake-js/bin/cmake-js');
} catch {
  console.error('recforge: building the CUDA addon needs cmake-js (a devDependency): npm install --save-dev cmake-js');
  process.exit(1);
}
const env = { ...process.env };
const nodedir = findNodeDir();
// cmake-js reads the Node headers' folder from npm_config_nodedir (else it downloads them).
if (nodedir) env.npm_config_nodedir = nodedir;
const args = [
  cmakeJs, 'compile', '-d', root, '-O', path.join(root, 'build-cuda-addon'), '--target', 'recforge_cuda_addon',
  '--CDRECFORGE_BUILD_ADDON=ON', '--CDRECFORGE_CUDA=ON', '--CDRECFORGE_BUILD_TESTS=OFF', '--CDCMAKE_BUILD_TYPE=Release',
  '--parallel', process.env.RECFORGE_BUILD_JOBS ?? String((await import('node:os')).availableParallelism()),
  ...process.argv.slice(2),
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env, cwd: root });
process.exit(r.status ?? 1);
