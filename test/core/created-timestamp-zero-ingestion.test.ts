/**
 * created_timestamp_zero_ingestion (CoreOptions.createdTimestampZeroIngestion), scrapewire's
 * per-job form of Prometheus' --enable-feature=created-timestamp-zero-ingestion:
 * - OpenMetrics `_created` lines of counter, summary and histogram families are not series: each
 *   is the start timestamp of the samples before it in its family with the same labels (le and
 *   quantile aside), found as Prometheus' OpenMetrics parser finds it (the first `_created` line
 *   after a sample decides); 2.0 sends it as Sample.start_timestamp;
 * - 1.0 gets a zero sample at a start timestamp older than its sample and newer than the series'
 *   last sample (Prometheus' agent AppendSTZeroSample), before the sample in its TimeSeries, and
 *   an empty histogram for a native histogram; it counts against max_samples_per_send.
 * Off, `_created` lines stay ordinary series and 1.0 has no zero samples.
 * Requests are decoded with the official 1.0 and 2.0 protos.
 */
import { Core } from '../../src/core';
import { RW1, RW2 } from '../../src/remote-write-protocol';
import { decodeRw1, decodeRw2, rw2Labels } from '../helpers/remote-write-proto';
import { encodePage, type MetricFamilyInput } from '../support/client-model';

/* eslint-disable @typescript-eslint/no-explicit-any */
const T0 = 1_700_000_100_000;

const OM_PAGE = (createdSeconds: number, extra = '') => [
  '# TYPE req counter',
  'req_total{code="200"} 5',
  `req_created{code="200"} ${createdSeconds}`,
  'req_total{code="500"} 1',
  `req_created{code="500"} ${createdSeconds + 0.5}`,
  '# TYPE lat summary',
  'lat{quantile="0.5"} 0.2',
  'lat_count 3',
  'lat_sum 0.9',
  `lat_created ${createdSeconds}`,
  '# TYPE h histogram',
  'h_bucket{le="1.0"} 1',
  'h_bucket{le="+Inf"} 2',
  'h_count 2',
  'h_sum 3',
  `h_created ${createdSeconds}`,
  '# TYPE g gauge',
  'g 7',
  '# TYPE gh gaugehistogram',
  'gh_bucket{le="+Inf"} 2',
  'gh_gcount 2',
  'gh_gsum 3',
  extra,
  '# EOF',
  '',
].filter((line, i, all) => line !== '' || i === all.length - 1).join('\n');

function name(labels: Array<{ name: string; value: string }>): string {
  return labels.map((l) => (l.name === '__name__' ? l.value : `${l.name}=${l.value}`)).join(',');
}

/** 1.0: every series with its samples as [timestamp, value]. */
function rw1Samples(requests: Uint8Array[]): Map<string, Array<[number, number]>> {
  const out = new Map<string, Array<[number, number]>>();
  for (const r of requests) {
    for (const ts of decodeRw1(r).timeseries) {
      const list = out.get(name(ts.labels)) ?? [];
      for (const s of ts.samples) list.push([Number(s.timestamp), s.value]);
      for (const h of ts.histograms) list.push([Number(h.timestamp), Number(h.count_int ?? h.count_float ?? 0)]);
      out.set(name(ts.labels), list);
    }
  }
  return out;
}

/** 2.0: every series' start timestamp (0: none). */
function rw2Starts(requests: Uint8Array[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of requests) {
    const req = decodeRw2(r);
    for (const ts of req.timeseries) {
      const labels = rw2Labels(req.symbols, ts.labels_refs);
      const key = Object.entries(labels).map(([n, v]) => (n === '__name__' ? v : `${n}=${v}`)).join(',');
      const start = [...ts.samples, ...ts.histograms].map((s: any) => Number(s.start_timestamp ?? 0))[0] ?? 0;
      out.set(key, start);
    }
  }
  return out;
}

function encode(core: Core, protocol: typeof RW1 | typeof RW2, maxSamplesPerRequest = 0): { requests: Uint8Array[]; samples: number[] } {
  const requests: Uint8Array[] = [];
  const samples: number[] = [];
  core.encode(protocol, { maxSamplesPerRequest }, (r, n) => { requests.push(r.slice()); samples.push(n); });
  return { requests, samples };
}

