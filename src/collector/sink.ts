/**
 * The built-in remote-write sink: a receiver inside the collector (POST /api/v1/write on its own
 * web server) so the bundled default configuration delivers somewhere with nothing else
 * installed. It decodes each request (1.0 or 2.0, snappy), keeps the latest value of every series
 * it saw in the last five minutes, counts what arrived, and shows it on /sink. It is a
 * demonstration and a smoke test, not storage: point `remote_write` at a real store for that.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, type Registry } from 'prom-client';
import { snappyUncompress } from '../remote/snappy';
import { decodeRequest } from './remote-write-schema';

const FORGET_AFTER_MS = 5 * 60_000;
const MAX_BODY_BYTES = 64 << 20;

interface SeriesEntry {
  labels: string;
  value: number;
  timestamp: number;
  seen: number;
}

export class RemoteWriteSink {
  private readonly series = new Map<string, SeriesEntry>();
  private readonly samples: Counter;
  private readonly requests: Counter;
  private readonly seriesGauge: Gauge;
  private totalSamples = 0;
  private totalRequests = 0;
  private lastPrune = 0;

  constructor(registry: Registry) {
    this.samples = new Counter({ name: 'scrapewire_sink_samples_received_total', help: 'Samples received by the built-in remote-write sink.', registers: [registry] });
    this.requests = new Counter({ name: 'scrapewire_sink_requests_received_total', help: 'Requests received by the built-in remote-write sink, by protocol version.', labelNames: ['version'], registers: [registry] });
    this.seriesGauge = new Gauge({ name: 'scrapewire_sink_series', help: 'Series the built-in sink received in the last five minutes.', registers: [registry], collect: () => this.seriesGauge.set(this.series.size) });
  }

  /** Totals since start, for logs. */
  stats(): { samples: number; requests: number; series: number } {
    return { samples: this.totalSamples, requests: this.totalRequests, series: this.series.size };
  }

  /** Handles POST /api/v1/write. */
  async handleWrite(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end('request too large\n');
        return;
      }
      chunks.push(chunk);
    }
    const version2 = (req.headers['content-type'] ?? '').includes('io.prometheus.write.v2.Request');
    let decoded;
    try {
      decoded = decodeRequest(snappyUncompress(Buffer.concat(chunks)), version2);
    } catch (err) {
      res.writeHead(400).end(`cannot decode the request: ${(err as Error).message}\n`);
      return;
    }
    const now = Date.now();
    let samples = 0;
    for (const ts of decoded) {
      const key = ts.labels.map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(',');
      const last = ts.samples[ts.samples.length - 1];
      if (last !== undefined) this.series.set(key, { labels: key, value: last.value, timestamp: last.timestamp, seen: now });
      samples += ts.samples.length;
    }
    this.totalSamples += samples;
    this.totalRequests++;
    this.samples.inc(samples);
    this.requests.inc({ version: version2 ? '2.0' : '1.0' });
    if (now - this.lastPrune > 10_000) this.prune(now);
    const headers: Record<string, string> = {};
    if (version2) {
      headers['X-Prometheus-Remote-Write-Samples-Written'] = String(samples);
      headers['X-Prometheus-Remote-Write-Histograms-Written'] = '0';
      headers['X-Prometheus-Remote-Write-Exemplars-Written'] = '0';
    }
    res.writeHead(204, headers).end();
  }

  private prune(now: number): void {
    this.lastPrune = now;
    for (const [key, entry] of this.series) if (now - entry.seen > FORGET_AFTER_MS) this.series.delete(key);
  }

  /** Handles GET /sink: what arrived, as plain text, series sorted. */
  handlePage(_req: IncomingMessage, res: ServerResponse): void {
    const lines = [
      `# scrapewire built-in sink: ${this.totalSamples} samples in ${this.totalRequests} requests, ${this.series.size} series in the last 5 minutes`,
      '# latest value of each series (staleness markers show as NaN)',
    ];
    for (const key of [...this.series.keys()].sort().slice(0, 5000)) {
      const e = this.series.get(key)!;
      lines.push(`{${e.labels}} ${e.value} ${e.timestamp}`);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${lines.join('\n')}\n`);
  }
}
