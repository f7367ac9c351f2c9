// Native histogram samples in remote-write requests: each kept (histograms.ts) as the body of a
// Histogram message without its timestamp, which 1.0 (prometheus.Histogram in
// TimeSeries.histograms = 4) and 2.0 (io.prometheus.write.v2.Histogram in
// TimeSeries.histograms = 3) number alike; the timestamp (15) is added here.

import { ByteBuffer } from "./buffer";
import { Series } from "./series";
import { writePairs } from "./pairs";
import { bytesFieldSize, varintFieldSize, writeLenPrefix, writeVarintField } from "./protobuf";
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

/** Appends one 1.0 WriteRequest.timeseries: the series' labels and one histogram. */
export function writeHistogramSeriesRw1(out: ByteBuffer, s: Series, body: usize, bodyLen: u32, timestamp: f64, exemplar: usize = 0): void {
  const ts = <i64>timestamp;
  const histogramLen = histogramSize(bodyLen, ts);
  const seriesLen = s.labelsLen + bytesFieldSize(histogramLen) + (exemplar != 0 ? exemplarsSizeRw1(exemplar, ts) : 0);
  let w = out.reserve(bytesFieldSize(seriesLen));
  const start = w;
  w = writeLenPrefix(w, <u8>WriteRequestTag.TIMESERIES, seriesLen);
  w = writePairs(w, s.labels, s.idsLen);
  w = writeLenPrefix(w, <u8>TimeSeriesTag.HISTOGRAMS, histogramLen);
  w = writeHistogram(w, body, bodyLen, ts);
  if (exemplar != 0) w = writeExemplarsRw1(w, exemplar, ts);
  out.length += <u32>(w - start);
}
