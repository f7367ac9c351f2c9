// The scrape lifecycle: begin, feed chunks (lines found 16 bytes at a time, a partial last line
// carried over to the next chunk), pause for the host's decisions, finish (a last line without
// newline, staleness, eviction), or abort.

import { ErrorCode, Status, setError, clearError, isFatal, errorCode } from "./status";
import { Char } from "./chars";
import { Format, SeriesState } from "./enums";
import {
  format, omStrict, sawEof, lineNumber, epoch, resetScrapeState, nextEpoch, bumpLine,
} from "./scrape-state";
import { parseLine } from "./line";
import { seriesAt, SeriesFlag, evictSeries, reclaimEvicted, seriesCapacity } from "./series";
import { resetFamilies } from "./families";
import { resetOpenMetrics, omFinish } from "./openmetrics";
import {
  rotateSnapshot, previousRefs, staleRefs, newRefs, evictedRefs, keepPrevious, setKeepPrevious, clearSamples,
} from "./snapshot";
import {
  resetScrapeLimits, pauseRequested, overSampleLimit, overMemoryLimit, undecidedSeries, resetPause,
} from "./limits";
import { Unit, unitEnd, protobufUnit, resetProtobuf, protobufAtBoundary } from "./protobuf-exposition";
import { emitNhcb } from "./nhcb";
import { markZeroSamples } from "./start-timestamps";
import { markDuplicateExemplars } from "./exemplar-dedup";

let windowBase: usize = 0;
let windowCapacity: u32 = 0;
/** Bytes of a partial last line kept at windowBase for the next chunk. */
let carry: u32 = 0;
let evictAfter: u32 = 5;
let skipBadLines: bool = false;
/** The scrape failed: every call but begin and abortScrape returns ERROR. */
let failed: bool = false;
// feed() paused for the host's decisions (Status.RESOLVE): where the lines not parsed yet are.
let paused: bool = false;
let scanAt: usize = 0;
let scanEnd: usize = 0;
export let skippedLines: u32 = 0;
export let bytesConsumed: f64 = 0;
export let evictedCount: u32 = 0;

/** Allocates the input window: the longest line accepted, plus 16 bytes of slack for wide loads. */
export function initWindow(maxLineBytes: u32, evictAfterScrapes: u32): void {
  windowCapacity = max<u32>(maxLineBytes, 64);
  windowBase = heap.alloc(<usize>windowCapacity + 16);
  evictAfter = max<u32>(evictAfterScrapes, 1);
}

export function begin(fmt: u8, timestampMs: f64, honorTimestamps: bool, skipErrors: bool, strictOpenMetrics: bool, resolveBatch: u32): void {
  // A failed scrape the host did not abort still must not leave undecided series behind.
  if (failed) forgetUndecided();
  nextEpoch();
  carry = 0;
  failed = false;
  paused = false;
  resetScrapeLimits(resolveBatch);
  skipBadLines = skipErrors;
  skippedLines = 0;
  bytesConsumed = 0;
  clearError();
  rotateSnapshot(keepPrevious);
  setKeepPrevious(false);
  resetFamilies();
  resetOpenMetrics();
  resetProtobuf();
  resetScrapeState(<Format>fmt, timestampMs, honorTimestamps, strictOpenMetrics);
}

/**
 * The input window when it holds nothing a scrape still needs (no partial line carried, not paused
 * for decisions): the encoder writes requests there between scrapes (encode.ts), so a target's
 * pages touched by parsing and by encoding are the same pages. 0 while it is in use.
 */
export function idleWindow(): usize { return carry == 0 && !paused ? windowBase : 0; }
export function windowBytes(): u32 { return windowCapacity; }

export function inputPtr(): usize { return windowBase + carry; }
export function inputSpace(): u32 { return windowCapacity - carry; }

/** Fails the scrape with a state error (the host called out of order). */
function badState(): Status {
  setError(ErrorCode.BAD_STATE, lineNumber, 0);
  failed = true;
  return Status.ERROR;
}

