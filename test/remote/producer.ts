/**
 * Stand-ins for the producer side in delivery tests: scrapes of known samples encoded in 1.0
 * and 2.0 with protobufjs from the official .proto files (the WASM core does this in
 * production), written to a writer the way writeScrape does (once per protocol it asks for), and
 * validated remote_write entries built through the config loader.
 */
import type { Registry } from 'prom-client';
import { stringify } from 'yaml';
import { parseConfig } from '../../src/config/load';
import type { RemoteWriteConfig } from '../../src/config/types';
import { RW1, type EnqueueResult, type OutgoingRequest, type RemoteWriteProtocol } from '../../src/remote';
import { encodeRw1, encodeRw2 } from '../helpers/remote-write-proto';

export interface TestSeries {
  labels: Record<string, string>;
  samples: Array<{ value: number; timestamp: number }>;
}

/** remote_write entries as written in YAML (durations like '50ms'), validated by the config loader. */
export function endpoints(...entries: Array<Record<string, unknown>>): RemoteWriteConfig[] {
  return parseConfig(stringify({ remote_write: entries }), 'test-remote-write.yml').remote_write;
}

export function encodeSeries(series: TestSeries[], protocol: RemoteWriteProtocol): Uint8Array {
  if (protocol === RW1) {
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

/** What a writer looks like to a producer (RemoteWriter is one). */
export interface Writable {
  readonly protocols: readonly RemoteWriteProtocol[];
  write(request: OutgoingRequest): EnqueueResult[];
}

/** One scrape's worth of series from one target (`shardKey`). */
export class TestScrape {
  /** The protocols it was written in, in order. */
  readonly asked: RemoteWriteProtocol[] = [];
  readonly samples: number;
  readonly newestTimestampMs: number;

  constructor(readonly series: TestSeries[], readonly shardKey = '') {
    this.samples = series.reduce((n, s) => n + s.samples.length, 0);
    this.newestTimestampMs = Math.max(...series.flatMap((s) => s.samples.map((x) => x.timestamp)));
  }

  request(protocol: RemoteWriteProtocol): OutgoingRequest {
    return { protocol, body: encodeSeries(this.series, protocol), samples: this.samples, newestTimestampMs: this.newestTimestampMs, shardKey: this.shardKey };
  }

  /** Writes it in every protocol the writer asks for; returns where each endpoint put it (the results of every protocol, in order). */
  writeTo(writer: Writable): EnqueueResult[] {
    const results: EnqueueResult[] = [];
    for (const protocol of writer.protocols) {
      this.asked.push(protocol);
      const byEndpoint = writer.write(this.request(protocol));
      if (results.length === 0) results.push(...byEndpoint);
      else byEndpoint.forEach((where, i) => { if (where !== 'skipped') results[i] = where; });
    }
    return results;
  }
}

/** One series `name{job="test"}` with `count` samples valued start..start+count-1, 1 s apart. */
export function numberedScrape(name: string, start: number, count: number, baseTs: number, shardKey?: string): TestScrape {
  const samples = Array.from({ length: count }, (_, i) => ({ value: start + i, timestamp: baseTs + (start + i) * 1000 }));
  return new TestScrape([{ labels: { __name__: name, job: 'test' }, samples }], shardKey);
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
