// One Metric message of a protobuf exposition page, whole in the input window, into samples:
// the series it gives are Prometheus 3's (model/textparse/protobufparse.go):
//   counter, gauge, untyped   the family's name, no suffix added; the type's value (0 when absent)
//   summary                   <name>_count, <name>_sum, then <name>{quantile="q"} per quantile
//   histogram (classic)       <name>_count, <name>_sum, <name>_bucket{le="b"} per bucket up to a +Inf
//                             one, and a +Inf bucket at the count when there was none
//   native histogram          one histogram sample named after the family (histograms.ts), and
//                             its classic series too with always_scrape_classic_histograms
// le and quantile are written as labels.FormatOpenMetricsFloat writes them (floatformat.ts).
//
// The hot path for a series already seen: hash the Metric's LabelPair bytes once, then for each
// series it gives one more small hash (labels hash, family name hash, suffix, bound) and one
// probe of the index. A miss decodes the labels, checks them as Prometheus does (names non-empty
// UTF-8 and unique, values UTF-8), sorts and encodes them, and looks the canonical key text up
// under the text formats' seeds, so a target that switches between text and protobuf keeps its
// series (the protobuf key becomes an alias).

import { ByteBuffer } from "./buffer";
import { Format, SeriesState } from "./enums";
import { ErrorCode } from "./status";
import { hash128, Seed } from "./hash";
import { validUtf8, countRunes } from "./tokens";
import {
  scrapeTimestamp, honorTimestamps, epoch, failHere, failCame, countDuplicate,
} from "./scrape-state";
import {
  scratch, encoded, encodeLabelSet, beginLabelEntries, setMetricNameEntry, addLabelEntry,
} from "./labels";
import { rendered, canonicalFormats, canonicalKeysIn, renderCanonical, rawKey } from "./canonical";
import { lookup, insertKey, createSeries, seriesCount, seriesAt } from "./series";
import { deriveSeriesInfo } from "./seriesinfo";
import { seriesCreated, seriesFits, labelCountFits, labelLengthError, sampleCounted } from "./limits";
import { newRefs, appendSample, exemplars, sampleCount, EXEMPLAR_SIZE } from "./snapshot";
import { scrapeArena } from "./families";
import { labelSize, writeLabel } from "./label";
import { sortEncodedLabels } from "./labelsort";
import { formatOpenMetricsFloat } from "./floatformat";
import { Wire, wireAt, wireBad, clearWire, readU64, readF64, readLen, skipValue, readTimestampMs } from "./pbwire";
import { currentName, currentNameLen, currentNameHash, currentType, PbType } from "./protobuf-exposition";
import { scrapeNativeHistograms, alwaysScrapeClassicHistograms, appendNativeHistogram } from "./histograms";

/** What a series adds to the family's name, and which bound label it has. */
export const enum Kind { PLAIN = 0, COUNT = 1, SUM = 2, BUCKET = 3, QUANTILE = 4 }

let family: u32 = 0;
/** The Metric's LabelPair fields, hashed once. */
let labelsHash: v128 = v128.splat<u64>(0);
let metricStart: usize = 0;
let metricEnd: usize = 0;
let timestamp: f64 = 0;
/** The key of one series: labels hash (16), family name hash (8), kind (8), bound (8). */
let keyBlock: usize = 0;
let gathered: ByteBuffer = changetype<ByteBuffer>(0);

/** A family's first Metric is about to be read. */
export function metricFamilyStarts(f: u32): void {
  family = f;
  if (keyBlock == 0) {
    keyBlock = heap.alloc(48);
    gathered = ByteBuffer.create(256);
  }
}

/** Reports a malformed Metric (a field running past its message). */
function malformed(at: usize): bool { return failHere(ErrorCode.INVALID_PROTOBUF, at); }

