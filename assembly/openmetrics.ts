// OpenMetrics 1.0 family- and sample-level rules, checked only in OpenMetrics mode: samples of
// a family are contiguous, and within it each group (labels other than le/quantile) is
// contiguous; counters are _total/_created and never negative; histogram buckets ascend to
// +Inf with cumulative counts; info is 1, stateset 0 or 1; exemplars only where allowed.

import { ErrorCode, setError } from "./status";
import { Series, SeriesFlag, seriesBound } from "./series";
import { pairAt } from "./pairs";
import { MetricType, Suffix, NO_FAMILY, F_CLOSED, F_TYPE, Family, familyAt, findFamily, scrapeArena, suffixAllowed, suffixLength, suffixOf } from "./families";
import { ByteBuffer } from "./buffer";
import { hash64, Seed } from "./hash";
import { readVarint, varintEnd } from "./protobuf";
import { readLabel, labelName, labelNameLen } from "./label";
import { fail, failCame, currentFamily, setLineStart, lineNumber, lineEnd } from "./scrape-state";
import { groupHashOf } from "./seriesinfo";

// State of the current family's current group.
let groupHash: u64 = 0;
let groupOpen: bool = false;
let lastBound: f64 = -Infinity;
let lastBucketValue: f64 = 0;
let sawBucket: bool = false;
let sawInf: bool = false;
let infValue: f64 = NaN;
let countValue: f64 = NaN;
let sawNegativeBucket: bool = false;
let sumSeen: bool = false;
let sumValue: f64 = 0;
let groupTimestamp: f64 = NaN;
let groupHasTimestamp: bool = false;
let pointChecks: bool = true;
let lastRef: u32 = 0;
/** The line of the group's last sample: where an incomplete histogram is reported. */
let groupLastLine: u32 = 0;

// Groups already closed in the current family: a small open-addressing set of hashes.
let closedGroups: usize = 0;
let closedMask: u32 = 0;
let closedCount: u32 = 0;

export function resetOpenMetrics(): void {
  groupOpen = false;
  if (closedGroups == 0) {
    closedMask = 63;
    closedGroups = heap.alloc(<usize>(closedMask + 1) << 3);
  }
  memory.fill(closedGroups, 0, <usize>(closedMask + 1) << 3);
  closedCount = 0;
}

function rememberGroup(h: u64): void {
  if (h == 0) h = 1;
  if ((closedCount + 1) * 2 > closedMask + 1) {
    const old = closedGroups;
    const oldCapacity = closedMask + 1;
    closedMask = (oldCapacity << 1) - 1;
    closedGroups = heap.alloc(<usize>(closedMask + 1) << 3);
    memory.fill(closedGroups, 0, <usize>(closedMask + 1) << 3);
    closedCount = 0;
    for (let i: u32 = 0; i < oldCapacity; i++) {
      const v = load<u64>(old + (<usize>i << 3));
      if (v != 0) rememberGroup(v);
    }
    heap.free(old);
  }
  let i = <u32>h & closedMask;
  while (true) {
    const v = load<u64>(closedGroups + (<usize>i << 3));
    if (v == h) return;
    if (v == 0) break;
    i = (i + 1) & closedMask;
  }
  store<u64>(closedGroups + (<usize>i << 3), h);
  closedCount++;
}

function groupClosed(h: u64): bool {
  if (h == 0) h = 1;
  let i = <u32>h & closedMask;
  while (true) {
    const v = load<u64>(closedGroups + (<usize>i << 3));
    if (v == h) return true;
    if (v == 0) return false;
    i = (i + 1) & closedMask;
  }
}

/** Reports an incomplete histogram at its last sample's line; returns false. */
function failGroup(code: ErrorCode): bool {
  setError(code, groupLastLine, 1);
  return false;
}

/**
 * Ends the current group: a histogram group with buckets needs +Inf, and _count equal to it.
 * Known only at the next group's first line, reported at this group's last one.
 */
