// Interned label pairs: every distinct label (name and value) held once, as its remote-write 1.0
// `Label` message (tag, length, name field, value field), reference counted by the series that
// have it. A series keeps only the ids of its pairs, so the labels a node's pages repeat on every
// line (namespace, pod, container, image, id) cost their bytes once, not once per series: on a
// 100 MB cAdvisor-like page, 281,400 series have 16,593 distinct pairs (1.1 MB) for 94 MB of
// encoded labels (bench/scrape-memory.bench.ts, 2026-11-24).
//
// A pair also caches its remote-write 2.0 symbol ids (name, value), interned the first time a
// series with it goes out as 2.0; the pair holds one reference to each while it lives.

import { ByteBuffer } from "./buffer";
import { hash128, hashLow } from "./hash";
import { readVarint, varintEnd, writeVarint } from "./protobuf";
import { internSymbol, releaseSymbol } from "./symbols";
import { parseFloatBytes, parsedNumber } from "./number";
import { StringIndex, takeRecordId } from "./strings";

export const enum PairKind {
  PLAIN = 0,
  LE = 1,
  QUANTILE = 2,
  NAME = 3,
}

@unmanaged
export class Pair {
  /** Heap block holding the `Label` message bytes (0x0A, length, name field, value field). */
  ptr: usize;
  len: u32;
  refs: u32;
  hash: u32;
  /** Remote-write 2.0 symbol ids of name and value; 0 until first needed. */
  nameSymbol: u32;
  valueSymbol: u32;
  /** Bytes of name plus value (without protobuf framing). */
  textLen: u32;
  /** le, quantile and __name__ are what per-sample checks look for. */
  kind: u8;
  /** For le and quantile: the value as a number (NaN if it is not one). */
  bound: f64;
  /** For le and quantile: whether the value is spelled as OpenMetrics wants it (a real number, or "+Inf"/"-Inf"). */
  openMetricsBound: bool;
}

const PAIR_SIZE: u32 = <u32>offsetof<Pair>();
const PAIR_SEED: u64 = 0x50414952;

let records: ByteBuffer = changetype<ByteBuffer>(0);
let freeIds: ByteBuffer = changetype<ByteBuffer>(0);
let index: StringIndex = changetype<StringIndex>(0);
let live: u32 = 0;
let bytes: u64 = 0;

export function initPairs(): void {
  records = ByteBuffer.create(PAIR_SIZE * 256);
  memory.fill(records.reserve(PAIR_SIZE), 0, PAIR_SIZE); // id 0: none
  records.length = PAIR_SIZE;
  freeIds = ByteBuffer.create(64);
  index = StringIndex.create(256);
}

// @ts-ignore: decorator
@inline export function pairAt(id: u32): Pair {
  return changetype<Pair>(records.data + <usize>id * PAIR_SIZE);
}

export function pairCount(): u32 { return live; }
/** Bytes of the distinct pairs' encodings. */
export function pairBytes(): u64 { return bytes; }

/**
 * Returns the id of the `Label` message at [ptr, ptr+len), interning it (one more reference)
 * if needed. The message is our own encoding: well formed.
 */
