// The host's decisions on new series: keep (encoded as parsed), drop (never encoded; remembered,
// so the decision is made once), rewrite (new labels, encoded once), forget (decided again next
// time). Or, for a job whose target labels are the whole decision, the core merges them itself
// (autoResolve, targetlabels.ts) and the host sees only the series that collide with one.

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { SeriesState } from "./enums";
import { epoch } from "./scrape-state";
import { seriesAt, labelsBytes, dropSeries, replaceLabels, evictSeries, reclaimEvicted } from "./series";
import { refs, newRefs, evictedRefs } from "./snapshot";
import { seriesDecided, sampleUncounted } from "./limits";
import { setTargetLabels, hasTargetLabels, mergeTargetLabels, merged } from "./targetlabels";

/** Labels the host writes into the core: rewrites, target labels, imported series (rebuild.ts). */
export let rewriteBuffer: ByteBuffer = changetype<ByteBuffer>(0);

export function initResolve(): void {
  rewriteBuffer = ByteBuffer.create(INITIAL_BUFFER_BYTES);
}

export function newSeriesCount(): u32 { return newRefs.length >> 2; }
export function newSeriesRef(i: u32): u32 { return load<u32>(newRefs.data + (<usize>i << 2)); }
export function seriesState(ref: u32): u8 { return seriesAt(ref).state; }
export function labelsPtr(ref: u32): usize { return seriesAt(ref).labels == 0 ? 0 : labelsBytes(ref); }
export function labelsLen(ref: u32): u32 { return seriesAt(ref).labelsLen; }

export function keep(ref: u32): void {
  const s = seriesAt(ref);
  if (s.state == SeriesState.PENDING) {
    s.state = <u8>SeriesState.KEPT;
    seriesDecided();
  }
}

/** A series leaves this scrape's count: decided if it was undecided, its sample uncounted if it had one. */
function leaveCount(ref: u32): void {
  const s = seriesAt(ref);
  if (s.state == SeriesState.PENDING) seriesDecided();
  if ((s.state == SeriesState.PENDING || s.state == SeriesState.KEPT) && s.lastSeen == epoch) sampleUncounted();
}

export function drop(ref: u32): void {
  leaveCount(ref);
  dropSeries(ref);
}

export function rewriteBufferPtr(length: u32): usize {
  rewriteBuffer.clear();
  rewriteBuffer.reserve(length);
  return rewriteBuffer.data;
}

export function rewrite(ref: u32, length: u32): void {
  replaceLabels(ref, rewriteBuffer.data, length);
  keep(ref);
  seriesAt(ref).state = <u8>SeriesState.KEPT;
}

export function targetLabels(targetLen: u32, externalLen: u32, honorLabels: bool): void {
  setTargetLabels(rewriteBuffer.data, targetLen, externalLen, honorLabels);
}

export function autoResolve(from: u32, to: u32): u32 {
  if (!hasTargetLabels()) return to - from;
  let left: u32 = 0;
  for (let i = from; i < to; i++) {
    const ref = load<u32>(newRefs.data + (<usize>i << 2));
    const s = seriesAt(ref);
    if (s.state != SeriesState.PENDING) continue;
    if (mergeTargetLabels(labelsBytes(ref), s.labelsLen)) {
      replaceLabels(ref, merged.data, merged.length);
      keep(ref);
    } else {
      left++;
    }
  }
  return left;
}

export function forget(ref: u32): void {
  const s = seriesAt(ref);
  if (s.state == SeriesState.FREE) return;
  leaveCount(ref);
  evictSeries(ref);
  evictedRefs.clear();
  evictedRefs.pushU32(ref);
  reclaimEvicted(evictedRefs);
}

export function resolveDone(): u32 {
  const n = newRefs.length >> 2;
  for (let i: u32 = 0; i < n; i++) keep(load<u32>(newRefs.data + (<usize>i << 2)));
  const total = refs.length >> 2;
  let kept: u32 = 0;
  for (let i: u32 = 0; i < total; i++) {
    if (seriesAt(load<u32>(refs.data + (<usize>i << 2))).state == SeriesState.KEPT) kept++;
  }
  return kept;
}
