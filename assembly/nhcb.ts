// Classic histograms as native histograms with custom buckets (convert_classic_histograms_to_nhcb),
// as Prometheus 3 converts them (model/textparse/nhcbparse.go, util/convertnhcb): the _bucket,
// _count and _sum samples of a family typed histogram that follow each other with the same labels
// but le are one histogram, emitted when that label set (or the family) changes and at the end of
// the page. The histogram's series is the family's name with those labels; its buckets sorted by
// le, each one's count its cumulative count minus the previous one's, a +Inf bucket added at the
// count when missing; custom_values the finite bounds. Integer when every count is integral,
// float otherwise. A bucket count going down, a negative count, a NaN bound or a _count that is
// not the +Inf bucket's fail the scrape (INVALID_BUCKET / INVALID_COUNT). The classic series are
// ingested too only with always_scrape_classic_histograms.

import { ByteBuffer } from "./buffer";
import { SeriesState } from "./enums";
import { ErrorCode } from "./status";
import { hash128, Seed } from "./hash";
import { epoch, lineStart, failHere, countDuplicate } from "./scrape-state";
import { Series, seriesAt, seriesBound, lookup } from "./series";
import { Suffix, familyAt, scrapeArena } from "./families";
import { groupHashOf } from "./seriesinfo";
import { pairAt, PairKind } from "./pairs";
import { readVarint, varintEnd } from "./protobuf";
import { readLabel, labelName, labelNameLen, labelValue, labelValueLen } from "./label";
import { scratch, beginLabelEntries, setMetricNameEntry, addLabelEntry } from "./labels";
import { appendSample, sampleCount } from "./snapshot";
import { sampleCounted } from "./limits";
import { encodeCustomBuckets, recordHistogram, HISTOGRAM_VALUE } from "./histograms";
import { internEntries } from "./protobuf-metric";

/** convert_classic_histograms_to_nhcb. */
export let convertClassicHistograms: bool = false;

/** setNhcb(on): convert classic histograms to native histograms with custom buckets, from the next begin. */
export function setNhcb(on: bool): void { convertClassicHistograms = on; }

let open: bool = false;
let openKey: u64 = 0;
let openFamily: u32 = 0;
/** A classic series of the open histogram: its labels (but le and the name) are the histogram's. */
let openRef: u32 = 0;
let openTimestamp: f64 = 0;
let count: f64 = NaN;
let sum: f64 = 0;
/** (le f64, cumulative count f64) pairs, as they came. */
let buckets: ByteBuffer = changetype<ByteBuffer>(0);
let bounds: ByteBuffer = changetype<ByteBuffer>(0);
let counts: ByteBuffer = changetype<ByteBuffer>(0);
let keyBlock: usize = 0;

export function resetNhcb(): void {
  if (changetype<usize>(buckets) == 0) {
    buckets = ByteBuffer.create(256);
    bounds = ByteBuffer.create(128);
    counts = ByteBuffer.create(128);
    keyBlock = heap.alloc(32);
  }
  open = false;
  buckets.clear();
}

/** Whether the sample of series `s` goes to a histogram with custom buckets. */
// @ts-ignore: decorator
@inline export function convertsSample(s: Series): bool {
  return convertClassicHistograms && (s.suffix == Suffix.BUCKET || s.suffix == Suffix.COUNT || s.suffix == Suffix.SUM)
    && familyAt(s.family).type == 3; // MetricType.HISTOGRAM
}

/** Takes one classic sample of series `ref` (convertsSample); false on error (reported). */
export function collectClassic(ref: u32, value: f64, timestamp: f64): bool {
  const s = seriesAt(ref);
  const key = groupHashOf(ref) ^ (<u64>s.family * 0x9E3779B97F4A7C15);
  if (open && (key != openKey || s.family != openFamily)) {
    if (!emitNhcb()) return false;
  }
  if (!open) {
    open = true;
    openKey = key;
    openFamily = s.family;
    openRef = ref;
    openTimestamp = timestamp;
    count = NaN;
    sum = 0;
    buckets.clear();
  }
  if (s.suffix == Suffix.COUNT) count = value;
  else if (s.suffix == Suffix.SUM) sum = value;
  else {
    buckets.pushF64(seriesBound(s));
    buckets.pushF64(value);
  }
  return true;
}