export function internPair(ptr: usize, len: u32): u32 {
  hash128(ptr, len, PAIR_SEED);
  const h = <u32>hashLow;
  let id = index.find(h, ptr, len, records, PAIR_SIZE);
  if (id != 0) {
    pairAt(id).refs++;
    return id;
  }
  id = takeRecordId(records, freeIds, PAIR_SIZE);
  const p = pairAt(id);
  p.ptr = heap.alloc(<usize>len);
  memory.copy(p.ptr, ptr, <usize>len);
  p.len = len;
  p.refs = 1;
  p.hash = h;
  p.nameSymbol = 0;
  p.valueSymbol = 0;
  // Label { 0x0A varint(nameLen) name 0x12 varint(valueLen) value } inside 0x0A varint(len).
  readVarint(ptr + 1);
  const nameLen = readVarint(varintEnd + 1);
  const name = varintEnd;
  const valueLen = readVarint(name + nameLen + 1);
  const value = varintEnd;
  p.textLen = nameLen + valueLen;
  p.kind = <u8>PairKind.PLAIN;
  p.bound = NaN;
  p.openMetricsBound = false;
  if (nameLen == 2 && load<u16>(name) == 0x656C) p.kind = <u8>PairKind.LE;                          // "le"
  else if (nameLen == 8 && load<u64>(name) == 0x656C69746E617571) p.kind = <u8>PairKind.QUANTILE;  // "quantile"
  else if (nameLen == 8 && load<u64>(name) == 0x5F5F656D616E5F5F) p.kind = <u8>PairKind.NAME;      // "__name__"
  if (p.kind == PairKind.LE || p.kind == PairKind.QUANTILE) {
    const infinite = valueLen == 4 && (load<u32>(value) == 0x666E492B || load<u32>(value) == 0x666E492D); // "+Inf", "-Inf"
    p.openMetricsBound = infinite || parseFloatBytes(value, value + valueLen, false);
    if (parseFloatBytes(value, value + valueLen, true)) p.bound = parsedNumber;
  }
  bytes += len;
  live++;
  index.insert(h, id);
  return id;
}

/** One more reference to a live pair. */
export function retainPair(id: u32): void {
  pairAt(id).refs++;
}

/** Drops one reference; the last one frees the pair, its symbols' references and its index slot. */
export function releasePair(id: u32): void {
  const p = pairAt(id);
  if (--p.refs != 0) return;
  index.remove(p.hash, id);
  if (p.nameSymbol != 0) releaseSymbol(p.nameSymbol);
  if (p.valueSymbol != 0) releaseSymbol(p.valueSymbol);
  heap.free(p.ptr);
  bytes -= p.len;
  p.ptr = 0;
  p.len = 0;
  p.nameSymbol = 0;
  p.valueSymbol = 0;
  live--;
  freeIds.pushU32(id);
}

/** Interns the pair's name and value as remote-write 2.0 symbols, once. */
export function ensurePairSymbols(p: Pair): void {
  if (p.nameSymbol != 0) return;
  readVarint(p.ptr + 1);
  const nameLen = readVarint(varintEnd + 1);
  const name = varintEnd;
  const valueLen = readVarint(name + nameLen + 1);
  p.nameSymbol = internSymbol(name, nameLen);
  p.valueSymbol = internSymbol(varintEnd, valueLen);
}

/**
 * Interns every `Label` message of the `repeated Label` bytes at [labels, labels+len), appending
 * their ids to `ids` as varints; returns the bytes of their names and values.
 */
export function internPairs(labels: usize, len: u32, ids: ByteBuffer): u32 {
  const end = labels + len;
  let text: u32 = 0;
  while (labels < end) {
    const labelLen = readVarint(labels + 1);
    const next = varintEnd + labelLen;
    const id = internPair(labels, <u32>(next - labels));
    text += pairAt(id).textLen;
    const at = ids.reserve(5);
    ids.length += <u32>(writeVarint(at, id) - at);
    labels = next;
  }
  return text;
}

/** Labels in `repeated Label` bytes at [p, p+len). */
export function countLabels(p: usize, len: u32): u32 {
  const end = p + len;
  let count: u32 = 0;
  while (p < end) {
    const labelLen = readVarint(p + 1);
    p = varintEnd + labelLen;
    count++;
  }
  return count;
}

/** Writes the pairs of the id list [ids, ids+idsLen) as `repeated Label` bytes at `w`; returns the end. */
// @ts-ignore: decorator
@inline export function writePairs(w: usize, ids: usize, idsLen: u32): usize {
  const base = records.data;
  const end = ids + idsLen;
  while (ids < end) {
    // The ids are varints: one byte up to 127, two up to 16383 (most pages), rarely more.
    let id = <u32>load<u8>(ids++);
    if (id >= 0x80) {
      id &= 0x7F;
      let shift: u32 = 7;
      while (true) {
        const b = <u32>load<u8>(ids++);
        id |= (b & 0x7F) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
    }
    const p = changetype<Pair>(base + <usize>id * PAIR_SIZE);
    memory.copy(w, p.ptr, <usize>p.len);
    w += p.len;
  }
  return w;
}
