/**
 * The core's protobuf exposition parser (assembly/protobuf-exposition.ts, protobuf-metric.ts)
 * against the reference reading of the same page (test/support/protobuf-reference.ts, Prometheus
 * 3's rules): every page of the kit, written unpacked (client_golang) and packed (a proto3
 * writer), whole and split at every byte; then the errors a page can have.
 */
import { Core, type ExpositionFormat } from '../../src/core';
import { ScrapewireError } from '../../src/errors';
import { comparable, expectedRows, rowsFromRw1, rowsFromRw2, runCore, splitAt } from '../helpers/core-harness';
import { encodePage, type MetricFamilyInput } from '../support/client-model';
import { CLASSIC_FAMILIES, CLASSIC_FAMILIES_AS_TEXT, NATIVE_FAMILIES, nativeHistogramScrapes } from '../support/protobuf-pages';
import { formatOpenMetricsFloat, parseProtobufReference } from '../support/protobuf-reference';
import { decodeRw2 } from '../helpers/remote-write-proto';

const PROTOBUF: ExpositionFormat = 'protobuf';

const PAGES: Array<[string, MetricFamilyInput[]]> = [
  ['classic families', CLASSIC_FAMILIES],
  ['native histograms read as classic', NATIVE_FAMILIES],
  ['a resetting native histogram read as classic', nativeHistogramScrapes(3, 2).flat()],
];

describe.each(PAGES)('%s', (_name, families) => {
  describe.each([false, true])('packed %s', (packed) => {
    const page = encodePage(families, { packed });
    const expected = comparable(expectedRows(parseProtobufReference(page).samples));

    test('the core reads what the reference reads (1.0 and 2.0)', async () => {
      const run = await runCore([page], PROTOBUF);
      expect(comparable(rowsFromRw1(run.rw1))).toEqual(expected);
      expect(comparable(rowsFromRw2(run.rw2))).toEqual(expected);
    });

    test('every split of the page gives identical requests', async () => {
      const whole = await runCore([page], PROTOBUF);
      const rw1 = Buffer.concat(whole.rw1);
      const rw2 = Buffer.concat(whole.rw2);
      for (let at = 1; at < page.length; at++) {
        const run = await runCore(splitAt(page, [at]), PROTOBUF);
        expect(Buffer.concat(run.rw1).equals(rw1)).toBe(true);
        expect(Buffer.concat(run.rw2).equals(rw2)).toBe(true);
      }
      const bytes = await runCore(splitAt(page, Array.from({ length: page.length }, (_, i) => i)), PROTOBUF);
      expect(Buffer.concat(bytes.rw1).equals(rw1)).toBe(true);
    });
  });
});

test('a series keeps its ref whether the page comes as protobuf or as text', async () => {
  const core = Core.create();
  const page = encodePage(CLASSIC_FAMILIES);
  const first = await core.scrape([page], { format: PROTOBUF, timestampMs: 1 });
  const text = await core.scrape([new TextEncoder().encode(CLASSIC_FAMILIES_AS_TEXT)], { format: 'text', timestampMs: 2 });
  const again = await core.scrape([page], { format: PROTOBUF, timestampMs: 3 });
  expect(first.newSeries).toBeGreaterThan(20);
  expect(text.newSeries).toBe(0);
  expect(again.newSeries).toBe(0);
});

test('exemplars of counters and buckets go out in 2.0 as the reference reads them', async () => {
  const page = encodePage(CLASSIC_FAMILIES);
  const reference = parseProtobufReference(page).samples.filter((s) => s.exemplar !== undefined);
  const run = await runCore([page], PROTOBUF);
  const sent: unknown[] = [];
  for (const request of run.rw2) {
    const decoded = decodeRw2(request);
    for (const ts of decoded.timeseries ?? []) {
      for (const e of ts.exemplars ?? []) {
        const refs: number[] = e.labels_refs ?? [];
        const labels = [];
        for (let i = 0; i < refs.length; i += 2) labels.push([decoded.symbols[refs[i]], decoded.symbols[refs[i + 1]]]);
        sent.push({ labels, value: e.value, timestampMs: Number(e.timestamp ?? 0) || undefined });
      }
    }
  }
  expect(sent).toEqual(reference.map((s) => ({ labels: s.exemplar!.labels, value: s.exemplar!.value, timestampMs: s.exemplar!.timestampMs })));
});

