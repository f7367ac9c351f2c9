// Remote-write encoders: the current scrape (plus staleness markers) as prometheus.WriteRequest
// (1.0) or io.prometheus.write.v2.Request (2.0), written straight into the output buffer, one
// request per call, at most `maxSamples` samples each. Each series' labels were encoded once
// when it was created, as interned pairs; here the pairs' bytes are copied (1.0) or their
// symbols mapped to the request's (2.0).

import { ByteBuffer } from "./buffer";
import { Series, SeriesState, seriesAt } from "./series";
import { refs, values, timestamps, staleRefs, exemplars, EXEMPLAR_SIZE } from "./snapshot";
import { familyAt, families, countFamilies, scrapeArena, F_TYPE, F_HELP, F_UNIT, F_DECLARED, Family } from "./families";
import {
  internSymbol, releaseSymbol, beginRequestSymbols, localSymbol, requestSymbols, symbolPtr, symbolLen,
} from "./symbols";
import { varintSize, writeVarint, readVarint, varintEnd } from "./protobuf";
import { scrapeTimestamp } from "./lexer";
import { pairAt, ensurePairSymbols, writePairs, countLabels } from "./pairs";

/** Prometheus' staleness marker: a NaN no computation produces. */
const STALE_NAN: u64 = 0x7FF0000000000002;

export const PROTOCOL_RW1: u8 = 1;
/** The sample index writeSeriesRw2 gets for a staleness marker. */
const NO_SAMPLE: u32 = 0xFFFFFFFF;
export const PROTOCOL_RW2: u8 = 2;

export let output: ByteBuffer = changetype<ByteBuffer>(0);
let body: ByteBuffer = changetype<ByteBuffer>(0);
let localIds: ByteBuffer = changetype<ByteBuffer>(0);
let exemplarIds: ByteBuffer = changetype<ByteBuffer>(0);

let protocol: u8 = PROTOCOL_RW1;
let maxSamples: u32 = 0;
let cursor: u32 = 0;          // next sample index; samples first, then stale markers
let exemplarCursor: u32 = 0;  // next exemplar record
let includeStale: bool = true;
export let encodedSamples: u32 = 0;

export function initRemoteWrite(): void {
  output = ByteBuffer.create(64 * 1024);
  body = ByteBuffer.create(64 * 1024);
  localIds = ByteBuffer.create(256);
  exemplarIds = ByteBuffer.create(64);
}

export function encodeBegin(proto: u8, max: u32, stale: bool): void {
  protocol = proto;
  maxSamples = max == 0 ? 0xFFFFFFFF : max;
  cursor = 0;
  exemplarCursor = 0;
  includeStale = stale;
}

/** Writes the next request into `output`; returns its length, 0 when everything was written. */
export function encodeNext(): u32 {
  output.clear();
  const sampleTotal = refs.length >> 2;
  const total = sampleTotal + (includeStale ? staleRefs.length >> 2 : 0);
  let n: u32 = 0;
  if (protocol == PROTOCOL_RW2) {
    beginRequestSymbols();
    body.clear();
  }
  while (cursor < total && n < maxSamples) {
    const i = cursor++;
    let ref: u32;
    let value: f64;
    let ts: f64;
    if (i < sampleTotal) {
      ref = load<u32>(refs.data + (<usize>i << 2));
      value = load<f64>(values.data + (<usize>i << 3));
      ts = load<f64>(timestamps.data + (<usize>i << 3));
    } else {
      ref = load<u32>(staleRefs.data + (<usize>(i - sampleTotal) << 2));
      value = reinterpret<f64>(STALE_NAN);
      ts = scrapeTimestamp;
    }
    const s = seriesAt(ref);
    if (s.state != SeriesState.KEPT) continue;
    if (protocol == PROTOCOL_RW1) writeSeriesRw1(s, value, ts);
    else writeSeriesRw2(s, i < sampleTotal ? i : NO_SAMPLE, value, ts);
    n++;
  }
  encodedSamples = n;
  if (n == 0) return 0;
  if (protocol == PROTOCOL_RW2) finishRw2();
  return output.length;
}

// @ts-ignore: decorator
@inline function sampleSize(ts: i64): u32 {
  return 9 + (ts != 0 ? 1 + varintSize(<u64>ts) : 0);
}

// @ts-ignore: decorator
@inline function writeSample(w: usize, value: f64, ts: i64): usize {
  store<u8>(w, 0x09);
  store<f64>(w + 1, value);
  w += 9;
  if (ts != 0) {
    store<u8>(w++, 0x10);
    w = writeVarint(w, <u64>ts);
  }
  return w;
}

