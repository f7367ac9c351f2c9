// Native histograms of a protobuf page (scrape_native_histograms), as Prometheus 3 takes them:
// the exposition Histogram's native parts read (schema, zero threshold and count, spans with
// deltas or absolute counts, packed or not), their spans checked against their buckets, made
// canonical (Compact(0): empty buckets dropped, adjacent spans merged), reduced to the largest
// schema native_histogram_min_bucket_factor allows and then, while over
// native_histogram_bucket_limit, one schema at a time (at schema -4 and still over, the scrape
// fails), and kept encoded as the body of a remote-write Histogram message (1.0 and 2.0 number
// fields 1-14 alike), without its timestamp, in a per-scrape arena.
//
// A histogram sample takes a place in the scrape's columns like a float sample (so sample_limit,
// duplicates, staleness and the split at max_samples_per_send treat it as one sample), with a
// NaN value, and a record { sample index, arena offset, length } here, in sample order, which
// the encoders follow. A histogram series that disappears gets a float staleness marker, as
// Prometheus' agent mode sends it.

import { ByteBuffer } from "./buffer";
import { ErrorCode, setError, setErrorText } from "./status";
import { failHere, lineNumber, lineStart } from "./scrape-state";
import { Wire, wireAt, wireBad, readU64, readF64, readLen, skipValue } from "./pbwire";
import { writeVarint, writeLenPrefix, writeDoubleField, writeVarintField, varintSize, bytesFieldSize } from "./protobuf";

/** scrape_native_histograms: a protobuf histogram with native parts is read as one histogram sample. */
export let scrapeNativeHistograms: bool = false;
/** always_scrape_classic_histograms: its classic series are read as well. */
export let alwaysScrapeClassicHistograms: bool = false;
/** Prometheus' schema of native histograms with custom buckets. */
const CUSTOM_BUCKETS_SCHEMA: i32 = -53;

/** Fails the scrape for a schema Prometheus refuses, the schema as what came. */
function failSchema(schema: i32, at: usize): bool {
  if (setError(ErrorCode.INVALID_HISTOGRAM_SCHEMA, lineNumber, <u32>(at - lineStart) + 1)) {
    const text = heap.alloc(16);
    let n: u32 = 0;
    let v: i64 = <i64>schema;
    if (v < 0) { store<u8>(text, 0x2D); n = 1; v = -v; }
    let digits: u32 = 1;
    for (let d = v; d >= 10; d /= 10) digits++;
    for (let k: u32 = digits; k > 0; k--) { store<u8>(text + n + k - 1, <u8>(0x30 + v % 10)); v /= 10; }
    setErrorText(text, n + digits);
    heap.free(text);
  }
  return false;
}

/** native_histogram_bucket_limit (0: none). */
let bucketLimit: u32 = 0;
/** The largest schema kept (native_histogram_min_bucket_factor), 8 when no factor is set. */
let maxSchema: i32 = 8;
/** Whether the encoders write histogram samples (send_native_histograms of the endpoints). */
export let encodeHistograms: bool = true;

/** setHistogramOptions(scrapeNative, alwaysClassic, bucketLimit, maxSchema): from the next begin. */
export function setHistogramOptions(native: bool, alwaysClassic: bool, limit: u32, schema: i32): void {
  scrapeNativeHistograms = native;
  alwaysScrapeClassicHistograms = alwaysClassic;
  bucketLimit = limit;
  maxSchema = schema;
}

/** setEncodeHistograms(on): whether the next encodeBegin's requests carry histogram samples. */
export function setEncodeHistograms(on: bool): void { encodeHistograms = on; }

/** Records { sample index u32, arena offset u32, length u32, pad u32 }, in sample order. */
export let histogramRecords: ByteBuffer = changetype<ByteBuffer>(0);
export const HISTOGRAM_RECORD_SIZE: u32 = 16;
/** Each histogram as a remote-write Histogram body without its timestamp. */
export let histogramArena: ByteBuffer = changetype<ByteBuffer>(0);
/**
 * A histogram sample's value in the float column: a NaN of its own ("HIST" in its payload), so
 * that a histogram sample whose record is gone (an instance rebuilt between a scrape and its
 * encoding imports the columns only) is left out by the encoder instead of sent as a float NaN.
 */
export const HISTOGRAM_VALUE: u64 = 0x7FF8000048495354;

