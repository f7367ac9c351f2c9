/**
 * The on-disk part of one endpoint's queue: append-only segment files in one directory.
 *
 * Record framing (little endian): u32 payload length | u32 CRC-32 of the payload | payload
 * (queued-request.ts). A record is written with one write(2), so a crash tears at most the
 * record being written; recovery stops at the first record whose length runs past the end of
 * the file or whose CRC does not match, truncates the segment there and counts it. Nothing past
 * a bad record is trusted (it could be the remains of a longer record).
 *
 * Durability policy: every record is handed to the kernel before `append` returns, so a killed
 * process (SIGKILL, OOM kill) loses nothing that `append` accepted. fdatasync runs when a segment
 * is completed, on close, and at most `fsyncIntervalMs` after a write (default 1 s), so a power
 * loss or kernel crash loses at most that window of records (torn tails are then truncated).
 *
 * Budget: when an append would take the directory past `budgetBytes`, whole segments are
 * dropped oldest first (the caller is told which, to count what was in them). A segment is
 * deleted as soon as every record in it has been released (acknowledged or dropped).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from './crc32';
import { decodeQueuedRequest, encodeQueuedRequest, type QueuedRequest } from './queued-request';

export const RECORD_HEADER_BYTES = 8;
/** Lengths above this are treated as corruption, not as a record to allocate for. */
const MAX_RECORD_BYTES = 512 * 1024 * 1024;
const SEGMENT_RE = /^(\d{8})\.seg$/;

export interface DiskRef {
  segment: number;
  offset: number;
  /** Whole record, header included. */
  length: number;
}

/** What recovery knows about a record without keeping its bodies in memory. */
export interface RecoveredRecord {
  ref: DiskRef;
  seq: number;
  shardKey: string;
  samples: number;
  newestTimestampMs: number;
}

export interface RecoveryResult {
  records: RecoveredRecord[];
  tornRecords: number;
  tornBytes: number;
}

