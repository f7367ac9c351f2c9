/**
 * One endpoint's send queue: ordered entries held in memory or on disk, a fixed number of
 * sender lanes, retries with backoff, drops that are counted, and the 2.0 -> 1.0 fallback.
 *
 * Ordering guarantee. Requests arrive pre-encoded, so the queue cannot shard by series the way
 * Prometheus does. It shards by the producer's `shardKey` instead (the scrape source is the
 * natural key: different sources carry different target labels, hence disjoint series). Each
 * key maps to one lane (FNV-1a hash modulo max_shards); a lane has at most one request in
 * flight and retries it until it is acknowledged or dropped before taking the next one for that
 * lane. So requests with the same key are delivered in enqueue order, which keeps every series'
 * timestamps in order as long as one series is always produced under one key. Requests under
 * different keys may overtake each other. A retried request is never reordered after a newer
 * one. Delivery is at least once: a request may be sent again after a timeout, a restart or a
 * close() that cut it short, which receivers accept (same series, timestamp and value).
 *
 * Protocol choice. On 2.0 endpoints the producer is asked for BOTH encodings until a 2.0 request
 * has been acknowledged with Written headers, and only for 2.0 after that. A 415 (or a 2xx
 * without Written headers) switches the endpoint to 1.0 for the life of the process, and every
 * queued request still has its 1.0 body to resend: the core's snapshot a request was encoded
 * from is gone by the time a receiver answers, so re-encoding later is not an option. The price
 * is encoding and holding two bodies for the first round-trip(s) only. A request holding only a
 * 2.0 body that meets a receiver that stopped speaking 2.0 later is dropped as
 * `unsupported_protocol` (counted); restarts start with 2.0 again and probe anew.
 *
 * Where entries live. A new request goes to memory while the memory budget allows and the
 * endpoint is healthy. As soon as a send fails in a retryable way, every request held only in
 * memory (the ones in flight included) is written to the disk queue, and new requests go to
 * disk until a send succeeds again. So while a receiver is down, everything accepted is on disk.
 * When memory is full and disk is full or disabled, the request is dropped (`queue_full`) and
 * enqueue returns at once: it never waits. Bound on loss when the process is SIGKILLed: the
 * requests that were in memory only, i.e. those accepted while the receiver was healthy and not
 * yet acknowledged (at most the memory budget; in steady state one round-trip's worth), plus
 * those kept in memory because the disk failed (below). The unpersisted-requests gauge shows it.
 *
 * When the disk fails. enqueue never throws for a disk error (ENOSPC, EIO, a read-only file
 * system): the queue owns the failure, so a scrape never fails because the disk is full. A
 * request the disk refused stays in memory while the memory budget allows, and the disk is tried
 * again DISK_RETRY_MS later (disk-failures.ts; requests kept in memory meanwhile are written out once it works
 * again); past the memory budget the request is dropped and counted as `disk_error`. Every
 * failed operation is counted (scrapewire_remote_write_disk_errors_total{operation}), and the
 * start and end of a failing spell are logged. A record that cannot be read back is dropped as
 * `disk_error` too. disk-store.ts keeps the segments valid whatever fails (torn writes are
 * truncated back).
 */
import * as path from 'node:path';
import type { Logger } from './logger';
import type { EndpointOptions, RemoteWriteMessage } from './endpoint-config';
import type { RemoteWriteMetrics } from './metrics';
import { HttpSender, type SendOutcome } from './http-sender';
import { retryDelay } from './backoff';
import { snappyCompress } from './snappy';
import { DiskStore, type DiskRef, type RecoveryResult } from './disk-store';
import { DiskQueueError } from './segment-file';
import { DiskFailures } from './disk-failures';
import { bodyFor, queuedBytes, type QueuedRequest } from './queued-request';

export const RW1: RemoteWriteMessage = 'prometheus.WriteRequest';
export const RW2: RemoteWriteMessage = 'io.prometheus.write.v2.Request';

