/**
 * The loopback target of the native-histogram scenario (bench/peers/run.ts `--scenarios
 * native`): one static protobuf exposition page with native histograms (the application payload
 * of bench/payload/application.ts, each histogram Metric given native buckets by
 * bench/lib/protobuf-page.ts), served at /t/<i>/metrics with the protobuf Content-Type, gzip when
 * accepted. Counted like TargetServer (bench/peers/target-server.ts): requests, pages served and
 * aborted, bytes, and samples per page as an agent scraping native histograms ingests them (the
 * reference reading: float samples plus one per native histogram; classic buckets not kept).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { collectPayload } from '../payload/generate';
import { toProtobufPage } from '../lib/protobuf-page';
import { acceptsGzip, emptyCounts, type TargetCounts } from './target-server';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited';
const PATH = /^\/t\/(\d+)\/metrics$/;

/** The page and what an agent reading native histograms makes of it. */
export interface NativePage {
  body: Buffer;
  /** Bytes of the text page it was made from. */
  textBytes: number;
  floatSamples: number;
  histograms: number;
}

/** The application page of about `textBytes` of text, as a protobuf page with native histograms. */
export function nativePage(textBytes: number, seed = 1): NativePage {
  const { chunks, stats } = collectPayload({ kind: 'application', sizeBytes: textBytes, seed, chunkBytes: 64 * 1024 });
  const body = Buffer.from(toProtobufPage(Buffer.concat(chunks).toString('utf8'), { native: true }));
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- test code, loaded only when the benchmark runs */
  const { parseProtobufReference } = require('../../test/support/protobuf-reference') as typeof import('../../test/support/protobuf-reference');
  const read = parseProtobufReference(body, { scrapeNativeHistograms: true });
  return { body, textBytes: stats.bytes, floatSamples: read.samples.length, histograms: read.histograms.length };
}

export class ProtobufTargetServer {
  private server?: http.Server;
  private counts: TargetCounts[] = [];
  private refusing = false;
  private readonly gzipped: Buffer;
  private readonly sockets = new Set<import('node:net').Socket>();
  port = 0;

  constructor(readonly page: NativePage, readonly targets = 1, gzipLevel = 1) {
    this.gzipped = zlib.gzipSync(page.body, { level: gzipLevel });
    this.reset();
  }

  /** Samples an agent ingests per page served. */
  get samplesPerPage(): number {
    return this.page.floatSamples + this.page.histograms;
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 120_000;
    server.headersTimeout = 130_000;
    server.requestTimeout = 0;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  path(target: number): string {
    return `/t/${target}/metrics`;
  }

  reset(): void {
    this.counts = Array.from({ length: this.targets }, () => emptyCounts());
    this.refusing = false;
  }

  cutoff(): void {
    this.refusing = true;
  }

  countsOf(target: number): TargetCounts {
    return this.counts[target];
  }

  totals(): TargetCounts {
    const total = emptyCounts();
    for (const c of this.counts) {
      total.requests += c.requests;
      total.served += c.served;
      total.aborted += c.aborted;
      total.refused += c.refused;
      total.gzip += c.gzip;
      total.bytes += c.bytes;
      total.wireBytes += c.wireBytes;
      total.samples += c.samples;
      total.servedAt.push(...c.servedAt);
      total.requestedAt.push(...c.requestedAt);
    }
    return total;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const match = PATH.exec((req.url ?? '').split('?')[0]);
    const target = match ? Number(match[1]) : -1;
    if (req.method !== 'GET' || !match || target >= this.targets) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const counts = this.counts[target];
    counts.requests++;
    if (this.refusing) {
      counts.refused++;
      res.writeHead(503, { 'content-type': 'text/plain' }).end('measurement window closed\n');
      return;
    }
    const arrivedAt = Date.now();
    counts.requestedAt.push(arrivedAt);
    const gzip = acceptsGzip(req.headers['accept-encoding'] as string | undefined);
    const body = gzip ? this.gzipped : this.page.body;
    const headers: http.OutgoingHttpHeaders = { 'content-type': PROTOBUF_CONTENT_TYPE, 'content-length': body.length };
    if (gzip) {
      headers['content-encoding'] = 'gzip';
      counts.gzip++;
    }
    let finished = false;
    res.once('finish', () => {
      finished = true;
      if (this.counts[target] !== counts) return;
      counts.served++;
      counts.bytes += this.page.body.length;
      counts.wireBytes += body.length;
      counts.samples += this.samplesPerPage;
      counts.servedAt.push(arrivedAt);
    });
    res.once('close', () => { if (!finished && this.counts[target] === counts) counts.aborted++; });
    res.writeHead(200, headers).end(body);
  }
}
