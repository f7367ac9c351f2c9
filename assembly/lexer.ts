// The exposition parser: Prometheus text 0.0.4 and OpenMetrics 1.0, one complete line at a time
// out of the input window (feed() in index.ts finds the lines and carries a partial last line
// over to the next chunk).
//
// The hot path for a series already seen: find the end of `name{...}` (quotes respected), hash
// those raw bytes, one probe in the series index, parse the value and timestamp, append three
// columns. Labels are parsed, unescaped, validated, sorted and encoded only for a key never seen
// before (newSeries below).

import { ByteBuffer } from "./buffer";
import { hash128, hashLow, hashHigh } from "./hash";
import { ErrorCode, setError } from "./status";
import { parseFloatBytes, parseIntBytes, parsedNumber } from "./number";
import {
  Series, SeriesState, seriesAt, lookup, insertKey, createSeries, seriesBound, setGroupHash, recordedGroupHash, seriesCount,
} from "./series";
import { pairAt, PairKind, retainPair } from "./pairs";
import {
  Family, MetricType, Suffix, NO_FAMILY, F_TYPE, F_HELP, F_UNIT, F_SAMPLES, F_CLOSED, F_DECLARED,
  families, scrapeArena, familyAt, findFamily, addFamily, suffixAllowed, suffixLength, suffixOf,
} from "./families";
import { appendSample, newRefs, exemplars, sampleCount } from "./snapshot";
import { varintSize, writeVarint, readVarint, varintEnd } from "./protobuf";
import { omSample, omSwitchFamily, omExemplarAllowed, omTypeClashes, omFinish } from "./openmetrics";
import { sortLabelEntries, sortEncodedLabels } from "./labelsort";
import { sampleCounted, seriesCreated, seriesFits, labelCountFits, labelLengthError } from "./limits";

export const FORMAT_TEXT: u8 = 0;
export const FORMAT_OPENMETRICS: u8 = 1;

// Raw keys are hashed with the format in the seed: a key text valid in one format and not in the
// other (a trailing comma, blanks) must not skip validation in the other when it is known.
const RAW_SEED: u64 = 0x52415721;
export const NAME_SEED: u64 = 0x4E414D45;    // metric and family names
const GROUP_SEED: u64 = 0x47525550;   // labels without le/quantile

// Scrape-wide parser state, set by index.ts.
export let format: u8 = FORMAT_TEXT;
export let lineNumber: u32 = 1;
export let scrapeTimestamp: f64 = 0;
export let honorTimestamps: bool = true;
export let sawEof: bool = false;
export let currentFamily: u32 = NO_FAMILY;
export let duplicateSamples: u32 = 0;
/**
 * OpenMetrics' family-level rules (grouping, histogram points, counter values, clashing names)
 * are checked only when strict; syntax is checked always. Scrapes run without them, as
 * Prometheus' parser does: a real client library's output breaks some of them.
 */
export let omStrict: bool = true;
/** Where the current line starts: error columns are counted from here. */
export let lineStart: usize = 0;

export function resetLexer(fmt: u8, timestamp: f64, honor: bool, strict: bool = true): void {
  format = fmt;
  omStrict = strict;
  lineNumber = 1;
  scrapeTimestamp = timestamp;
  honorTimestamps = honor;
  sawEof = false;
  currentFamily = NO_FAMILY;
  duplicateSamples = 0;
}

export function bumpLine(): void { lineNumber++; }
export function setLineStart(p: usize): void { lineStart = p; }

// Scratch space for a new series' labels: entries { nameOffset, nameLen, valueOffset, valueLen }
// into `scratch`, and the canonical encoding built from them.
let scratch: ByteBuffer = changetype<ByteBuffer>(0);
let entries: ByteBuffer = changetype<ByteBuffer>(0);
let order: ByteBuffer = changetype<ByteBuffer>(0);
let encoded: ByteBuffer = changetype<ByteBuffer>(0);
/** The canonical text of a new series' key (renderCanonical). */
let rendered: ByteBuffer = changetype<ByteBuffer>(0);
/** Bit f: canonical keys were inserted with format f's seed (so lookups under it can hit). */
let canonicalFormats: u8 = 0;

export function initLexer(): void {
  rendered = ByteBuffer.create(1024);
  scratch = ByteBuffer.create(1024);
  entries = ByteBuffer.create(256);
  order = ByteBuffer.create(64);
  encoded = ByteBuffer.create(1024);
}

/** Reports an error at `at` on the current line; always returns false. */
export function fail(code: ErrorCode, at: usize): bool {
  setError(code, lineNumber, <u32>(at - lineStart) + 1);
  return false;
}

// @ts-ignore: decorator
@inline function isNameStart(c: u32): bool {
  return (c | 0x20) - 0x61 < 26 || c == 0x5F || c == 0x3A;
}
// @ts-ignore: decorator
@inline function isNameChar(c: u32): bool {
  return (c | 0x20) - 0x61 < 26 || c - 0x30 < 10 || c == 0x5F || c == 0x3A;
}
// @ts-ignore: decorator
@inline function isLabelStart(c: u32): bool {
  return (c | 0x20) - 0x61 < 26 || c == 0x5F;
}
// @ts-ignore: decorator
@inline function isLabelChar(c: u32): bool {
  return (c | 0x20) - 0x61 < 26 || c - 0x30 < 10 || c == 0x5F;
}
// @ts-ignore: decorator
@inline function isBlank(c: u32): bool { return c == 0x20 || c == 0x09; }

/** Skips spaces and tabs (text format only; OpenMetrics allows no optional whitespace). */
// @ts-ignore: decorator
@inline function skipBlanks(p: usize, end: usize): usize {
  if (format == FORMAT_TEXT) while (p < end && isBlank(load<u8>(p))) p++;
  return p;
}

/** Returns the address after the closing quote of the string opening at p, or 0. */
function skipQuoted(p: usize, end: usize): usize {
  p++;
  while (p < end) {
    const c = load<u8>(p);
    if (c == 0x22) return p + 1;
    if (c == 0x5C) p++;
    p++;
  }
  return 0;
}

