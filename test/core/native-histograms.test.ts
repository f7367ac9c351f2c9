/**
 * Native histograms in the core (assembly/histograms.ts): protobuf pages of every shape in the
 * kit (integer and float, gaps, negative spans, zero bucket only, no observations, schemas -4
 * and 8, empty buckets and zero-length spans, gauge histograms), written unpacked and packed,
 * scraped with scrape_native_histograms: the requests, decoded with the official 1.0 and 2.0
 * protos field by field, hold the reference's histograms (test/support/protobuf-reference.ts)
 * and its float samples; every split of a page gives identical requests; the limits reduce the
 * resolution as Prometheus does; staleness; send_native_histograms false leaves them out.
 */
import { Core, type CoreOptions } from '../../src/core';
import { ScrapewireError } from '../../src/errors';
import { RW1, RW2 } from '../../src/remote-write-protocol';
import { SCRAPE_TS, bits, comparable, expectedRows, rowsFromRw1, rowsFromRw2, runCore, splitAt } from '../helpers/core-harness';
import { histogramsFromRw1, histogramsFromRw2, type SentHistogram } from '../helpers/native-histograms';
import { decodeRw1, decodeRw2 } from '../helpers/remote-write-proto';
import { encodePage, type MetricFamilyInput } from '../support/client-model';
import { CLASSIC_FAMILIES, NATIVE_FAMILIES, NATIVE_SHAPES, nativeFamily, nativeHistogramScrapes } from '../support/protobuf-pages';
import { parseProtobufReference, reduceBuckets, type RefNativeHistogram } from '../support/protobuf-reference';

const NATIVE: CoreOptions = { scrapeNativeHistograms: true };

/** What the core should send for a reference record. */
function expectedHistogram(h: RefNativeHistogram, timestamp = SCRAPE_TS): SentHistogram {
  return {
    labels: h.labels, timestamp: h.timestampMs ?? timestamp, float: h.float, schema: h.schema, zeroThreshold: h.zeroThreshold,
    zeroCount: h.zeroCount, count: h.count, sum: h.sum, positive: h.positive, negative: h.negative,
    resetHint: h.type === 'gaugehistogram' ? 'RESET_HINT_GAUGE' : 'RESET_HINT_UNSPECIFIED',
  };
}
const asRw1 = (h: SentHistogram) => ({ ...h, resetHint: h.resetHint.replace('RESET_HINT_', '').replace('UNSPECIFIED', 'UNKNOWN') });

describe.each([
  ['native only', {}],
  ['with always_scrape_classic_histograms', { alwaysScrapeClassicHistograms: true }],
] as const)('%s', (_name, extra) => {
  describe.each([false, true])('packed %s', (packed) => {
    const page = encodePage([...CLASSIC_FAMILIES, ...NATIVE_FAMILIES], { packed });
    const reference = parseProtobufReference(page, { scrapeNativeHistograms: true, ...extra });
    const options: CoreOptions = { ...NATIVE, ...extra };

    test('histograms and float samples as the reference reads them, in 1.0 and 2.0', async () => {
      const run = await runCore([page], 'protobuf', { coreOptions: options });
      const want = reference.histograms.map((h) => expectedHistogram(h));
      expect(want.length).toBe(NATIVE_FAMILIES.length);
      expect(histogramsFromRw2(run.rw2)).toEqual(want);
      expect(histogramsFromRw1(run.rw1)).toEqual(want.map(asRw1));
      const floats = comparable(expectedRows(reference.samples));
      expect(comparable(rowsFromRw1(run.rw1))).toEqual(floats);
      expect(comparable(rowsFromRw2(run.rw2))).toEqual(floats);
    });

    test('every split gives identical requests', async () => {
      const whole = await runCore([page], 'protobuf', { coreOptions: options });
      for (let at = 1; at < page.length; at += 3) {
        const run = await runCore(splitAt(page, [at, at + 1, at + 7]), 'protobuf', { coreOptions: options });
        expect(Buffer.concat(run.rw1).equals(Buffer.concat(whole.rw1))).toBe(true);
        expect(Buffer.concat(run.rw2).equals(Buffer.concat(whole.rw2))).toBe(true);
      }
    });
  });
});

test('a histogram counts as one sample in max_samples_per_send and sample_limit', async () => {
  const page = encodePage(NATIVE_FAMILIES);
  const run = await runCore([page], 'protobuf', { coreOptions: NATIVE, maxSamplesPerRequest: 2 });
  expect(run.rw1).toHaveLength(Math.ceil(NATIVE_FAMILIES.length / 2));
  await expect(runCore([page], 'protobuf', { coreOptions: { ...NATIVE, sampleLimit: NATIVE_FAMILIES.length - 1 } }))
    .rejects.toMatchObject({ code: 'ERR_SAMPLE_LIMIT' });
  await runCore([page], 'protobuf', { coreOptions: { ...NATIVE, sampleLimit: NATIVE_FAMILIES.length } });
});

