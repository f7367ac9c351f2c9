/**
 * The unit the queue stores: one request, snappy-compressed, in the encoding(s) the endpoint may
 * need, plus what the metrics want to know about it. `encodeQueuedRequest` is also the on-disk
 * payload of a record (disk-store.ts frames it with length and CRC32).
 *
 * Payload layout (little endian):
 *   u8 format (=1) | u8 flags (bit0: 1.0 body, bit1: 2.0 body) | f64 seq | u32 samples
 *   | f64 newestTimestampMs | u16 shardKey length | shardKey UTF-8
 *   | [u32 length | 1.0 body] | [u32 length | 2.0 body]
 */
import { ScrapewireError } from '../core/errors';
import type { RemoteWriteMessage } from './endpoint-config';

export interface QueuedRequest {
  /** Position in the endpoint's queue; increases across restarts. */
  seq: number;
  /** Requests with the same key are sent one at a time, in seq order (see send-queue.ts). */
  shardKey: string;
  samples: number;
  newestTimestampMs: number;
  /** snappy(prometheus.WriteRequest), when the endpoint may need 1.0. */
  rw1?: Uint8Array;
  /** snappy(io.prometheus.write.v2.Request), when the endpoint may need 2.0. */
  rw2?: Uint8Array;
}

const FORMAT = 1;
const FIXED = 1 + 1 + 8 + 4 + 8 + 2;

export function bodyFor(request: QueuedRequest, message: RemoteWriteMessage): Uint8Array | undefined {
  return message === 'io.prometheus.write.v2.Request' ? request.rw2 : request.rw1;
}

export function queuedBytes(request: QueuedRequest): number {
  return (request.rw1?.length ?? 0) + (request.rw2?.length ?? 0);
}

export function encodeQueuedRequest(request: QueuedRequest): Buffer {
  const key = Buffer.from(request.shardKey, 'utf8');
  if (key.length > 0xffff) throw new ScrapewireError('ERR_REMOTE_WRITE', `shard key longer than 65535 bytes`);
  const size = FIXED + key.length + (request.rw1 ? 4 + request.rw1.length : 0) + (request.rw2 ? 4 + request.rw2.length : 0);
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  out.writeUInt8(FORMAT, o); o += 1;
  out.writeUInt8((request.rw1 ? 1 : 0) | (request.rw2 ? 2 : 0), o); o += 1;
  out.writeDoubleLE(request.seq, o); o += 8;
  out.writeUInt32LE(request.samples, o); o += 4;
  out.writeDoubleLE(request.newestTimestampMs, o); o += 8;
  out.writeUInt16LE(key.length, o); o += 2;
  key.copy(out, o); o += key.length;
  for (const body of [request.rw1, request.rw2]) {
    if (!body) continue;
    out.writeUInt32LE(body.length, o); o += 4;
    out.set(body, o); o += body.length;
  }
  return out;
}

/** Decodes a payload whose CRC already matched; throws ERR_REMOTE_WRITE if it is malformed anyway. */
export function decodeQueuedRequest(payload: Buffer): QueuedRequest {
  const bad = (why: string): never => { throw new ScrapewireError('ERR_REMOTE_WRITE', `disk queue record: ${why}`); };
  if (payload.length < FIXED) bad('too short');
  let o = 0;
  if (payload.readUInt8(o) !== FORMAT) bad(`unknown format ${payload.readUInt8(o)}`);
  o += 1;
  const flags = payload.readUInt8(o); o += 1;
  const seq = payload.readDoubleLE(o); o += 8;
  const samples = payload.readUInt32LE(o); o += 4;
  const newestTimestampMs = payload.readDoubleLE(o); o += 8;
  const keyLength = payload.readUInt16LE(o); o += 2;
  if (o + keyLength > payload.length) bad('shard key past the end');
  const shardKey = payload.toString('utf8', o, o + keyLength); o += keyLength;
  const take = (): Uint8Array => {
    if (o + 4 > payload.length) bad('body length past the end');
    const length = payload.readUInt32LE(o); o += 4;
    if (o + length > payload.length) bad('body past the end');
    // A copy, so the record buffer can be released independently of the body.
    const body = Uint8Array.prototype.slice.call(payload, o, o + length);
    o += length;
    return body;
  };
  const request: QueuedRequest = { seq, shardKey, samples, newestTimestampMs };
  if (flags & 1) request.rw1 = take();
  if (flags & 2) request.rw2 = take();
  if (o !== payload.length) bad('trailing bytes');
  return request;
}
