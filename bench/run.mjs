// `npm run bench`: every end-to-end benchmark in sequence (each prints its own report).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './lib.mjs';

for (const script of ['foundation.mjs', 'lightgcn.mjs']) {
  console.log(`\n== bench/${script}`);
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'bench', script)], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
