// Remote-write 1.0: a series as prometheus.TimeSeries (its interned pairs' `Label` bytes copied
// as they are, then one Sample), and the metadata-only WriteRequest of a scrape's families.

import { ByteBuffer } from "./buffer";
import { Series } from "./series";
import { writePairs } from "./pairs";
import { familyAt, countFamilies, scrapeArena, F_DECLARED } from "./families";
import {
  bytesFieldSize, varintFieldSize, writeLenPrefix, writeBytesField, writeVarintField, writeDoubleField,
  DOUBLE_FIELD_SIZE,
} from "./protobuf";
import { WriteRequestTag, TimeSeriesTag, SampleTag, MetricMetadataTag } from "./rwschema";
import { exemplarsSizeRw1, writeExemplarsRw1 } from "./rw1-exemplars";

/** Bytes of a Sample (1.0 and 2.0 alike) with a value and a timestamp in ms (0 is left out). */
// @ts-ignore: decorator
@inline export function sampleSize(ts: i64): u32 {
  return DOUBLE_FIELD_SIZE + (ts != 0 ? varintFieldSize(<u64>ts) : 0);
}

/** Writes a Sample's fields at `w`; returns the address after them. */
// @ts-ignore: decorator
@inline export function writeSample(w: usize, value: f64, ts: i64): usize {
  w = writeDoubleField(w, <u8>SampleTag.VALUE, value);
  if (ts != 0) w = writeVarintField(w, <u8>SampleTag.TIMESTAMP, <u64>ts);
  return w;
}

/**
 * Appends one WriteRequest.timeseries (the series' labels, one sample and its exemplar record if
 * any) to `out`; with `zeroTs` (created_timestamp_zero_ingestion), a zero sample at that start
 * timestamp before the sample.
 */
export function writeSeriesRw1(out: ByteBuffer, s: Series, value: f64, timestamp: f64, exemplar: usize = 0, zeroTs: i64 = 0): void {
  const ts = <i64>timestamp;
  const sampleLen = sampleSize(ts);
  const zeroLen = zeroTs != 0 ? bytesFieldSize(sampleSize(zeroTs)) : 0;
  const seriesLen = s.labelsLen + zeroLen + bytesFieldSize(sampleLen) + (exemplar != 0 ? exemplarsSizeRw1(exemplar, ts) : 0);
  let w = out.reserve(bytesFieldSize(seriesLen));
  const start = w;
  w = writeLenPrefix(w, <u8>WriteRequestTag.TIMESERIES, seriesLen);
  w = writePairs(w, s.labels, s.idsLen); // TimeSeries.labels: the pairs' own bytes
  if (zeroTs != 0) {
    w = writeLenPrefix(w, <u8>TimeSeriesTag.SAMPLES, sampleSize(zeroTs));
    w = writeSample(w, 0, zeroTs);
  }
  w = writeLenPrefix(w, <u8>TimeSeriesTag.SAMPLES, sampleLen);
  w = writeSample(w, value, ts);
  if (exemplar != 0) w = writeExemplarsRw1(w, exemplar, ts);
  out.length += <u32>(w - start);
}

/** Entries (MetricMetadata) in the last metadata request, and the family index it stopped at. */
export let metadataEntryCount: u32 = 0;
export let metadataNextFamily: u32 = 0;

/**
 * Writes to `out` a metadata-only WriteRequest for the current scrape's families from family
 * index `first`, at most `max` entries (0: all; metadata_config.max_samples_per_send, which
 * Prometheus counts in entries); returns its length (0: none left).
 */
export function writeMetadataRw1(out: ByteBuffer, first: u32 = 0, max: u32 = 0): u32 {
  out.clear();
  const count = countFamilies();
  const arena = scrapeArena.data;
  let n: u32 = 0;
  let i = first;
  for (; i < count; i++) {
    if (max != 0 && n == max) break;
    const f = familyAt(i);
    if ((f.flags & F_DECLARED) == 0 || f.nameLen == 0) continue;
    let len: u32 = bytesFieldSize(f.nameLen);
    if (f.type != 0) len += varintFieldSize(f.type);
    if (f.helpLen != 0) len += bytesFieldSize(f.helpLen);
    if (f.unitLen != 0) len += bytesFieldSize(f.unitLen);
    let w = out.reserve(bytesFieldSize(len));
    const start = w;
    w = writeLenPrefix(w, <u8>WriteRequestTag.METADATA, len);
    if (f.type != 0) w = writeVarintField(w, <u8>MetricMetadataTag.TYPE, f.type);
    w = writeBytesField(w, <u8>MetricMetadataTag.METRIC_FAMILY_NAME, arena + f.nameOffset, f.nameLen);
    if (f.helpLen != 0) w = writeBytesField(w, <u8>MetricMetadataTag.HELP, arena + f.helpOffset, f.helpLen);
    if (f.unitLen != 0) w = writeBytesField(w, <u8>MetricMetadataTag.UNIT, arena + f.unitOffset, f.unitLen);
    out.length += <u32>(w - start);
    n++;
  }
  metadataEntryCount = n;
  metadataNextFamily = i;
  return n == 0 ? 0 : out.length;
}
