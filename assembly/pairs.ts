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
import { Seed } from "./hash";
import { writeVarint, readVarint, varintEnd } from "./protobuf";
import { readLabel, skipLabel, labelName, labelNameLen, labelValue, labelValueLen } from "./label";
import { isMetricNameLabel } from "./chars";
import { internSymbol, releaseSymbol } from "./symbols";
import { parseFloatBytes, parsedNumber } from "./number";
import { InternedString, InternTable } from "./strings";

export const enum PairKind {
  PLAIN = 0,
  LE = 1,
  QUANTILE = 2,
  NAME = 3,
}

/** A label pair: its InternedString holds the encoded label (label.ts). */
@unmanaged
export class Pair extends InternedString {
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

/** `le`, `quantile`, `+Inf` and `-Inf` as little-endian words, compared in one load. */
const LE_WORD: u16 = 0x656C;
const QUANTILE_WORD: u64 = 0x656C69746E617571;
const PLUS_INF_WORD: u32 = 0x666E492B;
const MINUS_INF_WORD: u32 = 0x666E492D;

let table: InternTable = changetype<InternTable>(0);

export function initPairs(): void {
  table = InternTable.create(PAIR_SIZE, 32); // id 0: none
}

// @ts-ignore: decorator
@inline export function pairAt(id: u32): Pair {
  return changetype<Pair>(table.records.data + <usize>id * PAIR_SIZE);
}

export function pairCount(): u32 { return table.live; }
/** Bytes of the distinct pairs' encodings. */
export function pairBytes(): u64 { return table.bytes; }

/**
 * Returns the id of the `Label` message at [ptr, ptr+len), interning it (one more reference)
 * if needed. The message is our own encoding: well formed.
 */
function internPair(ptr: usize, len: u32): u32 {
  const id = table.intern(ptr, len, Seed.PAIR);
  if (!table.added) return id;
  const p = pairAt(id);
  p.nameSymbol = 0;
  p.valueSymbol = 0;
  readLabel(ptr);
  const name = labelName;
  const nameLen = labelNameLen;
  const value = labelValue;
  const valueLen = labelValueLen;
  p.textLen = nameLen + valueLen;
  p.kind = <u8>PairKind.PLAIN;
  p.bound = NaN;
  p.openMetricsBound = false;
  if (nameLen == 2 && load<u16>(name) == LE_WORD) p.kind = <u8>PairKind.LE;
  else if (nameLen == 8 && load<u64>(name) == QUANTILE_WORD) p.kind = <u8>PairKind.QUANTILE;
  else if (isMetricNameLabel(name, nameLen)) p.kind = <u8>PairKind.NAME;
  if (p.kind == PairKind.LE || p.kind == PairKind.QUANTILE) {
    const infinite = valueLen == 4 && (load<u32>(value) == PLUS_INF_WORD || load<u32>(value) == MINUS_INF_WORD);
    p.openMetricsBound = infinite || parseFloatBytes(value, value + valueLen, false);
    if (parseFloatBytes(value, value + valueLen, true)) p.bound = parsedNumber;
  }
  return id;
}

/** One more reference to a live pair. */
export function retainPair(id: u32): void {
  pairAt(id).refs++;
}

/** Drops one reference; the last one frees the pair, its symbols' references and its index slot. */
export function releasePair(id: u32): void {
  if (!table.release(id)) return;
  const p = pairAt(id);
  if (p.nameSymbol != 0) releaseSymbol(p.nameSymbol);
  if (p.valueSymbol != 0) releaseSymbol(p.valueSymbol);
  p.nameSymbol = 0;
  p.valueSymbol = 0;
}

/** Interns the pair's name and value as remote-write 2.0 symbols, once. */
export function ensurePairSymbols(p: Pair): void {
  if (p.nameSymbol != 0) return;
  readLabel(p.ptr);
  const value = labelValue;
  const valueLen = labelValueLen;
  p.nameSymbol = internSymbol(labelName, labelNameLen);
  p.valueSymbol = internSymbol(value, valueLen);
}

/**
 * Interns every `Label` message of the `repeated Label` bytes at [labels, labels+len), appending
 * their ids to `ids` as varints; returns the bytes of their names and values.
 */
export function internPairs(labels: usize, len: u32, ids: ByteBuffer): u32 {
  const end = labels + len;
  let text: u32 = 0;
  while (labels < end) {
    const next = skipLabel(labels);
    const id = internPair(labels, <u32>(next - labels));
    text += pairAt(id).textLen;
    const at = ids.reserve(5);
    ids.length += <u32>(writeVarint(at, id) - at);
    labels = next;
  }
  return text;
}

/** Writes the pairs of the id list [ids, ids+idsLen) as `repeated Label` bytes at `w`; returns the end. */
// @ts-ignore: decorator
@inline export function writePairs(w: usize, ids: usize, idsLen: u32): usize {
  // The records' base and size hoisted: this is the inner loop of every 1.0 request.
  const base = table.records.data;
  const end = ids + idsLen;
  while (ids < end) {
    // The ids are varints: one byte up to 127, two up to 16383 (most pages), rarely more.
    let id = <u32>load<u8>(ids);
    if (id < 0x80) {
      ids++;
    } else {
      id = readVarint(ids);
      ids = varintEnd;
    }
    const p = changetype<Pair>(base + <usize>id * PAIR_SIZE);
    memory.copy(w, p.ptr, <usize>p.len);
    w += p.len;
  }
  return w;
}
