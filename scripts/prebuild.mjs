// `npm run prebuild`: prebuildify (N-API, stripped) into prebuilds/<platform>-<arch>/, which
// node-gyp-build loads before falling back to build/Release. Uses local headers like the install.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { findNodeDir, findNodeGyp } from './toolchain.mjs';

const require = createRequire(import.meta.url);
const env = { ...process.env, PREBUILD_NODE_GYP: findNodeGyp() };
const nodedir = findNodeDir();
if (nodedir) env.npm_config_nodedir = nodedir;
const cli = require.resolve('prebuildify/bin.js');
const r = spawnSync(process.execPath, [cli, '--napi', '--strip', '--target', process.versions.node], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
