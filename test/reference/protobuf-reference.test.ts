/**
 * The protobuf exposition test kit (test/support/client-model.ts, protobuf-pages.ts) and the
 * reference reading of a page (test/support/protobuf-reference.ts): the oracle the core's
 * protobuf parser will be compared with.
 *
 * Classic families are checked against the reference text parser reading the same families
 * written as text; native histograms against bucket counts worked out by hand from their spans.
 */
import { gunzipSync } from 'node:zlib';
import * as protobuf from 'protobufjs';
import { request } from 'undici';
import { ScrapewireError } from '../../src/errors';
import { parseReference } from './parser';
import type { RefFamily, RefSample } from './types';
import { HttpScraper } from '../../src/scrape/http-scraper';
import { comparable, expectedRows, rowsFromRw1, runCore } from '../helpers/core-harness';
import {
  PROTOBUF_CONTENT_TYPE, encodeMetricFamily, encodePage, metricFamilyType, startProtobufTarget, type MetricFamilyInput,
} from '../support/client-model';
import {
  CLASSIC_FAMILIES, CLASSIC_FAMILIES_AS_TEXT, NATIVE_FAMILIES, NATIVE_SHAPES, nativeFamily, nativeHistogramScrapes,
} from '../support/protobuf-pages';
import { formatOpenMetricsFloat, parseProtobufReference, type RefNativeHistogram } from '../support/protobuf-reference';

const withoutExemplar = ({ exemplar: _exemplar, ...sample }: RefSample): RefSample => sample;
const withoutUnit = ({ unit: _unit, ...family }: RefFamily): RefFamily => family;
const EXEMPLAR_MS = 1_700_000_100_500;
const CREATED_MS = 1_700_000_000_123;

function parseError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ScrapewireError);
    return (err as ScrapewireError).detail;
  }
  throw new Error('expected the page to be refused');
}

describe.each([false, true])('a page written %s', (packed) => {
  const label = packed ? 'packed' : 'unpacked';
  test(`(${label}): classic families read as the text parser reads them written as text`, () => {
    const proto = parseProtobufReference(encodePage(CLASSIC_FAMILIES, { packed }));
    const text = parseReference(CLASSIC_FAMILIES_AS_TEXT, 'text', { textDialect: 'prometheus' });
    const inText = (s: RefSample) => !s.labels[0][1].startsWith('queue_depth');
    expect(proto.samples.filter(inText).map(withoutExemplar)).toEqual(text.samples);
    expect(proto.families.filter((f) => f.name !== 'queue_depth').map(withoutUnit)).toEqual(text.families);
    // The gauge histogram, which the text format cannot type.
    expect(proto.families.find((f) => f.name === 'queue_depth')).toEqual({ name: 'queue_depth', type: 'gaugehistogram', help: 'A gauge histogram.' });
    expect(proto.samples.filter((s) => !inText(s)).map((s) => [s.labels.map(([n, v]) => `${n}=${v}`).join(','), s.value])).toEqual([
      ['__name__=queue_depth_count', 3], ['__name__=queue_depth_sum', 12],
      ['__name__=queue_depth_bucket,le=2.0', 1], ['__name__=queue_depth_bucket,le=8.0', 3], ['__name__=queue_depth_bucket,le=+Inf', 3],
    ]);
    expect(proto.families.find((f) => f.name === 'temperature_celsius')?.unit).toBe('celsius');
    expect(proto.histograms).toEqual([]);
  });

  test(`(${label}): native families give the same records`, () => {
    const options = { scrapeNativeHistograms: true, alwaysScrapeClassicHistograms: true };
    expect(parseProtobufReference(encodePage(NATIVE_FAMILIES, { packed }), options))
      .toEqual(parseProtobufReference(encodePage(NATIVE_FAMILIES), options));
  });
});

test('packed and unpacked pages differ on the wire, so both forms are really exercised', () => {
  const unpacked = encodePage(NATIVE_FAMILIES);
  const packed = encodePage(NATIVE_FAMILIES, { packed: true });
  expect(Buffer.from(packed).equals(Buffer.from(unpacked))).toBe(false);
  expect(packed.length).toBeLessThan(unpacked.length);
});