export function resetHistograms(): void {
  if (changetype<usize>(histogramRecords) == 0) {
    histogramRecords = ByteBuffer.create(256);
    histogramArena = ByteBuffer.create(256); // grows with the first histogram: most pages have none
    positive = ByteBuffer.create(256);
    negative = ByteBuffer.create(256);
    spanList = ByteBuffer.create(64);
  }
  histogramRecords.clear();
  histogramArena.clear();
}

/** Histogram samples in this scrape. */
export function histogramCount(): u32 { return histogramRecords.length / HISTOGRAM_RECORD_SIZE; }

// The histogram being read: each side as (index i32, pad, count f64) pairs, ascending, non-zero.
let positive: ByteBuffer = changetype<ByteBuffer>(0);
let negative: ByteBuffer = changetype<ByteBuffer>(0);
let spanList: ByteBuffer = changetype<ByteBuffer>(0);
const BUCKET_SIZE: u32 = 16;

/** The last histogram read (readNativeHistogram), encoded at histogramArena's end. */
export let histogramAt: u32 = 0;
export let histogramLen: u32 = 0;

// @ts-ignore: decorator
@inline function zigzag64(v: u64): i64 { return <i64>(v >>> 1) ^ -<i64>(v & 1); }

/**
 * One side's buckets from its spans (the message's repeated field `spanField`) and its deltas
 * (`deltaField`, integer) or counts (`countField`, float), packed or not, made absolute, empty
 * ones left out. Returns false when the spans do not cover exactly as many buckets as there are
 * values, or a span after the first has a negative offset (checkHistogramSpans).
 */
function readSide(at: usize, end: usize, spanField: u64, deltaField: u64, countField: u64, float: bool, into: ByteBuffer): bool {
  into.clear();
  spanList.clear();
  // The spans, as (first index, length).
  let index: i32 = 0;
  let covered: u64 = 0;
  let p = at;
  while (p < end) {
    const tag = readU64(p, end);
    p = wireAt;
    const wt = <u32>tag & 7;
    if ((tag >> 3) != spanField || wt != Wire.LEN) { p = skipValue(wt, p, end); if (wireBad) return true; continue; }
    const len = readLen(p, end);
    const q = wireAt;
    p = q + len;
    let offset: i32 = 0;
    let length: u32 = 0;
    let r = q;
    while (r < p && !wireBad) {
      const t = readU64(r, p);
      r = wireAt;
      const w = <u32>t & 7;
      if ((t >> 3) == 1 && w == Wire.VARINT) { offset = <i32>zigzag64(readU64(r, p)); r = wireAt; }
      else if ((t >> 3) == 2 && w == Wire.VARINT) { length = <u32>readU64(r, p); r = wireAt; }
      else r = skipValue(w, r, p);
    }
    if (wireBad) return true;
    if (spanList.length != 0 && offset < 0) return false;
    // The first span's offset is its first index; each next one's, the gap after the previous span.
    index = spanList.length == 0 ? offset : index + offset;
    spanList.pushU32(<u32>index);
    spanList.pushU32(length);
    index += <i32>length;
    covered += <u64>length;
  }
  // The values, paired with the indexes the spans give.
  let span: u32 = 0;
  let inSpan: u32 = 0;
  let values: u64 = 0;
  let absolute: i64 = 0;
  const valueField = float ? countField : deltaField;
  p = at;
  while (p < end) {
    const tag = readU64(p, end);
    p = wireAt;
    const wt = <u32>tag & 7;
    let valuesEnd: usize = 0;
    let packed = false;
    if ((tag >> 3) == valueField && wt == Wire.LEN) {
      const len = readLen(p, end);
      if (wireBad) return true;
      p = wireAt;
      valuesEnd = p + len;
      packed = true;
    } else if ((tag >> 3) == valueField && wt == (float ? <u32>Wire.I64 : <u32>Wire.VARINT)) {
      valuesEnd = end;
    } else {
      p = skipValue(wt, p, end);
      if (wireBad) return true;
      continue;
    }
    while (p < valuesEnd) {
      let count: f64;
      if (float) count = readF64(p, valuesEnd);
      else { absolute += zigzag64(readU64(p, valuesEnd)); count = <f64>absolute; }
      p = wireAt;
      if (wireBad) return true;
      values++;
      if (values <= covered) {
        while (inSpan == load<u32>(spanList.data + (<usize>span << 3), 4)) { span++; inSpan = 0; }
        const bucketIndex = <i32>load<u32>(spanList.data + (<usize>span << 3)) + <i32>inSpan;
        inSpan++;
        if (count != 0) {
          const w = into.reserve(BUCKET_SIZE);
          store<i32>(w, bucketIndex);
          store<f64>(w, count, 8);
          into.length += BUCKET_SIZE;
        }
      }
      if (!packed) break;
    }
  }
  return values == covered;
}