test('without send_native_histograms (nativeHistograms: false) histogram samples are left out', async () => {
  const core = Core.create(NATIVE);
  await core.scrape([encodePage([...CLASSIC_FAMILIES.slice(0, 1), ...NATIVE_FAMILIES])], { format: 'protobuf', timestampMs: SCRAPE_TS });
  const requests: Uint8Array[] = [];
  core.encode(RW2, { nativeHistograms: false }, (r) => requests.push(r.slice()));
  expect(histogramsFromRw2(requests)).toEqual([]);
  expect(rowsFromRw2(requests)).toHaveLength(2);
});

test('a histogram series that disappears gets a float staleness marker at the next scrape', async () => {
  const core = Core.create(NATIVE);
  const [first] = nativeHistogramScrapes(1, 5);
  await core.scrape([encodePage(first)], { format: 'protobuf', timestampMs: 1000 });
  await core.scrape([encodePage(CLASSIC_FAMILIES.slice(0, 1))], { format: 'protobuf', timestampMs: 2000 });
  const requests: Uint8Array[] = [];
  core.encode(RW1, {}, (r) => requests.push(r.slice()));
  const stale = rowsFromRw1(requests).filter((r) => bits(r.value) === '7ff0000000000002');
  expect(stale).toEqual([{ labels: [['__name__', 'native_resetting'], ['shape', 'native_resetting']], value: NaN, timestamp: 2000 }]);
});

