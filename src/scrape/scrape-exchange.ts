/**
 * One scrape's HTTP exchange, driven through undici's dispatch API: this object is the request's
 * handler (undici 7's documented DispatchHandler: onRequestStart, onResponseStart,
 * onResponseData, onResponseEnd, onResponseError, with a DispatchController to pause, resume and
 * abort), the response `scrape()` resolves with, and the body's reader. One object per scrape.
 * (undici 7 marks the older onConnect/onHeaders/onData/onComplete/onError callbacks deprecated in
 * types/dispatcher.d.ts; it adapts a handler of the new kind with its UnwrapHandler, which hands
 * the headers over parsed into an object.)
 *
 * Why not undici's `request()`: it wraps every response in a Readable, a promise and its
 * RequestHandler (an AsyncResource); a small scrape allocated ~32 KB of JavaScript of which
 * undici's request machinery was ~10 KB and the Readable ~3 KB (bench/RESULTS.md, 2026-12-03),
 * and each body chunk sat in the Readable's buffer until an async iterator took it. Here a chunk
 * goes from undici's parser to the consumer in the same call (`readInto`), gunzip in between
 * when the body is compressed.
 *
 * What the exchange does, in order:
 *   - redirects: a 300/301/302/303/307/308 with a Location is followed (the same statuses as
 *     undici's redirect interceptor), at most MAX_REDIRECTS times, by dispatching a new request
 *     from here once the 3xx has ended (its body is ignored). Authorization, Cookie and
 *     Proxy-Authorization are dropped on the way to another origin, as Go's client and undici's
 *     interceptor drop them. A 3xx not followed (follow_redirects false, or the limit reached)
 *     fails the scrape naming where it pointed; a loop ends there too, as in Go's client (undici's
 *     interceptor failed it with "Redirect loop detected" instead). Following them here, not with
 *     the interceptor composed on the Agent, spares every request that does not redirect the
 *     interceptor's handler, its copies of the options and its URL history (~2 KB per request,
 *     bench/RESULTS.md 2026-12-03);
 *   - a non-2xx or an unsupported Content-Encoding rejects `scrape()` at once; its body is drained
 *     (up to DRAIN_LIMIT_BYTES, then aborted) so the socket stays reusable, still under the deadline;
 *   - a 2xx resolves `scrape()`; its body is decoded (gzip as in scrape-body.ts: whole and small,
 *     one `gunzipSync`; else a gunzip stream) and handed out against body_size_limit;
 *   - the scrape's deadline (scrape-deadline.ts) runs until the response's end has been parsed
 *     (`received()`): what is done with the body after that is not under the timeout.
 *
 * Backpressure, and the event loop: a plain body's chunks are handed out as undici parses them;
 * when they wait (the consumer attaches a microtask after the headers, the async iterator is
 * slow, or readInto's reader used up its slice) they queue, and past QUEUE_HIGH_WATER_BYTES the
 * controller is paused (undici stops its parser and leaves the rest in the socket). A gzip body is
 * not paused at the socket for its reader: gunzip's output is (it inflates only while its output
 * is taken, so a bomb stops there), and the socket waits only when gunzip's 1 MiB of input is
 * full (see GUNZIP_INPUT_HIGH_WATER_MARK). `readInto` lets the event loop run (one setImmediate)
 * after every ~sliceMs of its reader's work, as fetchInto did between chunks.
 */

import type { Dispatcher } from 'undici';
import { createGunzip, type Gunzip, type ZlibOptions } from 'node:zlib';

import { ScrapewireError } from '../errors';
import type { ExpositionFormat } from '../core/types';
import type { ScrapeResponse } from './http-scraper';
import type { ResolvedHttpTarget } from './http-target-options';
import { bodyEncoding, type ParserChoice } from './negotiation';
import { GUNZIP_CHUNK_BYTES, GUNZIP_INPUT_HIGH_WATER_MARK, inflateSmall, SMALL_GZIP_BYTES } from './scrape-body';
import type { ScrapeDeadline } from './scrape-deadline';
import { bodySizeLimitError, contentTypeError, httpStatusError, transportError, unsupportedEncodingError } from './scrape-errors';