export function feed(length: u32): Status {
  if (failed) return Status.ERROR;
  if (paused || length > windowCapacity - carry) return badState();
  bytesConsumed += <f64>length;
  scanAt = windowBase;
  scanEnd = windowBase + carry + length;
  return scanLines();
}

export function resumeFeed(): Status {
  if (failed) return Status.ERROR;
  if (!paused) return badState();
  paused = false;
  if (undecidedSeries() == 0 && overSampleLimit()) {
    setError(ErrorCode.SAMPLE_LIMIT, lineNumber - 1, 1);
    failed = true;
    return Status.ERROR;
  }
  return scanLines();
}

// @ts-ignore: decorator
@inline function nextLineEnd(p: usize, end: usize): usize {
  // 16 bytes at a time: compare with '\n', take the mask of matches.
  const newline = i8x16.splat(<i8>Char.NEWLINE);
  while (p + 16 <= end) {
    const mask = i8x16.bitmask(i8x16.eq(v128.load(p), newline));
    if (mask != 0) return p + <usize>ctz<u32>(mask);
    p += 16;
  }
  while (p < end && load<u8>(p) != Char.NEWLINE) p++;
  return p;
}

/**
 * Parses one line; in skip mode a bad line is counted and parsing goes on (its error forgotten,
 * so a later fatal one is the one reported), except for what ends a scrape anyway: text after
 * "# EOF" and the limits. Then the memory limit.
 */
function handleLine(p: usize, end: usize): bool {
  if (!parseLine(p, end)) {
    if (!skipBadLines || isFatal(errorCode())) return false;
    skippedLines++;
    clearError();
  }
  if (overMemoryLimit()) {
    setError(ErrorCode.MEMORY_LIMIT, lineNumber, 1);
    return false;
  }
  return true;
}

/** Parses the complete lines in [scanAt, scanEnd); keeps the partial last one for the next feed. */
function scanLines(): Status {
  if (format == Format.PROTOBUF) return scanUnits();
  let p = scanAt;
  const end = scanEnd;
  while (true) {
    const nl = nextLineEnd(p, end);
    if (nl >= end) break;
    if (!handleLine(p, nl)) { failed = true; return Status.ERROR; }
    bumpLine();
    p = nl + 1;
    if (pauseRequested) {
      resetPause();
      scanAt = p;
      paused = true;
      return Status.RESOLVE;
    }
  }
  return keepCarry(p, end);
}

/** The bytes [p, end) not parsed yet stay at windowBase for the next feed. */
function keepCarry(p: usize, end: usize): Status {
  carry = <u32>(end - p);
  if (carry != 0 && p != windowBase) memory.copy(windowBase, p, carry);
  if (carry == windowCapacity) {
    setError(ErrorCode.LINE_TOO_LONG, lineNumber, windowCapacity);
    failed = true;
    return Status.ERROR;
  }
  return Status.OK;
}

/**
 * The protobuf exposition (protobuf-exposition.ts): complete units (a family's length prefix, or
 * a field of it such as one Metric) in [scanAt, scanEnd); a partial one stays for the next feed.
 * In skip mode a Metric that fails is counted and skipped; a malformed page cannot be skipped.
 */
function scanUnits(): Status {
  let p = scanAt;
  const end = scanEnd;
  while (p < end) {
    const r = protobufUnit(p, end);
    if (r == Unit.MORE) break;
    if (r == Unit.ERROR) {
      if (!skipBadLines || unitEnd == 0 || isFatal(errorCode())) { failed = true; return Status.ERROR; }
      skippedLines++;
      clearError();
    }
    p = unitEnd;
    if (overMemoryLimit()) {
      setError(ErrorCode.MEMORY_LIMIT, lineNumber, 1);
      failed = true;
      return Status.ERROR;
    }
    if (pauseRequested) {
      resetPause();
      scanAt = p;
      paused = true;
      return Status.RESOLVE;
    }
  }
  return keepCarry(p, end);
}

