/**
 * Where one endpoint's queued requests live: in seq order, each in memory or on disk, until it
 * is acknowledged or dropped (counted). send-queue.ts states the guarantees; this file keeps them.
 *
 * A new request goes to memory while the memory budget allows and the endpoint is healthy. As
 * soon as a send fails in a retryable way (`degrade`), every request held only in memory (the
 * ones in flight included) is written to the disk queue, and new requests go to disk until a
 * send succeeds again (`recovered`). So while a receiver is down, everything accepted is on disk.
 * When memory is full and disk is full or disabled, the request is dropped (`queue_full`).
 *
 * When the disk fails. A request the disk refused stays in memory while the memory budget
 * allows, and the disk is tried again DISK_RETRY_MS later (disk-failures.ts; requests kept in
 * memory meanwhile are written out once it works again); past the memory budget the request is
 * dropped and counted as `disk_error`. A record that cannot be read back is dropped as
 * `disk_error` too. disk-store.ts keeps the segments valid whatever fails.
 */
import * as path from 'node:path';
import type { DeliveryEventSink } from '../events';
import type { Logger } from '../logger';
import type { RemoteWriteMetrics } from './metrics';
import { DiskStore, type DiskRef, type RecoveryResult } from './disk-store';
import { DiskQueueError } from './segment-file';
import { DiskFailures } from './disk-failures';
import { queuedBytes, type QueuedRequest } from './queued-request';

/** Where a request went: 'batched' into a batch still open (send-queue.ts); 'skipped': not for this endpoint. */
export type EnqueueResult = 'memory' | 'disk' | 'dropped' | 'skipped' | 'batched';

export interface Entry extends QueuedRequest {
  disk?: DiskRef;
  state: 'pending' | 'inflight' | 'done';
}

export interface QueueEntriesOptions {
  name: string;
  memoryBudgetBytes: number;
  diskBudgetBytes: number;
  metrics: RemoteWriteMetrics;
  logger: Logger;
  /** Root storage directory; this endpoint uses `<storageDir>/<name>`. No disk queue if absent or disk budget 0. */
  storageDir?: string;
  fsyncIntervalMs?: number;
  segmentBytes?: number;
  /** Where drops are reported as `dropped` events (the remote writer). */
  events?: DeliveryEventSink;
}

export interface EntriesStats {
  pendingRequests: number;
  /** Samples in requests neither acknowledged nor dropped: the backlog. */
  pendingSamples: number;
  memoryBytes: number;
  diskBytes: number;
  /** Requests held in memory only. */
  unpersistedRequests: number;
}