/** Go's http.Client gives up after 10 redirects; so does Prometheus. */
export const MAX_REDIRECTS = 10;

/** The statuses undici's redirect interceptor follows (Go's client: the same but 300). */
const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);

/** Headers dropped on a redirect to another origin (undici's interceptor drops the same). */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * An error page is read and thrown away up to this much so its socket can be reused (undici's
 * dump interceptor stops at the same 128 KiB); a longer one is aborted.
 */
const DRAIN_LIMIT_BYTES = 128 * 1024;

/**
 * Decoded bytes waiting for the consumer before the socket (or gunzip) is paused: one chunk of
 * undici's, or of gunzip's, as the Readable's 64 KiB high water mark held before.
 */
const QUEUE_HIGH_WATER_BYTES = 64 * 1024;

/**
 * Reads a body pushed to it: called with each decompressed chunk (a view that stays valid after
 * the call: the exchange never reuses it). Returns false to give the rest of the body up.
 */
export type ChunkReader = (chunk: Uint8Array) => boolean;

/** What the exchange needs from its scraper: settings, and the Content-Type cache. */
export interface ExchangeContext {
  readonly resolved: ResolvedHttpTarget;
  /** The parser for a Content-Type (cached by the scraper: a target sends the same one every time). */
  parserFor(contentType: string): ParserChoice;
}

const enum Phase {
  /** Request sent (or waiting for a socket), no final response yet. */
  Request,
  /** A 3xx being followed: its body is ignored, its end dispatches the next request. */
  Redirect,
  /** scrape() rejected; the error page is read and dropped so the socket can be reused. */
  Drain,
  /** scrape() resolved; the body is being read. */
  Body,
  /** Over: read to its end, failed, or given up. */
  Done,
}

export class ScrapeExchange implements Dispatcher.DispatchHandler, ScrapeResponse, AsyncIterable<Uint8Array> {
  /** HTTP status of the response handed out (2xx). */
  status = 0;
  format: ExpositionFormat = 'text';
  /** Content-Type as the server sent it ('' when absent). */
  contentType = '';
  /** Decompressed bytes handed out so far, including a chunk refused for crossing the limit. */
  private decodedBytes = 0;
  /** Bytes received from the socket (compressed when the body is gzip). */
  private wireBytes = 0;

  private phase = Phase.Request;
  /** The Agent the request (and a redirect's next one) is dispatched to. */
  private dispatcher: Dispatcher | undefined;
  private controller: Dispatcher.DispatchController | null = null;
  /** The request of the current hop: its URL and headers change on a redirect. */
  private url: URL;
  private headers: Record<string, string>;
  private redirects = 0;
  /** Where the 3xx being followed points. */
  private nextUrl: URL | undefined;
  private drained = 0;

  private resolveHeaders: ((exchange: ScrapeExchange) => void) | undefined;
  private rejectHeaders: ((err: unknown) => void) | undefined;

  private gzip = false;
  /** A gzip body's first chunks, kept while they stay within SMALL_GZIP_BYTES (inflated in one call at the end). */
  private gzipHead: Buffer[] | undefined;
  private gzipHeadBytes = 0;
  private gunzip: Gunzip | undefined;
  /** undici's parser is paused because gunzip pushed back. */
  private inputBlocked = false;
  /** The response's end was parsed: every byte is in (what is left: decoding and reading). */
  private received = false;
  /** Decoding produced its last chunk (identity: `received`; gzip: gunzip's end). */
  private decoded = false;

