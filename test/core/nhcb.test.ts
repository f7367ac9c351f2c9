/**
 * convert_classic_histograms_to_nhcb (assembly/nhcb.ts): a classic histogram's _bucket, _count
 * and _sum samples (text, OpenMetrics, protobuf) become one native histogram with custom buckets
 * (schema -53, custom_values the finite bounds, each bucket its own count), worked out here from
 * the reference parser's samples as Prometheus's convertnhcb does; decoded with the official 1.0
 * and 2.0 protos. Every split gives identical requests; a non-cumulative histogram fails.
 */
import type { CoreOptions } from '../../src/core';
import { ScrapewireError } from '../../src/errors';
import { SCRAPE_TS, comparable, expectedRows, rowsFromRw1, runCore, splitAt } from '../helpers/core-harness';
import { histogramsFromRw1, histogramsFromRw2, type SentHistogram } from '../helpers/native-histograms';
import { parseReference } from '../reference/parser';
import type { RefSample } from '../reference/types';
import { encodePage } from '../support/client-model';

const TEXT = [
  '# TYPE lat_seconds histogram',
  'lat_seconds_bucket{path="/",le="0.1"} 3',
  'lat_seconds_bucket{path="/",le="0.5"} 7',
  'lat_seconds_bucket{path="/",le="+Inf"} 9',
  'lat_seconds_sum{path="/"} 2.5',
  'lat_seconds_count{path="/"} 9',
  'lat_seconds_bucket{path="/a",le="1"} 0.5',
  'lat_seconds_bucket{path="/a",le="+Inf"} 1.5',
  'lat_seconds_sum{path="/a"} 1',
  'lat_seconds_count{path="/a"} 1.5',
  '# TYPE up gauge',
  'up 1',
  '# TYPE size_bytes histogram',
  'size_bytes_bucket{le="100"} 1',
  'size_bytes_bucket{le="1000"} 1',
  'size_bytes_sum 50',
  'size_bytes_count 4',
  '# TYPE rpc summary',
  'rpc{quantile="0.5"} 1',
  'rpc_count 2',
  'rpc_sum 3',
  '',
].join('\n');

const NHCB: CoreOptions = { convertClassicHistogramsToNhcb: true };

/** What Prometheus makes of the reference's classic samples (consecutive ones with the same labels but le). */
function expectedNhcb(samples: RefSample[], histogramFamilies: Set<string>): { floats: RefSample[]; histograms: SentHistogram[] } {
  const floats: RefSample[] = [];
  const histograms: SentHistogram[] = [];
  let open: { key: string; labels: Array<readonly [string, string]>; buckets: Array<[number, number]>; count?: number; sum: number } | undefined;
  const close = () => {
    if (open === undefined) return;
    const buckets = open.buckets.sort((a, b) => a[0] - b[0]);
    if (buckets.length === 0 || buckets[buckets.length - 1][0] !== Infinity) buckets.push([Infinity, open.count ?? buckets[buckets.length - 1]?.[1] ?? 0]);
    const counts = buckets.map(([, c], i) => c - (i === 0 ? 0 : buckets[i - 1][1]));
    const count = open.count ?? buckets[buckets.length - 1][1];
    const float = [count, ...buckets.map(([, c]) => c)].some((v) => !Number.isInteger(v));
    histograms.push({
      labels: open.labels as Array<[string, string]>, timestamp: SCRAPE_TS, float, schema: -53, zeroThreshold: 0, zeroCount: 0, count, sum: open.sum,
      positive: counts.map((c, i) => [i, c] as [number, number]).filter(([, c]) => c !== 0), negative: [], resetHint: 'RESET_HINT_UNSPECIFIED',
      customValues: buckets.slice(0, -1).map(([le]) => le),
    });
    open = undefined;
  };
  for (const s of samples) {
    const name = s.labels.find(([n]) => n === '__name__')![1];
    const m = /^(.*)_(bucket|count|sum)$/.exec(name);
    if (m === null || !histogramFamilies.has(m[1])) { floats.push(s); continue; }
    const labels = s.labels.filter(([n]) => n !== 'le').map(([n, v]) => (n === '__name__' ? ['__name__', m[1]] as const : [n, v] as const));
    const key = JSON.stringify(labels);
    if (open?.key !== key) { close(); open = { key, labels, buckets: [], sum: 0 }; }
    if (m[2] === 'bucket') open.buckets.push([Number(s.labels.find(([n]) => n === 'le')![1].replace('+Inf', 'Infinity')), s.value]);
    else if (m[2] === 'count') open.count = s.value;
    else open.sum = s.value;
  }
  close();
  return { floats, histograms };
}

const reference = parseReference(TEXT, 'text', { textDialect: 'prometheus' });
const expected = expectedNhcb(reference.samples, new Set(['lat_seconds', 'size_bytes']));

test('text: each classic histogram is one histogram with custom buckets, the other series as they were', async () => {
  expect(expected.histograms).toHaveLength(3);
  const run = await runCore([Buffer.from(TEXT)], 'text', { coreOptions: NHCB });
  expect(histogramsFromRw2(run.rw2)).toEqual(expected.histograms);
  expect(histogramsFromRw1(run.rw1).map((h) => h.customValues)).toEqual(expected.histograms.map((h) => h.customValues));
  expect(comparable(rowsFromRw1(run.rw1))).toEqual(comparable(expectedRows(expected.floats)));
  // Whatever the chunks.
  for (let at = 1; at < TEXT.length; at += 5) {
    const split = await runCore(splitAt(Buffer.from(TEXT), [at, at + 2]), 'text', { coreOptions: NHCB });
    expect(Buffer.concat(split.rw2).equals(Buffer.concat(run.rw2))).toBe(true);
  }
});

test('with always_scrape_classic_histograms the classic series are kept as well', async () => {
  const run = await runCore([Buffer.from(TEXT)], 'text', { coreOptions: { ...NHCB, alwaysScrapeClassicHistograms: true } });
  expect(histogramsFromRw2(run.rw2)).toEqual(expected.histograms);
  expect(comparable(rowsFromRw1(run.rw1))).toEqual(comparable(expectedRows(reference.samples)));
});

test('protobuf classic histograms convert the same way', async () => {
  const page = encodePage([{ name: 'lat_seconds', type: 'HISTOGRAM', metric: [
    { label: [{ name: 'path', value: '/' }], histogram: { sample_count: 9, sample_sum: 2.5, bucket: [{ upper_bound: 0.1, cumulative_count: 3 }, { upper_bound: 0.5, cumulative_count: 7 }] } },
  ] }]);
  const run = await runCore([page], 'protobuf', { coreOptions: NHCB });
  expect(histogramsFromRw2(run.rw2)).toEqual([expected.histograms[0]]);
  expect(rowsFromRw1(run.rw1)).toEqual([]);
});

test('a histogram whose buckets are not cumulative fails the scrape', async () => {
  const bad = '# TYPE h histogram\nh_bucket{le="1"} 5\nh_bucket{le="2"} 3\nh_bucket{le="+Inf"} 5\nh_count 5\nh_sum 1\n';
  const err = await runCore([Buffer.from(bad)], 'text', { coreOptions: NHCB }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ScrapewireError);
  expect((err as ScrapewireError).reason).toBe('INVALID_BUCKET');
  await runCore([Buffer.from(bad)], 'text');
});
