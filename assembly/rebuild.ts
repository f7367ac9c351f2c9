// Rebuilding a smaller instance (host: Core.rebuild): the old instance is read through these
// exports, and a fresh one is filled with its kept series, its last scrape and its staleness
// reference. Memory never shrinks otherwise.

import { Format } from "./enums";
import { epoch, scrapeTimestamp, setEpoch, resetScrapeState } from "./scrape-state";
import { seriesAt, createSeries, seriesCapacity } from "./series";
import { insertCanonicalKey } from "./canonical";
import { deriveSeriesInfo } from "./seriesinfo";
import { appendSample, staleRefs, previousRefs, keepPrevious, setKeepPrevious } from "./snapshot";
import { rewriteBuffer } from "./resolve";
import { importLastTimestamp } from "./start-timestamps";

export function seriesLastSeen(ref: u32): u32 { return seriesAt(ref).lastSeen; }
export function seriesRefLimit(): u32 { return seriesCapacity(); }
export function currentEpoch(): u32 { return epoch; }
export function lastTimestamp(): f64 { return scrapeTimestamp; }
export function keepsPrevious(): bool { return keepPrevious; }
export function previousCount(): u32 { return previousRefs.length >> 2; }
export function previousRefsPtr(): usize { return previousRefs.data; }

export function restore(oldEpoch: u32, timestampMs: f64): void {
  setEpoch(oldEpoch);
  resetScrapeState(Format.TEXT, timestampMs, true, true);
}

export function importSeries(length: u32, state: u8, lastSeen: u32): u32 {
  const ref = createSeries(rewriteBuffer.data, length);
  insertCanonicalKey(ref, rewriteBuffer.data, length);
  deriveSeriesInfo(ref);
  const s = seriesAt(ref);
  s.state = state;
  s.lastSeen = lastSeen;
  return ref;
}

export function importSample(ref: u32, value: f64, timestampMs: f64): void {
  appendSample(ref, value, timestampMs);
  importLastTimestamp(ref, timestampMs);
}
export function importStale(ref: u32): void { staleRefs.pushU32(ref); }

export function importPrevious(ref: u32): void {
  previousRefs.pushU32(ref);
  setKeepPrevious(true);
}
