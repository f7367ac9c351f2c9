/**
 * TargetSeriesCache when the core reuses the ref of an evicted series for a new one: with the
 * resolver hook the entry is replaced when the new series is resolved; without it, the scrape's
 * unobserved new series clear the cache and labels are decoded again.
 */
import { Core } from '../../src/core/core';
import type { NewSeriesResolver } from '../../src/core/types';
import { TargetSeriesCache } from '../../src/plugins/series-cache';

async function scrape(core: Core, text: string, ts: number, resolve?: NewSeriesResolver) {
  const summary = await core.scrape([Buffer.from(text)], { format: 'text', timestampMs: ts }, resolve);
  return { core, summary };
}

describe('TargetSeriesCache', () => {
  test.each([true, false])('follows a reused ref (resolver hook: %s)', async (hooked) => {
    const core = Core.create({ evictAfterScrapes: 1 });
    const cache = new TargetSeriesCache();
    const resolve: NewSeriesResolver | undefined = hooked ? (batch) => cache.observe(batch) : undefined;

    cache.sync(await scrape(core, 'old_series 1\n', 1, resolve));
    const oldRef = core.snapshot().refs[0];
    expect(cache.entry(oldRef, core).labels).toEqual([['__name__', 'old_series']]);

    // old_series vanishes, is evicted, and a later new series gets its ref.
    let reused = false;
    for (let ts = 2; ts < 6 && !reused; ts++) {
      const result = await scrape(core, `new_series_${ts} 1\n`, ts, resolve);
      cache.sync(result);
      reused = [...core.snapshot().refs].includes(oldRef);
      const ref = core.snapshot().refs[0];
      expect(cache.entry(ref, core).labels).toEqual([['__name__', `new_series_${ts}`]]);
    }
    expect(reused).toBe(true);
  });

  test('syncing the same scrape twice changes nothing; the per-plugin view is relabeled once', async () => {
    const core = Core.create();
    const cache = new TargetSeriesCache();
    const result = await scrape(core, 'm{a="1"} 1\n', 1, (batch) => cache.observe(batch));
    cache.sync(result);
    const ref = core.snapshot().refs[0];
    const entry = cache.entry(ref, core);
    cache.sync(result);
    expect(cache.entry(ref, core)).toBe(entry);
    const view = entry.viewFor(0, undefined)!;
    expect(view.get('a')).toBe('1');
    expect(view.name).toBe('m');
    expect(entry.viewFor(0, undefined)).toBe(view);
    expect(entry.viewFor(1, undefined)).not.toBe(view);
  });
});

describe('TargetSeriesCache and a rebuilt core', () => {
  test('a core rebuilt smaller (its refs renumbered) clears the cache at the next sync', async () => {
    const core = Core.create();
    const cache = new TargetSeriesCache();
    const observe: NewSeriesResolver = (batch) => cache.observe(batch);
    cache.sync({ ...(await scrape(core, 'a 1\nb 2\n', 1, observe)), rebuilds: 0 });
    expect(cache.size).toBe(2);
    cache.sync({ ...(await scrape(core, 'a 1\nb 2\n', 2, observe)), rebuilds: 0 });
    expect(cache.size).toBe(2);
    cache.sync({ ...(await scrape(core, 'a 1\nb 2\n', 3, observe)), rebuilds: 1 });
    expect(cache.size).toBe(0);
  });
});
