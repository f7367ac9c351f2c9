/**
 * The reference reading of a protobuf exposition page: what Prometheus 3's protobuf parser
 * (model/textparse/protobufparse.go, main at d15adb9ad7e5) makes of it, in the shapes the
 * reference text parser uses (src/reference: RefFamily, RefSample), plus native histogram
 * records. It is the oracle for the core's protobuf parser (issue 13): small, written for
 * reading, not speed. The wire format is decoded by protobufjs from client_model's .proto
 * (with strings read as bytes, so UTF-8 is checked here, as Prometheus checks it).
 *
 * Prometheus's reading, rule by rule:
 * - Families without metrics are skipped, metadata included. A family's name must be non-empty
 *   UTF-8, its help UTF-8, its type one of the six; label names non-empty UTF-8 and unique,
 *   label values UTF-8 (checked by Prometheus's scrape loop: the scrape fails); an le or quantile
 *   label with a value beside the one the reader adds is a name twice (the scrape fails). The unit and
 *   exemplar labels are not checked (bad bytes read here as U+FFFD).
 * - Counter, gauge, untyped: one sample named after the family (no suffix added), the value of
 *   the type's field (0 when the field is absent). A counter's exemplar goes with its sample.
 * - Summary: `<name>_count`, `<name>_sum`, then one `<name>{quantile="q"}` per quantile, q
 *   written as labels.FormatOpenMetricsFloat (`0.5`, `1.0`, `+Inf`).
 * - Histogram and gauge histogram read as classic (not native, or native histograms not
 *   scraped): `_count`, `_sum`, then `_bucket{le}` per bucket (le formatted as above), and a
 *   `+Inf` bucket valued at the count when the last bucket is not +Inf. A float field wins over
 *   its integer twin when it is > 0 (sample_count_float, cumulative_count_float). Each bucket's
 *   exemplar goes with its bucket sample.
 * - A histogram is native when it has a span on either side, a zero threshold > 0 or an integer
 *   zero count > 0 (isNativeHistogram). Scraped as native, it is one record named after the
 *   family; a float histogram when sample_count_float or zero_count_float is > 0, else integer
 *   (deltas). Spans must cover exactly as many buckets as there are counts or deltas, else the
 *   page fails. With always_scrape_classic_histograms and buckets present, its classic series
 *   follow the record. Its exemplars: those of `exemplars` that have a timestamp, or if that is
 *   empty, those of the buckets that have one.
 * - Schemas (Prometheus >= 3.7, model/histogram/generic.go and Histogram.Validate): -4 to 8
 *   exponential, -53 custom buckets; 9 to 52 (reserved for finer exponential schemas) are reduced
 *   to 8 (merging buckets: index i goes to floor((i - 1) / 2^(schema - 8)) + 1); any other schema
 *   fails the page (`histogram has an invalid schema, ... got schema -5`). Custom buckets from a
 *   page (which has no custom bounds) need a zero threshold and zero count of 0, no negative
 *   spans or buckets, non-negative offsets and spans that end by index 1 (only the +Inf bucket).
 * - Timestamps: `timestamp_ms` 0 means none (Prometheus cannot tell 0 from unset); exemplar and
 *   created timestamps are seconds*1000 + trunc(nanos/1e6). A created timestamp (counter,
 *   summary, histogram) applies to every series of the metric: `startTimestamps` lists them,
 *   and a native record carries its own.
 *
 * Native records are canonical: absolute counts per bucket index, sorted, zero counts left out.
 * Prometheus compacts the spans it gets (Compact(0)); any compaction of the same histogram has
 * the same canonical form, so comparing canonical forms compares histograms, not encodings.
 */
import * as protobuf from 'protobufjs';
import { ScrapewireError } from '../../src/errors';
import type { MetricType } from '../../src/core/types';
import type { Label } from '../../src/labels';
import { compareUtf8 } from '../reference/cursor';
import type { RefExemplar, RefFamily, RefSample } from '../reference/types';
import { formatGoFloat } from '../../bench/payload/go-float';
import { metricFamilyType } from './client-model';

export interface RefNativeHistogram {
  /** Sorted by name; `__name__` is the family's name. */
  labels: Label[];
  timestampMs?: number;
  startTimestampMs?: number;
  /** 'gaugehistogram' is Prometheus's CounterResetHint GaugeType. */
  type: 'histogram' | 'gaugehistogram';
  /** Float counts (FloatHistogram) or integer counts (Histogram, deltas on the wire). */
  float: boolean;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  /** [bucket index, absolute count], ascending by index, counts of 0 left out. */
  positive: Array<[number, number]>;
  negative: Array<[number, number]>;
  exemplars: RefExemplar[];
}

export interface RefStartTimestamp {
  labels: Label[];
  startTimestampMs: number;
}

