import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dataset, Evaluator, Tensor, syntheticDataset, writeNpy, type Interactions } from '../dist/index.js';
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

  it('eval --catalog train never ranks items absent from train; an unknown catalog is rejected', () => {
    // Item 4 appears only in test: user 0's one test item is out of the train catalog, user 1 has
    // one of two in it. With K = every item, random scores find all rankable test items.
    writeFileSync(path.join(dir, 'cat-train.txt'), '0 0 1\n1 2 3\n');
    writeFileSync(path.join(dir, 'cat-test.txt'), '0 4\n1 0 4\n');
    const base = ['eval', '--train', path.join(dir, 'cat-train.txt'), '--test', path.join(dir, 'cat-test.txt'), '--baseline', 'random', '--k', '5', '--json'];
    const all = run(...base), warm = run(...base, '--catalog', 'train'), bad = run(...base, '--catalog', 'warm');
    expect(all.code, all.stderr).toBe(0);
    expect(warm.code, warm.stderr).toBe(0);
    expect(JSON.parse(all.stdout)['recall@5']).toBeCloseTo(1, 6);
    expect(JSON.parse(warm.stdout)['recall@5']).toBeCloseTo((0 + 0.5) / 2, 6);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/catalog/);
  });

  it('backends --json lists objects with name, available, compiled, reason', () => {
    const r = run('backends', '--json');
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.map((b: { name: string }) => b.name)).toEqual(['cpu', 'cuda']);
    for (const b of list) expect(Object.keys(b).sort()).toEqual(['available', 'compiled', 'name', 'reason']);
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

// A learnable data set in the line format (user then items), for the training commands.
function lineFile(x: Interactions): string {
  const rows = new Map<number, number[]>();
  for (let q = 0; q < x.users.length; q++) {
    const list = rows.get(x.users[q]) ?? [];
    list.push(x.items[q]);
    rows.set(x.users[q], list);
  }
  return [...rows].sort((a, b) => a[0] - b[0]).map(([u, items]) => `${u} ${items.join(' ')}`).join('\n') + '\n';
}
const syn = await syntheticDataset({ users: 800, items: 500, seed: 4 });
const synTrain = path.join(dir, 'syn-train.txt');
const synTest = path.join(dir, 'syn-test.txt');
writeFileSync(synTrain, lineFile(syn.train));
writeFileSync(synTest, lineFile(syn.test!));

describe('recforge train / eval --model / recommend', () => {
  const model = path.join(dir, 'cli.model');

  it('train --json prints one object per epoch with the key contract, and saves a model', () => {
    const r = run('train', '--train', synTrain, '--test', synTest, '--dim', '16', '--layers', '2', '--epochs', '4', '--eval-every', '2',
      '--lr', '0.01', '--k', '10', '--seed', '3', '--threads', '2', '--save', model, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3, 4]);
    expect(Object.keys(lines[0]).sort()).toEqual(['epoch', 'loss', 'train_s']);
    expect(Object.keys(lines[1]).sort()).toEqual(['epoch', 'eval_s', 'loss', 'ndcg@10', 'precision@10', 'recall@10', 'train_s']);
    const e = run('eval', '--model', model, '--train', synTrain, '--test', synTest, '--k', '10', '--json');
    expect(e.code, e.stderr).toBe(0);
    const got = JSON.parse(e.stdout);
    expect(Object.keys(got).sort()).toEqual(['eval_s', 'ndcg@10', 'precision@10', 'recall@10']);
    expect(got['recall@10']).toBeCloseTo(lines[3]['recall@10'], 12);
  });

  it('recommend --json lists unseen items with scores', () => {
    const r = run('recommend', '--model', model, '--user', '5', '--k', '10', '--json');
    expect(r.code, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout);
    expect(got.user).toBe(5);
    expect(got.items).toHaveLength(10);
    expect(got.scores).toHaveLength(10);
    for (let q = 1; q < 10; q++) expect(got.scores[q]).toBeLessThanOrEqual(got.scores[q - 1]);
    const seen = new Set<number>();
    for (let q = 0; q < syn.train.users.length; q++) if (syn.train.users[q] === 5) seen.add(syn.train.items[q]);
    for (const i of got.items) expect(seen.has(i)).toBe(false);
    expect(run('recommend', '--model', model, '--user', '99999').code).toBe(1);
  });

  it('recommend --similar-items and --fold-in answer without a user', () => {
    const sim = run('recommend', '--model', model, '--similar-items', '7', '--k', '5', '--json');
    expect(sim.code, sim.stderr).toBe(0);
    const got = JSON.parse(sim.stdout);
    expect(got.item).toBe(7);
    expect(got.items).toHaveLength(5);
    expect(got.items).not.toContain(7);
    for (let q = 1; q < 5; q++) expect(got.scores[q]).toBeLessThanOrEqual(got.scores[q - 1]);
    const fold = run('recommend', '--model', model, '--fold-in', '1, 2,3', '--k', '6', '--json');
    expect(fold.code, fold.stderr).toBe(0);
    const f = JSON.parse(fold.stdout);
    expect(f.foldIn).toEqual(['1', '2', '3']);
    expect(f.items).toHaveLength(6);
    for (const i of [1, 2, 3]) expect(f.items).not.toContain(i);
    const table = run('recommend', '--model', model, '--fold-in', '4', '--k', '2');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/1\. \d+/);
    for (const args of [['--user', '1', '--similar-items', '2'], ['--fold-in', ' , '], ['--similar-items', '2', '--shortlist', '20']])
      expect(run('recommend', '--model', model, ...args).code, args.join(' ')).toBe(2);
    expect(run('recommend', '--model', model, '--similar-items', '99999').code).toBe(1);
    expect(run('recommend', '--model', model, '--fold-in', '1,99999').stderr).toMatch(/E_OUT_OF_RANGE/);
  });

  it('MF trains; --resume continues the epoch count', () => {
    const ckpt = path.join(dir, 'cli.ckpt');
    const base = ['train', '--model', 'mf', '--train', synTrain, '--dim', '8', '--lr', '0.01', '--json', '--checkpoint', ckpt];
    expect(run(...base, '--epochs', '2').code).toBe(0);
    const r = run(...base, '--epochs', '4', '--resume', ckpt);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).epoch)).toEqual([3, 4]);
    writeFileSync(path.join(dir, 'broken.ckpt'), readFileSync(ckpt).subarray(0, 100));
    const bad = run(...base, '--epochs', '4', '--resume', path.join(dir, 'broken.ckpt'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/E_PARSE/);
  });

  it('train --model mrl reports every level under recall@K/dD; eval --model and export keep the levels', () => {
    const mrl = path.join(dir, 'mrl.model');
    const r = run('train', '--model', 'mrl', '--train', synTrain, '--test', synTest, '--dim', '16', '--levels', '4,8,16', '--candidates', '4',
      '--level-weights', '0.5,1,1.5', '--epochs', '2', '--eval-every', '2', '--batch', '256', '--lr', '0.01', '--k', '10', '--json', '--save', mrl);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const keys = Object.keys(lines[1]);
    for (const d of [4, 8, 16]) for (const m of ['recall', 'ndcg', 'precision']) expect(keys).toContain(`${m}@10/d${d}`);
    expect(lines[1]['recall@10/d16']).toBe(lines[1]['recall@10']);
    const e = run('eval', '--model', mrl, '--train', synTrain, '--test', synTest, '--k', '10', '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)['recall@10/d4']).toBeCloseTo(lines[1]['recall@10/d4'], 12);
    for (const negatives of ['shared', 'dns'])
      expect(run('train', '--model', 'mrl', '--train', synTrain, '--dim', '8', '--levels', '2,8', '--negatives', negatives, '--epochs', '1').code).toBe(0);
    for (const args of [['--levels', '8,4'], ['--levels', '4,128'], ['--candidates', '0'], ['--level-weights', '1,-1', '--levels', '4,8'],
      ['--negatives', 'hard'], ['--backbone', 'mf', '--layers', '2']]) {
      const bad = run('train', '--model', 'mrl', '--train', synTrain, '--dim', '16', ...args);
      expect(bad.code, args.join(' ')).not.toBe(0);
      expect(bad.stderr, args.join(' ')).toMatch(/levels|candidates|weights|negatives|layers/i);
    }
    expect(run('train', '--train', synTrain, '--levels', '4,8').code).toBe(2);  // an mrl flag without --model mrl
  });

  it('bad training flags exit 2 with a message', () => {
    const common = ['--train', synTrain];
    for (const args of [
      ['--lr', '-0.1'], ['--lr', '0'], ['--lr', 'NaN'], ['--dim', '0'], ['--layers', '-1'], ['--batch', '0'], ['--epochs', '1.5'],
      ['--model', 'svd'], ['--sampler', 'x'], ['--reg', '-1'], ['--model', 'mf', '--layers', '2'], ['--eval-every', '2'], ['--patience', '0'],
    ]) {
      const r = run('train', ...common, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.length).toBeGreaterThan(0);
    }
    for (const args of [['recommend', '--model', model], ['recommend', '--user', '1'], ['eval', '--model', model, '--baseline', 'random', '--train', synTrain, '--test', synTest]])
      expect(run(...args).code, args.join(' ')).toBe(2);
  });
});
