/**
 * Who is compared with whom in the HTTP section: each contender with its framework serving no
 * sessions, each coatcheck contender with every peer on the same framework and kind of store,
 * and the goals (issue 9's, plus issue 10's "coatcheck ahead" for every such pair).
 */
import { type Contender, contenders } from './contenders.ts';
import { GOALS, type Goal } from './goals.ts';

export const sameGround = (a: Contender, b: Contender) =>
  a.framework === b.framework && a.store === b.store;

export const bareOf = (entry: Contender) =>
  contenders.find((other) => other.role === 'bare' && other.framework === entry.framework);

/** Every coatcheck contender beside every peer on the same framework and kind of store. */
export const pairs: readonly [Contender, Contender][] = contenders.flatMap((ours) =>
  ours.role === 'coatcheck'
    ? contenders
        .filter((peer) => peer.role === 'peer' && sameGround(ours, peer))
        .map((peer): [Contender, Contender] => [ours, peer])
    : [],
);

// Issue 10 asks coatcheck to be ahead of every peer on the same ground; issue 9 sets higher
// targets for some pairs, which stand instead.
export const goals: readonly Goal[] = [
  ...GOALS,
  ...pairs
    .filter(
      ([ours, peer]) =>
        !GOALS.some((g) => g.numerator === ours.name && g.denominator === peer.name),
    )
    .map(
      ([ours, peer]): Goal => ({
        kind: 'faster',
        numerator: ours.name,
        denominator: peer.name,
        target: 1,
      }),
    ),
];