test('a page is varint-delimited MetricFamily messages', () => {
  const families = CLASSIC_FAMILIES.slice(0, 3);
  const page = encodePage(families);
  const reader = protobuf.Reader.create(page);
  for (const family of families) {
    const length = reader.uint32();
    const message = encodeMetricFamily(family);
    expect(length).toBe(message.length);
    expect(Buffer.from(page.subarray(reader.pos, reader.pos + length)).equals(Buffer.from(message))).toBe(true);
    reader.skip(length);
  }
  expect(reader.pos).toBe(page.length);
  // A family longer than 127 bytes takes a two-byte length.
  const long = encodeMetricFamily(CLASSIC_FAMILIES[0]);
  expect(long.length).toBeGreaterThan(127);
  expect(encodePage([CLASSIC_FAMILIES[0]]).subarray(0, 2)).toEqual(new Uint8Array([(long.length & 0x7f) | 0x80, long.length >> 7]));
});

test('exemplars and created timestamps of classic families, as Prometheus reads them', () => {
  const proto = parseProtobufReference(encodePage(CLASSIC_FAMILIES));
  const counters = proto.samples.filter((s) => s.labels[0][1] === 'http_requests_total');
  expect(counters.map((s) => s.exemplar)).toEqual([
    { labels: [['trace_id', 'abc123']], value: 1, timestampMs: EXEMPLAR_MS },
    // Sorted by name; no timestamp stays none (the scrape loop gives it the scrape's).
    { labels: [['span_id', '1'], ['trace_id', 'def']], value: 0.5 },
  ]);
  const bucket = proto.samples.find((s) => s.labels.some(([n, v]) => n === 'le' && v === '1000.0') && s.labels.some(([, v]) => v === '/'));
  expect(bucket?.exemplar).toEqual({ labels: [['trace_id', 'b1']], value: 512, timestampMs: EXEMPLAR_MS });
  // Every series of a metric with a created timestamp carries it: the counter, the summary's
  // count, sum and quantiles, the histogram's count, sum and buckets (the added +Inf one too).
  const names = proto.startTimestamps.map((s) => `${s.labels.find(([n]) => n === '__name__')![1]}:${s.startTimestampMs}`);
  expect(names).toEqual([
    `http_requests_total:${CREATED_MS}`,
    ...['rpc_duration_seconds_count', 'rpc_duration_seconds_sum', 'rpc_duration_seconds', 'rpc_duration_seconds', 'rpc_duration_seconds']
      .map((n) => `${n}:${CREATED_MS}`),
    ...['request_size_bytes_count', 'request_size_bytes_sum', 'request_size_bytes_bucket', 'request_size_bytes_bucket',
      'request_size_bytes_bucket', 'request_size_bytes_bucket'].map((n) => `${n}:${CREATED_MS}`),
  ]);
});

