/**
 * One endpoint's send queue. It takes finished requests (src/scrape/sample-sink.ts hands over
 * each one uncompressed, for the duration of the call), copies them into batches across
 * targets (request-batcher.ts), encodes each
 * batch once with the core's compressor, keeps it in memory or on disk (queue-entries.ts) and
 * sends it (sender-lanes.ts) with as many shards as measured throughput and backlog call for
 * (shard-tuner.ts). It never waits and never throws for a delivery or disk problem: what it
 * cannot keep it drops and counts (scrapewire_remote_write_samples_dropped_total{reason}), so a
 * full disk never fails a scrape.
 *
 * Guarantees:
 * - Order: a target's requests (same `shardKey`) reach the receiver in the order they were
 *   written, alone or in batches, so every series keeps its timestamps in order (sender-lanes.ts).
 *   Delivery is at least once: a request may be sent again after a timeout, a restart or a
 *   close() that cut it short, which receivers accept (same series, timestamp and value).
 * - Loss on SIGKILL: only what is held in memory only, i.e. the open batches (at most one per
 *   shard, at most max_samples_per_send samples and batch_send_deadline old) and the batches
 *   accepted while the receiver was healthy and not yet acknowledged (at most the memory budget;
 *   in steady state one round-trip's worth), plus those kept in memory because the disk failed.
 *   Once a send has failed, everything goes to disk (queue-entries.ts) and batches are closed at
 *   the end of the event-loop turn they were opened in, not at their deadline: while the
 *   receiver is down, a request is on disk before the next timer or I/O callback runs. The
 *   unpersisted-requests gauge shows what is in memory only.
 * - Protocol: the endpoint's configured protocol until a receiver refuses 2.0, then 1.0 for the
 *   life of the process; what was queued in 2.0 is converted, not lost (sender-lanes.ts).
 * - Metadata requests (1.0) are batched apart from samples, up to metadata_config's
 *   max_samples_per_send entries (MetricMetadata) per request, as Prometheus sends metadata
 *   apart and counts it (queue_manager.go: ceil(len(metadata) / MaxSamplesPerSend) sends); they
 *   carry no ordering key (their order does not matter, and they never hold up samples).
 */
import type { RemoteWriteConfig } from '../config/types';
import type { BatchCodec } from '../core/batch-codec';
import { RW1, type RemoteWriteProtocol } from '../remote-write-protocol';
import { HttpSender } from './http-sender';
import type { DeliveryEventSink, QueueEvent } from '../events';
import type { Logger } from '../logger';
import type { RemoteWriteMetrics } from './metrics';
import type { OutgoingRequest } from './outgoing-request';
import { QueueEntries, type EnqueueResult } from './queue-entries';
import { shardKeyHash } from './queued-request';
import { RequestBatcher, type ClosedBatch } from './request-batcher';
import { SenderLanes } from './sender-lanes';
import { ShardTuner } from './shard-tuner';
import { untilAborted } from '../abort';

export type { EnqueueResult } from './queue-entries';

/** How often the number of shards is reconsidered (shard-tuner.ts: up at once, down after 10 in a row). */
export const SHARD_UPDATE_INTERVAL_MS = 1000;

/** One endpoint's configuration and what its queue shares with the writer's other queues. */
export interface SendQueueOptions {
  config: RemoteWriteConfig;
  metrics: RemoteWriteMetrics;
  logger: Logger;
  /**
   * Encodes batches; shared by a RemoteWriter's queues.
   * @internal
   */
  codec: BatchCodec;
  /** Root storage directory; this endpoint uses `<storageDir>/<name>`. No disk queue if absent or disk_budget 0. */
  storageDir?: string;
  /** Overrides for tests. */
  fsyncIntervalMs?: number;
  segmentBytes?: number;
  shardUpdateIntervalMs?: number;
  /** Jitter of the retry backoff (tests make it fixed). Default Math.random. */
  random?: () => number;
  /** Where sends, failures, retries, drops and the queue's state are reported as events. */
  events?: DeliveryEventSink;
}

/** One endpoint's backlog, where it is kept, and its shards. */
export interface SendQueueStats {
  /** The protocol the endpoint takes now. */
  protocol: RemoteWriteProtocol;
  shards: number;
  /** Queued requests (batches) neither acknowledged nor dropped, and their samples. */
  pendingRequests: number;
  pendingSamples: number;
  memoryBytes: number;
  diskBytes: number;
  /** Requests written into batches still open, their samples and uncompressed bytes. */
  batchedRequests: number;
  batchedSamples: number;
  batchBytes: number;
  /** Queued requests in memory only, plus the open batches: what a SIGKILL right now would lose. */
  unpersistedRequests: number;
}

