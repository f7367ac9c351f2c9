// Remote-write 2.0: a series as io.prometheus.write.v2.TimeSeries, its labels as refs into the
// request's own symbol table (its pairs' cached symbol ids mapped to the request's), one sample,
// its exemplar and its family's metadata; then the request: the symbol table, then the series.

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { Series } from "./series";
import { pairAt, ensurePairSymbols } from "./pairs";
import { familyAt, countFamilies, scrapeArena, F_TYPE, F_HELP, F_UNIT, Family } from "./families";
import { exemplars, EXEMPLAR_SIZE } from "./snapshot";
import {
  internSymbol, releaseSymbol, beginRequestSymbols, localSymbol, requestSymbols, symbolPtr, symbolLen,
} from "./symbols";
import {
  varintSize, bytesFieldSize, varintFieldSize, writeVarint, writeLenPrefix, writeBytesField, writeVarintField,
  writeDoubleField, readVarint, varintEnd, DOUBLE_FIELD_SIZE,
} from "./protobuf";
import { RequestTag, SeriesV2Tag, ExemplarTag, MetadataV2Tag } from "./rwschema";
import { readLabel, labelName, labelNameLen, labelValue, labelValueLen, countLabels } from "./label";
import { sampleSize, writeSample } from "./rw1";
import { histogramSize, writeHistogram } from "./rw-histograms";
import { rewindStartTimestamps, startTimestampOf } from "./start-timestamps";
import { isDuplicateExemplar } from "./exemplar-dedup";

/** The sample index writeSeriesRw2 gets for a staleness marker. */
export const NO_SAMPLE: u32 = 0xFFFFFFFF;

/** The series of the request being written (the symbol table goes before them). */
let body: ByteBuffer = changetype<ByteBuffer>(0);
/** The current series' label refs in the request's table. */
let localIds: ByteBuffer = changetype<ByteBuffer>(0);
/** The current exemplar's label symbols (global ids). */
let exemplarIds: ByteBuffer = changetype<ByteBuffer>(0);
/** Per exemplar of the current series: { label ids u32, refs size u32, message size u32 }. */
let exemplarSizes: ByteBuffer = changetype<ByteBuffer>(0);
/** Exemplar label symbols interned for this request: released once it is written. */
let releaseAfterRequest: ByteBuffer = changetype<ByteBuffer>(0);
/** The next exemplar record to look at (exemplars are in sample order). */
let exemplarCursor: u32 = 0;

export function initRw2(): void {
  body = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  localIds = ByteBuffer.create(256);
  exemplarSizes = ByteBuffer.create(64);
  exemplarIds = ByteBuffer.create(64);
  releaseAfterRequest = ByteBuffer.create(64);
}

/** Encoding of the scrape starts over. */
export function beginRw2(): void {
  exemplarCursor = 0;
  rewindStartTimestamps();
}

/** A request starts: an empty symbol table ("" at 0) and no series. */
export function startRequestRw2(): void {
  beginRequestSymbols();
  body.clear();
}

/**
 * Interns the name and value of every label in `repeated Label` bytes at [p, p+len), writing
 * the symbol ids (name, value, name, value...) at `ids`; returns how many ids it wrote.
 */
function internLabels(p: usize, len: u32, ids: usize): u32 {
  const end = p + len;
  let k: u32 = 0;
  while (p < end) {
    p = readLabel(p);
    store<u32>(ids + (<usize>k << 2), internSymbol(labelName, labelNameLen));
    store<u32>(ids + (<usize>(k + 1) << 2), internSymbol(labelValue, labelValueLen));
    k += 2;
  }
  return k;
}

/** Maps a series' label symbols to the request's (interning them on its pairs' first 2.0 use) into localIds; returns the payload size. */
function mapSeriesRefs(s: Series): u32 {
  localIds.clear();
  let size: u32 = 0;
  let ids = s.labels;
  const end = ids + s.idsLen;
  while (ids < end) {
    const p = pairAt(readVarint(ids));
    ids = varintEnd;
    ensurePairSymbols(p);
    const name = localSymbol(p.nameSymbol);
    const value = localSymbol(p.valueSymbol);
    localIds.pushU32(name);
    localIds.pushU32(value);
    size += varintSize(name) + varintSize(value);
  }
  return size;
}

/** Writes the refs in `ids` (u32s) as a packed field of `size` payload bytes. */
function writePackedRefs(w: usize, tag: u8, ids: ByteBuffer, size: u32, local: bool): usize {
  w = writeLenPrefix(w, tag, size);
  const n = ids.length >> 2;
  for (let k: u32 = 0; k < n; k++) {
    const id = load<u32>(ids.data + (<usize>k << 2));
    w = writeVarint(w, local ? id : localSymbol(id));
  }
  return w;
}