function closeGroup(at: usize): bool {
  if (!groupOpen) return true;
  groupOpen = false;
  rememberGroup(groupHash);
  const f = currentFamily;
  if (f == NO_FAMILY) return true;
  const type = <i32>familyAt(f).type;
  if (pointChecks && (type == MetricType.HISTOGRAM || type == MetricType.GAUGEHISTOGRAM)) {
    const countSeen = !isNaN(countValue);
    if (!sawBucket && (countSeen || sumSeen)) return failGroup(ErrorCode.MISSING_INF_BUCKET);
    if (sawBucket && !sawInf) return failGroup(ErrorCode.MISSING_INF_BUCKET);
    // _count and _sum (_gcount and _gsum) come together, and the count is the +Inf bucket.
    if (countSeen != sumSeen) return failGroup(ErrorCode.INVALID_COUNT);
    if (countSeen && countValue != infValue) return failGroup(ErrorCode.INVALID_COUNT);
    // A histogram with negative buckets has no meaningful sum; without them the sum is >= 0.
    if (type == MetricType.HISTOGRAM && sawNegativeBucket && sumSeen) return failGroup(ErrorCode.INVALID_BUCKET);
    if (sumSeen && !sawNegativeBucket && (isNaN(sumValue) || sumValue < 0)) return failGroup(ErrorCode.INVALID_VALUE);
  }
  return true;
}

/** The current family is about to become `f`: close the old one, refuse a family seen before. */
export function omSwitchFamily(f: u32, at: usize): bool {
  const current = currentFamily;
  if (current == f) return true;
  if (current != NO_FAMILY) {
    if (!closeGroup(at)) return false;
    familyAt(current).flags |= F_CLOSED;
  }
  if ((familyAt(f).flags & F_CLOSED) != 0) return fail(ErrorCode.FAMILY_NOT_CONTIGUOUS, at);
  memory.fill(closedGroups, 0, <usize>(closedMask + 1) << 3);
  closedCount = 0;
  groupOpen = false;
  return true;
}

/** A count: a finite integer, not negative. */
// @ts-ignore: decorator
@inline function isCount(value: f64): bool {
  return isFinite(value) && value >= 0 && value == Math.floor(value);
}

/** Whether an exemplar may follow a sample of series s. */
export function omExemplarAllowed(s: Series): bool {
  const type = <i32>familyAt(s.family).type;
  if (type == MetricType.COUNTER) return s.suffix == Suffix.TOTAL;
  if (type == MetricType.HISTOGRAM || type == MetricType.GAUGEHISTOGRAM) return s.suffix == Suffix.BUCKET;
  return false;
}

/**
 * Checks one sample against its family's rules: errors are reported at `at` (the series key, which
 * ends at the space before the value [valueAt, valueEnd)); what came is the key, the value when
 * the value breaks a rule, the line when timestamps do.
 */
