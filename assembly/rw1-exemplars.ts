// Exemplars in remote write 1.0 (remote_write.send_exemplars): a sample's exemplar (OpenMetrics or
// protobuf, kept per scrape in snapshot.ts's exemplar records) goes in the sample's own
// TimeSeries as TimeSeries.exemplars (3): Exemplar { labels 1 (the same `Label` bytes a series
// has), value 2, timestamp 3 }. An exemplar without a timestamp gets its sample's, as Prometheus
// gives it the scrape's. 2.0 carries exemplars whatever this says (rw2.ts).

import { exemplars, EXEMPLAR_SIZE } from "./snapshot";
import { scrapeArena } from "./families";
import { isDuplicateExemplar } from "./exemplar-dedup";
import { bytesFieldSize, varintFieldSize, writeLenPrefix, writeDoubleField, writeVarintField, DOUBLE_FIELD_SIZE } from "./protobuf";

/** Whether the next 1.0 encoding writes exemplars. */
let encodeExemplars: bool = false;
let cursor: u32 = 0;

/** setEncodeExemplars(on): whether the next encodeBegin's 1.0 requests carry exemplars (send_exemplars). */
export function setEncodeExemplars(on: bool): void { encodeExemplars = on; }

/** An encoding pass starts. */
export function rewindExemplarsRw1(): void { cursor = 0; }

/** How many exemplar records the last exemplarForRw1 found for its sample (a native histogram may have several). */
let run: u32 = 0;

/** The first exemplar record of sample `sampleIndex` when 1.0 requests carry exemplars, else 0. */
export function exemplarForRw1(sampleIndex: u32): usize {
  run = 0;
  if (!encodeExemplars) return 0;
  const n = exemplars.length / EXEMPLAR_SIZE;
  while (cursor < n && load<u32>(exemplars.data + <usize>cursor * EXEMPLAR_SIZE) < sampleIndex) cursor++;
  while (cursor + run < n && load<u32>(exemplars.data + <usize>(cursor + run) * EXEMPLAR_SIZE) == sampleIndex) run++;
  return run == 0 ? 0 : exemplars.data + <usize>cursor * EXEMPLAR_SIZE;
}

/** How many of the records found last are written (those repeating the series' latest exemplar are not: exemplar-dedup.ts). */
export function exemplarCountRw1(): u32 {
  let count: u32 = 0;
  const first = exemplars.data + <usize>cursor * EXEMPLAR_SIZE;
  for (let k: u32 = 0; k < run; k++) if (!isDuplicateExemplar(first + <usize>k * EXEMPLAR_SIZE)) count++;
  return count;
}

/** Bytes of the TimeSeries.exemplars fields of the records found last (from `first`). */
export function exemplarsSizeRw1(first: usize, sampleTs: i64): u32 {
  let size: u32 = 0;
  for (let k: u32 = 0; k < run; k++) {
    const e = first + <usize>k * EXEMPLAR_SIZE;
    if (!isDuplicateExemplar(e)) size += exemplarFieldSizeRw1(e, sampleTs);
  }
  return size;
}

/** Writes the TimeSeries.exemplars fields of the records found last (from `first`). */
export function writeExemplarsRw1(w: usize, first: usize, sampleTs: i64): usize {
  for (let k: u32 = 0; k < run; k++) {
    const e = first + <usize>k * EXEMPLAR_SIZE;
    if (!isDuplicateExemplar(e)) w = writeExemplarRw1(w, e, sampleTs);
  }
  return w;
}

// @ts-ignore: decorator
@inline function exemplarTimestamp(e: usize, sampleTs: i64): i64 {
  const ts = load<f64>(e, 24);
  return isNaN(ts) ? sampleTs : <i64>ts;
}

/** Bytes of TimeSeries.exemplars holding the exemplar record `e` (its field framing included). */
export function exemplarFieldSizeRw1(e: usize, sampleTs: i64): u32 {
  const ts = exemplarTimestamp(e, sampleTs);
  return bytesFieldSize(load<u32>(e, 8) + DOUBLE_FIELD_SIZE + (ts != 0 ? varintFieldSize(<u64>ts) : 0));
}

/** Writes TimeSeries.exemplars for the record `e` at `w`; returns the address after it. */
export function writeExemplarRw1(w: usize, e: usize, sampleTs: i64): usize {
  const ts = exemplarTimestamp(e, sampleTs);
  const labelsLen = load<u32>(e, 8);
  w = writeLenPrefix(w, 0x1A, labelsLen + DOUBLE_FIELD_SIZE + (ts != 0 ? varintFieldSize(<u64>ts) : 0));
  memory.copy(w, scrapeArena.data + <usize>load<u32>(e, 4), labelsLen);
  w += labelsLen;
  w = writeDoubleField(w, 0x11, load<f64>(e, 16));
  if (ts != 0) w = writeVarintField(w, 0x18, <u64>ts);
  return w;
}
