/**
 * The built-in remote-write sink: a receiver inside the collector (POST /api/v1/write on its own
 * web server) so the bundled default configuration delivers somewhere with nothing else
 * installed. It reads each request (1.0 or 2.0, snappy), keeps the latest value of the series it
 * saw in the last five minutes, counts what arrived, and shows it on /sink. It is a
 * demonstration and a smoke test, not storage: point `remote_write` at a real store for that.
 *
 * It is mounted only with the bundled default configuration or --web.enable-sink, and whatever
 * reaches it is bounded (SinkLimits): the body it buffers, the size the snappy header claims
 * (checked before anything is decompressed: snappyjs allocates whatever the header says), the
 * requests handled at once (429 beyond), and the series kept (the oldest are evicted, and
 * counted). A large request is read in slices, yielding to the event loop between them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, type Registry } from 'prom-client';
import { snappyUncompress } from '../remote/snappy';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { seriesOfWriteRequest } from './remote-write-reader';
import { RW2 } from '../remote-write-protocol';

/** Limits of the built-in remote-write sink (requests at once, series kept). */
export interface SinkLimits {
  /** Largest compressed request body; 413 beyond. */
  maxBodyBytes: number;
  /** Largest decompressed request, as the snappy header announces it; 413 beyond. */
  maxDecompressedBytes: number;
  /** Requests read or decoded at once; 429 with Retry-After beyond. */
  maxConcurrentRequests: number;
  /** Series kept for /sink; the oldest (first seen earliest) are evicted beyond. */
  maxSeries: number;
}

/**
 * A remote-write sender's request is far below these: scrapewire and Prometheus send at most
 * max_samples_per_send (2,000) samples, a few hundred KiB decompressed; vmagent at most 8 MiB.
 */
export const DEFAULT_SINK_LIMITS: Readonly<SinkLimits> = {
  maxBodyBytes: 4 << 20,
  maxDecompressedBytes: 8 << 20,
  maxConcurrentRequests: 4,
  maxSeries: 50_000,
};

const FORGET_AFTER_MS = 5 * 60_000;
const PAGE_SERIES = 5000;
/**
 * Series handled between two yields to the event loop, so a large request never holds the
 * scrapes up: with 180,000 new series per request the longest event-loop gap was 186 ms, against
 * 5.6 s for the old one-piece protobufjs decode (bench/sink.bench.ts, 2026-12-02, shared machine).
 */
const SERIES_PER_SLICE = 4096;
/**
 * Eviction runs when the cap is passed by this many, in one pass over the oldest entries: a Map
 * walked from its start after each deletion skips every deleted slot before it again, which made
 * evicting one series at a time quadratic (1.4 s for 70,000 evictions).
 */
const EVICTION_SLACK = 1024;

/**
 * The uncompressed length a snappy block announces (a little-endian base-128 varint of at most 5
 * bytes), or undefined when the header is not one.
 */
export function snappyDeclaredLength(block: Uint8Array): number | undefined {
  let length = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    length += (block[i] & 0x7f) * 2 ** (7 * i);
    if (block[i] < 0x80) return length <= 0xffffffff ? length : undefined;
  }
  return undefined;
}

interface SeriesEntry {
  value: number;
  timestamp: number;
  seen: number;
}

export class RemoteWriteSink {
  /** By label text, oldest first (in the order they were first seen). */
  private readonly series = new Map<string, SeriesEntry>();
  private readonly limits: SinkLimits;
  private readonly samples: Counter;
  private readonly requests: Counter;
  private readonly refused: Counter;
  private readonly evicted: Counter;
  private totalSamples = 0;
  private totalRequests = 0;
  private inFlight = 0;
  private lastPrune = 0;

  constructor(registry: Registry, limits: Partial<SinkLimits> = {}) {
    this.limits = { ...DEFAULT_SINK_LIMITS, ...limits };
    this.samples = new Counter({ name: 'scrapewire_sink_samples_received_total', help: 'Samples received by the built-in remote-write sink.', registers: [registry] });
    this.requests = new Counter({ name: 'scrapewire_sink_requests_received_total', help: 'Requests received by the built-in remote-write sink, by protocol version.', labelNames: ['version'], registers: [registry] });
    this.refused = new Counter({ name: 'scrapewire_sink_requests_refused_total', help: 'Requests the built-in sink refused, by reason: too_large, decompressed_too_large, busy, invalid.', labelNames: ['reason'], registers: [registry] });
    this.evicted = new Counter({ name: 'scrapewire_sink_series_evicted_total', help: 'Series the built-in sink forgot to stay within its series cap.', registers: [registry] });
    const series = this.series;
    new Gauge({
      name: 'scrapewire_sink_series',
      help: 'Series the built-in sink received in the last five minutes (at most its cap).',
      registers: [registry],
      collect() {
        this.set(series.size);
      },
    });
  }

