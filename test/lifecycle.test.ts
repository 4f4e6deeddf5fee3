import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticDataset } from '../dist/index.js';
import { repoRoot } from './helpers.js';

describe('lifecycle', () => {
  it('aborts a running native job and rejects with E_ABORTED', async () => {
    const ac = new AbortController();
    const job = syntheticDataset({ users: 200_000, items: 5_000, meanActivity: 10, minActivity: 5 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 30);
    const started = Date.now();
    await expect(job).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports progress and survives a throwing progress listener', async () => {
    const seen: number[] = [];
    await syntheticDataset({ users: 3000, items: 2000 }, { onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toBe(1);
    const ds = await syntheticDataset({ users: 500, items: 300 }, {
      onProgress: () => {
        throw new Error('listener bug');
      },
    });
    expect(ds.nUsers).toBe(500);
  });

  it('keeps a graph alive for a job when the dataset is disposed mid-build', async () => {
    const ds = await syntheticDataset({ users: 3000, items: 2000 });
    const pending = ds.graph();
    ds.dispose();
    const g = await pending; // the job owned its inputs; disposal only drops references
    expect(() => g.info()).toThrow(expect.objectContaining({ code: 'E_DISPOSED' }));
  });

  it('loads and runs in several worker_threads at once', async () => {
    const entry = path.join(repoRoot, 'dist', 'index.js');
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.entry).then(async (m) => {
        const ds = await m.syntheticDataset({ users: 800, items: 400, seed: 3 });
        const s = await ds.stats();
        parentPort.postMessage(s.train);
      }).catch((e) => parentPort.postMessage('error: ' + e.message));`;
    const run = () =>
      new Promise<unknown>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { entry } });
        w.once('message', (m) => {
          resolve(m);
          void w.terminate();
        });
        w.once('error', reject);
      });
    const results = await Promise.all([run(), run(), run()]);
    expect(typeof results[0]).toBe('number');
    expect(new Set(results).size).toBe(1); // same seed, same data in every thread
  });
});
