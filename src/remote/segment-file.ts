/**
 * What a disk-queue segment file holds, and the typed error every disk operation of the queue
 * raises.
 *
 * Segment header (8 bytes): the magic "SWRQ" | u32 LE format version. Records follow it, framed
 * (little endian) as u32 payload length | u32 CRC-32 of the payload | payload (queued-request.ts). This build writes version 2 (records of payload format 2: one
 * body, ordering keys; queued-request.ts) and reads versions 1 and 2. A segment of any other
 * version came from another build (a rollback, or a newer one run briefly): it is moved aside,
 * never read as damage, never truncated or deleted. So a build that only knows version 1, rolled
 * back to, sets this build's segments aside instead of dropping their records as corrupt.
 *
 * Segments written before the header existed start straight with a record, whose first four
 * bytes are its length: read as u32 LE, the magic is 0x51525753 (1.36 GB), more than any record
 * may be (512 MiB), so such a "legacy" segment can never be mistaken for a versioned one. They
 * are read as records of version 1 (the same record format) so an upgrade keeps its queue.
 */
import { ScrapewireError } from '../errors';
import { crc32 } from './crc32';
import { decodeQueuedRequest, encodeQueuedRequest, type QueuedRequest } from './queued-request';

export const SEGMENT_MAGIC = Buffer.from('SWRQ', 'latin1');
/** The version this build writes. */
export const SEGMENT_VERSION = 2;
/** The versions this build reads (their records' payload formats are told apart by their first byte). */
export const READABLE_SEGMENT_VERSIONS: readonly number[] = [1, 2];
export const SEGMENT_HEADER_BYTES = 8;
/** Where segments of a format version this build does not know are moved, inside the endpoint's directory. */
export const UNKNOWN_VERSION_DIR = 'unknown-version';

export const RECORD_HEADER_BYTES = 8;
/** Lengths above this are treated as corruption, not as a record to allocate for. */
const MAX_RECORD_BYTES = 512 * 1024 * 1024;
const SEGMENT_FILE_RE = /^(\d{8})\.seg$/;

/** Where a record is: its segment, its offset there and its length (header included). */
export interface DiskRef {
  segment: number;
  offset: number;
  /** Whole record, header included. */
  length: number;
}

/** The file name of segment `id`. */
export function segmentFileName(id: number): string {
  return `${String(id).padStart(8, '0')}.seg`;
}

/** The segment id a file name names, or undefined for any other file. */
export function segmentIdOf(fileName: string): number | undefined {
  const match = SEGMENT_FILE_RE.exec(fileName);
  return match === null ? undefined : Number(match[1]);
}

/** A request as a framed record. */
export function encodeRecord(request: QueuedRequest): Buffer {
  const payload = encodeQueuedRequest(request);
  const record = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  payload.copy(record, RECORD_HEADER_BYTES);
  return record;
}

/** The record at `offset` of `data`, or undefined when it runs past the end or does not verify (CRC, payload). */
export function readRecordAt(data: Buffer, offset: number): { payloadLength: number; request: QueuedRequest } | undefined {
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

export function segmentHeader(): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
  SEGMENT_MAGIC.copy(header, 0);
  header.writeUInt32LE(SEGMENT_VERSION, 4);
  return header;
}

export type SegmentKind =
  /** A version this build reads: records start after the header. */
  | { kind: 'current'; recordsStart: number }
  /** Written before segments had a header: records start at 0. */
  | { kind: 'legacy'; recordsStart: number }
  /** Another format version: keep aside, do not interpret. */
  | { kind: 'unknown'; version: number }
  /** Empty, or cut inside its header (a crash right after it was created): holds no record. */
  | { kind: 'empty' };

export function segmentKind(data: Buffer): SegmentKind {
  if (data.length === 0) return { kind: 'empty' };
  const magicBytes = Math.min(data.length, SEGMENT_MAGIC.length);
  const magicMatches = data.subarray(0, magicBytes).equals(SEGMENT_MAGIC.subarray(0, magicBytes));
  if (!magicMatches) return { kind: 'legacy', recordsStart: 0 };
  if (data.length < SEGMENT_HEADER_BYTES) return { kind: 'empty' };
  const version = data.readUInt32LE(SEGMENT_MAGIC.length);
  return READABLE_SEGMENT_VERSIONS.includes(version) ? { kind: 'current', recordsStart: SEGMENT_HEADER_BYTES } : { kind: 'unknown', version };
}

/** The operations of the disk queue that can fail; the `operation` label of its error counter. */
export type DiskOperation = 'open' | 'write' | 'truncate' | 'fsync' | 'read' | 'delete' | 'scan' | 'set_aside';

/** A disk-queue operation failed (ENOSPC, EIO, EROFS...): the operation, the file and the errno. */
export class DiskQueueError extends ScrapewireError {
  /** Bytes of a record that reached the file before a write failed (then truncated back). */
  readonly bytesWritten: number;

  constructor(readonly operation: DiskOperation, readonly file: string, cause: unknown, bytesWritten = 0) {
    super('ERR_DISK_QUEUE', `disk queue: ${operation} ${file}: ${errnoText(cause)}`, { cause });
    this.name = 'DiskQueueError';
    this.bytesWritten = bytesWritten;
  }

  /** ENOSPC, EIO, ...; undefined when the cause carried no errno code. */
  get errno(): string | undefined {
    return (this.cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

function errnoText(cause: unknown): string {
  const err = cause as NodeJS.ErrnoException | undefined;
  const message = err?.message ?? String(cause);
  return err?.code !== undefined && !message.includes(err.code) ? `${err.code}: ${message}` : message;
}
