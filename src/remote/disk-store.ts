/**
 * The on-disk part of one endpoint's queue: append-only segment files in one directory.
 *
 * A segment starts with an 8-byte header naming its format version; records follow, framed as
 * length, CRC-32 and payload (segment-file.ts, queued-request.ts).
 *
 * Write failures. A record is written with positional writes at the segment's end, looping over
 * short writes. If the disk fails partway (ENOSPC after a short write, EIO), the segment is
 * truncated back to where the record started, so the segment holds only whole records and the
 * next one lands right after the last good one; if even the truncate fails, the segment is
 * retired (no more writes to it; recovery truncates its torn tail) and the next record starts a
 * new segment. Either way `append` throws a DiskQueueError and the caller decides what becomes
 * of the request (send-queue.ts keeps it in memory or drops it, counted).
 *
 * Recovery (disk-recovery.ts) reads the segments a previous process left, once, before the
 * first append.
 *
 * Durability policy (fsync). Every record is handed to the kernel (write(2)) before `append`
 * returns, so a killed process (SIGKILL, OOM kill) loses nothing that `append` accepted: the page
 * cache outlives the process. fdatasync runs when a segment is completed, on close, and at most
 * `fsyncIntervalMs` after a write (default 1 s), so a power loss or kernel crash loses at most
 * that window of records (recovery then truncates torn tails). Syncing every record instead
 * (`fsyncIntervalMs: 0`) cost 75-230x in records/s (16 KiB records: 219 vs 17,064/s on a virtio
 * disk; bench/disk-queue.bench.ts, bench/RESULTS.md 2026-12-02), each sync blocking the event
 * loop for 3-5 ms, while the interval costs nothing measurable against no fsync at all. A failed
 * fdatasync is reported (onError) and retires the segment: its records stay queued (they are in
 * the page cache and readable), but nothing more is written to a file whose durability is unknown.
 *
 * Budget: when an append would take the directory past `budgetBytes`, whole segments are
 * dropped oldest first (the caller is told which, to count what was in them). A segment is
 * deleted as soon as every record in it has been released (acknowledged or dropped).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { QueuedRequest } from './queued-request';
import {
  DiskQueueError, RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES, encodeRecord, readRecordAt, segmentFileName, segmentHeader,
  type DiskOperation, type DiskRef,
} from './segment-file';
import { recoverSegments, type RecoveryResult } from './disk-recovery';

export type { DiskRef } from './segment-file';
export type { RecoveredRecord, RecoveryResult, SetAsideSegment } from './disk-recovery';

export interface DiskStoreOptions {
  dir: string;
  budgetBytes: number;
  /** A segment is closed and a new one started past this size. Default min(budget/8, 16 MiB). */
  segmentBytes?: number;
  /** fdatasync at most this long after a write; 0: after every write; Infinity: only at rotation and close. Default 1000. */
  fsyncIntervalMs?: number;
  /** Called with the segment id before a segment is deleted to stay within budget. */
  onSegmentDropped: (segment: number) => void;
  /** Failures the store handled itself (a failed fdatasync, delete or truncate): to count and log. */
  onError?: (error: DiskQueueError) => void;
}

interface Segment {
  id: number;
  size: number;
  /** Records in the segment not yet released. */
  live: number;
}

export class DiskStore {
  private readonly segments = new Map<number, Segment>();
  private active: { segment: Segment; fd: number } | undefined;
  private nextSegmentId = 1;
  private totalBytes = 0;
  private dirty = false;
  private fsyncTimer: NodeJS.Timeout | undefined;
  private readonly segmentBytes: number;
  private readonly fsyncIntervalMs: number;

  constructor(private readonly options: DiskStoreOptions) {
    fs.mkdirSync(options.dir, { recursive: true });
    this.segmentBytes = options.segmentBytes ?? Math.max(64 * 1024, Math.min(Math.floor(options.budgetBytes / 8), 16 * 1024 * 1024));
    this.fsyncIntervalMs = options.fsyncIntervalMs ?? 1000;
  }

  /** Bytes of segment files on disk. */
  get bytes(): number {
    return this.totalBytes;
  }

