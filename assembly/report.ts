// A target's report series (up, scrape_duration_seconds, ...: src/scrape/report-series.ts) in the
// same instance as its page, so a target costs one core instead of two (issue 12). They are
// ordinary kept series with two differences: they are not in the index (a page's own `up` line,
// whatever its labels, never reaches them), and their labels come finished from the host (target
// labels always win, external labels, write relabeling: decided once per target, not per scrape).
//
// Per scrape: reportTouch() before finish() keeps them out of the staleness pass (they are
// written in every scrape, failed ones included); after finish() and the host's decisions,
// reportSample() appends each one's sample after the page's, at the scrape's timestamp, so they
// travel in the page's requests. reportClear() (the target goes away) turns them into ordinary
// series that the next finish() marks stale.

import { ByteBuffer } from "./buffer";
import { SeriesState } from "./enums";
import { NO_FAMILY } from "./families";
import { epoch, scrapeTimestamp } from "./scrape-state";
import { createSeries, seriesAt } from "./series";
import { appendSample } from "./snapshot";
import { rewriteBuffer } from "./resolve";

/** The report series' refs (u32 each); made on first use, so a core without them pays nothing. */
let reportRefs: ByteBuffer = changetype<ByteBuffer>(0);

/** A report series whose final labels (sorted 1.0 `repeated Label` bytes) are at rewriteBufferPtr; its ref. */
export function reportSeries(length: u32): u32 {
  if (changetype<usize>(reportRefs) == 0) reportRefs = ByteBuffer.create(64);
  const ref = createSeries(rewriteBuffer.data, length);
  const s = seriesAt(ref);
  s.state = <u8>SeriesState.KEPT;
  // No family: no metadata is written for it (rw2.ts reads a family only below the table's count).
  s.family = NO_FAMILY;
  s.lastSeen = epoch;
  reportRefs.pushU32(ref);
  return ref;
}

/** Every report series counts as seen by the current scrape: call between begin and finish. */
export function reportTouch(): void {
  if (changetype<usize>(reportRefs) == 0) return;
  const n = reportRefs.length >> 2;
  for (let i: u32 = 0; i < n; i++) seriesAt(load<u32>(reportRefs.data + (<usize>i << 2))).lastSeen = epoch;
}

/** Appends a report series' sample (at the scrape's timestamp) after the page's: call after finish. */
export function reportSample(ref: u32, value: f64): void {
  seriesAt(ref).lastSeen = epoch;
  appendSample(ref, value, scrapeTimestamp);
}

/** The target goes away: its report series become ordinary ones, stale at the next finish. */
export function reportClear(): void {
  if (changetype<usize>(reportRefs) != 0) reportRefs.clear();
}
