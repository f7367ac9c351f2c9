/**
 * The core's rebuild protocol (Core.rebuild): a fresh instance is filled from the old one with
 * what is still live: its kept series, the last scrape's samples and staleness markers, and the
 * staleness reference an aborted scrape left. WASM memory never shrinks otherwise.
 * A core's report series are made again from their labels (Core.setReportSeries) and mapped.
 */
import { SeriesState } from './enums';
import type { CoreExports } from './wasm';

/** Copies the old instance's live state into `next` (a fresh instance); series get new refs. */
export function copyLiveState(old: CoreExports, next: CoreExports, reportRefs: ReadonlyMap<number, number> = new Map()): void {
  next.restore(old.currentEpoch(), old.lastTimestamp());
  const limit = old.seriesRefLimit();
  const mapped = new Uint32Array(limit);
  // Report series (Core.setReportSeries) are already in `next`, made from their labels: mapped, not imported.
  for (const [from, to] of reportRefs) mapped[from] = to;
  for (let ref = 1; ref < limit; ref++) {
    if (old.seriesState(ref) !== SeriesState.KEPT || mapped[ref] !== 0) continue; // kept series only
    // labelsPtr() writes the labels to a scratch buffer, which may grow the old memory.
    const ptr = old.labelsPtr(ref);
    const len = old.labelsLen(ref);
    const at = next.rewriteBufferPtr(len);
    new Uint8Array(next.memory.buffer).set(new Uint8Array(old.memory.buffer, ptr, len), at);
    mapped[ref] = next.importSeries(len, SeriesState.KEPT, old.seriesLastSeen(ref));
  }
  const n = old.snapshotLength();
  const refs = new Uint32Array(old.memory.buffer, old.snapshotRefs(), n);
  const values = new Float64Array(old.memory.buffer, old.snapshotValues(), n);
  const timestamps = new Float64Array(old.memory.buffer, old.snapshotTimestamps(), n);
  for (let i = 0; i < n; i++) if (mapped[refs[i]] !== 0) next.importSample(mapped[refs[i]], values[i], timestamps[i]);
  const stale = new Uint32Array(old.memory.buffer, old.staleRefsPtr(), old.staleCount());
  for (const ref of stale) if (mapped[ref] !== 0) next.importStale(mapped[ref]);
  // After an aborted scrape the last good one stays the reference for staleness.
  if (old.keepsPrevious()) {
    const previous = new Uint32Array(old.memory.buffer, old.previousRefsPtr(), old.previousCount());
    for (const ref of previous) if (mapped[ref] !== 0) next.importPrevious(mapped[ref]);
  }
}
