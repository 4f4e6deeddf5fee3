import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Interact2Vec, loadModel, readNpy, syntheticDataset } from '../dist/index.js';
import { repoRoot, writeLineSplits } from './helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'recforge-i2v-cli-'));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Synthetic train/test splits written in the line format from their CSR matrices.
const syn = await syntheticDataset({ users: 400, items: 250, seed: 6 });
const files = writeLineSplits(syn, dir);

describe('recforge train --model interact2vec', () => {
  it('prints the --json epoch contract and evaluates with dot or cosine scoring', () => {
    const r = run('train', '--model', 'interact2vec', '--train', files.train, '--test', files.test, '--dim', '16', '--negatives', '5',
      '--alpha', '-0.5', '--epochs', '4', '--eval-every', '2', '--lr', '0.05', '--threads', '2', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3, 4]);
    for (const l of lines) expect(Object.keys(l)).toEqual(expect.arrayContaining(['epoch', 'loss', 'train_s']));
    expect(Object.keys(lines[1])).toEqual(expect.arrayContaining(['eval_s', 'recall@20', 'ndcg@20', 'precision@20']));
    expect(lines[0]).not.toHaveProperty('recall@20');
    const adam = run('train', '--model', 'interact2vec', '--train', files.train, '--test', files.test, '--optimizer', 'adam', '--batch', '1024',
      '--scoring', 'cosine', '--subsample', '1e-3', '--subsample-mode', 'epoch', '--epochs', '1', '--json');
    expect(adam.code, adam.stderr).toBe(0);
    expect(JSON.parse(adam.stdout)['recall@20']).toBeGreaterThan(0);
    const knn = run('train', '--model', 'interact2vec', '--train', files.train, '--test', files.test, '--scoring', 'knn', '--epochs', '1', '--json');
    expect(knn.code, knn.stderr).toBe(0);
    expect(JSON.parse(knn.stdout)['recall@20']).toBeGreaterThan(0);
  });

  it('refuses flags of other models, foreign values and its own flags elsewhere', () => {
    const base = ['train', '--model', 'interact2vec', '--train', files.train];
    for (const args of [['--layers', '2'], ['--checkpoint', 'x'], ['--negatives', 'mns'], ['--negatives', '0'], ['--optimizer', 'lazy-adam'],
      ['--alpha', 'x'], ['--subsample', '-1'], ['--scoring', 'pagerank']]) {
      const r = run(...base, ...args);
      expect(r.code, args.join(' ')).toBe(2);
    }
    const typed = run(...base, '--optimizer', 'adam', '--item-item-weight', '1', '--epochs', '1');
    expect(typed.code).toBe(1);
    expect(typed.stderr).toMatch(/E_INVALID_ARG/);
    expect(run('train', '--train', files.train, '--alpha', '1').code).toBe(2);
    expect(run('train', '--model', 'mrl', '--train', files.train, '--negatives', '5').code).toBe(2);
  });
});

