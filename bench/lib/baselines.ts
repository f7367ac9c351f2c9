/**
 * The baselines the core is measured against, each turning exposition chunks into remote-write
 * 1.0 requests of at most `maxSamplesPerRequest` series:
 *
 * - reference: the whole body joined, test/reference's parseReference, then protobufjs.
 *
 * Both drop empty-valued labels as Prometheus (and the core) do, so all paths send the same
 * series; the request sizes in the tables are a cross-check of that.
 * - obvious: what a Node service does without scrapewire: the body as one string (what
 *   `await res.text()` returns), the npm package parse-prometheus-text-format, label objects
 *   sorted into prometheus.WriteRequest objects, protobufjs, then snappyjs.
 *
 * Modules that may not exist yet while the tree is being written (the reference parser, the
 * core) are loaded by path at run time, so the benchmarks compile and run without them.
 */
import { benchRemoteWriteTypes } from './remote-write';
import type { RefParse } from '../../test/reference/types';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const snappy: { compress(input: Uint8Array): Uint8Array } = require('snappyjs');

/** A family as parse-prometheus-text-format returns it (prom2json's shape, values as strings). */
interface PptFamily {
  name: string;
  type: string;
  metrics: {
    labels?: Record<string, string>;
    value?: string;
    timestamp_ms?: string;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
    sum?: string;
    count?: string;
  }[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheusTextFormat: (text: string) => PptFamily[] = require('parse-prometheus-text-format');

type ParseReference = (input: string | Uint8Array, format: 'text' | 'openmetrics') => RefParse;

/** test/reference/parser.ts's parseReference, or undefined (with the reason) while it is missing. */
export function loadReferenceParser(): { parseReference?: ParseReference; reason?: string } {
  const modulePath = '../../test/reference/parser';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require(modulePath) as { parseReference?: ParseReference };
    if (typeof loaded.parseReference !== 'function') return { reason: 'test/reference/parser has no parseReference export' };
    return { parseReference: loaded.parseReference };
  } catch (error) {
    return { reason: `test/reference/parser not loadable: ${(error as Error).message.split('\n')[0]}` };
  }
}

interface TimeSeriesObject {
  labels: { name: string; value: string }[];
  samples: { value: number; timestamp: number }[];
}

/** Encodes series in batches; returns the number of series encoded. */
function encodeBatches(series: TimeSeriesObject[], maxSamplesPerRequest: number, onRequest: (request: Uint8Array) => void): number {
  const { WriteRequest } = benchRemoteWriteTypes();
  for (let start = 0; start < series.length; start += maxSamplesPerRequest) {
    onRequest(WriteRequest.encode({ timeseries: series.slice(start, start + maxSamplesPerRequest) }).finish());
  }
  return series.length;
}

/** Reference parser + protobufjs. Returns the number of series encoded. */
export function referenceParseEncode(
  parseReference: ParseReference,
  chunks: readonly Uint8Array[],
  timestampMs: number,
  maxSamplesPerRequest: number,
  onRequest: (request: Uint8Array) => void,
): number {
  const parsed = parseReference(Buffer.concat(chunks), 'text');
  const series: TimeSeriesObject[] = new Array(parsed.samples.length);
  for (let i = 0; i < parsed.samples.length; i++) {
    const sample = parsed.samples[i];
    series[i] = {
      // Prometheus drops empty-valued labels before remote write, and so does the core.
      labels: sample.labels.filter(([, value]) => value !== '').map(([name, value]) => ({ name, value })),
      samples: [{ value: sample.value, timestamp: sample.timestampMs ?? timestampMs }],
    };
  }
  return encodeBatches(series, maxSamplesPerRequest, onRequest);
}

function parseValue(text: string): number {
  // parseFloat reads "Inf" and "-Inf" but not "+Inf".
  return text === '+Inf' ? Infinity : parseFloat(text);
}

function toSeries(name: string, labels: Record<string, string> | undefined, value: string, timestamp: number): TimeSeriesObject {
  const pairs = [{ name: '__name__', value: name }];
  if (labels) for (const key of Object.keys(labels)) if (labels[key] !== '') pairs.push({ name: key, value: labels[key] });
  pairs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels: pairs, samples: [{ value: parseValue(value), timestamp }] };
}

/** The obvious approach: string body, parse-prometheus-text-format, protobufjs, snappyjs. */
export function obviousParseEncode(
  chunks: readonly Uint8Array[],
  timestampMs: number,
  maxSamplesPerRequest: number,
  onCompressedRequest: (request: Uint8Array) => void,
): number {
  const body = Buffer.concat(chunks).toString('utf8');
  const series: TimeSeriesObject[] = [];
  for (const family of parsePrometheusTextFormat(body)) {
    for (const metric of family.metrics) {
      const timestamp = metric.timestamp_ms !== undefined ? Number(metric.timestamp_ms) : timestampMs;
      if (metric.buckets || metric.quantiles) {
        const [suffix, key, points] = metric.buckets ? ['_bucket', 'le', metric.buckets] : ['', 'quantile', metric.quantiles!];
        for (const bound of Object.keys(points)) {
          series.push(toSeries(family.name + suffix, { ...metric.labels, [key]: bound }, points[bound], timestamp));
        }
        if (metric.sum !== undefined) series.push(toSeries(`${family.name}_sum`, metric.labels, metric.sum, timestamp));
        if (metric.count !== undefined) series.push(toSeries(`${family.name}_count`, metric.labels, metric.count, timestamp));
      } else if (metric.value !== undefined) {
        series.push(toSeries(family.name, metric.labels, metric.value, timestamp));
      }
    }
  }
  return encodeBatches(series, maxSamplesPerRequest, (request) => onCompressedRequest(snappy.compress(request)));
}

export { snappy };
