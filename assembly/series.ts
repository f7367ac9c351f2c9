// The series table: every series this core has seen, its labels encoded once as remote-write
// protobuf (the label arena), and a hash index from 96-bit key hashes to series refs.
//
// Labels are interned per pair (pairs.ts): a series holds the ids of its pairs, and its labels'
// remote-write 1.0 bytes are the concatenation of those pairs' encodings.
//
// A series is reached by the hash of its raw key text (`name{a="1",b="2"}` exactly as the target
// wrote it, so a known series costs one hash and one probe, without parsing labels), and by the
// hash of its canonical key text (sorted, escaped, without empty values: canonical.ts), so the same series spelled differently is still one series. Most clients
// write the canonical text: then both are one key and the series takes one slot. Refs start at
// 1; 0 means none.

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { lowLane, highLane } from "./hash";
import { pairAt, internPairs, releasePair, writePairs, pairBytes } from "./pairs";
import { readVarint, varintEnd } from "./protobuf";
import { SeriesState } from "./enums";

@unmanaged
export class Series {
  /** Its label pairs' ids (varints, in label order), in a list block (allocList), or 0. */
  labels: usize;
  /** Bytes of that list. */
  idsLen: u32;
  /** Length of its labels as remote-write 1.0 `repeated Label` bytes. */
  labelsLen: u32;
  /** Epoch of the last scrape that had this series. */
  lastSeen: u32;
  /** Index of its family in the current scrape's family table. */
  family: u32;
  /**
   * Its le or quantile pair as the page wrote it (the last of them in label order), whose value
   * is the bound; 0 if none. The series holds a reference of its own on it, so a rewrite of its
   * labels does not free it.
   */
  boundPair: u32;
  state: u8;
  /** Suffix kind of the metric name (Suffix in families.ts). */
  suffix: u8;
  /** SeriesFlag bits. */
  flags: u8;
  /** 64-bit hash of the metric name, and of the name without its type suffix. */
  nameHash: u64;
  baseHash: u64;
}

/** Series.flags bits. */
export const enum SeriesFlag {
  /** It has an le label (seriesinfo.ts). */
  HAS_LE = 1,
  /** It has a quantile label. */
  HAS_QUANTILE = 2,
  /** A staleness marker of this scrape's, between finish()'s marking and its eviction pass (scrape.ts). */
  STALE_NOW = 0x80,
}

/** Value of the series' le or quantile label (NaN when absent or not a number). */
// @ts-ignore: decorator
@inline export function seriesBound(s: Series): f64 {
  return s.boundPair == 0 ? NaN : pairAt(s.boundPair).bound;
}

// OpenMetrics' strict checks need each series' group (its labels but __name__, le and quantile,
// as the page wrote them): a side table by ref, filled only for series created in strict mode, so
// other cores pay nothing for it. 0 = not recorded.
let groupHashes: ByteBuffer = changetype<ByteBuffer>(0);

export function setGroupHash(ref: u32, h: u64): void {
  if (changetype<usize>(groupHashes) == 0) groupHashes = ByteBuffer.create(8 * 1024);
  const need = (ref + 1) << 3;
  if (groupHashes.length < need) {
    const at = groupHashes.reserve(need - groupHashes.length);
    memory.fill(at, 0, need - groupHashes.length);
    groupHashes.length = need;
  }
  store<u64>(groupHashes.data + (<usize>ref << 3), h);
}

export function recordedGroupHash(ref: u32): u64 {
  if (changetype<usize>(groupHashes) == 0 || groupHashes.length < (ref + 1) << 3) return 0;
  return load<u64>(groupHashes.data + (<usize>ref << 3));
}

const SERIES_SIZE: u32 = <u32>offsetof<Series>();

// Index slot: 16 bytes { low: u64, high: u32, ref: u32 }; ref 0 = empty.
const SLOT_SIZE: usize = 16;
/** The index's smallest size: 1 KiB, so a target of a few series does not hold 16 KiB of zeros. */
const MIN_SLOTS: u32 = 64;