/** Where the series key `name{...}` that starts at p ends (exclusive), or 0 on error. */
function scanKey(p: usize, end: usize): usize {
  const keyStart = p;
  let c = <u32>load<u8>(p);
  if (c == 0x22) {
    const q = skipQuoted(p, end);
    if (q == 0) { fail(ErrorCode.INVALID_METRIC_NAME, p); return 0; }
    p = q;
  } else if (c != 0x7B) {
    if (!isNameStart(c)) { fail(ErrorCode.INVALID_METRIC_NAME, p); return 0; }
    p++;
    while (p < end && isNameChar(load<u8>(p))) p++;
  }
  if (format == FORMAT_TEXT && p < end && isBlank(load<u8>(p))) {
    // Text format: blanks may separate the name from its label set.
    const q = skipBlanks(p, end);
    if (q < end && load<u8>(q) == 0x7B) p = q;
  }
  if (p < end && load<u8>(p) == 0x7B) {
    p++;
    while (true) {
      if (p >= end) {
        // No closing brace: let the full label parser say precisely what went wrong where.
        if (parseLabels(keyStart, end, false)) fail(ErrorCode.EXPECTED_COMMA_OR_BRACE, end);
        return 0;
      }
      c = load<u8>(p);
      if (c == 0x7D) return p + 1;
      if (c == 0x22) {
        const q = skipQuoted(p, end);
        if (q == 0) { fail(ErrorCode.UNTERMINATED_LABEL_VALUE, p); return 0; }
        p = q;
      } else {
        p++;
      }
    }
  }
  return p;
}

/** Parses one complete line [p, end) (no newline). Returns false on error (already reported). */
export function parseLine(p: usize, end: usize): bool {
  lineStart = p;
  if (sawEof) return fail(ErrorCode.TEXT_AFTER_EOF, p);
  if (format == FORMAT_TEXT) {
    p = skipBlanks(p, end);
    if (p == end) return true;
  } else if (p == end) {
    return fail(ErrorCode.BLANK_LINE, p);
  }
  if (load<u8>(p) == 0x23) return parseComment(p, end);
  return parseSample(p, end);
}

function parseSample(p: usize, end: usize): bool {
  const keyStart = p;
  const keyEnd = scanKey(p, end);
  if (keyEnd == 0) return false;
  hash128(keyStart, keyEnd - keyStart, RAW_SEED ^ <u64>format);
  let ref = lookup();
  if (ref == 0) {
    ref = newSeries(keyStart, keyEnd);
    if (ref == 0) return false;
  }
  p = keyEnd;
  // Value: after one space (OpenMetrics), or after blanks or directly after '}' (text).
  if (format == FORMAT_TEXT) {
    if (p < end && !isBlank(load<u8>(p)) && load<u8>(p - 1) != 0x7D) return fail(ErrorCode.EXPECTED_VALUE, p);
    p = skipBlanks(p, end);
  } else {
    if (p >= end || load<u8>(p) != 0x20) return fail(ErrorCode.EXPECTED_VALUE, p);
    p++;
  }
  let tokenEnd = p;
  while (tokenEnd < end && !isBlank(load<u8>(tokenEnd))) tokenEnd++;
  if (tokenEnd == p) return fail(ErrorCode.EXPECTED_VALUE, p);
  if (!parseFloatBytes(p, tokenEnd, true)) return fail(ErrorCode.INVALID_VALUE, p);
  const value = parsedNumber;
  p = tokenEnd;
  // Optional timestamp, then (OpenMetrics) an optional exemplar; each after one separator.
  let timestamp = scrapeTimestamp;
  let hasTimestamp = false;
  let exemplarAt: usize = 0;
  if (p < end) {
    p++;
    if (format == FORMAT_TEXT) p = skipBlanks(p, end);
    else if (p == end) return fail(ErrorCode.UNEXPECTED_TEXT, p);
    if (p < end && load<u8>(p) != 0x23) {
      tokenEnd = p;
      while (tokenEnd < end && !isBlank(load<u8>(tokenEnd))) tokenEnd++;
      if (format == FORMAT_TEXT) {
        if (!parseIntBytes(p, tokenEnd)) return fail(ErrorCode.INVALID_TIMESTAMP, p);
      } else {
        if (!parseFloatBytes(p, tokenEnd, false)) return fail(ErrorCode.INVALID_TIMESTAMP, p);
        parsedNumber = Math.round(parsedNumber * 1000);
      }
      hasTimestamp = true;
      if (honorTimestamps) timestamp = parsedNumber;
      p = tokenEnd;
      if (p < end) {
        p++;
        if (format == FORMAT_TEXT) p = skipBlanks(p, end);
        else if (p == end) return fail(ErrorCode.UNEXPECTED_TEXT, p);
      }
    }
    if (p < end) {
      if (format == FORMAT_OPENMETRICS && load<u8>(p) == 0x23) exemplarAt = p;
      else return fail(ErrorCode.UNEXPECTED_TEXT, p);
    }
  }
  const s = seriesAt(ref);
  // A series seen again in this scrape keeps the family of its first sample, the one sent.
  const firstFamily = s.family;
  if (!assignFamily(s, keyStart)) return false;
  if (s.boundPair != 0 && (format == FORMAT_TEXT ? isNaN(seriesBound(s)) : !pairAt(s.boundPair).openMetricsBound)) {
    // le on a histogram bucket and quantile on a summary sample must be numbers (OpenMetrics:
    // real numbers or exactly "+Inf"/"-Inf"); elsewhere those are plain labels.
    const type = <i32>familyAt(s.family).type;
    if ((type == MetricType.HISTOGRAM || (type == MetricType.GAUGEHISTOGRAM && format == FORMAT_OPENMETRICS)) && s.suffix == Suffix.BUCKET) return fail(ErrorCode.INVALID_BUCKET, keyStart);
    if (type == MetricType.SUMMARY && s.suffix == Suffix.NONE) return fail(ErrorCode.INVALID_QUANTILE, keyStart);
  }
  if (format == FORMAT_OPENMETRICS && omStrict) {
    if (!omSample(s, ref, value, hasTimestamp, timestamp, keyStart)) return false;
  }
  if (exemplarAt != 0 && !parseExemplar(exemplarAt, end, s)) return false;
  if (s.lastSeen == epochValue) {
    s.family = firstFamily;
    duplicateSamples++;
    if (exemplarAt != 0) exemplars.length -= 32;
    return true;
  }
  s.lastSeen = epochValue;
  if (exemplarAt != 0) store<u32>(exemplars.data + exemplars.length - 32, sampleCount());
  appendSample(ref, value, timestamp);
  if (s.state != SeriesState.DROPPED) {
    const limitError = sampleCounted();
    if (limitError != ErrorCode.NONE) return fail(limitError, lineStart);
  }
  return true;
}

