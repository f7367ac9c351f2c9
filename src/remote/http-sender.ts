/**
 * One endpoint's HTTP side of remote write: an undici Pool, the reserved headers, auth and TLS,
 * and the classification of each response into what the queue must do next. It never retries
 * by itself; send-queue.ts owns retries and ordering.
 */
import * as fs from 'node:fs';
import { Pool } from 'undici';
import type { EndpointOptions, RemoteWriteMessage } from './endpoint-config';
import { parseRetryAfter } from './backoff';

import { version as packageVersion } from '../version';

/** `scrapewire/<version>`, read from package.json at build time (bundlers inline it). */
export const USER_AGENT = `scrapewire/${packageVersion}`;

/** Error text kept from a receiver's response body, in bytes (spec: log it verbatim). */
export const MAX_ERROR_TEXT_BYTES = 512;

export const CONTENT_TYPE: Record<RemoteWriteMessage, string> = {
  'prometheus.WriteRequest': 'application/x-protobuf',
  'io.prometheus.write.v2.Request': 'application/x-protobuf;proto=io.prometheus.write.v2.Request',
};
export const PROTOCOL_VERSION: Record<RemoteWriteMessage, string> = {
  'prometheus.WriteRequest': '0.1.0',
  'io.prometheus.write.v2.Request': '2.0.0',
};

/** Counts from the 2.0 `X-Prometheus-Remote-Write-*-Written` headers; absent header = undefined. */
export interface WrittenCounts {
  samples?: number;
  histograms?: number;
  exemplars?: number;
}

export type SendOutcome =
  /** 2xx (for 2.0: with at least one Written header). */
  | { kind: 'ok'; status: number; written: WrittenCounts }
  /** 5xx, 429 (when retried) or a network error: send the same request again later. */
  | { kind: 'retry'; status?: number; retryAfterMs?: number; reason: string; errorText: string }
  /** 415 to a 2.0 request, or a 2xx without any Written header: resend as 1.0. */
  | { kind: 'unsupported'; status: number; errorText: string }
  /** Any other 4xx: will never succeed; drop and count. */
  | { kind: 'drop'; status: number; reason: string; errorText: string };

function readSecretFile(file: string): string {
  return fs.readFileSync(file, 'utf8').trim();
}

function headerNumber(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

export class HttpSender {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(private readonly options: EndpointOptions) {
    const url = new URL(options.url);
    this.path = `${url.pathname}${url.search}`;
    const tls = options.tls;
    this.pool = new Pool(url.origin, {
      connections: options.maxShards,
      pipelining: 1,
      headersTimeout: options.remoteTimeoutMs,
      bodyTimeout: options.remoteTimeoutMs,
      connect: url.protocol === 'https:' ? {
        ca: tls.caFile ? fs.readFileSync(tls.caFile) : undefined,
        cert: tls.certFile ? fs.readFileSync(tls.certFile) : undefined,
        key: tls.keyFile ? fs.readFileSync(tls.keyFile) : undefined,
        servername: tls.serverName,
        rejectUnauthorized: !tls.insecureSkipVerify,
        timeout: options.remoteTimeoutMs,
      } : { timeout: options.remoteTimeoutMs },
    });
  }

  /** Builds the request headers; credentials are read at send time (token files rotate). */
  private headers(message: RemoteWriteMessage): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.options.headers,
      'content-encoding': 'snappy',
      'content-type': CONTENT_TYPE[message],
      'x-prometheus-remote-write-version': PROTOCOL_VERSION[message],
      'user-agent': USER_AGENT,
    };
    const { authorization, basicAuth } = this.options;
    if (authorization) {
      const credentials = authorization.credentialsFile ? readSecretFile(authorization.credentialsFile) : authorization.credentials ?? '';
      headers.authorization = `${authorization.type} ${credentials}`;
    } else if (basicAuth) {
      const password = basicAuth.passwordFile ? readSecretFile(basicAuth.passwordFile) : basicAuth.password ?? '';
      headers.authorization = `Basic ${Buffer.from(`${basicAuth.username}:${password}`).toString('base64')}`;
    }
    return headers;
  }

  /**
   * POSTs one snappy-compressed request and classifies the answer. Never throws for HTTP or
   * network failures (they become outcomes); `signal` aborts it (shutdown).
   */
  async send(message: RemoteWriteMessage, compressedBody: Uint8Array, signal?: AbortSignal): Promise<SendOutcome> {
    let response;
    try {
      response = await this.pool.request({ path: this.path, method: 'POST', headers: this.headers(message), body: compressedBody, signal });
    } catch (error) {
      const err = error as { code?: string; message?: string };
      return { kind: 'retry', reason: 'network', errorText: `${err.code ?? 'ERR'}: ${err.message ?? String(error)}` };
    }
    const status = response.statusCode;
    let errorText = '';
    try {
      if (status >= 200 && status < 300) {
        await response.body.dump();
      } else {
        errorText = await readTruncated(response.body, MAX_ERROR_TEXT_BYTES);
      }
    } catch {
      // A body cut short is still an answer: the status decides.
    }
    const h = response.headers;
    if (status >= 200 && status < 300) {
      const written: WrittenCounts = {
        samples: headerNumber(h['x-prometheus-remote-write-samples-written']),
        histograms: headerNumber(h['x-prometheus-remote-write-histograms-written']),
        exemplars: headerNumber(h['x-prometheus-remote-write-exemplars-written']),
      };
      const anyWritten = written.samples !== undefined || written.histograms !== undefined || written.exemplars !== undefined;
      // Spec 2.0: a 2xx with no Written header at all means a 1.0 receiver that decoded the 2.0
      // message as an empty WriteRequest; treat it as 415.
      if (message === 'io.prometheus.write.v2.Request' && !anyWritten) return { kind: 'unsupported', status, errorText: 'no X-Prometheus-Remote-Write-*-Written header in a 2xx answer to a 2.0 request' };
      return { kind: 'ok', status, written };
    }
    if (status === 415 && message === 'io.prometheus.write.v2.Request') return { kind: 'unsupported', status, errorText };
    if (status >= 500 || (status === 429 && this.options.retryOnHttp429)) {
      return { kind: 'retry', status, retryAfterMs: parseRetryAfter(h['retry-after']), reason: `http_${status}`, errorText };
    }
    return { kind: 'drop', status, reason: `http_${status}`, errorText };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Reads at most `limit` bytes of a body as UTF-8 (the rest is discarded), without throwing on a reset. */
async function readTruncated(body: AsyncIterable<Uint8Array> & { destroy?: () => void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.from(chunk);
    chunks.push(buf.subarray(0, Math.max(0, limit - size)));
    size += buf.length;
    if (size >= limit) break;
  }
  const text = Buffer.concat(chunks).subarray(0, limit);
  body.destroy?.();
  return text.toString('utf8');
}
