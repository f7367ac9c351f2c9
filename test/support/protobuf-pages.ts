/**
 * Protobuf exposition pages for the tests of the protobuf parser (issue 13): every metric type,
 * and native histograms of many shapes. Each is a list of MetricFamily inputs for client-model.ts
 * (encodePage, startProtobufTarget); parseProtobufReference says what Prometheus reads in them.
 */
import type { HistogramInput, MetricFamilyInput, MetricTypeName, TimestampInput } from './client-model';

/** 2023-11-14T22:13:20.123456789Z: nanos that truncate (not round) to 123 ms. */
export const CREATED: TimestampInput = { seconds: 1_700_000_000, nanos: 123_456_789 };
export const EXEMPLAR_TIME: TimestampInput = { seconds: 1_700_000_100, nanos: 500_000_000 };

/** Classic families of every type, as client_golang writes them (no native parts). */
export const CLASSIC_FAMILIES: MetricFamilyInput[] = [
  {
    name: 'http_requests_total', help: 'Requests handled.', type: 'COUNTER',
    metric: [
      { label: [{ name: 'code', value: '200' }, { name: 'method', value: 'get' }], counter: { value: 1027, created_timestamp: CREATED,
        exemplar: { label: [{ name: 'trace_id', value: 'abc123' }], value: 1, timestamp: EXEMPLAR_TIME } } },
      { label: [{ name: 'method', value: 'post' }, { name: 'code', value: '400' }], counter: { value: 3,
        exemplar: { label: [{ name: 'trace_id', value: 'def' }, { name: 'span_id', value: '1' }], value: 0.5 } } },
    ],
  },
  { name: 'temperature_celsius', help: 'Now.', type: 'GAUGE', unit: 'celsius',
    metric: [{ gauge: { value: -3.5 } }, { label: [{ name: 'room', value: 'attic' }], gauge: { value: Infinity }, timestamp_ms: 1_699_999_999_000 }] },
  { name: 'untyped_thing', type: 'UNTYPED', metric: [{ untyped: { value: 42 } }, { label: [{ name: 'x', value: '' }], untyped: { value: NaN } }] },
  { name: 'no_metrics_here', help: 'Skipped entirely, metadata too.', type: 'GAUGE', metric: [] },
  {
    name: 'rpc_duration_seconds', help: 'RPC latency.', type: 'SUMMARY',
    metric: [
      { label: [{ name: 'service', value: 'a' }], summary: { sample_count: 9, sample_sum: 1.5, created_timestamp: CREATED,
        quantile: [{ quantile: 0.5, value: 0.1 }, { quantile: 0.99, value: 0.75 }, { quantile: 1, value: 1.25 }] } },
      { label: [{ name: 'service', value: 'empty' }], summary: { sample_count: 0, sample_sum: 0 } },
    ],
  },
  {
    name: 'request_size_bytes', help: 'Sizes.', type: 'HISTOGRAM',
    metric: [
      // No +Inf bucket written: the reader adds one valued at the count.
      { label: [{ name: 'path', value: '/' }], histogram: { sample_count: 10, sample_sum: 5230, created_timestamp: CREATED, bucket: [
        { cumulative_count: 2, upper_bound: 100 },
        { cumulative_count: 7, upper_bound: 1000, exemplar: { label: [{ name: 'trace_id', value: 'b1' }], value: 512, timestamp: EXEMPLAR_TIME } },
        { cumulative_count: 9, upper_bound: 1e6 },
      ] } },
      // An explicit +Inf bucket, and a bound that formats with an exponent.
      { label: [{ name: 'path', value: '/api' }], histogram: { sample_count: 4, sample_sum: 0.25, bucket: [
        { cumulative_count: 1, upper_bound: 0.00001 }, { cumulative_count: 4, upper_bound: Infinity },
      ] } },
      // Float counts override the integer ones when > 0.
      { label: [{ name: 'path', value: '/float' }], histogram: { sample_count: 1, sample_count_float: 2.5, sample_sum: 3, bucket: [
        { cumulative_count: 1, cumulative_count_float: 1.5, upper_bound: 1 },
      ] } },
    ],
  },
  {
    name: 'queue_depth', help: 'A gauge histogram.', type: 'GAUGE_HISTOGRAM',
    metric: [{ histogram: { sample_count: 3, sample_sum: 12, bucket: [{ cumulative_count: 1, upper_bound: 2 }, { cumulative_count: 3, upper_bound: 8 }] } }],
  },
  { name: 'ünïcödé.metric/name', help: 'Any UTF-8 name.', type: 'GAUGE', metric: [{ label: [{ name: 'label.with.dots', value: 'ä' }], gauge: { value: 1 } }] },
];

