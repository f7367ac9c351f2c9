// Requests out of the last scrape (plus its staleness markers): remote-write 1.0 WriteRequests
// (rw1.ts) or 2.0 Requests (rw2.ts), written straight into the output buffer, one request per
// call, at most `maxSamples` samples each. Each series' labels were encoded once when it was
// created, as interned pairs; here the pairs' bytes are copied (1.0) or their symbols mapped
// to the request's (2.0). The host may then have the request snappy-compressed in the core.

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { Protocol, SeriesState } from "./enums";
import { seriesAt } from "./series";
import { refs, values, timestamps, staleRefs } from "./snapshot";
import { scrapeTimestamp } from "./scrape-state";
import { writeSeriesRw1, writeMetadataRw1, metadataEntryCount, metadataNextFamily } from "./rw1";
import { initRw2, beginRw2, startRequestRw2, writeSeriesRw2, finishRw2, exemplarCountRw2, NO_SAMPLE } from "./rw2";
import { initSnappy, snappyCompress, compressed, reserveCompressed } from "./snappy";
import { histogramRecords, histogramArena, HISTOGRAM_RECORD_SIZE, HISTOGRAM_VALUE, encodeHistograms } from "./histograms";
import { writeHistogramSeriesRw1 } from "./rw-histograms";
import { exemplarForRw1, exemplarCountRw1, rewindExemplarsRw1 } from "./rw1-exemplars";
import { zeroSampleOf } from "./start-timestamps";
import { idleWindow, windowBytes } from "./scrape";

/** Prometheus' staleness marker: a NaN no computation produces. */
const STALE_NAN: u64 = 0x7FF0000000000002;

let output: ByteBuffer = changetype<ByteBuffer>(0);
let protocol: Protocol = Protocol.RW1;
let maxSamples: u32 = 0;
/** The next sample index: the scrape's samples first, then its staleness markers. */
let cursor: u32 = 0;
let includeStale: bool = true;
let encodedSamples: u32 = 0;
/** The next histogram record to look at (they are in sample order). */
let histogramCursor: u32 = 0;

export function initEncode(): void {
  output = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  initRw2();
  initSnappy();
}

/**
 * Requests are written in the input window when no scrape needs it: a small target's largest
 * request and its largest chunk then touch the same pages instead of two sets (a 70-series
 * page: ~16 KiB each, bench/RESULTS.md 2026-12-03). A request larger than the window moves to
 * a block of its own until the next encodeBegin; a scrape in progress keeps the window.
 */
function placeOutput(): void {
  const window = idleWindow();
  if (window != 0) {
    if (!output.borrowed) output.borrow(window, windowBytes());
  } else {
    output.own();
  }
}

export function encodeBegin(proto: u8, max: u32, stale: bool): void {
  placeOutput();
  protocol = <Protocol>proto;
  maxSamples = max == 0 ? 0xFFFFFFFF : max;
  cursor = 0;
  includeStale = stale;
  histogramCursor = 0;
  rewindExemplarsRw1();
  beginRw2();
}

export function encodeNext(): u32 {
  // The window may have been taken back since encodeBegin (a scrape begun in between).
  if (output.borrowed && idleWindow() == 0) output.own();
  output.clear();
  const sampleTotal = refs.length >> 2;
  const total = sampleTotal + (includeStale ? staleRefs.length >> 2 : 0);
  let n: u32 = 0;
  if (protocol == Protocol.RW2) startRequestRw2();
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
    // A native histogram sample (histograms.ts): written as one, or left out for endpoints
    // without send_native_histograms.
    let histogram: usize = 0;
    if (i < sampleTotal) {
      const records = histogramRecords.length / HISTOGRAM_RECORD_SIZE;
      while (histogramCursor < records && load<u32>(histogramRecords.data + <usize>histogramCursor * HISTOGRAM_RECORD_SIZE) < i) histogramCursor++;
      if (histogramCursor < records) {
        const record = histogramRecords.data + <usize>histogramCursor * HISTOGRAM_RECORD_SIZE;
        if (load<u32>(record) == i) histogram = record;
      }
    }
    if (histogram == 0 && i < sampleTotal && reinterpret<u64>(value) == HISTOGRAM_VALUE) continue;
    if (histogram != 0 && !encodeHistograms) continue;
    // What max_samples_per_send counts, as Prometheus' queue counts it (queue_manager.go: a batch
    // holds that many items, each sample, histogram and exemplar one): the sample, with
    // created_timestamp_zero_ingestion its zero sample in 1.0 (start-timestamps.ts), and the
    // exemplars written with it (not those repeating the series' latest: exemplar-dedup.ts).
    const zeroTs = protocol == Protocol.RW1 && i < sampleTotal ? zeroSampleOf(i) : 0;
    let exemplar: usize = 0;
    let exemplarCount: u32 = 0;
    if (i < sampleTotal) {
      if (protocol == Protocol.RW1) {
        exemplar = exemplarForRw1(i);
        if (exemplar != 0) exemplarCount = exemplarCountRw1();
      } else {
        exemplarCount = exemplarCountRw2(i);
      }
    }
    const items: u32 = 1 + (zeroTs != 0 ? 1 : 0) + exemplarCount;
    if (n != 0 && n + items > maxSamples) { cursor = i; break; }
    if (histogram != 0) {
      const body = histogramArena.data + <usize>load<u32>(histogram, 4);
      const bodyLen = load<u32>(histogram, 8);
      if (protocol == Protocol.RW1) writeHistogramSeriesRw1(output, s, body, bodyLen, ts, exemplar, zeroTs);
      else writeSeriesRw2(s, i, value, ts, body, bodyLen);
    } else if (protocol == Protocol.RW1) {
      writeSeriesRw1(output, s, value, ts, exemplar, zeroTs);
    } else {
      writeSeriesRw2(s, i < sampleTotal ? i : NO_SAMPLE, value, ts);
    }
    n += items;
  }
  encodedSamples = n;
  if (n == 0) return 0;
  if (protocol == Protocol.RW2) finishRw2(output);
  // Room for compressing it, reserved now: compressOutput() then never grows memory, so views
  // the host already holds stay valid.
  // In the window after the request when it fits there too.
  if (output.borrowed) reserveCompressed(output.length, output.data, output.data + <usize>output.capacity);
  else reserveCompressed(output.length);
  return output.length;
}

/** A metadata request of at most `max` entries (0: all) from family index `first`; its length (0: none left). */
export function encodeMetadataFrom(first: u32, max: u32): u32 { placeOutput(); return writeMetadataRw1(output, first, max); }
/** Entries in the last metadata request. */
export function metadataEntries(): u32 { return metadataEntryCount; }
/** The family index the next metadata request starts at. */
export function metadataNext(): u32 { return metadataNextFamily; }
export function outputPtr(): usize { return output.data; }
export function compressOutput(): u32 {
  // A scrape begun since encodeNext holds the window: the room reserved there is not ours now.
  if (compressed.borrowed && idleWindow() == 0) compressed.own();
  return snappyCompress(output.data, output.length);
}
export function compressedPtr(): usize { return compressed.data; }
export function requestSamples(): u32 { return encodedSamples; }