// Records live in segments of 1024: growing adds a segment and never copies. (A doubling buffer
// leaves its old copies behind, touched, in a memory that never shrinks: 16 + 8 + 4... MiB for
// 281k series of 64 bytes.)
const SEGMENT_SHIFT: u32 = 10;
const SEGMENT_MASK: u32 = (1 << SEGMENT_SHIFT) - 1;
/** The segments' addresses (a raw block, so seriesAt() is one load away from a record). */
let segmentDir: usize = 0;
let segmentDirCapacity: u32 = 0;
/** Refs [0, refLimit) have records. */
let refLimit: u32 = 0;
let freeRefs: ByteBuffer = changetype<ByteBuffer>(0);
let slots: usize = 0;
let slotMask: u32 = 0;
let slotCount: u32 = 0;
let liveSeries: u32 = 0;
/** Bytes of the series' pair-id lists (with their size-class rounding). */
let idBytes: u64 = 0;
/** Bytes of label names and values of live series (as if each series kept its own copy). */
let textBytes: u64 = 0;
/** Where labelsBytes() writes a series' labels for the host. */
let labelScratch: ByteBuffer = changetype<ByteBuffer>(0);
/** Where a new series' pair ids are packed before they get their block. */
let idScratch: ByteBuffer = changetype<ByteBuffer>(0);

// Pair-id lists (a few to a few dozen bytes each) come from slabs, in size classes of 4 bytes
// with a free list per class; lists over LIST_MAX_SMALL bytes come from the heap. The heap would
// round each list up to 16 bytes plus a 4-byte header: 48 bytes for the 17 of a typical
// cAdvisor series, where a class takes 20.
const LIST_MAX_SMALL: u32 = 256;
const SLAB_BYTES: u32 = 64 * 1024;
/** Free-list heads, one per class (class c holds lists of up to 4c bytes). */
let listFree: usize = 0;
let slabNext: usize = 0;
let slabEnd: usize = 0;

function allocList(bytes: u32): usize {
  if (bytes > LIST_MAX_SMALL) return heap.alloc(<usize>bytes);
  const c = (max<u32>(bytes, 1) + 3) >> 2;
  const head = listFree + (<usize>c << 2);
  const p = load<usize>(head);
  if (p != 0) {
    store<usize>(head, load<usize>(p));
    return p;
  }
  const size = <usize>c << 2;
  if (slabNext + size > slabEnd) {
    slabNext = heap.alloc(<usize>SLAB_BYTES);
    slabEnd = slabNext + SLAB_BYTES;
  }
  const at = slabNext;
  slabNext += size;
  return at;
}

function freeList(p: usize, bytes: u32): void {
  if (bytes > LIST_MAX_SMALL) { heap.free(p); return; }
  const head = listFree + (<usize>((max<u32>(bytes, 1) + 3) >> 2) << 2);
  store<usize>(p, load<usize>(head));
  store<usize>(head, p);
}

/** Bytes a list of `bytes` takes. */
function listFootprint(bytes: u32): u32 {
  return bytes > LIST_MAX_SMALL ? bytes : (max<u32>(bytes, 1) + 3) & ~3;
}

export function initSeries(): void {
  segmentDirCapacity = 64;
  segmentDir = heap.alloc(<usize>segmentDirCapacity << 2);
  refLimit = 0;
  // ref 0 is never used: reserve its record.
  memory.fill(changetype<usize>(seriesAt(newRef())), 0, SERIES_SIZE);
  freeRefs = ByteBuffer.create(256);
  labelScratch = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  idScratch = ByteBuffer.create(64);
  const classes = <usize>((LIST_MAX_SMALL >> 2) + 1) << 2;
  listFree = heap.alloc(classes);
  memory.fill(listFree, 0, classes);
  slabNext = 0;
  slabEnd = 0;
  allocSlots(MIN_SLOTS);
}

function allocSlots(capacity: u32): void {
  slots = heap.alloc(<usize>capacity * SLOT_SIZE);
  memory.fill(slots, 0, <usize>capacity * SLOT_SIZE);
  slotMask = capacity - 1;
  slotCount = 0;
}

