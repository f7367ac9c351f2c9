/**
 * The deadline of one scrape: one abort that fires when scrape_timeout passes, when the
 * caller's signal aborts, or when the scrape is given up (body limit, consumer stopped,
 * scraper closed). undici's request and the body stream both listen to it, so one abort tears
 * down the socket, the response body and the gunzip stream wherever the scrape is.
 *
 * The deadline is itself the signal undici's request() takes (`requestSignal`: an EventEmitter
 * with `aborted` and `reason`, which undici accepts in place of an AbortSignal); an AbortSignal
 * (`signal`) is made only when asked for (in-process sources hand one to their function). An
 * AbortController per scrape, its EventTarget and undici's listener on it were ~2.5 KB of the
 * ~34 KB a small scrape allocated (bench/RESULTS.md, 2026-12-03).
 *
 * `errorFor` tells the three apart afterwards, because undici reports every abort the same way.
 *
 * The timeout bounds the fetch, as Prometheus's does (its scrape timeout covers the request and
 * reading the body; parsing and appending run after it): once the body's last byte has been
 * received (`received()`, which the exchange calls when the response's end is parsed),
 * the scrape's processing (parsing, the sliced end) runs without a timeout. The caller's abort
 * (stop, reload, close) still ends it. When the timer fires, the I/O the event loop has waiting
 * is read first (one turn, setImmediate): a loop held past the timeout otherwise ran the timer
 * before the poll phase that reads a body already sitting at the socket, and failed pages the
 * target had completely sent (the peers run at 2,000 targets x 20 KB every 1 s lost 7.45% of the
 * served pages' samples, issue 12; alternated runs: 1.6% of scrapes timed out instead of 4.1%,
 * bench/RESULTS.md 2026-12-03 07:12 UTC).
 */

import { EventEmitter } from 'node:events';

import { scrapeTimeoutError } from './scrape-errors';

/** One options object for every scrape's listener on the caller's signal. */
const ONCE: AddEventListenerOptions = { once: true };

export class ScrapeDeadline extends EventEmitter {
  /** Whether the scrape was given up (AbortSignal's `aborted`). */
  aborted = false;
  /** Why, once aborted: the first reason wins (AbortSignal's `reason`). */
  reason: unknown = undefined;
  /** Made when `signal` is first asked for. */
  private controller: AbortController | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly onParentAbort: (() => void) | undefined;
  private timedOut = false;
  private settled = false;
  /** The timer is cleared: the body was received, or the deadline settled. */
  private timerCleared = false;
  /** The request's handler, told when the deadline fires (HttpScraper's exchange: no listener per scrape). */
  private handler: { deadlineAborted(): void } | undefined;

  /**
   * `inFlight`: a set the caller keeps of its live deadlines (HttpScraper, to abort them on
   * close()); the deadline leaves it when it is aborted or disposed, without a listener or a
   * closure per scrape.
   */
  constructor(
    private readonly target: string,
    private readonly timeoutMs: number,
    private readonly parent?: AbortSignal,
    private readonly inFlight?: Set<ScrapeDeadline>,
  ) {
    super();
    // undici adds one listener per request; a redirect's next request adds its own.
    this.setMaxListeners(0);
    // One function for every deadline's timer, not a closure per scrape.
    this.timer = setTimeout(ScrapeDeadline.expire, timeoutMs, this);
    // A pending scrape must not keep the process alive on its own.
    this.timer.unref();
    if (parent === undefined) return;
    this.onParentAbort = () => {
      this.inFlight?.delete(this);
      this.fire(parent.reason);
    };
    if (parent.aborted) this.onParentAbort();
    else parent.addEventListener('abort', this.onParentAbort, ONCE);
  }

  /** The scrape timeout passed: first the I/O the loop has waiting is read (see the class comment). */
  private static expire(deadline: ScrapeDeadline): void {
    if (deadline.timerCleared || deadline.aborted) return;
    setImmediate(ScrapeDeadline.expireAfterIo, deadline);
  }

  /** The timeout, after one turn of I/O: the scrape fails unless its body has been received meanwhile. */
  private static expireAfterIo(deadline: ScrapeDeadline): void {
    if (deadline.timerCleared || deadline.aborted) return;
    deadline.timedOut = true;
    // abort() also drops the listener on the caller's signal, which may live for the process.
    deadline.abort(scrapeTimeoutError(deadline.target, deadline.timeoutMs));
  }

  /**
   * The handler of the scrape's request, whose `deadlineAborted()` is called once when the deadline
   * fires (after the 'abort' event), until `dispose()`. It calls `received()` itself when the
   * response's end is in.
   */
  attach(handler: { deadlineAborted(): void }): void {
    this.handler = handler;
  }

  /**
   * The body's last byte has been received: the timeout no longer applies (its timer is
   * cleared). The caller's abort and `abort()` still end the scrape until `dispose()`.
   */
  received(): void {
    if (this.timerCleared) return;
    this.timerCleared = true;
    clearTimeout(this.timer);
  }

  /** An AbortSignal that fires with this deadline (made on first use; it fires at once if the deadline already did). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** What undici's request() takes as its signal: this deadline, an EventEmitter that emits 'abort'. */
  get requestSignal(): EventEmitter {
    return this;
  }

  private fire(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.emit('abort');
    const handler = this.handler;
    this.handler = undefined;
    handler?.deadlineAborted();
  }

  /** Gives the scrape up with `reason` (first reason wins) and releases the timer. */
  abort(reason: unknown): void {
    this.inFlight?.delete(this);
    this.fire(reason);
    this.dispose();
  }

  /**
   * The error to report for a failure seen while this deadline was live: the timeout error if
   * the deadline passed, the caller's reason if the caller aborted, else `fallback(err)`.
   */
  errorFor(err: unknown, fallback: (err: unknown) => Error): unknown {
    if (this.timedOut) return scrapeTimeoutError(this.target, this.timeoutMs);
    if (this.parent?.aborted) return this.parent.reason;
    if (this.aborted) return this.reason;
    return fallback(err);
  }

  /** Throws the right error if the scrape was already aborted (between awaits). */
  throwIfAborted(): void {
    if (this.aborted) throw this.errorFor(undefined, () => new Error('unreachable'));
  }

  /** The scrape is over (body read to its end, or failed): stop the timer, drop the listener. */
  dispose(): void {
    if (this.settled) return;
    this.settled = true;
    this.inFlight?.delete(this);
    this.received();
    this.handler = undefined;
    if (this.onParentAbort !== undefined) this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
