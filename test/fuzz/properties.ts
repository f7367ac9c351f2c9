/**
 * The fuzz properties: the core (debug build, through the public Core API) against the reference
 * parser, on pages from pages.ts. Each is a fast-check property; fuzz.test.ts runs a few thousand
 * cases of them in `npm test`, run.ts as many as asked (`npm run fuzz -- --runs 1000000`).
 *
 *   differential  both formats, any chunking: the requests hold exactly the reference's samples,
 *                 metadata and exemplars, or the scrape fails on the reference's error line
 *   syntax        OpenMetrics checked for syntax only: whatever the reference accepts, the same
 *   splits        a page cut at every offset, and byte by byte: identical requests, or the same error
 *   resolver      keep / drop / rewrite decisions: applied to exactly the series they were made for
 *   sequence      scrapes in a row on one core, with decisions, failures, aborts and rebuilds:
 *                 each scrape's samples and staleness markers as a model of the target says
 *   skip          onParseError 'skip': the reference's samples once its bad lines are blanked
 *   limits        label, sample and series limits: the scrape fails on the first line over one
 *   protobuf, protobuf-splits   the protobuf exposition (protobuf-properties.ts)
 */
import fc from 'fast-check';
import type { Core, ExpositionFormat, Label, SeriesDecision } from '../../src/core';
import { ScrapewireError } from '../../src/errors';
import { debugCore } from './debug-core';
import { decided, expect_, keepAll, referenceParse, type Decide, type Expectation } from './oracle';
import { encoded, observe, type ObservedFamily, type ObservedRow, type Observation } from './observe';
import { chunking, chunksOf, page, type Page } from './pages';
import { protobufDifferential, protobufSplits } from './protobuf-properties';

const SCRAPE_TS = 1_700_000_000_000;
const STALE = '7ff0000000000002';
// Long enough for any generated line: the reference has no line limit.
const CORE_OPTIONS = { maxLineBytes: 1 << 16, evictAfterScrapes: 2 };

/** Throws a readable finding when `actual` and `expected` differ. */
function same(what: string, actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a === e) return;
  let at = 0;
  while (at < a.length && a[at] === e[at]) at++;
  throw new Error(`${what} differ at character ${at}:\n  core:      ${a.slice(Math.max(0, at - 80), at + 160)}\n  reference: ${e.slice(Math.max(0, at - 80), at + 160)}`);
}

const declared = (families: ObservedFamily[]) => families.filter((f) => f.type !== 'UNKNOWN' || f.help !== '' || f.unit !== '');

/** The core's observation against the oracle's expectation. */
function check(observed: Observation, expected: Expectation): void {
  if (expected.error !== undefined) {
    if (observed.error === undefined) throw new Error(`the core accepted a page the reference rejects: line ${expected.error.line}: ${expected.error.reason}`);
    if (observed.error.line !== expected.error.line) {
      throw new Error(`error on another line:\n  core:      ${observed.error.message}\n  reference: line ${expected.error.line}: ${expected.error.reason}`);
    }
    return;
  }
  if (observed.error !== undefined) throw new Error(`the core rejected a page the reference accepts: ${observed.error.message}`);
  same('samples', observed.summary?.samples, expected.samples);
  same('rw1 rows', observed.rw1, expected.rw1);
  same('rw2 rows', observed.rw2, expected.rw2);
  same('metadata request', declared(observed.families), expected.families);
}

const formats = fc.constantFrom<ExpositionFormat>('text', 'openmetrics');
const pageAndCuts = (pages: fc.Arbitrary<Page>) => pages.chain((p) => chunking(p.bytes.length).map((cuts) => ({ page: p, cuts })));
const anyPage = formats.chain((format) => page({ format }));

/** A case's input as text for a report (fast-check prints the counterexample with it). */
export function describePage(p: Page): string {
  return `${p.format} page (${p.bytes.length} bytes): ${JSON.stringify(Buffer.from(p.bytes).toString('latin1'))}`;
}

function differential(): fc.IPropertyWithHooks<[{ page: Page; cuts: number[] }]> {
  return fc.property(pageAndCuts(anyPage), ({ page: p, cuts }) => {
    const core = debugCore(CORE_OPTIONS);
    const observed = observe(core, { chunks: chunksOf(p.bytes, cuts), format: p.format, timestampMs: SCRAPE_TS });
    check(observed, expect_(referenceParse(p.bytes, p.format), SCRAPE_TS));
  });
}

