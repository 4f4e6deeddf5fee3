// `recforge serve` as a process: it answers over loopback like `recforge recommend --json`,
// refuses bad command lines, and shuts down gracefully on SIGTERM / SIGINT with exit code 0.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../dist/index.js';
import { repoRoot } from './helpers.js';
import { get, getFresh, stringIdDataset, trainedLightGcn } from './serve-helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'recforge-serve-'));
const file = path.join(dir, 'm.rfm');

interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `recforge serve` and resolves once it prints its address. */
function serve(...args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [cli, 'serve', '--model', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout!.setEncoding('utf8').on('data', (c) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c) => (err += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve({ child, url: m[1], stdout: () => out, exit });
      }
    }, 20);
    void exit.then(({ code }) => {
      clearInterval(timer);
      reject(new Error(`serve exited with ${code} before listening: ${err}`));
    });
  });
}

describe('recforge serve', () => {
  beforeAll(async () => {
    const data = await stringIdDataset();
    const model = await trainedLightGcn(data);
    await saveModel(model, file);
    model.dispose();
    data.dispose();
  });

  let server: Served | undefined;
  afterAll(() => {
    server?.child.kill('SIGKILL');
  });

  it('answers GET /recommend exactly as `recforge recommend --json`, then stops on SIGTERM with exit 0', async () => {
    server = await serve('--port', '0');
    expect(server.stdout()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(lightgcn, 40 users x 60 items, dim 8\)/);
    for (const user of ['u0', 'u21']) {
      const cliAnswer = spawnSync(process.execPath, [cli, 'recommend', '--model', file, '--user', user, '--k', '7', '--json'], { encoding: 'utf8' });
      expect(cliAnswer.status, cliAnswer.stderr).toBe(0);
      expect(await get(`${server.url}/recommend?user=${user}&k=7`)).toEqual({ status: 200, body: JSON.parse(cliAnswer.stdout) });
    }
    expect((await get(`${server.url}/recommend?user=nobody`)).status).toBe(404);
    server.child.kill('SIGTERM');
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toMatch(/SIGTERM, finishing requests in flight\nrecforge serve: stopped\n$/);
    await expect(getFresh(`${server.url}/health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('stops on SIGINT with exit 0 while clients keep connections open', async () => {
    server = await serve('--port', '0', '--host', '127.0.0.1');
    // Keep-alive connections from fetch's pool stay open: shutdown must not wait for them.
    await Promise.all(Array.from({ length: 20 }, (_, q) => get(`${server!.url}/recommend?user=u${q}`)));
    server.child.kill('SIGINT');
    expect(await server.exit).toEqual({ code: 0, signal: null });
  });

  it('exits 1 with E_IO when the port is taken, 2 on a bad command line, 1 on a bad model file', async () => {
    server = await serve('--port', '0');
    const port = new URL(server.url).port;
    const taken = spawnSync(process.execPath, [cli, 'serve', '--model', file, '--port', port], { encoding: 'utf8' });
    expect(taken.status).toBe(1);
    expect(taken.stderr).toMatch(/error E_IO: cannot listen on 127\.0\.0\.1:\d+ \(.*EADDRINUSE/);
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, 'serve', ...args], { encoding: 'utf8' });
    expect(run('--model', file).status).toBe(2);  // --port is required
    expect(run('--model', file, '--port', '-1').status).toBe(2);
    expect(run('--model', file, '--port', '65536').stderr).toMatch(/--port must be <= 65535/);
    expect(run('--model', file, '--port', 'http').status).toBe(2);
    const missing = run('--model', path.join(dir, 'absent.rfm'), '--port', '0');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/error E_IO/);
  });
});
