/**
 * The SampleSink of a scrape worker: each finished request (a view into a target's WASM memory,
 * valid only during `write`) is copied into a pooled ArrayBuffer, and what was written during one
 * turn of the worker's event loop goes to the main thread as one message, the buffer transferred
 * (not copied), with the outcomes of the scrapes that ended in that turn after their requests.
 * The main thread writes the requests into its RemoteWriter and sends the buffer back.
 *
 * One message per turn rather than per request or per scrape: a turn that ends several small
 * scrapes sends them together, and a large scrape's end, which runs in slices of ~10 ms
 * (sample-sink.ts writeScrapeInSlices), sends a message per slice.
 *
 * `write` never throws: a refusal by the main thread's sink is applied there, to the scrape's
 * outcome, where the target's status lives (scrape-workers.ts).
 */
import type { RemoteWriteProtocol } from '../../remote-write-protocol';
import type { SampleSink, SinkRequest } from '../sample-sink';
import type { WireOutcome, WireRequest } from './protocol';

/**
 * Size of a pooled buffer. A request is at most max_samples_per_send samples (2,000 by default:
 * ~100-300 KiB uncompressed); a larger one gets a buffer of its own, not pooled.
 */
export const POOL_BUFFER_BYTES = 512 << 10;
/** Buffers kept for reuse; more are left to the garbage collector. */
const POOL_SIZE = 8;

export interface WorkerSinkOptions {
  protocols: readonly RemoteWriteProtocol[];
  nativeHistograms: boolean;
  exemplars: boolean;
  /** Posts one batch; `buffer` is transferred. */
  post(buffer: ArrayBuffer | undefined, requests: WireRequest[], outcomes: WireOutcome[]): void;
}

export class WorkerSink implements SampleSink {
  protocols: readonly RemoteWriteProtocol[];
  readonly nativeHistograms: boolean;
  readonly exemplars: boolean;
  private readonly pool: ArrayBuffer[] = [];
  private buffer: ArrayBuffer | undefined;
  private bytes: Uint8Array | undefined;
  private used = 0;
  private requests: WireRequest[] = [];
  private outcomes: WireOutcome[] = [];
  private scheduled = false;
  private readonly flushLater = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly options: WorkerSinkOptions) {
    this.protocols = options.protocols;
    this.nativeHistograms = options.nativeHistograms;
    this.exemplars = options.exemplars;
  }

  write(request: SinkRequest): void {
    const length = request.body.length;
    if (this.bytes === undefined || this.used + length > this.bytes.length) {
      if (this.requests.length > 0) this.post();
      this.take(length);
    }
    this.bytes!.set(request.body, this.used);
    this.requests.push({
      protocol: request.protocol,
      offset: this.used,
      length,
      samples: request.samples,
      newestTimestampMs: request.newestTimestampMs,
      shardKey: request.shardKey,
      metadataOnly: request.metadataOnly,
      metadataEntries: request.metadataEntries,
    });
    this.used += length;
    this.schedule();
  }

  /** A scrape ended: its outcome follows its requests. */
  outcome(outcome: WireOutcome): void {
    this.outcomes.push(outcome);
    this.schedule();
  }

  /** Buffers the main thread is done with. */
  giveBack(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) {
      if (buffer.byteLength === POOL_BUFFER_BYTES && this.pool.length < POOL_SIZE) this.pool.push(buffer);
    }
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.requests.length > 0 || this.outcomes.length > 0) this.post();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flushLater);
  }

  private take(length: number): void {
    this.buffer = length <= POOL_BUFFER_BYTES ? this.pool.pop() ?? new ArrayBuffer(POOL_BUFFER_BYTES) : new ArrayBuffer(length);
    this.bytes = new Uint8Array(this.buffer);
    this.used = 0;
  }

  private post(): void {
    const buffer = this.requests.length > 0 ? this.buffer : undefined;
    const { requests, outcomes } = this;
    this.requests = [];
    this.outcomes = [];
    if (buffer !== undefined) {
      // Transferred: this thread's view of it is gone.
      this.buffer = undefined;
      this.bytes = undefined;
      this.used = 0;
    }
    this.options.post(buffer, requests, outcomes);
  }
}