/** Parses the Metric [start, end) and appends its samples. Returns false on error (reported). */
export function parseMetric(start: usize, end: usize): bool {
  clearWire();
  metricStart = start;
  metricEnd = end;
  // The fields: LabelPairs (1), the type's sub-message, timestamp_ms (6).
  const valueField: u64 = currentType == PbType.GAUGE ? 2 : currentType == PbType.COUNTER ? 3 : currentType == PbType.SUMMARY ? 4
    : currentType == PbType.UNTYPED ? 5 : 7;
  let labelsFrom: usize = 0;
  let labelsTo: usize = 0;
  let contiguous = true;
  let valueAt: usize = 0;
  let valueEnd: usize = 0;
  let ts: i64 = 0;
  let p = start;
  while (p < end) {
    const fieldAt = p;
    const tag = readU64(p, end);
    p = wireAt;
    if (wireBad) return malformed(fieldAt);
    const field = tag >> 3;
    const wt = <u32>tag & 7;
    if (wt == Wire.LEN && (field == 1 || field == valueField)) {
      const len = readLen(p, end);
      if (wireBad) return malformed(fieldAt);
      const at = wireAt;
      if (field == 1) {
        if (labelsFrom == 0) labelsFrom = fieldAt;
        else if (labelsTo != fieldAt) contiguous = false;
        labelsTo = at + len;
      } else {
        valueAt = at;
        valueEnd = at + len;
      }
      p = at + len;
    } else if (wt == Wire.VARINT && field == 6) {
      ts = <i64>readU64(p, end);
      p = wireAt;
    } else {
      p = skipValue(wt, p, end);
    }
    if (wireBad) return malformed(fieldAt);
  }
  // timestamp_ms 0 means none (Prometheus cannot tell it from unset).
  timestamp = ts != 0 && honorTimestamps ? <f64>ts : scrapeTimestamp;
  if (labelsFrom == 0) {
    labelsHash = hash128(start, 0, <u64>Seed.RAW);
  } else if (contiguous) {
    labelsHash = hash128(labelsFrom, labelsTo - labelsFrom, <u64>Seed.RAW);
  } else {
    gatherLabelFields();
    labelsHash = hash128(gathered.data, gathered.length, <u64>Seed.RAW);
  }
  switch (currentType) {
    case PbType.COUNTER: return simple(valueAt, valueEnd, true);
    case PbType.GAUGE:
    case PbType.UNTYPED: return simple(valueAt, valueEnd, false);
    case PbType.SUMMARY: return summary(valueAt, valueEnd);
    default: return histogram(valueAt, valueEnd);
  }
}

/** The LabelPair fields of the Metric, in order, copied together (a writer that interleaved them). */
function gatherLabelFields(): void {
  gathered.clear();
  let p = metricStart;
  while (p < metricEnd) {
    const fieldAt = p;
    const tag = readU64(p, metricEnd);
    p = skipValue(<u32>tag & 7, wireAt, metricEnd);
    if ((tag >> 3) == 1 && (<u32>tag & 7) == Wire.LEN) gathered.pushBytes(fieldAt, <u32>(p - fieldAt));
  }
}

/** Counter, gauge, untyped: Counter/Gauge/Untyped.value (1); a counter's exemplar (2). */
function simple(at: usize, end: usize, counter: bool): bool {
  let value: f64 = 0;
  let exemplarAt: usize = 0;
  let exemplarEnd: usize = 0;
  let p = at;
  while (p < end) {
    const tag = readU64(p, end);
    p = wireAt;
    if (wireBad) break;
    const field = tag >> 3;
    const wt = <u32>tag & 7;
    if (field == 1 && wt == Wire.I64) { value = readF64(p, end); p = wireAt; }
    else if (counter && field == 2 && wt == Wire.LEN) {
      const len = readLen(p, end);
      exemplarAt = wireAt;
      exemplarEnd = wireAt + len;
      p = exemplarEnd;
    } else p = skipValue(wt, p, end);
  }
  if (wireBad) return malformed(at);
  return emit(Kind.PLAIN, 0, value, exemplarAt, exemplarEnd);
}

