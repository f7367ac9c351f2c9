// Remote-write batches: several targets' requests become one, compressed once. Used by a
// dedicated instance (the host's BatchCodec, src/core/batch-codec.ts) that holds no scrape
// state; a target's core never calls it.
//
// 1.0: a serialized WriteRequest is `repeated TimeSeries` (field 1), so requests written back to
// back are one valid request; the host copies them into the input and it is compressed as is.
// 2.0: each request has its own symbol table (Request.symbols = 4) that its series refer to by
// index. The merge interns every part's symbols into one table ("" first, as the specification
// requires, and each string once: the table is "de-duplicated") and rewrites the refs of each
// series (TimeSeries.labels_refs, Exemplar.labels_refs, Metadata.help_ref/unit_ref) to it;
// every other field is copied as it is.
//
// The input is the host's own encoding, but the parser still checks every length against the
// part's end: a malformed part makes the merge return 0 instead of reading past it.

import { ByteBuffer } from "./buffer";
import { StringIndex } from "./strings";
import { WireType, bytesFieldSize, varintFieldSize, writeVarint, writeBytesField, writeVarintField } from "./protobuf";
import { RequestTag, SeriesV2Tag, ExemplarTag, MetadataV2Tag } from "./rwschema";
import { initSnappy, snappyCompress, compressed } from "./snappy";

/** A symbol of the merged table: the bytes stay in the input, which does not move during a merge. */
const SYMBOL_RECORD: u32 = 8; // { ptr: u32, len: u32 } (wasm32)

let ready: bool = false;
let input: ByteBuffer = changetype<ByteBuffer>(0);
let merged: ByteBuffer = changetype<ByteBuffer>(0);
let seriesOut: ByteBuffer = changetype<ByteBuffer>(0);
let seriesBody: ByteBuffer = changetype<ByteBuffer>(0);
let nestedBody: ByteBuffer = changetype<ByteBuffer>(0);
let packed: ByteBuffer = changetype<ByteBuffer>(0);
let localToGlobal: ByteBuffer = changetype<ByteBuffer>(0);
let symbols: ByteBuffer = changetype<ByteBuffer>(0);
let symbolIndex: StringIndex = changetype<StringIndex>(0);

/** Set by readField: the field number, wire type, a VARINT field's value, a LEN field's payload. */
let fieldNumber: u32 = 0;
let wireType: u32 = 0;
let fieldValue: u64 = 0;
let payload: usize = 0;
let payloadLen: u32 = 0;
/** Set by readVarint64: the address after the varint; 0 when it ran past the end. */
let after: usize = 0;

function setUp(): void {
  if (ready) return;
  ready = true;
  input = ByteBuffer.create(64 * 1024);
  merged = ByteBuffer.create(64 * 1024);
  seriesOut = ByteBuffer.create(64 * 1024);
  seriesBody = ByteBuffer.create(1024);
  nestedBody = ByteBuffer.create(256);
  packed = ByteBuffer.create(256);
  localToGlobal = ByteBuffer.create(1024);
  symbols = ByteBuffer.create(SYMBOL_RECORD * 1024);
  symbolIndex = StringIndex.create(1024);
  if (changetype<usize>(compressed) == 0) initSnappy();
}

// @ts-ignore: decorator
@inline function hashBytes(p: usize, len: u32): u32 {
  // FNV-1a over 4-byte words, then the tail: symbols are short label names and values.
  let h: u32 = 0x811C9DC5 ^ len;
  const end = p + <usize>len;
  while (p + 4 <= end) {
    h = (h ^ load<u32>(p)) * 0x01000193;
    h ^= h >> 15;
    p += 4;
  }
  while (p < end) h = (h ^ <u32>load<u8>(p++)) * 0x01000193;
  return h ^ (h >> 16);
}

/** Reads a varint at [p, end); sets `after` (0 if it does not end before `end` or is too long). */
function readVarint64(p: usize, end: usize): u64 {
  let v: u64 = 0;
  let shift: u64 = 0;
  while (p < end && shift < 64) {
    const b = <u64>load<u8>(p++);
    v |= (b & 0x7F) << shift;
    if (b < 0x80) {
      after = p;
      return v;
    }
    shift += 7;
  }
  after = 0;
  return 0;
}

