// Native histogram samples in remote-write requests: each kept (histograms.ts) as the body of a
// Histogram message without its timestamp, which 1.0 (prometheus.Histogram in
// TimeSeries.histograms = 4) and 2.0 (io.prometheus.write.v2.Histogram in
// TimeSeries.histograms = 3) number alike; the timestamp (15) is added here.

import { ByteBuffer } from "./buffer";
import { Series } from "./series";
import { writePairs } from "./pairs";
import { bytesFieldSize, varintFieldSize, writeLenPrefix, writeVarintField, writeDoubleField } from "./protobuf";
import { WriteRequestTag, TimeSeriesTag, HistogramTag } from "./rwschema";
import { exemplarsSizeRw1, writeExemplarsRw1 } from "./rw1-exemplars";

/** Bytes of a Histogram message: its body and its timestamp (0 is left out). */
// @ts-ignore: decorator
@inline export function histogramSize(bodyLen: u32, ts: i64): u32 {
  return bodyLen + (ts != 0 ? varintFieldSize(<u64>ts) : 0);
}

/** Writes a Histogram's fields (its body, then its timestamp) at `w`; returns the address after them. */
export function writeHistogram(w: usize, body: usize, bodyLen: u32, ts: i64): usize {
  memory.copy(w, body, bodyLen);
  w += bodyLen;
  if (ts != 0) w = writeVarintField(w, <u8>HistogramTag.TIMESTAMP, <u64>ts);
  return w;
}

/**
 * Bytes of the empty histogram Prometheus' agent writes at a start timestamp
 * (AppendHistogramSTZeroSample): count 0 (integer, or float for a float histogram) and the timestamp.
 */
// @ts-ignore: decorator
@inline function zeroHistogramSize(float: bool, ts: i64): u32 {
  return (float ? 9 : 2) + varintFieldSize(<u64>ts);
}

/**
 * Appends one 1.0 WriteRequest.timeseries: the series' labels and one histogram; with `zeroTs`
 * (created_timestamp_zero_ingestion), an empty histogram at that start timestamp before it.
 */
export function writeHistogramSeriesRw1(out: ByteBuffer, s: Series, body: usize, bodyLen: u32, timestamp: f64, exemplar: usize = 0, zeroTs: i64 = 0): void {
  const ts = <i64>timestamp;
  const histogramLen = histogramSize(bodyLen, ts);
  // The body starts with its count: count_int (1, tag 0x08) or count_float (2, tag 0x11).
  const float = bodyLen != 0 && load<u8>(body) == 0x11;
  const zeroLen = zeroTs != 0 ? bytesFieldSize(zeroHistogramSize(float, zeroTs)) : 0;
  const seriesLen = s.labelsLen + zeroLen + bytesFieldSize(histogramLen) + (exemplar != 0 ? exemplarsSizeRw1(exemplar, ts) : 0);
  let w = out.reserve(bytesFieldSize(seriesLen));
  const start = w;
  w = writeLenPrefix(w, <u8>WriteRequestTag.TIMESERIES, seriesLen);
  w = writePairs(w, s.labels, s.idsLen);
  if (zeroTs != 0) {
    w = writeLenPrefix(w, <u8>TimeSeriesTag.HISTOGRAMS, zeroHistogramSize(float, zeroTs));
    w = float ? writeDoubleField(w, 0x11, 0) : writeVarintField(w, 0x08, 0);
    w = writeVarintField(w, <u8>HistogramTag.TIMESTAMP, <u64>zeroTs);
  }
  w = writeLenPrefix(w, <u8>TimeSeriesTag.HISTOGRAMS, histogramLen);
  w = writeHistogram(w, body, bodyLen, ts);
  if (exemplar != 0) w = writeExemplarsRw1(w, exemplar, ts);
  out.length += <u32>(w - start);
}
