/**
 * A small line-chart renderer producing inline SVG (axes, nice ticks, one polyline per series,
 * a legend), so the training report needs no plotting dependency and no external resource.
 * Non-finite points are skipped; every piece of text is escaped.
 * @internal
 * @module
 */
import { escapeHtml } from './html.js';

/** One line of a chart: (x, y) points in drawing order. */
export interface Series {
  /** Legend text. */
  name: string;
  /** Points; those with a non-finite coordinate are skipped. */
  points: readonly (readonly [number, number])[];
}

/** A tick placed by the caller (e.g. categorical dimensions). */
export interface Tick {
  /** Position in data units. */
  value: number;
  /** Text under the tick. */
  label: string;
}

/** Options of {@link lineChart}. */
export interface ChartOptions {
  /** Title above the plot. */
  title: string;
  /** Label of the x axis. */
  xLabel: string;
  /** Label of the y axis. */
  yLabel: string;
  /** Only integer x ticks (epochs). */
  integerX?: boolean;
  /** x ticks to use instead of computed ones. */
  xTicks?: readonly Tick[];
  /** Pixel size (default 540 × 320). */
  width?: number;
  height?: number;
}

/** Series colours (colour-blind friendly, Okabe-Ito order). */
export const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#f0e442'];

/** "Nice" ticks (steps of 1, 2 or 5 × 10^n) covering [min, max]; at least one step when min = max. */
export function niceTicks(min: number, max: number, target = 5, integer = false): number[] {
  if (max - min <= 0) {
    const pad = Math.abs(min) * 0.1 || 1;
    [min, max] = [min - pad, max + pad];
  }
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const lo = Math.floor(min / step + 1e-9), hi = Math.ceil(max / step - 1e-9);
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) ticks.push(Number((k * step).toPrecision(12)));  // no float noise (0.6, not 0.6000000000000001)
  return ticks;
}

/** A tick label: enough decimals for the step between ticks, no float noise. */
export function tickLabel(value: number, step: number): string {
  const decimals = Math.min(10, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(decimals);
}

const fmt = (v: number) => String(Math.round(v * 100) / 100);

/** Renders the series as one `<svg>` element. */
export function lineChart(series: readonly Series[], o: ChartOptions): string {
  const width = o.width ?? 540, height = o.height ?? 320;
  const clean = series.map((s) => ({ name: s.name, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)) }));
  const all = clean.flatMap((s) => s.points);
  const legendWidth = series.length > 1 ? 130 : 0;
  const m = { left: 64, right: 16 + legendWidth, top: 32, bottom: 48 };
  const plotW = width - m.left - m.right, plotH = height - m.top - m.bottom;
  const parts: string[] = [
    `<svg class="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(o.title)}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="${m.left}" y="20" font-size="14" font-weight="bold">${escapeHtml(o.title)}</text>`,
    `<text x="${fmt(m.left + plotW / 2)}" y="${height - 8}" font-size="12" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`,
    `<text x="14" y="${fmt(m.top + plotH / 2)}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${fmt(m.top + plotH / 2)})">${escapeHtml(o.yLabel)}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888888"/>`,
  ];
  if (all.length === 0) {
    parts.push(`<text x="${fmt(m.left + plotW / 2)}" y="${fmt(m.top + plotH / 2)}" font-size="12" text-anchor="middle" fill="#888888">no data</text></svg>`);
    return parts.join('');
  }
  const xs = o.xTicks?.map((t) => t.value) ?? niceTicks(Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0])), 6, o.integerX);
  const xTicks: Tick[] = o.xTicks ? [...o.xTicks] : xs.map((v) => ({ value: v, label: tickLabel(v, xs.length > 1 ? xs[1] - xs[0] : 1) }));
  const ys = niceTicks(Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1])));
  const xMin = Math.min(...xs, ...all.map((p) => p[0])), xMax = Math.max(...xs, ...all.map((p) => p[0]));
  const [yMin, yMax] = [ys[0], ys[ys.length - 1]];
  const px = (x: number) => m.left + (xMax === xMin ? plotW / 2 : ((x - xMin) / (xMax - xMin)) * plotW);
  const py = (y: number) => m.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  for (const t of xTicks) {
    const x = fmt(px(t.value));
    parts.push(`<line x1="${x}" y1="${m.top + plotH}" x2="${x}" y2="${m.top + plotH + 5}" stroke="#444444"/>`,
      `<text x="${x}" y="${m.top + plotH + 18}" font-size="11" text-anchor="middle">${escapeHtml(t.label)}</text>`);
  }
  for (const v of ys) {
    const y = fmt(py(v));
    parts.push(`<line x1="${m.left - 5}" y1="${y}" x2="${m.left + plotW}" y2="${y}" stroke="#e4e4e4"/>`,
      `<text x="${m.left - 8}" y="${y}" font-size="11" text-anchor="end" dominant-baseline="middle">${escapeHtml(tickLabel(v, ys[1] - ys[0]))}</text>`);
  }
  clean.forEach((s, k) => {
    const colour = PALETTE[k % PALETTE.length];
    const pts = s.points.map(([x, y]) => `${fmt(px(x))},${fmt(py(y))}`);
    parts.push(`<polyline class="series" data-series="${escapeHtml(s.name)}" points="${pts.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    if (s.points.length <= 60) for (const p of pts) {
      const [cx, cy] = p.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${colour}"/>`);
    }
    if (legendWidth > 0) {
      const lx = width - legendWidth, ly = m.top + 8 + k * 18;
      parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`,
        `<text x="${lx + 24}" y="${ly}" font-size="11" dominant-baseline="middle">${escapeHtml(s.name)}</text>`);
    }
  });
  parts.push('</svg>');
  return parts.join('');
}
