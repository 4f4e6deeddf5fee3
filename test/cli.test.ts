import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset, Evaluator, Tensor, writeNpy } from '../dist/index.js';
import { repoRoot, rng } from './helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'recforge-cli-'));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// 6 users x 8 items in the line format, with CRLF, a blank line and an item-less user.
const train = '0 0 1 2\r\n1 2 3\r\n2 4 5 6\r\n\r\n3 7\r\n4 0 7\r\n5\r\n';
const test = '0 3 4\n1 0\n2 7\n3 1 2\n4 5\n';
writeFileSync(path.join(dir, 'train.txt'), train);
writeFileSync(path.join(dir, 'test.txt'), test);

describe('recforge CLI', () => {
  it('stats --json prints one object with the contract keys', () => {
    const r = run('stats', '--train', path.join(dir, 'train.txt'), '--test', path.join(dir, 'test.txt'), '--json');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const s = JSON.parse(lines[0]);
    expect(s).toMatchObject({ users: 6, items: 8, train: 11, test: 7 });
    expect(r.stderr).toBe('');
  });

  it('eval --json on .npy embeddings matches the library Evaluator', async () => {
    const rand = rng(3);
    const U = new Tensor(Float32Array.from({ length: 6 * 4 }, () => rand() - 0.5), [6, 4]);
    const V = new Tensor(Float32Array.from({ length: 8 * 4 }, () => rand() - 0.5), [8, 4]);
    await writeNpy(path.join(dir, 'U.npy'), U);
    await writeNpy(path.join(dir, 'V.npy'), V);
    const r = run('eval', '--train', path.join(dir, 'train.txt'), '--test', path.join(dir, 'test.txt'),
      '--user-emb', path.join(dir, 'U.npy'), '--item-emb', path.join(dir, 'V.npy'), '--k', '2,5', '--json');
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    for (const key of ['recall@5', 'ndcg@5', 'precision@5', 'recall@2', 'ndcg@2', 'precision@2', 'map@5', 'mrr@2', 'hitrate@5'])
      expect(got).toHaveProperty([key]);
    const data = await Dataset.load({ train: path.join(dir, 'train.txt'), test: path.join(dir, 'test.txt') });
    const want = await new Evaluator(data, { k: [2, 5] }).evaluate(U, V);
    for (const [key, value] of Object.entries(want)) expect(got[key]).toBeCloseTo(value as number, 12);
  });

  it('eval --baseline popularity works without embeddings', () => {
    const r = run('eval', '--train', path.join(dir, 'train.txt'), '--test', path.join(dir, 'test.txt'), '--baseline', 'popularity', '--k', '5', '--json');
    expect(r.code, r.stderr).toBe(0);
    // Hand-computed: train degrees rank items 0,2,7 then 1,3,4,5,6; every test item of users 0-4
    // falls in their unseen top 5 (recall 1) with 7 hits over 5 users x 5 slots.
    const got = JSON.parse(r.stdout);
    expect(got['recall@5']).toBeCloseTo(1, 6);
    expect(got['precision@5']).toBeCloseTo(7 / 25, 6);
  });

  it('backends --json lists objects with name, available, reason', () => {
    const r = run('backends', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.map((b: { name: string }) => b.name)).toEqual(['cpu', 'cuda']);
    for (const b of list) expect(Object.keys(b).sort()).toEqual(['available', 'name', 'reason']);
  });

  it('demo --json reports the data and each recommender', () => {
    const r = run('demo', '--users', '600', '--items', '300', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ event: 'data', users: 600, items: 300 });
    const results = lines.filter((l) => l.event === 'result');
    expect(results.map((l) => l.model)).toEqual(['random', 'popularity', 'projection', 'lightgcn']);
    const epochs = lines.filter((l) => l.event === 'epoch');
    expect(epochs.length).toBeGreaterThan(0);
    for (const e of epochs) expect(e).toHaveProperty('train_s');
    const byModel = Object.fromEntries(results.map((l) => [l.model, l]));
    // The demo's point: trained LightGCN beats the popularity baseline.
    expect(byModel.lightgcn['recall@20']).toBeGreaterThan(byModel.popularity['recall@20']);
    // The planted popularity must show: the popularity baseline clearly beats random.
    expect(byModel.popularity['recall@20']).toBeGreaterThan(2 * byModel.random['recall@20']);
  });

  it('bad arguments: clear message and exit code 2', () => {
    const cases = [
      ['nope'],
      [],
      ['stats'],
      ['stats', '--train'],
      ['stats', '--train', 'x', '--bogus', '1'],
      ['eval', '--train', 'a', '--test', 'b', '--k', '0'],
      ['eval', '--train', 'a', '--test', 'b', '--k', '5,x'],
      ['eval', '--train', 'a', '--test', 'b'],
      ['eval', '--train', 'a', '--test', 'b', '--baseline', 'oracle'],
      ['demo', '--users', '-3'],
      ['stats', '--train', 'x', '--format', 'parquet'],
    ];
    for (const args of cases) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.length, args.join(' ')).toBeGreaterThan(0);
      expect(r.stdout, args.join(' ')).toBe('');
    }
  });

  it('runtime failures exit 1 with the error code and file', () => {
    const r = run('stats', '--train', path.join(dir, 'missing.txt'), '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/E_IO.*missing\.txt/);
    writeFileSync(path.join(dir, 'bad.txt'), '0 1 2\n1 x 3\n');
    const big = run('eval', '--train', path.join(dir, 'train.txt'), '--test', path.join(dir, 'test.txt'), '--baseline', 'random');
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/E_INVALID_ARG.*k must be an integer in \[1, 8\]/);
    const p = run('stats', '--train', path.join(dir, 'bad.txt'), '--format', 'lines');
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/E_PARSE.*bad\.txt:2/);
    const e = run('eval', '--train', path.join(dir, 'train.txt'), '--test', path.join(dir, 'test.txt'),
      '--user-emb', path.join(dir, 'V.npy'), '--item-emb', path.join(dir, 'V.npy'), '--k', '5');
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/E_SHAPE/);
  });
});
