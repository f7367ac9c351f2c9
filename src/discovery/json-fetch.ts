/**
 * One JSON document fetched over HTTP(S) with a job's HTTP client settings (authorization,
 * basic_auth, tls_config; credential and TLS files re-read when they change): what http_sd and
 * kubelet_sd poll. The same building blocks as a scrape (src/scrape/), with JSON's Accept header.
 *
 * Every byte of the answer is treated as hostile: the body is capped (default 64 MiB) while it
 * streams, the whole request is bounded by a timeout, and errors are ScrapewireErrors naming
 * the URL (never its credentials): ERR_HTTP_STATUS (a non-2xx status or a transport failure),
 * ERR_SCRAPE_TIMEOUT, ERR_BODY_SIZE_LIMIT, ERR_PARSE (not JSON), ERR_CONFIG (unreadable files).
 */
import { request } from 'undici';
import type { HttpClientConfig } from '../config/types';
import { ScrapewireError } from '../errors';
import { Authorization } from '../scrape/authorization';
import { httpClientOptions } from '../scrape/http-client-options';
import { resolveHttpTarget, type ResolvedHttpTarget } from '../scrape/http-target-options';
import { USER_AGENT } from '../scrape/negotiation';
import { TargetDispatcher } from '../scrape/target-dispatcher';
import { discardBody } from './discard-body';

/** A kubelet's PodList of 110 pods is a few MB; http_sd answers are smaller still. */
export const DEFAULT_JSON_LIMIT_BYTES = 64 << 20;

export interface JsonFetchOptions {
  url: string;
  client: HttpClientConfig;
  timeoutMs: number;
  bodyLimitBytes?: number;
  /** Extra request headers (X-Prometheus-Refresh-Interval-Seconds). */
  headers?: Record<string, string>;
}

export interface JsonAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

export class JsonFetcher {
  private readonly resolved: ResolvedHttpTarget;
  private readonly authorization: Authorization;
  private readonly dispatcher: TargetDispatcher;
  private readonly limit: number;
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly options: JsonFetchOptions) {
    this.resolved = resolveHttpTarget({ ...httpClientOptions(options.client), url: options.url, scrapeTimeoutMs: options.timeoutMs });
    this.authorization = new Authorization(this.resolved);
    this.dispatcher = new TargetDispatcher(this.resolved);
    this.limit = options.bodyLimitBytes ?? DEFAULT_JSON_LIMIT_BYTES;
  }

  /** The URL without credentials: the name errors carry. */
  get target(): string {
    return this.resolved.target;
  }

  /**
   * GETs the URL and parses the body. `check` may refuse the status or content type before the
   * body is read (http_sd wants exactly 200 and application/json).
   */
  async fetch(check?: (status: number, contentType: string) => string | undefined): Promise<JsonAnswer> {
    const { target } = this;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new ScrapewireError('ERR_SCRAPE_TIMEOUT', `no answer within ${this.options.timeoutMs} ms`, { target })), this.options.timeoutMs);
    timer.unref();
    this.inFlight.add(controller);
    try {
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT, ...this.options.headers };
      const authorization = await this.authorization.headerValue();
      if (authorization !== undefined) headers.authorization = authorization;
      const dispatcher = await this.dispatcher.current();
      let response: Awaited<ReturnType<typeof request>>;
      try {
        response = await request(this.resolved.requestUrl, { method: 'GET', headers, dispatcher, signal: controller.signal });
      } catch (err) {
        throw this.failure(err, controller);
      }
      const contentType = String(response.headers['content-type'] ?? '');
      const problem = response.statusCode < 200 || response.statusCode > 299
        ? `server returned HTTP status ${response.statusCode}`
        : check?.(response.statusCode, contentType);
      if (problem !== undefined) {
        discardBody(response.body);
        throw new ScrapewireError('ERR_HTTP_STATUS', problem, { target });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of response.body) {
          size += (chunk as Buffer).length;
          if (this.limit > 0 && size > this.limit) {
            discardBody(response.body);
            throw new ScrapewireError('ERR_BODY_SIZE_LIMIT', `body larger than ${this.limit} bytes`, { target });
          }
          chunks.push(chunk as Buffer);
        }
      } catch (err) {
        throw this.failure(err, controller);
      }
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        throw new ScrapewireError('ERR_PARSE', `the answer is not JSON: ${(err as Error).message}`, { target, cause: err });
      }
      return { status: response.statusCode, contentType, body };
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }

  private failure(err: unknown, controller: AbortController): ScrapewireError {
    if (err instanceof ScrapewireError) return err;
    if (controller.signal.aborted && controller.signal.reason instanceof ScrapewireError) return controller.signal.reason;
    const code = (err as { code?: string }).code;
    return new ScrapewireError('ERR_HTTP_STATUS', `request failed: ${code ?? (err as Error).message}`, { target: this.target, cause: err });
  }

  /** Aborts a request in flight and closes the connection. */
  async close(): Promise<void> {
    for (const controller of this.inFlight) controller.abort(new ScrapewireError('ERR_USAGE', 'discovery stopped', { target: this.target }));
    await this.dispatcher.close();
  }
}