/** One endpoint's queue: batches, memory and disk, senders with retries. */
export class SendQueue {
  readonly name: string;
  private readonly codec: BatchCodec;
  private readonly metrics: RemoteWriteMetrics;
  private readonly entries: QueueEntries;
  private readonly lanes: SenderLanes;
  private readonly sender: HttpSender;
  private readonly batcher: RequestBatcher;
  private readonly metadataBatcher: RequestBatcher;
  private readonly tuner: ShardTuner;
  private readonly tunerTimer: NodeJS.Timeout;
  private lastTunedAt = performance.now();
  private readonly logger: Logger;
  private closeSoon: NodeJS.Immediate | undefined;
  private closing = false;
  private readonly events: DeliveryEventSink | undefined;

  constructor(options: SendQueueOptions) {
    const { config, metrics } = options;
    const queue = config.queue_config;
    this.name = config.name;
    this.codec = options.codec;
    this.metrics = metrics;
    this.logger = options.logger;
    this.events = options.events;
    metrics.watch(this);
    this.entries = new QueueEntries({
      name: config.name,
      memoryBudgetBytes: config.memory_budget,
      diskBudgetBytes: config.disk_budget,
      metrics,
      logger: options.logger,
      storageDir: options.storageDir,
      fsyncIntervalMs: options.fsyncIntervalMs,
      segmentBytes: options.segmentBytes,
      events: options.events,
    });
    this.sender = new HttpSender(config);
    this.tuner = new ShardTuner({ minShards: queue.min_shards, maxShards: queue.max_shards });
    this.lanes = new SenderLanes({
      config,
      entries: this.entries,
      sender: this.sender,
      codec: this.codec,
      metrics,
      logger: options.logger,
      random: options.random ?? Math.random,
      shards: queue.min_shards,
      onSent: (samples, seconds) => this.tuner.recordSent(samples, seconds),
      onFailing: () => this.closeBatchesSoon(),
      events: options.events,
    });
    this.batcher = new RequestBatcher({
      maxSamples: queue.max_samples_per_send,
      deadlineMs: queue.batch_send_deadline,
      shards: queue.min_shards,
      onClose: (batch) => this.queueBatch(batch),
    });
    this.metadataBatcher = new RequestBatcher({
      maxSamples: config.metadata_config.max_samples_per_send,
      // Prometheus counts metadata_config.max_samples_per_send in MetricMetadata entries.
      countOf: (request) => request.metadataEntries ?? 1,
      deadlineMs: queue.batch_send_deadline,
      shards: 1,
      onClose: (batch) => this.queueBatch({ ...batch, keys: new Uint32Array(0), samples: 0 }),
    });
    metrics.shards.set({ endpoint: this.name }, queue.min_shards);
    this.tunerTimer = setInterval(() => {
      this.reshard();
      this.reportState();
    }, options.shardUpdateIntervalMs ?? SHARD_UPDATE_INTERVAL_MS);
    this.tunerTimer.unref();
    this.lanes.pump();
  }

  /** The protocol requests must be in now (RemoteWriter routes by it). */
  get protocol(): RemoteWriteProtocol {
    return this.lanes.protocol;
  }

  /**
   * Accepts one request without ever waiting: 'batched' while its batch is open, else where its
   * batch (or, for metadata, itself) went. See the header for what becomes of it.
   */
  enqueue(request: OutgoingRequest): EnqueueResult {
    if (request.metadataOnly === true && this.protocol !== RW1) return 'skipped';
    if (this.closing) {
      this.entries.countDrop(request, 'closed');
      return 'dropped';
    }
    const key = shardKeyHash(request.shardKey);
    this.tuner.recordIn(request.samples);
    const where = request.metadataOnly === true ? this.metadataBatcher.add(request, 0) : this.batcher.add(request, key);
    // While sends fail, batches do not wait for their deadline in memory (see the header).
    if (where === 'batched' && this.entries.isDegraded) this.closeBatchesSoon();
    return where;
  }