  /** Decoded chunks not yet handed out, oldest first. */
  private readonly queue: Uint8Array[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  /** Set for a response no parser can read: its first non-empty chunk fails the body. */
  private refusal: ScrapewireError | undefined;
  private error: unknown;

  private reader: ChunkReader | undefined;
  private sliceMs = 0;
  private sliceStart = 0;
  /** readInto's consumer is waiting for one turn of the event loop. */
  private sliceWait = false;
  private pumping = false;
  private readResolve: (() => void) | undefined;
  private readReject: ((err: unknown) => void) | undefined;
  /** The async iterator waits for a chunk, the end or an error. */
  private wake: (() => void) | undefined;
  private iterated = false;

  constructor(
    private readonly context: ExchangeContext,
    private readonly deadline: ScrapeDeadline,
    headers: Record<string, string>,
  ) {
    this.url = context.resolved.requestUrl;
    this.headers = headers;
  }

  get body(): AsyncIterable<Uint8Array> {
    return this;
  }

  bytesRead(): number {
    return this.decodedBytes;
  }

  wireBytesRead(): number {
    return this.wireBytes;
  }

  /** Sends the request through `dispatcher`; resolves when a 2xx's headers are in. */
  start(dispatcher: Dispatcher): Promise<ScrapeExchange> {
    const headersIn = new Promise<ScrapeExchange>((resolve, reject) => {
      this.resolveHeaders = resolve;
      this.rejectHeaders = reject;
    });
    this.deadline.attach(this);
    this.dispatcher = dispatcher;
    this.send();
    return headersIn;
  }

  private send(): void {
    const url = this.url;
    this.dispatcher!.dispatch({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers: this.headers }, this);
  }

  // ---- undici's handler ----

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Aborted while waiting for a socket (the deadline, the caller, close()): stop it now.
    if (this.phase === Phase.Done || this.deadline.aborted) controller.abort(this.deadline.reason as Error ?? new Error('scrape given up'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.controller = controller;
    if (statusCode < 200 || this.phase !== Phase.Request) return; // 1xx: the real answer follows
    const { resolved } = this.context;
    const target = resolved.target;
    const location = headerString(headers.location);
    if (location !== undefined && REDIRECT_STATUSES.has(statusCode)) {
      if (resolved.followRedirects && this.redirects < MAX_REDIRECTS) {
        let next: URL;
        try {
          next = new URL(location, this.url);
        } catch (err) {
          this.failHeaders(transportError(target, 'request failed', err), true);
          return;
        }
        this.phase = Phase.Redirect;
        this.nextUrl = next;
        return;
      }
      this.failHeaders(redirectNotFollowedError(target, statusCode, location, resolved, this.url), true);
      return;
    }
    if (statusCode < 200 || statusCode > 299) {
      this.failHeaders(httpStatusError(target, statusCode), true);
      return;
    }
    const encoding = bodyEncoding(headerString(headers['content-encoding']));
    if (typeof encoding === 'object') {
      this.failHeaders(unsupportedEncodingError(target, encoding.unsupported), true);
      return;
    }
    this.gzip = encoding === 'gzip';
    const contentType = headerString(headers['content-type']) ?? '';
    const parser = this.context.parserFor(contentType);
    this.status = statusCode;
    this.contentType = contentType;
    this.format = parser.format ?? 'text';
    if (parser.format === undefined) this.refusal = contentTypeError(target, parser.problem!);
    this.phase = Phase.Body;
    // Until the consumer attaches (a microtask away), data that comes with the headers is queued.
    const resolve = this.resolveHeaders!;
    this.resolveHeaders = this.rejectHeaders = undefined;
    resolve(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    switch (this.phase) {
      case Phase.Body:
        this.wireBytes += chunk.length;
        if (!this.gzip) this.produce(chunk);
        else {
          this.inflate(chunk);
          // gunzip holds GUNZIP_INPUT_HIGH_WATER_MARK of input: the socket waits for its 'drain'.
          if (this.inputBlocked) controller.pause();
        }
        return;
      case Phase.Drain:
        this.drained += chunk.length;
        if (this.drained > DRAIN_LIMIT_BYTES) {
          this.phase = Phase.Done;
          controller.abort(new Error('error page too long to drain'));
          this.deadline.dispose();
        }
        return;
      default:
        return; // a redirect's body, or a body given up
    }
  }

  onResponseEnd(): void {
    switch (this.phase) {
      case Phase.Redirect:
        this.followRedirect();
        return;
      case Phase.Drain:
        this.phase = Phase.Done;
        this.deadline.dispose();
        return;
      case Phase.Body:
        // Every byte is in: the scrape timeout no longer applies.
        this.received = true;
        this.deadline.received();
        if (!this.gzip) this.decoded = true;
        else if (this.gunzip !== undefined) this.gunzip.end();
        else this.inflateWhole();
        this.pump();
        return;
      default:
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    switch (this.phase) {
      case Phase.Request:
      case Phase.Redirect:
        this.failHeaders(this.deadline.errorFor(err, (cause) => transportError(this.context.resolved.target, 'request failed', cause)), false);
        return;
      case Phase.Drain:
        this.phase = Phase.Done;
        this.deadline.dispose();
        return;
      case Phase.Body:
        this.fail(this.deadline.errorFor(err, (cause) => transportError(this.context.resolved.target, 'reading body failed', cause)));
        return;
      default:
    }
  }

  /** The deadline fired (timeout, the caller's abort, close(), discard): ScrapeDeadline calls this once. */
  deadlineAborted(): void {
    const error = this.deadline.errorFor(undefined, () => new ScrapewireError('ERR_USAGE', 'scrape given up', { target: this.context.resolved.target }));
    if (this.phase === Phase.Request || this.phase === Phase.Redirect) this.failHeaders(error, false);
    else if (this.phase === Phase.Body) this.fail(error);
    else if (this.phase === Phase.Drain) {
      this.phase = Phase.Done;
      this.abortRequest();
    }
  }

  private followRedirect(): void {
    const next = this.nextUrl!;
    this.nextUrl = undefined;
    if (next.origin !== this.url.origin) this.headers = withoutCredentials(this.headers);
    this.url = next;
    this.redirects++;
    this.phase = Phase.Request;
    this.controller = null;
    if (this.deadline.aborted) {
      this.deadlineAborted();
      return;
    }
    this.send();
  }

  /**
   * scrape() rejects with `error`. `drain`: a response is in whose page is read away so the socket
   * can serve the next request (the deadline keeps running); otherwise the request is over.
   */
  private failHeaders(error: unknown, drain: boolean): void {
    const reject = this.rejectHeaders;
    this.resolveHeaders = this.rejectHeaders = undefined;
    if (drain && !this.deadline.aborted) {
      // A response is in: read its page away so the socket can serve the next request.
      this.phase = Phase.Drain;
    } else {
      this.phase = Phase.Done;
      this.abortRequest();
      this.deadline.dispose();
    }
    reject?.(error);
  }

  private abortRequest(): void {
    if (this.received) return;
    const controller = this.controller;
    if (controller !== null && !controller.aborted) {
      controller.abort((this.error ?? this.deadline.reason ?? new Error('scrape given up')) as Error);
    }
  }

  // ---- decoding ----

  private inflate(chunk: Buffer): void {
    if (this.gunzip !== undefined) {
      if (!this.gunzip.write(chunk)) this.inputBlocked = true;
      return;
    }
    (this.gzipHead ??= []).push(chunk);
    this.gzipHeadBytes += chunk.length;
    if (this.gzipHeadBytes > SMALL_GZIP_BYTES) this.startGunzip();
  }

  /** A gzip body that ended within SMALL_GZIP_BYTES: inflated in one call, or through the stream if it inflates to more. */
  private inflateWhole(): void {
    const head = this.gzipHead ?? [];
    const whole = head.length === 1 ? head[0] : Buffer.concat(head, this.gzipHeadBytes);
    let inflated: Buffer | undefined;
    try {
      // An empty gzip body is not a gzip stream: it fails, as Go's gzip reader fails it in Prometheus.
      inflated = inflateSmall(whole);
    } catch (err) {
      this.fail(this.deadline.errorFor(err, (cause) => transportError(this.context.resolved.target, 'reading body failed', cause)));
      return;
    }
    if (inflated === undefined) {
      this.startGunzip();
      this.gunzip!.end();
      return;
    }
    this.gzipHead = undefined;
    for (let at = 0; at < inflated.length; at += GUNZIP_CHUNK_BYTES) this.queueChunk(inflated.subarray(at, at + GUNZIP_CHUNK_BYTES));
    this.decoded = true;
  }

  private startGunzip(): void {
    // zlib passes stream options on to its Transform; @types/node's ZlibOptions omits them.
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES, writableHighWaterMark: GUNZIP_INPUT_HIGH_WATER_MARK } as ZlibOptions);
    this.gunzip = gunzip;
    gunzip.on('data', (chunk: Buffer) => this.produce(chunk));
    gunzip.on('end', () => {
      this.decoded = true;
      this.pump();
    });
    gunzip.on('error', (err: Error) => this.fail(this.deadline.errorFor(err, (cause) => transportError(this.context.resolved.target, 'reading body failed', cause))));
    gunzip.on('drain', () => {
      if (!this.inputBlocked) return;
      this.inputBlocked = false;
      this.updateFlow();
    });
    const head = this.gzipHead ?? [];
    this.gzipHead = undefined;
    for (const chunk of head) if (!gunzip.write(chunk)) this.inputBlocked = true;
  }

  /** A decoded chunk: handed out at once when the consumer can take it, else queued. */
  private produce(chunk: Uint8Array): void {
    this.queueChunk(chunk);
    this.pump();
  }

  private queueChunk(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
  }

  // ---- handing chunks out ----

  /** Pushes queued chunks to readInto's reader until the queue is empty or a slice is used up; ends or updates the flow. */
  private pump(): void {
    if (this.pumping || this.phase !== Phase.Body) return;
    const reader = this.reader;
    if (reader === undefined) {
      // The async iterator (or nobody yet) reads: wake it.
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
      this.updateFlow();
      return;
    }
    this.pumping = true;
    try {
      while (!this.sliceWait && this.phase === Phase.Body) {
        const chunk = this.take();
        if (chunk === undefined) break;
        if (!reader(chunk)) {
          this.giveUp();
          return;
        }
        if (this.sliceMs <= 0 || performance.now() - this.sliceStart >= this.sliceMs) {
          this.sliceWait = true;
          setImmediate(ScrapeExchange.nextSlice, this);
        }
      }
    } catch (err) {
      this.fail(err);
      return;
    } finally {
      this.pumping = false;
    }
    if (this.phase !== Phase.Body) return;
    if (this.decoded && this.queuedBytes === 0 && this.queueHead >= this.queue.length) {
      this.complete();
      return;
    }
    this.updateFlow();
  }

  private static nextSlice(exchange: ScrapeExchange): void {
    exchange.sliceWait = false;
    exchange.sliceStart = performance.now();
    exchange.pump();
  }

  /**
   * The next decoded chunk, counted against body_size_limit (the chunk that crosses it is
   * refused: the body fails) and checked against a refused Content-Type; undefined when none waits.
   */
  private take(): Uint8Array | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const chunk = this.queue[this.queueHead];
    this.queue[this.queueHead++] = EMPTY;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    this.queuedBytes -= chunk.length;
    this.decodedBytes += chunk.length;
    const { bodySizeLimitBytes, target } = this.context.resolved;
    if (bodySizeLimitBytes > 0 && this.decodedBytes > bodySizeLimitBytes) throw bodySizeLimitError(target, bodySizeLimitBytes);
    if (this.refusal !== undefined && chunk.length > 0) throw this.refusal;
    return chunk;
  }

  /**
   * Whether undici's parser should stop: gunzip pushed back on its input, or (a plain body) decoded
   * bytes wait beyond QUEUE_HIGH_WATER_BYTES. A gzip body is not paused at the socket for the
   * consumer: gunzip's output stops instead, and its 1 MiB of input fills first (pausing the
   * parser re-reads the socket's whole backlog on every resume: scrape-body.ts).
   */
  private wantsPause(): boolean {
    return this.inputBlocked || (!this.gzip && this.queuedBytes >= QUEUE_HIGH_WATER_BYTES);
  }

  /** Pauses or resumes undici's parser (and gunzip's output) to match wantsPause(). */
  private updateFlow(): void {
    if (this.phase !== Phase.Body) return;
    const pause = this.wantsPause();
    const gunzip = this.gunzip;
    if (gunzip !== undefined) {
      // gunzip inflates only while its output is taken: a bomb stops here.
      if (this.sliceWait || this.queuedBytes >= QUEUE_HIGH_WATER_BYTES) gunzip.pause();
      else if (gunzip.isPaused()) gunzip.resume();
    }
    const controller = this.controller;
    if (controller === null || this.received) return;
    if (pause) controller.pause();
    // resume() parses what the socket holds at once: it may call onResponseData from here.
    else if (controller.paused) controller.resume();
  }

  /** Pushes the body to `reader`, chunk by chunk, the event loop running every ~sliceMs of its work. */
  readInto(reader: ChunkReader, sliceMs: number): Promise<void> {
    this.claim();
    this.reader = reader;
    this.sliceMs = sliceMs;
    this.sliceStart = performance.now();
    const done = new Promise<void>((resolve, reject) => {
      this.readResolve = resolve;
      this.readReject = reject;
    });
    if (this.phase === Phase.Done) this.settleRead();
    else this.pump();
    return done;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    this.claim();
    return this.chunks();
  }

  private claim(): void {
    if (this.iterated) {
      throw new ScrapewireError('ERR_USAGE', 'a scrape body can be read only once', { target: this.context.resolved.target });
    }
    this.iterated = true;
  }

  private async *chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      for (;;) {
        let chunk: Uint8Array | undefined;
        try {
          chunk = this.phase === Phase.Body ? this.take() : undefined;
        } catch (err) {
          this.fail(err);
        }
        if (chunk !== undefined) {
          this.updateFlow();
          yield chunk;
          continue;
        }
        if (this.phase === Phase.Done) {
          if (this.error !== undefined) throw this.error;
          return;
        }
        if (this.decoded) {
          this.complete();
          return;
        }
        this.updateFlow();
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (this.phase === Phase.Body) this.giveUp();
    }
  }

