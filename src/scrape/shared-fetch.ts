/**
 * One HTTP request whose body feeds every consumer that asked for it: the shared fetch of targets
 * with the same fetch key (fetch-key.ts), and the single-consumer fetch of a target scraped on
 * its own (TargetScraper.scrape()).
 *
 * The body is streamed once. Each chunk is handed to every consumer still reading, in turn,
 * before the next chunk is read: nothing is buffered beyond the chunk in hand, and the slowest
 * consumer sets the pace (backpressure reaches the socket through undici, as with one consumer).
 * Consumers parse synchronously (Core.feed), so a chunk is never held across an await.
 *
 * A consumer that fails (its sample_limit, its body_size_limit, a parse error under its own
 * on_parse_error) stops being fed and settles at once; the others read on. When none is left
 * reading, the body is given up (the request is aborted). A failure of the request itself (HTTP
 * status, transport, timeout) fails every consumer still reading, each with the same error.
 */
import { ScrapewireError } from '../errors';
import type { ExpositionFormat } from '../core/types';
import type { Fetcher } from './fetcher';
import { asScrapeError } from './scrape-into-core';
import { DEFAULT_SLICE_MS, Slices } from '../runtime/slices';

/**
 * What a fetch feeds. None of these methods throws: a consumer records its own failure and
 * reports it through `active` turning false.
 */
export interface BodyConsumer {
  /** True until it finished or failed; the fetch feeds only active consumers. */
  readonly active: boolean;
  /** The response is in: the body's format. */
  begin(format: ExpositionFormat): void;
  /** One decompressed chunk, shared with the other consumers: read it, do not keep or change it. */
  feed(chunk: Uint8Array): void;
  /** The body ended. */
  finish(): void;
  /** The request or the body failed (or the consumer is being stopped). */
  fail(error: ScrapewireError): void;
}

export interface FetchOptions {
  /** Aborts the request (the fetch's owner is closing). */
  signal?: AbortSignal;
  /** Called once per HTTP request made (scrapewire_scrape_requests_total). */
  onRequest?: () => void;
  /** Called with the size of each body chunk read (the collector's GC pacing, src/runtime/gc-pacing.ts). */
  onBodyBytes?: (bytes: number) => void;
  /**
   * After about this many ms of parsing, the event loop runs before the next chunk is fed
   * (runtime/slices.ts). Default 10. A stream with data buffered hands its chunks over in
   * microtasks, one after another: without this, a big page's body was parsed in tasks of
   * 50-140 ms (bench/long-task.bench.ts, 2026-12-03).
   */
  sliceMs?: number;
}

/** Whether any of `consumers` is still reading. */
function anyActive(consumers: readonly BodyConsumer[]): boolean {
  for (let i = 0; i < consumers.length; i++) if (consumers[i].active) return true;
  return false;
}

/** Fails every consumer still reading with `error`. */
function failActive(consumers: readonly BodyConsumer[], error: ScrapewireError): void {
  for (let i = 0; i < consumers.length; i++) if (consumers[i].active) consumers[i].fail(error);
}

/**
 * Performs one request for `consumers` and feeds its body to them; resolves when every one has
 * settled. Consumers are looked up with loops, not filtered copies: a fetch runs every second
 * per target, and its arrays and closures were part of what a small scrape allocated
 * (bench/RESULTS.md, 2026-12-03).
 */
export async function fetchInto(http: Fetcher, consumers: readonly BodyConsumer[], options: FetchOptions = {}): Promise<void> {
  if (!anyActive(consumers)) return;
  options.onRequest?.();
  let response: Awaited<ReturnType<Fetcher['scrape']>>;
  try {
    response = await http.scrape(options.signal);
  } catch (err) {
    failActive(consumers, asScrapeError(err, http.target));
    return;
  }
  try {
    for (let i = 0; i < consumers.length; i++) if (consumers[i].active) consumers[i].begin(response.format);
    // The members still reading; copied only when one of them settles while being fed.
    let active = consumers;
    if (anyActive(active) && response.readInto !== undefined) {
      // Pushed: each chunk reaches the members in the call that took it off the socket (or out of
      // gunzip), with no promise per chunk; the response lets the event loop run every ~sliceMs.
      const { onBodyBytes } = options;
      await response.readInto((chunk) => {
        onBodyBytes?.(chunk.length);
        for (let i = 0; i < active.length; i++) active[i].feed(chunk);
        if (allActive(active)) return true;
        active = active.filter((consumer) => consumer.active);
        return active.length > 0;
      }, options.sliceMs ?? DEFAULT_SLICE_MS);
      for (let i = 0; i < consumers.length; i++) if (consumers[i].active) consumers[i].finish();
    } else if (anyActive(active)) {
      const slices = new Slices(options.sliceMs);
      const { onBodyBytes } = options;
      for await (const chunk of response.body) {
        onBodyBytes?.(chunk.length);
        for (let i = 0; i < active.length; i++) active[i].feed(chunk);
        if (slices.due) await slices.pause();
        // Consumers settle while being fed (a limit) or from outside (stopped): read on for the rest.
        if (!allActive(active)) {
          active = active.filter((consumer) => consumer.active);
          if (active.length === 0) break;
        }
      }
      for (let i = 0; i < consumers.length; i++) if (consumers[i].active) consumers[i].finish();
    }
  } catch (err) {
    failActive(consumers, asScrapeError(err, http.target));
  } finally {
    response.discard();
    // Every consumer settles with the fetch, whatever happened above.
    if (anyActive(consumers)) {
      failActive(consumers, new ScrapewireError('ERR_CORE_STATE', 'the fetch ended without settling this consumer', { target: http.target }));
    }
  }
}

function allActive(consumers: readonly BodyConsumer[]): boolean {
  for (let i = 0; i < consumers.length; i++) if (!consumers[i].active) return false;
  return true;
}