/** Summary: sample_count (1), sample_sum (2), quantiles (3: quantile 1, value 2). */
function summary(at: usize, end: usize): bool {
  let count: f64 = 0;
  let sum: f64 = 0;
  let p = at;
  while (p < end) {
    const tag = readU64(p, end);
    p = wireAt;
    if (wireBad) break;
    const field = tag >> 3;
    const wt = <u32>tag & 7;
    if (field == 1 && wt == Wire.VARINT) { count = <f64>readU64(p, end); p = wireAt; }
    else if (field == 2 && wt == Wire.I64) { sum = readF64(p, end); p = wireAt; }
    else p = skipValue(wt, p, end);
  }
  if (wireBad) return malformed(at);
  if (!emit(Kind.COUNT, 0, count, 0, 0) || !emit(Kind.SUM, 0, sum, 0, 0)) return false;
  p = at;
  while (p < end) {
    const tag = readU64(p, end);
    p = wireAt;
    const wt = <u32>tag & 7;
    if ((tag >> 3) != 3 || wt != Wire.LEN) { p = skipValue(wt, p, end); continue; }
    const len = readLen(p, end);
    const q = wireAt;
    p = q + len;
    let quantile: f64 = 0;
    let value: f64 = 0;
    let r = q;
    while (r < p) {
      const t = readU64(r, p);
      r = wireAt;
      if (wireBad) return malformed(q);
      if ((t >> 3) == 1 && (<u32>t & 7) == Wire.I64) { quantile = readF64(r, p); r = wireAt; }
      else if ((t >> 3) == 2 && (<u32>t & 7) == Wire.I64) { value = readF64(r, p); r = wireAt; }
      else r = skipValue(<u32>t & 7, r, p);
      if (wireBad) return malformed(q);
    }
    if (!emit(Kind.QUANTILE, quantile, value, 0, 0)) return false;
  }
  return true;
}

/** Histogram and gauge histogram: classic series, or a native histogram sample (histograms.ts), or both. */
function histogram(at: usize, end: usize): bool {
  let count: f64 = 0;
  let countFloat: f64 = 0;
  let sum: f64 = 0;
  let zeroThreshold: f64 = 0;
  let zeroCount: u64 = 0;
  let spans = false;
  let buckets = false;
  let p = at;
  while (p < end) {
    const tag = readU64(p, end);
    p = wireAt;
    if (wireBad) break;
    const field = <u32>(tag >> 3);
    const wt = <u32>tag & 7;
    if (field == 1 && wt == Wire.VARINT) { count = <f64>readU64(p, end); p = wireAt; }
    else if (field == 2 && wt == Wire.I64) { sum = readF64(p, end); p = wireAt; }
    else if (field == 4 && wt == Wire.I64) { countFloat = readF64(p, end); p = wireAt; }
    else if (field == 6 && wt == Wire.I64) { zeroThreshold = readF64(p, end); p = wireAt; }
    else if (field == 7 && wt == Wire.VARINT) { zeroCount = readU64(p, end); p = wireAt; }
    else {
      if (wt == Wire.LEN && (field == 9 || field == 12)) spans = true;
      if (wt == Wire.LEN && field == 3) buckets = true;
      p = skipValue(wt, p, end);
    }
  }
  if (wireBad) return malformed(at);
  // isNativeHistogram: a span on either side, a zero threshold > 0 or an integer zero count > 0.
  const native = scrapeNativeHistograms && (spans || zeroThreshold > 0 || zeroCount > 0);
  if (native) {
    if (!appendNativeHistogram(at, end, family, currentType == PbType.GAUGE_HISTOGRAM)) return false;
    if (!alwaysScrapeClassicHistograms || !buckets) return true;
  }
  if (countFloat > 0) count = countFloat;
  if (!emit(Kind.COUNT, 0, count, 0, 0) || !emit(Kind.SUM, 0, sum, 0, 0)) return false;
  p = at;
  while (p < end) {
    const tag = readU64(p, end);
    p = wireAt;
    const wt = <u32>tag & 7;
    if ((tag >> 3) != 3 || wt != Wire.LEN) { p = skipValue(wt, p, end); continue; }
    const len = readLen(p, end);
    const q = wireAt;
    p = q + len;
    let cumulative: f64 = 0;
    let cumulativeFloat: f64 = 0;
    let upper: f64 = 0;
    let exemplarAt: usize = 0;
    let exemplarEnd: usize = 0;
    let r = q;
    while (r < p) {
      const t = readU64(r, p);
      r = wireAt;
      if (wireBad) return malformed(q);
      const f = <u32>(t >> 3);
      const w = <u32>t & 7;
      if (f == 1 && w == Wire.VARINT) { cumulative = <f64>readU64(r, p); r = wireAt; }
      else if (f == 2 && w == Wire.I64) { upper = readF64(r, p); r = wireAt; }
      else if (f == 4 && w == Wire.I64) { cumulativeFloat = readF64(r, p); r = wireAt; }
      else if (f == 3 && w == Wire.LEN) {
        const n = readLen(r, p);
        exemplarAt = wireAt;
        exemplarEnd = wireAt + n;
        r = exemplarEnd;
      } else r = skipValue(w, r, p);
      if (wireBad) return malformed(q);
    }
    if (cumulativeFloat > 0) cumulative = cumulativeFloat;
    if (!emit(Kind.BUCKET, upper, cumulative, exemplarAt, exemplarEnd)) return false;
    // Prometheus stops at a +Inf bucket: nothing after it is read.
    if (upper == Infinity) return true;
  }
  return emit(Kind.BUCKET, Infinity, count, 0, 0);
}