/** What a producer hands to the queue for one request. */
export interface RequestProducer {
  /** Samples (plus histogram samples) in the request, for counters. */
  samples: number;
  /** Newest sample timestamp in the request, in ms. */
  newestTimestampMs: number;
  /** Ordering key (see the header); requests without one all share the key ''. */
  shardKey?: string;
  /**
   * Returns the request, uncompressed, encoded as `message`. Called synchronously inside
   * enqueue, at most once per message; the returned bytes are compressed before enqueue returns,
   * so a view into WASM memory only has to stay valid for the duration of the call.
   */
  encode(message: RemoteWriteMessage): Uint8Array;
  /**
   * The same request already snappy-compressed (the WASM core compresses in linear memory, ~3x
   * snappyjs: bench/RESULTS.md, 2026-11-24). Same lifetime rules as `encode`; used when present.
   */
  encodeCompressed?(message: RemoteWriteMessage): Uint8Array;
  /** A remote-write 1.0 metadata request (no samples): only 1.0 endpoints take it. */
  metadataOnly?: boolean;
}

/** The compressed request, from the producer's own compressor when it has one. */
export function compressedRequest(producer: RequestProducer, message: RemoteWriteMessage): Uint8Array {
  return producer.encodeCompressed ? producer.encodeCompressed(message) : snappyCompress(producer.encode(message));
}

/** Where a request went; 'skipped': a metadata-only request for a 2.0 endpoint (2.0 carries metadata inline). */
export type EnqueueResult = 'memory' | 'disk' | 'dropped' | 'skipped';

interface Entry extends QueuedRequest {
  disk?: DiskRef;
  state: 'pending' | 'inflight' | 'done';
}

export interface SendQueueOptions {
  endpoint: EndpointOptions;
  metrics: RemoteWriteMetrics;
  logger: Logger;
  /** Root storage directory; this endpoint uses `<storageDir>/<name>`. No disk queue if absent or disk budget 0. */
  storageDir?: string;
  /** Overrides for tests. */
  fsyncIntervalMs?: number;
  segmentBytes?: number;
  random?: () => number;
}

export interface SendQueueStats {
  message: RemoteWriteMessage;
  pendingRequests: number;
  memoryBytes: number;
  diskBytes: number;
  /** Requests held in memory only: what a SIGKILL right now would lose. */
  unpersistedRequests: number;
}