/** The current scrape's epoch (set by index.ts). */
export let epochValue: u32 = 0;
export function setEpoch(e: u32): void { epochValue = e; }

/** Finds (or creates) the family a sample of series `s` belongs to. */
function assignFamily(s: Series, keyStart: usize): bool {
  let f = currentFamily;
  if (f != NO_FAMILY) {
    const fam = familyAt(f);
    if (fam.nameHash == s.nameHash || (s.suffix != Suffix.NONE && fam.nameHash == s.baseHash && suffixAllowed(fam.type, s.suffix))) {
      s.family = f;
      fam.flags |= F_SAMPLES;
      return true;
    }
  }
  f = findFamily(s.nameHash);
  if (f == NO_FAMILY && s.suffix != Suffix.NONE) {
    const g = findFamily(s.baseHash);
    if (g != NO_FAMILY && suffixAllowed(familyAt(g).type, s.suffix)) f = g;
  }
  if (f == NO_FAMILY) f = addFamily(s.nameHash, 0, 0);
  if (format == FORMAT_OPENMETRICS && omStrict && !omSwitchFamily(f, keyStart)) return false;
  currentFamily = f;
  s.family = f;
  familyAt(f).flags |= F_SAMPLES;
  return true;
}

// ---- New series: full label parsing, validation, sorting and encoding ----

/** Appends the unescaped string quoted at p to `scratch`; returns the address after it or 0. */
function unquote(p: usize, end: usize): usize {
  p++;
  while (p < end) {
    const c = load<u8>(p);
    if (c == 0x22) return p + 1;
    if (c == 0x5C) {
      if (p + 1 >= end) break;
      const e = load<u8>(p + 1);
      if (e == 0x6E) scratch.pushU8(0x0A);
      else if (e == 0x5C || e == 0x22) scratch.pushU8(e);
      else { scratch.pushU8(0x5C); scratch.pushU8(e); }
      p += 2;
      continue;
    }
    if (c == 0x0A) break;
    scratch.pushU8(c);
    p++;
  }
  fail(ErrorCode.UNTERMINATED_LABEL_VALUE, p);
  return 0;
}

