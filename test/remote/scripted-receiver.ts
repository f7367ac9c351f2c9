/**
 * A loopback remote-write receiver for tests: records every request (headers and the decoded
 * snappy body) and answers from a script, one answer per request, so retry, drop and fallback
 * behaviour can be asserted request by request. Not a *.test.ts file: a helper for them.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { snappyUncompress } from '../../src/remote/snappy';

export interface CapturedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Uncompressed protobuf body (snappy-decoded). */
  body: Uint8Array;
  /** The status this request was answered with. */
  status: number;
  /** When the whole request had arrived: monotonic ms (performance.now()), for the gaps between requests. */
  atMonotonicMs: number;
  /** The same moment on the wall clock (Date.now()), for comparing with an HTTP date. */
  atWallMs: number;
}

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer this long after the request arrived (a slow receiver). */
  delayMs?: number;
}

/** Decides the answer to the n-th request (0-based). */
export type Script = (request: Omit<CapturedRequest, 'status' | 'atMonotonicMs' | 'atWallMs'>, index: number) => ScriptedAnswer;

/** A 2.0-speaking receiver: 204 plus the Written headers (samples counted by the caller's script). */
export const ok204: ScriptedAnswer = { status: 204, headers: { 'x-prometheus-remote-write-samples-written': '1' } };

export class ScriptedReceiver {
  readonly requests: CapturedRequest[] = [];
  /** Requests being answered right now, and the most there were at once since the last resetConcurrency(). */
  concurrent = 0;
  maxConcurrent = 0;
  private server!: http.Server;
  url = '';

  constructor(private script: Script) {}

  setScript(script: Script): void {
    this.script = script;
  }

  resetConcurrency(): void {
    this.maxConcurrent = this.concurrent;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      this.concurrent++;
      this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
      res.on('close', () => this.concurrent--);
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const atMonotonicMs = performance.now();
        const atWallMs = Date.now();
        let body: Uint8Array = new Uint8Array(0);
        try {
          body = snappyUncompress(Buffer.concat(chunks));
        } catch {
          // Left empty: a test asserting on the body will fail visibly.
        }
        const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        const answer = this.script(seen, this.requests.length);
        this.requests.push({ ...seen, status: answer.status, atMonotonicMs, atWallMs });
        const respond = (): void => {
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        };
        if (answer.delayMs === undefined) respond();
        else setTimeout(respond, answer.delayMs);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1/write`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
