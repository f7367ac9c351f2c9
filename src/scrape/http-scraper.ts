/**
 * HttpScraper: one HTTP(S) scrape target, and one streamed request per `scrape()` call.
 *
 * ```ts
 * const scraper = new HttpScraper({ url: 'https://10.0.0.1:10250/metrics', scrapeTimeoutMs: 10_000,
 *   bearerTokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token',
 *   tls: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' } });
 * const res = await scraper.scrape(signal);      // resolves once the headers are in
 * for await (const chunk of res.body) core.feed(chunk);   // decompressed, streamed
 * // or, pushed as each chunk arrives (the scrape loop's way: no promise per chunk):
 * await res.readInto((chunk) => { core.feed(chunk); return true; }, 10);
 * await scraper.close();
 * ```
 *
 * What a scrape does, as Prometheus does it:
 *   - sends Accept (built from scrapeProtocols as Prometheus 3 builds it), Accept-Encoding:
 *     gzip, User-Agent: scrapewire/<version>, X-Prometheus-Scrape-Timeout-Seconds, the target's
 *     custom headers and its Authorization (bearer token / basic auth; files re-checked with one
 *     stat per scrape, so a rotated Kubernetes token is used by the next scrape);
 *   - reads the format from Content-Type (negotiation.ts formatFromContentType): blank, malformed
 *     or unknown types use fallbackScrapeProtocol, else the body fails the scrape (ERR_PARSE) once
 *     it has a byte; `application/vnd.google.protobuf` is read as the protobuf exposition;
 *   - decodes gzip as a stream, counting body_size_limit after decompression;
 *   - applies scrape_timeout to the fetch: the request and receiving the body to its last byte
 *     (as Prometheus bounds its HTTP fetch); a body already received is parsed without it;
 *   - follows up to 10 redirects (followRedirects, default true; Authorization is dropped on a
 *     redirect to another origin, as Go's client does); with followRedirects false a 3xx is a
 *     failed scrape whose error names the status and where it pointed.
 *
 * The request goes through undici's dispatch API with a handler of ours (scrape-exchange.ts):
 * no `request()`, Readable or promise per chunk between the socket and the parser.
 *
 * Errors are ScrapewireErrors naming the target URL without credentials (see scrape-errors.ts):
 * `scrape()` rejects with ERR_HTTP_STATUS (non-2xx, or a transport failure), ERR_SCRAPE_TIMEOUT,
 * ERR_CONFIG (unreadable credential/TLS file); iterating `body` throws ERR_SCRAPE_TIMEOUT,
 * ERR_BODY_SIZE_LIMIT or a transport failure. If the caller's signal aborts, its `reason` is
 * thrown as is.
 *
 * The body must be read to its end, broken out of, or `discard()`ed; otherwise the socket stays
 * busy until the scrape timeout aborts it. Secrets never appear in errors, `describe()`,
 * `toJSON()` or `util.inspect()` of the scraper.
 */

import { inspect } from 'node:util';

import { ScrapewireError } from '../errors';
import type { ExpositionFormat } from '../core/types';
import { Authorization } from './authorization';
import type { ConnectionPools } from './connection-pools';
import {
  describeHttpTarget,
  resolveHttpTarget,
  type HttpTargetDescription,
  type HttpTargetOptions,
  type ResolvedHttpTarget,
} from './http-target-options';
import { formatFromContentType, scrapeTimeoutSeconds, USER_AGENT, type ParserChoice } from './negotiation';
import { ScrapeDeadline } from './scrape-deadline';
import { transportError } from './scrape-errors';
import { ScrapeExchange, type ExchangeContext } from './scrape-exchange';
import { TargetDispatcher } from './target-dispatcher';

/** A scrape's response once its headers are in: the body to read, its format. */
export interface ScrapeResponse {
  /** HTTP status, always 2xx (anything else rejects `scrape()`). */
  status: number;
  /**
   * Exposition format from Content-Type (or the fallback). When no parser fits, 'text' and a
   * body that throws the reason at its first byte.
   */
  format: ExpositionFormat;
  /** Content-Type as the server sent it ('' when absent). */
  contentType: string;
  /**
   * Decompressed body chunks. Iterable once; throws ScrapewireErrors mid-stream. Each chunk
   * belongs to the consumer (it is not reused).
   */
  body: AsyncIterable<Uint8Array>;
  /**
   * The body pushed to `reader` as each decompressed chunk comes off the socket (or out of
   * gunzip), instead of iterating `body` (use one or the other): no promise per chunk. After
   * ~`sliceMs` of the reader's work the event loop runs before the next chunk. Resolves at the
   * body's end, or when the reader returns false (the rest is given up); rejects as iterating
   * `body` throws. Optional: in-process sources (local-source.ts) have only `body`.
   */
  readInto?(reader: (chunk: Uint8Array) => boolean, sliceMs: number): Promise<void>;
  /** Decompressed bytes read so far (the chunk that crossed body_size_limit included). */
  bytesRead(): number;
  /** Bytes read from the socket so far (compressed size for a gzip body). */
  wireBytesRead(): number;
  /** Releases the request without reading the body. Safe to call after reading it, too. */
  discard(): void;
}