/** Reads one field at [p, end); returns the address after it, 0 when malformed. */
function readField(p: usize, end: usize): usize {
  const tag = readVarint64(p, end);
  if (after == 0) return 0;
  fieldNumber = <u32>(tag >> 3);
  wireType = <u32>(tag & 7);
  p = after;
  if (wireType == WireType.VARINT) {
    fieldValue = readVarint64(p, end);
    return after;
  }
  if (wireType == WireType.I64) return p + 8 <= end ? p + 8 : 0;
  if (wireType == WireType.I32) return p + 4 <= end ? p + 4 : 0;
  if (wireType != WireType.LEN) return 0;
  const len = readVarint64(p, end);
  if (after == 0 || len > <u64>(end - after)) return 0;
  payload = after;
  payloadLen = <u32>len;
  return after + <usize>len;
}

/** The merged table's id of the string [p, p+len), added if new. */
function internSymbol(p: usize, len: u32): u32 {
  const h = hashBytes(p, len);
  // StringIndex ids start at 1 (0 marks an empty slot): record id = symbol index + 1.
  const found = symbolIndex.find(h, p, len, symbols, SYMBOL_RECORD);
  if (found != 0) return found - 1;
  const id = symbols.length / SYMBOL_RECORD;
  const at = symbols.reserve(SYMBOL_RECORD);
  store<u32>(at, <u32>p);
  store<u32>(at, len, 4);
  symbols.length += SYMBOL_RECORD;
  symbolIndex.insert(h, id);
  return id - 1;
}

/** The merged index of a part's symbol `local`; 0xFFFFFFFF when the part has no such symbol. */
// @ts-ignore: decorator
@inline function globalRef(local: u64): u32 {
  if (local >= <u64>(localToGlobal.length >> 2)) return 0xFFFFFFFF;
  return load<u32>(localToGlobal.data + (<usize>local << 2));
}

/** Appends a length-delimited field to `out`. */
function appendField(out: ByteBuffer, tag: u8, src: usize, len: u32): void {
  const at = out.reserve(bytesFieldSize(len));
  out.length += <u32>(writeBytesField(at, tag, src, len) - at);
}

/** Appends a varint field to `out`. */
function appendVarintField(out: ByteBuffer, tag: u8, v: u64): void {
  const at = out.reserve(varintFieldSize(v));
  out.length += <u32>(writeVarintField(at, tag, v) - at);
}

/** Appends the refs packed at [p, p+len) re-mapped, as the packed field `tag`, to `out`; false if malformed. */
function appendPackedRefs(out: ByteBuffer, tag: u8, p: usize, len: u32): bool {
  packed.clear();
  const end = p + <usize>len;
  while (p < end) {
    const ref = globalRef(readVarint64(p, end));
    if (after == 0 || ref == 0xFFFFFFFF) return false;
    p = after;
    const w = packed.reserve(5);
    packed.length += <u32>(writeVarint(w, ref) - w);
  }
  appendField(out, tag, packed.data, packed.length);
  return true;
}

/** Appends the VARINT field just read (a symbol ref) re-mapped, with `tag`, to `out`; false if no such symbol. */
function appendRef(out: ByteBuffer, tag: u8): bool {
  const ref = globalRef(fieldValue);
  if (ref == 0xFFFFFFFF) return false;
  appendVarintField(out, tag, ref);
  return true;
}

/** Copies the raw field [start, end) to `out`. */
// @ts-ignore: decorator
@inline function copyField(out: ByteBuffer, start: usize, end: usize): void {
  out.pushBytes(start, <u32>(end - start));
}

/** The 2.0 messages whose fields hold symbol refs. */
const enum Message { SERIES, EXEMPLAR, METADATA }

/** Whether `tag` is a field of `message` holding refs packed: labels_refs. */
// @ts-ignore: decorator
@inline function holdsPackedRefs(message: Message, tag: u32): bool {
  return (message == Message.SERIES && tag == SeriesV2Tag.LABELS_REFS) || (message == Message.EXEMPLAR && tag == ExemplarTag.LABELS_REFS);
}

/** Whether `tag` is a field of `message` holding one ref: labels_refs unpacked, help_ref, unit_ref. */
// @ts-ignore: decorator
@inline function holdsRef(message: Message, tag: u32): bool {
  if (message == Message.SERIES) return tag == SeriesV2Tag.LABELS_REFS_UNPACKED;
  if (message == Message.EXEMPLAR) return tag == ExemplarTag.LABELS_REFS_UNPACKED;
  return tag == MetadataV2Tag.HELP_REF || tag == MetadataV2Tag.UNIT_REF;
}

