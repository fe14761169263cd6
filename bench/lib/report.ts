/** Prints benchmark results as a table, with each row's ratio to a named baseline. */

export interface Row {
  name: string;
  /** Operations (or requests) per second. */
  rate: number;
}

const format = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Prints `rows` under `title`, each with its rate and its ratio to the row named `baseline`. */
export function printTable(
  title: string,
  rows: readonly Row[],
  baseline: string,
  unit = 'ops/s',
): void {
  const base = rows.find((row) => row.name === baseline)?.rate;
  const width = Math.max(...rows.map((row) => row.name.length), 10);
  console.log(`\n${title}`);
  console.log(`  ${'case'.padEnd(width)}  ${unit.padStart(12)}  ${`vs ${baseline}`}`);
  for (const row of rows) {
    const ratio = base ? `${(row.rate / base).toFixed(2)}x` : '-';
    console.log(`  ${row.name.padEnd(width)}  ${format.format(row.rate).padStart(12)}  ${ratio}`);
  }
}

/** Prints whether a goal holds: `actual` ≥ `target`. Returns whether it holds. */
export function printGoal(description: string, actual: number, target: number): boolean {
  const holds = actual >= target;
  console.log(
    `  goal ${holds ? 'met' : 'MISSED'}: ${description}: ${actual.toFixed(2)}x (target ${target}x)`,
  );
  return holds;
}