export interface ProtobufReferenceParse {
  families: RefFamily[];
  /** The float samples, in Prometheus's order. */
  samples: RefSample[];
  histograms: RefNativeHistogram[];
  /** For each float sample's series whose metric has a created timestamp. */
  startTimestamps: RefStartTimestamp[];
}

export interface ProtobufReferenceOptions {
  /** scrape_native_histograms. Default false (Prometheus's default): native histograms are read as classic. */
  scrapeNativeHistograms?: boolean;
  /** always_scrape_classic_histograms: a native histogram's classic buckets are read too. Default false. */
  alwaysScrapeClassicHistograms?: boolean;
}

/** MetricType by its number (COUNTER = 0 ... GAUGE_HISTOGRAM = 5). */
const TYPES: Record<number, MetricType> = { 0: 'counter', 1: 'gauge', 2: 'summary', 3: 'unknown', 4: 'histogram', 5: 'gaugehistogram' };

/* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs's toObject output is untyped. */
type Message = Record<string, any>;

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** For the strings Prometheus does not check (unit, exemplar labels): bad bytes become U+FFFD. */
const lenientUtf8 = new TextDecoder('utf-8');

function fail(reason: string): never {
  throw new ScrapewireError('ERR_PARSE', reason);
}

/** A string field read as bytes: decoded as UTF-8, or the page fails naming `what`. */
function text(bytes: Uint8Array | undefined, what: string): string {
  if (bytes === undefined) return '';
  try {
    return utf8.decode(bytes);
  } catch {
    return fail(`${what} is not valid UTF-8`);
  }
}

/** Prometheus's labels.FormatOpenMetricsFloat: Go's %g, shortest, with ".0" when it would look like an integer. */
export function formatOpenMetricsFloat(value: number): string {
  const formatted = formatGoFloat(value);
  if (/^[-+]?\d+$/.test(formatted)) return `${formatted}.0`;
  return formatted;
}

/** Integers come as strings (toObject longs: String) so 64-bit values are not rounded before this. */
function integer(value: string | undefined): number {
  return value === undefined ? 0 : Number(BigInt(value));
}

function timestampMs(timestamp: Message | undefined): number | undefined {
  if (timestamp === undefined) return undefined;
  const seconds = BigInt(timestamp.seconds ?? '0');
  const nanos = BigInt(timestamp.nanos ?? 0);
  return Number(seconds * 1000n + nanos / 1_000_000n); // BigInt division truncates, as Go's does
}

function exemplarOf(exemplar: Message | undefined): RefExemplar | undefined {
  if (exemplar === undefined) return undefined;
  const labels: Label[] = (exemplar.label ?? []).map((pair: Message) =>
    [lenientUtf8.decode(pair.name ?? new Uint8Array()), lenientUtf8.decode(pair.value ?? new Uint8Array())] as const);
  const out: RefExemplar = { labels: labels.sort((a, b) => compareUtf8(a[0], b[0])), value: exemplar.value ?? 0 };
  const ts = timestampMs(exemplar.timestamp);
  if (ts !== undefined) out.timestampMs = ts;
  return out;
}

/** Decodes the page (delimited MetricFamily messages) and reads it as Prometheus does. */
export function parseProtobufReference(page: Uint8Array, options: ProtobufReferenceOptions = {}): ProtobufReferenceParse {
  const type = metricFamilyType('bytes');
  const reader = protobuf.Reader.create(page);
  const out: ProtobufReferenceParse = { families: [], samples: [], histograms: [], startTimestamps: [] };
  while (reader.pos < reader.len) {
    let family: Message;
    try {
      family = type.toObject(type.decodeDelimited(reader), { longs: String, defaults: false, arrays: true });
    } catch (err) {
      return fail(`malformed MetricFamily at byte ${reader.pos}: ${(err as Error).message}`);
    }
    readFamily(family, options, out);
  }
  return out;
}

