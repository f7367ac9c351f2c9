/**
 * Where a scrape's samples go: a SampleSink takes finished requests one at a time, in the shape
 * of RemoteWriter.write (src/remote/remote-writer.ts), so a RemoteWriter is a SampleSink as is.
 *
 * `writeScrape` turns a core's last scrape (samples plus staleness markers) into such requests:
 * for each protocol the sink asks for (`protocols`), the core encodes the scrape and hands over
 * each request finished and uncompressed (Core.encodeRequests); `writeScrapeInSlices` does the
 * same one request at a time, letting the event loop run every ~10 ms (what TargetScraper uses:
 * the end of a huge first scrape held the loop ~1 s otherwise); the send queue copies it into a
 * batch and compresses once per batch. A request's bytes are a view into WASM memory, valid only
 * during `sink.write`: a sink that keeps them copies them (the queue's batch buffers are reused,
 * where an owned copy per request measured 30-75 us of allocation; Core.encodeRequests).
 *
 * Contract: `write` does not throw. A sink owns what it cannot keep: RemoteWriter keeps a request
 * in memory when its disk fails and drops what does not fit, counted
 * (scrapewire_remote_write_samples_dropped_total{reason}) and logged, so a full disk never fails
 * a scrape. A sink that throws anyway breaks that contract; writeScrape then still offers every
 * request of the scrape (the core's encode runs to its end and stays consistent) and afterwards
 * throws one SinkError saying how many samples the sink refused, which TargetScraper reports as
 * the scrape's error (logged, on /targets) instead of losing it.
 */
import type { Core } from '../core/core';
import type { EncodeOptions } from '../core/types';
import { ScrapewireError } from '../errors';
import { RW1, type RemoteWriteProtocol } from '../remote-write-protocol';
import type { OutgoingRequest } from '../remote/outgoing-request';
import { Slices } from '../runtime/slices';

/** What a sink that names no protocols takes. */
const DEFAULT_PROTOCOLS: readonly RemoteWriteProtocol[] = [RW1];

