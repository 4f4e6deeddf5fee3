import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderTrainingReport, writeTrainingReport, type EpochEvent } from '../dist/index.js';
import { niceTicks, tickLabel } from '../dist/report/svg-chart.js';
import { writeStringIdSplits } from './export-fixtures.js';
import { charts, fakeHistory } from './report-fixtures.js';
import { repoRoot } from './helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-report-'));
const files = await writeStringIdSplits(dir, 5);

const NO_EXTERNAL = /https?:|<script|<link|<img|<iframe|\bsrc=|url\(/i;

describe('renderTrainingReport', () => {
  it('draws loss, each metric, time and config for a plain run', () => {
    const h = fakeHistory(10);
    const html = renderTrainingReport(h, { model: 'lightgcn', dim: 64, lr: 0.001 });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(NO_EXTERNAL);
    const c = charts(html);
    expect(c.map((x) => x.title)).toEqual(['Training loss per epoch', 'recall@20 per epoch', 'ndcg@20 per epoch', 'Time per epoch']);
    expect(c[0].lines).toEqual([{ name: 'loss', points: 10 }]);
    expect(c[1].lines).toEqual([{ name: 'recall@20', points: 4 }]);          // epochs 3, 6, 9, 10
    expect(c[3].lines).toEqual([{ name: 'train_s', points: 10 }, { name: 'eval_s', points: 4 }]);
    expect(html).not.toContain('Metric vs dimension');
    expect(html).toContain('<tr><th>lr</th><td>0.001</td></tr>');
    expect(html).toMatch(/<tr><th>train_s total<\/th><td>5\.55<\/td><\/tr>/);  // 10 × 0.5 + 0.01 × 55
    expect(html).toMatch(/<tr><th>eval_s total<\/th><td>0\.8<\/td><\/tr>/);
  });

  it('adds per-level lines and metric vs dimension for MRL runs', () => {
    const html = renderTrainingReport(fakeHistory(7, [4, 8, 16]), { model: 'mrl', levels: [4, 8, 16] });
    const c = charts(html);
    expect(c.map((x) => x.title)).toEqual([
      'Training loss per epoch', 'recall@20 per epoch', 'ndcg@20 per epoch', 'Metrics vs embedding dimension (epoch 7)', 'Time per epoch']);
    // The full-width line equals d = 16 here, so only the levels are drawn.
    expect(c[1].lines).toEqual([{ name: 'd = 4', points: 3 }, { name: 'd = 8', points: 3 }, { name: 'd = 16', points: 3 }]);
    expect(c[3].lines).toEqual([{ name: 'recall@20', points: 3 }, { name: 'ndcg@20', points: 3 }]);
    const dimsSvg = html.split('<svg')[4];
    for (const d of ['4', '8', '16']) expect(dimsSvg).toContain(`text-anchor="middle">${d}</text>`);
    expect(html).toContain('<tr><th>levels</th><td>[4,8,16]</td></tr>');
    // A full-width line that differs from every level is kept.
    const h = fakeHistory(3, [4, 8]);
    h[2].metrics!['recall@20/d8'] = 0.5;
    expect(charts(renderTrainingReport(h, {}))[1].lines.map((l) => l.name)).toEqual(['full width', 'd = 4', 'd = 8']);
  });

  it('escapes every text: config values, keys, metric names and the title', () => {
    const h = fakeHistory(3);
    h[2].metrics!['we<ird>&"k"'] = 0.5;
    const html = renderTrainingReport(h, { train: '<script>alert("x")</script>', "k<'ey'>": 'a & b', nested: { tag: '<b>' } },
      { title: 'run <1> & "2"' });
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(html).toContain('<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>');
    expect(html).toContain('<th>k&lt;&#39;ey&#39;&gt;</th><td>a &amp; b</td>');
    expect(html).toContain('<td>{&quot;tag&quot;:&quot;&lt;b&gt;&quot;}</td>');
    expect(html).toContain('<title>run &lt;1&gt; &amp; &quot;2&quot;</title>');
    expect(html).toContain('we&lt;ird&gt;&amp;&quot;k&quot; per epoch');
    expect(html).not.toMatch(NO_EXTERNAL);
  });

  it('renders degenerate histories: empty, one epoch, non-finite loss', () => {
    const empty = renderTrainingReport([], {});
    expect(charts(empty).map((x) => x.title)).toEqual(['Training loss per epoch', 'Time per epoch']);
    expect(empty).toContain('no data');
    expect(empty).toContain('No evaluation ran.');
    const one = charts(renderTrainingReport(fakeHistory(1), {}));
    expect(one[0].lines[0].points).toBe(1);
    const h = fakeHistory(5);
    h[1].loss = NaN;
    h[3].loss = Infinity;
    expect(charts(renderTrainingReport(h, {}))[0].lines[0].points).toBe(3);
  });

  it('rejects bad input with E_TYPE naming the field', () => {
    const bad: [unknown, unknown, unknown, RegExp][] = [
      [null, {}, {}, /history must be an array/], [[{ epoch: 1, loss: '0.5', seconds: 1 }], {}, {}, /history\[0\]\.loss/],
      [[null], {}, {}, /history\[0\]/], [[{ epoch: 1, loss: 1, seconds: 1, metrics: { r: '1' } }], {}, {}, /history\[0\]\.metrics\["r"\]/],
      [[{ epoch: 1, loss: 1, seconds: 1, evalSeconds: 'x' }], {}, {}, /evalSeconds/],
      [[], null, {}, /config/], [[], [1], {}, /config/], [[], {}, { title: 5 }, /options\.title/], [[], {}, null, /options/],
    ];
    for (const [h, c, o, message] of bad) {
      let err: unknown;
      try {
        renderTrainingReport(h as EpochEvent[], c as Record<string, unknown>, o as object);
      } catch (e) {
        err = e;
      }
      expect(err, String(message)).toMatchObject({ code: 'E_TYPE', message: expect.stringMatching(message) });
    }
  });

  it('writeTrainingReport writes the page; bad paths are E_INVALID_ARG / E_IO naming the file', async () => {
    const file = path.join(dir, 'r.html');
    await writeTrainingReport(file, fakeHistory(4), { model: 'mf' });
    expect(readFileSync(file, 'utf8')).toBe(renderTrainingReport(fakeHistory(4), { model: 'mf' }));
    await expect(writeTrainingReport('', [], {})).rejects.toMatchObject({ code: 'E_INVALID_ARG' });
    const missing = path.join(dir, 'no', 'such', 'dir', 'r.html');
    await expect(writeTrainingReport(missing, [], {})).rejects.toMatchObject({ code: 'E_IO', file: missing });
    await expect(writeTrainingReport(file, 'x' as unknown as EpochEvent[], {})).rejects.toMatchObject({ code: 'E_TYPE' });
  });
});

describe('chart ticks', () => {
  it('are nice steps covering the data, integer when asked, never empty', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.0312, 0.0871).map((v) => tickLabel(v, 0.02))).toEqual(['0.02', '0.04', '0.06', '0.08', '0.10']);
    for (const [lo, hi] of [[-3.7, 12.2], [1e-6, 3e-6], [0.69, 0.71], [100, 40000]]) {
      const t = niceTicks(lo, hi);
      expect(t[0]).toBeLessThanOrEqual(lo);
      expect(t[t.length - 1]).toBeGreaterThanOrEqual(hi);
      expect(t.length).toBeGreaterThanOrEqual(3);
      expect(t.length).toBeLessThanOrEqual(12);
    }
    expect(niceTicks(1, 3, 6, true)).toEqual([1, 2, 3]);
    expect(niceTicks(5, 5).length).toBeGreaterThan(1);
    expect(niceTicks(0, 0).length).toBeGreaterThan(1);
    expect(tickLabel(0.30000000000000004, 0.1)).toBe('0.3');
  });
});