export function finish(): Status {
  if (failed) return Status.ERROR;
  if (paused) return badState();
  // Where the input ends: after the last line feed, or at the end of a last line without one.
  let endLine = lineNumber;
  let endColumn: u32 = 1;
  if (format == Format.PROTOBUF) {
    if (carry != 0 || !protobufAtBoundary()) {
      setError(ErrorCode.TRUNCATED_PROTOBUF, lineNumber, 1);
      failed = true;
      return Status.ERROR;
    }
  } else if (carry != 0) {
    if (!handleLine(windowBase, windowBase + carry)) { failed = true; return Status.ERROR; }
    endColumn = carry + 1;
    bumpLine();
    carry = 0;
  }
  // The last classic histogram converted to one with custom buckets (nhcb.ts).
  if (!emitNhcb()) { failed = true; return Status.ERROR; }
  // The host decides the rest now, and checks the sample limit on what it kept (resolveDone).
  resetPause();
  if (format == Format.OPENMETRICS) {
    if (omStrict && !omFinish(windowBase)) { failed = true; return Status.ERROR; }
    if (!sawEof) { setError(ErrorCode.MISSING_EOF, endLine, endColumn); failed = true; return Status.ERROR; }
  }
  // Stale: in the previous scrape, not in this one. Not evicted now (their markers need their
  // labels), however many failed scrapes came between.
  const previous = previousRefs.length >> 2;
  for (let i: u32 = 0; i < previous; i++) {
    const ref = load<u32>(previousRefs.data + (<usize>i << 2));
    const s = seriesAt(ref);
    if (s.state != SeriesState.FREE && s.lastSeen != epoch) {
      staleRefs.pushU32(ref);
      s.flags |= <u8>SeriesFlag.STALE_NOW;
    }
  }
  // created_timestamp_zero_ingestion: which start timestamps get a zero sample in 1.0.
  markZeroSamples();
  // Exemplars repeating their series' latest one are not sent again (exemplar-dedup.ts).
  markDuplicateExemplars();
  evictOld();
  const stale = staleRefs.length >> 2;
  for (let i: u32 = 0; i < stale; i++) seriesAt(load<u32>(staleRefs.data + (<usize>i << 2))).flags &= ~(<u8>SeriesFlag.STALE_NOW);
  return Status.OK;
}

/** Series not seen for evictAfter scrapes give their memory back. */
function evictOld(): void {
  evictedCount = 0;
  if (epoch <= evictAfter) return;
  const limit = epoch - evictAfter;
  const capacity = seriesCapacity();
  for (let ref: u32 = 1; ref < capacity; ref++) {
    const s = seriesAt(ref);
    if (s.state != SeriesState.FREE && s.lastSeen < limit && (s.flags & SeriesFlag.STALE_NOW) == 0) {
      evictSeries(ref);
      evictedRefs.pushU32(ref);
      evictedCount++;
    }
  }
  if (evictedCount != 0) reclaimEvicted(evictedRefs);
}

export function abortScrape(): void {
  forgetUndecided();
  failed = true;
  // Nothing of this scrape is kept: the columns are emptied, and the refs of the last good
  // scrape stay the reference for staleness (begin() keeps them instead of rotating).
  clearSamples();
  setKeepPrevious(true);
}

/**
 * Series created by a scrape that failed never reached the host's resolver: they are forgotten,
 * so the next scrape that has them treats them as new and the host decides on them then. (Kept,
 * they would be found by the index, never resolved, and never encoded.)
 */
function forgetUndecided(): void {
  const n = newRefs.length >> 2;
  if (n == 0) return;
  evictedRefs.clear();
  for (let i: u32 = 0; i < n; i++) {
    const ref = load<u32>(newRefs.data + (<usize>i << 2));
    if (seriesAt(ref).state == <u8>SeriesState.PENDING) {
      evictSeries(ref);
      evictedRefs.pushU32(ref);
    }
  }
  newRefs.clear();
  if (evictedRefs.length != 0) reclaimEvicted(evictedRefs);
  evictedRefs.clear();
}
