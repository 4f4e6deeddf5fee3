// Locates node-gyp and local Node headers so native builds never download anything.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Path of node-gyp's CLI script: npm's own (npm_config_node_gyp), a local install, or npm's bundled copy. */
export function findNodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {}
  const bundled = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return bundled;
  throw new Error('recforge: cannot find node-gyp to build the native addon');
}

/**
 * A folder holding include/node/node_api.h for the running Node: npm_config_nodedir when set,
 * then the Node install prefix, then /usr (Debian's nodejs-dev layout); undefined lets node-gyp
 * use its default (which may download headers).
 */
export function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  if (existsSync('/usr/include/node/node_api.h')) return '/usr';
  return undefined;
}