/** A sink threw: how many samples of the scrape it took and refused, and its first error as the cause. */
export class SinkError extends ScrapewireError {
  constructor(readonly acceptedSamples: number, readonly refusedSamples: number, cause: unknown) {
    super('ERR_SINK', `the sample sink refused ${refusedSamples} samples: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'SinkError';
  }
}

/** One request as a sink takes it; its `body` is valid only during `write`. */
export type SinkRequest = OutgoingRequest;

/** Where scrapes' requests go (the remote writer): it never waits and never throws. */
export interface SampleSink {
  /**
   * The protocols `write` takes now (RemoteWriter: each endpoint's current one). A scrape is
   * encoded once per protocol listed. Default: 1.0 only.
   */
  readonly protocols?: readonly RemoteWriteProtocol[];
  /**
   * Whether `write` takes native histogram samples (RemoteWriter: send_native_histograms).
   * Default false, as Prometheus: a scrape's histogram samples are left out of its requests.
   */
  readonly nativeHistograms?: boolean;
  /** Whether `write` takes exemplars in remote write 1.0 (RemoteWriter: send_exemplars). Default false. */
  readonly exemplars?: boolean;
  /** Takes one request (its body valid during the call only); never waits, never throws. */
  write(request: SinkRequest): unknown;
}

/**
 * Offers requests to a sink, catching what it throws so the rest of the scrape is still offered.
 * Samples are counted in the first protocol's requests only (every protocol carries the same ones).
 * Also what the main thread keeps per target for requests that come from scrape workers
 * (workers/scrape-workers.ts).
 */
export class GuardedSink {
  accepted = 0;
  refused = 0;
  private error: unknown;
  private failed = false;

  constructor(readonly sink: SampleSink, private readonly countedProtocol: RemoteWriteProtocol) {}

  write(request: SinkRequest): void {
    const counted = request.protocol === this.countedProtocol;
    try {
      this.sink.write(request);
      if (counted) this.accepted += request.samples;
    } catch (err) {
      if (counted) this.refused += request.samples;
      if (!this.failed) this.error = err;
      this.failed = true;
    }
  }

  /** Throws the SinkError when the sink threw, once everything was offered. */
  finish(): number {
    if (this.failed) throw new SinkError(this.accepted, this.refused, this.error);
    return this.accepted;
  }
}

export interface WriteScrapeOptions {
  /** The ordering key: the target (or source) the scrape came from. */
  shardKey: string;
  /** Newest timestamp of the scrape (its own timestamp unless samples carried later ones). */
  newestTimestampMs: number;
  maxSamplesPerRequest?: number;
}

function encodeOptions(target: SampleSink, options: WriteScrapeOptions): EncodeOptions {
  return { maxSamplesPerRequest: options.maxSamplesPerRequest ?? 0, nativeHistograms: target.nativeHistograms === true, exemplars: target.exemplars === true };
}

/** Encodes the core's last scrape and hands every request to the sink, in one piece; returns samples written. */
export function writeScrape(core: Core, target: SampleSink, options: WriteScrapeOptions): number {
  const protocols = target.protocols ?? DEFAULT_PROTOCOLS;
  if (protocols.length === 0) return 0;
  const sink = new GuardedSink(target, protocols[0]);
  const { shardKey, newestTimestampMs } = options;
  for (const protocol of protocols) {
    core.encodeRequests(protocol, encodeOptions(target, options), (request) => {
      sink.write({ ...request, shardKey, newestTimestampMs });
    });
  }
  return sink.finish();
}

/**
 * writeScrape, letting the event loop run between requests once a slice of work is used up
 * (runtime/slices.ts): the sink's work per request (the send queue copies it into a batch and,
 * when that fills up, encodes the batch) happens in the same slices, so a page of 562k new series
 * no longer holds the loop for a second at its end. The core is held for the whole write (its
 * RequestEncoder refuses a new scrape meanwhile); the caller must not begin the next scrape
 * before this resolves (TargetScraper keeps the scrape running until then).
 *
 * Between slices an endpoint may fall back from 2.0 to 1.0 (a 415): the 2.0 requests not yet
 * written would then reach no endpoint. When the sink's protocols changed during the write, the
 * scrape is written again in every protocol the sink takes now: nothing is lost, and the
 * endpoints that already had part of it get those samples twice (same series, timestamp and
 * value, which receivers accept), once in a process's life.
 */
export async function writeScrapeInSlices(core: Core, target: SampleSink, options: WriteScrapeOptions, slices = new Slices()): Promise<number> {
  const protocols = target.protocols ?? DEFAULT_PROTOCOLS;
  if (protocols.length === 0) return 0;
  const sink = new GuardedSink(target, protocols[0]);
  const { shardKey, newestTimestampMs } = options;
  // One async function and plain loops: a nested async writer per protocol and its closures were
  // ~1 KB of what a small scrape allocated (bench/RESULTS.md, 2026-12-03).
  let writing = protocols;
  for (let round = 0; round < 2; round++) {
    for (let p = 0; p < writing.length; p++) {
      const encoder = core.openEncoder(writing[p], encodeOptions(target, options));
      try {
        for (;;) {
          if (slices.due) await slices.pause();
          const request = encoder.next();
          if (request === undefined) break;
          sink.write({ ...request, shardKey, newestTimestampMs });
        }
      } finally {
        encoder.close();
      }
    }
    // Written again, once, in the protocols taken now when they changed meanwhile.
    const now = target.protocols ?? DEFAULT_PROTOCOLS;
    if (sameProtocols(now, protocols)) break;
    writing = now;
  }
  return sink.finish();
}

/** Whether two protocol lists name the same protocols. */
export function sameProtocols(a: readonly RemoteWriteProtocol[], b: readonly RemoteWriteProtocol[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!b.includes(a[i])) return false;
  return true;
}

/**
 * Hands the core's last scrape's metadata to the sink as 1.0 metadata requests of at most
 * `maxPerRequest` entries (metadata_config.max_samples_per_send; 0: one request), 2.0 carrying
 * metadata in its series; false if there is none or the sink takes no 1.0.
 */
export function writeMetadata(core: Core, target: SampleSink, shardKey: string, timestampMs: number, maxPerRequest = 0): boolean {
  if (!(target.protocols ?? DEFAULT_PROTOCOLS).includes(RW1)) return false;
  const sink = new GuardedSink(target, RW1);
  const requests = core.encodeMetadataRequests(maxPerRequest, (body, entries) => {
    sink.write({ protocol: RW1, body, samples: 0, newestTimestampMs: timestampMs, shardKey, metadataOnly: true, metadataEntries: entries });
  });
  sink.finish();
  return requests > 0;
}

/** Newest timestamp among the core's last scrape's samples, at least `scrapeTimestampMs`. */
export function newestTimestamp(core: Core, scrapeTimestampMs: number): number {
  const { timestamps } = core.snapshot();
  let newest = scrapeTimestampMs;
  for (let i = 0; i < timestamps.length; i++) if (timestamps[i] > newest) newest = timestamps[i];
  return newest;
}