  /** Encodes a closed batch once and queues it. */
  private queueBatch(batch: ClosedBatch): EnqueueResult {
    let body: Uint8Array;
    try {
      body = this.codec.encodeParts(batch.parts);
    } catch (error) {
      this.logger.error({ endpoint: this.name, samples: batch.samples, err: (error as Error).message }, 'remote write: a batch could not be encoded; dropped');
      this.entries.countDrop(batch, 'encode_error');
      return 'dropped';
    }
    const where = this.entries.admit({ keys: batch.keys, samples: batch.samples, newestTimestampMs: batch.newestTimestampMs, protocol: batch.parts.protocol, body });
    this.lanes.pump();
    return where;
  }

  private closeBatchesSoon(): void {
    this.closeSoon ??= setImmediate(() => {
      this.closeSoon = undefined;
      this.closeBatches();
    });
  }

  private closeBatches(): void {
    this.batcher.closeAll();
    this.metadataBatcher.closeAll();
  }

  /** Reconsiders the number of shards (every SHARD_UPDATE_INTERVAL_MS). */
  private reshard(): void {
    const now = performance.now();
    const elapsed = (now - this.lastTunedAt) / 1000;
    this.lastTunedAt = now;
    const current = this.lanes.shards;
    const backlog = this.entries.stats().pendingSamples + this.batcher.stats().samples;
    const decision = this.tuner.next(current, backlog, elapsed, !this.entries.isDegraded);
    if (!Number.isNaN(decision.desired)) this.metrics.shardsDesired.set({ endpoint: this.name }, decision.desired);
    if (decision.shards === current || this.closing) return;
    this.logger.info({ endpoint: this.name, from: current, to: decision.shards, desired: decision.desired, backlogSamples: backlog }, 'remote write: resharding');
    this.batcher.shards = decision.shards; // closes the open batches first
    this.lanes.shards = decision.shards;
    this.metrics.shards.set({ endpoint: this.name }, decision.shards);
    this.metrics.reshards.inc({ endpoint: this.name });
  }

  /** The `queue` event: the backlog and where it is kept, every shard update and on close. */
  private reportState(): void {
    if (this.events?.listening('queue') !== true) return;
    const stats = this.stats();
    const state: QueueEvent['state'] = this.closing ? 'closed' : this.entries.isDegraded ? 'failing' : 'healthy';
    this.events.emit('queue', {
      endpoint: this.name,
      state,
      protocol: stats.protocol,
      shards: stats.shards,
      pendingRequests: stats.pendingRequests + stats.batchedRequests,
      pendingSamples: stats.pendingSamples + stats.batchedSamples,
      memoryBytes: stats.memoryBytes,
      diskBytes: stats.diskBytes,
      unpersistedRequests: stats.unpersistedRequests,
    });
  }

  /** The endpoint's backlog, where it is kept, and its shards. */
  stats(): SendQueueStats {
    const entries = this.entries.stats();
    const open = this.batcher.stats();
    const metadata = this.metadataBatcher.stats();
    return {
      protocol: this.protocol,
      shards: this.lanes.shards,
      pendingRequests: entries.pendingRequests,
      pendingSamples: entries.pendingSamples,
      memoryBytes: entries.memoryBytes,
      diskBytes: entries.diskBytes,
      batchedRequests: open.requests,
      batchedSamples: open.samples,
      batchBytes: open.bytes + metadata.bytes,
      unpersistedRequests: entries.unpersistedRequests + open.batches + metadata.batches,
    };
  }

  /**
   * Closes the open batches and resolves when nothing is queued or in flight (tests, shutdown);
   * rejects with the signal's reason if it aborts first (the requests stay queued).
   */
  whenIdle(signal?: AbortSignal): Promise<void> {
    this.closeBatches();
    return untilAborted(this.entries.whenEmpty(), signal);
  }

  /**
   * Stops accepting, closes the open batches, sends what it can until `deadlineMs` from now,
   * then aborts what is in flight and writes everything still queued to disk (dropping it,
   * counted as `shutdown`, when there is no disk queue or it is full, or as `disk_error` when the
   * disk fails). `signal` ends the delivery wait early, as the deadline does.
   */
  async close(deadlineMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closing) return;
    this.closeBatches();
    this.closing = true;
    clearInterval(this.tunerTimer);
    if (this.closeSoon !== undefined) clearImmediate(this.closeSoon);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.max(0, deadlineMs)); });
    await untilAborted(Promise.race([this.entries.whenEmpty(), deadline]), signal).catch(() => undefined);
    clearTimeout(timer);
    await this.lanes.stop();
    this.entries.close();
    await this.sender.close();
    this.reportState();
  }
}