export function omSample(s: Series, ref: u32, value: f64, hasTimestamp: bool, timestamp: f64, at: usize, valueAt: usize, valueEnd: usize): bool {
  const fam = familyAt(s.family);
  const type = <i32>fam.type;
  const exact = fam.nameHash == s.nameHash;
  // Which suffixes a type's samples carry (the bare family name is a different family otherwise).
  switch (type) {
    case MetricType.COUNTER:
      if (exact || (s.suffix != Suffix.TOTAL && s.suffix != Suffix.CREATED)) return failCame(ErrorCode.INVALID_SUFFIX, at, at, valueAt - 1);
      if (s.suffix == Suffix.TOTAL && (isNaN(value) || value < 0)) return failCame(ErrorCode.INVALID_COUNTER_VALUE, at, valueAt, valueEnd);
      break;
    case MetricType.HISTOGRAM:
    case MetricType.GAUGEHISTOGRAM:
      if (exact) return failCame(ErrorCode.INVALID_SUFFIX, at, at, valueAt - 1);
      // Bucket values and counts are counts: integers, not negative (NaN and Inf are neither).
      if (s.suffix == Suffix.BUCKET && !isCount(value)) return failCame(ErrorCode.INVALID_BUCKET, at, valueAt, valueEnd);
      if ((s.suffix == Suffix.COUNT || s.suffix == Suffix.GCOUNT) && !isCount(value)) return failCame(ErrorCode.INVALID_COUNT, at, valueAt, valueEnd);
      // A histogram's _sum is a counter: never NaN or negative (refused at its line, as the
      // reference does; a sum beside negative buckets is refused when the group closes). A
      // gauge histogram's _gsum may be negative, never NaN.
      if (type == MetricType.HISTOGRAM && s.suffix == Suffix.SUM && (isNaN(value) || value < 0)) return failCame(ErrorCode.INVALID_VALUE, at, valueAt, valueEnd);
      if (s.suffix == Suffix.GSUM && isNaN(value)) return failCame(ErrorCode.INVALID_VALUE, at, valueAt, valueEnd);
      break;
    case MetricType.SUMMARY:
      if (exact && (s.flags & SeriesFlag.HAS_QUANTILE) == 0) return failCame(ErrorCode.MISSING_LABEL, at, at, valueAt - 1);
      if (exact) {
        const q = seriesBound(s);
        if (isNaN(q) || q < 0 || q > 1) return failCame(ErrorCode.INVALID_QUANTILE, at, at, valueAt - 1);
      }
      if (exact && !isNaN(value) && value < 0) return failCame(ErrorCode.INVALID_VALUE, at, valueAt, valueEnd);
      if ((s.suffix == Suffix.COUNT || s.suffix == Suffix.SUM) && !exact && (isNaN(value) || value < 0)) {
        return failCame(ErrorCode.INVALID_VALUE, at, valueAt, valueEnd);
      }
      // OpenMetrics: "Count MUST be an integer" (Inf is not one).
      if (s.suffix == Suffix.COUNT && !exact && !isCount(value)) return failCame(ErrorCode.INVALID_COUNT, at, valueAt, valueEnd);
      break;
    case MetricType.INFO:
      if (exact || s.suffix != Suffix.INFO) return failCame(ErrorCode.INVALID_SUFFIX, at, at, valueAt - 1);
      if (value != 1) return failCame(ErrorCode.INVALID_INFO_VALUE, at, valueAt, valueEnd);
      break;
    case MetricType.STATESET:
      if (!exact) return failCame(ErrorCode.INVALID_SUFFIX, at, at, valueAt - 1);
      if (value != 0 && value != 1) return failCame(ErrorCode.INVALID_STATESET_VALUE, at, valueAt, valueEnd);
      if (!hasLabelNamed(s, fam)) return failCame(ErrorCode.MISSING_LABEL, at, at, valueAt - 1);
      break;
    default:
      if (!exact) return failCame(ErrorCode.INVALID_SUFFIX, at, at, valueAt - 1);
  }
  // Group contiguity.
  const group = groupHashOf(ref);
  if (!groupOpen || group != groupHash) {
    if (!closeGroup(at)) return false;
    if (groupClosed(group)) return failCame(ErrorCode.FAMILY_NOT_CONTIGUOUS, at, at, valueAt - 1);
    groupOpen = true;
    groupHash = group;
    lastBound = -Infinity;
    lastBucketValue = 0;
    sawBucket = false;
    sawInf = false;
    infValue = NaN;
    countValue = NaN;
    sawNegativeBucket = false;
    sumSeen = false;
    groupHasTimestamp = hasTimestamp;
    groupTimestamp = timestamp;
    pointChecks = true;
  } else {
    // Within a group, timestamps are on every sample or on none, and never go back.
    if (hasTimestamp != groupHasTimestamp) return failCame(ErrorCode.INVALID_TIMESTAMP, at, at, lineEnd);
    if (hasTimestamp && timestamp != groupTimestamp) {
      // Several points of one group (promtool dumps interleave them): the same series must not
      // go back in time; per-point histogram checks are off for the rest of the group.
      if (ref == lastRef && timestamp < groupTimestamp) return failCame(ErrorCode.TIMESTAMP_DECREASED, at, at, lineEnd);
      pointChecks = false;
    }
    groupTimestamp = timestamp;
  }
  lastRef = ref;
  groupLastLine = lineNumber;
  if (pointChecks && (type == MetricType.HISTOGRAM || type == MetricType.GAUGEHISTOGRAM)) {
    if (s.suffix == Suffix.BUCKET) {
      if ((s.flags & SeriesFlag.HAS_LE) == 0) return failCame(ErrorCode.MISSING_LABEL, at, at, valueAt - 1);
      const bound = seriesBound(s);
      if (isNaN(bound) || bound <= lastBound && sawBucket) return failCame(ErrorCode.BUCKETS_NOT_SORTED, at, at, valueAt - 1);
      if (sawBucket && value < lastBucketValue) return failCame(ErrorCode.INVALID_BUCKET, at, valueAt, valueEnd);
      if (bound < 0) sawNegativeBucket = true;
      sawBucket = true;
      lastBound = bound;
      lastBucketValue = value;
      if (bound == Infinity) { sawInf = true; infValue = value; }
    } else if (s.suffix == Suffix.COUNT || s.suffix == Suffix.GCOUNT) {
      countValue = value;
    } else if (s.suffix == Suffix.SUM || s.suffix == Suffix.GSUM) {
      sumSeen = true;
      sumValue = value;
    }
  }
  return true;
}

