/**
 * A stand-in producer for tests: builds 1.0 and 2.0 encodings of the same samples with
 * protobufjs (the WASM core does this in production) and records which encodings were asked for.
 */
import type { Registry } from 'prom-client';
import { encodeRw1, encodeRw2 } from '../helpers/remote-write-proto';
import type { RemoteWriteMessage, RequestProducer } from '../../src/remote';

export interface TestSeries {
  labels: Record<string, string>;
  samples: Array<{ value: number; timestamp: number }>;
}

export function encodeSeries(series: TestSeries[], message: RemoteWriteMessage): Uint8Array {
  if (message === 'prometheus.WriteRequest') {
    return encodeRw1({
      timeseries: series.map((s) => ({ labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })), samples: s.samples })),
    });
  }
  const symbols = [''];
  const ref = (text: string): number => {
    let i = symbols.indexOf(text);
    if (i < 0) i = symbols.push(text) - 1;
    return i;
  };
  const timeseries = series.map((s) => ({
    labels_refs: Object.entries(s.labels).flatMap(([name, value]) => [ref(name), ref(value)]),
    samples: s.samples,
  }));
  return encodeRw2({ symbols, timeseries });
}

export class TestProducer implements RequestProducer {
  readonly asked: RemoteWriteMessage[] = [];
  readonly samples: number;
  readonly newestTimestampMs: number;

  constructor(readonly series: TestSeries[], readonly shardKey?: string) {
    this.samples = series.reduce((n, s) => n + s.samples.length, 0);
    this.newestTimestampMs = Math.max(...series.flatMap((s) => s.samples.map((x) => x.timestamp)));
  }

  encode(message: RemoteWriteMessage): Uint8Array {
    this.asked.push(message);
    return encodeSeries(this.series, message);
  }
}

/** One series `name{job="test"}` with `count` samples valued start..start+count-1, 1 s apart. */
export function numberedProducer(name: string, start: number, count: number, baseTs: number, shardKey?: string): TestProducer {
  const samples = Array.from({ length: count }, (_, i) => ({ value: start + i, timestamp: baseTs + (start + i) * 1000 }));
  return new TestProducer([{ labels: { __name__: name, job: 'test' }, samples }], shardKey);
}

/** Reads one labelled value of a counter or gauge from a registry (0 when absent). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  let total = 0;
  for (const v of data.values) {
    if (Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val)) total += v.value;
  }
  return total;
}

/** Captures log calls of a pino-compatible logger. */
export function captureLogger(): { logger: import('../../src/remote').Logger; lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> } {
  const lines: Array<{ level: string; obj: Record<string, unknown>; msg?: string }> = [];
  const at = (level: string) => (obj: object, msg?: string) => { lines.push({ level, obj: obj as Record<string, unknown>, msg }); };
  return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}