  private file(id: number): string {
    return path.join(this.options.dir, segmentFileName(id));
  }

  private report(operation: DiskOperation, file: string, cause: unknown): void {
    this.options.onError?.(cause instanceof DiskQueueError ? cause : new DiskQueueError(operation, file, cause));
  }

  /**
   * Scans existing segments (oldest first), truncates a torn or corrupt tail, moves segments of
   * another format version aside, and returns the valid records sorted by seq. Call once, before
   * the first append.
   */
  recover(): RecoveryResult {
    const { result, segments, highestId } = recoverSegments(this.options.dir, {
      report: (operation, file, cause) => this.report(operation, file, cause),
      removeFile: (file) => this.removeFile(file),
    });
    for (const segment of segments) {
      this.segments.set(segment.id, segment);
      this.totalBytes += segment.size;
    }
    this.nextSegmentId = Math.max(this.nextSegmentId, highestId + 1);
    return result;
  }

  /**
   * Appends one request. Returns where it went, or undefined when it cannot fit in the budget
   * even after dropping every older segment (then nothing was written). Throws a DiskQueueError
   * when the disk refuses it (nothing of it is left in the segment).
   */
  append(request: QueuedRequest): DiskRef | undefined {
    const record = encodeRecord(request);
    if (record.length + SEGMENT_HEADER_BYTES > this.options.budgetBytes) return undefined;

    if (this.active && this.active.segment.size > SEGMENT_HEADER_BYTES && this.active.segment.size + record.length > this.segmentBytes) this.rotate();
    for (;;) {
      const needed = record.length + (this.active ? 0 : SEGMENT_HEADER_BYTES);
      if (this.totalBytes + needed <= this.options.budgetBytes) break;
      const oldest = this.oldestInactive();
      if (oldest === undefined) {
        if (!this.active || this.active.segment.size <= SEGMENT_HEADER_BYTES) return undefined;
        this.rotate();
        continue;
      }
      this.options.onSegmentDropped(oldest.id);
      this.deleteSegment(oldest);
    }

    const active = this.active ?? this.openSegment();
    const offset = active.segment.size;
    this.writeAt(active, record, offset);
    const ref: DiskRef = { segment: active.segment.id, offset, length: record.length };
    active.segment.size += record.length;
    active.segment.live += 1;
    this.totalBytes += record.length;
    this.markDirty();
    return ref;
  }

  /**
   * Writes `record` at `offset` of the active segment, looping over short writes. On failure the
   * segment is truncated back to `offset` (or retired when that fails too) and a DiskQueueError
   * is thrown.
   */
  private writeAt(active: { segment: Segment; fd: number }, record: Buffer, offset: number): void {
    const outcome = writeFully(active.fd, record, offset);
    if (outcome.error === undefined) return;
    const file = this.file(active.segment.id);
    try {
      fs.ftruncateSync(active.fd, offset);
    } catch (truncateCause) {
      this.report('truncate', file, truncateCause);
      this.retire();
    }
    throw new DiskQueueError('write', file, outcome.error, outcome.written);
  }

  /** Reads a record back; undefined if it no longer verifies (its segment was dropped or the disk lied). Throws a DiskQueueError when the read itself fails. */
  read(ref: DiskRef): QueuedRequest | undefined {
    if (!this.segments.has(ref.segment)) return undefined;
    const file = this.file(ref.segment);
    const data = Buffer.allocUnsafe(ref.length);
    let fd: number | undefined;
    try {
      fd = fs.openSync(file, 'r');
      const got = fs.readSync(fd, data, 0, ref.length, ref.offset);
      if (got !== ref.length) return undefined;
    } catch (cause) {
      throw new DiskQueueError('read', file, cause);
    } finally {
      if (fd !== undefined) closeQuietly(fd);
    }
    const valid = readRecordAt(data, 0);
    return valid && RECORD_HEADER_BYTES + valid.payloadLength === ref.length ? valid.request : undefined;
  }

