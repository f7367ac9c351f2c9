/**
 * Fuzz property of convert_classic_histograms_to_nhcb (assembly/nhcb.ts), listed in properties.ts:
 *
 *   nhcb-splits   text and OpenMetrics pages (pages.ts, broken ones included) scraped with the
 *                 conversion on: no trap, and the page whole, cut at random offsets and byte by
 *                 byte gives identical requests, or the same error
 */
import fc from 'fast-check';
import type { ExpositionFormat } from '../../src/core';
import { debugCore } from './debug-core';
import { observe, type Observation } from './observe';
import { chunking, chunksOf, page } from './pages';

const SCRAPE_TS = 1_700_000_000_000;
const OPTIONS = { maxLineBytes: 1 << 16, evictAfterScrapes: 2, convertClassicHistogramsToNhcb: true, openMetricsValidation: 'syntax' as const };

export function nhcbSplits(): fc.IPropertyWithHooks<[{ bytes: Uint8Array; format: ExpositionFormat; cuts: number[]; always: boolean }]> {
  const cases = fc.constantFrom<ExpositionFormat>('text', 'openmetrics').chain((format) => page({ format }))
    .chain((p) => fc.tuple(chunking(p.bytes.length), fc.boolean()).map(([cuts, always]) => ({ bytes: p.bytes, format: p.format, cuts, always })));
  return fc.property(cases, ({ bytes, format, cuts, always }) => {
    const options = { ...OPTIONS, alwaysScrapeClassicHistograms: always };
    const outcome = (o: Observation) => JSON.stringify(o.error === undefined ? { rw1: o.rw1, rw2: o.rw2 } : { error: o.error.message });
    const whole = outcome(observe(debugCore(options), { chunks: [bytes], format, timestampMs: SCRAPE_TS }));
    const cut = outcome(observe(debugCore(options), { chunks: chunksOf(bytes, cuts), format, timestampMs: SCRAPE_TS }));
    if (cut !== whole) throw new Error(`cut at ${JSON.stringify(cuts)}:\n  ${cut.slice(0, 400)}\nwhole:\n  ${whole.slice(0, 400)}`);
  });
}