function writeSeriesRw1(s: Series, value: f64, timestamp: f64): void {
  const ts = <i64>timestamp;
  const sampleLen = sampleSize(ts);
  const seriesLen = s.labelsLen + 1 + varintSize(sampleLen) + sampleLen;
  let w = output.reserve(1 + varintSize(seriesLen) + seriesLen);
  const start = w;
  store<u8>(w++, 0x0A);                  // WriteRequest.timeseries = 1
  w = writeVarint(w, seriesLen);
  w = writePairs(w, s.labels, s.idsLen);  // TimeSeries.labels = 1, pre-encoded pairs
  store<u8>(w++, 0x12);                  // TimeSeries.samples = 2
  w = writeVarint(w, sampleLen);
  w = writeSample(w, value, ts);
  output.length += <u32>(w - start);
}

/**
 * Interns the name and value of every label in `repeated Label` bytes at [p, p+len), writing
 * the symbol ids (name, value, name, value...) at `ids`; returns how many ids it wrote.
 */
function internLabels(p: usize, len: u32, ids: usize): u32 {
  const end = p + len;
  let k: u32 = 0;
  while (p < end) {
    readVarint(p + 1);
    const nameLen = readVarint(varintEnd + 1);
    const name = varintEnd;
    const valueLen = readVarint(name + nameLen + 1);
    const value = varintEnd;
    store<u32>(ids + (<usize>k << 2), internSymbol(name, nameLen));
    store<u32>(ids + (<usize>(k + 1) << 2), internSymbol(value, valueLen));
    k += 2;
    p = value + valueLen;
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

function writePackedRefs(w: usize, tag: u8, size: u32): usize {
  store<u8>(w++, tag);
  w = writeVarint(w, size);
  const n = localIds.length >> 2;
  for (let k: u32 = 0; k < n; k++) w = writeVarint(w, load<u32>(localIds.data + (<usize>k << 2)));
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

function writeSeriesRw2(s: Series, sampleIndex: u32, value: f64, timestamp: f64): void {
  const ts = <i64>timestamp;
  const refsSize = mapSeriesRefs(s);
  const sampleLen = sampleSize(ts);
  let seriesLen = 1 + varintSize(refsSize) + refsSize + 1 + varintSize(sampleLen) + sampleLen;
  // Metadata (TimeSeries.metadata = 5): type, help_ref, unit_ref. Only a sample of this scrape
  // has a family in this scrape's table: a stale marker's series.family is an index into an
  // earlier scrape's table, whose record may be past the end now (holding symbols released when
  // this scrape began: "" again in the table) or another family's.
  const current = sampleIndex != NO_SAMPLE && s.family < countFamilies();
  const f = familyAt(current ? s.family : 0);
  let metaLen: u32 = 0;
  let helpRef: u32 = 0;
  let unitRef: u32 = 0;
  if (current && (f.flags & (F_TYPE | F_HELP | F_UNIT)) != 0) {
    familySymbols(f);
    if (f.helpSymbol != 0) helpRef = localSymbol(f.helpSymbol);
    if (f.unitSymbol != 0) unitRef = localSymbol(f.unitSymbol);
    if (f.type != 0) metaLen += 2;
    if (helpRef != 0) metaLen += 1 + varintSize(helpRef);
    if (unitRef != 0) metaLen += 1 + varintSize(unitRef);
    if (metaLen != 0) seriesLen += 1 + varintSize(metaLen) + metaLen;
  }
  // Exemplars recorded for this sample.
  const exemplarTotal = exemplars.length / EXEMPLAR_SIZE;
  while (exemplarCursor < exemplarTotal && load<u32>(exemplars.data + <usize>exemplarCursor * EXEMPLAR_SIZE) < sampleIndex) exemplarCursor++;
  let exemplar: usize = 0;
  let exemplarLen: u32 = 0;
  let exemplarRefsSize: u32 = 0;
  if (sampleIndex != NO_SAMPLE && exemplarCursor < exemplarTotal) {
    const e = exemplars.data + <usize>exemplarCursor * EXEMPLAR_SIZE;
    if (load<u32>(e) == sampleIndex) {
      exemplar = e;
      // Intern its label strings; references are dropped once the request is written.
      const labels = scrapeArena.data + load<u32>(e, 4);
      const labelsLen = load<u32>(e, 8);
      exemplarIds.clear();
      const at = exemplarIds.reserve(countLabels(labels, labelsLen) << 3);
      exemplarIds.length = internLabels(labels, labelsLen, at) << 2;
      // Map series refs first (localIds is reused), so compute exemplar refs size separately.
      exemplarRefsSize = 0;
      const n = exemplarIds.length >> 2;
      for (let k: u32 = 0; k < n; k++) exemplarRefsSize += varintSize(localSymbol(load<u32>(exemplarIds.data + (<usize>k << 2))));
      const ets = load<f64>(e, 24);
      exemplarLen = 1 + varintSize(exemplarRefsSize) + exemplarRefsSize + 9;
      if (!isNaN(ets) && <i64>ets != 0) exemplarLen += 1 + varintSize(<u64><i64>ets);
      seriesLen += 1 + varintSize(exemplarLen) + exemplarLen;
    }
  }
  let w = body.reserve(1 + varintSize(seriesLen) + seriesLen);
  const start = w;
  store<u8>(w++, 0x2A);                   // Request.timeseries = 5
  w = writeVarint(w, seriesLen);
  w = writePackedRefs(w, 0x0A, refsSize);  // TimeSeries.labels_refs = 1
  store<u8>(w++, 0x12);                   // TimeSeries.samples = 2
  w = writeVarint(w, sampleLen);
  w = writeSample(w, value, ts);
  if (exemplar != 0) {
    store<u8>(w++, 0x22);                 // TimeSeries.exemplars = 4
    w = writeVarint(w, exemplarLen);
    store<u8>(w++, 0x0A);                 // Exemplar.labels_refs = 1
    w = writeVarint(w, exemplarRefsSize);
    const n = exemplarIds.length >> 2;
    for (let k: u32 = 0; k < n; k++) w = writeVarint(w, localSymbol(load<u32>(exemplarIds.data + (<usize>k << 2))));
    store<u8>(w++, 0x11);                 // Exemplar.value = 2
    store<f64>(w, load<f64>(exemplar, 16));
    w += 8;
    const ets = load<f64>(exemplar, 24);
    if (!isNaN(ets) && <i64>ets != 0) {
      store<u8>(w++, 0x18);               // Exemplar.timestamp = 3
      w = writeVarint(w, <u64><i64>ets);
    }
    const n2 = exemplarIds.length >> 2;
    for (let k: u32 = 0; k < n2; k++) releaseAfterRequest.pushU32(load<u32>(exemplarIds.data + (<usize>k << 2)));
  }
  if (metaLen != 0) {
    store<u8>(w++, 0x2A);                 // TimeSeries.metadata = 5
    w = writeVarint(w, metaLen);
    if (f.type != 0) { store<u8>(w++, 0x08); store<u8>(w++, f.type); }
    if (helpRef != 0) { store<u8>(w++, 0x18); w = writeVarint(w, helpRef); }
    if (unitRef != 0) { store<u8>(w++, 0x20); w = writeVarint(w, unitRef); }
  }
  body.length += <u32>(w - start);
}

let releaseAfterRequest: ByteBuffer = ByteBuffer.create(64);

/** Writes the request's symbol table (Request.symbols = 4) and then the series. */
function finishRw2(): void {
  const n = requestSymbols.length >> 2;
  let size: u32 = 0;
  for (let k: u32 = 0; k < n; k++) {
    const len = symbolLen(load<u32>(requestSymbols.data + (<usize>k << 2)));
    size += 1 + varintSize(len) + len;
  }
  let w = output.reserve(size + body.length);
  const start = w;
  for (let k: u32 = 0; k < n; k++) {
    const id = load<u32>(requestSymbols.data + (<usize>k << 2));
    const len = symbolLen(id);
    store<u8>(w++, 0x22);
    w = writeVarint(w, len);
    if (len != 0) memory.copy(w, symbolPtr(id), len);
    w += len;
  }
  memory.copy(w, body.data, body.length);
  w += body.length;
  output.length += <u32>(w - start);
  const r = releaseAfterRequest.length >> 2;
  for (let k: u32 = 0; k < r; k++) releaseSymbol(load<u32>(releaseAfterRequest.data + (<usize>k << 2)));
  releaseAfterRequest.clear();
}

/** A remote-write 1.0 metadata-only WriteRequest for the families of the current scrape. */
export function encodeMetadataRw1(): u32 {
  output.clear();
  const count = countFamilies();
  let n: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const f = familyAt(i);
    if ((f.flags & F_DECLARED) == 0 || f.nameLen == 0) continue;
    let len: u32 = 1 + varintSize(f.nameLen) + f.nameLen;
    if (f.type != 0) len += 2;
    if (f.helpLen != 0) len += 1 + varintSize(f.helpLen) + f.helpLen;
    if (f.unitLen != 0) len += 1 + varintSize(f.unitLen) + f.unitLen;
    let w = output.reserve(1 + varintSize(len) + len);
    const start = w;
    const arena = scrapeArena.data;
    store<u8>(w++, 0x1A);                 // WriteRequest.metadata = 3
    w = writeVarint(w, len);
    if (f.type != 0) { store<u8>(w++, 0x08); store<u8>(w++, f.type); }
    store<u8>(w++, 0x12);                 // metric_family_name = 2
    w = writeVarint(w, f.nameLen);
    memory.copy(w, arena + f.nameOffset, f.nameLen);
    w += f.nameLen;
    if (f.helpLen != 0) {
      store<u8>(w++, 0x22);               // help = 4
      w = writeVarint(w, f.helpLen);
      memory.copy(w, arena + f.helpOffset, f.helpLen);
      w += f.helpLen;
    }
    if (f.unitLen != 0) {
      store<u8>(w++, 0x2A);               // unit = 5
      w = writeVarint(w, f.unitLen);
      memory.copy(w, arena + f.unitOffset, f.unitLen);
      w += f.unitLen;
    }
    output.length += <u32>(w - start);
    n++;
  }
  return n == 0 ? 0 : output.length;
}