const SCAN_LIMIT = 4096;

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export class SendQueue {
  readonly name: string;
  private readonly endpoint: EndpointOptions;
  private readonly sender: HttpSender;
  private readonly store?: DiskStore;
  private readonly metrics: RemoteWriteMetrics;
  private readonly logger: Logger;
  private readonly random: () => number;
  private entries: Entry[] = [];
  private head = 0;
  private nextSeq = 1;
  private memoryBytes = 0;
  /** Entries neither acknowledged nor dropped. */
  private live = 0;
  private newestSentSeconds = 0;
  private readonly laneBusy: boolean[];
  private readonly running = new Set<Promise<void>>();
  private message: RemoteWriteMessage;
  private confirmed2 = false;
  private degraded = false;
  private closing = false;
  private closed = false;
  private readonly abort = new AbortController();
  private idleWaiters: Array<() => void> = [];
  private readonly disk: DiskFailures;
  /** Requests kept in memory while degraded because the disk failed: spilled when it works again. */
  private unspilled = false;

  constructor(options: SendQueueOptions) {
    this.endpoint = options.endpoint;
    this.name = options.endpoint.name;
    this.metrics = options.metrics;
    this.metrics.watch(this);
    this.logger = options.logger;
    this.random = options.random ?? Math.random;
    this.message = options.endpoint.protobufMessage;
    this.sender = new HttpSender(options.endpoint);
    this.laneBusy = new Array<boolean>(options.endpoint.maxShards).fill(false);
    this.disk = new DiskFailures(this.name, options.endpoint.memoryBudgetBytes, this.metrics, this.logger);
    if (options.storageDir && options.endpoint.diskBudgetBytes > 0) {
      this.store = new DiskStore({
        dir: path.join(options.storageDir, options.endpoint.name.replace(/[^A-Za-z0-9_.-]/g, '_')),
        budgetBytes: options.endpoint.diskBudgetBytes,
        segmentBytes: options.segmentBytes,
        fsyncIntervalMs: options.fsyncIntervalMs,
        onSegmentDropped: (segment) => this.onSegmentDropped(segment),
        onError: (error) => this.disk.count(error),
      });
      this.recover(this.store);
    }
    this.updateGauges();
    this.pump();
  }

  private recover(store: DiskStore): void {
    const result = store.recover();
    this.reportRecovery(result);
    if (result.tornRecords > 0) {
      this.metrics.diskTornRecords.inc({ endpoint: this.name }, result.tornRecords);
      this.metrics.diskTornBytes.inc({ endpoint: this.name }, result.tornBytes);
      this.logger.warn({ endpoint: this.name, tornRecords: result.tornRecords, tornBytes: result.tornBytes }, 'remote write disk queue: truncated a torn tail');
    }
    for (const record of result.records) {
      this.entries.push({ seq: record.seq, shardKey: record.shardKey, samples: record.samples, newestTimestampMs: record.newestTimestampMs, disk: record.ref, state: 'pending' });
      this.live++;
      this.nextSeq = Math.max(this.nextSeq, record.seq + 1);
    }
    if (result.records.length > 0) this.logger.info({ endpoint: this.name, requests: result.records.length, bytes: store.bytes }, 'remote write disk queue: resuming');
  }

  private reportRecovery(result: RecoveryResult): void {
    for (const segment of result.setAside) {
      this.metrics.diskSegmentsSetAside.inc({ endpoint: this.name, reason: 'unknown_version' });
      this.logger.warn(
        { endpoint: this.name, file: segment.file, movedTo: segment.movedTo, version: segment.version },
        segment.movedTo === undefined
          ? 'remote write disk queue: a segment of another format version could not be moved aside; left in place, not read'
          : 'remote write disk queue: a segment of another format version (written by another scrapewire build) was moved aside, not read; that build can resume it',
      );
    }
    for (const error of result.unreadable) {
      this.disk.count(error, false);
      this.logger.error({ endpoint: this.name, file: error.file, err: error.message }, 'remote write disk queue: a segment could not be read; left in place, skipped');
    }
  }

  /**
   * The message kinds enqueue() will ask a producer for now: 1.0 endpoints need 1.0 only; a 2.0
   * endpoint needs 1.0 too until a receiver confirmed 2.0 (for the fallback), then 2.0 only.
   */
  get needs(): readonly RemoteWriteMessage[] {
    if (this.message === RW1) return [RW1];
    return this.confirmed2 ? [RW2] : [RW2, RW1];
  }

  /** Accepts one request without ever waiting; see the header for where it goes. */
  enqueue(producer: RequestProducer): EnqueueResult {
    if (producer.metadataOnly === true && this.message !== RW1) return 'skipped';
    const entry: Entry = {
      seq: this.nextSeq++,
      shardKey: producer.shardKey ?? '',
      samples: producer.samples,
      newestTimestampMs: producer.newestTimestampMs,
      state: 'pending',
    };
    if (this.closing) {
      this.countDrop(entry, 'closed');
      return 'dropped';
    }
    if (this.message === RW2) entry.rw2 = compressedRequest(producer, RW2);
    if (this.message === RW1 || !this.confirmed2) entry.rw1 = compressedRequest(producer, RW1);
    const size = queuedBytes(entry);
    const memoryFits = this.memoryBytes + size <= this.endpoint.memoryBudgetBytes;
    let where: EnqueueResult = 'dropped';
    let dropReason = 'queue_full';
    if (memoryFits && !this.degraded) {
      where = 'memory';
    } else if (this.store) {
      const ref = this.disk.append(this.store, entry);
      if (ref === 'failed') {
        if (memoryFits) {
          where = 'memory';
          if (this.degraded) this.unspilled = true;
        } else {
          dropReason = 'disk_error';
        }
      } else if (ref) {
        entry.disk = ref;
        entry.rw1 = entry.rw2 = undefined;
        where = 'disk';
        if (this.unspilled) this.spillMemoryToDisk();
      } else if (memoryFits) {
        where = 'memory';
      }
    } else if (memoryFits) {
      where = 'memory';
    }
    if (where === 'dropped') {
      this.countDrop(entry, dropReason);
      if (dropReason === 'disk_error') {
        this.disk.log('drop', 'error', { samples: entry.samples, memoryBytes: this.memoryBytes, memoryBudgetBytes: this.endpoint.memoryBudgetBytes },
          'remote write: the disk is failing and memory_budget is full; dropping requests (counted as reason disk_error)');
      }
      return where;
    }
    if (where === 'memory') this.memoryBytes += size;
    this.entries.push(entry);
    this.live++;
    this.updateGauges();
    this.pump();
    return where;
  }

  stats(): SendQueueStats {
    let unpersisted = 0;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry.state !== 'done' && !entry.disk) unpersisted++;
    }
    return { message: this.message, pendingRequests: this.live, memoryBytes: this.memoryBytes, diskBytes: this.store?.bytes ?? 0, unpersistedRequests: unpersisted };
  }

  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.live === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
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
    this.closed = true;
    this.abort.abort();
    await Promise.allSettled([...this.running]);
    this.disk.retryNow(); // one last try, whatever failed before
    const diskFailed = this.store !== undefined && !this.spillMemoryToDisk();
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry.state !== 'done' && !entry.disk) this.finish(entry, 'dropped', diskFailed ? 'disk_error' : 'shutdown');
    }
    this.store?.close();
    await this.sender.close();
    this.updateGauges();
  }

  private laneOf(key: string): number {
    return this.laneBusy.length === 1 ? 0 : fnv1a(key) % this.laneBusy.length;
  }

  /** Starts a lane for the oldest pending entry of every idle lane. */
  private pump(): void {
    if (this.closed) return;
    const claimed = this.laneBusy.slice();
    let free = claimed.filter((busy) => !busy).length;
    for (let i = this.head, scanned = 0; i < this.entries.length && free > 0 && scanned < SCAN_LIMIT; i++, scanned++) {
      const entry = this.entries[i];
      if (entry.state === 'done') continue;
      const lane = this.laneOf(entry.shardKey);
      if (claimed[lane]) continue; // an older entry of this lane is pending or in flight
      claimed[lane] = true;
      free--;
      if (entry.state !== 'pending') continue;
      this.laneBusy[lane] = true;
      entry.state = 'inflight';
      const run = this.runLane(lane, entry);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }
  }

  private async runLane(lane: number, entry: Entry): Promise<void> {
    try {
      await this.deliver(entry);
    } catch (error) {
      this.logger.error({ endpoint: this.name, err: error }, 'remote write: unexpected error in a sender');
      if (entry.state === 'inflight') entry.state = 'pending';
      await this.sleep(this.endpoint.maxBackoffMs);
    } finally {
      this.laneBusy[lane] = false;
      if (entry.state === 'inflight') entry.state = 'pending';
      this.compact();
      this.updateGauges();
      this.pump();
    }
  }

  /** Sends one entry until it is acknowledged, dropped, or the queue is closed. */
  private async deliver(entry: Entry): Promise<void> {
    let attempt = 0;
    /** Retryable failures so far: the backoff step (1 = first retry, min_backoff). */
    let failures = 0;
    let failing = false;
    for (;;) {
      if (this.closed) return;
      let request: QueuedRequest | undefined = entry;
      if (!entry.rw1 && !entry.rw2) {
        try {
          request = entry.disk && this.store ? this.store.read(entry.disk) : undefined;
        } catch (error) {
          if (!(error instanceof DiskQueueError)) throw error;
          this.disk.count(error, false);
          this.disk.log('read', 'error', { seq: entry.seq, samples: entry.samples, err: error.message }, 'remote write disk queue: a queued request could not be read back; dropped (disk_error)');
          this.finish(entry, 'dropped', 'disk_error');
          return;
        }
        if (!request) {
          this.finish(entry, 'dropped', 'corrupt_record');
          return;
        }
      }
      let message = this.message;
      let body = bodyFor(request, message);
      if (!body && message === RW2) body = bodyFor(request, (message = RW1));
      if (!body) {
        this.logger.error({ endpoint: this.name, seq: entry.seq }, 'remote write: request has no 1.0 body for a receiver that refused 2.0');
        this.finish(entry, 'dropped', 'unsupported_protocol');
        return;
      }
      if (attempt > 0) this.metrics.requestsRetried.inc({ endpoint: this.name });
      const stopTimer = this.metrics.sendDuration.startTimer({ endpoint: this.name });
      const outcome: SendOutcome = await this.sender.send(message, body, this.abort.signal);
      stopTimer();
      if (this.closed) return; // aborted by close(): the entry stays queued (it is persisted there)
      attempt++;
      switch (outcome.kind) {
        case 'ok':
          if (message === RW2) {
            this.confirmed2 = true;
            if (outcome.written.samples !== undefined) this.metrics.samplesWrittenReported.inc({ endpoint: this.name }, outcome.written.samples);
          }
          if (failing || this.degraded) this.logger.info({ endpoint: this.name, url: this.endpoint.safeUrl }, 'remote write: receiver accepting again');
          this.degraded = false;
          this.finish(entry, 'sent');
          return;
        case 'drop':
          this.metrics.requestsFailed.inc({ endpoint: this.name, reason: outcome.reason });
          this.logger.error({ endpoint: this.name, url: this.endpoint.safeUrl, status: outcome.status, samples: entry.samples, receiverError: outcome.errorText }, 'remote write: receiver rejected the request; dropped, not retried');
          this.finish(entry, 'dropped', outcome.reason);
          return;
        case 'unsupported':
          this.metrics.requestsFailed.inc({ endpoint: this.name, reason: `http_${outcome.status}` });
          if (this.message === RW2) {
            this.message = RW1;
            this.metrics.protocolFallbacks.inc({ endpoint: this.name });
            this.logger.warn({ endpoint: this.name, url: this.endpoint.safeUrl, status: outcome.status, receiverError: outcome.errorText }, 'remote write: receiver does not accept 2.0; falling back to 1.0 for this endpoint');
          }
          continue; // resend at once with the 1.0 body; not a backoff case
        case 'retry': {
          this.metrics.requestsFailed.inc({ endpoint: this.name, reason: outcome.reason });
          if (!failing) this.logger.warn({ endpoint: this.name, url: this.endpoint.safeUrl, status: outcome.status, receiverError: outcome.errorText }, 'remote write: send failed; retrying with backoff');
          failing = true;
          failures++;
          if (!this.degraded) {
            this.degraded = true;
            this.spillMemoryToDisk();
          }
          const delay = retryDelay(failures, outcome.retryAfterMs, this.endpoint.minBackoffMs, this.endpoint.maxBackoffMs, this.random);
          await this.sleep(delay);
          continue;
        }
      }
    }
  }

  /**
   * Writes every request held only in memory to disk, oldest first; frees the ones not in flight.
   * Stops at a disk failure (the rest stay in memory, to be spilled when the disk works again);
   * returns false then.
   */
  private spillMemoryToDisk(): boolean {
    if (!this.store) return false;
    this.unspilled = false;
    let works = true;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry.state === 'done' || entry.disk || (!entry.rw1 && !entry.rw2)) continue;
      const ref = this.disk.append(this.store, entry);
      if (ref === 'failed') {
        this.unspilled = true;
        works = false;
        break;
      }
      if (!ref) continue; // no room: it stays in memory
      entry.disk = ref;
      if (entry.state === 'pending') this.freeMemory(entry);
    }
    this.updateGauges();
    return works;
  }

  private freeMemory(entry: Entry): void {
    this.memoryBytes -= queuedBytes(entry);
    entry.rw1 = entry.rw2 = undefined;
  }

  private finish(entry: Entry, result: 'sent' | 'dropped', reason = ''): void {
    if (entry.state === 'done') return;
    entry.state = 'done';
    this.live--;
    if (entry.rw1 || entry.rw2) this.freeMemory(entry);
    if (entry.disk) this.store?.release(entry.disk);
    entry.disk = undefined;
    if (result === 'sent') {
      this.metrics.samplesSent.inc({ endpoint: this.name }, entry.samples);
      this.metrics.requestsSent.inc({ endpoint: this.name });
      const seconds = entry.newestTimestampMs / 1000;
      if (seconds > this.newestSentSeconds) {
        this.newestSentSeconds = seconds;
        this.metrics.newestSentTimestamp.set({ endpoint: this.name }, seconds);
      }
    } else {
      this.countDrop(entry, reason);
    }
    this.compact();
    this.updateGauges();
  }

  private countDrop(entry: QueuedRequest, reason: string): void {
    this.metrics.samplesDropped.inc({ endpoint: this.name, reason }, entry.samples);
    this.metrics.requestsDropped.inc({ endpoint: this.name, reason });
  }

  private onSegmentDropped(segment: number): void {
    let requests = 0;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry.state === 'done' || entry.disk?.segment !== segment) continue;
      entry.disk = undefined;
      // Still in memory (in flight, or spilled while in flight): nothing is lost yet.
      if (entry.rw1 || entry.rw2 || entry.state === 'inflight') continue;
      requests++;
      this.finish(entry, 'dropped', 'disk_full');
    }
    this.logger.warn({ endpoint: this.name, segment, requests }, 'remote write disk queue: over budget; dropped the oldest segment');
  }

  private compact(): void {
    while (this.head < this.entries.length && this.entries[this.head].state === 'done') this.head++;
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (this.live === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private updateGauges(): void {
    this.metrics.queueBytes.set({ endpoint: this.name, storage: 'memory' }, this.memoryBytes);
    this.metrics.queueBytes.set({ endpoint: this.name, storage: 'disk' }, this.store?.bytes ?? 0);
    this.metrics.queueRequests.set({ endpoint: this.name }, this.live);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.abort.signal.aborted) return resolve();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
