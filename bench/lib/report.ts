/** Micro-benchmark results as Markdown: a table of rates beside a baseline, and goal lines. */
import { formatFixed, formatRate, markdownTable } from './markdown.ts';

export interface Row {
  name: string;
  /** Operations (or requests) per second. */
  rate: number;
}

/** `rows` with each one's rate and its ratio to the row named `baseline`. */
export function rateTable(rows: readonly Row[], baseline: string, unit = 'ops/s'): string {
  const base = rows.find((row) => row.name === baseline)?.rate ?? Number.NaN;
  return markdownTable(
    [
      { header: 'case' },
      { header: unit, align: 'right' },
      { header: `÷ ${baseline}`, align: 'right' },
    ],
    rows.map((row) => [row.name, formatRate(row.rate), formatFixed(row.rate / base, 2)]),
  );
}

/** A goal as a list item: `actual` ≥ `target`, met or missed. */
export function goalLine(description: string, actual: number, target: number): string {
  const result = actual >= target ? 'met' : '**missed**';
  return `- Goal ${result}: ${description}: ${formatFixed(actual, 2)}× (target ${target}×)`;
}