function syntaxOnly(): fc.IPropertyWithHooks<[{ page: Page; cuts: number[] }]> {
  return fc.property(pageAndCuts(page({ format: 'openmetrics' })), ({ page: p, cuts }) => {
    const core = debugCore({ ...CORE_OPTIONS, openMetricsValidation: 'syntax' });
    const observed = observe(core, { chunks: chunksOf(p.bytes, cuts), format: p.format, timestampMs: SCRAPE_TS });
    const expected = expect_(referenceParse(p.bytes, p.format), SCRAPE_TS);
    if (expected.error === undefined) check(observed, expected);
  });
}

/** Everything a scrape gives, as bytes and positions: two runs compare exactly. */
function fingerprint(core: Core, p: Page, chunks: Uint8Array[]): string {
  const observed = observe(core, { chunks, format: p.format, timestampMs: SCRAPE_TS, maxSamplesPerRequest: 3 });
  // newSeries differs by design: the first run creates the series, the others find them.
  return JSON.stringify(observed.error ?? [{ ...observed.summary, newSeries: 0 }, observed.rw1, observed.rw2, observed.families]);
}

function splits(): fc.IPropertyWithHooks<[Page]> {
  return fc.property(formats.chain((format) => page({ format })).filter((p) => p.bytes.length <= 600), (p) => {
    const whole = fingerprint(debugCore(CORE_OPTIONS), p, [p.bytes]);
    const core = debugCore(CORE_OPTIONS);
    for (let cut = 1; cut < p.bytes.length; cut++) {
      same(`cut at ${cut}`, fingerprint(core, p, chunksOf(p.bytes, [cut])), whole);
    }
    same('byte by byte', fingerprint(core, p, chunksOf(p.bytes, Array.from({ length: Math.max(0, p.bytes.length - 1) }, (_, i) => i + 1))), whole);
  });
}

/** A decision function from a seed: drops, keeps, and rewrites (adds, removes, renames labels). */
const decisions = fc.record({ seed: fc.nat(), drop: fc.nat({ max: 4 }), rewrite: fc.nat({ max: 4 }) }).map(({ seed, drop, rewrite }): Decide => Object.assign((labels: readonly Label[]): SeriesDecision => {
  let h = seed;
  for (const [n, v] of labels) for (const c of n + '\u0000' + v + '\u0001') h = Math.imul(h ^ c.charCodeAt(0), 0x9e3779b1) >>> 0;
  const roll = h % 10;
  if (roll < drop) return { action: 'drop' };
  if (roll >= 10 - rewrite) {
    const kinds: ((l: readonly Label[]) => Label[])[] = [
      (l) => [...l, ['rewritten', String(h % 7)]],
      (l) => l.filter(([n]) => n === '__name__'),
      (l) => l.map(([n, v]) => [n, n === '__name__' ? `${v}_renamed` : v] as const),
      (l) => [...l.filter(([n]) => n !== 'a'), ['a', ''], ['zz', 'ü']],
    ];
    const labels2 = kinds[(h >>> 8) % kinds.length](labels);
    return { action: 'rewrite', labels: labels2.length > 0 ? labels2 : [['__name__', 'x']] };
  }
  return { action: 'keep' };
}, { [fc.toStringMethod]: () => `decisions(seed ${seed}, drop ${drop}/10, rewrite ${rewrite}/10)` }));

function resolverFor(decide: Decide) {
  return (batch: readonly { labels: Label[] }[]): SeriesDecision[] => batch.map((s) => decide(s.labels));
}

function resolver(): fc.IPropertyWithHooks<[{ page: Page; cuts: number[] }, Decide]> {
  return fc.property(pageAndCuts(anyPage), decisions, ({ page: p, cuts }, decide) => {
    const core = debugCore(CORE_OPTIONS);
    const observed = observe(core, { chunks: chunksOf(p.bytes, cuts), format: p.format, timestampMs: SCRAPE_TS, resolve: resolverFor(decide) });
    const expected = expect_(referenceParse(p.bytes, p.format), SCRAPE_TS, decide);
    check(observed, expected);
  });
}

interface Step {
  page: Page;
  cuts: number[];
  /** Abort after this many chunks (a timeout), or null. */
  abortAfter: number | null;
  rebuild: boolean;
  maxSamples: number;
}

const step = pageAndCuts(anyPage).chain(({ page: p, cuts }) => fc.record({
  page: fc.constant(p),
  cuts: fc.constant(cuts),
  abortAfter: fc.option(fc.nat({ max: cuts.length }), { freq: 6 }),
  rebuild: fc.boolean(),
  maxSamples: fc.integer({ min: 1, max: 20 }),
}));