/**
 * The same families as Prometheus text (1.0.0: quoted UTF-8 names) in the order Prometheus's
 * protobuf reader emits series (_count, _sum, then quantiles or buckets), with le and quantile
 * written as labels.FormatOpenMetricsFloat writes them. Exemplars, created timestamps, units and
 * gauge histograms (queue_depth) have no place in this format.
 */
export const CLASSIC_FAMILIES_AS_TEXT = [
  '# HELP http_requests_total Requests handled.',
  '# TYPE http_requests_total counter',
  'http_requests_total{code="200",method="get"} 1027',
  'http_requests_total{code="400",method="post"} 3',
  '# HELP temperature_celsius Now.',
  '# TYPE temperature_celsius gauge',
  'temperature_celsius -3.5',
  'temperature_celsius{room="attic"} +Inf 1699999999000',
  '# TYPE untyped_thing untyped',
  'untyped_thing 42',
  'untyped_thing{x=""} NaN',
  '# HELP rpc_duration_seconds RPC latency.',
  '# TYPE rpc_duration_seconds summary',
  'rpc_duration_seconds_count{service="a"} 9',
  'rpc_duration_seconds_sum{service="a"} 1.5',
  'rpc_duration_seconds{service="a",quantile="0.5"} 0.1',
  'rpc_duration_seconds{service="a",quantile="0.99"} 0.75',
  'rpc_duration_seconds{service="a",quantile="1.0"} 1.25',
  'rpc_duration_seconds_count{service="empty"} 0',
  'rpc_duration_seconds_sum{service="empty"} 0',
  '# HELP request_size_bytes Sizes.',
  '# TYPE request_size_bytes histogram',
  'request_size_bytes_count{path="/"} 10',
  'request_size_bytes_sum{path="/"} 5230',
  'request_size_bytes_bucket{path="/",le="100.0"} 2',
  'request_size_bytes_bucket{path="/",le="1000.0"} 7',
  'request_size_bytes_bucket{path="/",le="1e+06"} 9',
  'request_size_bytes_bucket{path="/",le="+Inf"} 10',
  'request_size_bytes_count{path="/api"} 4',
  'request_size_bytes_sum{path="/api"} 0.25',
  'request_size_bytes_bucket{path="/api",le="1e-05"} 1',
  'request_size_bytes_bucket{path="/api",le="+Inf"} 4',
  'request_size_bytes_count{path="/float"} 2.5',
  'request_size_bytes_sum{path="/float"} 3',
  'request_size_bytes_bucket{path="/float",le="1.0"} 1.5',
  'request_size_bytes_bucket{path="/float",le="+Inf"} 2.5',
  '# HELP "ünïcödé.metric/name" Any UTF-8 name.',
  '# TYPE "ünïcödé.metric/name" gauge',
  '{"ünïcödé.metric/name","label.with.dots"="ä"} 1',
].join('\n') + '\n';

/**
 * Native histograms of many shapes, by name. Counts are chosen so that each shape's buckets are
 * easy to write down by hand (the tests do).
 */
