// The series table: every series this core has seen, its labels encoded once as remote-write
// protobuf (the label arena), and a hash index from 96-bit key hashes to series refs.
//
// Labels are interned per pair (pairs.ts): a series holds the ids of its pairs, and its labels'
// remote-write 1.0 bytes are the concatenation of those pairs' encodings.
//
// A series is reached by two keys: the hash of its raw text (`name{a="1",b="2"}` exactly as the
// target wrote it, so a known series costs one hash and one probe, without parsing labels) and
// the hash of its canonical encoding (sorted, unescaped labels as remote-write bytes, so the
// same series spelled differently is still one series). Refs start at 1; 0 means none.

import { ByteBuffer } from "./buffer";
import { hashLow, hashHigh, setHash } from "./hash";
import { pairAt, internPairs, releasePair, countLabels, writePairs, pairBytes } from "./pairs";

export const enum SeriesState {
  FREE = 0,
  /** Seen for the first time in this scrape; the host has not decided yet. */
  PENDING = 1,
  KEPT = 2,
  /** Dropped by the host's decision (relabeling); remembered so the decision is made once. */
  DROPPED = 3,
}

@unmanaged
export class Series {
  /** Heap block of its label pairs' ids (u32, sorted by name as the labels are), or 0. */
  labels: usize;
  labelCount: u32;
  /** Length of its labels as remote-write 1.0 `repeated Label` bytes. */
  labelsLen: u32;
  /** Epoch of the last scrape that had this series. */
  lastSeen: u32;
  /** Index of its family in the current scrape's family table. */
  family: u32;
  /** 64-bit hash of the metric name, and of the name without its type suffix. */
  nameHash: u64;
  baseHash: u64;
  /** Hash of the labels other than le/quantile: identifies a histogram/summary group. */
  groupHash: u64;
  /** Value of the le or quantile label (NaN when absent). */
  bound: f64;
  state: u8;
  /** Suffix kind of the metric name (see Suffix in lexer.ts). */
  suffix: u8;
  /** Sorted-position flags: bit 0 = has le, bit 1 = has quantile. */
  flags: u8;
}

const SERIES_SIZE: u32 = <u32>offsetof<Series>();

// Index slot: 16 bytes { low: u64, high: u32, ref: u32 }; ref 0 = empty.
const SLOT_SIZE: usize = 16;

let records: ByteBuffer = changetype<ByteBuffer>(0);
let freeRefs: ByteBuffer = changetype<ByteBuffer>(0);
let slots: usize = 0;
let slotMask: u32 = 0;
let slotCount: u32 = 0;
let liveSeries: u32 = 0;
/** Bytes of the series' pair-id lists. */
let idBytes: u64 = 0;
/** Bytes of label names and values of live series (as if each series kept its own copy). */
let textBytes: u64 = 0;
/** Where labelsBytes() writes a series' labels for the host. */
let labelScratch: ByteBuffer = changetype<ByteBuffer>(0);

export function initSeries(): void {
  records = ByteBuffer.create(SERIES_SIZE * 1024);
  // ref 0 is never used: reserve its record.
  memory.fill(records.reserve(SERIES_SIZE), 0, SERIES_SIZE);
  records.length = SERIES_SIZE;
  freeRefs = ByteBuffer.create(256);
  labelScratch = ByteBuffer.create(1024);
  allocSlots(1024);
}

function allocSlots(capacity: u32): void {
  slots = heap.alloc(<usize>capacity * SLOT_SIZE);
  memory.fill(slots, 0, <usize>capacity * SLOT_SIZE);
  slotMask = capacity - 1;
  slotCount = 0;
}

// @ts-ignore: decorator
@inline export function seriesAt(ref: u32): Series {
  return changetype<Series>(records.data + <usize>ref * SERIES_SIZE);
}

export function seriesCount(): u32 { return liveSeries; }
export function seriesCapacity(): u32 { return records.length / SERIES_SIZE; }
/** Bytes the core holds for labels: the distinct pairs' encodings and each series' pair ids. */
export function labelArenaBytes(): u64 { return pairBytes() + idBytes; }
/** Bytes of the live series' label names and values: what a copy per series would hold. */
export function labelTextBytes(): u64 { return textBytes; }
export function indexBytes(): u64 { return (<u64>slotMask + 1) * SLOT_SIZE; }

/** Looks up the key whose hash is in hashLow/hashHigh; returns its ref or 0. */
export function lookup(): u32 {
  const low = hashLow;
  const high = <u32>hashHigh;
  let i = <u32>low & slotMask;
  while (true) {
    const slot = slots + <usize>i * SLOT_SIZE;
    const ref = load<u32>(slot, 12);
    if (ref == 0) return 0;
    if (load<u64>(slot) == low && load<u32>(slot, 8) == high) return ref;
    i = (i + 1) & slotMask;
  }
}

/**
 * Adds the key in hashLow/hashHigh for `ref` (the key must not be present). The index grows at
 * 3/4 load: at 1/2 a 281k-series page needed 32 MiB of slots instead of 16
 * (bench/scrape-memory.bench.ts, 2026-11-24), for slightly longer probes on a miss.
 */