  // ---- the end ----

  /** Read to its end. */
  private complete(): void {
    this.phase = Phase.Done;
    this.deadline.dispose();
    this.settleRead();
  }

  /** The body fails with `error` (the first error wins); the request is aborted unless it was all received. */
  private fail(error: unknown): void {
    if (this.phase === Phase.Done) return;
    this.phase = Phase.Done;
    this.error = error;
    this.queue.length = 0;
    this.queueHead = 0;
    this.queuedBytes = 0;
    this.abortRequest();
    this.destroyGunzip();
    this.deadline.dispose();
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
    this.settleRead();
  }

  /** The consumer stopped reading before the end (readInto's reader returned false, the iterator was left, discard()). */
  private giveUp(): void {
    if (this.phase === Phase.Done) return;
    this.phase = Phase.Done;
    this.queue.length = 0;
    this.queueHead = 0;
    this.queuedBytes = 0;
    this.abortRequest();
    this.destroyGunzip();
    this.deadline.dispose();
    this.settleRead();
  }

  private destroyGunzip(): void {
    // A destroyed gunzip may still emit the abort as an 'error': nobody listens any more.
    this.gunzip?.removeAllListeners().on('error', ignore).destroy();
  }

  private settleRead(): void {
    const resolve = this.readResolve;
    const reject = this.readReject;
    if (resolve === undefined || reject === undefined) return;
    this.readResolve = this.readReject = undefined;
    if (this.error !== undefined) reject(this.error);
    else resolve();
  }

