/**
 * Fuzz properties of the core's protobuf exposition parser (properties.ts lists them with the
 * others):
 *
 *   protobuf          pages from arbitrary MetricFamily lists, unpacked or packed, any chunking:
 *                     the requests hold exactly the reference's samples (protobuf-reference.ts),
 *                     or both refuse the page
 *   protobuf-splits   mutated pages (bytes flipped, inserted, cut): the page whole, cut at random
 *                     offsets and byte by byte gives identical requests, or the same error
 */
import fc from 'fast-check';
import { ScrapewireError } from '../../src/errors';
import { comparable, expectedRows } from '../helpers/core-harness';
import { encodePage } from '../support/client-model';
import { parseProtobufReference, type ProtobufReferenceParse, type RefNativeHistogram } from '../support/protobuf-reference';
import { histogramsFromRw2 } from '../helpers/native-histograms';
import { RW2 } from '../../src/remote-write-protocol';
import { debugCore } from './debug-core';
import { observe, type Observation } from './observe';
import { chunking, chunksOf } from './pages';
import { mutate, protobufFamilies } from './protobuf-pages';

const SCRAPE_TS = 1_700_000_000_000;
const CORE_OPTIONS = { maxLineBytes: 1 << 16, evictAfterScrapes: 2 };

function same(what: string, actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a === e) return;
  let at = 0;
  while (at < a.length && a[at] === e[at]) at++;
  throw new Error(`${what} differ at character ${at}:\n  core:      ${a.slice(Math.max(0, at - 80), at + 160)}\n  reference: ${e.slice(Math.max(0, at - 80), at + 160)}`);
}

function reference(page: Uint8Array, options: HistogramSwitches = { scrapeNativeHistograms: false, alwaysScrapeClassicHistograms: false }): ProtobufReferenceParse | ScrapewireError {
  try {
    return parseProtobufReference(page, options);
  } catch (err) {
    if (err instanceof ScrapewireError) return err;
    throw err;
  }
}

const rows = (o: Observation) => o.rw1.map((r) => ({ labels: r.labels, value: r.value, timestamp: r.timestamp }));

interface HistogramSwitches { scrapeNativeHistograms: boolean; alwaysScrapeClassicHistograms: boolean }
const switches: fc.Arbitrary<HistogramSwitches> = fc.record({ scrapeNativeHistograms: fc.boolean(), alwaysScrapeClassicHistograms: fc.boolean() });

/** The reference's native records as the core sends them (histogramsFromRw2's shape). */
function sentForm(h: RefNativeHistogram) {
  return {
    labels: h.labels.filter(([, v]) => v !== ''), timestamp: h.timestampMs ?? SCRAPE_TS, float: h.float, schema: h.schema, zeroThreshold: h.zeroThreshold,
    zeroCount: h.zeroCount, count: h.count, sum: h.sum, positive: h.positive, negative: h.negative,
    resetHint: h.type === 'gaugehistogram' ? 'RESET_HINT_GAUGE' : 'RESET_HINT_UNSPECIFIED',
  };
}

export function protobufDifferential(): fc.IPropertyWithHooks<[{ page: Uint8Array; cuts: number[]; options: HistogramSwitches }]> {
  const pages = fc.tuple(protobufFamilies, fc.boolean()).map(([families, packed]) => encodePage(families, { packed }));
  const cases = fc.tuple(pages, switches).chain(([page, options]) => chunking(page.length).map((cuts) => ({ page, cuts, options })));
  return fc.property(cases, ({ page, cuts, options }) => {
    const core = debugCore({ ...CORE_OPTIONS, ...options });
    const chunks = chunksOf(page, cuts);
    let rw2: Uint8Array[] = [];
    const observed = observe(core, { chunks, format: 'protobuf', timestampMs: SCRAPE_TS });
    if (observed.error === undefined) core.encode(RW2, {}, (request) => { rw2.push(request.slice()); });
    else rw2 = [];
    const expected = reference(page, options);
    if (expected instanceof ScrapewireError) {
      if (observed.error === undefined) throw new Error(`the core accepted a page the reference rejects: ${expected.detail}`);
      return;
    }
    if (observed.error !== undefined) throw new Error(`the core rejected a page the reference accepts: ${observed.error.message}`);
    // A series that is a float and a histogram in one scrape: the core keeps whichever came
    // first; the reference does not say which did.
    const floatKeys = new Set(expected.samples.map((r) => JSON.stringify(r.labels.filter(([, v]) => v !== ''))));
    fc.pre(expected.histograms.every((h) => !floatKeys.has(JSON.stringify(h.labels.filter(([, v]) => v !== '')))));
    const want = comparable(expectedRows(expected.samples, SCRAPE_TS));
    same('rw1 rows', rows(observed), want);
    same('rw2 rows', observed.rw2.map((r) => ({ labels: r.labels, value: r.value, timestamp: r.timestamp })), want);
    // Histograms: as many as the reference's records minus repeated series (the first is kept).
    const seen = new Set<string>();
    const histograms = expected.histograms.filter((h) => { const key = JSON.stringify(h.labels.filter(([, v]) => v !== '')); if (seen.has(key)) return false; seen.add(key); return true; });
    same('2.0 histograms', histogramsFromRw2(rw2).map(withoutNaN), histograms.map(sentForm).map(withoutNaN));
  });
}

/** NaN compares equal to NaN in the report (JSON writes null for both). */
const withoutNaN = (h: object) => JSON.parse(JSON.stringify(h, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)));

export function protobufSplits(): fc.IPropertyWithHooks<[{ page: Uint8Array; cuts: number[] }]> {
  const pages = fc.tuple(protobufFamilies, fc.boolean()).chain(([families, packed]) => mutate(encodePage(families, { packed })));
  return fc.property(pages.chain((page) => chunking(page.length).map((cuts) => ({ page, cuts }))), ({ page, cuts }) => {
    const whole = observe(debugCore(CORE_OPTIONS), { chunks: [page], format: 'protobuf', timestampMs: SCRAPE_TS });
    const cut = observe(debugCore(CORE_OPTIONS), { chunks: chunksOf(page, cuts), format: 'protobuf', timestampMs: SCRAPE_TS });
    const byByte = observe(debugCore(CORE_OPTIONS), { chunks: chunksOf(page, Array.from({ length: Math.max(0, page.length - 1) }, (_, i) => i + 1)), format: 'protobuf', timestampMs: SCRAPE_TS });
    const outcome = (o: Observation) => (o.error === undefined ? { rw1: o.rw1, rw2: o.rw2, families: o.families } : { error: o.error.message });
    same('cut at random offsets', outcome(cut), outcome(whole));
    same('byte by byte', outcome(byByte), outcome(whole));
  });
}
