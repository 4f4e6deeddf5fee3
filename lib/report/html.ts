/**
 * HTML building blocks of the training report: escaping (every piece of text that reaches the
 * page goes through {@link escapeHtml}) and key/value tables.
 * @internal
 * @module
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML/SVG element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A value as table text: strings as they are, numbers with up to 6 significant digits, the rest as JSON. */
export function cellText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isInteger(value) || !Number.isFinite(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (value === undefined) return '';
  return JSON.stringify(value) ?? String(value);
}

/** A two-column table (`key`, `value`) of the given rows, all text escaped. */
export function keyValueTable(rows: Iterable<readonly [string, unknown]>, className: string): string {
  const body = [...rows].map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(cellText(v))}</td></tr>`).join('');
  return `<table class="${escapeHtml(className)}">${body}</table>`;
}
