// Metric families of the current scrape: metadata from HELP/TYPE/UNIT lines, the family each
// sample belongs to, and (OpenMetrics) the family-level ordering rules. Strings are copied into
// the scrape arena, which lives until the next scrape begins.

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { releaseSymbol } from "./symbols";

export const enum MetricType {
  UNKNOWN = 0, COUNTER = 1, GAUGE = 2, HISTOGRAM = 3, GAUGEHISTOGRAM = 4, SUMMARY = 5, INFO = 6, STATESET = 7,
}

/** The type suffix of a sample's metric name. */
export const enum Suffix {
  NONE = 0, TOTAL = 1, CREATED = 2, BUCKET = 3, COUNT = 4, SUM = 5, GCOUNT = 6, GSUM = 7, INFO = 8,
}

@unmanaged
export class Family {
  nameHash: u64;
  /** Offsets into the scrape arena (0 length when absent). */
  nameOffset: u32;
  nameLen: u32;
  helpOffset: u32;
  helpLen: u32;
  unitOffset: u32;
  unitLen: u32;
  /** Global symbol ids of HELP and UNIT (remote-write 2.0), interned on first use; 0 = none. */
  helpSymbol: u32;
  unitSymbol: u32;
  type: u8;
  /** Bits: 1 TYPE seen, 2 HELP seen, 4 UNIT seen, 8 has samples, 16 closed (OpenMetrics). */
  flags: u8;
}

export const F_TYPE: u8 = 1;
export const F_HELP: u8 = 2;
export const F_UNIT: u8 = 4;
export const F_SAMPLES: u8 = 8;
export const F_CLOSED: u8 = 16;
export const F_DECLARED: u8 = 32;

export const NO_FAMILY: u32 = 0xFFFFFFFF;
const FAMILY_SIZE: u32 = <u32>offsetof<Family>();

export let families: ByteBuffer = changetype<ByteBuffer>(0);
/** Per-scrape copies of names, HELP and UNIT texts, exemplar labels. */
export let scrapeArena: ByteBuffer = changetype<ByteBuffer>(0);
let index: usize = 0;   // slots { hash: u64, family + 1: u32, pad: u32 }
let indexMask: u32 = 0;
let familyCount: u32 = 0;

export function initFamilies(): void {
  families = ByteBuffer.create(FAMILY_SIZE * 8);
  scrapeArena = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  indexMask = 15;
  index = heap.alloc(<usize>(indexMask + 1) * 16);
  memory.fill(index, 0, <usize>(indexMask + 1) * 16);
}

export function resetFamilies(): void {
  for (let i: u32 = 0; i < familyCount; i++) {
    const f = familyAt(i);
    if (f.helpSymbol != 0) releaseSymbol(f.helpSymbol);
    if (f.unitSymbol != 0) releaseSymbol(f.unitSymbol);
  }
  families.clear();
  scrapeArena.clear();
  memory.fill(index, 0, <usize>(indexMask + 1) * 16);
  familyCount = 0;
}

export function countFamilies(): u32 { return familyCount; }

// @ts-ignore: decorator
@inline export function familyAt(i: u32): Family {
  return changetype<Family>(families.data + <usize>i * FAMILY_SIZE);
}

export function findFamily(nameHash: u64): u32 {
  let i = <u32>nameHash & indexMask;
  while (true) {
    const slot = index + (<usize>i << 4);
    const f = load<u32>(slot, 8);
    if (f == 0) return NO_FAMILY;
    if (load<u64>(slot) == nameHash) return f - 1;
    i = (i + 1) & indexMask;
  }
}

function putIndex(nameHash: u64, f: u32): void {
  let i = <u32>nameHash & indexMask;
  while (load<u32>(index + (<usize>i << 4), 8) != 0) i = (i + 1) & indexMask;
  store<u64>(index + (<usize>i << 4), nameHash);
  store<u32>(index + (<usize>i << 4), f + 1, 8);
}

/** Adds a family (metadata, or implicit for samples without metadata); returns its index. */
export function addFamily(nameHash: u64, name: usize, nameLen: u32): u32 {
  if ((familyCount + 1) * 2 > indexMask + 1) {
    const old = index;
    const oldCapacity = indexMask + 1;
    indexMask = (oldCapacity << 1) - 1;
    index = heap.alloc(<usize>(indexMask + 1) * 16);
    memory.fill(index, 0, <usize>(indexMask + 1) * 16);
    for (let i: u32 = 0; i < oldCapacity; i++) {
      const f = load<u32>(old + (<usize>i << 4), 8);
      if (f != 0) putIndex(load<u64>(old + (<usize>i << 4)), f - 1);
    }
    heap.free(old);
  }
  const i = familyCount++;
  families.reserve(FAMILY_SIZE);
  families.length += FAMILY_SIZE;
  const f = familyAt(i);
  memory.fill(changetype<usize>(f), 0, FAMILY_SIZE);
  f.nameHash = nameHash;
  f.nameOffset = scrapeArena.length;
  f.nameLen = nameLen;
  scrapeArena.pushBytes(name, nameLen);
  putIndex(nameHash, i);
  return i;
}

/** Whether a sample with `suffix` belongs to a family of `type` named without the suffix. */
export function suffixAllowed(type: i32, suffix: i32): bool {
  switch (type) {
    case MetricType.COUNTER: return suffix == Suffix.TOTAL || suffix == Suffix.CREATED;
    case MetricType.HISTOGRAM:
      return suffix == Suffix.BUCKET || suffix == Suffix.COUNT || suffix == Suffix.SUM || suffix == Suffix.CREATED;
    case MetricType.GAUGEHISTOGRAM:
      return suffix == Suffix.BUCKET || suffix == Suffix.GCOUNT || suffix == Suffix.GSUM;
    case MetricType.SUMMARY:
      return suffix == Suffix.COUNT || suffix == Suffix.SUM || suffix == Suffix.CREATED;
    case MetricType.INFO: return suffix == Suffix.INFO;
    default: return false;
  }
}

/** Length of the suffix's text, including the underscore. */
export function suffixLength(suffix: i32): u32 {
  switch (suffix) {
    case Suffix.TOTAL: return 6;
    case Suffix.CREATED: return 8;
    case Suffix.BUCKET: return 7;
    case Suffix.COUNT: return 6;
    case Suffix.SUM: return 4;
    case Suffix.GCOUNT: return 7;
    case Suffix.GSUM: return 5;
    case Suffix.INFO: return 5;
    default: return 0;
  }
}

function endsWith(p: usize, len: u32, word: string): bool {
  const n = <u32>word.length;
  if (len <= n) return false;
  const at = p + len - n;
  for (let i: u32 = 0; i < n; i++) {
    if (<u32>load<u8>(at + i) != <u32>word.charCodeAt(i)) return false;
  }
  return true;
}

/** The type suffix a metric name ends with. */
export function suffixOf(p: usize, len: u32): u8 {
  if (endsWith(p, len, "_total")) return <u8>Suffix.TOTAL;
  if (endsWith(p, len, "_created")) return <u8>Suffix.CREATED;
  if (endsWith(p, len, "_bucket")) return <u8>Suffix.BUCKET;
  if (endsWith(p, len, "_gcount")) return <u8>Suffix.GCOUNT;
  if (endsWith(p, len, "_count")) return <u8>Suffix.COUNT;
  if (endsWith(p, len, "_gsum")) return <u8>Suffix.GSUM;
  if (endsWith(p, len, "_sum")) return <u8>Suffix.SUM;
  if (endsWith(p, len, "_info")) return <u8>Suffix.INFO;
  return <u8>Suffix.NONE;
}
