/**
 * Training reports: one self-contained HTML page (inline CSS and SVG, no script, no external
 * resource) with the loss per epoch, each evaluated metric per epoch, metric vs dimension for
 * nested-dimension (MRL) models, the time breakdown and the run's configuration.
 *
 * ```ts
 * for await (const e of trainer.fit({ epochs: 50, evalEvery: 5 })) {}
 * await writeTrainingReport('run.html', model.history, { ...model.config, ...trainer.options });
 * ```
 * @module
 */
import { RecforgeError } from '../errors.js';
import type { EpochEvent } from '../model.js';
import { writeFileAtomic } from '../safetensors.js';
import { escapeHtml, keyValueTable } from './html.js';
import { lineChart, type Series } from './svg-chart.js';

/** Options of {@link renderTrainingReport} and {@link writeTrainingReport}. */
export interface TrainingReportOptions {
  /** Page title (default `'recforge training report'`). */
  title?: string;
}

/** A metric key split into its base (`recall@20`) and, for per-level keys (`recall@20/d4`), the level width. */
function splitKey(key: string): { base: string; dim?: number } {
  const m = /^(.*)\/d(\d+)$/.exec(key);
  return m ? { base: m[1], dim: Number(m[2]) } : { base: key };
}

/** Evaluated epochs, in order. */
const evaluated = (h: readonly EpochEvent[]) => h.filter((e) => e.metrics !== undefined);

function lossChart(h: readonly EpochEvent[]): string {
  return lineChart([{ name: 'loss', points: h.map((e) => [e.epoch, e.loss]) }],
    { title: 'Training loss per epoch', xLabel: 'epoch', yLabel: 'mean loss', integerX: true });
}

/**
 * One chart per metric (`recall@20`, ...): the full-width value, plus one line per level for
 * MRL runs (the full-width line is left out when a level's line is the same values).
 */
function metricCharts(h: readonly EpochEvent[]): string[] {
  const ev = evaluated(h);
  const keys = [...new Set(ev.flatMap((e) => Object.keys(e.metrics!)))];
  const line = (key: string, name: string): Series => ({
    name, points: ev.filter((e) => e.metrics![key] !== undefined).map((e) => [e.epoch, e.metrics![key]]),
  });
  return keys.filter((k) => splitKey(k).dim === undefined).map((base) => {
    const levels = keys.filter((k) => splitKey(k).base === base && splitKey(k).dim !== undefined)
      .sort((a, b) => splitKey(a).dim! - splitKey(b).dim!).map((k) => line(k, `d = ${splitKey(k).dim}`));
    const full = line(base, levels.length > 0 ? 'full width' : base);
    const same = (s: Series) => s.points.length === full.points.length && s.points.every((p, j) => p[1] === full.points[j][1]);
    const series = levels.some(same) ? levels : [full, ...levels];
    return lineChart(series, { title: `${base} per epoch`, xLabel: 'epoch', yLabel: base, integerX: true });
  });
}

/** MRL: each metric against the prefix width at the last evaluation with per-level keys (log2 x axis). */
function dimensionChart(h: readonly EpochEvent[]): string | undefined {
  const last = evaluated(h).reverse().find((e) => Object.keys(e.metrics!).some((k) => splitKey(k).dim !== undefined));
  if (!last) return undefined;
  const byBase = new Map<string, [number, number][]>();
  for (const [key, value] of Object.entries(last.metrics!)) {
    const { base, dim } = splitKey(key);
    if (dim === undefined || !(dim > 0)) continue;
    if (!byBase.has(base)) byBase.set(base, []);
    byBase.get(base)!.push([Math.log2(dim), value]);
  }
  const dims = [...new Set([...byBase.values()].flat().map((p) => p[0]))].sort((a, b) => a - b);
  const series = [...byBase].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) }));
  return lineChart(series, {
    title: `Metrics vs embedding dimension (epoch ${last.epoch})`, xLabel: 'prefix dimension d (log scale)', yLabel: 'metric',
    xTicks: dims.map((x) => ({ value: x, label: String(Math.round(2 ** x)) })),
  });
}

/** Train and eval seconds per epoch, and their totals. */
function timeSection(h: readonly EpochEvent[]): string {
  const ev = evaluated(h);
  const chart = lineChart([
    { name: 'train_s', points: h.map((e) => [e.epoch, e.seconds]) },
    { name: 'eval_s', points: ev.map((e) => [e.epoch, e.evalSeconds ?? 0]) },
  ], { title: 'Time per epoch', xLabel: 'epoch', yLabel: 'seconds', integerX: true });
  const train = h.reduce((a, e) => a + e.seconds, 0), evalS = ev.reduce((a, e) => a + (e.evalSeconds ?? 0), 0);
  const totals = keyValueTable([
    ['epochs', h.length], ['evaluations', ev.length], ['train_s total', train], ['eval_s total', evalS],
    ['total seconds', train + evalS], ['train_s per epoch (mean)', h.length > 0 ? train / h.length : 0],
    ['eval share', train + evalS > 0 ? `${((100 * evalS) / (train + evalS)).toFixed(1)} %` : '-'],
  ], 'totals');
  return `${chart}${totals}`;
}