/** One HTTP(S) target: one streamed request per scrape(), decompressed, with its limits and credentials. */
export class HttpScraper {
  private readonly resolved: ResolvedHttpTarget;
  private readonly authorization: Authorization;
  private readonly dispatcher: TargetDispatcher;
  /** Request headers that do not change between scrapes; Authorization is added per scrape. */
  private readonly staticHeaders: Record<string, string>;
  /** Scrapes whose body is still open, aborted by close(). */
  private readonly inFlight = new Set<ScrapeDeadline>();

  /**
   * Validates the options (throws ERR_CONFIG naming the field); opens no connection yet. With
   * `pools` (the scrape loop's), connections are shared with the other targets on the same
   * host:port and connection settings; without, the target keeps one connection of its own.
   */
  constructor(options: HttpTargetOptions, pools?: ConnectionPools) {
    this.resolved = resolveHttpTarget(options);
    const resolved = this.resolved;
    this.exchangeContext = {
      resolved,
      // A target answers with the same Content-Type scrape after scrape: parsed once, not per scrape.
      parserFor: (contentType: string): ParserChoice => {
        if (contentType !== this.lastContentType?.text) {
          this.lastContentType = { text: contentType, parser: formatFromContentType(contentType, resolved.options.fallbackScrapeProtocol) };
        }
        return this.lastContentType.parser;
      },
    };
    this.authorization = new Authorization(this.resolved);
    this.dispatcher = new TargetDispatcher(this.resolved, pools);
    this.staticHeaders = {
      ...(options.headers ?? {}),
      accept: this.resolved.accept,
      'accept-encoding': 'gzip',
      'user-agent': USER_AGENT,
      'x-prometheus-scrape-timeout-seconds': scrapeTimeoutSeconds(options.scrapeTimeoutMs),
    };
  }

  /** The last response's Content-Type and what formatFromContentType made of it. */
  private lastContentType: { text: string; parser: ParserChoice } | undefined;

  /** The target's URL without credentials: the name errors carry. */
  get target(): string {
    return this.resolved.target;
  }

  /** What every scrape's exchange reads: the settings, and the Content-Type cache. One per scraper. */
  private readonly exchangeContext: ExchangeContext;

  /**
   * Performs one request. Resolves when the response headers are in; the body is then read
   * from `body` (or `readInto`), under the scrape timeout until its last byte has been received.
   */
  async scrape(signal?: AbortSignal): Promise<ScrapeResponse> {
    // The deadline removes itself from inFlight when it is aborted or disposed.
    const deadline = new ScrapeDeadline(this.resolved.target, this.resolved.options.scrapeTimeoutMs, signal, this.inFlight);
    this.inFlight.add(deadline);
    // Without TLS or credential files nothing needs reading: no promise before the request.
    let dispatcher = this.dispatcher.ready();
    let authorization: string | undefined;
    if (dispatcher === undefined || this.authorization.readsFiles) {
      try {
        [dispatcher, authorization] = await Promise.all([this.dispatcher.current(), this.authorization.headerValue()]);
        deadline.throwIfAborted();
      } catch (err) {
        deadline.dispose();
        if (err instanceof ScrapewireError && err.code === 'ERR_CONFIG') throw err;
        throw deadline.errorFor(err, (cause) => transportError(this.resolved.target, 'request failed', cause));
      }
    } else {
      authorization = this.authorization.configuredValue();
    }
    const headers = authorization === undefined ? this.staticHeaders : { ...this.staticHeaders, authorization };
    return new ScrapeExchange(this.exchangeContext, deadline, headers).start(dispatcher);
  }

  /**
   * Aborts scrapes still in flight (their bodies throw), then closes the dispatcher and its
   * keep-alive sockets. Further scrape() calls reject with ERR_USAGE.
   */
  async close(): Promise<void> {
    const reason = new ScrapewireError('ERR_USAGE', 'scraper closed', { target: this.resolved.target });
    for (const deadline of this.inFlight) deadline.abort(reason);
    this.inFlight.clear();
    await this.dispatcher.close();
  }

  /** The settings with every secret shown as `<secret>`: safe for logs and the /targets page. */
  describe(): HttpTargetDescription {
    return describeHttpTarget(this.resolved);
  }

  /** The settings with every secret shown as `<secret>` (JSON.stringify). */
  toJSON(): HttpTargetDescription {
    return this.describe();
  }

  /** The settings with every secret shown as `<secret>` (util.inspect, console.log). */
  [inspect.custom](): string {
    return `HttpScraper ${inspect(this.describe(), { depth: 4 })}`;
  }
}