/** The index key of a series of this Metric. */
// @ts-ignore: decorator
@inline function seriesKey(kind: Kind, bound: f64): v128 {
  v128.store(keyBlock, labelsHash);
  store<u64>(keyBlock, currentNameHash, 16);
  store<u64>(keyBlock, <u64>kind, 24);
  store<f64>(keyBlock, kind >= Kind.BUCKET ? bound : 0, 32);
  return hash128(keyBlock, 40, <u64>Seed.RAW ^ <u64>Format.PROTOBUF);
}

/** Finds or creates the series of this Metric of `kind` (and bound); returns its ref, or 0 on error. */
export function metricSeries(kind: Kind, bound: f64): u32 {
  const key = seriesKey(kind, bound);
  const ref = lookup(key);
  return ref != 0 ? ref : newMetricSeries(key, kind, bound);
}

/** Appends one float sample of this Metric's series of `kind`; its exemplar at [exemplarAt, exemplarEnd) if any. */
function emit(kind: Kind, bound: f64, value: f64, exemplarAt: usize, exemplarEnd: usize): bool {
  const ref = metricSeries(kind, bound);
  if (ref == 0) return false;
  const s = seriesAt(ref);
  if (s.lastSeen == epoch) {
    countDuplicate();
    return true;
  }
  s.family = family;
  s.lastSeen = epoch;
  if (exemplarAt != 0) addExemplar(exemplarAt, exemplarEnd, sampleCount());
  appendSample(ref, value, timestamp);
  if (s.state != SeriesState.DROPPED) {
    const limitError = sampleCounted();
    if (limitError != ErrorCode.NONE) return failHere(limitError, metricStart);
  }
  return true;
}

/** Whether [p, p + len) is "le" (a bucket) or "quantile" (a quantile). */
function isBoundName(p: usize, kind: Kind): bool {
  const word = kind == Kind.BUCKET ? "le" : "quantile";
  for (let i = 0; i < word.length; i++) if (<u32>load<u8>(p + <usize>i) != <u32>word.charCodeAt(i)) return false;
  return true;
}

/** Suffix text of a kind. */
function pushSuffix(kind: Kind): void {
  if (kind == Kind.COUNT) { scratch.pushU8(95); pushAscii("count"); }
  else if (kind == Kind.SUM) { scratch.pushU8(95); pushAscii("sum"); }
  else if (kind == Kind.BUCKET) { scratch.pushU8(95); pushAscii("bucket"); }
}

function pushAscii(s: string): void {
  for (let i = 0; i < s.length; i++) scratch.pushU8(<u8>s.charCodeAt(i));
}

