/**
 * Hostile scrape targets for test/hostile/core.test.ts: one loopback HTTP server whose paths
 * serve pages meant to cost the collector's core as much as possible.
 *
 *   /wide   a page with one line of 20,000 labels (in reverse order: the worst case for the
 *           insertion sort the core had)
 *   /3m     3,000,000 unique series, generated while they are sent (~150 MB, never in memory),
 *           with backpressure: a client that stops reading stops the generation
 *
 * Every request is counted with the bytes it was sent, so a test can tell how much of a page
 * the collector read.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const WIDE_LABELS = 20_000;
export const MANY_SERIES = 3_000_000;

export interface Served {
  path: string;
  /** Bytes written to the response before it ended or the client went away. */
  bytes: number;
  finished: boolean;
}

/** The /wide page: a normal line, then one line of WIDE_LABELS labels named in reverse order. */
export function widePage(): string {
  const labels: string[] = [];
  for (let i = WIDE_LABELS - 1; i >= 0; i--) labels.push(`label_${String(i).padStart(5, '0')}="v${i}"`);
  return `# TYPE wide_ok gauge\nwide_ok 1\n# TYPE wide gauge\nwide{${labels.join(',')}} 1\n`;
}

function* manySeries(): Generator<string> {
  yield '# TYPE hostile_series gauge\n';
  for (let i = 0; i < MANY_SERIES; i++) yield `hostile_series{pod="pod-${i}",namespace="ns-${i % 97}",uid="${(i * 2654435761) >>> 0}"} ${i}\n`;
}

export class CoreHostileTargets {
  readonly served: Served[] = [];
  private port = 0;
  private readonly wide = widePage();

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<CoreHostileTargets> {
    const targets = new CoreHostileTargets(http.createServer());
    targets.server.on('request', (req, res) => targets.handle(req, res));
    await new Promise<void>((resolve) => targets.server.listen(0, '127.0.0.1', resolve));
    targets.port = (targets.server.address() as AddressInfo).port;
    return targets;
  }

  /** `127.0.0.1:PORT`, as a static_configs target. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Requests of `path` so far. */
  requests(path: string): Served[] {
    return this.served.filter((s) => s.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const served: Served = { path, bytes: 0, finished: false };
    this.served.push(served);
    res.on('error', () => undefined);
    if (path === '/wide') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      served.bytes = this.wide.length;
      res.end(this.wide, () => { served.finished = true; });
      return;
    }
    if (path !== '/3m') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    const lines = manySeries();
    const pump = (): void => {
      while (!res.destroyed) {
        let chunk = '';
        for (let next = lines.next(); !next.done; next = lines.next()) {
          chunk += next.value;
          if (chunk.length >= 65_536) break;
        }
        if (chunk === '') {
          res.end(() => { served.finished = true; });
          return;
        }
        served.bytes += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
    };
    pump();
  }
}

/** Peak resident memory (VmHWM) of process `pid`, in MiB, from /proc. */
export async function peakRssMiB(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kib / 1024;
}
