/**
 * A loopback scrape target for the whole-process comparison (bench/peers/run.ts): serves pages
 * from bench/payload/generate.ts, deterministic by seed, at /t/<i>/metrics for targets
 * 0..targets-1 on one port.
 *
 * - Each target keeps its own scrape counter; every request takes the next scrape number, so
 *   values (and, with churn, series) advance per request exactly as the generator defines.
 * - gzip when the request's Accept-Encoding allows it (level 1 by default: the harness shares the
 *   machine with the agent it measures, and level 1 keeps its own CPU small), plain otherwise.
 * - Large pages are streamed from the generator with backpressure, one 64 KiB chunk at a time;
 *   only small pages (<= smallPageBytes, the scale scenario's 200 KB pages) are rendered whole and
 *   kept in a tiny cache keyed by (seed, scrape, encoding), so 500 targets at 1 s cost a handful of
 *   renders per second instead of 500.
 * - Counts per target: requests, pages served completely, pages aborted by the client, requests
 *   refused after the cutoff, and the bytes and sample lines of the pages served completely.
 * - cutoff(): from then on every request is answered 503 and counted as refused. The runner uses
 *   it to close the measured window: every sample of a page served before the cutoff must reach
 *   the receiver; nothing after it counts (a failed scrape writes only stale markers, which
 *   count_over_time does not count).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { generatePayload, type PayloadKind, type PayloadStats } from '../payload/generate';

export interface TargetServerOptions {
  kind: PayloadKind;
  /** Page size in bytes (the generator ends a page within a few KB past it). */
  sizeBytes: number;
  /** Default 1. Every target serves the same seed unless seedPerTarget is set. */
  seed?: number;
  /** Target i uses seed + i. Default false. */
  seedPerTarget?: boolean;
  /** Percentage of series renamed per scrape. Default 0. */
  churnPercent?: number;
  /** Number of targets, /t/0/metrics .. /t/<targets-1>/metrics. Default 1. */
  targets?: number;
  /** zlib level for gzip responses. Default 1. */
  gzipLevel?: number;
  /** Serve plain text even when the client accepts gzip. Default false. */
  neverGzip?: boolean;
  /** Pages up to this size are rendered whole and cached. Default 1 MB. */
  smallPageBytes?: number;
  /**
   * One page served to every request instead of generated ones (the native-histogram scenario's
   * protobuf page): its bytes, Content-Type and the samples an agent ingests from it.
   */
  staticPage?: StaticPage;
}

export interface StaticPage {
  body: Buffer;
  contentType: string;
  samples: number;
}

export interface TargetCounts {
  /** Every request to this target, including refused ones. */
  requests: number;
  /** Pages sent completely (the response finished). */
  served: number;
  /** Pages whose response the client abandoned (scrape timeout, agent limit). */
  aborted: number;
  /** Requests answered 503 after the cutoff. */
  refused: number;
  /** Responses that were gzip-encoded. */
  gzip: number;
  /** Uncompressed page bytes of the pages served completely. */
  bytes: number;
  /** Bytes on the wire (after gzip) of the pages served completely. */
  wireBytes: number;
  /** Sample lines of the pages served completely. */
  samples: number;
  /** Arrival times (ms, Date.now()) of the requests that were served completely. */
  servedAt: number[];
  /** Arrival times of every request before the cutoff (served, aborted or still in flight). */
  requestedAt: number[];
}

interface CachedPage {
  body: Buffer;
  bytes: number;
  samples: number;
}

const CACHE_ENTRIES = 16;
const PATH = /^\/t\/(\d+)\/metrics$/;

export function emptyCounts(): TargetCounts {
  return { requests: 0, served: 0, aborted: 0, refused: 0, gzip: 0, bytes: 0, wireBytes: 0, samples: 0, servedAt: [], requestedAt: [] };
}