/**
 * A series key not in the index: the label set decoded, checked, sorted and encoded; then the
 * series known under its canonical key (an alias), or a new one. Returns its ref, or 0 on error.
 */
function newMetricSeries(key: v128, kind: Kind, bound: f64): u32 {
  beginLabelEntries();
  scratch.pushBytes(currentName, currentNameLen);
  pushSuffix(kind);
  setMetricNameEntry(0, scratch.length);
  let labelCount: u32 = 1;
  // The bound label's name: a label of that name with an empty value is absent, and the bound
  // takes its place (one with a value is a name twice: encodeLabelSet reports it).
  const magic = kind == Kind.BUCKET ? 2 : kind == Kind.QUANTILE ? 8 : 0;
  let magicSkipped = false;
  let p = metricStart;
  while (p < metricEnd) {
    const fieldAt = p;
    const tag = readU64(p, metricEnd);
    p = wireAt;
    const wt = <u32>tag & 7;
    if ((tag >> 3) != 1 || wt != Wire.LEN) { p = skipValue(wt, p, metricEnd); continue; }
    const len = readLen(p, metricEnd);
    const pairStart = wireAt;
    p = pairStart + len;
    // LabelPair: name (1), value (2); the last of each wins.
    let name: usize = 0;
    let nameLen: u32 = 0;
    let value: usize = 0;
    let valueLen: u32 = 0;
    let q = pairStart;
    while (q < p) {
      const t = readU64(q, p);
      q = wireAt;
      if (wireBad) break;
      const w = <u32>t & 7;
      if (w == Wire.LEN && ((t >> 3) == 1 || (t >> 3) == 2)) {
        const n = readLen(q, p);
        if ((t >> 3) == 1) { name = wireAt; nameLen = n; } else { value = wireAt; valueLen = n; }
        q = wireAt + n;
      } else q = skipValue(w, q, p);
    }
    if (wireBad) return <u32>malformed(fieldAt);
    if (nameLen == 0) return <u32>failHere(ErrorCode.INVALID_LABEL_NAME, fieldAt);
    if (!validUtf8(name, nameLen)) return <u32>failCame(ErrorCode.INVALID_UTF8, fieldAt, name, name + nameLen);
    if (!validUtf8(value, valueLen)) return <u32>failCame(ErrorCode.INVALID_UTF8, fieldAt, value, value + valueLen);
    if (valueLen == 0 && magic != 0 && !magicSkipped && nameLen == <u32>magic && isBoundName(name, kind)) {
      magicSkipped = true;
      continue;
    }
    if (valueLen != 0) {
      if (!labelCountFits(++labelCount)) return <u32>failHere(ErrorCode.LABEL_LIMIT, fieldAt);
      const lengthError = labelLengthError(nameLen, valueLen);
      if (lengthError != ErrorCode.NONE) return <u32>failCame(lengthError, fieldAt, name, name + nameLen);
    }
    const nameOffset = scratch.length;
    scratch.pushBytes(name, nameLen);
    const valueOffset = scratch.length;
    scratch.pushBytes(value, valueLen);
    addLabelEntry(nameOffset, nameLen, valueOffset, valueLen);
  }
  if (kind == Kind.BUCKET || kind == Kind.QUANTILE) {
    const nameOffset = scratch.length;
    pushAscii(kind == Kind.BUCKET ? "le" : "quantile");
    const valueOffset = scratch.length;
    formatOpenMetricsFloat(bound, scratch);
    addLabelEntry(nameOffset, valueOffset - nameOffset, valueOffset, scratch.length - valueOffset);
  }
  const nameLimit = labelLengthError(8, currentNameLen + (kind == Kind.BUCKET ? 7 : kind == Kind.COUNT ? 6 : kind == Kind.SUM ? 4 : 0));
  if (nameLimit != ErrorCode.NONE) return <u32>failHere(nameLimit, metricStart);
  if (!encodeLabelSet(metricStart)) return 0;
  // The same series under its canonical key text (a text or OpenMetrics scrape made it, or a
  // protobuf writer that wrote its labels differently): this key becomes an alias.
  renderCanonical(encoded.data, encoded.length);
  const textKey = rawKey(rendered.data, rendered.length, Format.TEXT);
  let ref = lookup(textKey);
  if (ref == 0 && (canonicalFormats & (1 << <u8>Format.OPENMETRICS)) != 0) ref = lookup(rawKey(rendered.data, rendered.length, Format.OPENMETRICS));
  if (ref == 0) {
    if (!seriesFits(seriesCount())) return <u32>failHere(ErrorCode.SERIES_LIMIT, metricStart);
    ref = createSeries(encoded.data, encoded.length);
    seriesCreated();
    insertKey(ref, textKey);
    canonicalKeysIn(Format.TEXT);
    deriveSeriesInfo(ref);
    newRefs.pushU32(ref);
  }
  insertKey(ref, key);
  return ref;
}