/** Merges each side's buckets for a schema `by` steps coarser: index i goes to ((i - 1) >> by) + 1. */
function reduce(side: ByteBuffer, by: i32): void {
  // An i32 shift takes its count modulo 32; 31 already maps every index to 0 or 1.
  by = min<i32>(by, 31);
  const n = side.length / BUCKET_SIZE;
  let out: u32 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const at = side.data + <usize>k * BUCKET_SIZE;
    const index = ((load<i32>(at) - 1) >> by) + 1;
    const count = load<f64>(at, 8);
    if (out > 0 && load<i32>(side.data + <usize>(out - 1) * BUCKET_SIZE) == index) {
      const prev = side.data + <usize>(out - 1) * BUCKET_SIZE;
      store<f64>(prev, load<f64>(prev, 8) + count, 8);
    } else {
      const w = side.data + <usize>out * BUCKET_SIZE;
      store<i32>(w, index);
      store<f64>(w, count, 8);
      out++;
    }
  }
  side.length = out * BUCKET_SIZE;
}

/** Size of one side's spans (as repeated BucketSpan fields) and of its packed values. */
let spansSize: u32 = 0;
let valuesSize: u32 = 0;

function measureSide(side: ByteBuffer, float: bool): void {
  spansSize = 0;
  valuesSize = 0;
  const n = side.length / BUCKET_SIZE;
  let previous: i64 = 0;
  let lastIndex: i32 = 0;
  let spanLength: u32 = 0;
  let spanOffset: i32 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const at = side.data + <usize>k * BUCKET_SIZE;
    const index = load<i32>(at);
    const count = load<f64>(at, 8);
    if (k == 0 || index != lastIndex + 1) {
      if (k != 0) spansSize += spanFieldSize(spanOffset, spanLength);
      spanOffset = k == 0 ? index : index - (lastIndex + 1);
      spanLength = 0;
    }
    spanLength++;
    lastIndex = index;
    if (float) valuesSize += 8;
    else {
      const c = <i64>count;
      valuesSize += varintSize(zig(c - previous));
      previous = c;
    }
  }
  if (n != 0) spansSize += spanFieldSize(spanOffset, spanLength);
}

// @ts-ignore: decorator
@inline function zig(v: i64): u64 { return <u64>((v << 1) ^ (v >> 63)); }

function spanFieldSize(offset: i32, length: u32): u32 {
  return bytesFieldSize(1 + varintSize(zig(<i64>offset)) + 1 + varintSize(<u64>length));
}

function writeSide(w: usize, side: ByteBuffer, float: bool, spanTag: u8, valuesTag: u8): usize {
  const n = side.length / BUCKET_SIZE;
  if (n == 0) return w;
  measureSide(side, float);
  // Spans.
  let lastIndex: i32 = 0;
  let spanLength: u32 = 0;
  let spanOffset: i32 = 0;
  for (let k: u32 = 0; k <= n; k++) {
    const index = k < n ? load<i32>(side.data + <usize>k * BUCKET_SIZE) : 0;
    if (k == n || (k != 0 && index != lastIndex + 1)) {
      w = writeLenPrefix(w, spanTag, 1 + varintSize(zig(<i64>spanOffset)) + 1 + varintSize(<u64>spanLength));
      w = writeVarintField(w, 0x08, zig(<i64>spanOffset));
      w = writeVarintField(w, 0x10, <u64>spanLength);
      if (k == n) break;
    }
    if (k == 0 || index != lastIndex + 1) {
      spanOffset = k == 0 ? index : index - (lastIndex + 1);
      spanLength = 0;
    }
    spanLength++;
    lastIndex = index;
  }
  // Values, packed.
  w = writeLenPrefix(w, valuesTag, valuesSize);
  let previous: i64 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const count = load<f64>(side.data + <usize>k * BUCKET_SIZE, 8);
    if (float) { store<f64>(w, count); w += 8; }
    else {
      const c = <i64>count;
      w = writeVarint(w, zig(c - previous));
      previous = c;
    }
  }
  return w;
}

/**
 * Reads the native histogram of the Histogram message [at, end) and appends its encoding to the
 * arena (histogramAt, histogramLen). Returns false on error (reported).
 */