/**
 * Scrapes in a row. The model of the target: the samples of the last good scrape, by series
 * (its scraped labels); each good scrape sends its samples, then a staleness marker for each
 * series of the last good scrape it lacks, in that scrape's order. A failed or aborted scrape
 * sends nothing and changes nothing. rebuild() changes nothing either (but the last metadata).
 */
function sequence(): fc.IPropertyWithHooks<[Step[], Decide]> {
  return fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), decisions, (steps, decide) => {
    const core = debugCore(CORE_OPTIONS);
    let previous: { key: string; labels: Label[] | null }[] = [];
    steps.forEach((s, i) => {
      const timestampMs = SCRAPE_TS + i * 1000;
      const chunks = chunksOf(s.page.bytes, s.cuts);
      const parse = referenceParse(s.page.bytes, s.page.format);
      const expected = expect_(parse, timestampMs, decide);
      if (s.abortAfter !== null) {
        core.begin({ format: s.page.format, timestampMs }, resolverFor(decide));
        try {
          for (const chunk of chunks.slice(0, s.abortAfter)) core.feed(chunk);
        } catch (err) {
          if (!(err instanceof ScrapewireError) || err.code === 'ERR_CORE_TRAP' || err.code === 'ERR_CORE_STATE' || err.code === 'ERR_USAGE') throw err;
        }
        core.abort();
        same(`scrape ${i} (aborted) sends`, encoded(core, { includeStale: true }).rw1, []);
      } else {
        const observed = observe(core, { chunks, format: s.page.format, timestampMs, resolve: resolverFor(decide), includeStale: true, maxSamplesPerRequest: s.maxSamples });
        if (expected.error !== undefined || observed.error !== undefined) {
          check(observed, expected);
          same(`scrape ${i} (failed) sends`, encoded(core, { includeStale: true }).rw1, []);
        } else {
          const current = currentSeries(parse, decide);
          const keys = new Set(current.map((c) => c.key));
          const stale: ObservedRow[] = previous.filter((p) => p.labels !== null && !keys.has(p.key))
            .map((p) => ({ labels: p.labels!, value: STALE, timestamp: timestampMs }));
          same(`scrape ${i} rw1 rows`, observed.rw1, [...expected.rw1, ...stale]);
          same(`scrape ${i} rw2 rows`, observed.rw2.map(({ metadata: _m, exemplars: _e, ...row }) => row), [...expected.rw1, ...stale]);
          previous = current;
        }
      }
      if (s.rebuild) {
        const before = encoded(core, { includeStale: true, maxSamplesPerRequest: s.maxSamples });
        core.rebuild();
        const after = encoded(core, { includeStale: true, maxSamplesPerRequest: s.maxSamples });
        same(`scrape ${i} re-encoded after rebuild()`, after.rw1, before.rw1);
      }
    });
  });
}

/** The series of a good scrape in order, each once, with the labels the decision left (null: dropped). */
function currentSeries(parse: ReturnType<typeof referenceParse>, decide: Decide): { key: string; labels: Label[] | null }[] {
  if (parse instanceof ScrapewireError) return [];
  const seen = new Set<string>();
  const out: { key: string; labels: Label[] | null }[] = [];
  for (const sample of parse.samples) {
    const labels = sample.labels.filter(([, v]) => v !== '');
    const key = JSON.stringify(labels);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ key, labels: decided(labels, decide(labels)) });
  }
  return out;
}

/**
 * onParseError 'skip' (text): what the reference gives once every line it rejects is blanked, one
 * at a time, and as many skipped lines.
 */
function skip(): fc.IPropertyWithHooks<[{ page: Page; cuts: number[] }]> {
  return fc.property(pageAndCuts(page({ format: 'text' })), ({ page: p, cuts }) => {
    const core = debugCore({ ...CORE_OPTIONS, onParseError: 'skip' });
    const observed = observe(core, { chunks: chunksOf(p.bytes, cuts), format: 'text', timestampMs: SCRAPE_TS });
    const lines = Buffer.from(p.bytes).toString('latin1').split('\n');
    let skipped = 0;
    let parse = referenceParse(p.bytes, 'text');
    while (parse instanceof ScrapewireError && skipped < lines.length) {
      lines[(parse.line ?? 1) - 1] = '';
      skipped++;
      parse = referenceParse(Buffer.from(lines.join('\n'), 'latin1'), 'text');
    }
    check(observed, expect_(parse, SCRAPE_TS));
    same('skipped lines', observed.summary?.skippedLines, skipped);
  });
}