/** The longest exemplar label set kept, in characters of names and values (as Prometheus: 128). */
const EXEMPLAR_MAX_RUNES: u32 = 128;

/**
 * Keeps the Exemplar [p, end) for sample `sampleIndex` (labels 1, value 2, timestamp 3), as an
 * OpenMetrics exemplar is kept. One Prometheus would not store (a label name twice, labels over
 * 128 characters, bytes that are not UTF-8) is left out rather than failing the scrape.
 */
export function addExemplar(p: usize, end: usize, sampleIndex: u32): void {
  const labelsOffset = scrapeArena.length;
  let value: f64 = 0;
  let ts: f64 = NaN;
  let runes: u32 = 0;
  let ok = true;
  while (p < end && ok) {
    const tag = readU64(p, end);
    p = wireAt;
    if (wireBad) { ok = false; break; }
    const field = tag >> 3;
    const wt = <u32>tag & 7;
    if (field == 1 && wt == Wire.LEN) {
      const len = readLen(p, end);
      const pairEnd = wireAt + len;
      let q = wireAt;
      let name: usize = 0, nameLen: u32 = 0, val: usize = 0, valLen: u32 = 0;
      while (q < pairEnd) {
        const t = readU64(q, pairEnd);
        q = wireAt;
        if (wireBad) break;
        const w = <u32>t & 7;
        if (w == Wire.LEN && ((t >> 3) == 1 || (t >> 3) == 2)) {
          const n = readLen(q, pairEnd);
          if ((t >> 3) == 1) { name = wireAt; nameLen = n; } else { val = wireAt; valLen = n; }
          q = wireAt + n;
        } else q = skipValue(w, q, pairEnd);
      }
      p = pairEnd;
      if (wireBad || nameLen == 0 || !validUtf8(name, nameLen) || !validUtf8(val, valLen)) { ok = false; break; }
      if (valLen == 0) continue;
      runes += countRunes(name, nameLen) + countRunes(val, valLen);
      const at = scrapeArena.reserve(labelSize(nameLen, valLen));
      scrapeArena.length += <u32>(writeLabel(at, name, nameLen, val, valLen) - at);
    } else if (field == 2 && wt == Wire.I64) {
      value = readF64(p, end);
      p = wireAt;
    } else if (field == 3 && wt == Wire.LEN) {
      const len = readLen(p, end);
      const from = wireAt;
      ts = readTimestampMs(from, from + len);
      p = from + len;
    } else {
      p = skipValue(wt, p, end);
    }
  }
  const labelsLen = scrapeArena.length - labelsOffset;
  if (wireBad || !ok || runes > EXEMPLAR_MAX_RUNES || !sortEncodedLabels(scrapeArena.data + labelsOffset, labelsLen)) {
    clearWire();
    scrapeArena.length = labelsOffset;
    return;
  }
  const at = exemplars.reserve(EXEMPLAR_SIZE);
  store<u32>(at, sampleIndex);
  store<u32>(at, labelsOffset, 4);
  store<u32>(at, labelsLen, 8);
  store<u32>(at, 0, 12);
  store<f64>(at, value, 16);
  store<f64>(at, ts, 24);
  exemplars.length += EXEMPLAR_SIZE;
}