/** True when an Accept-Encoding header allows gzip (q=0 forbids it). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.trim().split(';').map((s) => s.trim());
    if (coding.toLowerCase() !== 'gzip' && coding !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

export class TargetServer {
  readonly options: Required<Omit<TargetServerOptions, 'staticPage'>> & Pick<TargetServerOptions, 'staticPage'>;
  /** The static page gzipped once, when there is one. */
  private readonly staticGzipped: Buffer | undefined;
  private server?: http.Server;
  private counts: TargetCounts[] = [];
  private nextScrape: number[] = [];
  private cache = new Map<string, CachedPage>();
  private refusing = false;
  private readonly sockets = new Set<import('node:net').Socket>();
  port = 0;

  constructor(options: TargetServerOptions) {
    this.options = {
      seed: 1,
      seedPerTarget: false,
      churnPercent: 0,
      targets: 1,
      gzipLevel: 1,
      neverGzip: false,
      smallPageBytes: 1_000_000,
      ...options,
    };
    if (!(this.options.targets >= 1 && Number.isInteger(this.options.targets))) throw new Error(`targets must be a positive integer, not ${this.options.targets}`);
    const page = this.options.staticPage;
    this.staticGzipped = page === undefined ? undefined : zlib.gzipSync(page.body, { level: this.options.gzipLevel });
    this.reset();
  }

  async start(port = 0): Promise<this> {
    const server = http.createServer((req, res) => this.handle(req, res));
    // Agents reuse connections between scrapes; Node's 5 s default would close them at a 5 s interval.
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
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** host:port as a scrape config's target. */
  /** Connections open right now (agents keep theirs alive between scrapes). */
  get openConnections(): number {
    return this.sockets.size;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  path(target: number): string {
    return `/t/${target}/metrics`;
  }

  url(target: number): string {
    return `http://${this.address}${this.path(target)}`;
  }

  /** Forgets counts and scrape numbers (each agent then sees the same page sequence) and ends the cutoff. */
  reset(): void {
    this.counts = Array.from({ length: this.options.targets }, () => emptyCounts());
    this.nextScrape = new Array<number>(this.options.targets).fill(0);
    this.refusing = false;
  }

  /** From now on, answer 503 to every request. */
  cutoff(): void {
    this.refusing = true;
  }

  countsOf(target: number): TargetCounts {
    return this.counts[target];
  }

  /** Sums over all targets (servedAt concatenated). */
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
      for (const t of c.servedAt) total.servedAt.push(t);
      for (const t of c.requestedAt) total.requestedAt.push(t);
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
    if (req.method !== 'GET' || !match || target >= this.options.targets) {
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
    const scrape = this.nextScrape[target]++;
    const seed = this.options.seed + (this.options.seedPerTarget ? target : 0);
    const gzip = !this.options.neverGzip && acceptsGzip(req.headers['accept-encoding'] as string | undefined);
    const headers: http.OutgoingHttpHeaders = { 'content-type': this.options.staticPage?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8' };
    if (gzip) {
      headers['content-encoding'] = 'gzip';
      counts.gzip++;
    }
    // Counted on 'finish' only if the counts object is still the current one (reset() between agents).
    const served = (bytes: number, wireBytes: number, samples: number): void => {
      if (this.counts[target] !== counts) return;
      counts.served++;
      counts.bytes += bytes;
      counts.wireBytes += wireBytes;
      counts.samples += samples;
      counts.servedAt.push(arrivedAt);
    };
    let finished = false;
    res.once('finish', () => { finished = true; });
    res.once('close', () => { if (!finished && this.counts[target] === counts) counts.aborted++; });

    if (this.options.staticPage !== undefined || this.options.sizeBytes <= this.options.smallPageBytes) {
      const page = this.smallPage(seed, scrape, gzip);
      headers['content-length'] = page.body.length;
      res.writeHead(200, headers);
      res.once('finish', () => served(page.bytes, page.body.length, page.samples));
      res.end(page.body);
      return;
    }

    let stats: PayloadStats | undefined;
    let wireBytes = 0;
    const generator = generatePayload({ kind: this.options.kind, sizeBytes: this.options.sizeBytes, seed, scrape, churnPercent: this.options.churnPercent });
    function* tap(): Generator<Buffer, void, void> {
      stats = yield* generator;
    }
    const page = Readable.from(tap(), { objectMode: false });
    const body = gzip ? page.pipe(zlib.createGzip({ level: this.options.gzipLevel })) : page;
    body.on('data', (chunk: Buffer) => { wireBytes += chunk.length; });
    res.writeHead(200, headers);
    res.once('finish', () => { if (stats) served(stats.bytes, wireBytes, stats.samples); });
    res.once('close', () => { if (!finished) { page.destroy(); body.destroy(); } });
    body.pipe(res);
  }

  private smallPage(seed: number, scrape: number, gzip: boolean): CachedPage {
    const fixed = this.options.staticPage;
    if (fixed !== undefined) return { body: gzip ? this.staticGzipped! : fixed.body, bytes: fixed.body.length, samples: fixed.samples };
    const key = `${seed}:${scrape}:${gzip ? 'gzip' : 'plain'}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const chunks: Buffer[] = [];
    const generator = generatePayload({ kind: this.options.kind, sizeBytes: this.options.sizeBytes, seed, scrape, churnPercent: this.options.churnPercent });
    let stats: PayloadStats | undefined;
    for (let step = generator.next(); ; step = generator.next()) {
      if (step.done) { stats = step.value; break; }
      chunks.push(step.value);
    }
    const plain = Buffer.concat(chunks);
    const page: CachedPage = { body: gzip ? zlib.gzipSync(plain, { level: this.options.gzipLevel }) : plain, bytes: stats.bytes, samples: stats.samples };
    this.cache.set(key, page);
    while (this.cache.size > CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    return page;
  }
}
