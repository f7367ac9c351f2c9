// Created (start) timestamps, kept per scrape as { sample index u32, zero flag u32, start ms f64 }
// records in sample order:
// - protobuf Metrics (Counter.created_timestamp, Summary.created_timestamp,
//   Histogram.created_timestamp: they apply to every series of the Metric);
// - with created_timestamp_zero_ingestion, OpenMetrics `_created` lines of counter, summary and
//   histogram families: the line is not a series, its value (seconds) is the start timestamp of
//   the samples of its family before it with the same labels (le and quantile aside), as
//   Prometheus' OpenMetrics parser finds it (openmetricsparse.go StartTimestamp: from a sample,
//   the first `_created` line after it in its family decides; other labels, no start timestamp).
// The 2.0 encoder writes them as Sample.start_timestamp (3) and Histogram.start_timestamp (17),
// as Prometheus' populateV2TimeSeries sends them. With created_timestamp_zero_ingestion, finish()
// also marks the records whose start timestamp needs a zero sample (Prometheus' agent
// AppendSTZeroSample: older than the sample, newer than the series' last sample), and the 1.0
// encoder writes that zero sample (a 0, or an empty histogram) at the start timestamp before the
// sample, in the same TimeSeries.

import { ByteBuffer } from "./buffer";
import { refs, timestamps, staleRefs, newRefs } from "./snapshot";
import { scrapeTimestamp } from "./scrape-state";

export let startRecords: ByteBuffer = changetype<ByteBuffer>(0);
const RECORD_SIZE: u32 = 16;
let cursor: u32 = 0;

/** created_timestamp_zero_ingestion (scrapewire's per-job form of Prometheus' feature flag). */
export let zeroIngestion: bool = false;

/** setCreatedTimestampZeroIngestion(on): OpenMetrics `_created` lines become start timestamps, and 1.0 gets zero samples; from the next begin. */
export function setCreatedTimestampZeroIngestion(on: bool): void {
  zeroIngestion = on;
  if (on && changetype<usize>(lastTimestamps) == 0) lastTimestamps = ByteBuffer.create(1024);
}