describe('native histograms', () => {
  const parsed = parseProtobufReference(encodePage(NATIVE_FAMILIES), { scrapeNativeHistograms: true });
  const record = (name: string): RefNativeHistogram => {
    const found = parsed.histograms.find((h) => h.labels[0][1] === `native_${name}`);
    if (found === undefined) throw new Error(`no record for ${name}`);
    return found;
  };
  const base = (name: string) => ({ labels: [['__name__', `native_${name}`], ['shape', name]], type: 'histogram', exemplars: [] });

  test('integer counts: spans with a gap, deltas made absolute, a negative span, the zero bucket, own exemplars with a timestamp', () => {
    expect(record('integer')).toEqual({
      ...base('integer'), float: false, schema: 3, zeroThreshold: 1e-128, zeroCount: 2, count: 20, sum: 123.5,
      // Span [-2, 3): 1, 3, 1; then a gap of 2: [3, 5): 5, 2.
      positive: [[-2, 1], [-1, 3], [0, 1], [3, 5], [4, 2]],
      negative: [[1, 3], [2, 2]],
      startTimestampMs: CREATED_MS,
      exemplars: [{ labels: [['trace_id', 'with-time']], value: 3.1, timestampMs: EXEMPLAR_MS }],
    });
  });

  test('float counts: absolute, zero counts left out', () => {
    expect(record('float')).toEqual({
      ...base('float'), float: true, schema: 0, zeroThreshold: 0.001, zeroCount: 0.5, count: 10.5, sum: -4.25,
      positive: [[0, 1.5], [5, 4.5]], negative: [[-1, 2], [0, 2]],
    });
  });

  test('no observations, zero bucket only, extreme schemas', () => {
    expect(record('empty')).toEqual({ ...base('empty'), float: false, schema: 2, zeroThreshold: 0, zeroCount: 0, count: 0, sum: 0, positive: [], negative: [] });
    expect(record('zeroOnly')).toMatchObject({ schema: 1, zeroThreshold: 1e-9, zeroCount: 4, count: 4, positive: [], negative: [] });
    expect(record('schemaMinus4')).toMatchObject({ schema: -4, positive: [[1, 3]] });
    expect(record('schema8')).toMatchObject({ schema: 8, positive: [[0, 1], [256, 1]] });
  });

  test('empty buckets and zero-length spans do not change the histogram', () => {
    const { labels: _a, ...uncompacted } = record('uncompacted');
    const { labels: _b, ...compacted } = record('compacted');
    expect(uncompacted).toEqual(compacted);
    expect(compacted.positive).toEqual([[1, 2], [4, 4]]);
  });

  test('a native gauge histogram', () => {
    expect(parsed.histograms.find((h) => h.labels[0][1] === 'native_gauge')).toMatchObject({ type: 'gaugehistogram', positive: [[0, 5]] });
  });

  test('with always_scrape_classic_histograms, the classic buckets follow (where there are some)', () => {
    const both = parseProtobufReference(encodePage(NATIVE_FAMILIES), { scrapeNativeHistograms: true, alwaysScrapeClassicHistograms: true });
    expect(both.histograms).toEqual(parsed.histograms);
    expect(both.samples.map((s) => [s.labels.map(([n, v]) => `${n}=${v}`).join(','), s.value])).toEqual([
      ['__name__=native_integer_count,shape=integer', 20],
      ['__name__=native_integer_sum,shape=integer', 123.5],
      ['__name__=native_integer_bucket,le=1.0,shape=integer', 5],
      ['__name__=native_integer_bucket,le=+Inf,shape=integer', 20],
    ]);
    expect(both.samples[2].exemplar).toEqual({ labels: [['trace_id', 'in-bucket']], value: 0.9, timestampMs: EXEMPLAR_MS });
  });

  test('without scrape_native_histograms (the default), every native histogram is read as classic', () => {
    const classic = parseProtobufReference(encodePage(NATIVE_FAMILIES));
    expect(classic.histograms).toEqual([]);
    const of = (name: string) => classic.samples.filter((s) => s.labels.some(([n, v]) => n === 'shape' && v === name))
      .map((s) => [s.labels[0][1], s.labels.find(([n]) => n === 'le')?.[1], s.value]);
    expect(of('integer')).toEqual([['native_integer_count', undefined, 20], ['native_integer_sum', undefined, 123.5],
      ['native_integer_bucket', '1.0', 5], ['native_integer_bucket', '+Inf', 20]]);
    // No classic buckets at all: count, sum and a +Inf bucket.
    expect(of('float')).toEqual([['native_float_count', undefined, 10.5], ['native_float_sum', undefined, -4.25], ['native_float_bucket', '+Inf', 10.5]]);
  });

  test('a counter reset across scrapes', () => {
    const counts = nativeHistogramScrapes(5, 3).map((page) => parseProtobufReference(encodePage(page), { scrapeNativeHistograms: true }).histograms[0]);
    expect(counts.map((h) => [h.count, h.zeroCount, h.positive])).toEqual([
      [3, 1, [[0, 1], [1, 1]]], [6, 2, [[0, 2], [1, 2]]], [9, 3, [[0, 3], [1, 3]]],
      [3, 1, [[0, 1], [1, 1]]], [6, 2, [[0, 2], [1, 2]]],
    ]);
  });
});

