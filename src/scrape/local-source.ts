/**
 * In-process targets: a target whose fetch is a function of this process instead of an HTTP
 * request. The service embedding scrapewire registers its prom-client registry (or any function
 * returning exposition text) under a name; a target whose URL is `local://<name>/...` is then
 * scraped by calling it, on the target's interval, into the target's core, through the one
 * pipeline: the same TargetScraper (target labels, honor_labels, metric relabeling, limits,
 * report series, staleness), the same fetch group (one call per interval for every target that
 * reads it, each applying its own rules), the same plugins and the same remote writer.
 *
 * ```ts
 * const sources = new LocalSources().register('app', promClient.register);
 * const scraper = new LocalScraper({ url: 'local://app/metrics', scrapeTimeoutMs: 1000 }, sources);
 * const res = await scraper.scrape();             // calls registry.metrics()
 * for await (const chunk of res.body) core.feed(chunk);
 * ```
 *
 * What the function may return: a string, bytes, or an (async) iterable of strings or bytes (a
 * Node Readable, a web ReadableStream, a generator), which is streamed chunk by chunk as an HTTP
 * body is; or `{ body, contentType }` to say the format (`application/openmetrics-text` selects
 * OpenMetrics, as for HTTP). It gets an AbortSignal that fires at the scrape timeout.
 *
 * Limits, as for HTTP: the scrape timeout covers the call and receiving the body (a function
 * that does not return, or a stream that does not end, in time fails the scrape with
 * ERR_SCRAPE_TIMEOUT; a returned string or buffer is then parsed without it);
 * body_size_limit is counted by each target on the chunks (TargetScraper). A function that
 * throws or rejects fails the scrape with ERR_LOCAL_SOURCE (up 0, staleness markers), never
 * the process.
 */
import { ScrapewireError } from '../errors';
import type { ExpositionFormat } from '../core/types';
import type { ScrapeResponse } from './http-scraper';
import type { HttpTargetOptions } from './http-target-options';
import { formatFromContentType } from './negotiation';
import { ScrapeDeadline } from './scrape-deadline';
import { untilAborted } from '../abort';

/** The URL scheme of in-process targets: `local://<name>/<path>`. */
export const LOCAL_SCHEME = 'local';

/** A prom-client Registry, or anything with its two members. */
export interface MetricsRegistry {
  /** The exposition of every metric (prom-client's `Registry.metrics()`). */
  metrics(): Promise<string> | string;
  /** The media type of that text (prom-client: text 0.0.4 or OpenMetrics). */
  readonly contentType: string;
}

/** Exposition text: whole, or as chunks streamed one by one. */
export type ExpositionBody = string | Uint8Array | Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>;

/** A body with its media type; without one the text is read as the Prometheus text format. */
export interface ExpositionResponse {
  body: ExpositionBody;
  /** `application/openmetrics-text; version=1.0.0` selects OpenMetrics; anything else is text. */
  contentType?: string;
}

/** What an in-process source is called with. */
export interface LocalScrapeContext {
  /** Fires at the scrape timeout, or when the target stops: give up, the scrape has failed. */
  signal: AbortSignal;
  /** The target's URL (`local://name/path?params`): for a function serving several targets. */
  url: string;
  /** Whether the target asks for OpenMetrics (scrape_configs' scrape_protocols default: yes). */
  acceptOpenMetrics: boolean;
}

/** A function returning the exposition of an in-process target, each time it is scraped. */
export type ExpositionFunction = (context: LocalScrapeContext) => ExpositionBody | ExpositionResponse | Promise<ExpositionBody | ExpositionResponse>;

/** An in-process target's source: a prom-client registry, or a function returning exposition text. */
export type LocalSource = MetricsRegistry | ExpositionFunction;

/** Bytes handed to the core per chunk when a source returns one long string or buffer. */
const CHUNK_BYTES = 64 * 1024;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The sources of a process's in-process targets, by name. */
export class LocalSources {
  private readonly sources = new Map<string, LocalSource>();

