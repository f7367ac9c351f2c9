// Per-core limits, checked while the body is parsed, so that what a target's page costs is bounded
// by the limits and not by the page (issue 10): a page of 3 M unique series under a sample limit
// of 10,000 makes the core create ~10,000 series, not 3 M, and stops the scrape there.
//
//   sample limit   samples of this scrape whose series is kept or still undecided (Prometheus'
//                  sample_limit counts samples after metric relabeling: a series the host drops
//                  does not count). Undecided series count as kept until the host decides; with
//                  streaming resolution (begin's resolveBatch) the core pauses feed() for a
//                  decision instead of failing, once `undecided` reaches the batch, or reaches
//                  OVER_LIMIT_BATCH after the count passed the limit.
//   series limit   series the core holds (kept, dropped or undecided); a new one past it fails.
//   label limits   a new series' label count, name and value lengths, as parsed, before its
//                  labels are sorted or interned. Exact only where nothing can remove labels later
//                  (no metric relabeling): the host sets them only then.
//   memory limit   the size of the core's memory, checked after every line: a line allocates at
//                  most a few times its own length (the input window bounds it), so the memory
//                  passes the limit by at most that, or by one growth of the allocator.
// 0 turns a limit off. Every failure is an ErrorCode with the line; the host rebuilds a core whose
// memory passed its limit (memory never shrinks).

import { ErrorCode } from "./status";

/** Undecided series after the count passed the sample limit: decided this many at a time. */
const OVER_LIMIT_BATCH: u32 = 256;

let sampleLimit: u32 = 0;
let seriesLimit: u32 = 0;
let labelLimit: u32 = 0;
let labelNameLengthLimit: u32 = 0;
let labelValueLengthLimit: u32 = 0;
let memoryLimitPages: i32 = 0;

// The current scrape.
let countedSamples: u32 = 0;
let undecided: u32 = 0;
let resolveBatch: u32 = 0;
/** Set when the host should decide the undecided series before parsing goes on. */
export let pauseRequested: bool = false;

export function setLimits(samples: u32, series: u32, labels: u32, nameLength: u32, valueLength: u32, memoryPages: u32): void {
  sampleLimit = samples;
  seriesLimit = series;
  labelLimit = labels;
  labelNameLengthLimit = nameLength;
  labelValueLengthLimit = valueLength;
  memoryLimitPages = <i32>memoryPages;
}

/** A scrape begins; `batch` > 0: the host decides new series while the body streams, that many at a time. */
export function resetScrapeLimits(batch: u32): void {
  countedSamples = 0;
  undecided = 0;
  resolveBatch = batch;
  pauseRequested = false;
}

export function undecidedSeries(): u32 { return undecided; }

/** A new series was created (undecided). */
export function seriesCreated(): void {
  undecided++;
  if (resolveBatch != 0 && undecided >= resolveBatch) pauseRequested = true;
}

/** An undecided series was decided (kept, dropped, rewritten or forgotten). */
export function seriesDecided(): void {
  assert(undecided != 0, "more decisions than undecided series");
  undecided--;
}

/** A counted sample's series was dropped or forgotten in this scrape: it no longer counts. */
export function sampleUncounted(): void {
  assert(countedSamples != 0, "uncounting a sample never counted");
  countedSamples--;
}

/**
 * A sample of a series not dropped was appended. Returns the error to report, or NONE: past the
 * limit with nothing undecided (or no way to decide while streaming) the scrape fails now;
 * otherwise the host is asked for decisions soon, and the count is checked again after them.
 */
export function sampleCounted(): ErrorCode {
  countedSamples++;
  if (sampleLimit == 0 || countedSamples <= sampleLimit) return ErrorCode.NONE;
  if (undecided == 0 || resolveBatch == 0) return ErrorCode.SAMPLE_LIMIT;
  if (undecided >= min<u32>(resolveBatch, OVER_LIMIT_BATCH)) pauseRequested = true;
  return ErrorCode.NONE;
}

/** After the host decided every undecided series: whether the count is still past the limit. */
export function overSampleLimit(): bool {
  return sampleLimit != 0 && countedSamples > sampleLimit;
}

/** Whether one more series fits. */
export function seriesFits(liveSeries: u32): bool {
  return seriesLimit == 0 || liveSeries < seriesLimit;
}

/** The number of labels (`count`, the metric name included) of a new series as parsed so far. */
export function labelCountFits(count: u32): bool {
  return labelLimit == 0 || count <= labelLimit;
}

/** A label of a new series: NONE, or which length limit its name or value passes. */
export function labelLengthError(nameLen: u32, valueLen: u32): ErrorCode {
  if (labelNameLengthLimit != 0 && nameLen > labelNameLengthLimit) return ErrorCode.LABEL_NAME_LENGTH_LIMIT;
  if (labelValueLengthLimit != 0 && valueLen > labelValueLengthLimit) return ErrorCode.LABEL_VALUE_LENGTH_LIMIT;
  return ErrorCode.NONE;
}

/** Whether the core's memory has grown past its limit. */
// @ts-ignore: decorator
@inline export function overMemoryLimit(): bool {
  return memoryLimitPages != 0 && memory.size() > memoryLimitPages;
}

/** The host was asked for its decisions (feed paused). */
export function resetPause(): void { pauseRequested = false; }
