/**
 * fast-check arbitraries for protobuf exposition pages: lists of MetricFamily inputs for
 * test/support/client-model.ts (written unpacked or packed), every type, labels that repeat,
 * are empty or clash, values and bounds from any double, timestamps, exemplars, and native
 * histogram parts (spans, deltas or counts, zero buckets) that agree with their spans or not.
 * And byte mutations of a page, for the properties that compare the core with itself.
 */
import fc from 'fast-check';
import type {
  BucketSpanInput, ExemplarInput, HistogramInput, LabelPairInput, MetricFamilyInput, MetricInput, MetricTypeName,
} from '../support/client-model';

const NAMES = ['a', 'b_total', 'h', 'lat_seconds', 's', 'my.metric', 'ü', ''];
const LABEL_NAMES = ['a', 'b', 'le', 'quantile', 'job', 'la.bel', 'ü', '', '__name__'];
const LABEL_VALUES = ['', 'v', '1', 'x y', 'ü', 'a"b', '\n'];
const TYPES: MetricTypeName[] = ['COUNTER', 'GAUGE', 'SUMMARY', 'UNTYPED', 'HISTOGRAM', 'GAUGE_HISTOGRAM'];

/** Doubles: common bounds and values, and any double at all. */
const double = fc.oneof(
  fc.constantFrom(0, -0, 1, 0.5, 0.99, 1e6, 1e-5, 100, 2.5, Infinity, -Infinity, NaN, -1),
  fc.double(),
);
const count = fc.oneof(fc.constantFrom(0, 1, 2, 10), fc.nat(1_000_000));

const labels: fc.Arbitrary<LabelPairInput[]> = fc.array(
  fc.record({ name: fc.constantFrom(...LABEL_NAMES), value: fc.constantFrom(...LABEL_VALUES) }),
  { maxLength: 3 },
).map((pairs) => (pairs.length > 1 && pairs.some((p) => p.name === '' || p.name === '__name__') ? pairs.slice(1) : pairs));

const timestamp = fc.record({ seconds: fc.integer({ min: 0, max: 2_000_000_000 }), nanos: fc.integer({ min: 0, max: 999_999_999 }) });

const exemplar: fc.Arbitrary<ExemplarInput> = fc.record({
  label: fc.array(fc.record({ name: fc.constantFrom('trace_id', 'span', 'trace_id', ''), value: fc.constantFrom('abc', '', 'ü') }), { maxLength: 2 }),
  value: double,
  timestamp: fc.option(timestamp, { nil: undefined }),
}, { requiredKeys: ['label', 'value'] });

const spans: fc.Arbitrary<BucketSpanInput[]> = fc.array(fc.record({ offset: fc.integer({ min: -5, max: 5 }), length: fc.nat(3) }), { maxLength: 3 });

/** A native histogram part: spans with as many deltas (integer) or counts (float) as they cover, or (rarely) not. */
function nativeParts(float: boolean): fc.Arbitrary<Partial<HistogramInput>> {
  const side = (which: 'positive' | 'negative') => spans.chain((s) => {
    const covered = s.reduce((sum, span) => sum + (span.length ?? 0), 0);
    const n = fc.oneof({ weight: 9, arbitrary: fc.constant(covered) }, { weight: 1, arbitrary: fc.nat(covered + 1) });
    return n.chain((k) => (float
      ? fc.array(fc.constantFrom(0, 1, 2.5, 4), { minLength: k, maxLength: k }).map((counts) => ({ [`${which}_span`]: s, [`${which}_count`]: counts }))
      : fc.array(fc.integer({ min: -3, max: 5 }), { minLength: k, maxLength: k }).map((deltas) => ({ [`${which}_span`]: s, [`${which}_delta`]: deltas }))));
  });
  return fc.tuple(side('positive'), side('negative'), fc.integer({ min: -4, max: 8 }), fc.constantFrom(0, 1e-128, 0.001), count)
    .map(([positive, negative, schema, zeroThreshold, zeroCount]) => ({
      ...positive, ...negative, schema, zero_threshold: zeroThreshold,
      ...(float ? { zero_count_float: zeroCount / 2 } : { zero_count: zeroCount }),
    }));
}

const histogram: fc.Arbitrary<HistogramInput> = fc.tuple(
  count, double, fc.array(fc.record({ cumulative_count: count, upper_bound: double, exemplar: fc.option(exemplar, { nil: undefined }) }, { requiredKeys: ['cumulative_count', 'upper_bound'] }), { maxLength: 4 }),
  fc.oneof(fc.constant(undefined), fc.constant(false), fc.constant(true)),
  fc.option(fc.constantFrom(0.5, 3.5), { nil: undefined }),
).chain(([n, sum, buckets, native, countFloat]) => {
  const base: HistogramInput = { sample_count: n, sample_sum: sum, bucket: buckets };
  if (native === undefined) return fc.constant(base);
  return nativeParts(native).map((parts) => ({ ...base, ...parts, ...(native && countFloat !== undefined ? { sample_count_float: countFloat } : {}) }));
});

function metric(type: MetricTypeName): fc.Arbitrary<MetricInput> {
  const value: fc.Arbitrary<Partial<MetricInput>> = type === 'COUNTER' ? fc.record({ counter: fc.record({ value: double, exemplar: fc.option(exemplar, { nil: undefined }) }, { requiredKeys: ['value'] }) })
    : type === 'GAUGE' ? fc.record({ gauge: fc.record({ value: double }) })
      : type === 'UNTYPED' ? fc.record({ untyped: fc.record({ value: double }) })
        : type === 'SUMMARY' ? fc.record({ summary: fc.record({ sample_count: count, sample_sum: double, quantile: fc.array(fc.record({ quantile: double, value: double }), { maxLength: 3 }) }) })
          : fc.record({ histogram });
  return fc.tuple(labels, value, fc.oneof(fc.constant(undefined), fc.constant(0), fc.integer({ min: 1, max: 2 ** 45 }))).map(([label, v, ts]) => ({
    label, ...v, ...(ts === undefined ? {} : { timestamp_ms: ts }),
  }));
}

const family: fc.Arbitrary<MetricFamilyInput> = fc.constantFrom(...TYPES).chain((type) => fc.record({
  name: fc.constantFrom(...NAMES),
  help: fc.constantFrom('', 'Help.', 'ü'),
  type: fc.constant(type),
  metric: fc.array(metric(type), { maxLength: 4 }),
  unit: fc.constantFrom('', 'seconds'),
}));

/** A page's families (encoded by the property, unpacked or packed). */
export const protobufFamilies: fc.Arbitrary<MetricFamilyInput[]> = fc.array(family, { maxLength: 5 });

/** Byte mutations: flip, insert, cut. */
export function mutate(bytes: Uint8Array): fc.Arbitrary<Uint8Array> {
  if (bytes.length === 0) return fc.constant(bytes);
  return fc.array(fc.tuple(fc.constantFrom('flip', 'insert', 'cut'), fc.nat(bytes.length - 1), fc.nat(255)), { minLength: 1, maxLength: 3 })
    .map((edits) => {
      let out = Array.from(bytes);
      for (const [kind, at, byte] of edits) {
        const i = Math.min(at, out.length - 1);
        if (kind === 'flip') out[i] = byte;
        else if (kind === 'insert') out.splice(i, 0, byte);
        else out = out.slice(0, i).concat(out.slice(i + 1));
        if (out.length === 0) break;
      }
      return new Uint8Array(out);
    });
}