export function insertKey(ref: u32): void {
  if ((slotCount + 1) * 4 > (slotMask + 1) * 3) rebuildIndex((slotMask + 1) << 1);
  putSlot(hashLow, <u32>hashHigh, ref);
}

function putSlot(low: u64, high: u32, ref: u32): void {
  let i = <u32>low & slotMask;
  while (true) {
    const slot = slots + <usize>i * SLOT_SIZE;
    if (load<u32>(slot, 12) == 0) {
      store<u64>(slot, low);
      store<u32>(slot, high, 8);
      store<u32>(slot, ref, 12);
      slotCount++;
      return;
    }
    i = (i + 1) & slotMask;
  }
}

/**
 * Rebuilds the index at `capacity` slots, keeping only keys of live series: the way evicted
 * series' keys (including aliases) leave the index, and the way it shrinks after a spike.
 */
export function rebuildIndex(capacity: u32): void {
  const oldSlots = slots;
  const oldCapacity = slotMask + 1;
  allocSlots(capacity);
  for (let i: u32 = 0; i < oldCapacity; i++) {
    const slot = oldSlots + <usize>i * SLOT_SIZE;
    const ref = load<u32>(slot, 12);
    if (ref != 0 && seriesAt(ref).state != SeriesState.FREE) {
      putSlot(load<u64>(slot), load<u32>(slot, 8), ref);
    }
  }
  heap.free(oldSlots);
}

/** Interns the labels [labels, labels+len) as the series' pairs. */
function setLabels(s: Series, labels: usize, len: u32): void {
  const count = countLabels(labels, len);
  const ids = heap.alloc(<usize>max<u32>(count, 1) << 2);
  internPairs(labels, len, ids);
  s.labels = ids;
  s.labelCount = count;
  s.labelsLen = len;
  idBytes += <u64>count << 2;
  for (let k: u32 = 0; k < count; k++) textBytes += pairAt(load<u32>(ids + (<usize>k << 2))).textLen;
}

/** Gives back the series' pairs. */
function clearLabels(s: Series): void {
  if (s.labels == 0) return;
  const count = s.labelCount;
  for (let k: u32 = 0; k < count; k++) {
    const id = load<u32>(s.labels + (<usize>k << 2));
    textBytes -= pairAt(id).textLen;
    releasePair(id);
  }
  idBytes -= <u64>count << 2;
  heap.free(s.labels);
  s.labels = 0;
  s.labelCount = 0;
  s.labelsLen = 0;
}

/**
 * A series' labels as remote-write 1.0 `repeated Label` bytes, written to a scratch buffer
 * (valid until the next call); its length is seriesAt(ref).labelsLen. For the host, not per sample.
 */
export function labelsBytes(ref: u32): usize {
  const s = seriesAt(ref);
  labelScratch.clear();
  const at = labelScratch.reserve(s.labelsLen);
  writePairs(at, s.labels, s.labelCount);
  return at;
}

/**
 * Creates a series whose canonical label bytes are [labels, labels+len); returns its ref. The
 * key hash in hashLow/hashHigh is left as it was.
 */
export function createSeries(labels: usize, len: u32): u32 {
  let ref: u32;
  if (freeRefs.length > 0) {
    freeRefs.length -= 4;
    ref = load<u32>(freeRefs.data + freeRefs.length);
  } else {
    ref = records.length / SERIES_SIZE;
    records.reserve(SERIES_SIZE);
    records.length += SERIES_SIZE;
  }
  const s = seriesAt(ref);
  memory.fill(changetype<usize>(s), 0, SERIES_SIZE);
  // Interning the pairs hashes them: the caller's key hash (for insertKey) is kept.
  const low = hashLow;
  const high = hashHigh;
  setLabels(s, labels, len);
  setHash(low, high);
  s.state = <u8>SeriesState.PENDING;
  s.bound = NaN;
  liveSeries++;
  return ref;
}

/** Replaces a series' labels (after the host rewrote them). */
export function replaceLabels(ref: u32, labels: usize, len: u32): void {
  const s = seriesAt(ref);
  clearLabels(s);
  setLabels(s, labels, len);
}

/** Marks a series dropped: its labels are freed, its keys stay so the decision is remembered. */
export function dropSeries(ref: u32): void {
  const s = seriesAt(ref);
  clearLabels(s);
  s.state = <u8>SeriesState.DROPPED;
}

/** Frees a series' memory; its ref is reused after the next index rebuild. */
export function evictSeries(ref: u32): void {
  const s = seriesAt(ref);
  clearLabels(s);
  s.state = <u8>SeriesState.FREE;
  liveSeries--;
}

/** After evictions: drop dead keys from the index, then let the evicted refs be reused. */
export function reclaimEvicted(evicted: ByteBuffer): void {
  let capacity = slotMask + 1;
  // Shrink the index when it is mostly empty (a spike passed); never below 1024 slots. Two keys
  // per series (raw text and canonical) stay under 1/2 load after shrinking.
  while (capacity > 1024 && liveSeries * 8 < capacity) capacity >>= 1;
  rebuildIndex(capacity);
  freeRefs.pushBytes(evicted.data, evicted.length);
}
