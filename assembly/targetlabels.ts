// Target labels merged into new series inside the core. A scrape job adds its target's labels
// (job, instance, ...) and the global external labels to every series; done in JS that cost ~8 µs
// a series (decode, merge, encode), which made a first scrape of a 562k-series page overrun its
// timeout. When the job has no metric relabeling, no write relabeling and no label limits, the
// host hands the labels here once and the core merges them itself; only a series whose own labels
// collide with a target label (Prometheus' exported_ rule) is left to the host.
//
// All three lists are remote-write 1.0 `repeated Label` bytes sorted by name.

import { ByteBuffer, INITIAL_BUFFER_BYTES } from "./buffer";
import { skipLabel, compareLabelNamesAt } from "./label";

let targetLabels: ByteBuffer = changetype<ByteBuffer>(0);
let externalStart: u32 = 0;
let honorLabels: bool = false;
export let merged: ByteBuffer = changetype<ByteBuffer>(0);

/** Target labels then external labels, `targetLen` + `externalLen` bytes at `src`. */
export function setTargetLabels(src: usize, targetLen: u32, externalLen: u32, honor: bool): void {
  if (changetype<usize>(targetLabels) == 0) {
    targetLabels = ByteBuffer.create(256);
    merged = ByteBuffer.create(INITIAL_BUFFER_BYTES);
  }
  targetLabels.clear();
  targetLabels.pushBytes(src, targetLen + externalLen);
  externalStart = targetLen;
  honorLabels = honor;
}

export function hasTargetLabels(): bool {
  return changetype<usize>(targetLabels) != 0 && targetLabels.length != 0;
}

/** Appends the label at p to `merged` (no list holds empty values: the core drops them, the host refuses them). */
function emit(p: usize): usize {
  const end = skipLabel(p);
  merged.pushBytes(p, <u32>(end - p));
  return end;
}

/**
 * Merges the target and external labels into the series labels [s, s+len) into `merged`: target
 * labels are added (with honor_labels a scraped label of the same name wins), external labels only
 * where no label of that name is there yet. Returns false, with nothing decided, when a target
 * label has the name of a scraped one and honor_labels is off: the host applies exported_.
 */
export function mergeTargetLabels(s: usize, len: u32): bool {
  merged.clear();
  const sEnd = s + len;
  let t = targetLabels.data;
  const tEnd = t + externalStart;
  let x = tEnd;
  const xEnd = targetLabels.data + targetLabels.length;
  while (s < sEnd || t < tEnd || x < xEnd) {
    // The smallest name among the three heads; ties between scraped and target decide the rule.
    let pick = 0; // 1 scraped, 2 target, 3 external
    let best: usize = 0;
    if (s < sEnd) { pick = 1; best = s; }
    if (t < tEnd) {
      if (pick == 0) { pick = 2; best = t; }
      else {
        const c = compareLabelNamesAt(t, best);
        if (c == 0) {
          if (!honorLabels) return false;
          t = skipLabel(t);       // the scraped label wins
          continue;
        }
        if (c < 0) { pick = 2; best = t; }
      }
    }
    if (x < xEnd) {
      if (pick == 0) { pick = 3; best = x; }
      else {
        const c = compareLabelNamesAt(x, best);
        if (c == 0) {
          x = skipLabel(x);       // an external label only where the name is not taken
          continue;
        }
        if (c < 0) { pick = 3; best = x; }
      }
    }
    // Names equal across lists are caught above when their heads meet (all three are sorted).
    if (pick == 1) s = emit(s);
    else if (pick == 2) t = emit(t);
    else x = emit(x);
  }
  return true;
}