describe('le and quantile are written as labels.FormatOpenMetricsFloat writes them', () => {
  const values = [0, -0, 1, 0.5, 0.99, 1e6, 100000, 123456, 1234567, 1e-5, 1e-4, 0.00012345, 2.5e-7, 1e21, 1e22, 5e-324,
    Number.MAX_VALUE, Number.MIN_VALUE, 0.1 + 0.2, 1 / 3, 2 ** 53, 2 ** 60, 9007199254740993, 123.456, -7.25, 1.7976931348623157e308,
    Infinity, -Infinity, 4.35, 0.3, 2 ** -1074 * 3, 1e23, 8.41e21, 5.0e-5];
  // A spread of doubles from their bits, so exponent and mantissa both vary.
  for (let i = 0; i < 300; i++) {
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, (Math.imul(i + 1, 2654435761) >>> 0) & 0x7fefffff);
    view.setUint32(4, Math.imul(i + 7, 40503) >>> 0);
    values.push(view.getFloat64(0));
  }
  test('as bucket bounds and quantiles', async () => {
    const families: MetricFamilyInput[] = [
      { name: 'h', type: 'HISTOGRAM', metric: [{ histogram: { sample_count: 1, sample_sum: 1, bucket: values.filter((v) => v !== Infinity).map((v) => ({ upper_bound: v, cumulative_count: 1 })) } }] },
      { name: 's', type: 'SUMMARY', metric: [{ summary: { sample_count: 1, sample_sum: 1, quantile: values.map((v) => ({ quantile: v, value: 1 })) } }] },
    ];
    const page = encodePage(families);
    const run = await runCore([page], PROTOBUF, { maxSamplesPerRequest: 0 });
    const rows = rowsFromRw1(run.rw1);
    const bounds = rows.flatMap((r) => r.labels.filter(([n]) => n === 'le' || n === 'quantile').map(([, v]) => v));
    const expected = [...values.filter((v) => v !== Infinity).map(formatOpenMetricsFloat), '+Inf', ...values.map(formatOpenMetricsFloat)];
    // Series repeated within a scrape are kept once (-0 and 0 format differently, so both stay).
    expect(bounds).toEqual([...new Set(expected.slice(0, values.length))].concat([...new Set(expected.slice(values.length))]));
  });
});

describe('errors', () => {
  async function refused(page: Uint8Array): Promise<ScrapewireError> {
    try {
      await runCore([page], PROTOBUF);
    } catch (err) {
      expect(err).toBeInstanceOf(ScrapewireError);
      return err as ScrapewireError;
    }
    throw new Error('expected the page to be refused');
  }
  const valid = encodePage(CLASSIC_FAMILIES);

  test('a page cut inside a family', async () => {
    const err = await refused(valid.subarray(0, valid.length - 3));
    expect(err.reason).toBe('TRUNCATED_PROTOBUF');
  });
  test('a length prefix longer than 5 bytes', async () => {
    expect((await refused(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).reason).toBe('INVALID_PROTOBUF');
  });
  test('a field running past its family', async () => {
    // family of 3 bytes: name field claiming 5 bytes
    expect((await refused(new Uint8Array([3, 0x0a, 5, 0x61]))).reason).toBe('INVALID_PROTOBUF');
  });
  test('a group wire type', async () => {
    expect((await refused(new Uint8Array([2, 0x0b, 0x0c]))).reason).toBe('INVALID_PROTOBUF');
  });
  test('an unknown metric type', async () => {
    const page = encodePage([{ name: 'x', metric: [{ gauge: { value: 1 } }] }]);
    // Rewrite: insert type 6 before the metric (field 3 varint).
    const family = page.subarray(1);
    const patched = new Uint8Array([family.length + 2, 0x0a, 1, 0x78, 0x18, 6, ...family.subarray(3)]);
    expect((await refused(patched)).reason).toBe('INVALID_TYPE');
  });
  test('a duplicate label name, an empty label name, a label value that is not UTF-8, an empty family name', async () => {
    expect((await refused(encodePage([{ name: 'x', type: 'GAUGE', metric: [{ label: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }], gauge: { value: 1 } }] }]))).reason).toBe('DUPLICATE_LABEL');
    expect((await refused(encodePage([{ name: 'x', type: 'GAUGE', metric: [{ label: [{ name: '', value: '1' }], gauge: { value: 1 } }] }]))).reason).toBe('INVALID_LABEL_NAME');
    expect((await refused(encodePage([{ name: '', type: 'GAUGE', metric: [{ gauge: { value: 1 } }] }]))).reason).toBe('INVALID_METRIC_NAME');
    const bad = encodePage([{ name: 'x', type: 'GAUGE', metric: [{ label: [{ name: 'a', value: 'zz' }], gauge: { value: 1 } }] }]);
    const at = Buffer.from(bad).indexOf(Buffer.from('zz'));
    bad[at] = 0xff;
    expect((await refused(bad)).reason).toBe('INVALID_UTF8');
  });
  test('with onParseError skip, a bad Metric is skipped and the rest read', async () => {
    const page = encodePage([{ name: 'x', type: 'GAUGE', metric: [
      { label: [{ name: 'a', value: '1' }, { name: 'a', value: '2' }], gauge: { value: 1 } },
      { label: [{ name: 'a', value: '3' }], gauge: { value: 2 } },
    ] }]);
    const run = await runCore([page], PROTOBUF, { coreOptions: { onParseError: 'skip' } });
    expect(run.summary.skippedLines).toBe(1);
    expect(rowsFromRw1(run.rw1).map((r) => r.value)).toEqual([2]);
  });
});