function readFamily(family: Message, options: ProtobufReferenceOptions, out: ProtobufReferenceParse): void {
  const metrics: Message[] = family.metric ?? [];
  if (metrics.length === 0) return;
  const name = text(family.name, 'a metric family name');
  if (name === '') fail('invalid metric name: ""');
  const help = text(family.help, `the help of ${JSON.stringify(name)}`);
  const typeNumber: number = family.type ?? 0; // absent: the enum's first value, COUNTER
  const type = TYPES[typeNumber];
  if (type === undefined) fail(`unknown metric type for metric ${JSON.stringify(name)}: ${typeNumber}`);
  const unit = lenientUtf8.decode(family.unit ?? new Uint8Array());
  const ref: RefFamily = { name, type };
  if (help !== '') ref.help = help;
  if (unit !== '') ref.unit = unit;
  out.families.push(ref);

  for (const metric of metrics) {
    const labels: Array<[string, string]> = (metric.label ?? []).map((pair: Message) =>
      [text(pair.name, `a label name of ${JSON.stringify(name)}`), text(pair.value, `a label value of ${JSON.stringify(name)}`)]);
    const seen = new Set<string>(['__name__']);
    for (const [labelName] of labels) {
      if (labelName === '') fail(`empty label name in ${JSON.stringify(name)}`);
      if (seen.has(labelName)) fail(`label name ${JSON.stringify(labelName)} is not unique in ${JSON.stringify(name)}`);
      seen.add(labelName);
    }
    const series = (metricName: string, extra?: [string, string]): Label[] => {
      // The bucket's le or the quantile beside a label of the same name with a value: a label set
      // with a name twice, which Prometheus's storage refuses (ErrInvalidSample: the scrape fails).
      // An empty value is no label: the bound takes its place.
      if (extra !== undefined && labels.some(([n, v]) => n === extra[0] && v !== '')) fail(`label name ${JSON.stringify(extra[0])} is not unique in ${JSON.stringify(name)}`);
      const own = extra === undefined ? labels : labels.filter(([n]) => n !== extra[0]);
      return [['__name__', metricName] as const, ...own, ...(extra === undefined ? [] : [extra])].sort((a, b) => compareUtf8(a[0], b[0]));
    };
    const ts = metric.timestamp_ms === undefined || integer(metric.timestamp_ms) === 0 ? undefined : integer(metric.timestamp_ms);
    let start: number | undefined;
    const sample = (metricName: string, value: number, extra?: [string, string], exemplar?: Message): void => {
      const s: RefSample = { labels: series(metricName, extra), value };
      if (ts !== undefined) s.timestampMs = ts;
      const e = exemplarOf(exemplar);
      if (e !== undefined) s.exemplar = e;
      out.samples.push(s);
      if (start !== undefined) out.startTimestamps.push({ labels: s.labels, startTimestampMs: start });
    };

    switch (type) {
      case 'counter':
        start = timestampMs(metric.counter?.created_timestamp);
        sample(name, metric.counter?.value ?? 0, undefined, metric.counter?.exemplar);
        break;
      case 'gauge':
        sample(name, metric.gauge?.value ?? 0);
        break;
      case 'unknown':
        sample(name, metric.untyped?.value ?? 0);
        break;
      case 'summary': {
        const summary: Message = metric.summary ?? {};
        start = timestampMs(summary.created_timestamp);
        sample(`${name}_count`, integer(summary.sample_count));
        sample(`${name}_sum`, summary.sample_sum ?? 0);
        for (const quantile of summary.quantile ?? []) {
          sample(name, quantile.value ?? 0, ['quantile', formatOpenMetricsFloat(quantile.quantile ?? 0)]);
        }
        break;
      }
      default: {
        const histogram: Message = metric.histogram ?? {};
        start = timestampMs(histogram.created_timestamp);
        const native = options.scrapeNativeHistograms === true && isNativeHistogram(histogram);
        if (native) {
          out.histograms.push(nativeRecord(name, type as 'histogram' | 'gaugehistogram', series(name), ts, start, histogram));
        }
        const buckets: Message[] = histogram.bucket ?? [];
        if (!native || (options.alwaysScrapeClassicHistograms === true && buckets.length > 0)) {
          const count = (histogram.sample_count_float ?? 0) > 0 ? histogram.sample_count_float : integer(histogram.sample_count);
          sample(`${name}_count`, count);
          sample(`${name}_sum`, histogram.sample_sum ?? 0);
          let sawInf = false;
          for (const bucket of buckets) {
            const upper: number = bucket.upper_bound ?? 0;
            const cumulative = (bucket.cumulative_count_float ?? 0) > 0 ? bucket.cumulative_count_float : integer(bucket.cumulative_count);
            sample(`${name}_bucket`, cumulative, ['le', formatOpenMetricsFloat(upper)], bucket.exemplar);
            // Prometheus stops at a +Inf bucket: nothing after it is read.
            if (upper === Infinity) { sawInf = true; break; }
          }
          if (!sawInf) sample(`${name}_bucket`, count, ['le', '+Inf']);
        }
      }
    }
  }
}

function isNativeHistogram(histogram: Message): boolean {
  return (histogram.positive_span ?? []).length > 0 || (histogram.negative_span ?? []).length > 0
    || (histogram.zero_threshold ?? 0) > 0 || integer(histogram.zero_count) > 0;
}

