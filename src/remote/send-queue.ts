/**
 * One endpoint's send queue. It takes finished requests (src/scrape/sample-sink.ts hands over
 * owned, uncompressed copies), compresses them with the core's compressor, keeps them in memory
 * or on disk (queue-entries.ts) and sends them (sender-lanes.ts). It never waits and never throws
 * for a delivery or disk problem: what it cannot keep it drops and counts
 * (scrapewire_remote_write_samples_dropped_total{reason}), so a full disk never fails a scrape.
 *
 * Guarantees:
 * - Order: a target's requests (same `shardKey`) reach the receiver in the order they were
 *   written, so every series keeps its timestamps in order (sender-lanes.ts). Delivery is at least
 *   once: a request may be sent again after a timeout, a restart or a close() that cut it short,
 *   which receivers accept (same series, timestamp and value).
 * - Loss on SIGKILL: only requests held in memory only, i.e. accepted while the receiver was
 *   healthy and not yet acknowledged (at most the memory budget; in steady state one
 *   round-trip's worth), plus those kept in memory because the disk failed. Once a send has
 *   failed, everything goes to disk (queue-entries.ts). The unpersisted-requests gauge shows it.
 * - Protocol: the endpoint's configured protocol until a receiver refuses 2.0, then 1.0 for the
 *   life of the process; what was queued in 2.0 is converted, not lost (sender-lanes.ts).
 */
import type { RemoteWriteConfig } from '../config/types';
import type { BatchCodec } from '../core/batch-codec';
import { RW1, type RemoteWriteProtocol } from '../remote-write-protocol';
import { HttpSender } from './http-sender';
import type { Logger } from './logger';
import type { RemoteWriteMetrics } from './metrics';
import type { OutgoingRequest } from './outgoing-request';
import { QueueEntries, type EnqueueResult } from './queue-entries';
import { shardKeyHash } from './queued-request';
import { SenderLanes } from './sender-lanes';

export type { EnqueueResult } from './queue-entries';

export interface SendQueueOptions {
  config: RemoteWriteConfig;
  metrics: RemoteWriteMetrics;
  logger: Logger;
  /** Compresses (and batches) requests; shared by a RemoteWriter's queues. */
  codec: BatchCodec;
  /** Root storage directory; this endpoint uses `<storageDir>/<name>`. No disk queue if absent or disk_budget 0. */
  storageDir?: string;
  /** Overrides for tests. */
  fsyncIntervalMs?: number;
  segmentBytes?: number;
  random?: () => number;
}

export interface SendQueueStats {
  /** The protocol the endpoint takes now. */
  protocol: RemoteWriteProtocol;
  pendingRequests: number;
  pendingSamples: number;
  memoryBytes: number;
  diskBytes: number;
  /** Requests held in memory only: what a SIGKILL right now would lose. */
  unpersistedRequests: number;
}

export class SendQueue {
  readonly name: string;
  private readonly codec: BatchCodec;
  private readonly entries: QueueEntries;
  private readonly lanes: SenderLanes;
  private readonly sender: HttpSender;
  private readonly logger: Logger;
  private closing = false;

  constructor(options: SendQueueOptions) {
    const { config } = options;
    this.name = config.name;
    this.codec = options.codec;
    this.logger = options.logger;
    options.metrics.watch(this);
    this.entries = new QueueEntries({
      name: config.name,
      memoryBudgetBytes: config.memory_budget,
      diskBudgetBytes: config.disk_budget,
      metrics: options.metrics,
      logger: options.logger,
      storageDir: options.storageDir,
      fsyncIntervalMs: options.fsyncIntervalMs,
      segmentBytes: options.segmentBytes,
    });
    this.sender = new HttpSender(config);
    this.lanes = new SenderLanes({
      config,
      entries: this.entries,
      sender: this.sender,
      codec: this.codec,
      metrics: options.metrics,
      logger: options.logger,
      random: options.random ?? Math.random,
      shards: config.queue_config.max_shards,
    });
    this.lanes.pump();
  }

  /** The protocol requests must be in now (RemoteWriter routes by it). */
  get protocol(): RemoteWriteProtocol {
    return this.lanes.protocol;
  }

  /** Accepts one request without ever waiting; see the header for what becomes of it. */
  enqueue(request: OutgoingRequest): EnqueueResult {
    if (request.metadataOnly === true && this.protocol !== RW1) return 'skipped';
    if (this.closing) {
      this.entries.countDrop(request, 'closed');
      return 'dropped';
    }
    let body: Uint8Array;
    try {
      body = this.codec.encode(request.protocol, [request.body]);
    } catch (error) {
      this.logger.error({ endpoint: this.name, samples: request.samples, err: (error as Error).message }, 'remote write: a request could not be compressed; dropped');
      this.entries.countDrop(request, 'encode_error');
      return 'dropped';
    }
    const where = this.entries.admit({
      keys: Uint32Array.of(shardKeyHash(request.shardKey)),
      samples: request.samples,
      newestTimestampMs: request.newestTimestampMs,
      protocol: request.protocol,
      body,
    });
    this.lanes.pump();
    return where;
  }

  stats(): SendQueueStats {
    return { protocol: this.protocol, ...this.entries.stats() };
  }

  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  whenIdle(): Promise<void> {
    return this.entries.whenEmpty();
  }

  /**
   * Stops accepting, sends what it can until `deadlineMs` from now, then aborts what is in
   * flight and writes everything still queued to disk (dropping it, counted as `shutdown`,
   * when there is no disk queue or it is full, or as `disk_error` when the disk fails).
   */
  async close(deadlineMs: number): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.whenIdle(), new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.max(0, deadlineMs)); })]);
    clearTimeout(timer);
    await this.lanes.stop();
    this.entries.close();
    await this.sender.close();
  }
}