describe('recforge train --report', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli', 'main.js'), ...args], { encoding: 'utf8' });
  const data = ['--train', files.train, '--test', files.test, '--id-mode', 'string', '--threads', '2'];

  it('writes the report of an MRL run next to the --json stream', () => {
    const out = path.join(dir, 'mrl.html');
    const r = cli('train', '--model', 'mrl', '--levels', '4,8', '--dim', '8', '--epochs', '3', '--eval-every', '1', '--batch', '256',
      ...data, '--report', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    const html = readFileSync(out, 'utf8');
    const c = charts(html);
    expect(c).toHaveLength(1 + 3 + 1 + 1);  // loss, recall/ndcg/precision@20, metric vs dim, time
    expect(c[0].lines[0].points).toBe(3);
    expect(c[4].title).toBe('Metrics vs embedding dimension (epoch 3)');
    expect(c[4].lines.every((l) => l.points === 2)).toBe(true);
    expect(html).toContain('<tr><th>model</th><td>mrl</td></tr>');
    expect(html).toContain(`<tr><th>train</th><td>${files.train}</td></tr>`);
    expect(html).toContain('<tr><th>levels</th><td>[4,8]</td></tr>');
    expect(html).toContain('<tr><th>batchSize</th><td>256</td></tr>');
    expect(html).not.toMatch(NO_EXTERNAL);
  }, 60_000);

  it('writes the report of an Interact2Vec run and says so in text mode', () => {
    const out = path.join(dir, 'i2v.html');
    const r = cli('train', '--model', 'interact2vec', '--dim', '8', '--epochs', '2', '--eval-every', '1', ...data, '--report', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote training report to ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(charts(html)[0].lines[0].points).toBe(2);
    expect(html).toContain('<tr><th>model</th><td>interact2vec</td></tr>');
    expect(html).toContain('<tr><th>negatives</th><td>5</td></tr>');
  }, 60_000);

  it('an unwritable --report path fails with E_IO naming it', () => {
    const out = path.join(dir, 'missing', 'r.html');
    const r = cli('train', '--model', 'mf', '--epochs', '1', ...data, '--report', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('E_IO');
    expect(r.stderr).toContain(out);
  }, 60_000);
});
