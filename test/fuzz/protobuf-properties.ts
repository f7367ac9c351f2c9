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
import { parseProtobufReference, type ProtobufReferenceParse } from '../support/protobuf-reference';
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

function reference(page: Uint8Array): ProtobufReferenceParse | ScrapewireError {
  try {
    return parseProtobufReference(page);
  } catch (err) {
    if (err instanceof ScrapewireError) return err;
    throw err;
  }
}

const rows = (o: Observation) => o.rw1.map((r) => ({ labels: r.labels, value: r.value, timestamp: r.timestamp }));

export function protobufDifferential(): fc.IPropertyWithHooks<[{ page: Uint8Array; cuts: number[] }]> {
  const pages = fc.tuple(protobufFamilies, fc.boolean()).map(([families, packed]) => encodePage(families, { packed }));
  return fc.property(pages.chain((page) => chunking(page.length).map((cuts) => ({ page, cuts }))), ({ page, cuts }) => {
    const observed = observe(debugCore(CORE_OPTIONS), { chunks: chunksOf(page, cuts), format: 'protobuf', timestampMs: SCRAPE_TS });
    const expected = reference(page);
    if (expected instanceof ScrapewireError) {
      if (observed.error === undefined) throw new Error(`the core accepted a page the reference rejects: ${expected.detail}`);
      return;
    }
    if (observed.error !== undefined) throw new Error(`the core rejected a page the reference accepts: ${observed.error.message}`);
    const want = comparable(expectedRows(expected.samples, SCRAPE_TS));
    same('rw1 rows', rows(observed), want);
    same('rw2 rows', observed.rw2.map((r) => ({ labels: r.labels, value: r.value, timestamp: r.timestamp })), want);
  });
}

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