  /** Registers `source` as `local://<name>`; throws ERR_CONFIG for a bad or taken name. */
  register(name: string, source: LocalSource): this {
    if (!NAME.test(name)) {
      throw new ScrapewireError('ERR_CONFIG', `in-process target name ${JSON.stringify(name)}: letters, digits, '.', '_' and '-' only, starting with a letter or digit`);
    }
    const existing = this.sources.get(name);
    if (existing !== undefined && existing !== source) {
      throw new ScrapewireError('ERR_CONFIG', `in-process target name ${JSON.stringify(name)} is already taken by another source`);
    }
    if (typeof source !== 'function' && !isRegistry(source)) {
      throw new ScrapewireError('ERR_CONFIG', `in-process target ${JSON.stringify(name)}: the source must be a function or have metrics() and contentType (a prom-client Registry)`);
    }
    this.sources.set(name, source);
    return this;
  }

  /** The source registered as `name`. */
  get(name: string): LocalSource | undefined {
    return this.sources.get(name);
  }

  get size(): number {
    return this.sources.size;
  }
}

function isRegistry(source: unknown): source is MetricsRegistry {
  return source !== null && typeof source === 'object' && typeof (source as MetricsRegistry).metrics === 'function'
    && typeof (source as MetricsRegistry).contentType === 'string';
}

/** True for a target URL of an in-process source. */
export function isLocalUrl(url: string): boolean {
  return url.startsWith(`${LOCAL_SCHEME}://`);
}

