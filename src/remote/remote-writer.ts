/**
 * Remote write to several endpoints: one SendQueue per remote_write entry, each independent
 * (its own pool, lanes, memory budget and disk directory), so a dead endpoint never holds up a
 * live one. `write` hands one request to every endpoint without waiting for any of them, and
 * never throws for a delivery or disk problem: each queue keeps, or drops and counts, what it
 * cannot deliver (send-queue.ts).
 *
 * With a storage directory, the writer holds its exclusive lock (storage-lock.ts) from before
 * any queue reads its segments until close(): a second writer on the same directory, in this
 * process or another, is refused with ERR_STORAGE_LOCKED naming the path and the holder's PID.
 */
import type { Registry } from 'prom-client';
import { ScrapewireError } from '../core/errors';
import { endpointOptions, type RemoteWriteInput, type RemoteWriteMessage } from './endpoint-config';
import { silentLogger, type Logger } from './logger';
import { remoteWriteMetrics } from './metrics';
import { StorageLock } from './storage-lock';
import { RW1, SendQueue, compressedRequest, type EnqueueResult, type RequestProducer, type SendQueueStats } from './send-queue';

export interface RemoteWriterOptions {
  /** remote_write entries, Prometheus field names (validated config or raw YAML shape). */
  endpoints: RemoteWriteInput[];
  /** Self-metrics go here (never the global registry). */
  registry: Registry;
  logger?: Logger;
  /** Root of the disk queues; each endpoint gets a subdirectory named after it. */
  storageDir?: string;
  /** Test knobs passed to every queue. */
  fsyncIntervalMs?: number;
  segmentBytes?: number;
}

export class RemoteWriter {
  readonly queues: SendQueue[];
  private readonly lock: StorageLock | undefined;

  constructor(options: RemoteWriterOptions) {
    const metrics = remoteWriteMetrics(options.registry);
    const logger = options.logger ?? silentLogger;
    const endpoints = options.endpoints.map(endpointOptions);
    const names = new Set<string>();
    for (const endpoint of endpoints) {
      if (names.has(endpoint.name)) throw new ScrapewireError('ERR_REMOTE_WRITE', `remote_write name "${endpoint.name}" is used twice; names must be unique`);
      names.add(endpoint.name);
    }
    this.lock = options.storageDir === undefined ? undefined : StorageLock.acquire(options.storageDir, logger);
    try {
      this.queues = endpoints.map((endpoint) => new SendQueue({
        endpoint,
        metrics,
        logger,
        storageDir: options.storageDir,
        fsyncIntervalMs: options.fsyncIntervalMs,
        segmentBytes: options.segmentBytes,
      }));
    } catch (err) {
      this.lock?.release();
      throw err;
    }
  }

  /**
   * The message kinds the endpoints need right now (a SampleSink's `messages`): producers then
   * encode only those (a 1.0-only setup never pays for 2.0 encoding, and the reverse once 2.0 is
   * confirmed).
   */
  get messages(): RemoteWriteMessage[] {
    const needed = new Set<RemoteWriteMessage>();
    for (const queue of this.queues) for (const message of queue.needs) needed.add(message);
    return needed.size === 0 ? [RW1] : [...needed];
  }

  /**
   * Hands one request to every endpoint. The producer's `encode` is called at most once per
   * message kind, whatever the number of endpoints. Never waits; returns where each endpoint put it.
   */
  write(producer: RequestProducer): EnqueueResult[] {
    // Compressed once per message kind, whatever the number of endpoints. The producer's bytes
    // may be views into WASM memory: they are compressed (copied) before this returns.
    const compressed = new Map<RemoteWriteMessage, Uint8Array>();
    const shared: RequestProducer = {
      samples: producer.samples,
      newestTimestampMs: producer.newestTimestampMs,
      shardKey: producer.shardKey,
      metadataOnly: producer.metadataOnly,
      encode: (message) => producer.encode(message),
      encodeCompressed(message) {
        let bytes = compressed.get(message);
        if (!bytes) {
          bytes = Uint8Array.prototype.slice.call(compressedRequest(producer, message));
          compressed.set(message, bytes);
        }
        return bytes;
      },
    };
    return this.queues.map((queue) => queue.enqueue(shared));
  }

  stats(): Record<string, SendQueueStats> {
    return Object.fromEntries(this.queues.map((queue) => [queue.name, queue.stats()]));
  }

  whenIdle(): Promise<void> {
    return Promise.all(this.queues.map((queue) => queue.whenIdle())).then(() => undefined);
  }

  /** Graceful shutdown of every endpoint in parallel, all within the same deadline. */
  async close(deadlineMs: number): Promise<void> {
    try {
      await Promise.all(this.queues.map((queue) => queue.close(deadlineMs)));
    } finally {
      this.lock?.release();
    }
  }
}