async function scrapeOm(core: Core, page: string, ts: number): Promise<void> {
  await core.scrape([Buffer.from(page)], { format: 'openmetrics', timestampMs: ts });
}

test('off: _created lines are ordinary series, no start timestamps, no zero samples', async () => {
  const core = Core.create({ openMetricsValidation: 'syntax' });
  await scrapeOm(core, OM_PAGE(1_700_000_000), T0);
  const rw1 = rw1Samples(encode(core, RW1).requests);
  expect(rw1.get('req_created,code=200')).toEqual([[T0, 1_700_000_000]]);
  expect(rw1.get('h_created')).toEqual([[T0, 1_700_000_000]]);
  expect(rw1.get('req_total,code=200')).toEqual([[T0, 5]]);
  expect([...rw2Starts(encode(core, RW2).requests).values()].every((s) => s === 0)).toBe(true);
});

test('on: _created lines are start timestamps of their group, in 2.0 and as 1.0 zero samples', async () => {
  const core = Core.create({ openMetricsValidation: 'syntax', createdTimestampZeroIngestion: true });
  const ct = 1_700_000_000;
  await scrapeOm(core, OM_PAGE(ct), T0);
  const starts = rw2Starts(encode(core, RW2).requests);
  expect([...starts.keys()].filter((k) => k.includes('_created'))).toEqual([]);
  expect(Object.fromEntries(starts)).toEqual({
    'req_total,code=200': ct * 1000,
    'req_total,code=500': ct * 1000 + 500,
    'lat,quantile=0.5': ct * 1000, lat_count: ct * 1000, lat_sum: ct * 1000,
    'h_bucket,le=1.0': ct * 1000, 'h_bucket,le=+Inf': ct * 1000, h_count: ct * 1000, h_sum: ct * 1000,
    g: 0, 'gh_bucket,le=+Inf': 0, gh_gcount: 0, gh_gsum: 0,
  });
  const rw1 = rw1Samples(encode(core, RW1).requests);
  expect(rw1.get('req_total,code=200')).toEqual([[ct * 1000, 0], [T0, 5]]);
  expect(rw1.get('req_total,code=500')).toEqual([[ct * 1000 + 500, 0], [T0, 1]]);
  expect(rw1.get('h_bucket,le=+Inf')).toEqual([[ct * 1000, 0], [T0, 2]]);
  expect(rw1.get('g')).toEqual([[T0, 7]]);
  expect(rw1.has('req_created,code=200')).toBe(false);

  // The same start timestamp again: older than the series' last sample, no zero sample.
  await scrapeOm(core, OM_PAGE(ct), T0 + 15_000);
  expect(rw1Samples(encode(core, RW1).requests).get('req_total,code=200')).toEqual([[T0 + 15_000, 5]]);
  // A reset: the start timestamp moves past the last sample, a zero sample once more.
  await scrapeOm(core, OM_PAGE((T0 + 20_000) / 1000), T0 + 30_000);
  expect(rw1Samples(encode(core, RW1).requests).get('req_total,code=200')).toEqual([[T0 + 20_000, 0], [T0 + 30_000, 5]]);
  // A start timestamp not older than its sample: none.
  await scrapeOm(core, OM_PAGE((T0 + 60_000) / 1000), T0 + 45_000);
  expect(rw1Samples(encode(core, RW1).requests).get('req_total,code=200')).toEqual([[T0 + 45_000, 5]]);
});

test('a rebuilt core keeps the series\' last timestamps: no zero sample again for the same start timestamp', async () => {
  const core = Core.create({ openMetricsValidation: 'syntax', createdTimestampZeroIngestion: true });
  await scrapeOm(core, OM_PAGE(1_700_000_000), T0);
  expect(rw1Samples(encode(core, RW1).requests).get('req_total,code=200')).toEqual([[1_700_000_000_000, 0], [T0, 5]]);
  core.rebuild();
  await scrapeOm(core, OM_PAGE(1_700_000_000), T0 + 15_000);
  expect(rw1Samples(encode(core, RW1).requests).get('req_total,code=200')).toEqual([[T0 + 15_000, 5]]);
});