/** Checks the history (an array of epoch records with numeric fields) so bad input is a typed error, never a broken page. */
function checkHistory(history: unknown): readonly EpochEvent[] {
  if (!Array.isArray(history)) throw new RecforgeError('E_TYPE', 'history must be an array of epoch events');
  history.forEach((e: unknown, j) => {
    if (e === null || typeof e !== 'object') throw new RecforgeError('E_TYPE', `history[${j}] must be an epoch event object`);
    const r = e as Record<string, unknown>;
    for (const f of ['epoch', 'loss', 'seconds'])
      if (typeof r[f] !== 'number') throw new RecforgeError('E_TYPE', `history[${j}].${f} must be a number, got ${typeof r[f]}`);
    if (r.evalSeconds !== undefined && typeof r.evalSeconds !== 'number')
      throw new RecforgeError('E_TYPE', `history[${j}].evalSeconds must be a number`);
    if (r.metrics !== undefined) {
      if (r.metrics === null || typeof r.metrics !== 'object') throw new RecforgeError('E_TYPE', `history[${j}].metrics must be an object`);
      for (const [k, v] of Object.entries(r.metrics))
        if (typeof v !== 'number') throw new RecforgeError('E_TYPE', `history[${j}].metrics[${JSON.stringify(k)}] must be a number`);
    }
  });
  return history as EpochEvent[];
}

function checkConfig(config: unknown): Record<string, unknown> {
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new RecforgeError('E_TYPE', 'config must be a plain object of run settings');
  return config as Record<string, unknown>;
}

const STYLE = 'body{font-family:sans-serif;margin:24px;color:#222;background:#fff}h1{font-size:22px}h2{font-size:17px;margin-top:28px}'
  + '.charts{display:flex;flex-wrap:wrap;gap:16px}svg.chart{border:1px solid #ddd}'
  + 'table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #ccc;padding:3px 10px;text-align:left;font-size:13px}'
  + 'th{background:#f3f3f3;font-weight:normal}td{font-family:monospace;word-break:break-all;max-width:640px}';

/**
 * The report page as a string: self-contained HTML (inline CSS and SVG, no script, no link).
 * `history` is a model's `history` (or the events of a `fit`); `config` is shown as a table (keys
 * in order; numbers, strings, and anything else as JSON), all text escaped.
 * @throws RecforgeError E_TYPE when `history` is not an array of epoch events (numeric `epoch`,
 *   `loss`, `seconds`; numeric metrics) or `config` is not a plain object.
 */
export function renderTrainingReport(history: readonly EpochEvent[], config: Record<string, unknown>, options: TrainingReportOptions = {}): string {
  const h = checkHistory(history);
  const c = checkConfig(config);
  if (options === null || typeof options !== 'object') throw new RecforgeError('E_TYPE', 'options must be an object');
  if (options.title !== undefined && typeof options.title !== 'string') throw new RecforgeError('E_TYPE', 'options.title must be a string');
  const title = options.title ?? 'recforge training report';
  const last = evaluated(h).at(-1);
  const section = (name: string, body: string) => `<section><h2>${escapeHtml(name)}</h2>${body}</section>`;
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    `<p>${h.length} epochs, ${evaluated(h).length} evaluations.</p>`,
    section('Loss', lossChart(h)),
    section('Metrics per epoch', evaluated(h).length > 0 ? `<div class="charts">${metricCharts(h).join('')}</div>` : '<p>No evaluation ran.</p>'),
  ];
  const dims = dimensionChart(h);
  if (dims) body.push(section('Metric vs dimension', dims));
  if (last) body.push(section(`Last evaluation (epoch ${last.epoch})`, keyValueTable(Object.entries(last.metrics!), 'metrics')));
  body.push(section('Time', timeSection(h)), section('Configuration', keyValueTable(Object.entries(c).filter(([, v]) => v !== undefined), 'config')));
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>`
    + `<style>${STYLE}</style></head><body>${body.join('\n')}</body></html>\n`;
}

/**
 * Writes {@link renderTrainingReport}'s page to `file` atomically.
 * @throws RecforgeError as {@link renderTrainingReport}; E_INVALID_ARG for an empty path, E_IO
 *   when the file cannot be written.
 */
export async function writeTrainingReport(file: string, history: readonly EpochEvent[], config: Record<string, unknown>,
  options: TrainingReportOptions = {}): Promise<void> {
  if (typeof file !== 'string' || file.length === 0) throw new RecforgeError('E_INVALID_ARG', 'file must be a non-empty path');
  await writeFileAtomic(file, Buffer.from(renderTrainingReport(history, config, options), 'utf8'));
}