export function readNativeHistogram(at: usize, end: usize, gauge: bool): bool {
  let count: u64 = 0;
  let countFloat: f64 = 0;
  let sum: f64 = 0;
  let schema: i32 = 0;
  let zeroThreshold: f64 = 0;
  let zeroCount: u64 = 0;
  let zeroCountFloat: f64 = 0;
  let p = at;
  while (p < end) {
    const tag = readU64(p, end);
    p = wireAt;
    if (wireBad) break;
    const field = <u32>(tag >> 3);
    const wt = <u32>tag & 7;
    if (field == 1 && wt == Wire.VARINT) { count = readU64(p, end); p = wireAt; }
    else if (field == 2 && wt == Wire.I64) { sum = readF64(p, end); p = wireAt; }
    else if (field == 4 && wt == Wire.I64) { countFloat = readF64(p, end); p = wireAt; }
    else if (field == 5 && wt == Wire.VARINT) { schema = <i32>zigzag64(readU64(p, end)); p = wireAt; }
    else if (field == 6 && wt == Wire.I64) { zeroThreshold = readF64(p, end); p = wireAt; }
    else if (field == 7 && wt == Wire.VARINT) { zeroCount = readU64(p, end); p = wireAt; }
    else if (field == 8 && wt == Wire.I64) { zeroCountFloat = readF64(p, end); p = wireAt; }
    else p = skipValue(wt, p, end);
  }
  if (wireBad) return failHere(ErrorCode.INVALID_PROTOBUF, at);
  const float = countFloat > 0 || zeroCountFloat > 0;
  // Schemas (model/histogram/generic.go): exponential -4 to 8, custom buckets -53; 9 to 52 are
  // reserved for finer exponential ones and reduced to what is kept (below); anything else is
  // refused, as Prometheus' storage refuses it (Histogram.Validate: InvalidSchemaError), which
  // fails the scrape.
  if (schema != CUSTOM_BUCKETS_SCHEMA && (schema < -4 || schema > 52)) return failSchema(schema, at);
  if (!readSide(at, end, 12, 13, 14, float, positive) || wireBad) return failHere(wireBad ? ErrorCode.INVALID_PROTOBUF : ErrorCode.HISTOGRAM_SPANS, at);
  // Where the positive spans end (custom buckets: the exposition has no custom bounds, so only
  // the +Inf bucket, index 0, can be covered: checkHistogramCustomBounds).
  const positiveEnd: i32 = spanList.length == 0 ? 0
    : <i32>load<u32>(spanList.data + spanList.length - 8) + <i32>load<u32>(spanList.data + spanList.length - 4);
  const firstOffset: i32 = spanList.length == 0 ? 0 : <i32>load<u32>(spanList.data);
  if (!readSide(at, end, 9, 10, 11, float, negative) || wireBad) return failHere(wireBad ? ErrorCode.INVALID_PROTOBUF : ErrorCode.HISTOGRAM_SPANS, at);
  if (schema == CUSTOM_BUCKETS_SCHEMA) {
    const zeroCountSet = float ? zeroCountFloat != 0 : zeroCount != 0;
    // spanList holds the negative spans now: any is refused, as negative buckets are.
    if (zeroThreshold != 0 || zeroCountSet || negative.length != 0 || spanList.length != 0 || firstOffset < 0 || positiveEnd > 1) {
      return failHere(ErrorCode.INVALID_CUSTOM_BUCKETS, at);
    }
  }
  // native_histogram_min_bucket_factor, then native_histogram_bucket_limit (scrape.go's
  // maxSchemaAppender wraps the bucketLimitAppender). A reserved schema (9 to 52) is reduced to
  // 8 whatever the factor: Prometheus' documented rule (prometheus/docs#2725); its scrape code
  // at d15adb9 does it only when the factor asks for less than 8, its storage refusing schema 9+
  // otherwise.
  const target = min<i32>(maxSchema, 8);
  if (schema > target && schema <= 52) {
    reduce(positive, schema - target);
    reduce(negative, schema - target);
    schema = target;
  }
  if (bucketLimit != 0) {
    while ((positive.length + negative.length) / BUCKET_SIZE > bucketLimit) {
      if (schema <= -4) return failHere(ErrorCode.BUCKET_LIMIT, at);
      reduce(positive, 1);
      reduce(negative, 1);
      schema--;
    }
  }
  // The body, measured then written.
  measureSide(positive, float);
  const positiveSpans = spansSize;
  const positiveValues = valuesSize;
  measureSide(negative, float);
  const negativeSpans = spansSize;
  const negativeValues = valuesSize;
  let size: u32 = (float ? 9 : 1 + varintSize(count)) + 9 + 1 + varintSize(zig(<i64>schema)) + 9
    + (float ? 9 : 1 + varintSize(zeroCount));
  if (negative.length != 0) size += negativeSpans + bytesFieldSize(negativeValues);
  if (positive.length != 0) size += positiveSpans + bytesFieldSize(positiveValues);
  if (gauge) size += 2;
  histogramAt = histogramArena.length;
  let w = histogramArena.reserve(size);
  const start = w;
  // count (1 int / 2 float), sum 3, schema 4, zero_threshold 5, zero_count (6 int / 7 float),
  // negative spans 8, deltas 9 / counts 10, positive spans 11, deltas 12 / counts 13, reset_hint 14.
  w = float ? writeDoubleField(w, 0x11, countFloat) : writeVarintField(w, 0x08, count);
  w = writeDoubleField(w, 0x19, sum);
  w = writeVarintField(w, 0x20, zig(<i64>schema));
  w = writeDoubleField(w, 0x29, zeroThreshold);
  w = float ? writeDoubleField(w, 0x39, zeroCountFloat) : writeVarintField(w, 0x30, zeroCount);
  w = writeSide(w, negative, float, 0x42, float ? 0x52 : 0x4A);
  w = writeSide(w, positive, float, 0x5A, float ? 0x6A : 0x62);
  if (gauge) w = writeVarintField(w, 0x70, 3);
  histogramLen = <u32>(w - start);
  histogramArena.length += histogramLen;
  return true;
}

