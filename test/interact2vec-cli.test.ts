import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticDataset } from '../dist/index.js';
import { repoRoot } from './helpers.js';

const cli = path.join(repoRoot, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'recforge-i2v-cli-'));

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Synthetic train/test splits written in the line format from their CSR matrices.
const syn = await syntheticDataset({ users: 400, items: 250, seed: 6 });
const files: Record<string, string> = {};
for (const split of ['train', 'test'] as const) {
  const m = syn.matrix(split)!.export();
  const lines = [];
  for (let u = 0; u < m.rows; u++) lines.push([u, ...m.indices.subarray(m.indptr[u], m.indptr[u + 1])].join(' '));
  files[split] = path.join(dir, `${split}.txt`);
  writeFileSync(files[split], lines.join('\n') + '\n');
}

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
    for (const args of [['--layers', '2'], ['--save', 'x'], ['--negatives', 'mns'], ['--negatives', '0'], ['--optimizer', 'lazy-adam'],
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