export function resetStartTimestamps(): void {
  if (changetype<usize>(startRecords) == 0) startRecords = ByteBuffer.create(256);
  startRecords.clear();
  if (changetype<usize>(pending) != 0) pending.clear();
  pendingFamily = 0xFFFFFFFF;
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

/** The record of sample `sampleIndex`, or 0 (asked for in increasing order after a rewind). */
function recordOf(sampleIndex: u32): usize {
  if (changetype<usize>(startRecords) == 0) return 0;
  const n = startRecords.length / RECORD_SIZE;
  while (cursor < n && load<u32>(startRecords.data + <usize>cursor * RECORD_SIZE) < sampleIndex) cursor++;
  if (cursor < n && load<u32>(startRecords.data + <usize>cursor * RECORD_SIZE) == sampleIndex) return startRecords.data + <usize>cursor * RECORD_SIZE;
  return 0;
}

/** The start timestamp of sample `sampleIndex` in ms, or 0 when it has none. */
export function startTimestampOf(sampleIndex: u32): i64 {
  const r = recordOf(sampleIndex);
  return r == 0 ? 0 : <i64>load<f64>(r, 8);
}

/** The start timestamp at which 1.0 writes a zero sample before sample `sampleIndex`, or 0 for none. */
export function zeroSampleOf(sampleIndex: u32): i64 {
  if (!zeroIngestion) return 0;
  const r = recordOf(sampleIndex);
  return r == 0 || load<u32>(r, 4) == 0 ? 0 : <i64>load<f64>(r, 8);
}

// OpenMetrics `_created` lines: the samples of the current family that no `_created` line
// followed yet, as { sample index u32, pad u32, group hash u64 }.
let pending: ByteBuffer = changetype<ByteBuffer>(0);
let pendingFamily: u32 = 0xFFFFFFFF;
const PENDING_SIZE: u32 = 16;

/** A sample of family `family` (a counter, summary or histogram) whose `_created` line may follow. */
export function awaitCreated(family: u32, sampleIndex: u32, group: u64): void {
  if (changetype<usize>(pending) == 0) pending = ByteBuffer.create(256);
  if (family != pendingFamily) { pending.clear(); pendingFamily = family; }
  const w = pending.reserve(PENDING_SIZE);
  store<u32>(w, sampleIndex);
  store<u32>(w, 0, 4);
  store<u64>(w, group, 8);
  pending.length += PENDING_SIZE;
}

/**
 * A `_created` line of family `family` with labels `group` and value `seconds`: the start
 * timestamp (ms, truncated as Go's int64()) of the samples waiting with the same labels; it
 * decides for every sample waiting, so they wait no more.
 */
export function createdLine(family: u32, group: u64, seconds: f64): void {
  if (changetype<usize>(pending) == 0 || family != pendingFamily) return;
  const ms = <f64><i64>(seconds * 1000.0);
  const n = pending.length / PENDING_SIZE;
  if (ms != 0 && !isNaN(seconds) && isFinite(seconds)) {
    for (let k: u32 = 0; k < n; k++) {
      const at = pending.data + <usize>k * PENDING_SIZE;
      if (load<u64>(at, 8) == group) recordStartTimestamp(load<u32>(at), ms);
    }
  }
  pending.clear();
}

// The last sample's timestamp of each series (f64 by ref, 0: none), kept only with
// created_timestamp_zero_ingestion: Prometheus' agent writes a zero sample only when the start
// timestamp is newer than the series' last sample (so once per start timestamp).
let lastTimestamps: ByteBuffer = changetype<ByteBuffer>(0);

function lastTimestampSlot(ref: u32): usize {
  const need = (ref + 1) << 3;
  if (lastTimestamps.length < need) {
    const at = lastTimestamps.reserve(need - lastTimestamps.length);
    memory.fill(at, 0, need - lastTimestamps.length);
    lastTimestamps.length = need;
  }
  return lastTimestamps.data + (<usize>ref << 3);
}

/** A rebuilt instance's series `ref` had a sample at `ms` (rebuild.ts). */
export function importLastTimestamp(ref: u32, ms: f64): void {
  if (zeroIngestion) store<f64>(lastTimestampSlot(ref), ms);
}

/**
 * End of a scrape (finish): marks the start timestamps that get a zero sample (older than their
 * sample, newer than the series' last one), then records this scrape's samples and staleness
 * markers as each series' last.
 */
export function markZeroSamples(): void {
  if (!zeroIngestion) return;
  // A ref created by this scrape may be a reused one: it has no last sample yet.
  const created = newRefs.length >> 2;
  // (Prometheus' agent starts a series at math.MinInt64.)
  for (let k: u32 = 0; k < created; k++) store<f64>(lastTimestampSlot(load<u32>(newRefs.data + (<usize>k << 2))), -Infinity);
  const n = startRecords.length / RECORD_SIZE;
  for (let k: u32 = 0; k < n; k++) {
    const r = startRecords.data + <usize>k * RECORD_SIZE;
    const i = load<u32>(r);
    const start = load<f64>(r, 8);
    const ts = load<f64>(timestamps.data + (<usize>i << 3));
    const last = load<f64>(lastTimestampSlot(load<u32>(refs.data + (<usize>i << 2))));
    store<u32>(r, start < ts && start > last ? 1 : 0, 4);
  }
  const samples = refs.length >> 2;
  for (let i: u32 = 0; i < samples; i++) {
    store<f64>(lastTimestampSlot(load<u32>(refs.data + (<usize>i << 2))), load<f64>(timestamps.data + (<usize>i << 3)));
  }
  const stale = staleRefs.length >> 2;
  for (let k: u32 = 0; k < stale; k++) store<f64>(lastTimestampSlot(load<u32>(staleRefs.data + (<usize>k << 2))), scrapeTimestamp);
}
