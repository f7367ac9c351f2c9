/**
 * Recovery of one endpoint's disk queue: the segments a previous process left, read once before
 * the first append (DiskStore.recover).
 *
 * Segments are read oldest first. A segment of a format version this build does not know is
 * moved to `unknown-version/` and reported, never read, truncated or deleted: a rollback keeps
 * the queue of the newer build for it to resume. In the others, reading stops at the first record
 * whose length runs past the end of the file or whose CRC does not match; the segment is
 * truncated there and the tear counted. Nothing past a bad record is trusted (it could be the
 * remains of a longer record). Segments left with no record are deleted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RemoteWriteProtocol } from '../remote-write-protocol';
import {
  DiskQueueError, RECORD_HEADER_BYTES, UNKNOWN_VERSION_DIR, readRecordAt, segmentFileName, segmentIdOf, segmentKind, type DiskOperation,
  type DiskRef,
} from './segment-file';

/** What recovery knows about a record without keeping its bodies in memory. */
export interface RecoveredRecord {
  ref: DiskRef;
  seq: number;
  keys: Uint32Array;
  samples: number;
  newestTimestampMs: number;
  protocol: RemoteWriteProtocol;
}

export interface SetAsideSegment {
  file: string;
  /** Where it was moved; undefined when the move failed (it was then left where it was). */
  movedTo?: string;
  version: number;
}

export interface RecoveryResult {
  records: RecoveredRecord[];
  tornRecords: number;
  tornBytes: number;
  /** Segments of another format version, moved to `unknown-version/`. */
  setAside: SetAsideSegment[];
  /** Segments that could not be read (left in place, skipped). */
  unreadable: DiskQueueError[];
}

/** A segment kept: its size after recovery and its records. */
export interface RecoveredSegment {
  id: number;
  size: number;
  live: number;
}

/** What recovery does to files through the store (so failures are reported in one place). */
export interface RecoveryHooks {
  report(operation: DiskOperation, file: string, cause: unknown): void;
  removeFile(file: string): void;
}

/** Reads every segment in `dir`; returns the valid records sorted by seq, the segments kept and the highest segment id seen. */
export function recoverSegments(dir: string, hooks: RecoveryHooks): { result: RecoveryResult; segments: RecoveredSegment[]; highestId: number } {
  const result: RecoveryResult = { records: [], tornRecords: 0, tornBytes: 0, setAside: [], unreadable: [] };
  const segments: RecoveredSegment[] = [];
  const ids = fs.readdirSync(dir).map(segmentIdOf).filter((id): id is number => id !== undefined).sort((a, b) => a - b);
  for (const id of ids) {
    const file = path.join(dir, segmentFileName(id));
    let data: Buffer;
    try {
      data = fs.readFileSync(file);
    } catch (cause) {
      result.unreadable.push(new DiskQueueError('scan', file, cause));
      continue;
    }
    const kind = segmentKind(data);
    if (kind.kind === 'unknown') {
      result.setAside.push({ file, movedTo: setAside(dir, file, hooks), version: kind.version });
      continue;
    }
    if (kind.kind === 'empty') {
      hooks.removeFile(file);
      continue;
    }
    let offset = kind.recordsStart;
    let live = 0;
    while (offset < data.length) {
      const valid = readRecordAt(data, offset);
      if (valid === undefined) {
        result.tornRecords += 1;
        result.tornBytes += data.length - offset;
        try {
          fs.truncateSync(file, offset);
        } catch (cause) {
          // Left torn: nothing is ever appended to a recovered segment, and the next recovery stops at the same place.
          hooks.report('truncate', file, cause);
        }
        break;
      }
      const length = RECORD_HEADER_BYTES + valid.payloadLength;
      const request = valid.request;
      result.records.push({
        ref: { segment: id, offset, length }, seq: request.seq, keys: request.keys,
        samples: request.samples, newestTimestampMs: request.newestTimestampMs, protocol: request.protocol,
      });
      live += 1;
      offset += length;
    }
    if (live === 0) hooks.removeFile(file);
    else segments.push({ id, size: offset, live });
  }
  result.records.sort((a, b) => a.seq - b.seq);
  return { result, segments, highestId: ids.length === 0 ? 0 : ids[ids.length - 1] };
}

/** Moves a segment of an unknown version into `unknown-version/` (never over an earlier one); returns where, or undefined if it could not. */
function setAside(dir: string, file: string, hooks: RecoveryHooks): string | undefined {
  const aside = path.join(dir, UNKNOWN_VERSION_DIR);
  try {
    fs.mkdirSync(aside, { recursive: true });
    let target = path.join(aside, path.basename(file));
    for (let n = 1; fs.existsSync(target); n++) target = path.join(aside, `${path.basename(file)}.${n}`);
    fs.renameSync(file, target);
    return target;
  } catch (cause) {
    hooks.report('set_aside', file, cause);
    return undefined;
  }
}
