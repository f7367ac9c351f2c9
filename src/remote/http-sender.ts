/**
 * One endpoint's HTTP side of remote write: an undici Pool, the reserved headers, auth and TLS,
 * and the classification of each response into what the queue must do next. It never retries
 * by itself; the send queue (sender-lanes.ts) owns retries and ordering.
 */
import * as fs from 'node:fs';
import { Pool } from 'undici';
import type { RemoteWriteConfig } from '../config/types';
import { RW1, RW2, type RemoteWriteProtocol } from '../remote-write-protocol';
import { parseRetryAfter } from './backoff';

import { version as packageVersion } from '../version';

/** `scrapewire/<version>`, read from package.json at build time (bundlers inline it). */
export const USER_AGENT = `scrapewire/${packageVersion}`;

/** Error text kept from a receiver's response body, in bytes (spec: log it verbatim). */
export const MAX_ERROR_TEXT_BYTES = 512;

export const CONTENT_TYPE: Record<RemoteWriteProtocol, string> = {
  [RW1]: 'application/x-protobuf',
  [RW2]: `application/x-protobuf;proto=${RW2}`,
};
export const PROTOCOL_VERSION: Record<RemoteWriteProtocol, string> = {
  [RW1]: '0.1.0',
  [RW2]: '2.0.0',
};

/** The url with credentials, query and fragment removed: safe to log. */
export function safeUrlOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

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

function basicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

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
  /** Credentials written into the url (http://user:pass@host), sent as basic auth; config refuses them next to an auth section. */
  private readonly urlBasicAuth: { username: string; password: string } | undefined;

  constructor(private readonly config: RemoteWriteConfig) {
    const url = new URL(config.url);
    this.path = `${url.pathname}${url.search}`;
    this.urlBasicAuth = url.username || url.password
      ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) }
      : undefined;
    const tls = config.tls_config;
    const timeout = config.remote_timeout;
    this.pool = new Pool(url.origin, {
      // One connection per shard at most: a shard has one request in flight.
      connections: config.queue_config.max_shards,
      pipelining: 1,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      connect: url.protocol === 'https:' ? {
        ca: tls.ca_file ? fs.readFileSync(tls.ca_file) : undefined,
        cert: tls.cert_file ? fs.readFileSync(tls.cert_file) : undefined,
        key: tls.key_file ? fs.readFileSync(tls.key_file) : undefined,
        servername: tls.server_name,
        rejectUnauthorized: !tls.insecure_skip_verify,
        timeout,
      } : { timeout },
    });
  }

  /** Builds the request headers; credentials are read at send time (token files rotate). */
  private headers(protocol: RemoteWriteProtocol): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.config.headers,
      'content-encoding': 'snappy',
      'content-type': CONTENT_TYPE[protocol],
      'x-prometheus-remote-write-version': PROTOCOL_VERSION[protocol],
      'user-agent': USER_AGENT,
    };
    const { authorization, basic_auth: basicAuth } = this.config;
    if (authorization) {
      const credentials = authorization.credentials_file ? readSecretFile(authorization.credentials_file) : authorization.credentials ?? '';
      headers.authorization = `${authorization.type} ${credentials}`;
    } else if (basicAuth) {
      const password = basicAuth.password_file ? readSecretFile(basicAuth.password_file) : basicAuth.password ?? '';
      headers.authorization = basicAuthHeader(basicAuth.username, password);
    } else if (this.urlBasicAuth) {
      headers.authorization = basicAuthHeader(this.urlBasicAuth.username, this.urlBasicAuth.password);
    }
    return headers;
  }

  /**
   * POSTs one snappy-compressed request and classifies the answer. Never throws for HTTP or
   * network failures (they become outcomes); `signal` aborts it (shutdown).
   */
  async send(protocol: RemoteWriteProtocol, compressedBody: Uint8Array, signal?: AbortSignal): Promise<SendOutcome> {
    let response;
    try {
      response = await this.pool.request({ path: this.path, method: 'POST', headers: this.headers(protocol), body: compressedBody, signal });
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
      if (protocol === RW2 && !anyWritten) return { kind: 'unsupported', status, errorText: 'no X-Prometheus-Remote-Write-*-Written header in a 2xx answer to a 2.0 request' };
      return { kind: 'ok', status, written };
    }
    if (status === 415 && protocol === RW2) return { kind: 'unsupported', status, errorText };
    if (status >= 500 || (status === 429 && this.config.queue_config.retry_on_http_429)) {
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