/** The source name in a `local://name/...` URL. */
function sourceNameOf(url: string): string {
  const rest = url.slice(LOCAL_SCHEME.length + 3);
  const end = rest.search(/[/?#:]/);
  return end < 0 ? rest : rest.slice(0, end);
}

function localSourceError(target: string, reason: string, cause?: unknown): ScrapewireError {
  return new ScrapewireError('ERR_LOCAL_SOURCE', reason, { target, cause });
}

/**
 * One in-process target's fetch: the counterpart of HttpScraper (same `scrape()`, `target` and
 * `close()`), so the shared fetch (shared-fetch.ts) and the scrape loop use either alike.
 */
export class LocalScraper {
  readonly target: string;
  private readonly name: string;
  private readonly inFlight = new Set<ScrapeDeadline>();
  private closed = false;

  /** Throws ERR_CONFIG when the URL is not `local://<name>...`. */
  constructor(private readonly options: HttpTargetOptions, private readonly sources: LocalSources) {
    if (!isLocalUrl(options.url)) throw new ScrapewireError('ERR_CONFIG', `url: not an in-process target (${LOCAL_SCHEME}://name)`, { target: options.url });
    this.target = options.url;
    this.name = sourceNameOf(options.url);
    if (!(options.scrapeTimeoutMs > 0)) throw new ScrapewireError('ERR_CONFIG', 'scrapeTimeoutMs: must be a positive number of milliseconds', { target: this.target });
  }

  /**
   * Calls the source. Resolves once it returned; the body is then read from `body`, still under
   * the scrape timeout. Rejects with ERR_LOCAL_SOURCE (no such source, the function threw) or
   * ERR_SCRAPE_TIMEOUT; the caller's abort reason as is.
   */
  async scrape(signal?: AbortSignal): Promise<ScrapeResponse> {
    const { target } = this;
    if (this.closed) throw new ScrapewireError('ERR_USAGE', 'scraper closed', { target });
    const deadline = new ScrapeDeadline(target, this.options.scrapeTimeoutMs, signal);
    this.inFlight.add(deadline);
    const settle = (): void => {
      deadline.dispose();
      this.inFlight.delete(deadline);
    };
    let result: ExpositionBody | ExpositionResponse;
    let contentType = '';
    try {
      const source = this.sources.get(this.name);
      if (source === undefined) throw localSourceError(target, `no in-process source is registered as ${JSON.stringify(this.name)}`);
      const call = isRegistry(source)
        ? Promise.resolve().then(() => source.metrics()).then((text) => ({ body: text, contentType: source.contentType }))
        : Promise.resolve().then(() => source({ signal: deadline.signal, url: target, acceptOpenMetrics: this.options.acceptOpenMetrics ?? true }));
      result = await untilAborted(call, deadline.signal);
      if (isResponse(result)) {
        contentType = result.contentType ?? '';
        result = result.body;
      }
    } catch (err) {
      settle();
      throw deadline.errorFor(err, (cause) => (cause instanceof ScrapewireError ? cause
        : localSourceError(target, `the in-process source failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause)));
    }
    // A source of this process is read as text unless it says otherwise (no type or an unknown one
    // takes the text fallback); OpenMetrics and protobuf when its content type says so.
    const choice = formatFromContentType(contentType, 'PrometheusText0.0.4');
    if (choice.format === undefined) {
      settle();
      throw localSourceError(target, choice.problem ?? `unreadable content type ${JSON.stringify(contentType)}`);
    }
    const body = new LocalBody(result, deadline, target, settle);
    return {
      status: 200,
      format: choice.format satisfies ExpositionFormat,
      contentType,
      body,
      bytesRead: () => body.bytesRead,
      wireBytesRead: () => body.bytesRead,
      discard: () => body.discard(),
    };
  }

  /** Fails the scrapes in flight (their bodies throw); later scrape() calls reject with ERR_USAGE. */
  async close(): Promise<void> {
    this.closed = true;
    const reason = new ScrapewireError('ERR_USAGE', 'scraper closed', { target: this.target });
    for (const deadline of this.inFlight) deadline.abort(reason);
    this.inFlight.clear();
  }
}

function isResponse(value: unknown): value is ExpositionResponse {
  return value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && 'body' in value
    && !(Symbol.asyncIterator in value) && !(Symbol.iterator in value);
}


const encoder = new TextEncoder();

/** A source's body as chunks of bytes, under the scrape's deadline; iterable once. */
class LocalBody implements AsyncIterable<Uint8Array> {
  bytesRead = 0;
  private iterated = false;
  private settled = false;

  constructor(
    private readonly source: ExpositionBody,
    private readonly deadline: ScrapeDeadline,
    private readonly target: string,
    private readonly onSettled: () => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.iterated) throw new ScrapewireError('ERR_USAGE', 'a scrape body can be read only once', { target: this.target });
    this.iterated = true;
    return this.chunks();
  }

  discard(): void {
    if (this.settled) return;
    this.iterated = true;
    this.finish(false);
  }

  private async *chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    const { deadline } = this;
    let completed = false;
    let iterator: Iterator<string | Uint8Array> | AsyncIterator<string | Uint8Array> | undefined;
    try {
      const source = this.source;
      if (typeof source === 'string' || source instanceof Uint8Array) {
        // The source returned its whole page: the fetch is over, the timeout no longer applies.
        deadline.received();
        yield* this.split(typeof source === 'string' ? encoder.encode(source) : source);
      } else if (source !== null && typeof source === 'object' && (Symbol.asyncIterator in source || Symbol.iterator in source)) {
        iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
        for (;;) {
          deadline.throwIfAborted();
          const next = await untilAborted(Promise.resolve(iterator.next()), deadline.signal);
          if (next.done === true) break;
          const chunk = next.value;
          if (typeof chunk === 'string') yield* this.split(encoder.encode(chunk));
          else if (chunk instanceof Uint8Array) yield* this.split(chunk);
          else throw localSourceError(this.target, `the in-process source yielded a ${typeof chunk}, not a string or bytes`);
        }
      } else {
        throw localSourceError(this.target, `the in-process source returned a ${source === null ? 'null' : typeof source}, not exposition text`);
      }
      completed = true;
    } catch (err) {
      throw deadline.errorFor(err, (cause) => (cause instanceof ScrapewireError ? cause
        : localSourceError(this.target, `reading the in-process source failed: ${cause instanceof Error ? cause.message : String(cause)}`, cause)));
    } finally {
      // A stream given up early (a limit, a timeout, the consumer gone) is told to stop.
      if (!completed && iterator?.return !== undefined) {
        try {
          void Promise.resolve(iterator.return()).catch(() => undefined);
        } catch {
          // Its own problem; the scrape has failed already.
        }
      }
      this.finish(completed);
    }
  }

  /** One long buffer as views of CHUNK_BYTES, checking the deadline between them (no copy). */
  private *split(bytes: Uint8Array): Generator<Uint8Array, void, undefined> {
    for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
      this.deadline.throwIfAborted();
      const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + CHUNK_BYTES));
      this.bytesRead += chunk.length;
      yield chunk;
    }
  }

  private finish(completed: boolean): void {
    if (this.settled) return;
    this.settled = true;
    if (!completed) this.deadline.abort(new ScrapewireError('ERR_USAGE', 'scrape body not read to its end', { target: this.target }));
    this.onSettled();
  }
}
