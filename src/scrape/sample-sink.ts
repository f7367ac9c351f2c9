/**
 * Where a scrape's samples go: a SampleSink takes one remote-write request at a time in the shape
 * of RemoteWriter.write (src/remote/remote-writer.ts), so a RemoteWriter is a SampleSink as is.
 *
 * `writeScrape` turns a core's last scrape (samples plus staleness markers) into such requests.
 * With one message kind the request handed to the sink is a view into WASM memory, valid only
 * during `sink.write`, and so is its compressed form (compressed by the core on demand; the
 * RemoteWriter takes that one). With two kinds, the 1.0 requests are compressed and copied first
 * and paired by index with the 2.0 views: both encoders split at the same sample boundaries
 * (remotewrite.ts skips the same non-kept series).
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
import { ScrapewireError } from '../core/errors';
import type { RemoteWriteMessage } from '../remote/endpoint-config';
import type { RequestProducer } from '../remote/send-queue';
import { snappyUncompress } from '../remote/snappy';

export const RW1_MESSAGE: RemoteWriteMessage = 'prometheus.WriteRequest';
export const RW2_MESSAGE: RemoteWriteMessage = 'io.prometheus.write.v2.Request';

/** A sink threw: how many samples of the scrape it took and refused, and its first error as the cause. */
export class SinkError extends ScrapewireError {
  constructor(readonly acceptedSamples: number, readonly refusedSamples: number, cause: unknown) {
    super('ERR_SINK', `the sample sink refused ${refusedSamples} samples: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'SinkError';
  }
}

/** Offers requests to a sink, catching what it throws so the rest of the scrape is still offered. */
class GuardedSink {
  accepted = 0;
  refused = 0;
  private error: unknown;
  private failed = false;

  constructor(readonly sink: SampleSink) {}

  write(request: SinkRequest): void {
    try {
      this.sink.write(request);
      this.accepted += request.samples;
    } catch (err) {
      this.refused += request.samples;
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

/**
 * One request, as RemoteWriter.write takes it: src/remote's RequestProducer. `encode` (and
 * `encodeCompressed`) return views valid only until `write` returns: copy or compress them there.
 */
export type SinkRequest = RequestProducer;

export interface SampleSink {
  /**
   * Message kinds `write` may ask for (RemoteWriter: RW2 for 2.0 endpoints, RW1 for 1.0 ones and
   * for the 1.0 fallback). Default: both.
   */
  readonly messages?: readonly RemoteWriteMessage[];
  write(request: SinkRequest): unknown;
}

export interface WriteScrapeOptions {
  shardKey: string;
  /** Newest timestamp of the scrape (its own timestamp unless samples carried later ones). */
  newestTimestampMs: number;
  maxSamplesPerRequest?: number;
}

/** Encodes the core's last scrape and hands every request to the sink; returns samples written. */
export function writeScrape(core: Core, target: SampleSink, options: WriteScrapeOptions): number {
  const messages = target.messages ?? [RW1_MESSAGE, RW2_MESSAGE];
  const sink = new GuardedSink(target);
  const wantsRw1 = messages.includes(RW1_MESSAGE);
  const wantsRw2 = messages.includes(RW2_MESSAGE);
  const encodeOptions = { maxSamplesPerRequest: options.maxSamplesPerRequest ?? 0 };
  const { shardKey, newestTimestampMs } = options;

  const unavailable = (message: RemoteWriteMessage): never => {
    throw new ScrapewireError('ERR_USAGE', `sink asked for ${message}, which it did not list in messages`);
  };

  if (wantsRw1 !== wantsRw2) {
    const protocol = wantsRw1 ? 'rw1' : 'rw2';
    const only = wantsRw1 ? RW1_MESSAGE : RW2_MESSAGE;
    core.encode(protocol, encodeOptions, (request, samples, compress) => {
      sink.write({
        samples, newestTimestampMs, shardKey,
        encode: (message) => (message === only ? request : unavailable(message)),
        encodeCompressed: (message) => (message === only ? compress() : unavailable(message)),
      });
    });
    return sink.finish();
  }

  // Both kinds (a 2.0 endpoint not yet confirmed, or 1.0 and 2.0 endpoints side by side): the 1.0
  // requests are kept compressed (a third of their size) and paired by index with the 2.0 ones.
  const rw1: Uint8Array[] = [];
  core.encode('rw1', encodeOptions, (_request, _samples, compress) => { rw1.push(compress().slice()); });
  let index = 0;
  core.encode('rw2', encodeOptions, (request, samples, compress) => {
    const compressed1 = rw1[index++];
    const missing = (): never => {
      throw new ScrapewireError('ERR_CORE_STATE', 'rw1 and rw2 encoders split the scrape differently');
    };
    sink.write({
      samples, newestTimestampMs, shardKey,
      encode: (message) => {
        if (message === RW2_MESSAGE) return request;
        return compressed1 === undefined ? missing() : snappyUncompress(compressed1);
      },
      encodeCompressed: (message) => {
        if (message === RW2_MESSAGE) return compress();
        return compressed1 === undefined ? missing() : compressed1;
      },
    });
  });
  return sink.finish();
}

/** Hands the core's last scrape's metadata to the sink as a 1.0 metadata request; false if none. */
export function writeMetadata(core: Core, target: SampleSink, shardKey: string, timestampMs: number): boolean {
  const request = core.encodeMetadata();
  if (request === undefined) return false;
  const sink = new GuardedSink(target);
  sink.write({
    samples: 0,
    newestTimestampMs: timestampMs,
    shardKey,
    metadataOnly: true,
    encode: (message) => {
      if (message !== RW1_MESSAGE) throw new ScrapewireError('ERR_USAGE', 'metadata requests exist in remote write 1.0 only');
      return request;
    },
  });
  sink.finish();
  return true;
}

/** Newest timestamp among the core's last scrape's samples, at least `scrapeTimestampMs`. */
export function newestTimestamp(core: Core, scrapeTimestampMs: number): number {
  const { timestamps } = core.snapshot();
  let newest = scrapeTimestampMs;
  for (let i = 0; i < timestamps.length; i++) if (timestamps[i] > newest) newest = timestamps[i];
  return newest;
}