/** Stateset samples carry a label named after their family. */
function hasLabelNamed(s: Series, fam: Family): bool {
  const name = scrapeArena.data + fam.nameOffset;
  const nameLen = fam.nameLen;
  let ids = s.labels;
  const idsEnd = ids + s.idsLen;
  while (ids < idsEnd) {
    const pair = pairAt(readVarint(ids));
    ids = varintEnd;
    readLabel(pair.ptr);
    if (labelNameLen == nameLen && memory.compare(labelName, name, nameLen) == 0) return true;
  }
  return false;
}

/**
 * A TYPE line: the family's name plus its type's suffixes must not be another family's name,
 * and its name must not be another family's name plus one of that family's suffixes.
 */
export function omTypeClashes(f: u32, name: usize, nameLen: u32): bool {
  const type = <i32>familyAt(f).type;
  for (let suffix = Suffix.TOTAL; suffix <= Suffix.INFO; suffix++) {
    if (!suffixAllowed(type, suffix)) continue;
    const n = nameLen + suffixLength(suffix);
    const buf = clashBuffer.reserve(n);
    memory.copy(buf, name, nameLen);
    writeSuffix(buf + nameLen, suffix);
    const g = findFamily(hash64(buf, n, Seed.NAME));
    if (g != NO_FAMILY && g != f) return true;
  }
  const own = suffixOf(name, nameLen);
  if (own != Suffix.NONE) {
    const g = findFamily(hash64(name, nameLen - suffixLength(own), Seed.NAME));
    if (g != NO_FAMILY && g != f && (suffixAllowed(<i32>familyAt(g).type, own) || (familyAt(g).flags & F_TYPE) == 0)) return true;
  }
  return false;
}

let clashBuffer: ByteBuffer = ByteBuffer.create(256);

function writeSuffix(p: usize, suffix: i32): void {
  let text = "";
  switch (suffix) {
    case Suffix.TOTAL: text = "_total"; break;
    case Suffix.CREATED: text = "_created"; break;
    case Suffix.BUCKET: text = "_bucket"; break;
    case Suffix.COUNT: text = "_count"; break;
    case Suffix.SUM: text = "_sum"; break;
    case Suffix.GCOUNT: text = "_gcount"; break;
    case Suffix.GSUM: text = "_gsum"; break;
    case Suffix.INFO: text = "_info"; break;
  }
  for (let i = 0; i < text.length; i++) store<u8>(p + i, <u8>text.charCodeAt(i));
}

/** End of input: close the last group (for its histogram checks). */
export function omFinish(at: usize): bool {
  setLineStart(at);
  return closeGroup(at);
}
