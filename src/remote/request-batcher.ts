/**
 * Batching across targets, as Prometheus's shards do: requests of many targets go out as one,
 * up to `max_samples_per_send` samples, or when the oldest has waited `batch_send_deadline`.
 *
 * Each shard has one open batch; a target's requests always go to the same shard (its key
 * modulo the number of shards), so its page and the report series written right after it travel
 * together when both fit, and a target never has requests in two open batches at once. A
 * request that would take a batch past the limit closes it first (requests are not split: the
 * core already split the scrape at max_samples_per_send). Changing the number of shards closes
 * every open batch first; the queue's ordering keys (sender-lanes.ts) keep each target's batches
 * in order across the change.
 *
 * An open batch copies each request into its shard's parts buffer (BatchParts, reused batch
 * after batch, so a request's bytes need to live only while it is written); a closed batch is
 * handed to `onClose`, which encodes it once (1.0 concatenated, 2.0 merged into one symbol table:
 * src/core/batch-codec.ts) and queues it.
 */
import { BatchParts } from '../core/batch-codec';
import type { RemoteWriteProtocol } from '../remote-write-protocol';
import type { OutgoingRequest } from './outgoing-request';
import type { EnqueueResult } from './queue-entries';

/** A batch ready to be encoded and queued; `parts` is valid only during onClose. */
export interface ClosedBatch {
  parts: BatchParts;
  /** The ordering keys of the targets in it, each once. */
  keys: Uint32Array;
  samples: number;
  newestTimestampMs: number;
}

interface OpenBatch {
  keys: Set<number>;
  samples: number;
  newestTimestampMs: number;
  timer: NodeJS.Timeout;
}

export interface RequestBatcherOptions {
  /** A batch closes when it reaches this many samples (as counted by `countOf`). */
  maxSamples: number;
  /** What a request counts toward maxSamples; default its samples. */
  countOf?: (request: OutgoingRequest) => number;
  deadlineMs: number;
  shards: number;
  /** Encodes and queues a closed batch; returns where it went. */
  onClose: (batch: ClosedBatch) => EnqueueResult;
}

export interface OpenBatchStats {
  batches: number;
  requests: number;
  samples: number;
  bytes: number;
}

export class RequestBatcher {
  private batches: Array<OpenBatch | undefined>;
  /** Each shard's parts buffer, kept across its batches. */
  private parts: BatchParts[];

  constructor(private readonly options: RequestBatcherOptions) {
    this.batches = [];
    this.parts = [];
    this.resize(options.shards);
  }

  private resize(shards: number): void {
    const n = Math.max(1, shards);
    this.batches = new Array<OpenBatch | undefined>(n).fill(undefined);
    this.parts = this.parts.slice(0, n);
  }

  private partsOf(shard: number, protocol: RemoteWriteProtocol): BatchParts {
    const parts = (this.parts[shard] ??= new BatchParts(protocol));
    parts.reset(protocol);
    return parts;
  }

  /**
   * Adds one request under its ordering key. Returns 'batched' while its batch stays open, or
   * where the batch went when adding it closed the batch (full).
   */
  add(request: OutgoingRequest, key: number): EnqueueResult {
    const shard = key % this.batches.length;
    const count = this.options.countOf?.(request) ?? request.samples;
    let batch = this.batches[shard];
    if (batch !== undefined && (this.parts[shard].protocol !== request.protocol || batch.samples + count > this.options.maxSamples)) {
      this.close(shard);
      batch = undefined;
    }
    if (batch === undefined) {
      const timer = setTimeout(() => this.close(shard), this.options.deadlineMs);
      timer.unref();
      batch = { keys: new Set(), samples: 0, newestTimestampMs: 0, timer };
      this.batches[shard] = batch;
      this.partsOf(shard, request.protocol);
    }
    this.parts[shard].append(request.body);
    batch.keys.add(key);
    batch.samples += count;
    batch.newestTimestampMs = Math.max(batch.newestTimestampMs, request.newestTimestampMs);
    return batch.samples >= this.options.maxSamples ? this.close(shard) : 'batched';
  }

  /** Closes every open batch (resharding, a failing receiver, shutdown, whenIdle). */
  closeAll(): void {
    for (let shard = 0; shard < this.batches.length; shard++) this.close(shard);
  }

  /** The number of shards (open batches at most); changing it closes every open batch first. */
  get shards(): number {
    return this.batches.length;
  }

  set shards(n: number) {
    if (n === this.batches.length) return;
    this.closeAll();
    this.resize(n);
  }

  stats(): OpenBatchStats {
    const stats: OpenBatchStats = { batches: 0, requests: 0, samples: 0, bytes: 0 };
    this.batches.forEach((batch, shard) => {
      if (batch === undefined) return;
      stats.batches++;
      stats.requests += this.parts[shard].count;
      stats.samples += batch.samples;
      stats.bytes += this.parts[shard].length;
    });
    return stats;
  }

  private close(shard: number): EnqueueResult {
    const batch = this.batches[shard];
    if (batch === undefined) return 'batched';
    clearTimeout(batch.timer);
    this.batches[shard] = undefined;
    return this.options.onClose({
      parts: this.parts[shard],
      keys: Uint32Array.from(batch.keys),
      samples: batch.samples,
      newestTimestampMs: batch.newestTimestampMs,
    });
  }
}
