// Builds the shipped addon with node-gyp when no prebuild matches (the package's install step),
// against local Node headers (see toolchain.mjs) so nothing is downloaded.
import { spawnSync } from 'node:child_process';
import { findNodeDir, findNodeGyp } from './toolchain.mjs';

const args = [findNodeGyp(), 'rebuild', `--jobs=${process.env.RECFORGE_BUILD_JOBS ?? 'max'}`];
const nodedir = findNodeDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
