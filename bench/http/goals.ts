/**
 * The targets issues 9 and 10 set for the HTTP figures, each judged on the median of its
 * per-round values (a ratio of two servers measured in the same round).
 */

export interface Goal {
  /**
   * `faster`: numerator's rate ÷ denominator's ≥ target. `p99`: numerator's p99 ÷
   * denominator's ≤ target. `overhead`: the microseconds per request numerator adds to its
   * framework with no sessions, minus those denominator adds to its own, ≤ target.
   */
  kind: 'faster' | 'p99' | 'overhead';
  numerator: string;
  denominator: string;
  target: number;
}

const goalOf =
  (kind: Goal['kind']) =>
  (numerator: string, denominator: string, target: number): Goal => ({
    kind,
    numerator,
    denominator,
    target,
  });
const faster = goalOf('faster');
const p99 = goalOf('p99');

export const GOALS: readonly Goal[] = [
  faster('coatcheck/node memory', 'line node:http memory', 0.85),
  faster('coatcheck/node sqlite', 'line node:http sqlite', 0.85),
  faster('coatcheck/node signed-cookie', 'line node:http signed-cookie', 0.85),
  faster('coatcheck/node redis', 'line node:http + redis', 0.85),
  p99('coatcheck/node memory', 'line node:http memory', 1.2),
  p99('coatcheck/node sqlite', 'line node:http sqlite', 1.2),
  p99('coatcheck/node signed-cookie', 'line node:http signed-cookie', 1.2),
  faster('coatcheck/node signed-cookie', 'iron-session node:http', 3),
  faster('coatcheck/node redis', 'coatcheck/node postgres', 1),
  faster('coatcheck/express memory', 'express-session MemoryStore', 1.5),
  faster('coatcheck/express sqlite', 'express-session better-sqlite3-session-store', 2),
  faster('coatcheck/express postgres', 'express-session connect-pg-simple', 2),
  faster('coatcheck/express redis', 'express-session connect-redis', 2),
  faster('coatcheck/next signed-cookie', 'iron-session next', 1),
  // On Express, where most users meet coatcheck, it may cost at most 5 µs more than on node:http.
  {
    kind: 'overhead',
    numerator: 'coatcheck/express memory',
    denominator: 'coatcheck/node memory',
    target: 5,
  },
];

/** How a goal reads in the report. */
export function describeGoal(goal: Goal): string {
  switch (goal.kind) {
    case 'faster':
      return `${goal.numerator} ÷ ${goal.denominator}, req/s`;
    case 'p99':
      return `${goal.numerator} ÷ ${goal.denominator}, p99`;
    case 'overhead':
      return `${goal.numerator} over its framework − ${goal.denominator} over its own, µs/request`;
  }
}

export function goalHolds(goal: Goal, measured: number): boolean {
  return goal.kind === 'faster' ? measured >= goal.target : measured <= goal.target;
}
