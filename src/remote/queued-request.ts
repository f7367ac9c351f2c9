/**
 * The unit the queue stores and sends: one snappy-compressed request in one protocol (a batch of
 * several targets' requests, or one request), the ordering keys of the targets in it, and what
 * the metrics want to know. `encodeQueuedRequest` is also the on-disk payload of a record
 * (disk-store.ts frames it with length and CRC32).
 *
 * Payload, format 2 (little endian), written by this build in segments of version 2:
 *   u8 format (=2) | u8 protocol (1: 1.0, 2: 2.0) | f64 seq | u32 samples | f64 newestTimestampMs
 *   | u16 key count | u32 key hash * count | body (the rest)
 * Format 1, read from segments of version 1 (and headerless ones), written by earlier builds:
 *   u8 format (=1) | u8 flags (bit0: 1.0 body, bit1: 2.0 body) | f64 seq | u32 samples
 *   | f64 newestTimestampMs | u16 shardKey length | shardKey UTF-8
 *   | [u32 length | 1.0 body] | [u32 length | 2.0 body]
 * A format-1 record holding both bodies is read as its 2.0 one: the queue converts it to 1.0 if
 * the receiver turns out not to speak 2.0 (rw2-to-rw1.ts).
 */
import { ScrapewireError } from '../errors';
import { RW1, RW2, type RemoteWriteProtocol } from '../remote-write-protocol';

export interface QueuedRequest {
  /** Position in the endpoint's queue; increases across restarts. */
  seq: number;
  /**
   * Ordering keys (shardKeyHash of each target in it): a request is sent only after every older
   * one sharing a key was acknowledged or dropped (see sender-lanes.ts).
   */
  keys: Uint32Array;
  samples: number;
  newestTimestampMs: number;
  protocol: RemoteWriteProtocol;
  /** The snappy-compressed body; absent while it lives on disk only. */
  body?: Uint8Array;
}

const FORMAT_1 = 1;
const FORMAT_2 = 2;
const FIXED_2 = 1 + 1 + 8 + 4 + 8 + 2;
const FIXED_1 = 1 + 1 + 8 + 4 + 8 + 2;
const MAX_KEYS = 0xffff;

/** FNV-1a of a shard key (a target's identity): the ordering key requests are kept in order by. */
export function shardKeyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

export function queuedBytes(request: QueuedRequest): number {
  return request.body?.length ?? 0;
}

export function encodeQueuedRequest(request: QueuedRequest): Buffer {
  const body = request.body;
  if (body === undefined) throw new ScrapewireError('ERR_REMOTE_WRITE', 'disk queue record: a request without its body cannot be written');
  if (request.keys.length > MAX_KEYS) throw new ScrapewireError('ERR_REMOTE_WRITE', `disk queue record: more than ${MAX_KEYS} ordering keys`);
  const out = Buffer.allocUnsafe(FIXED_2 + 4 * request.keys.length + body.length);
  let o = 0;
  o = out.writeUInt8(FORMAT_2, o);
  o = out.writeUInt8(request.protocol === RW2 ? 2 : 1, o);
  o = out.writeDoubleLE(request.seq, o);
  o = out.writeUInt32LE(request.samples, o);
  o = out.writeDoubleLE(request.newestTimestampMs, o);
  o = out.writeUInt16LE(request.keys.length, o);
  for (const key of request.keys) o = out.writeUInt32LE(key, o);
  out.set(body, o);
  return out;
}

/** Decodes a payload whose CRC already matched; throws ERR_REMOTE_WRITE if it is malformed anyway. */
export function decodeQueuedRequest(payload: Buffer): QueuedRequest {
  if (payload.length < 1) malformed('too short');
  const format = payload.readUInt8(0);
  if (format === FORMAT_2) return decodeFormat2(payload);
  if (format === FORMAT_1) return decodeFormat1(payload);
  return malformed(`unknown format ${format}`);
}

function malformed(why: string): never {
  throw new ScrapewireError('ERR_REMOTE_WRITE', `disk queue record: ${why}`);
}

function decodeFormat2(payload: Buffer): QueuedRequest {
  if (payload.length < FIXED_2) malformed('too short');
  let o = 1;
  const protocolId = payload.readUInt8(o); o += 1;
  if (protocolId !== 1 && protocolId !== 2) malformed(`unknown protocol ${protocolId}`);
  const seq = payload.readDoubleLE(o); o += 8;
  const samples = payload.readUInt32LE(o); o += 4;
  const newestTimestampMs = payload.readDoubleLE(o); o += 8;
  const keyCount = payload.readUInt16LE(o); o += 2;
  if (o + 4 * keyCount > payload.length) malformed('keys past the end');
  const keys = new Uint32Array(keyCount);
  for (let i = 0; i < keyCount; i++, o += 4) keys[i] = payload.readUInt32LE(o);
  // A copy, so the record buffer can be released independently of the body.
  const body = Uint8Array.prototype.slice.call(payload, o);
  return { seq, keys, samples, newestTimestampMs, protocol: protocolId === 2 ? RW2 : RW1, body };
}

function decodeFormat1(payload: Buffer): QueuedRequest {
  if (payload.length < FIXED_1) malformed('too short');
  let o = 1;
  const flags = payload.readUInt8(o); o += 1;
  const seq = payload.readDoubleLE(o); o += 8;
  const samples = payload.readUInt32LE(o); o += 4;
  const newestTimestampMs = payload.readDoubleLE(o); o += 8;
  const keyLength = payload.readUInt16LE(o); o += 2;
  if (o + keyLength > payload.length) malformed('shard key past the end');
  const shardKey = payload.toString('utf8', o, o + keyLength); o += keyLength;
  const take = (): Uint8Array => {
    if (o + 4 > payload.length) malformed('body length past the end');
    const length = payload.readUInt32LE(o); o += 4;
    if (o + length > payload.length) malformed('body past the end');
    const body = Uint8Array.prototype.slice.call(payload, o, o + length);
    o += length;
    return body;
  };
  const rw1 = flags & 1 ? take() : undefined;
  const rw2 = flags & 2 ? take() : undefined;
  if (o !== payload.length) malformed('trailing bytes');
  if (rw1 === undefined && rw2 === undefined) malformed('no body');
  return {
    seq, keys: Uint32Array.of(shardKeyHash(shardKey)), samples, newestTimestampMs,
    protocol: rw2 !== undefined ? RW2 : RW1, body: rw2 ?? rw1,
  };
}