interface Limits {
  sampleLimit: number;
  seriesLimit: number;
  labelLimit: number;
  labelNameLengthLimit: number;
  labelValueLengthLimit: number;
}

const limits = fc.record({
  sampleLimit: fc.oneof(fc.constant(0), fc.nat({ max: 12 })),
  seriesLimit: fc.oneof(fc.constant(0), fc.nat({ max: 12 })),
  labelLimit: fc.oneof(fc.constant(0), fc.nat({ max: 5 })),
  labelNameLengthLimit: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
  labelValueLengthLimit: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
});

/**
 * Limits on a page the reference accepts, on a fresh core: the first line whose new series has
 * too many labels or a label too long, is the (limit+1)th new series, or the (limit+1)th sample,
 * fails the scrape with that limit's code; below every limit the scrape is as without them.
 */
function limitsProperty(): fc.IPropertyWithHooks<[{ page: Page; cuts: number[] }, Limits]> {
  return fc.property(pageAndCuts(anyPage), limits, ({ page: p, cuts }, l) => {
    const parse = referenceParse(p.bytes, p.format);
    if (parse instanceof ScrapewireError) return;
    const core = debugCore({ ...CORE_OPTIONS, ...l });
    const observed = observe(core, { chunks: chunksOf(p.bytes, cuts), format: p.format, timestampMs: SCRAPE_TS });
    const lines = lineOfSample(p.bytes, parse.samples.length);
    // The first new series over a limit: the label limits (any of those it breaks: the core
    // stops at the first label over one), else the series limit, else the sample limit.
    let violation: { codes: string[]; line: number } | undefined;
    const seen = new Set<string>();
    parse.samples.forEach((sample, i) => {
      if (violation !== undefined) return;
      const labels = sample.labels.filter(([, v]) => v !== '');
      const key = JSON.stringify(labels);
      if (seen.has(key)) return;
      const codes: string[] = [];
      if (l.labelLimit !== 0 && labels.length > l.labelLimit) codes.push('ERR_LABEL_LIMIT');
      if (l.labelNameLengthLimit !== 0 && labels.some(([n]) => Buffer.byteLength(n) > l.labelNameLengthLimit)) codes.push('ERR_LABEL_NAME_LENGTH_LIMIT');
      if (l.labelValueLengthLimit !== 0 && labels.some(([, v]) => Buffer.byteLength(v) > l.labelValueLengthLimit)) codes.push('ERR_LABEL_VALUE_LENGTH_LIMIT');
      if (codes.length === 0 && l.seriesLimit !== 0 && seen.size >= l.seriesLimit) codes.push('ERR_SERIES_LIMIT');
      if (codes.length === 0 && l.sampleLimit !== 0 && seen.size >= l.sampleLimit) codes.push('ERR_SAMPLE_LIMIT');
      if (codes.length > 0) violation = { codes, line: lines[i] };
      seen.add(key);
    });
    if (violation === undefined) {
      check(observed, expect_(parse, SCRAPE_TS));
      return;
    }
    const error = observed.error;
    if (error === undefined || error.line !== violation.line || !violation.codes.includes(error.code)) {
      throw new Error(`expected ${violation.codes.join(' or ')} on line ${violation.line}, got ${error === undefined ? 'success' : `${error.code}: ${error.message}`}`);
    }
  });
}

/** The line of each of the first `count` samples: lines that are neither blank nor comments. */
function lineOfSample(bytes: Uint8Array, count: number): number[] {
  const lines = Buffer.from(bytes).toString('latin1').split('\n');
  const out: number[] = [];
  lines.forEach((line, i) => {
    const t = line.trim();
    if (out.length < count && t !== '' && !t.startsWith('#')) out.push(i + 1);
  });
  return out;
}

export interface NamedProperty {
  name: string;
  /** Share of the cases of a run. */
  weight: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  property: () => fc.IRawProperty<any>;
}

export const PROPERTIES: NamedProperty[] = [
  { name: 'differential', weight: 30, property: differential },
  { name: 'syntax', weight: 8, property: syntaxOnly },
  { name: 'splits', weight: 4, property: splits },
  { name: 'resolver', weight: 20, property: resolver },
  { name: 'sequence', weight: 15, property: sequence },
  { name: 'skip', weight: 10, property: skip },
  { name: 'limits', weight: 13, property: limitsProperty },
  { name: 'protobuf', weight: 12, property: protobufDifferential },
  { name: 'protobuf-splits', weight: 4, property: protobufSplits },
];

