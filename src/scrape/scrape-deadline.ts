/**
 * The deadline of one scrape: one AbortSignal that fires when scrape_timeout passes, when the
 * caller's signal aborts, or when the scrape is given up (body limit, consumer stopped,
 * scraper closed). undici's request and the body stream both listen to it, so one abort tears
 * down the socket, the response body and the gunzip stream wherever the scrape is.
 *
 * `errorFor` tells the three apart afterwards, because undici reports every abort the same way.
 */

import { scrapeTimeoutError } from './scrape-errors';

export class ScrapeDeadline {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onParentAbort: () => void;
  private timedOut = false;
  private settled = false;

  constructor(
    private readonly target: string,
    private readonly timeoutMs: number,
    private readonly parent?: AbortSignal,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      // abort() also drops the listener on the caller's signal, which may live for the process.
      this.abort(scrapeTimeoutError(target, timeoutMs));
    }, timeoutMs);
    // A pending scrape must not keep the process alive on its own.
    this.timer.unref();
    this.onParentAbort = () => this.controller.abort(parent?.reason);
    if (parent?.aborted) this.onParentAbort();
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
  }

  /** Fires on timeout, on the caller's abort and on `abort()`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Gives the scrape up with `reason` (first reason wins) and releases the timer. */
  abort(reason: unknown): void {
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
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }
}