// @ts-ignore: decorator
@inline export function seriesAt(ref: u32): Series {
  const segment = load<usize>(segmentDir + (<usize>(ref >> SEGMENT_SHIFT) << 2));
  return changetype<Series>(segment + <usize>(ref & SEGMENT_MASK) * SERIES_SIZE);
}

/** A ref never used before, in a new segment when the last one is full. */
function newRef(): u32 {
  if ((refLimit & SEGMENT_MASK) == 0) {
    const n = refLimit >> SEGMENT_SHIFT;
    if (n == segmentDirCapacity) {
      segmentDirCapacity <<= 1;
      segmentDir = heap.realloc(segmentDir, <usize>segmentDirCapacity << 2);
    }
    store<usize>(segmentDir + (<usize>n << 2), heap.alloc(<usize>SERIES_SIZE << SEGMENT_SHIFT));
  }
  return refLimit++;
}

export function seriesCount(): u32 { return liveSeries; }
export function seriesCapacity(): u32 { return refLimit; }
/** Bytes the core holds for labels: the distinct pairs' encodings and each series' pair ids. */
export function labelArenaBytes(): u64 { return pairBytes() + idBytes; }
/** Bytes of the live series' label names and values: what a copy per series would hold. */
export function labelTextBytes(): u64 { return textBytes; }
export function indexBytes(): u64 { return (<u64>slotMask + 1) * SLOT_SIZE; }

