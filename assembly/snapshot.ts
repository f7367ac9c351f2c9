// The current scrape as compact columns: series ref (u32), value (f64) and timestamp (f64 ms:
// exact up to 2^53, so JS reads it without BigInt). Consumers read these in place until the next
// scrape begins. Also the series that went stale, the new series awaiting the host's decision,
// and exemplars (kept for remote-write 2.0).

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";

export let refs: ByteBuffer = changetype<ByteBuffer>(0);
export let values: ByteBuffer = changetype<ByteBuffer>(0);
export let timestamps: ByteBuffer = changetype<ByteBuffer>(0);
/** Refs of the previous scrape, to find the series that vanished. */
export let previousRefs: ByteBuffer = changetype<ByteBuffer>(0);
export let staleRefs: ByteBuffer = changetype<ByteBuffer>(0);
export let newRefs: ByteBuffer = changetype<ByteBuffer>(0);
export let evictedRefs: ByteBuffer = changetype<ByteBuffer>(0);
/**
 * Exemplars: records of { sample index u32, labels offset u32, labels length u32, pad u32,
 * value f64, timestamp f64 (NaN when absent) }; labels are `repeated Label` bytes in the scrape arena.
 */
export let exemplars: ByteBuffer = changetype<ByteBuffer>(0);
export const EXEMPLAR_SIZE: u32 = 32;

export function initSnapshot(): void {
  refs = ByteBuffer.create(INITIAL_BUFFER_BYTES >> 1);
  values = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  timestamps = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  previousRefs = ByteBuffer.create(INITIAL_BUFFER_BYTES >> 1);
  staleRefs = ByteBuffer.create(256);
  newRefs = ByteBuffer.create(256);
  evictedRefs = ByteBuffer.create(256);
  exemplars = ByteBuffer.create(256);
}

/**
 * After an aborted scrape the refs of the last good one stay the reference for staleness: the
 * next begin() keeps previousRefs instead of rotating (a rebuild carries them over).
 */
export let keepPrevious: bool = false;
// @ts-ignore: decorator
@inline export function setKeepPrevious(keep: bool): void { keepPrevious = keep; }

/**
 * Starts a scrape: this scrape's refs become the previous ones, unless the last scrape was
 * aborted (`keep`): then the previous refs stay the staleness reference.
 */
export function rotateSnapshot(keep: bool): void {
  if (!keep) {
    const swap = previousRefs;
    previousRefs = refs;
    refs = swap;
  }
  refs.clear();
  values.clear();
  timestamps.clear();
  staleRefs.clear();
  newRefs.clear();
  evictedRefs.clear();
  exemplars.clear();
}

/** Empties this scrape's samples, staleness markers and exemplars (an aborted scrape). */
export function clearSamples(): void {
  refs.clear();
  values.clear();
  timestamps.clear();
  staleRefs.clear();
  exemplars.clear();
}

export function sampleCount(): u32 { return refs.length >> 2; }

// @ts-ignore: decorator
@inline export function appendSample(ref: u32, value: f64, timestamp: f64): void {
  refs.pushU32(ref);
  values.pushF64(value);
  timestamps.pushF64(timestamp);
}

// The columns as the host reads them (valid until the next call into the core).
export function snapshotLength(): u32 { return refs.length >> 2; }
export function snapshotRefs(): usize { return refs.data; }
export function snapshotValues(): usize { return values.data; }
export function snapshotTimestamps(): usize { return timestamps.data; }
export function staleCount(): u32 { return staleRefs.length >> 2; }
export function staleRefsPtr(): usize { return staleRefs.data; }