/**
 * Encodes a native histogram with custom buckets (schema -53, convert_classic_histograms_to_nhcb)
 * into the arena (histogramAt, histogramLen): `bounds` the finite upper bounds (f64s, ascending),
 * `counts` the n = bounds + 1 buckets' own counts (f64s; the last is the +Inf bucket's), one span
 * over them all before empty buckets are dropped.
 */
export function encodeCustomBuckets(count: f64, sum: f64, float: bool, bounds: usize, boundCount: u32, counts: usize): void {
  positive.clear();
  negative.clear();
  for (let i: u32 = 0; i <= boundCount; i++) {
    const c = load<f64>(counts + (<usize>i << 3));
    if (c == 0) continue;
    const w = positive.reserve(BUCKET_SIZE);
    store<i32>(w, <i32>i);
    store<f64>(w, c, 8);
    positive.length += BUCKET_SIZE;
  }
  measureSide(positive, float);
  let size: u32 = (float ? 9 : 1 + varintSize(<u64>count)) + 9 + 1 + varintSize(zig(-53)) + 9 + (float ? 9 : 2);
  if (positive.length != 0) size += spansSize + bytesFieldSize(valuesSize);
  if (boundCount != 0) size += 2 + varintSize(<u64>boundCount * 8) + boundCount * 8;
  histogramAt = histogramArena.length;
  let w = histogramArena.reserve(size);
  const start = w;
  w = float ? writeDoubleField(w, 0x11, count) : writeVarintField(w, 0x08, <u64>count);
  w = writeDoubleField(w, 0x19, sum);
  w = writeVarintField(w, 0x20, zig(-53));
  w = writeDoubleField(w, 0x29, 0);
  w = float ? writeDoubleField(w, 0x39, 0) : writeVarintField(w, 0x30, 0);
  w = writeSide(w, positive, float, 0x5A, float ? 0x6A : 0x62);
  if (boundCount != 0) {
    // custom_values (16): a two-byte tag, packed doubles.
    store<u8>(w++, 0x82);
    w = writeLenPrefix(w, 0x01, boundCount * 8);
    memory.copy(w, bounds, <usize>boundCount << 3);
    w += <usize>boundCount << 3;
  }
  histogramLen = <u32>(w - start);
  histogramArena.length += histogramLen;
}

/** Records the histogram just read as sample `sampleIndex`. */
export function recordHistogram(sampleIndex: u32): void {
  const w = histogramRecords.reserve(HISTOGRAM_RECORD_SIZE);
  store<u32>(w, sampleIndex);
  store<u32>(w, histogramAt, 4);
  store<u32>(w, histogramLen, 8);
  store<u32>(w, 0, 12);
  histogramRecords.length += HISTOGRAM_RECORD_SIZE;
}

/** The histogram read last is not kept (its series was seen before in this scrape). */
export function dropLastHistogram(): void { histogramArena.length = histogramAt; }
