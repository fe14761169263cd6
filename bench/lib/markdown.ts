/**
 * Markdown tables as Biome formats them (every column padded to its widest cell, at least
 * three wide, numbers aligned right), so the generated docs/benchmarks.md passes `biome ci`.
 */

export interface Column {
  header: string;
  /** Numbers read best aligned right. @default 'left' */
  align?: 'left' | 'right';
}

export function markdownTable(columns: readonly Column[], rows: readonly string[][]): string {
  const widths = columns.map((column, i) =>
    Math.max(3, column.header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const cell = (text: string, i: number) => {
    const width = widths[i] ?? 3;
    return columns[i]?.align === 'right' ? text.padStart(width) : text.padEnd(width);
  };
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = widths.map((width, i) =>
    columns[i]?.align === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width),
  );
  return [
    line(columns.map((column) => column.header)),
    `| ${rule.join(' | ')} |`,
    ...rows.map((row) => line(columns.map((_, i) => row[i] ?? ''))),
  ].join('\n');
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A rate as the tables print it: `12,345`, or `-` when there is none. */
export function formatRate(value: number): string {
  return Number.isFinite(value) ? integer.format(value) : '-';
}

/** A figure with a fixed number of decimals, or `-`. */
export function formatFixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}