/**
 * Appends the `message` at [p, p+len) to `out` as the field `tag`, its symbol refs re-mapped
 * (a TimeSeries' exemplars and metadata too) and every other field copied as it is.
 */
function rewriteMessage(out: ByteBuffer, tag: u8, p: usize, len: u32, message: Message): bool {
  // A TimeSeries is built in seriesBody, the messages nested in it in nestedBody.
  const body = message == Message.SERIES ? seriesBody : nestedBody;
  body.clear();
  const end = p + <usize>len;
  while (p < end) {
    const next = readField(p, end);
    if (next == 0) return false;
    const fieldTag = fieldNumber << 3 | wireType;
    let ok = true;
    if (holdsPackedRefs(message, fieldTag)) ok = appendPackedRefs(body, <u8>fieldTag, payload, payloadLen);
    else if (holdsRef(message, fieldTag)) ok = appendRef(body, <u8>fieldTag);
    else if (message == Message.SERIES && fieldTag == SeriesV2Tag.EXEMPLARS) ok = rewriteMessage(body, <u8>fieldTag, payload, payloadLen, Message.EXEMPLAR);
    else if (message == Message.SERIES && fieldTag == SeriesV2Tag.METADATA) ok = rewriteMessage(body, <u8>fieldTag, payload, payloadLen, Message.METADATA);
    else copyField(body, p, next);
    if (!ok) return false;
    p = next;
  }
  appendField(out, tag, body.data, body.length);
  return true;
}

/** Merges one part at [p, end): its symbols into the table, its series into seriesOut. */
function mergePart(p: usize, end: usize): bool {
  localToGlobal.clear();
  // Symbols first, wherever they are in the part: the series refer to them by index.
  for (let q = p; q < end;) {
    const next = readField(q, end);
    if (next == 0) return false;
    if ((fieldNumber << 3 | wireType) == RequestTag.SYMBOLS) localToGlobal.pushU32(internSymbol(payload, payloadLen));
    q = next;
  }
  for (let q = p; q < end;) {
    const next = readField(q, end);
    if (next == 0) return false;
    if ((fieldNumber << 3 | wireType) == RequestTag.TIMESERIES && !rewriteMessage(seriesOut, <u8>RequestTag.TIMESERIES, payload, payloadLen, Message.SERIES)) return false;
    q = next;
  }
  return true;
}

/** batchInput: room for `length` bytes of parts at the returned address (may grow memory). */
export function batchInput(length: u32): usize {
  setUp();
  input.clear();
  input.reserve(length);
  return input.data;
}

/** batchCompressRw1: snappy of the `length` bytes at batchInput (1.0 requests back to back); returns its length. */
export function batchCompressRw1(length: u32): u32 {
  setUp();
  return snappyCompress(input.data, length);
}

/**
 * batchCompressRw2: the `count` 2.0 requests at batchInput (each a u32 LE length and its bytes,
 * `length` bytes in all) merged into one request with one symbol table, then snappy-compressed;
 * returns the compressed length, 0 when a part is malformed.
 */
export function batchCompressRw2(count: u32, length: u32): u32 {
  setUp();
  seriesOut.clear();
  symbols.clear();
  if (symbolIndex.used != 0) {
    memory.fill(symbolIndex.slots, 0, <usize>(symbolIndex.mask + 1) << 3);
    symbolIndex.used = 0;
  }
  // Record 0 is the index's "empty"; symbol 0 is "" (record 1), as the specification requires.
  symbols.reserve(SYMBOL_RECORD);
  symbols.length = SYMBOL_RECORD;
  internSymbol(input.data, 0);
  let p = input.data;
  const end = p + <usize>length;
  for (let i: u32 = 0; i < count; i++) {
    if (p + 4 > end) return 0;
    const len = load<u32>(p);
    p += 4;
    if (<usize>len > end - p) return 0;
    if (!mergePart(p, p + <usize>len)) return 0;
    p += <usize>len;
  }
  merged.clear();
  const records = symbols.length / SYMBOL_RECORD;
  for (let id: u32 = 1; id < records; id++) {
    const at = symbols.data + <usize>id * SYMBOL_RECORD;
    appendField(merged, <u8>RequestTag.SYMBOLS, <usize>load<u32>(at), load<u32>(at, 4));
  }
  merged.pushBytes(seriesOut.data, seriesOut.length);
  return snappyCompress(merged.data, merged.length);
}

/** batchOutput: where the last batchCompress* result is (valid until the next call). */
export function batchOutput(): usize {
  return compressed.data;
}
