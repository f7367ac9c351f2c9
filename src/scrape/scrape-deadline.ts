/**
 * The deadline of one scrape: one AbortSignal that fires when scrape_timeout passes, when the
 * caller's signal aborts, or when the scrape is given up (body limit, consumer stopped,
 * scraper closed). undici's request and the body stream both listen to it, so one abort tears
 * down the socket, the response body and the gunzip stream wherever the scrape is.
 *
 * `errorFor` tells the three apart afterwards, because undici reports every abort the same way.
 */

import { scrapeTimeoutError } from './scrape-errors';

/** One options object for every scrape's listener on the caller's signal. */
const ONCE: AddEventListenerOptions = { once: true };

export class ScrapeDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onParentAbort: (() => void) | undefined;
  private timedOut = false;
  private settled = false;

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
    // One function for every deadline's timer, not a closure per scrape.
    this.timer = setTimeout(ScrapeDeadline.expire, timeoutMs, this);
    // A pending scrape must not keep the process alive on its own.
    this.timer.unref();
    if (parent === undefined) return;
    this.onParentAbort = () => {
      this.inFlight?.delete(this);
      this.controller.abort(parent.reason);
    };
    if (parent.aborted) this.onParentAbort();
    else parent.addEventListener('abort', this.onParentAbort, ONCE);
  }

  /** The scrape timeout passed. */
  private static expire(deadline: ScrapeDeadline): void {
    deadline.timedOut = true;
    // abort() also drops the listener on the caller's signal, which may live for the process.
    deadline.abort(scrapeTimeoutError(deadline.target, deadline.timeoutMs));
  }

  /** Fires on timeout, on the caller's abort and on `abort()`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Gives the scrape up with `reason` (first reason wins) and releases the timer. */
  abort(reason: unknown): void {
    this.inFlight?.delete(this);
    this.controller.abort(reason);
    this.dispose();
  }

  /**
   * The error to report for a failure seen while this deadline was live: the timeout error if
   * the deadline passed, the caller's reason if the caller aborted, else `fallback(err)`.
   */
  errorFor(err: unknown, fallback: (err: unknown) => Error): unknown {
    if (this.timedOut) return scrapeTimeoutError(this.target, this.timeoutMs);
    if (this.parent?.aborted) return this.parent.reason;
    if (this.controller.signal.aborted) return this.controller.signal.reason;
    return fallback(err);
  }

  /** Throws the right error if the scrape was already aborted (between awaits). */
  throwIfAborted(): void {
    if (this.controller.signal.aborted) throw this.errorFor(undefined, () => new Error('unreachable'));
  }

  /** The scrape is over (body read to its end, or failed): stop the timer, drop the listener. */
  dispose(): void {
    if (this.settled) return;
    this.settled = true;
    this.inFlight?.delete(this);
    clearTimeout(this.timer);
    if (this.onParentAbort !== undefined) this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
