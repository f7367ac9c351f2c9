/**
 * The fuzz properties (properties.ts) in every `npm test`: a few thousand cases with fixed seeds,
 * on the core's debug build. `npm run fuzz -- --runs 1000000` runs many more.
 */
import fc from 'fast-check';
import { PROPERTIES } from './properties';

/** Cases per property in `npm test`, by weight: ~3,000 in all. */
const CASES = 3000;
const weights = PROPERTIES.reduce((sum, p) => sum + p.weight, 0);

describe.each(PROPERTIES.map((p) => [p.name, p] as const))('%s', (_name, named) => {
  test(`${Math.round((CASES * named.weight) / weights)} cases`, () => {
    fc.assert(named.property(), { numRuns: Math.round((CASES * named.weight) / weights), seed: 20261202 });
  });
});