/** Emits the open histogram, if any (also at the end of the page); false on error (reported). */
export function emitNhcb(): bool {
  if (!open) return true;
  open = false;
  // Sorted by le (insertion sort: a histogram has tens of buckets).
  const n = buckets.length >> 4;
  const b = buckets.data;
  for (let i: u32 = 1; i < n; i++) {
    let j = i;
    while (j > 0 && load<f64>(b + (<usize>(j - 1) << 4)) > load<f64>(b + (<usize>j << 4))) {
      const le = load<f64>(b + (<usize>j << 4));
      const c = load<f64>(b + (<usize>j << 4), 8);
      store<f64>(b + (<usize>j << 4), load<f64>(b + (<usize>(j - 1) << 4)));
      store<f64>(b + (<usize>j << 4), load<f64>(b + (<usize>(j - 1) << 4), 8), 8);
      store<f64>(b + (<usize>(j - 1) << 4), le);
      store<f64>(b + (<usize>(j - 1) << 4), c, 8);
      j--;
    }
  }
  bounds.clear();
  counts.clear();
  let previous: f64 = 0;
  let float = false;
  let sawInf = false;
  for (let i: u32 = 0; i < n; i++) {
    const le = load<f64>(b + (<usize>i << 4));
    const cumulative = load<f64>(b + (<usize>i << 4), 8);
    if (isNaN(le) || isNaN(cumulative) || cumulative < previous) return failHere(ErrorCode.INVALID_BUCKET, lineStart);
    if (cumulative != Math.floor(cumulative)) float = true;
    counts.pushF64(cumulative - previous);
    previous = cumulative;
    if (le == Infinity) { sawInf = true; break; }
    bounds.pushF64(le);
  }
  // No _count: the highest bucket's count. No +Inf bucket: one at the count.
  if (isNaN(count)) count = previous;
  if (!sawInf) {
    if (count < previous) return failHere(ErrorCode.INVALID_COUNT, lineStart);
    counts.pushF64(count - previous);
    previous = count;
  }
  if (count != previous) return failHere(ErrorCode.INVALID_COUNT, lineStart);
  if (count != Math.floor(count)) float = true;
  const ref = nhcbSeries();
  if (ref == 0) return false;
  const s = seriesAt(ref);
  if (s.lastSeen == epoch) { countDuplicate(); return true; }
  s.lastSeen = epoch;
  s.family = openFamily;
  encodeCustomBuckets(count, sum, float, bounds.data, bounds.length >> 3, counts.data);
  recordHistogram(sampleCount());
  appendSample(ref, reinterpret<f64>(HISTOGRAM_VALUE), openTimestamp);
  if (s.state != SeriesState.DROPPED) {
    const limitError = sampleCounted();
    if (limitError != ErrorCode.NONE) return failHere(limitError, lineStart);
  }
  return true;
}

/** The series of the open histogram: the family's name and the classic series' labels but le. */
function nhcbSeries(): u32 {
  const f = familyAt(openFamily);
  store<u64>(keyBlock, openKey);
  store<u64>(keyBlock, f.nameHash, 8);
  const key = hash128(keyBlock, 16, <u64>Seed.RAW ^ 0x4E484342); // "NHCB"
  const known = lookup(key);
  if (known != 0) return known;
  beginLabelEntries();
  scratch.pushBytes(scrapeArena.data + f.nameOffset, f.nameLen);
  setMetricNameEntry(0, scratch.length);
  const s = seriesAt(openRef);
  let p = s.labels;
  const end = p + s.idsLen;
  while (p < end) {
    const pair = pairAt(readVarint(p));
    p = varintEnd;
    if (pair.kind == PairKind.NAME || pair.kind == PairKind.LE) continue;
    readLabel(pair.ptr);
    const nameOffset = scratch.length;
    scratch.pushBytes(labelName, labelNameLen);
    const valueOffset = scratch.length;
    scratch.pushBytes(labelValue, labelValueLen);
    addLabelEntry(nameOffset, labelNameLen, valueOffset, labelValueLen);
  }
  return internEntries(key, lineStart);
}
