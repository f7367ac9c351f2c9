/**
 * Remote write to several endpoints: one SendQueue per remote_write entry, each independent
 * (its own senders, memory budget and disk directory), so a dead endpoint never holds up a live
 * one. `write` hands a request to every endpoint that takes its protocol, without waiting for
 * any of them, and never throws for a delivery or disk problem: each queue keeps, or drops and
 * counts, what it cannot deliver (send-queue.ts).
 *
 * The endpoints come validated (src/config: `parseConfig(...).remote_write`); nothing here
 * re-reads YAML shapes or applies defaults of its own.
 *
 * With a storage directory, the writer holds its exclusive lock (storage-lock.ts) from before
 * any queue reads its segments until close(): a second writer on the same directory, in this
 * process or another, is refused with ERR_STORAGE_LOCKED naming the path and the holder's PID.
 */
import type { Registry } from 'prom-client';
import type { RemoteWriteConfig } from '../config/types';
import { BatchCodec } from '../core/batch-codec';
import type { RemoteWriteProtocol } from '../remote-write-protocol';
import { silentLogger, type Logger } from '../logger';
import { remoteWriteMetrics } from './metrics';
import type { OutgoingRequest } from './outgoing-request';
import { StorageLock } from './storage-lock';
import { SendQueue, type EnqueueResult, type SendQueueStats } from './send-queue';

export interface RemoteWriterOptions {
  /** The validated remote_write entries (Config.remote_write). */
  endpoints: readonly RemoteWriteConfig[];
  /** Self-metrics go here (never the global registry). */
  registry: Registry;
  logger?: Logger;
  /** Root of the disk queues; each endpoint gets a subdirectory named after it. */
  storageDir?: string;
  /** Test knobs passed to every queue. */
  fsyncIntervalMs?: number;
  segmentBytes?: number;
  shardUpdateIntervalMs?: number;
}

export class RemoteWriter {
  readonly queues: SendQueue[];
  private readonly lock: StorageLock | undefined;

  constructor(options: RemoteWriterOptions) {
    const metrics = remoteWriteMetrics(options.registry);
    const logger = options.logger ?? silentLogger;
    const codec = new BatchCodec();
    this.lock = options.storageDir === undefined ? undefined : StorageLock.acquire(options.storageDir, logger);
    try {
      this.queues = options.endpoints.map((config) => new SendQueue({
        config,
        metrics,
        logger,
        codec,
        storageDir: options.storageDir,
        fsyncIntervalMs: options.fsyncIntervalMs,
        segmentBytes: options.segmentBytes,
        shardUpdateIntervalMs: options.shardUpdateIntervalMs,
      }));
    } catch (err) {
      this.lock?.release();
      throw err;
    }
  }

  /**
   * The protocols the endpoints take right now (a SampleSink's `protocols`): producers encode
   * only those, so a 1.0-only setup never pays for 2.0 encoding, and an endpoint that fell back
   * to 1.0 is asked for 1.0 from then on.
   */
  get protocols(): RemoteWriteProtocol[] {
    return [...new Set(this.queues.map((queue) => queue.protocol))];
  }

  /**
   * Hands one request to every endpoint whose protocol it is in ('skipped' for the others).
   * Never waits; returns where each endpoint put it, in the order of `queues`.
   */
  write(request: OutgoingRequest): EnqueueResult[] {
    return this.queues.map((queue) => (queue.protocol === request.protocol ? queue.enqueue(request) : 'skipped'));
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
