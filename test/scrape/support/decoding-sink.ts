/**
 * Helpers for the scrape loop tests: a sink that decodes every request it is handed (with the
 * official .proto files), and TargetSpec defaults.
 */
import { Registry } from 'prom-client';
import type { SampleSink, SinkRequest } from '../../../src/scrape/sample-sink';
import { RW1, RW2, type RemoteWriteProtocol } from '../../../src/remote-write-protocol';
import { scrapeMetrics } from '../../../src/scrape/scrape-metrics';
import type { TargetSpec } from '../../../src/scrape/target';
import { decodeRw1, decodeRw2, rw2Labels } from '../../helpers/remote-write-proto';

export interface DecodedSample {
  labels: Record<string, string>;
  value: number;
  timestamp: number;
}

/**
 * Decodes every request; `samples` holds the 1.0 ones. With `both`, the sink asks for 2.0 as
 * well and checks that the 2.0 requests carry the same samples as the 1.0 ones written before
 * them (writeScrape writes a scrape's 1.0 requests, then its 2.0 ones).
 */
export class DecodingSink implements SampleSink {
  readonly samples: DecodedSample[] = [];
  readonly requests: Array<{ samples: number; newestTimestampMs: number; shardKey?: string }> = [];
  readonly protocols: RemoteWriteProtocol[];
  /** 1.0 samples not yet matched by 2.0 ones. */
  private readonly unmatched: DecodedSample[] = [];

  constructor(private readonly both = false) {
    this.protocols = both ? [RW1, RW2] : [RW1];
  }

  write(request: SinkRequest): void {
    if (request.protocol === RW2) {
      const rw2 = decodeRw2(request.body);
      const fromRw2: DecodedSample[] = [];
      for (const series of rw2.timeseries) {
        for (const sample of series.samples) {
          fromRw2.push({ labels: rw2Labels(rw2.symbols, series.labels_refs), value: sample.value, timestamp: sample.timestamp });
        }
      }
      const expected = this.unmatched.splice(0, fromRw2.length);
      if (JSON.stringify(fromRw2) !== JSON.stringify(expected)) throw new Error('rw1 and rw2 requests differ');
      return;
    }
    this.requests.push({ samples: request.samples, newestTimestampMs: request.newestTimestampMs, shardKey: request.shardKey });
    const rw1 = decodeRw1(request.body);
    const decoded: DecodedSample[] = [];
    for (const series of rw1.timeseries) {
      const labels: Record<string, string> = {};
      for (const label of series.labels) labels[label.name] = label.value;
      for (const sample of series.samples) decoded.push({ labels, value: sample.value, timestamp: sample.timestamp });
    }
    if (this.both) this.unmatched.push(...decoded);
    this.samples.push(...decoded);
  }

  /** Samples of a metric, optionally at one timestamp. */
  of(name: string, timestamp?: number): DecodedSample[] {
    return this.samples.filter((s) => s.labels.__name__ === name && (timestamp === undefined || s.timestamp === timestamp));
  }

  /** Staleness markers (NaN with the stale bit pattern: any NaN here, the core writes no other). */
  stale(timestamp?: number): DecodedSample[] {
    return this.samples.filter((s) => Number.isNaN(s.value) && (timestamp === undefined || s.timestamp === timestamp));
  }

  clear(): void {
    this.samples.length = 0;
    this.requests.length = 0;
  }
}

export function testMetrics() {
  return scrapeMetrics(new Registry());
}

export function targetSpec(url: string, overrides: Partial<TargetSpec> = {}): TargetSpec {
  const instance = new URL(url).host;
  return {
    job: 'test',
    labels: [['instance', instance], ['job', 'test']],
    intervalMs: 1000,
    http: { url, scrapeTimeoutMs: 2000 },
    honorLabels: false,
    honorTimestamps: true,
    onParseError: 'fail',
    sampleLimit: 0,
    labelLimit: 0,
    labelNameLengthLimit: 0,
    labelValueLengthLimit: 0,
    ...overrides,
  };
}
