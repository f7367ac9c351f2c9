/**
 * A scrape target on loopback for the end-to-end tests: one node:http server answering any
 * path ending in /metrics with a small, deterministic exposition. Its counter is the number of
 * times that path has been served, so the values a receiver holds for a target say exactly which
 * scrapes arrived: a target served N times must show the values 1..N, and a missing value is a
 * lost sample. Every request is recorded with its path, time and Authorization header (the
 * sharding test gives each collector its own credentials to tell them apart).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedScrape {
  /** Value of e2e_scrapes_total in this response (1 for the first scrape of the path). */
  n: number;
  atMs: number;
  /** The request's Authorization header, '' when absent. */
  authorization: string;
}

/** The page served for the `n`th request of a path. */
export function exposition(n: number): string {
  return [
    '# TYPE e2e_scrapes_total counter',
    `e2e_scrapes_total ${n}`,
    '# TYPE e2e_constant gauge',
    'e2e_constant 42',
    '# TYPE e2e_dropme gauge',
    'e2e_dropme 7',
    '',
  ].join('\n');
}

export class TargetServer {
  private readonly served = new Map<string, ServedScrape[]>();
  private refusing = false;
  private port = 0;

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<TargetServer> {
    const target = new TargetServer(http.createServer());
    target.server.on('request', (req: IncomingMessage, res: ServerResponse) => target.handle(req, res));
    await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
    target.port = (target.server.address() as AddressInfo).port;
    return target;
  }

  /** `127.0.0.1:PORT`, as a static_configs target. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Successful scrapes of `path`, oldest first. */
  scrapes(path: string): ServedScrape[] {
    return this.served.get(path) ?? [];
  }

  /** How many times `path` has been served with a 200. */
  count(path: string): number {
    return this.scrapes(path).length;
  }

  /** Every path served at least once. */
  paths(): string[] {
    return [...this.served.keys()];
  }

  /** From now on every request gets a 503 and is not counted (the counter stops advancing). */
  refuse(): void {
    this.refusing = true;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (!path.endsWith('/metrics')) {
      res.writeHead(404).end('not found\n');
      return;
    }
    if (this.refusing) {
      res.writeHead(503).end('refusing\n');
      return;
    }
    let list = this.served.get(path);
    if (list === undefined) this.served.set(path, (list = []));
    const n = list.length + 1;
    list.push({ n, atMs: Date.now(), authorization: req.headers.authorization ?? '' });
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' }).end(exposition(n));
  }
}