/** Looks up a key (its hash128: 96 of its bits are compared); returns its ref or 0. */
export function lookup(key: v128): u32 {
  const low = lowLane(key);
  const high = <u32>highLane(key);
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
 * Adds `key` for `ref` (the key must not be present). The index grows at 3/4 load: at 1/2 a
 * 281k-series page needed 32 MiB of slots instead of 16 (bench/scrape-memory.bench.ts,
 * 2026-11-24), for slightly longer probes on a miss.
 */
export function insertKey(ref: u32, key: v128): void {
  if ((slotCount + 1) * 4 > (slotMask + 1) * 3) rebuildIndex((slotMask + 1) << 1);
  putSlot(lowLane(key), <u32>highLane(key), ref);
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
function rebuildIndex(capacity: u32): void {
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
  idScratch.clear();
  textBytes += internPairs(labels, len, idScratch);
  const n = idScratch.length;
  const list = allocList(n);
  memory.copy(list, idScratch.data, n);
  s.labels = list;
  s.idsLen = n;
  s.labelsLen = len;
  idBytes += listFootprint(n);
}

/** Gives back the pairs of an id list, and the list. */
function releaseList(list: usize, idsLen: u32): void {
  let p = list;
  const end = list + idsLen;
  while (p < end) {
    const id = readVarint(p);
    p = varintEnd;
    textBytes -= pairAt(id).textLen;
    releasePair(id);
  }
  idBytes -= listFootprint(idsLen);
  freeList(list, idsLen);
}

/** Gives back the series' pairs. */
function clearLabels(s: Series): void {
  if (s.labels == 0) return;
  releaseList(s.labels, s.idsLen);
  s.labels = 0;
  s.idsLen = 0;
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
  writePairs(at, s.labels, s.idsLen);
  return at;
}

/** Creates a series whose canonical label bytes are [labels, labels+len); returns its ref (not in the index yet). */
export function createSeries(labels: usize, len: u32): u32 {
  let ref: u32;
  if (freeRefs.length > 0) {
    freeRefs.length -= 4;
    ref = load<u32>(freeRefs.data + freeRefs.length);
  } else {
    ref = newRef();
  }
  const s = seriesAt(ref);
  memory.fill(changetype<usize>(s), 0, SERIES_SIZE);
  if (recordedGroupHash(ref) != 0) setGroupHash(ref, 0);
  setLabels(s, labels, len);
  s.state = <u8>SeriesState.PENDING;
  liveSeries++;
  return ref;
}

/** Replaces a series' labels (after the host rewrote them). */
export function replaceLabels(ref: u32, labels: usize, len: u32): void {
  const s = seriesAt(ref);
  // The new labels first: the pairs a rewrite keeps (most of them) are then only referenced
  // once more, never freed and interned again.
  const oldList = s.labels;
  const oldLen = s.idsLen;
  setLabels(s, labels, len);
  if (oldList != 0) releaseList(oldList, oldLen);
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
  if (s.boundPair != 0) {
    releasePair(s.boundPair);
    s.boundPair = 0;
  }
  s.state = <u8>SeriesState.FREE;
  liveSeries--;
}

/** After evictions: drop dead keys from the index, then let the evicted refs be reused. */
export function reclaimEvicted(evicted: ByteBuffer): void {
  let capacity = slotMask + 1;
  // Shrink the index when it is mostly empty (a spike passed); never below MIN_SLOTS. Up to two
  // keys per series (raw text and canonical) stay under 1/2 load after shrinking.
  while (capacity > MIN_SLOTS && liveSeries * 8 < capacity) capacity >>= 1;
  if (capacity != slotMask + 1) rebuildIndex(capacity);
  else purgeKeys(evicted);
  freeRefs.pushBytes(evicted.data, evicted.length);
}

/** One bit per ref: the refs purgeKeys() is removing (kept between calls, cleared after each). */
let deadRefBits: ByteBuffer = changetype<ByteBuffer>(0);

/**
 * Removes the keys of the `evicted` refs from the index in place (the index keeps its size).
 * Cheaper than rebuildIndex at the same capacity, which every scrape with churn paid: it read
 * each live key's series record (a random access) and inserted the key again into a new table;
 * this reads the slots in order and tests a bit per ref, and moves only the keys behind a removed
 * one (5% churn on a 64 MB page, 9k series evicted a scrape: finish() 11.5 -> 7.5 ms median,
 * bench/ab-churn.js, bench/RESULTS.md 2026-12-03). What is left is reading the slots (16 MiB for
 * ~400k keys); removing only the evicted series' own keys would need their key hashes kept.
 *
 * Linear probing without tombstones: a removed key's slot is refilled by backward shift (the
 * next key of its run moves back when its home slot is not after the hole), so lookups still stop
 * at the first empty slot. The scan starts just past an empty slot (the index is at most 3/4
 * full, so there is one): no run crosses the scan's start, keys only ever move back toward their
 * home, and a slot behind the scan is never written again.
 */
function purgeKeys(evicted: ByteBuffer): void {
  const bytes = (refLimit >> 3) + 1;
  if (changetype<usize>(deadRefBits) == 0) deadRefBits = ByteBuffer.create(bytes);
  deadRefBits.clear();
  const bits = deadRefBits.reserve(bytes);
  memory.fill(bits, 0, bytes);
  const n = evicted.length >> 2;
  for (let k: u32 = 0; k < n; k++) {
    const ref = load<u32>(evicted.data + (<usize>k << 2));
    store<u8>(bits + (ref >> 3), <u32>load<u8>(bits + (ref >> 3)) | (<u32>1 << (ref & 7)));
  }
  const mask = slotMask;
  let start: u32 = 0;
  while (load<u32>(slots + <usize>start * SLOT_SIZE, 12) != 0) start++;
  for (let step: u32 = 1; step <= mask; step++) {
    const i = (start + step) & mask;
    const slot = slots + <usize>i * SLOT_SIZE;
    for (;;) {
      const ref = load<u32>(slot, 12);
      if (ref == 0 || ((<u32>load<u8>(bits + (ref >> 3)) >> (ref & 7)) & 1) == 0) break;
      removeSlot(i);
    }
  }
}

/** Empties slot `hole` and closes the gap: later keys of its run move back when they may. */
function removeSlot(hole: u32): void {
  const mask = slotMask;
  let j = hole;
  for (;;) {
    j = (j + 1) & mask;
    const from = slots + <usize>j * SLOT_SIZE;
    if (load<u32>(from, 12) == 0) break;
    const home = <u32>load<u64>(from) & mask;
    // The key at j may fill the hole when its home is not in (hole, j] (cyclically).
    if (((j - home) & mask) >= ((j - hole) & mask)) {
      memory.copy(slots + <usize>hole * SLOT_SIZE, from, SLOT_SIZE);
      hole = j;
    }
  }
  memory.fill(slots + <usize>hole * SLOT_SIZE, 0, SLOT_SIZE);
  slotCount--;
}