test('the first _created line after a sample decides, as Prometheus peeks for it', async () => {
  const page = [
    '# TYPE c counter',
    'c_total{a="1"} 1',
    'c_total{a="2"} 2',
    'c_created{a="1"} 1700000000',
    'c_created{a="2"} 1700000001',
    'c_total{a="3"} 3',
    '# TYPE d counter',
    'd_total 4',
    '# TYPE e counter',
    'e_created 1700000002',
    '# EOF',
    '',
  ].join('\n');
  const core = Core.create({ openMetricsValidation: 'syntax', createdTimestampZeroIngestion: true });
  await scrapeOm(core, page, T0);
  expect(Object.fromEntries(rw2Starts(encode(core, RW2).requests))).toEqual({
    'c_total,a=1': 1_700_000_000_000, 'c_total,a=2': 0, 'c_total,a=3': 0, d_total: 0,
  });
});

test('zero samples count against max_samples_per_send', async () => {
  const core = Core.create({ openMetricsValidation: 'syntax', createdTimestampZeroIngestion: true });
  await scrapeOm(core, OM_PAGE(1_700_000_000), T0);
  const all = encode(core, RW1);
  const total = all.samples.reduce((a, b) => a + b, 0);
  // 13 samples, 9 of them with a zero sample.
  expect(total).toBe(13 + 9);
  const split = encode(core, RW1, 3);
  expect(split.samples.every((n) => n <= 3)).toBe(true);
  expect(split.samples.reduce((a, b) => a + b, 0)).toBe(total);
  expect(rw1Samples(split.requests)).toEqual(rw1Samples(all.requests));
});

const CREATED = { seconds: 1_700_000_000, nanos: 250_000_000 };
const NATIVE: MetricFamilyInput[] = [
  { name: 'pc_total', type: 'COUNTER', metric: [{ counter: { value: 3, created_timestamp: CREATED } }] },
  {
    name: 'nh', type: 'HISTOGRAM', metric: [{
      histogram: {
        sample_count: 3, sample_sum: 4, schema: 0, zero_threshold: 1e-128, zero_count: 1,
        positive_span: [{ offset: 0, length: 2 }], positive_delta: [1, 0], created_timestamp: CREATED,
      },
    }],
  },
  {
    name: 'fh', type: 'HISTOGRAM', metric: [{
      histogram: {
        sample_count_float: 2.5, sample_sum: 4, schema: 1, zero_threshold: 1e-128, zero_count_float: 0.5,
        positive_span: [{ offset: 1, length: 1 }], positive_count: [2], created_timestamp: CREATED,
      },
    }],
  },
];

test('protobuf created timestamps: 1.0 zero samples, an empty histogram before a native histogram', async () => {
  const core = Core.create({ scrapeNativeHistograms: true, createdTimestampZeroIngestion: true });
  await core.scrape([encodePage(NATIVE)], { format: 'protobuf', timestampMs: T0 });
  const ctMs = 1_700_000_000_250;
  const series = new Map<string, any[]>();
  for (const r of encode(core, RW1).requests) for (const ts of decodeRw1(r).timeseries) series.set(name(ts.labels), ts.samples.length ? ts.samples : ts.histograms);
  expect(series.get('pc_total')!.map((s) => [Number(s.timestamp), s.value])).toEqual([[ctMs, 0], [T0, 3]]);
  const [zero, nh] = series.get('nh')!;
  expect(Number(zero.timestamp)).toBe(ctMs);
  expect([Number(zero.count_int ?? 0), zero.count_float ?? 0, zero.positive_spans ?? []]).toEqual([0, 0, []]);
  expect([Number(nh.timestamp), Number(nh.count_int)]).toEqual([T0, 3]);
  const [fzero, fh] = series.get('fh')!;
  expect([Number(fzero.timestamp), fzero.count_float, fzero.count_int]).toEqual([ctMs, 0, undefined]);
  expect([Number(fh.timestamp), fh.count_float]).toEqual([T0, 2.5]);

  // Without the option the same page gives no zero samples (2.0 start timestamps stay).
  const plain = Core.create({ scrapeNativeHistograms: true });
  await plain.scrape([encodePage(NATIVE)], { format: 'protobuf', timestampMs: T0 });
  expect([...rw1Samples(encode(plain, RW1).requests).values()].every((list) => list.length === 1)).toBe(true);
  expect(rw2Starts(encode(plain, RW2).requests).get('pc_total')).toBe(ctMs);
});
/* eslint-enable @typescript-eslint/no-explicit-any */