/** Checks that [p, p+len) is valid UTF-8. */
export function validUtf8(p: usize, len: u32): bool {
  const end = p + len;
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c < 0x80) { p++; continue; }
    let n: u32; let min: u32; let cp: u32;
    if ((c & 0xE0) == 0xC0) { n = 1; min = 0x80; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; min = 0x800; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; min = 0x10000; cp = c & 0x07; }
    else return false;
    if (p + n >= end) return false;
    for (let i: u32 = 1; i <= n; i++) {
      const b = <u32>load<u8>(p + i);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

/**
 * Parses the label set of a new key into `entries`/`scratch`. The metric name goes first as
 * `__name__`. Returns false on error (reported). With `checkLimits`, the label limits
 * (limits.ts) are checked label by label, so that a line of 20,000 labels stops at the first
 * one over label_limit, before anything is sorted or interned.
 */
function parseLabels(keyStart: usize, keyEnd: usize, checkLimits: bool = true): bool {
  scratch.clear();
  entries.clear();
  // Labels with a value (an empty value is an absent label), the metric name included.
  let labelCount: u32 = 1;
  let p = keyStart;
  let c = <u32>load<u8>(p);
  // The metric name, bare or quoted, before the braces.
  if (c != 0x7B) {
    if (!addNameEntry()) return false;
    const nameOffset = scratch.length;
    if (c == 0x22) {
      p = unquote(p, keyEnd);
      if (p == 0) return false;
    } else {
      const start = p;
      while (p < keyEnd && isNameChar(load<u8>(p))) p++;
      scratch.pushBytes(start, <u32>(p - start));
    }
    setEntryValue(0, nameOffset, scratch.length - nameOffset);
    p = skipBlanks(p, keyEnd);
  }
  if (p == keyEnd) return checkHasName(keyStart) && metricNameFits(keyStart, checkLimits);
  // p is at '{'.
  p++;
  let first = true;
  while (true) {
    p = skipBlanks(p, keyEnd);
    if (p >= keyEnd) return fail(ErrorCode.EXPECTED_COMMA_OR_BRACE, p);
    c = load<u8>(p);
    if (c == 0x7D) {
      if (!first && format == FORMAT_OPENMETRICS && load<u8>(p - 1) == 0x2C) return fail(ErrorCode.INVALID_LABEL_NAME, p);
      break;
    }
    if (!first) {
      // after a label: ',' then the next label (a trailing comma is fine in text format)
      if (c != 0x2C) return fail(ErrorCode.EXPECTED_COMMA_OR_BRACE, p);
      p = skipBlanks(p + 1, keyEnd);
      if (p >= keyEnd) return fail(ErrorCode.EXPECTED_COMMA_OR_BRACE, p);
      c = load<u8>(p);
      if (c == 0x7D) {
        if (format == FORMAT_OPENMETRICS) return fail(ErrorCode.INVALID_LABEL_NAME, p);
        break;
      }
    }
    first = false;
    // Label name (bare or quoted); a quoted string alone is the metric name: {"my.metric", ...}
    const labelAt = p;
    const nameOffset = scratch.length;
    let quotedName = false;
    if (c == 0x22) {
      p = unquote(p, keyEnd);
      if (p == 0) return false;
      quotedName = true;
      if (!validUtf8(scratch.data + nameOffset, scratch.length - nameOffset)) return fail(ErrorCode.INVALID_UTF8, p);
    } else {
      if (!isLabelStart(c)) return fail(ErrorCode.INVALID_LABEL_NAME, p);
      const start = p;
      while (p < keyEnd && isLabelChar(load<u8>(p))) p++;
      scratch.pushBytes(start, <u32>(p - start));
    }
    const nameLen = scratch.length - nameOffset;
    p = skipBlanks(p, keyEnd);
    if (p >= keyEnd) return fail(ErrorCode.EXPECTED_EQUAL, p);
    c = load<u8>(p);
    if (quotedName && (c == 0x2C || c == 0x7D)) {
      // The metric name inside the braces.
      if (entries.length != 0 && load<u32>(entries.data) == 0xFFFFFFFF) return fail(ErrorCode.INVALID_METRIC_NAME, p);
      if (nameLen == 0) return fail(ErrorCode.INVALID_METRIC_NAME, p);
      // Move it to entry 0.
      const nameEntryOffset = entries.length;
      if (!addNameEntry()) return false;
      setEntryValue(nameEntryOffset >> 4, nameOffset, nameLen);
      moveEntryFirst(nameEntryOffset);
      continue;
    }
    if (nameLen == 0) return fail(ErrorCode.INVALID_LABEL_NAME, p);
    if (c != 0x3D) return fail(ErrorCode.EXPECTED_EQUAL, p);
    p = skipBlanks(p + 1, keyEnd);
    if (p >= keyEnd || load<u8>(p) != 0x22) return fail(ErrorCode.EXPECTED_LABEL_VALUE, p);
    const valueOffset = scratch.length;
    p = unquote(p, keyEnd);
    if (p == 0) return false;
    const valueLen = scratch.length - valueOffset;
    if (!validUtf8(scratch.data + valueOffset, valueLen)) return fail(ErrorCode.INVALID_UTF8, p);
    if (checkLimits && valueLen != 0) {
      if (!labelCountFits(++labelCount)) return fail(ErrorCode.LABEL_LIMIT, labelAt);
      const lengthError = labelLengthError(nameLen, valueLen);
      if (lengthError != ErrorCode.NONE) return fail(lengthError, labelAt);
    }
    entries.pushU32(nameOffset);
    entries.pushU32(nameLen);
    entries.pushU32(valueOffset);
    entries.pushU32(valueLen);
  }
  return checkHasName(keyStart) && metricNameFits(keyStart, checkLimits);
}

/** The label length limits on `__name__` and its value, the metric name (entry 0). */
function metricNameFits(keyStart: usize, checkLimits: bool): bool {
  if (!checkLimits) return true;
  const lengthError = labelLengthError(8, load<u32>(entries.data, 12));
  return lengthError == ErrorCode.NONE || fail(lengthError, keyStart);
}

// Entry 0 is reserved for __name__ by addNameEntry (nameOffset 0xFFFFFFFF marks it).
function addNameEntry(): bool {
  entries.pushU32(0xFFFFFFFF);
  entries.pushU32(8);
  entries.pushU32(0);
  entries.pushU32(0);
  return true;
}
function setEntryValue(i: u32, offset: u32, len: u32): void {
  store<u32>(entries.data + (<usize>i << 4), offset, 8);
  store<u32>(entries.data + (<usize>i << 4), len, 12);
}
function moveEntryFirst(at: u32): void {
  const tmp0 = load<u64>(entries.data + at);
  const tmp1 = load<u64>(entries.data + at, 8);
  memory.copy(entries.data + 16, entries.data, at);
  store<u64>(entries.data, tmp0);
  store<u64>(entries.data, tmp1, 8);
}
function checkHasName(keyStart: usize): bool {
  if (entries.length == 0 || load<u32>(entries.data) != 0xFFFFFFFF) return fail(ErrorCode.INVALID_METRIC_NAME, keyStart);
  return true;
}

const NAME_LABEL = "__name__";
let nameLabelPtr: usize = 0;

// @ts-ignore: decorator
@inline function entryNamePtr(e: usize): usize {
  const off = load<u32>(e);
  return off == 0xFFFFFFFF ? nameLabelPtr : scratch.data + off;
}

/** Compares the names of entries a and b (byte order). */
function compareNames(a: usize, b: usize): i32 {
  const la = load<u32>(a, 4);
  const lb = load<u32>(b, 4);
  const c = memory.compare(entryNamePtr(a), entryNamePtr(b), <usize>min<u32>(la, lb));
  return c != 0 ? c : <i32>la - <i32>lb;
}

/** Creates the series for a key not in the index (or aliases it); returns its ref or 0. */
function newSeries(keyStart: usize, keyEnd: usize): u32 {
  const rawLow = hashLow;
  const rawHigh = hashHigh;
  if (!parseLabels(keyStart, keyEnd)) return 0;
  if (nameLabelPtr == 0) {
    nameLabelPtr = heap.alloc(8);
    for (let i = 0; i < 8; i++) store<u8>(nameLabelPtr + i, <u8>NAME_LABEL.charCodeAt(i));
  }
  const count = entries.length >> 4;
  sortLabelEntries(entries.data, count, scratch.data, nameLabelPtr, order);
  // Duplicates, then the canonical encoding (labels with empty values are absent, as in Prometheus).
  encoded.clear();
  for (let k: u32 = 0; k < count; k++) {
    const e = entries.data + (<usize>load<u32>(order.data + (<usize>k << 2)) << 4);
    if (k > 0) {
      const prev = entries.data + (<usize>load<u32>(order.data + (<usize>(k - 1) << 2)) << 4);
      if (compareNames(prev, e) == 0) return <u32>fail(ErrorCode.DUPLICATE_LABEL, keyStart);
    }
    const nameLen = load<u32>(e, 4);
    const valueLen = load<u32>(e, 12);
    if (valueLen == 0) continue;
    const namePtr = entryNamePtr(e);
    const valuePtr = scratch.data + load<u32>(e, 8);
    const labelLen = 1 + varintSize(nameLen) + nameLen + 1 + varintSize(valueLen) + valueLen;
    let w = encoded.reserve(1 + varintSize(labelLen) + labelLen);
    const before = w;
    store<u8>(w++, 0x0A);
    w = writeVarint(w, labelLen);
    store<u8>(w++, 0x0A);
    w = writeVarint(w, nameLen);
    memory.copy(w, namePtr, nameLen);
    w += nameLen;
    store<u8>(w++, 0x12);
    w = writeVarint(w, valueLen);
    memory.copy(w, valuePtr, valueLen);
    w += valueLen;
    encoded.length += <u32>(w - before);
  }
  const nameEntry = entries.data; // entry 0 is __name__ after parseLabels
  const metricName = scratch.data + load<u32>(nameEntry, 8);
  const metricNameLen = load<u32>(nameEntry, 12);
  if (!validUtf8(metricName, metricNameLen)) return <u32>fail(ErrorCode.INVALID_UTF8, keyStart);
  // The canonical key: the key text a client writes for these labels (sorted, escaped, without
  // empty values), hashed as a raw key. Most clients write exactly that, and then the raw key is
  // the canonical key and the series takes one index slot, not two. It is looked up under both
  // formats' seeds: canonical text means the same in both.
  const canonical = matchesCanonical(encoded.data, encoded.length, keyStart, keyEnd);
  let canonLow = rawLow;
  let canonHigh = rawHigh;
  let ref: u32 = 0;
  if (!canonical) {
    renderCanonical(encoded.data, encoded.length);
    hash128(rendered.data, rendered.length, RAW_SEED ^ <u64>format);
    canonLow = hashLow;
    canonHigh = hashHigh;
    ref = lookup();
  }
  // Only a core that has created series under the other format has its canonical keys.
  if (ref == 0 && (canonicalFormats & (1 << (format ^ 1))) != 0) {
    if (canonical) hash128(keyStart, keyEnd - keyStart, RAW_SEED ^ <u64>(format ^ 1));
    else hash128(rendered.data, rendered.length, RAW_SEED ^ <u64>(format ^ 1));
    ref = lookup();
  }
  if (ref == 0) {
    if (!seriesFits(seriesCount())) return <u32>fail(ErrorCode.SERIES_LIMIT, keyStart);
    hashLow = canonLow;
    hashHigh = canonHigh;
    ref = createSeries(encoded.data, encoded.length);
    seriesCreated();
    insertKey(ref);
    canonicalFormats |= <u8>(1 << format);
    deriveSeriesInfo(ref);
    newRefs.pushU32(ref);
    if (canonical) return ref;
  }
  hashLow = rawLow;
  hashHigh = rawHigh;
  insertKey(ref);
  return ref;
}

// @ts-ignore: decorator
@inline function isLegacyName(p: usize, len: u32, metric: bool): bool {
  if (len == 0) return false;
  const c = <u32>load<u8>(p);
  if (!(metric ? isNameStart(c) : isLabelStart(c))) return false;
  for (let i: u32 = 1; i < len; i++) {
    const d = <u32>load<u8>(p + i);
    if (!(metric ? isNameChar(d) : isLabelChar(d))) return false;
  }
  return true;
}

// The canonical key text is written to `rendered` (renderCanonical) or, when `matching`, only
// compared with the raw key text at [matchAt, matchEnd) (matchesCanonical): most lines are
// already canonical, and then nothing needs writing.
let matching: bool = false;
let matched: bool = true;
let matchAt: usize = 0;
let matchEnd: usize = 0;

// @ts-ignore: decorator
@inline function outBytes(p: usize, len: usize): void {
  if (!matching) rendered.pushBytes(p, <u32>len);
  else if (matched && matchAt + len <= matchEnd && memory.compare(matchAt, p, len) == 0) matchAt += len;
  else matched = false;
}

// @ts-ignore: decorator
@inline function outByte(c: u8): void {
  if (!matching) rendered.pushU8(c);
  else if (matched && matchAt < matchEnd && load<u8>(matchAt) == c) matchAt++;
  else matched = false;
}

/** [p, p+len) quoted, with \\, \" and \n escaped. */
function outQuoted(p: usize, len: u32): void {
  outByte(0x22);
  const end = p + len;
  let from = p;
  // 16 bytes at a time while none needs escaping (label values rarely do).
  const backslash = i8x16.splat(0x5C);
  const quote = i8x16.splat(0x22);
  const newline = i8x16.splat(0x0A);
  while (p + 16 <= end) {
    const v = v128.load(p);
    if (v128.any_true(v128.or(v128.or(i8x16.eq(v, backslash), i8x16.eq(v, quote)), i8x16.eq(v, newline)))) break;
    p += 16;
  }
  while (p < end) {
    const c = load<u8>(p);
    if (c == 0x5C || c == 0x22 || c == 0x0A) {
      outBytes(from, <usize>(p - from));
      outByte(0x5C);
      outByte(c == 0x0A ? 0x6E : c);
      from = p + 1;
    }
    p++;
  }
  outBytes(from, <usize>(end - from));
  outByte(0x22);
}

/**
 * The canonical key text of a label set given as sorted remote-write 1.0 labels:
 * `name{a="1",b="2"}`, `name` alone without labels, names that need it quoted
 * (`{"my.metric","la.bel"="1"}`). Distinct label sets give distinct texts.
 */
function outCanonical(labels: usize, len: u32): void {
  const end = labels + len;
  // The metric name first.
  let p = labels;
  let name: usize = 0;
  let nameLen: u32 = 0;
  let others: u32 = 0;
  while (p < end) {
    const labelLen = readVarint(p + 1);
    const next = varintEnd + labelLen;
    const n = readVarint(varintEnd + 1);
    if (n == 8 && load<u64>(varintEnd) == 0x5F5F656D616E5F5F) { // "__name__"
      nameLen = readVarint(varintEnd + n + 1);
      name = varintEnd;
    } else {
      others++;
    }
    p = next;
  }
  const legacy = isLegacyName(name, nameLen, true);
  if (legacy) outBytes(name, nameLen);
  if (legacy && others == 0) return;
  outByte(0x7B);
  let first = true;
  if (!legacy) { outQuoted(name, nameLen); first = false; }
  p = labels;
  while (p < end && (!matching || matched)) {
    const labelLen = readVarint(p + 1);
    const next = varintEnd + labelLen;
    const n = readVarint(varintEnd + 1);
    const labelName = varintEnd;
    const v = readVarint(labelName + n + 1);
    const value = varintEnd;
    if (!(n == 8 && load<u64>(labelName) == 0x5F5F656D616E5F5F)) {
      if (!first) outByte(0x2C);
      first = false;
      if (isLegacyName(labelName, n, false)) outBytes(labelName, n);
      else outQuoted(labelName, n);
      outByte(0x3D);
      outQuoted(value, v);
    }
    p = next;
  }
  outByte(0x7D);
}

/** Writes the canonical key text of the labels [labels, labels+len) to `rendered`. */
function renderCanonical(labels: usize, len: u32): void {
  rendered.clear();
  outCanonical(labels, len);
}

/** Whether the raw key text [raw, rawEnd) is exactly the canonical key text of the labels. */
function matchesCanonical(labels: usize, len: u32, raw: usize, rawEnd: usize): bool {
  matching = true;
  matched = true;
  matchAt = raw;
  matchEnd = rawEnd;
  outCanonical(labels, len);
  matching = false;
  return matched && matchAt == matchEnd;
}

/** Inserts the canonical key of a series whose labels are [labels, labels+len) (Core.rebuild). */
export function insertCanonicalKey(ref: u32, labels: usize, len: u32): void {
  renderCanonical(labels, len);
  hash128(rendered.data, rendered.length, RAW_SEED ^ <u64>FORMAT_TEXT);
  insertKey(ref);
  canonicalFormats |= <u8>(1 << FORMAT_TEXT);
}

/**
 * Caches what per-sample checks need from a series' labels: the hashes of its metric name with
 * and without type suffix, whether it has le/quantile and which pair is its bound. Computed once,
 * when the series is created or imported.
 */
export function deriveSeriesInfo(ref: u32): void {
  const s = seriesAt(ref);
  let flags: u8 = 0;
  let lePair: u32 = 0;
  let quantilePair: u32 = 0;
  let p = s.labels;
  const end = p + s.idsLen;
  while (p < end) {
    const id = readVarint(p);
    p = varintEnd;
    const pair = pairAt(id);
    if (pair.kind == PairKind.NAME) {
      readVarint(pair.ptr + 1);
      const nameLen = readVarint(varintEnd + 1);
      const valueLen = readVarint(varintEnd + nameLen + 1);
      const value = varintEnd;
      hash128(value, valueLen, NAME_SEED);
      s.nameHash = hashLow;
      const suffix = suffixOf(value, valueLen);
      s.suffix = suffix;
      if (suffix != Suffix.NONE) {
        hash128(value, valueLen - suffixLength(suffix), NAME_SEED);
        s.baseHash = hashLow;
      }
    } else if (pair.kind == PairKind.LE) {
      flags |= 1;
      lePair = id;
    } else if (pair.kind == PairKind.QUANTILE) {
      flags |= 2;
      quantilePair = id;
    }
  }
  // A bucket's bound is its le, anything else's its quantile (a label of that name elsewhere is
  // just a label).
  const boundPair = s.suffix == Suffix.BUCKET ? lePair : quantilePair;
  if (boundPair != 0) retainPair(boundPair);
  s.boundPair = boundPair;
  s.flags = flags;
  if (format == FORMAT_OPENMETRICS && omStrict) setGroupHash(ref, labelsGroupHash(s));
}

/**
 * Hash of the series' current labels other than __name__, le and quantile (their bytes, so the
 * same labels give the same hash whenever their pairs were interned).
 */
function labelsGroupHash(s: Series): u64 {
  let h: u64 = GROUP_SEED;
  let p = s.labels;
  const end = p + s.idsLen;
  while (p < end) {
    const pair = pairAt(readVarint(p));
    p = varintEnd;
    if (pair.kind != PairKind.PLAIN) continue;
    hash128(pair.ptr, pair.len, GROUP_SEED);
    h = rotl<u64>(h, 5) ^ hashLow;
  }
  return h | 1; // never 0, which means "not recorded"
}

/**
 * The series' histogram/summary group for OpenMetrics' strict checks: recorded from the labels as
 * the page wrote them when it was created in strict mode, else from its current labels.
 */
export function groupHashOf(ref: u32): u64 {
  const recorded = recordedGroupHash(ref);
  return recorded != 0 ? recorded : labelsGroupHash(seriesAt(ref));
}

// ---- Comments and metadata ----

function parseComment(p: usize, end: usize): bool {
  const hashAt = p;
  p++;
  // "# HELP ", "# TYPE ", "# UNIT ", "# EOF"
  if (p + 1 < end && load<u8>(p) == 0x20) {
    const word = p + 1;
    if (word + 4 <= end) {
      const w = load<u32>(word);
      if (w == 0x504C4548 /* HELP */ || w == 0x45505954 /* TYPE */ || w == 0x54494E55 /* UNIT */) {
        if (word + 4 == end || load<u8>(word + 4) == 0x20) {
          if (w == 0x54494E55 && format == FORMAT_TEXT) return true;
          return parseMetadata(w, word + 4, end);
        }
      }
    }
    if (format == FORMAT_OPENMETRICS && word + 3 == end && load<u16>(word) == 0x4F45 && load<u8>(word + 2) == 0x46) {
      sawEof = true;
      // The last family ends here: its last histogram is checked now, before any text after it.
      return !omStrict || omFinish(hashAt);
    }
  }
  if (format == FORMAT_OPENMETRICS) return fail(ErrorCode.INVALID_COMMENT, hashAt);
  return true;
}

/** Parses the rest of a HELP/TYPE/UNIT line starting at the space after the keyword. */
function parseMetadata(kind: u32, p: usize, end: usize): bool {
  if (format == FORMAT_TEXT) {
    // As in expfmt: "# HELP" or "# TYPE" without a name (or without text after it) is a comment.
    let q = skipBlanks(p, end);
    if (q == end) return true;
    if (isNameStart(load<u8>(q))) {
      while (q < end && isNameChar(load<u8>(q))) q++;
      if (skipBlanks(q, end) == end) return true;
    } else if (load<u8>(q) == 0x22) {
      q = skipQuoted(q, end);
      if (q != 0 && skipBlanks(q, end) == end) return true;
    }
  }
  if (p >= end) return fail(ErrorCode.INVALID_METRIC_NAME, p);
  p++;
  if (format == FORMAT_TEXT) p = skipBlanks(p, end);
  // Metric family name, bare or quoted.
  scratch.clear();
  let nameStart = p;
  let nameLen: u32;
  if (p < end && load<u8>(p) == 0x22) {
    const after = unquote(p, end);
    if (after == 0) return false;
    nameStart = scratch.data;
    nameLen = scratch.length;
    if (nameLen == 0 || !validUtf8(nameStart, nameLen)) return fail(ErrorCode.INVALID_METRIC_NAME, p);
    p = after;
  } else {
    if (p >= end || !isNameStart(load<u8>(p))) return fail(ErrorCode.INVALID_METRIC_NAME, p);
    while (p < end && isNameChar(load<u8>(p))) p++;
    nameLen = <u32>(p - nameStart);
  }
  // The text after the name: a single space, then the rest of the line.
  let text = p;
  if (p < end) {
    if (load<u8>(p) != 0x20) return fail(ErrorCode.INVALID_METRIC_NAME, p);
    text = p + 1;
    if (format == FORMAT_TEXT) text = skipBlanks(text, end);
  } else if (format == FORMAT_OPENMETRICS) {
    return fail(kind == 0x45505954 ? ErrorCode.INVALID_TYPE : kind == 0x504C4548 ? ErrorCode.INVALID_HELP : ErrorCode.INVALID_UNIT, p);
  }
  hash128(nameStart, nameLen, NAME_SEED);
  const nameHash = hashLow;
  let f = findFamily(nameHash);
  if (format == FORMAT_OPENMETRICS && omStrict) {
    if (f != NO_FAMILY) {
      const fam = familyAt(f);
      if (f != currentFamily || (fam.flags & F_CLOSED) != 0) return fail(ErrorCode.CLASHING_FAMILY, lineStart);
      if ((fam.flags & F_SAMPLES) != 0) return fail(ErrorCode.METADATA_AFTER_SAMPLES, lineStart);
      const bit: u8 = kind == 0x504C4548 ? F_HELP : kind == 0x45505954 ? F_TYPE : F_UNIT;
      if ((fam.flags & bit) != 0) return fail(ErrorCode.DUPLICATE_METADATA, lineStart);
    } else {
      f = addFamily(nameHash, nameStart, nameLen);
      if (!omSwitchFamily(f, lineStart)) return false;
      currentFamily = f;
    }
  } else {
    if (f == NO_FAMILY) f = addFamily(nameHash, nameStart, nameLen);
    currentFamily = f;
  }
  const fam = familyAt(f);
  if (fam.nameLen == 0 && (fam.flags & F_DECLARED) == 0) {
    // An implicit family (samples came first, text format) gets its name now.
    fam.nameOffset = scrapeArena.length;
    fam.nameLen = nameLen;
    scrapeArena.pushBytes(nameStart, nameLen);
  }
  fam.flags |= F_DECLARED;
  if (kind == 0x45505954) return parseType(fam, text, end, nameStart, nameLen);
  if (kind == 0x504C4548) return parseHelp(fam, text, end);
  return parseUnit(fam, text, end, nameStart, nameLen);
}

function wordIs(p: usize, end: usize, word: string): bool {
  const n = word.length;
  if (<i32>(end - p) != n) return false;
  for (let i = 0; i < n; i++) if (<u32>load<u8>(p + i) != <u32>word.charCodeAt(i)) return false;
  return true;
}

function parseType(fam: Family, p: usize, end: usize, name: usize, nameLen: u32): bool {
  let t: i32 = -1;
  if (wordIs(p, end, "counter")) t = MetricType.COUNTER;
  else if (wordIs(p, end, "gauge")) t = MetricType.GAUGE;
  else if (wordIs(p, end, "histogram")) t = MetricType.HISTOGRAM;
  else if (wordIs(p, end, "summary")) t = MetricType.SUMMARY;
  else if (format == FORMAT_TEXT) {
    if (wordIs(p, end, "untyped")) t = MetricType.UNKNOWN;
  } else {
    if (wordIs(p, end, "unknown")) t = MetricType.UNKNOWN;
    else if (wordIs(p, end, "gaugehistogram")) t = MetricType.GAUGEHISTOGRAM;
    else if (wordIs(p, end, "info")) t = MetricType.INFO;
    else if (wordIs(p, end, "stateset")) t = MetricType.STATESET;
  }
  if (t < 0) return fail(ErrorCode.INVALID_TYPE, p);
  fam.type = <u8>t;
  fam.flags |= F_TYPE;
  if (format == FORMAT_OPENMETRICS && omStrict && omTypeClashes(currentFamily, name, nameLen)) return fail(ErrorCode.CLASHING_FAMILY, lineStart);
  if (format == FORMAT_OPENMETRICS && (fam.flags & F_UNIT) != 0 && !unitFits(fam, name, nameLen)) return fail(ErrorCode.INVALID_UNIT, p);
  return true;
}

function parseHelp(fam: Family, p: usize, end: usize): bool {
  fam.helpOffset = scrapeArena.length;
  while (p < end) {
    const c = load<u8>(p);
    if (c == 0x5C && p + 1 < end) {
      const e = load<u8>(p + 1);
      if (e == 0x6E) { scrapeArena.pushU8(0x0A); p += 2; continue; }
      if (e == 0x5C) { scrapeArena.pushU8(0x5C); p += 2; continue; }
      if (e == 0x22 && format == FORMAT_OPENMETRICS) { scrapeArena.pushU8(0x22); p += 2; continue; }
    }
    scrapeArena.pushU8(c);
    p++;
  }
  fam.helpLen = scrapeArena.length - fam.helpOffset;
  if (!validUtf8(scrapeArena.data + fam.helpOffset, fam.helpLen)) return fail(ErrorCode.INVALID_UTF8, lineStart);
  fam.flags |= F_HELP;
  return true;
}

function parseUnit(fam: Family, p: usize, end: usize, name: usize, nameLen: u32): bool {
  fam.unitOffset = scrapeArena.length;
  fam.unitLen = <u32>(end - p);
  scrapeArena.pushBytes(p, fam.unitLen);
  fam.flags |= F_UNIT;
  if (!unitFits(fam, name, nameLen)) return fail(ErrorCode.INVALID_UNIT, p);
  return true;
}

/** OpenMetrics: a family with a unit must be named ..._<unit>; units are not allowed on info/stateset. */
function unitFits(fam: Family, name: usize, nameLen: u32): bool {
  const unitLen = fam.unitLen;
  if (unitLen == 0) return true;
  if ((fam.flags & F_TYPE) != 0 && (fam.type == MetricType.INFO || fam.type == MetricType.STATESET)) return false;
  if (nameLen <= unitLen + 1) return false;
  const at = name + nameLen - unitLen;
  if (load<u8>(at - 1) != 0x5F) return false;
  return memory.compare(at, scrapeArena.data + fam.unitOffset, unitLen) == 0;
}

// ---- Exemplars (OpenMetrics) ----

/** Parses ` # {labels} value [timestamp]` at p (the '#') for a sample of series s. */
function parseExemplar(p: usize, end: usize, s: Series): bool {
  if (omStrict && !omExemplarAllowed(s)) return fail(ErrorCode.EXEMPLAR_NOT_ALLOWED, p);
  p++;
  if (p >= end || load<u8>(p) != 0x20) return fail(ErrorCode.INVALID_EXEMPLAR, p);
  p++;
  if (p >= end || load<u8>(p) != 0x7B) return fail(ErrorCode.INVALID_EXEMPLAR, p);
  const labelsEnd = scanKey(p, end);
  if (labelsEnd == 0) return false;
  // Parse the exemplar labels with the series machinery, into the scrape arena.
  scratch.clear();
  entries.clear();
  const labelsOffset = scrapeArena.length;
  let q = p + 1;
  let runes: u32 = 0;
  let first = true;
  while (true) {
    let c = load<u8>(q);
    if (c == 0x7D) break;
    if (!first) {
      if (c != 0x2C) return fail(ErrorCode.INVALID_EXEMPLAR, q);
      q++;
      c = load<u8>(q);
    }
    first = false;
    if (!isLabelStart(c)) return fail(ErrorCode.INVALID_EXEMPLAR, q);
    const nameStart = q;
    while (q < labelsEnd && isLabelChar(load<u8>(q))) q++;
    const nameLen = <u32>(q - nameStart);
    if (load<u8>(q) != 0x3D || load<u8>(q + 1) != 0x22) return fail(ErrorCode.INVALID_EXEMPLAR, q);
    const valueOffset = scratch.length;
    q = unquote(q + 1, labelsEnd);
    if (q == 0) return false;
    const valueLen = scratch.length - valueOffset;
    if (!validUtf8(scratch.data + valueOffset, valueLen)) return fail(ErrorCode.INVALID_UTF8, q);
    runes += nameLen + countRunes(scratch.data + valueOffset, valueLen);
    const labelLen = 1 + varintSize(nameLen) + nameLen + 1 + varintSize(valueLen) + valueLen;
    let w = scrapeArena.reserve(1 + varintSize(labelLen) + labelLen);
    const before = w;
    store<u8>(w++, 0x0A);
    w = writeVarint(w, labelLen);
    store<u8>(w++, 0x0A);
    w = writeVarint(w, nameLen);
    memory.copy(w, nameStart, nameLen);
    w += nameLen;
    store<u8>(w++, 0x12);
    w = writeVarint(w, valueLen);
    memory.copy(w, scratch.data + valueOffset, valueLen);
    w += valueLen;
    scrapeArena.length += <u32>(w - before);
  }
  if (runes > 128) return fail(ErrorCode.EXEMPLAR_TOO_LONG, p);
  // Sorted by name, as every label set (Prometheus sorts exemplar labels too); no name twice.
  if (!sortEncodedLabels(scrapeArena.data + labelsOffset, scrapeArena.length - labelsOffset)) return fail(ErrorCode.INVALID_EXEMPLAR, p);
  p = labelsEnd;
  if (p >= end || load<u8>(p) != 0x20) return fail(ErrorCode.INVALID_EXEMPLAR, p);
  p++;
  let tokenEnd = p;
  while (tokenEnd < end && load<u8>(tokenEnd) != 0x20) tokenEnd++;
  if (!parseFloatBytes(p, tokenEnd, true)) return fail(ErrorCode.INVALID_EXEMPLAR, p);
  const value = parsedNumber;
  let timestamp: f64 = NaN;
  if (tokenEnd < end) {
    p = tokenEnd + 1;
    if (!parseFloatBytes(p, end, false)) return fail(ErrorCode.INVALID_EXEMPLAR, p);
    timestamp = Math.round(parsedNumber * 1000);
  }
  const at = exemplars.reserve(32);
  store<u32>(at, 0);
  store<u32>(at, labelsOffset, 4);
  store<u32>(at, scrapeArena.length - labelsOffset, 8);
  store<u32>(at, 0, 12);
  store<f64>(at, value, 16);
  store<f64>(at, timestamp, 24);
  exemplars.length += 32;
  return true;
}

function countRunes(p: usize, len: u32): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < len; i++) if ((load<u8>(p + i) & 0xC0) != 0x80) n++;
  return n;
}
