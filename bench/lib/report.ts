/** Plain-text tables and number formatting for the bench's report. */

export type Cell = string | number | null | undefined;

/** Formats a number for a table: null/NaN as "-", otherwise `digits` significant-ish decimals. */
export function fmt(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (Math.abs(x) >= 1000) return x.toFixed(0);
  return x.toFixed(digits);
}

/** "x0.028" style ratio against the raw baseline. */
export function fmtRatio(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '-';
  if (x >= 100) return `x${x.toFixed(0)}`;
  if (x >= 10) return `x${x.toFixed(1)}`;
  if (x >= 0.1) return `x${x.toFixed(2)}`;
  return `x${x.toFixed(3)}`;
}

/**
 * Left-aligns the first column and right-aligns the others, with a rule under the header.
 * Every row must have as many cells as the header.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  for (const r of rows) if (r.length !== header.length) throw new Error(`row has ${r.length} cells, header ${header.length}`);
  const text = (c: Cell) => (c === null || c === undefined ? '-' : String(c));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => text(r[i]).length)));
  const line = (cells: readonly Cell[]) =>
    cells.map((c, i) => (i === 0 ? text(c).padEnd(widths[i]) : text(c).padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** "name 12.3, other 4.5" sorted by value, largest first; entries under `min` are summed as "other". */
export function formatBreakdown(values: Record<string, number>, digits = 2, min = 0): string {
  const entries = Object.entries(values).sort((a, b) => b[1] - a[1]);
  const shown = entries.filter(([, v]) => v >= min);
  const rest = entries.filter(([, v]) => v < min).reduce((a, [, v]) => a + v, 0);
  const parts = shown.map(([k, v]) => `${k} ${v.toFixed(digits)}`);
  if (rest > 0) parts.push(`other ${rest.toFixed(digits)}`);
  return parts.join(', ');
}
