// The series table: every series this core has seen, its labels encoded once as remote-write
// protobuf (the label arena), and a hash index from 96-bit key hashes to series refs.
//
// A series is reached by two keys: the hash of its raw text (`name{a="1",b="2"}` exactly as the
// target wrote it, so a known series costs one hash and one probe, without parsing labels) and
// the hash of its canonical encoding (sorted, unescaped labels as remote-write bytes, so the
// same series spelled differently is still one series). Refs start at 1; 0 means none.

import { ByteBuffer } from "./buffer";
import { hashLow, hashHigh } from "./hash";

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
  /** Heap block holding the remote-write 1.0 `repeated Label` bytes, or 0. */
  labels: usize;
  labelsLen: u32;
  /** Heap block of global symbol ids (name, value, name, value...), built on the first rw2 encode. */
  symbols: usize;
  symbolCount: u32;
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
/** Bytes held by label blocks: the label arena's size. */
let arenaBytes: u64 = 0;

export function initSeries(): void {
  records = ByteBuffer.create(SERIES_SIZE * 1024);
  // ref 0 is never used: reserve its record.
  memory.fill(records.reserve(SERIES_SIZE), 0, SERIES_SIZE);
  records.length = SERIES_SIZE;
  freeRefs = ByteBuffer.create(256);
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
export function labelArenaBytes(): u64 { return arenaBytes; }
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

/** Creates a series whose canonical label bytes are [labels, labels+len); returns its ref. */
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
  const block = heap.alloc(<usize>max<u32>(len, 1));
  memory.copy(block, labels, <usize>len);
  s.labels = block;
  s.labelsLen = len;
  s.state = <u8>SeriesState.PENDING;
  s.bound = NaN;
  arenaBytes += len;
  liveSeries++;
  return ref;
}

/** Replaces a series' label bytes (after the host rewrote its labels). */
export function replaceLabels(ref: u32, labels: usize, len: u32): void {
  const s = seriesAt(ref);
  arenaBytes -= s.labelsLen;
  heap.free(s.labels);
  const block = heap.alloc(<usize>max<u32>(len, 1));
  memory.copy(block, labels, <usize>len);
  s.labels = block;
  s.labelsLen = len;
  arenaBytes += len;
}

/** Marks a series dropped: its labels are freed, its keys stay so the decision is remembered. */
export function dropSeries(ref: u32): void {
  const s = seriesAt(ref);
  if (s.labels != 0) {
    arenaBytes -= s.labelsLen;
    heap.free(s.labels);
    s.labels = 0;
    s.labelsLen = 0;
  }
  s.state = <u8>SeriesState.DROPPED;
}

/** Frees a series' memory; its ref is reused after the next index rebuild. */
export function evictSeries(ref: u32, releaseSymbols: (ids: usize, count: u32) => void): void {
  const s = seriesAt(ref);
  if (s.labels != 0) {
    arenaBytes -= s.labelsLen;
    heap.free(s.labels);
  }
  if (s.symbols != 0) {
    releaseSymbols(s.symbols, s.symbolCount);
    heap.free(s.symbols);
  }
  s.labels = 0;
  s.labelsLen = 0;
  s.symbols = 0;
  s.symbolCount = 0;
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