  /** Totals since start, for logs. */
  stats(): { samples: number; requests: number; series: number } {
    return { samples: this.totalSamples, requests: this.totalRequests, series: this.series.size };
  }

  private refuse(res: ServerResponse, status: number, reason: string, text: string, headers: Record<string, string> = {}): void {
    this.refused.inc({ reason });
    // The rest of a refused body is not read: the connection closes after the answer.
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close', ...headers }).end(text);
  }

  /** Handles POST /api/v1/write. */
  async handleWrite(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.inFlight >= this.limits.maxConcurrentRequests) {
      this.refuse(res, 429, 'busy', `the built-in sink is handling ${this.inFlight} requests already\n`, { 'retry-after': '1' });
      return;
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.limits.maxBodyBytes) {
      this.refuse(res, 413, 'too_large', `request body of ${declared} bytes is over the sink's limit of ${this.limits.maxBodyBytes}\n`);
      return;
    }
    this.inFlight++;
    try {
      const body = await this.readBody(req);
      // The client left mid-upload: nobody to answer.
      if (body === 'aborted') return;
      if (body === undefined) {
        this.refuse(res, 413, 'too_large', `request body is over the sink's limit of ${this.limits.maxBodyBytes} bytes\n`);
        return;
      }
      await this.store(req, res, body);
    } finally {
      this.inFlight--;
    }
  }

  /** The body; undefined as soon as it passes maxBodyBytes; 'aborted' when the connection broke first. */
  private async readBody(req: IncomingMessage): Promise<Buffer | undefined | 'aborted'> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > this.limits.maxBodyBytes) return undefined;
        chunks.push(chunk);
      }
    } catch {
      return 'aborted';
    }
    return Buffer.concat(chunks, size);
  }

  private async store(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const declared = snappyDeclaredLength(body);
    if (declared === undefined) {
      this.refuse(res, 400, 'invalid', 'cannot decode the request: not a snappy block\n');
      return;
    }
    if (declared > this.limits.maxDecompressedBytes) {
      this.refuse(res, 413, 'decompressed_too_large', `the request decompresses to ${declared} bytes, over the sink's limit of ${this.limits.maxDecompressedBytes}\n`);
      return;
    }
    const version2 = (req.headers['content-type'] ?? '').includes(RW2);
    const now = Date.now();
    let samples = 0;
    let count = 0;
    try {
      const bytes = snappyUncompress(body, this.limits.maxDecompressedBytes);
      for (const series of seriesOfWriteRequest(bytes, version2)) {
        if (++count % SERIES_PER_SLICE === 0) {
          await yieldToEventLoop();
          if (res.destroyed) return;
        }
        samples += series.samples;
        if (series.samples === 0) continue;
        const key = series.labels.map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(',');
        const entry = this.series.get(key);
        if (entry !== undefined) {
          entry.value = series.lastValue;
          entry.timestamp = series.lastTimestamp;
          entry.seen = now;
          continue;
        }
        this.series.set(key, { value: series.lastValue, timestamp: series.lastTimestamp, seen: now });
        if (this.series.size > this.limits.maxSeries + EVICTION_SLACK) this.evictOldest();
      }
    } catch (err) {
      this.refuse(res, 400, 'invalid', `cannot decode the request: ${(err as Error).message}\n`);
      return;
    } finally {
      if (this.series.size > this.limits.maxSeries) this.evictOldest();
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

  /** Forgets the oldest series down to the cap, in one pass. */
  private evictOldest(): void {
    let excess = this.series.size - this.limits.maxSeries;
    if (excess <= 0) return;
    this.evicted.inc(excess);
    for (const key of this.series.keys()) {
      this.series.delete(key);
      if (--excess === 0) break;
    }
  }

  /** Forgets series not written for five minutes (at most every 10 s: one pass over at most maxSeries). */
  private prune(now: number): void {
    this.lastPrune = now;
    for (const [key, entry] of this.series) if (now - entry.seen > FORGET_AFTER_MS) this.series.delete(key);
  }

  /** Handles GET /sink: what arrived, as plain text, series sorted (the first 5,000). */
  handlePage(_req: IncomingMessage, res: ServerResponse): void {
    const lines = [
      `# scrapewire built-in sink: ${this.totalSamples} samples in ${this.totalRequests} requests, ${this.series.size} series in the last 5 minutes`,
      '# latest value of each series (staleness markers show as NaN)',
    ];
    for (const key of [...this.series.keys()].sort().slice(0, PAGE_SERIES)) {
      const e = this.series.get(key)!;
      lines.push(`{${key}} ${e.value} ${e.timestamp}`);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end(`${lines.join('\n')}\n`);
  }
}