describe('limits, as Prometheus applies them', () => {
  /** The reference's histogram `by` schemas down (reduceBuckets). */
  function reduced(h: RefNativeHistogram, by: number): RefNativeHistogram {
    return { ...h, schema: h.schema - by, positive: reduceBuckets(h.positive, by), negative: reduceBuckets(h.negative, by) };
  }
  const wide = nativeFamily('wide', {
    sample_count: 40, sample_sum: 1, schema: 3, positive_span: [{ offset: -3, length: 10 }], positive_delta: [1, 1, 1, 1, 1, -1, -1, -1, -1, 1],
    negative_span: [{ offset: 0, length: 3 }], negative_delta: [2, 0, 0],
  });
  const page = encodePage([wide]);
  const [record] = parseProtobufReference(page, { scrapeNativeHistograms: true }).histograms;

  test('native_histogram_min_bucket_factor reduces to the schema it gives', async () => {
    // pickSchema(1.1) = floor(-log2(log2(1.1))) = 2.
    const run = await runCore([page], 'protobuf', { coreOptions: { ...NATIVE, nativeHistogramMinBucketFactor: 1.1 } });
    expect(histogramsFromRw2(run.rw2)).toEqual([expectedHistogram(reduced(record, 1))]);
  });

  test('native_histogram_bucket_limit reduces one schema at a time until it fits', async () => {
    const total = record.positive.length + record.negative.length;
    expect(total).toBe(13);
    const run = await runCore([page], 'protobuf', { coreOptions: { ...NATIVE, nativeHistogramBucketLimit: 6 } });
    let by = 0;
    let h = record;
    while (h.positive.length + h.negative.length > 6) h = reduced(record, ++by);
    expect(by).toBeGreaterThan(1);
    expect(histogramsFromRw2(run.rw2)).toEqual([expectedHistogram(h)]);
  });

  test('at schema -4 and still over the limit, the scrape fails', async () => {
    const err = await runCore([encodePage([nativeFamily('coarse', NATIVE_SHAPES.schemaMinus4)])], 'protobuf',
      { coreOptions: { ...NATIVE, nativeHistogramBucketLimit: 1 } }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeUndefined();
    const two = nativeFamily('coarse', { sample_count: 3, sample_sum: 1, schema: -4, positive_span: [{ offset: 1, length: 2 }], positive_delta: [1, 1] });
    const failed = await runCore([encodePage([two])], 'protobuf', { coreOptions: { ...NATIVE, nativeHistogramBucketLimit: 1 } })
      .then(() => undefined, (e: unknown) => e);
    expect(failed).toBeInstanceOf(ScrapewireError);
    expect((failed as ScrapewireError).reason).toBe('BUCKET_LIMIT');
  });
});

test('spans that do not cover the buckets fail the scrape, as the reference', async () => {
  const bad: MetricFamilyInput = nativeFamily('bad', { sample_count: 3, sample_sum: 1, schema: 0, positive_span: [{ offset: 0, length: 3 }], positive_delta: [1, 1] });
  expect(() => parseProtobufReference(encodePage([bad]), { scrapeNativeHistograms: true })).toThrow('positive side: spans require 3 buckets, have 2');
  const err = await runCore([encodePage([bad])], 'protobuf', { coreOptions: NATIVE }).then(() => undefined, (e: unknown) => e);
  expect((err as ScrapewireError).reason).toBe('HISTOGRAM_SPANS');
  // Read as classic, the same page is fine.
  await runCore([encodePage([bad])], 'protobuf');
});

test('a core rebuilt between a scrape and its encoding leaves its histogram samples out (never a float NaN)', async () => {
  const core = Core.create(NATIVE);
  await core.scrape([encodePage([...CLASSIC_FAMILIES.slice(0, 1), ...NATIVE_FAMILIES])], { format: 'protobuf', timestampMs: SCRAPE_TS });
  core.rebuild();
  const requests: Uint8Array[] = [];
  core.encode(RW1, {}, (r) => requests.push(r.slice()));
  expect(rowsFromRw1(requests).map((r) => r.labels[0][1])).toEqual(['http_requests_total', 'http_requests_total']);
  expect(histogramsFromRw1(requests)).toEqual([]);
});

describe('exemplars of native histograms', () => {
  // Histogram.exemplars with a timestamp; without any there, the buckets' exemplars with one.
  const bucketsOnly = nativeFamily('bucket_exemplars', {
    sample_count: 4, sample_sum: 2, schema: 0, positive_span: [{ offset: 0, length: 1 }], positive_delta: [4],
    bucket: [
      { cumulative_count: 1, upper_bound: 1, exemplar: { label: [{ name: 'trace_id', value: 'late' }], value: 0.5, timestamp: { seconds: 1_700_000_200 } } },
      { cumulative_count: 4, upper_bound: Infinity, exemplar: { label: [{ name: 'trace_id', value: 'early' }], value: 3, timestamp: { seconds: 1_700_000_100 } } },
      { cumulative_count: 4, upper_bound: 5, exemplar: { label: [{ name: 'trace_id', value: 'untimed' }], value: 3 } },
    ],
  });
  const page = encodePage([...NATIVE_FAMILIES, bucketsOnly]);
  const reference = parseProtobufReference(page, { scrapeNativeHistograms: true }).histograms.filter((h) => h.exemplars.length > 0);
  const expected = reference.map((h) => ({
    series: JSON.stringify(h.labels),
    exemplars: [...h.exemplars].sort((a, b) => a.timestampMs! - b.timestampMs!).map((e) => ({ labels: e.labels, value: e.value, timestamp: e.timestampMs })),
  }));

  /* eslint-disable @typescript-eslint/no-explicit-any */
  function sentRw2(requests: Uint8Array[]) {
    const out: unknown[] = [];
    for (const request of requests) {
      const decoded: any = decodeRw2(request);
      for (const ts of decoded.timeseries) {
        if (ts.histograms.length === 0 || ts.exemplars.length === 0) continue;
        const name = (refs: number[]) => { const l: Array<[string, string]> = []; for (let i = 0; i < refs.length; i += 2) l.push([decoded.symbols[refs[i]], decoded.symbols[refs[i + 1]]]); return l; };
        out.push({ series: JSON.stringify(name(ts.labels_refs)), exemplars: ts.exemplars.map((e: any) => ({ labels: name(e.labels_refs), value: e.value, timestamp: e.timestamp })) });
      }
    }
    return out;
  }
  function sentRw1(requests: Uint8Array[]) {
    const out: unknown[] = [];
    for (const request of requests) {
      for (const ts of decodeRw1(request).timeseries) {
        if (ts.histograms.length === 0 || ts.exemplars.length === 0) continue;
        out.push({
          series: JSON.stringify(ts.labels.map((l: any) => [l.name, l.value])),
          exemplars: ts.exemplars.map((e: any) => ({ labels: e.labels.map((l: any) => [l.name, l.value]), value: e.value, timestamp: e.timestamp })),
        });
      }
    }
    return out;
  }
  /* eslint-enable @typescript-eslint/no-explicit-any */

  test('go out with the histogram in 2.0, and in 1.0 with send_exemplars, sorted by timestamp', async () => {
    expect(expected.map((e) => e.exemplars.length)).toEqual([1, 2]);
    const core = Core.create(NATIVE);
    await core.scrape([page], { format: 'protobuf', timestampMs: SCRAPE_TS });
    const rw2: Uint8Array[] = [];
    core.encode(RW2, {}, (r) => rw2.push(r.slice()));
    expect(sentRw2(rw2)).toEqual(expected);
    const rw1: Uint8Array[] = [];
    core.encode(RW1, { exemplars: true }, (r) => rw1.push(r.slice()));
    expect(sentRw1(rw1)).toEqual(expected);
  });
});

describe('schema range, as Prometheus 3 (>= 3.7) takes it', () => {
  // Every index of the positive side from -3 to 6, so each reduction merges something.
  const fine = (schema: number) => nativeFamily(`s${schema < 0 ? 'm' : ''}${Math.abs(schema)}`, {
    sample_count: 10, sample_sum: 1, schema, positive_span: [{ offset: -3, length: 10 }], positive_delta: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    negative_span: [{ offset: 2, length: 1 }], negative_delta: [0],
  });
  const refused = async (family: MetricFamilyInput, options: CoreOptions = NATIVE) => runCore([encodePage([family])], 'protobuf', { coreOptions: options })
    .then(() => undefined, (e: unknown) => e as ScrapewireError);

  test.each([9, 10, 30, 52])('schema %i (reserved) is reduced to 8, as the reference reduces it', async (schema) => {
    const page = encodePage([fine(schema)]);
    const [record] = parseProtobufReference(page, { scrapeNativeHistograms: true }).histograms;
    expect(record.schema).toBe(8);
    const run = await runCore([page], 'protobuf', { coreOptions: NATIVE });
    expect(histogramsFromRw2(run.rw2)).toEqual([expectedHistogram(record)]);
    expect(histogramsFromRw1(run.rw1)).toEqual([asRw1(expectedHistogram(record))]);
    if (schema === 52) expect(record.positive).toEqual([[0, 4], [1, 6]]);
  });

  test('a reserved schema goes down to native_histogram_min_bucket_factor\'s schema', async () => {
    const page = encodePage([fine(12)]);
    // pickSchema(1.1) = 2: the reference's schema-8 record reduced 6 more.
    const run = await runCore([page], 'protobuf', { coreOptions: { ...NATIVE, nativeHistogramMinBucketFactor: 1.1 } });
    const [record] = parseProtobufReference(page, { scrapeNativeHistograms: true }).histograms;
    expect(histogramsFromRw2(run.rw2)).toEqual([expectedHistogram({
      ...record, schema: 2, positive: reduceBuckets(record.positive, 6), negative: reduceBuckets(record.negative, 6),
    })]);
  });

  test.each([-5, -9, 53, 100])('schema %i fails the scrape with Prometheus\'s invalid schema error', async (schema) => {
    const err = await refused(fine(schema));
    expect(err).toBeInstanceOf(ScrapewireError);
    expect(err!.reason).toBe('INVALID_HISTOGRAM_SCHEMA');
    expect(err!.message).toContain(`histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for custom buckets, got schema ${schema}`);
    expect(() => parseProtobufReference(encodePage([fine(schema)]), { scrapeNativeHistograms: true })).toThrow(`got schema ${schema}`);
    // Read as classic (native histograms not scraped), the page is fine.
    await runCore([encodePage([fine(schema)])], 'protobuf');
  });

  test('schema -53 (custom buckets) only as a page can give it: the +Inf bucket alone, no zero bucket, no negative side', async () => {
    const inf = nativeFamily('custom', { sample_count: 4, sample_sum: 2, schema: -53, positive_span: [{ offset: 0, length: 1 }], positive_delta: [4] });
    const page = encodePage([inf]);
    const [record] = parseProtobufReference(page, { scrapeNativeHistograms: true }).histograms;
    expect(record).toMatchObject({ schema: -53, positive: [[0, 4]] });
    const run = await runCore([page], 'protobuf', { coreOptions: NATIVE });
    expect(histogramsFromRw2(run.rw2)).toEqual([{ ...expectedHistogram(record), customValues: [] }]);
    for (const bad of [
      { sample_count: 4, sample_sum: 2, schema: -53, positive_span: [{ offset: 0, length: 2 }], positive_delta: [2, 0] },
      { sample_count: 4, sample_sum: 2, schema: -53, positive_span: [{ offset: 1, length: 1 }], positive_delta: [4] },
      { sample_count: 4, sample_sum: 2, schema: -53, zero_threshold: 0.001, zero_count: 4 },
      { sample_count: 4, sample_sum: 2, schema: -53, positive_span: [{ offset: 0, length: 1 }], positive_delta: [2], negative_span: [{ offset: 0, length: 1 }], negative_delta: [2] },
    ]) {
      const family = nativeFamily('custom', bad);
      expect(() => parseProtobufReference(encodePage([family]), { scrapeNativeHistograms: true })).toThrow('custom buckets');
      expect((await refused(family))?.reason).toBe('INVALID_CUSTOM_BUCKETS');
    }
  });
});
