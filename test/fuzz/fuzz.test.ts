/**
 * A few thousand seeded fuzz cases in every `npm test`; `npm run fuzz` runs a million.
 */
import { Core } from '../../src/core';
import { fuzz } from './fuzz';

test('3,000 mutated and random inputs end in a result or a typed error, never a trap', async () => {
  const stats = await fuzz(20261124, 3000);
  expect(stats.cases).toBe(3000);
  // Both outcomes occur: the mutations are neither all harmless nor all fatal.
  expect(stats.parsed).toBeGreaterThan(100);
  expect(stats.rejected).toBeGreaterThan(100);
});

test('after the fuzz cases a core still parses correctly', async () => {
  await fuzz(7, 500);
  const core = Core.create();
  const summary = await core.scrape([Buffer.from('a 1\n')], { format: 'text', timestampMs: 1 });
  expect(summary.samples).toBe(1);
  expect(core.trapCount).toBe(0);
});
