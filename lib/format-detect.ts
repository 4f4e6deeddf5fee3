/**
 * Guesses the format of an interaction file from its name and first lines.
 * @internal
 * @module
 */
import path from 'node:path';

/** Formats the loaders understand. `delimited` detects its delimiter (tab, `,`, `;`, space). */
export type ResolvedFormat = 'lines' | 'csv' | 'tsv' | 'delimited' | 'movielens';

const SAMPLE_BYTES = 64 * 1024;
const SAMPLE_LINES = 50;

/**
 * By name first (`.csv`, `.tsv`, MovieLens `u.data`; a `.gz` suffix is ignored), then by content:
 * commas/semicolons, a header-like first line, or tab-separated rows that all have the same 2-4
 * fields mean an edge list; anything else is the LightGCN line format (`user item item ...`),
 * whose rows have varying lengths. Rows of exactly `user item` read the same either way.
 */
export function detectFormat(file: string | undefined, bytes: Uint8Array): ResolvedFormat {
  const base = file ? path.basename(file).toLowerCase().replace(/\.gz$/, '') : '';
  if (base.endsWith('.csv')) return 'csv';
  if (base.endsWith('.tsv')) return 'tsv';
  if (base === 'u.data') return 'movielens';
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, SAMPLE_BYTES)).toString('latin1');
  const lines = head.split('\n').map((l) => l.trim()).filter((l) => l.length > 0).slice(0, SAMPLE_LINES);
  if (lines.length === 0) return 'lines';
  if (lines.some((l) => l.includes(',') || l.includes(';'))) return 'delimited';
  const first = lines[0].split(/[ \t]+/);
  if (first.some((t) => !/^-?\d+$/.test(t)) && lines.length > 1) return 'delimited';  // a header row
  const counts = new Set(lines.map((l) => l.split(/[ \t]+/).length));
  const [count] = counts;
  if (lines.some((l) => l.includes('\t')) && counts.size === 1 && count >= 2 && count <= 4) return 'delimited';
  return 'lines';
}
