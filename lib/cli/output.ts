/**
 * Result printing: JSON lines for machines (`--json`), aligned text for people.
 * @internal
 * @module
 */

/** Prints one JSON object on its own line. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}

/** Prints `key  value` rows with aligned keys; numbers get up to 6 significant digits. */
export function printTable(rows: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  for (const [k, v] of Object.entries(rows)) process.stdout.write(`${k.padEnd(width)}  ${formatValue(v)}\n`);
}

/** Human-readable value: rounded numbers, compact objects. */
export function formatValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (v !== null && typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}=${formatValue(x)}`)
      .join(' ');
  return String(v);
}
