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
 * Events (`on('sent' | 'failed' | 'retried' | 'dropped' | 'queue', listener)`, src/events.ts):
 * every acknowledged request, failed attempt, retry and drop, and each endpoint's backlog every
 * second, built only while someone listens.
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
import { untilAborted } from '../abort';
import { SendQueue, type EnqueueResult, type SendQueueStats } from './send-queue';
import { TypedEmitter, type DeliveryEventSink, type DeliveryEvents } from '../events';

/** What a RemoteWriter takes: validated endpoints, a registry, a logger, a storage directory. */
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

export class RemoteWriter extends TypedEmitter<DeliveryEvents> {
  /** One queue per endpoint, in the order of `endpoints`. */
  readonly queues: SendQueue[];
  private readonly sendsHistograms: boolean;
  private readonly sendsExemplars: boolean;
  private readonly lock: StorageLock | undefined;
  private closing: Promise<void> | undefined;

  /**
   * Opens every endpoint's queue and resumes what its disk queue holds. Throws
   * ERR_STORAGE_LOCKED when another writer holds `storageDir`. For endpoints written as plain
   * options rather than a validated config, see `createRemoteWriter`.
   */
  constructor(options: RemoteWriterOptions) {
    const logger = options.logger ?? silentLogger;
    super((error, event) => logger.error({ event, err: error instanceof Error ? error.message : String(error) }, 'remote write: an event listener threw'));
    const metrics = remoteWriteMetrics(options.registry);
    const events: DeliveryEventSink = {
      listening: (event) => this.listening(event),
      emit: (event, payload) => this.emit(event, payload),
    };
    const codec = new BatchCodec();
    this.sendsHistograms = options.endpoints.some((endpoint) => endpoint.send_native_histograms === true);
    this.sendsExemplars = options.endpoints.some((endpoint) => endpoint.send_exemplars === true);
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
        events,
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

  /** Whether the endpoints take native histogram samples (send_native_histograms; the config makes them agree). */
  get nativeHistograms(): boolean {
    return this.sendsHistograms;
  }

  /** Whether the endpoints take exemplars in remote write 1.0 (send_exemplars; the config makes them agree). */
  get exemplars(): boolean {
    return this.sendsExemplars;
  }

  /**
   * Hands one request to every endpoint whose protocol it is in ('skipped' for the others).
   * Never waits; returns where each endpoint put it, in the order of `queues`.
   */
  write(request: OutgoingRequest): EnqueueResult[] {
    return this.queues.map((queue) => (queue.protocol === request.protocol ? queue.enqueue(request) : 'skipped'));
  }

  /** Each endpoint's backlog and shards, by its name. */
  stats(): Record<string, SendQueueStats> {
    return Object.fromEntries(this.queues.map((queue) => [queue.name, queue.stats()]));
  }

  /**
   * Closes the open batches and resolves once every endpoint has delivered (or dropped, counted)
   * everything queued. With a receiver down this waits for it: pass a `signal` to stop waiting
   * (the promise rejects with its reason; the requests stay queued, on disk where there is one).
   */
  whenIdle(signal?: AbortSignal): Promise<void> {
    return untilAborted(Promise.all(this.queues.map((queue) => queue.whenIdle())).then(() => undefined), signal);
  }

  /** `whenIdle`, by its usual name: send what is batched now and wait for the acknowledgements. */
  flush(options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.whenIdle(options.signal);
  }

  /**
   * Graceful shutdown of every endpoint in parallel: stops accepting, sends what it can until
   * `deadlineMs` from now (or until `signal` aborts), then persists the rest to the disk queue
   * (dropping it, counted as `shutdown`, without one) and releases the storage lock.
   */
  close(deadlineMs: number, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.closing ??= (async () => {
      try {
        await Promise.all(this.queues.map((queue) => queue.close(deadlineMs, options.signal)));
      } finally {
        this.lock?.release();
      }
    })();
    return this.closing;
  }
}