  /** The record was acknowledged or dropped; deletes its segment once nothing in it is live. */
  release(ref: DiskRef): void {
    const segment = this.segments.get(ref.segment);
    if (!segment) return;
    segment.live -= 1;
    if (segment.live > 0) return;
    if (this.active?.segment === segment) {
      this.closeActiveFd();
      this.active = undefined;
    }
    this.deleteSegment(segment);
  }

  /** Forces written records to stable storage now; a failure is reported and retires the segment. */
  sync(): void {
    if (!this.active || !this.dirty) return;
    this.dirty = false;
    try {
      fs.fdatasyncSync(this.active.fd);
    } catch (cause) {
      this.report('fsync', this.file(this.active.segment.id), cause);
      this.retire();
    }
  }

  close(): void {
    if (this.fsyncTimer) clearTimeout(this.fsyncTimer);
    this.fsyncTimer = undefined;
    if (this.active) {
      this.sync();
      this.closeActiveFd();
      this.active = undefined;
    }
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.fsyncIntervalMs <= 0) {
      this.sync();
      return;
    }
    if (this.fsyncTimer || !Number.isFinite(this.fsyncIntervalMs)) return;
    this.fsyncTimer = setTimeout(() => {
      this.fsyncTimer = undefined;
      this.sync();
    }, this.fsyncIntervalMs);
    this.fsyncTimer.unref();
  }

  private openSegment(): { segment: Segment; fd: number } {
    const id = this.nextSegmentId++;
    const file = this.file(id);
    let fd: number;
    try {
      // Not 'a': O_APPEND would make positional writes append anyway (Linux), past a truncation.
      fd = fs.openSync(file, 'wx');
    } catch (cause) {
      throw new DiskQueueError('open', file, cause);
    }
    const outcome = writeFully(fd, segmentHeader(), 0);
    if (outcome.error !== undefined) {
      closeQuietly(fd);
      this.removeFile(file);
      throw new DiskQueueError('write', file, outcome.error, outcome.written);
    }
    const segment: Segment = { id, size: SEGMENT_HEADER_BYTES, live: 0 };
    this.segments.set(id, segment);
    this.totalBytes += SEGMENT_HEADER_BYTES;
    this.active = { segment, fd };
    return this.active;
  }

  /** Closes the active segment for good (it stays readable); the next append starts a new one. */
  private rotate(): void {
    if (!this.active) return;
    this.sync();
    this.retire();
  }

  /** Stops writing to the active segment without syncing it (after a failure, or from rotate). */
  private retire(): void {
    if (!this.active) return;
    const { segment } = this.active;
    this.closeActiveFd();
    this.active = undefined;
    if (segment.live === 0) this.deleteSegment(segment);
  }

  private closeActiveFd(): void {
    if (!this.active) return;
    try {
      fs.closeSync(this.active.fd);
    } catch (cause) {
      this.report('write', this.file(this.active.segment.id), cause);
    }
  }

  private oldestInactive(): Segment | undefined {
    let oldest: Segment | undefined;
    for (const segment of this.segments.values()) {
      if (segment === this.active?.segment) continue;
      if (!oldest || segment.id < oldest.id) oldest = segment;
    }
    return oldest;
  }

  private deleteSegment(segment: Segment): void {
    this.segments.delete(segment.id);
    this.totalBytes -= segment.size;
    this.removeFile(this.file(segment.id));
  }

  private removeFile(file: string): void {
    try {
      fs.rmSync(file, { force: true });
    } catch (cause) {
      this.report('delete', file, cause);
    }
  }
}

/**
 * pwrite(2) of all of `data` at `position`, looping over short writes (a disk that fills up
 * returns a short count first, then ENOSPC). Returns how far it got and the error that stopped it.
 */
function writeFully(fd: number, data: Buffer, position: number): { written: number; error?: unknown } {
  let written = 0;
  try {
    while (written < data.length) {
      const n = fs.writeSync(fd, data, written, data.length - written, position + written);
      if (n <= 0) return { written, error: Object.assign(new Error('write(2) wrote nothing'), { code: 'EIO' }) };
      written += n;
    }
    return { written };
  } catch (error) {
    return { written, error };
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // Closing a read descriptor or one already failing: nothing to keep.
  }
}
