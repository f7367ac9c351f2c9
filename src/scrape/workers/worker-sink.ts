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
 * Size of a pooled buffer; a request larger than that gets a buffer of its own. A turn's requests
 * fill as many buffers as they need, all sent in the turn's one message: no request is copied
 * twice. (With one 512 KiB buffer per message, a 200 KB page's requests, 1.0 ones of ~100-400 KiB
 * each at max_samples_per_send 2,000, went one per message, each in a fresh zero-filled buffer:
 * ~7% of a worker's time in allocating and posting; growing one buffer instead cost ~3-4% in
 * copies. bench/RESULTS.md, scrape workers.)
 */
export const BUFFER_BYTES = 1 << 20;
/** Buffers kept for reuse; more are left to the garbage collector. */
const POOL_SIZE = 16;

export interface WorkerSinkOptions {
  protocols: readonly RemoteWriteProtocol[];
  nativeHistograms: boolean;
  exemplars: boolean;
  /** Posts one batch; `buffers` are transferred. */
  post(buffers: ArrayBuffer[], requests: WireRequest[], outcomes: WireOutcome[]): void;
}

export class WorkerSink implements SampleSink {
  protocols: readonly RemoteWriteProtocol[];
  readonly nativeHistograms: boolean;
  readonly exemplars: boolean;
  private readonly pool: ArrayBuffer[] = [];
  /** This turn's buffers; the last one is being filled. */
  private buffers: ArrayBuffer[] = [];
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
    if (this.bytes === undefined || this.used + length > this.bytes.length) this.take(length);
    this.bytes!.set(request.body, this.used);
    this.requests.push({
      protocol: request.protocol,
      buffer: this.buffers.length - 1,
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
      if (buffer.byteLength === BUFFER_BYTES && this.pool.length < POOL_SIZE) this.pool.push(buffer);
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

  /** A buffer for a request of `length` bytes: a pooled one, or a new one (of its own size if larger). */
  private take(length: number): void {
    const buffer = length <= BUFFER_BYTES ? this.pool.pop() ?? new ArrayBuffer(BUFFER_BYTES) : new ArrayBuffer(length);
    this.buffers.push(buffer);
    this.bytes = new Uint8Array(buffer);
    this.used = 0;
  }

  private post(): void {
    const { buffers, requests, outcomes } = this;
    this.buffers = [];
    this.requests = [];
    this.outcomes = [];
    // Transferred: this thread's views of them are gone.
    this.bytes = undefined;
    this.used = 0;
    this.options.post(buffers, requests, outcomes);
  }
}
