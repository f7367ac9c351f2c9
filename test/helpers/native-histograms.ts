/**
 * Native histograms out of remote-write requests, decoded with protobufjs from the official
 * .proto files (1.0 prometheus.Histogram, 2.0 io.prometheus.write.v2.Histogram) field by field,
 * and made canonical as test/support/protobuf-reference.ts makes its records: absolute counts
 * per bucket index, empty buckets left out, so any span encoding of one histogram compares equal.
 */
import type { Label } from '../../src/labels';
import { remoteWriteTypes } from './remote-write-proto';

export interface SentHistogram {
  labels: Label[];
  timestamp: number;
  float: boolean;
  schema: number;
  zeroThreshold: number;
  zeroCount: number;
  count: number;
  sum: number;
  positive: Array<[number, number]>;
  negative: Array<[number, number]>;
  /** RESET_HINT / ResetHint by name. */
  resetHint: string;
  /** Custom bucket bounds (schema -53 only). */
  customValues?: number[];
}

/* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs's toObject output is untyped. */
const OPTIONS = { longs: Number, enums: String, defaults: true, arrays: true, oneofs: true };

function side(spans: any[], values: number[], deltas: boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let index = 0;
  let at = 0;
  let absolute = 0;
  spans.forEach((span, i) => {
    index = i === 0 ? span.offset : index + span.offset;
    for (let k = 0; k < span.length; k++, index++, at++) {
      absolute = deltas ? absolute + values[at] : values[at];
      if (absolute !== 0) out.push([index, absolute]);
    }
  });
  if (at !== values.length) throw new Error(`spans cover ${at} buckets, ${values.length} values sent`);
  return out;
}

function canonical(labels: Label[], h: any): SentHistogram {
  const float = h.count === 'count_float';
  if (float !== (h.zero_count === 'zero_count_float')) throw new Error(`count is ${h.count}, zero count is ${h.zero_count}`);
  if (float && (h.positive_deltas.length > 0 || h.negative_deltas.length > 0)) throw new Error('a float histogram with deltas');
  if (!float && (h.positive_counts.length > 0 || h.negative_counts.length > 0)) throw new Error('an integer histogram with counts');
  return {
    labels,
    timestamp: h.timestamp,
    float,
    schema: h.schema,
    zeroThreshold: h.zero_threshold,
    zeroCount: float ? h.zero_count_float : h.zero_count_int,
    count: float ? h.count_float : h.count_int,
    sum: h.sum,
    positive: side(h.positive_spans, float ? h.positive_counts : h.positive_deltas, !float),
    negative: side(h.negative_spans, float ? h.negative_counts : h.negative_deltas, !float),
    resetHint: h.reset_hint,
    ...(h.schema === -53 ? { customValues: h.custom_values } : {}),
  };
}

/** The histograms of 1.0 requests, in order. A series with both samples and histograms is an error. */
export function histogramsFromRw1(requests: Uint8Array[]): SentHistogram[] {
  const { WriteRequest } = remoteWriteTypes();
  const out: SentHistogram[] = [];
  for (const request of requests) {
    const decoded: any = WriteRequest.toObject(WriteRequest.decode(request), OPTIONS);
    for (const ts of decoded.timeseries) {
      if (ts.histograms.length > 0 && ts.samples.length > 0) throw new Error('a 1.0 series with samples and histograms');
      const labels: Label[] = ts.labels.map((l: any) => [l.name, l.value] as const);
      for (const h of ts.histograms) out.push(canonical(labels, h));
    }
  }
  return out;
}

/** The histograms of 2.0 requests, in order. */
export function histogramsFromRw2(requests: Uint8Array[]): SentHistogram[] {
  const { V2Request } = remoteWriteTypes();
  const out: SentHistogram[] = [];
  for (const request of requests) {
    const decoded: any = V2Request.toObject(V2Request.decode(request), OPTIONS);
    for (const ts of decoded.timeseries) {
      if (ts.histograms.length > 0 && ts.samples.length > 0) throw new Error('a 2.0 series with samples and histograms');
      const refs: number[] = ts.labels_refs;
      const labels: Label[] = [];
      for (let i = 0; i < refs.length; i += 2) labels.push([decoded.symbols[refs[i]], decoded.symbols[refs[i + 1]]]);
      for (const h of ts.histograms) out.push(canonical(labels, h));
    }
  }
  return out;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