describe('pages Prometheus refuses', () => {
  const bytesType = metricFamilyType('bytes');
  const raw = (family: Record<string, unknown>) => {
    const writer = protobuf.Writer.create();
    writer.bytes(bytesType.encode(bytesType.fromObject(family)).finish());
    return writer.finish();
  };

  test.each([
    ['spans that need more buckets than there are deltas',
      [nativeFamily('bad', { sample_count: 1, schema: 0, positive_span: [{ offset: 0, length: 3 }], positive_delta: [1, 0] })],
      'histogram "bad": positive side: spans require 3 buckets, have 2'],
    ['spans that need fewer counts than a float histogram has',
      [nativeFamily('badf', { sample_count_float: 1, schema: 0, negative_span: [{ offset: 0, length: 1 }], negative_count: [1, 2] })],
      'histogram "badf": negative side: spans require 1 buckets, have 2'],
    ['an empty family name', [{ name: '', type: 'GAUGE', metric: [{ gauge: { value: 1 } }] }], 'invalid metric name: ""'],
    ['a repeated label name', [{ name: 'g', type: 'GAUGE', metric: [{ label: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }] }] }],
      'label name "a" is not unique in "g"'],
    ['a __name__ label', [{ name: 'g', type: 'GAUGE', metric: [{ label: [{ name: '__name__', value: 'x' }] }] }],
      'label name "__name__" is not unique in "g"'],
  ] as Array<[string, MetricFamilyInput[], string]>)('%s', (_name, families, reason) => {
    expect(parseError(() => parseProtobufReference(encodePage(families), { scrapeNativeHistograms: true }))).toBe(reason);
  });

  test('a name or label value that is not UTF-8', () => {
    expect(parseError(() => parseProtobufReference(raw({ name: Buffer.from([0x66, 0xff]), type: 'GAUGE', metric: [{ gauge: { value: 1 } }] }))))
      .toBe('a metric family name is not valid UTF-8');
    expect(parseError(() => parseProtobufReference(raw({ name: Buffer.from('g'), type: 'GAUGE',
      metric: [{ label: [{ name: Buffer.from('a'), value: Buffer.from([0xc3]) }], gauge: { value: 1 } }] }))))
      .toBe('a label value of "g" is not valid UTF-8');
  });

  test('an unknown metric type', () => {
    // protobufjs will not write an enum value it does not know: write GAUGE (1), then patch it to 6.
    const message = encodeMetricFamily({ name: 'g', type: 'GAUGE', metric: [{ untyped: { value: 1 } }] });
    expect(Array.from(message.subarray(0, 5))).toEqual([0x0a, 1, 0x67, 0x18, 1]); // name "g", then type (field 3, varint) 1
    message[4] = 6;
    const page = protobuf.Writer.create().bytes(message).finish();
    expect(parseError(() => parseProtobufReference(page))).toBe('unknown metric type for metric "g": 6');
  });

  test('a page cut inside a message', () => {
    const page = encodePage(CLASSIC_FAMILIES);
    expect(parseError(() => parseProtobufReference(page.subarray(0, page.length - 3)))).toMatch(/^malformed MetricFamily at byte \d+: /);
  });
});

test('labels.FormatOpenMetricsFloat', () => {
  expect([1, 0, -1, 0.5, 100, 1e6, 1e-5, 123456.5, Infinity, -Infinity, NaN, 2.5e21].map(formatOpenMetricsFloat))
    .toEqual(['1.0', '0.0', '-1.0', '0.5', '100.0', '1e+06', '1e-05', '123456.5', '+Inf', '-Inf', 'NaN', '2.5e+21']);
});

describe('the loopback protobuf target', () => {
  test('serves the page with the protobuf Content-Type, gzipped when asked, in pieces when told', async () => {
    const target = await startProtobufTarget(CLASSIC_FAMILIES, { writeBytes: 7 });
    try {
      const plain = await request(`${target.origin}/metrics`, { headers: { 'accept-encoding': 'identity' } });
      expect(plain.headers['content-type']).toBe(PROTOBUF_CONTENT_TYPE);
      const body = Buffer.from(await plain.body.arrayBuffer());
      expect(body.equals(Buffer.from(encodePage(CLASSIC_FAMILIES)))).toBe(true);
      const zipped = await request(`${target.origin}/metrics`, { headers: { 'accept-encoding': 'gzip' } });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(Buffer.from(await zipped.body.arrayBuffer())).equals(body)).toBe(true);
      target.serve(NATIVE_FAMILIES);
      const next = await request(`${target.origin}/metrics`, { headers: { 'accept-encoding': 'identity' } });
      expect(parseProtobufReference(new Uint8Array(await next.body.arrayBuffer()), { scrapeNativeHistograms: true }).histograms).toHaveLength(9);
    } finally {
      await target.close();
    }
  });

  test('scrapewire asks for it when offered and its core reads the answer as the reference does', async () => {
    const target = await startProtobufTarget(CLASSIC_FAMILIES, { writeBytes: 5 });
    const scraper = new HttpScraper({ url: `${target.origin}/metrics`, scrapeTimeoutMs: 5000, scrapeProtocols: ['PrometheusProto', 'OpenMetricsText1.0.0'] });
    try {
      const response = await scraper.scrape();
      expect(response.format).toBe('protobuf');
      const run = await runCore(response.body, 'protobuf');
      expect(comparable(rowsFromRw1(run.rw1))).toEqual(comparable(expectedRows(parseProtobufReference(encodePage(CLASSIC_FAMILIES)).samples)));
      expect(String(target.requests[0].headers.accept)).toMatch(/^application\/vnd\.google\.protobuf;proto=io\.prometheus\.client\.MetricFamily;encoding=delimited;q=0\.6,/);
    } finally {
      await scraper.close();
      await target.close();
    }
  });
});