function familySymbols(f: Family): void {
  if ((f.flags & F_HELP) != 0 && f.helpSymbol == 0 && f.helpLen != 0) {
    f.helpSymbol = internSymbol(scrapeArena.data + f.helpOffset, f.helpLen);
  }
  if ((f.flags & F_UNIT) != 0 && f.unitSymbol == 0 && f.unitLen != 0) {
    f.unitSymbol = internSymbol(scrapeArena.data + f.unitOffset, f.unitLen);
  }
}

/** Bytes of an exemplar's timestamp field (0 when it has none). */
// @ts-ignore: decorator
@inline function exemplarTimestampSize(ets: f64): u32 {
  return !isNaN(ets) && <i64>ets != 0 ? varintFieldSize(<u64><i64>ets) : 0;
}

/** Appends one Request.timeseries; `sampleIndex` is NO_SAMPLE for a staleness marker. */
export function writeSeriesRw2(s: Series, sampleIndex: u32, value: f64, timestamp: f64, histogram: usize = 0, histogramLen: u32 = 0): void {
  const ts = <i64>timestamp;
  const refsSize = mapSeriesRefs(s);
  // A native histogram (histograms.ts): TimeSeries.histograms (3) instead of samples (2). A
  // created timestamp: Sample.start_timestamp (3), Histogram.start_timestamp (17, a 2-byte tag).
  const startMs = sampleIndex != NO_SAMPLE ? startTimestampOf(sampleIndex) : 0;
  const startSize: u32 = startMs != 0 ? (histogram != 0 ? 1 : 0) + varintFieldSize(<u64>startMs) : 0;
  const sampleLen = (histogram != 0 ? histogramSize(histogramLen, ts) : sampleSize(ts)) + startSize;
  let seriesLen = bytesFieldSize(refsSize) + bytesFieldSize(sampleLen);
  // Metadata (type, help_ref, unit_ref). Only a sample of this scrape has a family in this
  // scrape's table: a stale marker's series.family is an index into an earlier scrape's table,
  // whose record may be past the end now (holding symbols released when this scrape began: ""
  // again in the table) or another family's.
  const current = sampleIndex != NO_SAMPLE && s.family < countFamilies();
  const f = familyAt(current ? s.family : 0);
  let metaLen: u32 = 0;
  let helpRef: u32 = 0;
  let unitRef: u32 = 0;
  if (current && (f.flags & (F_TYPE | F_HELP | F_UNIT)) != 0) {
    familySymbols(f);
    if (f.helpSymbol != 0) helpRef = localSymbol(f.helpSymbol);
    if (f.unitSymbol != 0) unitRef = localSymbol(f.unitSymbol);
    if (f.type != 0) metaLen += varintFieldSize(f.type);
    if (helpRef != 0) metaLen += varintFieldSize(helpRef);
    if (unitRef != 0) metaLen += varintFieldSize(unitRef);
    if (metaLen != 0) seriesLen += bytesFieldSize(metaLen);
  }
  // Exemplars recorded for this sample: one for a float sample, any number for a native
  // histogram (histograms.ts). Each one's label symbols are interned (released once the request
  // is written) into exemplarIds, its sizes into exemplarSizes { ids, refs size, message size }.
  const exemplarTotal = exemplars.length / EXEMPLAR_SIZE;
  while (exemplarCursor < exemplarTotal && load<u32>(exemplars.data + <usize>exemplarCursor * EXEMPLAR_SIZE) < sampleIndex) exemplarCursor++;
  let exemplarEnd = exemplarCursor;
  if (sampleIndex != NO_SAMPLE) {
    while (exemplarEnd < exemplarTotal && load<u32>(exemplars.data + <usize>exemplarEnd * EXEMPLAR_SIZE) == sampleIndex) exemplarEnd++;
  }
  exemplarIds.clear();
  exemplarSizes.clear();
  for (let x = exemplarCursor; x < exemplarEnd; x++) {
    const e = exemplars.data + <usize>x * EXEMPLAR_SIZE;
    if (isDuplicateExemplar(e)) {
      // Left out (exemplar-dedup.ts): no ids, nothing written.
      exemplarSizes.pushU32(0);
      exemplarSizes.pushU32(0);
      exemplarSizes.pushU32(0);
      continue;
    }
    const labels = scrapeArena.data + load<u32>(e, 4);
    const labelsLen = load<u32>(e, 8);
    const from = exemplarIds.length;
    const at = exemplarIds.reserve(countLabels(labels, labelsLen) << 3);
    exemplarIds.length += internLabels(labels, labelsLen, at) << 2;
    let refsSize: u32 = 0;
    for (let k = from; k < exemplarIds.length; k += 4) refsSize += varintSize(localSymbol(load<u32>(exemplarIds.data + <usize>k)));
    const len = bytesFieldSize(refsSize) + DOUBLE_FIELD_SIZE + exemplarTimestampSize(load<f64>(e, 24));
    exemplarSizes.pushU32((exemplarIds.length - from) >> 2);
    exemplarSizes.pushU32(refsSize);
    exemplarSizes.pushU32(len);
    seriesLen += bytesFieldSize(len);
  }
  let w = body.reserve(bytesFieldSize(seriesLen));
  const start = w;
  w = writeLenPrefix(w, <u8>RequestTag.TIMESERIES, seriesLen);
  w = writePackedRefs(w, <u8>SeriesV2Tag.LABELS_REFS, localIds, refsSize, true);
  if (histogram != 0) {
    w = writeLenPrefix(w, <u8>SeriesV2Tag.HISTOGRAMS, sampleLen);
    w = writeHistogram(w, histogram, histogramLen, ts);
    if (startMs != 0) {
      store<u8>(w++, 0x88);
      w = writeVarintField(w, 0x01, <u64>startMs);
    }
  } else {
    w = writeLenPrefix(w, <u8>SeriesV2Tag.SAMPLES, sampleLen);
    w = writeSample(w, value, ts);
    if (startMs != 0) w = writeVarintField(w, 0x18, <u64>startMs);
  }
  let idAt: usize = exemplarIds.data;
  for (let x = exemplarCursor; x < exemplarEnd; x++) {
    const e = exemplars.data + <usize>x * EXEMPLAR_SIZE;
    if (isDuplicateExemplar(e)) continue;
    const sizes = exemplarSizes.data + <usize>(x - exemplarCursor) * 12;
    const idCount = load<u32>(sizes);
    w = writeLenPrefix(w, <u8>SeriesV2Tag.EXEMPLARS, load<u32>(sizes, 8));
    w = writeLenPrefix(w, <u8>ExemplarTag.LABELS_REFS, load<u32>(sizes, 4));
    for (let k: u32 = 0; k < idCount; k++) w = writeVarint(w, localSymbol(load<u32>(idAt + (<usize>k << 2))));
    idAt += <usize>idCount << 2;
    w = writeDoubleField(w, <u8>ExemplarTag.VALUE, load<f64>(e, 16));
    const ets = load<f64>(e, 24);
    if (exemplarTimestampSize(ets) != 0) w = writeVarintField(w, <u8>ExemplarTag.TIMESTAMP, <u64><i64>ets);
  }
  if (exemplarIds.length != 0) releaseAfterRequest.pushBytes(exemplarIds.data, exemplarIds.length);
  if (metaLen != 0) {
    w = writeLenPrefix(w, <u8>SeriesV2Tag.METADATA, metaLen);
    if (f.type != 0) w = writeVarintField(w, <u8>MetadataV2Tag.TYPE, f.type);
    if (helpRef != 0) w = writeVarintField(w, <u8>MetadataV2Tag.HELP_REF, helpRef);
    if (unitRef != 0) w = writeVarintField(w, <u8>MetadataV2Tag.UNIT_REF, unitRef);
  }
  body.length += <u32>(w - start);
}

