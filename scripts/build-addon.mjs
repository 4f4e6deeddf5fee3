// Builds the shipped addon with node-gyp when no prebuild matches (the package's install step).
// Node headers are taken from a local nodedir when one exists, so nothing is downloaded:
// npm_config_nodedir wins, then /usr (Debian's nodejs-dev layout), then node-gyp's default.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

function findNodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {}
  // npm ships node-gyp inside its own install folder.
  const npmDir = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  const bundled = path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return bundled;
  throw new Error('recforge: cannot find node-gyp to build the native addon');
}

function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.join(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return path.resolve(prefix);
  if (existsSync('/usr/include/node/node_api.h')) return '/usr';
  return undefined;
}

const args = [findNodeGyp(), 'rebuild', `--jobs=${process.env.RECFORGE_BUILD_JOBS ?? 'max'}`];
const nodedir = findNodeDir();
if (nodedir) args.push(`--nodedir=${nodedir}`);
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