export class QueueEntries {
  private readonly name: string;
  private readonly store?: DiskStore;
  private readonly disk: DiskFailures;
  private readonly metrics: RemoteWriteMetrics;
  private readonly logger: Logger;
  private readonly memoryBudgetBytes: number;
  /** In seq order; [0, head) are done. */
  private entries: Entry[] = [];
  private head = 0;
  private nextSeq = 1;
  private memoryBytes = 0;
  /** Entries neither acknowledged nor dropped, and their samples. */
  private live = 0;
  private liveSamples = 0;
  private newestSentSeconds = 0;
  private degraded = false;
  /** Requests kept in memory while degraded because the disk failed: spilled when it works again. */
  private unspilled = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: QueueEntriesOptions) {
    this.name = options.name;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.memoryBudgetBytes = options.memoryBudgetBytes;
    this.disk = new DiskFailures(this.name, options.memoryBudgetBytes, this.metrics, this.logger);
    if (options.storageDir && options.diskBudgetBytes > 0) {
      this.store = new DiskStore({
        dir: path.join(options.storageDir, options.name.replace(/[^A-Za-z0-9_.-]/g, '_')),
        budgetBytes: options.diskBudgetBytes,
        segmentBytes: options.segmentBytes,
        fsyncIntervalMs: options.fsyncIntervalMs,
        onSegmentDropped: (segment) => this.onSegmentDropped(segment),
        onError: (error) => this.disk.count(error),
      });
      this.recover(this.store);
    }
    this.updateGauges();
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
      this.entries.push({
        seq: record.seq, keys: record.keys, samples: record.samples, newestTimestampMs: record.newestTimestampMs,
        protocol: record.protocol, disk: record.ref, state: 'pending',
      });
      this.live++;
      this.liveSamples += record.samples;
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

  /** True while sends fail: new requests go to disk (when there is one). */
  get isDegraded(): boolean {
    return this.degraded;
  }

  /** Whether there is a disk queue. */
  get hasDisk(): boolean {
    return this.store !== undefined;
  }

  /** Takes one compressed request: memory, disk or dropped (counted), as the header says. */
  admit(request: Omit<QueuedRequest, 'seq'>): EnqueueResult {
    const entry: Entry = { ...request, seq: this.nextSeq++, state: 'pending' };
    const size = queuedBytes(entry);
    const memoryFits = this.memoryBytes + size <= this.memoryBudgetBytes;
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
        entry.body = undefined;
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
        this.disk.log('drop', 'error', { samples: entry.samples, memoryBytes: this.memoryBytes, memoryBudgetBytes: this.memoryBudgetBytes },
          'remote write: the disk is failing and memory_budget is full; dropping requests (counted as reason disk_error)');
      }
      return where;
    }
    if (where === 'memory') this.memoryBytes += size;
    this.entries.push(entry);
    this.live++;
    this.liveSamples += entry.samples;
    this.updateGauges();
    return where;
  }

  /** A send failed in a retryable way: from now on requests go to disk, and those in memory only are spilled. */
  degrade(): void {
    if (this.degraded) return;
    this.degraded = true;
    this.spillMemoryToDisk();
  }

  /** A send succeeded: new requests may stay in memory again. Returns whether the endpoint was degraded. */
  recovered(): boolean {
    const was = this.degraded;
    this.degraded = false;
    return was;
  }

  /**
   * Calls `visit` with the unfinished entries, oldest first, at most `limit` of them, until it
   * returns false.
   */
  scan(limit: number, visit: (entry: Entry) => boolean): void {
    for (let i = this.head, scanned = 0; i < this.entries.length && scanned < limit; i++) {
      const entry = this.entries[i];
      if (entry.state === 'done') continue;
      scanned++;
      if (!visit(entry)) return;
    }
  }

  /**
   * The entry with its body: itself when in memory, else read back from disk. Undefined when it
   * could not be read; it was then dropped and counted.
   */
  withBody(entry: Entry): (QueuedRequest & { body: Uint8Array }) | undefined {
    if (entry.body) return entry as Entry & { body: Uint8Array };
    let request: QueuedRequest | undefined;
    try {
      request = entry.disk && this.store ? this.store.read(entry.disk) : undefined;
    } catch (error) {
      if (!(error instanceof DiskQueueError)) throw error;
      this.disk.count(error, false);
      this.disk.log('read', 'error', { seq: entry.seq, samples: entry.samples, err: error.message }, 'remote write disk queue: a queued request could not be read back; dropped (disk_error)');
      this.finish(entry, 'dropped', 'disk_error');
      return undefined;
    }
    if (!request?.body) {
      this.finish(entry, 'dropped', 'corrupt_record');
      return undefined;
    }
    return request as QueuedRequest & { body: Uint8Array };
  }

  /**
   * Writes every request held only in memory to disk, oldest first; frees the ones not in flight.
   * Stops at a disk failure (the rest stay in memory, to be spilled when the disk works again);
   * returns false then.
   */
  spillMemoryToDisk(): boolean {
    if (!this.store) return false;
    this.unspilled = false;
    let works = true;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry.state === 'done' || entry.disk || !entry.body) continue;
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
    entry.body = undefined;
  }

  finish(entry: Entry, result: 'sent' | 'dropped', reason = ''): void {
    if (entry.state === 'done') return;
    entry.state = 'done';
    this.live--;
    this.liveSamples -= entry.samples;
    if (entry.body) this.freeMemory(entry);
    if (entry.disk) this.store?.release(entry.disk);
    entry.disk = undefined;
    if (result === 'sent') {
      this.metrics.samplesSent.inc({ endpoint: this.name }, entry.samples);
      this.metrics.requestsSent.inc({ endpoint: this.name });
      this.metrics.samplesPerRequest.observe({ endpoint: this.name }, entry.samples);
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

  countDrop(request: { samples: number }, reason: string): void {
    this.metrics.samplesDropped.inc({ endpoint: this.name, reason }, request.samples);
    this.metrics.requestsDropped.inc({ endpoint: this.name, reason });
    const events = this.options.events;
    if (events?.listening('dropped')) events.emit('dropped', { endpoint: this.name, reason, samples: request.samples, requests: 1 });
  }

  private onSegmentDropped(segment: number): void {
    let requests = 0;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry.state === 'done' || entry.disk?.segment !== segment) continue;
      entry.disk = undefined;
      // Still in memory (in flight, or spilled while in flight): nothing is lost yet.
      if (entry.body || entry.state === 'inflight') continue;
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

  /** Resolves when every entry is acknowledged or dropped. */
  whenEmpty(): Promise<void> {
    if (this.live === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Shutdown, after the senders stopped: writes what is held only in memory to disk (one last
   * try, whatever failed before) and drops the rest, counted as `shutdown` (no disk queue, or it
   * is full) or `disk_error` (the disk failed); then closes the store.
   */
  close(): void {
    this.disk.retryNow();
    const diskFailed = this.store !== undefined && !this.spillMemoryToDisk();
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry.state !== 'done' && !entry.disk) this.finish(entry, 'dropped', diskFailed ? 'disk_error' : 'shutdown');
    }
    this.store?.close();
    this.updateGauges();
  }

  stats(): EntriesStats {
    let unpersisted = 0;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i];
      if (entry.state !== 'done' && !entry.disk) unpersisted++;
    }
    return { pendingRequests: this.live, pendingSamples: this.liveSamples, memoryBytes: this.memoryBytes, diskBytes: this.store?.bytes ?? 0, unpersistedRequests: unpersisted };
  }

  updateGauges(): void {
    this.metrics.queueBytes.set({ endpoint: this.name, storage: 'memory' }, this.memoryBytes);
    this.metrics.queueBytes.set({ endpoint: this.name, storage: 'disk' }, this.store?.bytes ?? 0);
    this.metrics.queueRequests.set({ endpoint: this.name }, this.live);
  }
}