describe('recforge train --model interact2vec --save, then eval / recommend / export on the file', () => {
  const file = path.join(dir, 'i2v.safetensors');
  const train = (...extra: string[]) => run('train', '--model', 'interact2vec', '--train', files.train, '--test', files.test, '--dim', '16',
    '--alpha', '-1', '--negatives', '4', '--epochs', '3', '--eval-every', '3', '--lr', '0.05', '--threads', '1', '--seed', '5', ...extra);

  it('saves the trained model; eval on the file reproduces the last epoch under each scoring', async () => {
    const text = train('--save', file);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/saved interact2vec model to /);
    for (const scoring of ['dot', 'knn'] as const) {
      const t = train('--save', file, '--scoring', scoring, '--json');
      expect(t.code, t.stderr).toBe(0);
      const last = JSON.parse(t.stdout.trim().split('\n').at(-1)!);  // --json: only epoch records on stdout
      const e = run('eval', '--model', file, '--train', files.train, '--test', files.test, '--scoring', scoring, '--json');
      expect(e.code, e.stderr).toBe(0);
      const got = JSON.parse(e.stdout);
      for (const key of ['recall@20', 'ndcg@20', 'precision@20']) expect(got[key], `${scoring} ${key}`).toBeCloseTo(last[key], 12);
      expect(got).toHaveProperty('eval_s');
    }
    const m = await loadModel(file, { family: 'interact2vec' });
    expect(m.training).toMatchObject({ alpha: -1, negatives: 4, lr: 0.05 });
    expect(m.config).toMatchObject({ dim: 16, seed: 5 });
    expect(m.history.map((e) => e.epoch)).toEqual([1, 2, 3]);
    m.dispose();
    const plain = run('eval', '--model', file, '--train', files.train, '--test', files.test, '--json');
    const cosine = run('eval', '--model', file, '--train', files.train, '--test', files.test, '--scoring', 'cosine', '--json');
    const blend = run('eval', '--model', file, '--train', files.train, '--test', files.test, '--scoring', 'blend', '--dims', '4,16', '--json');
    expect(plain.code, plain.stderr).toBe(0);
    expect(cosine.code, cosine.stderr).toBe(0);
    expect(JSON.parse(cosine.stdout)['recall@20']).toBeGreaterThan(0);
    expect(blend.code).toBe(2);  // prefixes only for the dot product
    const dims = run('eval', '--model', file, '--train', files.train, '--test', files.test, '--dims', '4,16', '--json');
    expect(dims.code, dims.stderr).toBe(0);
    expect(JSON.parse(dims.stdout)['recall@20/d4']).toBeGreaterThan(0);
  });

  it('recommends with every scoring, never a train item, and exports the tables', async () => {
    expect(train('--save', file).code).toBe(0);
    const seen = new Set<number>();
    for (let q = 0; q < syn.train.users.length; q++) if (syn.train.users[q] === 5) seen.add(syn.train.items[q]);
    const m = await loadModel(file, { family: 'interact2vec' });
    for (const scoring of [undefined, 'dot', 'cosine', 'knn', 'blend'] as const) {
      const r = run('recommend', '--model', file, '--user', '5', '--k', '10', '--json', ...(scoring ? ['--scoring', scoring] : []));
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.user).toBe(5);
      expect(out.items).toHaveLength(10);
      for (const i of out.items) expect(seen.has(i)).toBe(false);
      const want = await m.recommend(5, { k: 10, scoring });
      expect(out.items).toEqual(Array.from(want.items));
    }
    const all = run('recommend', '--model', file, '--user', '5', '--k', '250', '--include-seen', '--json');
    expect(JSON.parse(all.stdout).items).toEqual(expect.arrayContaining([...seen]));
    expect(run('recommend', '--model', file, '--user', '5', '--dim', '4').code).toBe(2);
    expect(run('recommend', '--model', file, '--user', '5', '--scoring', 'pagerank').code).toBe(2);
    const unknown = run('recommend', '--model', file, '--user', '4000');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/E_OUT_OF_RANGE/);

    const out = path.join(dir, 'export');
    const x = run('export', '--model', file, '--out', out, '--json');
    expect(x.code, x.stderr).toBe(0);
    expect(JSON.parse(x.stdout)).toMatchObject({ dim: 16, modelDim: 16, nUsers: 400, nItems: 250 });
    const [u, v] = await Promise.all([readNpy(path.join(out, 'users.npy')), readNpy(path.join(out, 'items.npy'))]);
    expect(Array.from(u.data)).toEqual(Array.from((await m.userEmbeddings()).data));
    expect(Array.from(v.data)).toEqual(Array.from((await m.itemEmbeddings()).data));
    const prefix = run('export', '--model', file, '--out', out, '--dim', '4', '--json');
    expect(JSON.parse(prefix.stdout).dim).toBe(4);
    expect(m).toBeInstanceOf(Interact2Vec);
    m.dispose();
  });

  it('--scoring is refused for LightGCN-family files and without --model; damaged files fail with E_PARSE', () => {
    const mf = path.join(dir, 'mf.safetensors');
    const t = run('train', '--model', 'mf', '--train', files.train, '--dim', '8', '--epochs', '1', '--save', mf);
    expect(t.code, t.stderr).toBe(0);
    expect(run('recommend', '--model', mf, '--user', '5', '--scoring', 'knn').code).toBe(2);
    expect(run('eval', '--model', mf, '--train', files.train, '--test', files.test, '--scoring', 'cosine').code).toBe(2);
    expect(run('eval', '--baseline', 'popularity', '--train', files.train, '--test', files.test, '--scoring', 'cosine').code).toBe(2);
    const bad = path.join(dir, 'bad.safetensors');
    writeFileSync(bad, 'not a model at all');
    for (const args of [['recommend', '--model', bad, '--user', '1'], ['export', '--model', bad, '--out', dir],
      ['eval', '--model', bad, '--train', files.train, '--test', files.test]]) {
      const r = run(...args);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr).toMatch(/E_PARSE/);
    }
  });
});

