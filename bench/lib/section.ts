/** What a section of `npm run bench` hands back: its part of docs/benchmarks.md. */
import type { ChartGroup } from '../report/chart.ts';
import type { BenchOptions } from './options.ts';

export interface SectionReport {
  /** The section's heading. */
  title: string;
  /** Markdown: what was measured and how, then the figures. Printed, and written to the docs. */
  body: string;
  /** Bars for the chart (the HTTP section's). */
  chart?: ChartGroup[];
}

/** A section runs, prints its progress, and returns its report (none when it was skipped). */
export type Section = (options: BenchOptions) => Promise<SectionReport | undefined>;