export interface DiskStoreOptions {
  dir: string;
  budgetBytes: number;
  /** A segment is closed and a new one started past this size. Default min(budget/8, 16 MiB). */
  segmentBytes?: number;
  fsyncIntervalMs?: number;
  /** Called with the segment id before a segment is deleted to stay within budget. */
  onSegmentDropped: (segment: number) => void;
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
    return path.join(this.options.dir, `${String(id).padStart(8, '0')}.seg`);
  }

  /**
   * Scans existing segments (oldest first), truncates a torn or corrupt tail, and returns the
   * valid records sorted by seq. Call once, before the first append.
   */
  recover(): RecoveryResult {
    const result: RecoveryResult = { records: [], tornRecords: 0, tornBytes: 0 };
    const ids = fs.readdirSync(this.options.dir).map((f) => SEGMENT_RE.exec(f)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1])).sort((a, b) => a - b);
    for (const id of ids) {
      const file = this.file(id);
      const data = fs.readFileSync(file);
      let offset = 0;
      let live = 0;
      while (offset < data.length) {
        const valid = this.validRecordAt(data, offset);
        if (valid === undefined) {
          result.tornRecords += 1;
          result.tornBytes += data.length - offset;
          fs.truncateSync(file, offset);
          break;
        }
        const length = RECORD_HEADER_BYTES + valid.payloadLength;
        const request = valid.request;
        result.records.push({ ref: { segment: id, offset, length }, seq: request.seq, shardKey: request.shardKey, samples: request.samples, newestTimestampMs: request.newestTimestampMs });
        live += 1;
        offset += length;
      }
      if (live === 0) {
        fs.rmSync(file, { force: true });
      } else {
        this.segments.set(id, { id, size: offset, live });
        this.totalBytes += offset;
      }
      this.nextSegmentId = Math.max(this.nextSegmentId, id + 1);
    }
    result.records.sort((a, b) => a.seq - b.seq);
    return result;
  }

  private validRecordAt(data: Buffer, offset: number): { payloadLength: number; request: QueuedRequest } | undefined {
    if (offset + RECORD_HEADER_BYTES > data.length) return undefined;
    const payloadLength = data.readUInt32LE(offset);
    const expected = data.readUInt32LE(offset + 4);
    if (payloadLength === 0 || payloadLength > MAX_RECORD_BYTES) return undefined;
    const end = offset + RECORD_HEADER_BYTES + payloadLength;
    if (end > data.length) return undefined;
    const payload = data.subarray(offset + RECORD_HEADER_BYTES, end);
    if (crc32(payload) !== expected) return undefined;
    try {
      return { payloadLength, request: decodeQueuedRequest(payload) };
    } catch {
      return undefined;
    }
  }

  /**
   * Appends one request. Returns where it went, or undefined when it cannot fit in the budget
   * even after dropping every older segment (then nothing was written).
   */
  append(request: QueuedRequest): DiskRef | undefined {
    const payload = encodeQueuedRequest(request);
    const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
    record.writeUInt32LE(payload.length, 0);
    record.writeUInt32LE(crc32(payload), 4);
    payload.copy(record, RECORD_HEADER_BYTES);
    if (record.length > this.options.budgetBytes) return undefined;

    if (this.active && this.active.segment.size > 0 && this.active.segment.size + record.length > this.segmentBytes) this.rotate();
    while (this.totalBytes + record.length > this.options.budgetBytes) {
      const oldest = this.oldestInactive();
      if (oldest === undefined) {
        if (!this.active || this.active.segment.size === 0) return undefined;
        this.rotate();
        continue;
      }
      this.options.onSegmentDropped(oldest.id);
      this.deleteSegment(oldest);
    }

    const active = this.active ?? this.openSegment();
    fs.writeSync(active.fd, record);
    const ref: DiskRef = { segment: active.segment.id, offset: active.segment.size, length: record.length };
    active.segment.size += record.length;
    active.segment.live += 1;
    this.totalBytes += record.length;
    this.markDirty();
    return ref;
  }

  /** Reads a record back; undefined if it no longer verifies (its segment was dropped or the disk lied). */
  read(ref: DiskRef): QueuedRequest | undefined {
    if (!this.segments.has(ref.segment)) return undefined;
    const data = Buffer.allocUnsafe(ref.length);
    const fd = fs.openSync(this.file(ref.segment), 'r');
    try {
      const got = fs.readSync(fd, data, 0, ref.length, ref.offset);
      if (got !== ref.length) return undefined;
    } finally {
      fs.closeSync(fd);
    }
    const valid = this.validRecordAt(data, 0);
    return valid && RECORD_HEADER_BYTES + valid.payloadLength === ref.length ? valid.request : undefined;
  }

  /** The record was acknowledged or dropped; deletes its segment once nothing in it is live. */
  release(ref: DiskRef): void {
    const segment = this.segments.get(ref.segment);
    if (!segment) return;
    segment.live -= 1;
    if (segment.live > 0) return;
    if (this.active?.segment === segment) {
      fs.closeSync(this.active.fd);
      this.active = undefined;
    }
    this.deleteSegment(segment);
  }

  /** Forces written records to stable storage now. */
  sync(): void {
    if (this.active && this.dirty) fs.fdatasyncSync(this.active.fd);
    this.dirty = false;
  }

  close(): void {
    if (this.fsyncTimer) clearTimeout(this.fsyncTimer);
    this.fsyncTimer = undefined;
    if (this.active) {
      this.sync();
      fs.closeSync(this.active.fd);
      this.active = undefined;
    }
  }

  private markDirty(): void {
    this.dirty = true;
    if (this.fsyncTimer || this.fsyncIntervalMs <= 0) {
      if (this.fsyncIntervalMs <= 0) this.sync();
      return;
    }
    this.fsyncTimer = setTimeout(() => {
      this.fsyncTimer = undefined;
      this.sync();
    }, this.fsyncIntervalMs);
    this.fsyncTimer.unref();
  }

  private openSegment(): { segment: Segment; fd: number } {
    const id = this.nextSegmentId++;
    const fd = fs.openSync(this.file(id), 'a');
    const segment: Segment = { id, size: 0, live: 0 };
    this.segments.set(id, segment);
    this.active = { segment, fd };
    return this.active;
  }

  private rotate(): void {
    if (!this.active) return;
    this.sync();
    fs.closeSync(this.active.fd);
    const segment = this.active.segment;
    this.active = undefined;
    if (segment.live === 0) this.deleteSegment(segment);
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
    fs.rmSync(this.file(segment.id), { force: true });
  }
}