/** One side's buckets as [index, absolute count], from spans and deltas (integer) or counts (float). */
function side(name: string, which: 'positive' | 'negative', spans: Message[], values: number[], deltas: boolean): Array<[number, number]> {
  const required = spans.reduce((sum, span) => sum + (span.length ?? 0), 0);
  if (required !== values.length) fail(`histogram ${JSON.stringify(name)}: ${which} side: spans require ${required} buckets, have ${values.length}`);
  const buckets: Array<[number, number]> = [];
  let index = 0;
  let valueAt = 0;
  let absolute = 0;
  for (const [spanAt, span] of spans.entries()) {
    // A gap cannot be negative (Prometheus's checkHistogramSpans: the sample is refused).
    if (spanAt > 0 && (span.offset ?? 0) < 0) fail(`histogram ${JSON.stringify(name)}: ${which} side: span number ${spanAt + 1} with offset ${span.offset}`);
    // The first span's offset is its first bucket's index; each next one's, the gap after the previous span.
    index = spanAt === 0 ? (span.offset ?? 0) : index + (span.offset ?? 0);
    for (let i = 0; i < (span.length ?? 0); i++, index++, valueAt++) {
      absolute = deltas ? absolute + values[valueAt] : values[valueAt];
      if (absolute !== 0) buckets.push([index, absolute]);
    }
  }
  return buckets;
}

/** Prometheus's schema rules (see the header): refuses, or reduces 9 to 52 to 8, in place. */
function checkSchema(name: string, record: RefNativeHistogram, histogram: Message): void {
  const schema = record.schema;
  if (schema === -53) {
    const spans: Message[] = histogram.positive_span ?? [];
    let end = 0;
    let index = 0;
    for (const [at, span] of spans.entries()) {
      if ((span.offset ?? 0) < 0) fail(`histogram ${JSON.stringify(name)}: custom buckets: span number ${at + 1} with offset ${span.offset}`);
      index += (span.offset ?? 0);
      end = index + (span.length ?? 0);
      index = end;
    }
    if (record.zeroThreshold !== 0 || record.zeroCount !== 0 || (histogram.negative_span ?? []).length > 0 || record.negative.length > 0 || end > 1) {
      fail(`histogram ${JSON.stringify(name)}: custom buckets: invalid (zero bucket, negative side, or more buckets than custom bounds)`);
    }
    return;
  }
  if (schema < -4 || schema > 52) {
    fail(`histogram ${JSON.stringify(name)}: histogram has an invalid schema, which must be between -4 and 8 for exponential buckets, or -53 for custom buckets, got schema ${schema}`);
  }
  if (schema <= 8) return;
  const by = schema - 8;
  const merge = (buckets: Array<[number, number]>) => reduceBuckets(buckets, by);
  record.schema = 8;
  record.positive = merge(record.positive);
  record.negative = merge(record.negative);
}

function nativeRecord(
  name: string, type: 'histogram' | 'gaugehistogram', labels: Label[], ts: number | undefined, start: number | undefined, histogram: Message,
): RefNativeHistogram {
  const float = (histogram.sample_count_float ?? 0) > 0 || (histogram.zero_count_float ?? 0) > 0;
  const values = (key: string): number[] => (histogram[key] ?? []).map((v: string | number) => (float ? Number(v) : integer(String(v))));
  const record: RefNativeHistogram = {
    labels,
    type,
    float,
    schema: histogram.schema ?? 0,
    zeroThreshold: histogram.zero_threshold ?? 0,
    zeroCount: float ? histogram.zero_count_float ?? 0 : integer(histogram.zero_count),
    count: float ? histogram.sample_count_float ?? 0 : integer(histogram.sample_count),
    sum: histogram.sample_sum ?? 0,
    positive: side(name, 'positive', histogram.positive_span ?? [], values(float ? 'positive_count' : 'positive_delta'), !float),
    negative: side(name, 'negative', histogram.negative_span ?? [], values(float ? 'negative_count' : 'negative_delta'), !float),
    exemplars: [],
  };
  checkSchema(name, record, histogram);
  if (ts !== undefined) record.timestampMs = ts;
  if (start !== undefined) record.startTimestampMs = start;
  const own: Message[] = histogram.exemplars ?? [];
  const candidates = own.length > 0 ? own : (histogram.bucket ?? []).map((bucket: Message) => bucket.exemplar).filter((e: unknown) => e !== undefined);
  for (const exemplar of candidates) {
    const e = exemplarOf(exemplar)!;
    if (e.timestampMs !== undefined) record.exemplars.push(e);
  }
  return record;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * [index, count] buckets of a native histogram at a schema `by` steps lower: each bucket i goes to
 * floor((i - 1) / 2^by) + 1, counts of merged buckets added (Prometheus's reduceResolution).
 */
export function reduceBuckets(buckets: Array<[number, number]>, by: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [i, c] of buckets) {
    const j = Math.floor((i - 1) / 2 ** by) + 1;
    if (out.length > 0 && out[out.length - 1][0] === j) out[out.length - 1][1] += c;
    else out.push([j, c]);
  }
  return out;
}