  /** Releases the request without reading the rest of the body. Safe to call at any time. */
  discard(): void {
    this.iterated = true;
    this.giveUp();
  }
}

const EMPTY = new Uint8Array(0);

function ignore(): void {}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The headers of a request to another origin: without credentials. */
function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of Object.keys(headers)) if (!CREDENTIAL_HEADERS.has(name.toLowerCase())) kept[name] = headers[name];
  return kept;
}

/**
 * A 3xx with a Location that ends the scrape: follow_redirects is false, or MAX_REDIRECTS were
 * followed already (Go's client fails with "stopped after 10 redirects"). Prometheus reports both
 * as a failed scrape; the message says where it pointed (origin and path only: a Location's
 * query or user info may hold a token) and why it was not followed.
 */
function redirectNotFollowedError(target: string, status: number, location: string, resolved: ResolvedHttpTarget, base: URL): ScrapewireError {
  let to = '';
  try {
    const url = new URL(location, base);
    to = ` to ${url.origin}${url.pathname}`;
  } catch {
    to = ' to an invalid location';
  }
  const why = resolved.followRedirects ? `stopped after ${MAX_REDIRECTS} redirects` : 'follow_redirects is false';
  return new ScrapewireError('ERR_HTTP_STATUS', `${httpStatusError(target, status).detail}: redirect${to} not followed (${why})`, { target });
}