/** How many exemplars writeSeriesRw2 writes with sample `sampleIndex` (asked for in increasing order). */
export function exemplarCountRw2(sampleIndex: u32): u32 {
  const total = exemplars.length / EXEMPLAR_SIZE;
  while (exemplarCursor < total && load<u32>(exemplars.data + <usize>exemplarCursor * EXEMPLAR_SIZE) < sampleIndex) exemplarCursor++;
  let count: u32 = 0;
  for (let x = exemplarCursor; x < total; x++) {
    const e = exemplars.data + <usize>x * EXEMPLAR_SIZE;
    if (load<u32>(e) != sampleIndex) break;
    if (!isDuplicateExemplar(e)) count++;
  }
  return count;
}

/** Writes the request to `out`: its symbol table (Request.symbols), then the series. */
export function finishRw2(out: ByteBuffer): void {
  const n = requestSymbols.length >> 2;
  let size: u32 = 0;
  for (let k: u32 = 0; k < n; k++) size += bytesFieldSize(symbolLen(load<u32>(requestSymbols.data + (<usize>k << 2))));
  let w = out.reserve(size + body.length);
  const start = w;
  for (let k: u32 = 0; k < n; k++) {
    const id = load<u32>(requestSymbols.data + (<usize>k << 2));
    w = writeBytesField(w, <u8>RequestTag.SYMBOLS, symbolPtr(id), symbolLen(id));
  }
  memory.copy(w, body.data, body.length);
  w += body.length;
  out.length += <u32>(w - start);
  const r = releaseAfterRequest.length >> 2;
  for (let k: u32 = 0; k < r; k++) releaseSymbol(load<u32>(releaseAfterRequest.data + (<usize>k << 2)));
  releaseAfterRequest.clear();
}