export const NATIVE_SHAPES: Record<string, HistogramInput> = {
  // Integer counts; positive spans with a gap; deltas going up and down; a zero bucket; one
  // negative span at a negative index; classic buckets and exemplars besides.
  integer: {
    sample_count: 20, sample_sum: 123.5, schema: 3, zero_threshold: 1e-128, zero_count: 2,
    positive_span: [{ offset: -2, length: 3 }, { offset: 2, length: 2 }], positive_delta: [1, 2, -2, 4, -3],
    negative_span: [{ offset: 1, length: 2 }], negative_delta: [3, -1],
    bucket: [{ cumulative_count: 5, upper_bound: 1, exemplar: { label: [{ name: 'trace_id', value: 'in-bucket' }], value: 0.9, timestamp: EXEMPLAR_TIME } },
      { cumulative_count: 20, upper_bound: Infinity }],
    created_timestamp: CREATED,
    exemplars: [
      { label: [{ name: 'trace_id', value: 'with-time' }], value: 3.1, timestamp: EXEMPLAR_TIME },
      { label: [{ name: 'trace_id', value: 'no-time' }], value: 2 },
    ],
  },
  // Float counts (sample_count_float > 0): absolute counts, no deltas.
  float: {
    sample_count_float: 10.5, sample_sum: -4.25, schema: 0, zero_threshold: 0.001, zero_count_float: 0.5,
    positive_span: [{ offset: 0, length: 2 }, { offset: 3, length: 1 }], positive_count: [1.5, 0, 4.5],
    negative_span: [{ offset: -1, length: 2 }], negative_count: [2, 2],
  },
  // No observations yet: a no-op span marks it native.
  empty: { sample_count: 0, sample_sum: 0, schema: 2, zero_threshold: 0, positive_span: [{ offset: 0, length: 0 }] },
  // Only the zero bucket (a zero threshold > 0 marks it native).
  zeroOnly: { sample_count: 4, sample_sum: 0, schema: 1, zero_threshold: 1e-9, zero_count: 4 },
  // The coarsest and the finest schema Prometheus knows.
  schemaMinus4: { sample_count: 3, sample_sum: 100000, schema: -4, positive_span: [{ offset: 1, length: 1 }], positive_delta: [3] },
  schema8: { sample_count: 2, sample_sum: 2.0001, schema: 8, positive_span: [{ offset: 0, length: 1 }, { offset: 255, length: 1 }], positive_delta: [1, 0] },
  // Spans of length 0 between real ones and buckets of count 0 inside spans: the same histogram
  // as `compacted` below once empty buckets are dropped (Prometheus's Compact(0)).
  uncompacted: {
    sample_count: 6, sample_sum: 6, schema: 1,
    positive_span: [{ offset: 0, length: 2 }, { offset: 0, length: 0 }, { offset: 1, length: 3 }], positive_delta: [0, 2, -2, 4, -4],
  },
  compacted: { sample_count: 6, sample_sum: 6, schema: 1, positive_span: [{ offset: 1, length: 1 }, { offset: 2, length: 1 }], positive_delta: [2, 2] },
};

/** A family of one histogram labelled `shape`. */
export function nativeFamily(name: string, histogram: HistogramInput, type: MetricTypeName = 'HISTOGRAM', shape = name): MetricFamilyInput {
  return { name, help: `Native histogram ${name}.`, type, metric: [{ label: [{ name: 'shape', value: shape }], histogram }] };
}

/** Every shape as its own family `native_<shape>`, and a native gauge histogram. */
export const NATIVE_FAMILIES: MetricFamilyInput[] = [
  ...Object.entries(NATIVE_SHAPES).map(([shape, histogram]) => nativeFamily(`native_${shape}`, histogram, 'HISTOGRAM', shape)),
  nativeFamily('native_gauge', { sample_count: 5, sample_sum: 5, schema: 0, positive_span: [{ offset: 0, length: 1 }], positive_delta: [5] },
    'GAUGE_HISTOGRAM', 'gauge'),
];

/**
 * One native histogram over successive scrapes, counting up and then reset (its count drops)
 * at `resetAt`: pages for the streaming and staleness tests of the core.
 */
export function nativeHistogramScrapes(scrapes: number, resetAt: number): MetricFamilyInput[][] {
  const pages: MetricFamilyInput[][] = [];
  for (let i = 0; i < scrapes; i++) {
    const n = i < resetAt ? i + 1 : i - resetAt + 1;
    pages.push([nativeFamily('native_resetting', {
      sample_count: 3 * n, sample_sum: 10 * n, schema: 0, zero_threshold: 1e-128, zero_count: n,
      positive_span: [{ offset: 0, length: 2 }], positive_delta: [n, 0],
    })]);
  }
  return pages;
}

/**
 * A page Prometheus 2.42 reads as Prometheus 3 does, for the differential tests against it: legacy
 * names, classic families without their own timestamps or float counts (a sample with an old
 * timestamp is outside an instant query's lookback; 2.42 ignores a classic histogram's float
 * counts), and native histograms with integer counts (no gauge histograms: 2.42 names their
 * classic series differently).
 */
export const PROMETHEUS_242_NATIVE_SHAPES = ['integer', 'zeroOnly', 'schemaMinus4', 'schema8', 'uncompacted', 'compacted'];
const PROMETHEUS_242_CLASSIC_NAMES = new Set(['http_requests_total', 'temperature_celsius', 'untyped_thing', 'rpc_duration_seconds', 'request_size_bytes']);
export const PROMETHEUS_242_PAGE: MetricFamilyInput[] = [
  ...CLASSIC_FAMILIES.filter((family) => PROMETHEUS_242_CLASSIC_NAMES.has(family.name!)).map((family) => ({
    ...family,
    metric: family.metric!.filter((metric) => metric.timestamp_ms === undefined && metric.histogram?.sample_count_float === undefined),
  })),
  ...PROMETHEUS_242_NATIVE_SHAPES.map((shape) => nativeFamily(`native_${shape}`, NATIVE_SHAPES[shape], 'HISTOGRAM', shape)),
];
