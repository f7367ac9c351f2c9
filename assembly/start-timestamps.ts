// Created timestamps of a protobuf page (Counter.created_timestamp, Summary.created_timestamp,
// Histogram.created_timestamp: they apply to every series of the Metric), kept per scrape as
// { sample index u32, pad u32, start ms f64 } records in sample order, and written by the 2.0
// encoder as Sample.start_timestamp (3) and Histogram.start_timestamp (17), as Prometheus's
// populateV2TimeSeries sends them.

import { ByteBuffer } from "./buffer";

export let startRecords: ByteBuffer = changetype<ByteBuffer>(0);
const RECORD_SIZE: u32 = 16;
let cursor: u32 = 0;

export function resetStartTimestamps(): void {
  if (changetype<usize>(startRecords) == 0) startRecords = ByteBuffer.create(256);
  startRecords.clear();
}

/** Sample `sampleIndex` has the start timestamp `ms`. */
export function recordStartTimestamp(sampleIndex: u32, ms: f64): void {
  const w = startRecords.reserve(RECORD_SIZE);
  store<u32>(w, sampleIndex);
  store<u32>(w, 0, 4);
  store<f64>(w, ms, 8);
  startRecords.length += RECORD_SIZE;
}

/** An encoding pass starts (samples are then asked for in increasing order). */
export function rewindStartTimestamps(): void { cursor = 0; }

/** The start timestamp of sample `sampleIndex` in ms, or 0 when it has none. */
export function startTimestampOf(sampleIndex: u32): i64 {
  if (changetype<usize>(startRecords) == 0) return 0;
  const n = startRecords.length / RECORD_SIZE;
  while (cursor < n && load<u32>(startRecords.data + <usize>cursor * RECORD_SIZE) < sampleIndex) cursor++;
  if (cursor < n && load<u32>(startRecords.data + <usize>cursor * RECORD_SIZE) == sampleIndex) return <i64>load<f64>(startRecords.data + <usize>cursor * RECORD_SIZE, 8);
  return 0;
}
