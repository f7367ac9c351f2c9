// scrapewire core: the exported ABI, and only that.
//
// Memory map (all blocks come from the runtime's TLSF heap via `heap.alloc`; no managed objects
// live past a call, except short strings on the rare slow path of float parsing):
//   input window   windowCapacity bytes + 16 of slack; the host writes chunks at inputPtr()
//   series table   Series records (ref-indexed) + a 16-byte-slot hash index (series.ts)
//   label pairs    each distinct label once, as its remote-write 1.0 `Label` bytes (pairs.ts);
//                  a series holds a block of its pairs' ids
//   symbols        remote-write 2.0 strings, reference counted (symbols.ts)
//   snapshot       per-scrape columns: ref u32, value f64, timestamp f64 (snapshot.ts)
//   scrape arena   per-scrape family names, HELP/UNIT texts, exemplar labels (families.ts)
//   output         the request being encoded (remotewrite.ts), and room for it compressed (snappy.ts)
// Memory grows with live series and the longest line, never with the size of a page.
//
// Calling order per scrape: begin -> (inputPtr/inputSpace, write, feed, (decide new series,
// resumeFeed)* while feed or resumeFeed returns RESOLVE)* -> finish -> decide the rest ->
// resolveDone -> encodeBegin/encodeNext* (any number of times). Limits (setLimits) apply from the
// next begin; see limits.ts.

import {
  ErrorCode, Status, setError, clearError, isFatal, errorCode as currentErrorCode, errorLine as currentErrorLine,
  errorColumn as currentErrorColumn,
} from "./status";
import { ByteBuffer } from "./buffer";
import {
  initSeries, seriesAt, SeriesState, seriesCount, labelArenaBytes, indexBytes, dropSeries,
  replaceLabels, evictSeries, labelsBytes, labelTextBytes, reclaimEvicted, seriesCapacity, createSeries, insertKey,
} from "./series";
import { initSymbols, symbolBytes, symbolCount } from "./symbols";
import { initPairs, pairCount } from "./pairs";
import { setTargetLabels, hasTargetLabels, mergeTargetLabels, merged } from "./targetlabels";
import { initFamilies, resetFamilies, countFamilies } from "./families";
import {
  initSnapshot, rotateSnapshot, refs, values, timestamps, previousRefs, staleRefs, newRefs,
  evictedRefs, exemplars, sampleCount, shrinkSnapshot, appendSample,
} from "./snapshot";
import {
  initLexer, resetLexer, parseLine, lineNumber, format, FORMAT_OPENMETRICS, sawEof, fail, setEpoch,
  duplicateSamples, deriveSeriesInfo, insertCanonicalKey, scrapeTimestamp, omStrict, bumpLine,
} from "./lexer";
import { resetOpenMetrics, omFinish } from "./openmetrics";
import { initSnappy, snappyCompress, compressed, reserveCompressed } from "./snappy";
import { initRemoteWrite, encodeBegin as beginEncoding, encodeNext as nextRequest, encodeMetadataRw1, output, encodedSamples } from "./remotewrite";
import {
  setLimits as configureLimits, resetScrapeLimits, pauseRequested, seriesDecided, sampleUncounted, overSampleLimit,
  overMemoryLimit, countedSampleTotal, undecidedSeries, resetPause,
} from "./limits";

/** Series.flags bit: a staleness marker of this scrape's (finish() to evictOld()). */
const SERIES_STALE_NOW: u8 = 0x80;

let windowBase: usize = 0;
let windowCapacity: u32 = 0;
let carry: u32 = 0;
let epoch: u32 = 0;
let evictAfter: u32 = 5;
let skipBadLines: bool = false;
let failed: bool = false;
let skippedLines: u32 = 0;
let bytesConsumed: f64 = 0;
let lineCounter: u32 = 0;
let evictedCount: u32 = 0;
let rewriteBuffer: ByteBuffer = changetype<ByteBuffer>(0);
let keepPrevious: bool = false;
// feed() paused for the host's decisions (Status.RESOLVE): where the lines not parsed yet are.
let paused: bool = false;
let scanAt: usize = 0;
let scanEnd: usize = 0;

/** init: allocates the input window (the longest line accepted) and the tables. */
export function init(maxLineBytes: u32, evictAfterScrapes: u32): void {
  windowCapacity = max<u32>(maxLineBytes, 64);
  windowBase = heap.alloc(<usize>windowCapacity + 16);
  evictAfter = max<u32>(evictAfterScrapes, 1);
  initSeries();
  initSymbols();
  initPairs();
  initFamilies();
  initSnapshot();
  initLexer();
  initRemoteWrite();
  rewriteBuffer = ByteBuffer.create(1024);
  initSnappy();
}

/**
 * setLimits: sample limit, series limit, label limit, label name and value length limits, memory
 * limit in 64 KiB pages (limits.ts); 0 = none. From the next begin().
 */
export function setLimits(samples: u32, series: u32, labels: u32, nameLength: u32, valueLength: u32, memoryPages: u32): void {
  configureLimits(samples, series, labels, nameLength, valueLength, memoryPages);
}

/**
 * begin: starts a scrape. format 0 = text 0.0.4, 1 = OpenMetrics; timestamp in ms. resolveBatch
 * > 0: the host decides new series while the body streams, and feed() pauses (RESOLVE) when that
 * many are undecided (or sooner, past the sample limit); 0: all at finish.
 */
export function begin(fmt: u8, timestampMs: f64, honorTimestamps: bool, skipErrors: bool, strictOpenMetrics: bool, resolveBatch: u32): void {
  // A failed scrape the host did not abort still must not leave undecided series behind.
  if (failed) forgetUndecided();
  epoch++;
  setEpoch(epoch);
  carry = 0;
  failed = false;
  paused = false;
  resetScrapeLimits(resolveBatch);
  skipBadLines = skipErrors;
  skippedLines = 0;
  bytesConsumed = 0;
  clearError();
  rotateSnapshot(keepPrevious);
  keepPrevious = false;
  resetFamilies();
  resetOpenMetrics();
  resetLexer(fmt, timestampMs, honorTimestamps, strictOpenMetrics);
}

/** inputPtr: where the host writes the next chunk (valid until the next call into the core). */
export function inputPtr(): usize { return windowBase + carry; }
/** inputSpace: how many bytes fit at inputPtr(). */
export function inputSpace(): u32 { return windowCapacity - carry; }

/**
 * Parses one line; in skip mode a bad line is counted and parsing goes on (its error forgotten,
 * so a later fatal one is the one reported), except for what ends a scrape anyway: text after
 * "# EOF" and the limits. Then the memory limit.
 */
function handleLine(p: usize, end: usize): bool {
  if (!parseLine(p, end)) {
    if (!skipBadLines || isFatal(currentErrorCode())) return false;
    skippedLines++;
    clearError();
  }
  if (overMemoryLimit()) {
    setError(ErrorCode.MEMORY_LIMIT, lineNumber, 1);
    return false;
  }
  return true;
}

// @ts-ignore: decorator
@inline function nextLineEnd(p: usize, end: usize): usize {
  // 16 bytes at a time: compare with '\n', take the mask of matches.
  const newline = i8x16.splat(0x0A);
  while (p + 16 <= end) {
    const mask = i8x16.bitmask(i8x16.eq(v128.load(p), newline));
    if (mask != 0) return p + <usize>ctz<u32>(mask);
    p += 16;
  }
  while (p < end && load<u8>(p) != 0x0A) p++;
  return p;
}

/**
 * feed: parses the `length` bytes just written at inputPtr() (complete lines; the rest waits).
 * RESOLVE: paused after a line for the host's decisions on the new series so far; resumeFeed()
 * goes on with the same bytes.
 */
export function feed(length: u32): Status {
  if (failed) return Status.ERROR;
  if (paused || length > windowCapacity - carry) { setError(ErrorCode.BAD_STATE, lineNumber, 0); failed = true; return Status.ERROR; }
  bytesConsumed += <f64>length;
  scanAt = windowBase;
  scanEnd = windowBase + carry + length;
  return scanLines();
}

/**
 * resumeFeed: goes on after RESOLVE, once the host has decided every new series so far (kept,
 * dropped or rewritten): the scrape fails if the samples kept are still past the sample limit.
 */
export function resumeFeed(): Status {
  if (failed) return Status.ERROR;
  if (!paused) { setError(ErrorCode.BAD_STATE, lineNumber, 0); failed = true; return Status.ERROR; }
  paused = false;
  if (undecidedSeries() == 0 && overSampleLimit()) {
    setError(ErrorCode.SAMPLE_LIMIT, lineNumber - 1, 1);
    failed = true;
    return Status.ERROR;
  }
  return scanLines();
}

/** Parses the complete lines in [scanAt, scanEnd); keeps the partial last one for the next feed. */
function scanLines(): Status {
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
  carry = <u32>(end - p);
  if (carry != 0 && p != windowBase) memory.copy(windowBase, p, carry);
  if (carry == windowCapacity) {
    setError(ErrorCode.LINE_TOO_LONG, lineNumber, windowCapacity);
    failed = true;
    return Status.ERROR;
  }
  return Status.OK;
}


/** finish: end of body. Parses a last line without newline, finds stale series, evicts old ones. */
export function finish(): Status {
  if (failed) return Status.ERROR;
  if (paused) { setError(ErrorCode.BAD_STATE, lineNumber, 0); failed = true; return Status.ERROR; }
  // Where the input ends: after the last line feed, or at the end of a last line without one.
  let endLine = lineNumber;
  let endColumn: u32 = 1;
  if (carry != 0) {
    if (!handleLine(windowBase, windowBase + carry)) { failed = true; return Status.ERROR; }
    endColumn = carry + 1;
    bumpLine();
    carry = 0;
  }
  // The host decides the rest now, and checks the sample limit on what it kept (resolveDone).
  resetPause();
  if (format == FORMAT_OPENMETRICS) {
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
      s.flags |= SERIES_STALE_NOW;
    }
  }
  evictOld();
  const stale = staleRefs.length >> 2;
  for (let i: u32 = 0; i < stale; i++) seriesAt(load<u32>(staleRefs.data + (<usize>i << 2))).flags &= ~SERIES_STALE_NOW;
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
    if (s.state != SeriesState.FREE && s.lastSeen < limit && (s.flags & SERIES_STALE_NOW) == 0) {
      evictSeries(ref);
      evictedRefs.pushU32(ref);
      evictedCount++;
    }
  }
  if (evictedCount != 0) reclaimEvicted(evictedRefs);
}

/** abortScrape: the host gave up on this scrape (a timeout, a limit): samples are discarded. */
export function abortScrape(): void {
  forgetUndecided();
  failed = true;
  // Nothing of this scrape is kept: the columns are emptied, and the refs of the last good
  // scrape stay the reference for staleness (begin() keeps them instead of rotating).
  refs.clear();
  values.clear();
  timestamps.clear();
  staleRefs.clear();
  exemplars.clear();
  keepPrevious = true;
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

// ---- New series: the host's decisions ----

/** newSeriesCount: how many series this scrape created. */
export function newSeriesCount(): u32 { return newRefs.length >> 2; }
/** newSeriesRef: the ref of the i-th new series. */
export function newSeriesRef(i: u32): u32 { return load<u32>(newRefs.data + (<usize>i << 2)); }
/**
 * labelsPtr/labelsLen: a series' labels as remote-write 1.0 `repeated Label` bytes, written to a
 * scratch buffer (valid until the next call; may grow memory); 0 for a dropped series.
 */
export function labelsPtr(ref: u32): usize { return seriesAt(ref).labels == 0 ? 0 : labelsBytes(ref); }
export function labelsLen(ref: u32): u32 { return seriesAt(ref).labelsLen; }
/** keep: the series is encoded as parsed. */
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
/** drop: the series is never encoded (until evicted). */
export function drop(ref: u32): void {
  leaveCount(ref);
  dropSeries(ref);
}
/** rewriteBufferPtr: space for `length` bytes of new labels (may grow memory: rebuild views). */
export function rewriteBufferPtr(length: u32): usize {
  rewriteBuffer.clear();
  rewriteBuffer.reserve(length);
  return rewriteBuffer.data;
}
/** rewrite: the series' labels become the `length` bytes (remote-write 1.0 labels, sorted) at rewriteBufferPtr. */
export function rewrite(ref: u32, length: u32): void {
  replaceLabels(ref, rewriteBuffer.data, length);
  keep(ref);
  seriesAt(ref).state = <u8>SeriesState.KEPT;
}
/**
 * targetLabels: the `targetLen` + `externalLen` bytes at rewriteBufferPtr are a scrape job's
 * target labels and external labels (remote-write 1.0 labels, sorted, no empty values), which
 * autoResolve() merges into new series (targetlabels.ts). 0 + 0 turns that off.
 */
export function targetLabels(targetLen: u32, externalLen: u32, honorLabels: bool): void {
  setTargetLabels(rewriteBuffer.data, targetLen, externalLen, honorLabels);
}
/**
 * autoResolve: merges the target labels into the new series [from, to) still pending, which
 * become kept; returns how many are left pending for the host (a label collides with a target
 * label, or no target labels are set).
 */
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
/** forget: evict a series now (it failed a limit: the next scrape decides again). */
export function forget(ref: u32): void {
  const s = seriesAt(ref);
  if (s.state == SeriesState.FREE) return;
  leaveCount(ref);
  evictSeries(ref);
  evictedRefs.clear();
  evictedRefs.pushU32(ref);
  reclaimEvicted(evictedRefs);
}
/** resolveDone: every series still pending is kept; returns the samples kept (post relabeling). */
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

// ---- Rebuilding a smaller instance (host: Core.rebuild) ----

/** seriesLastSeen: the epoch of the last scrape that had the series. */
export function seriesLastSeen(ref: u32): u32 { return seriesAt(ref).lastSeen; }
/** seriesCapacityNow: refs run from 1 to this (exclusive). */
export function seriesRefLimit(): u32 { return seriesCapacity(); }
export function currentEpoch(): u32 { return epoch; }
/** lastTimestamp: the current scrape's timestamp (ms). */
export function lastTimestamp(): f64 { return scrapeTimestamp; }
/** restore: a new instance continues the old one's epoch and scrape timestamp. */
export function restore(oldEpoch: u32, timestampMs: f64): void {
  epoch = oldEpoch;
  setEpoch(epoch);
  resetLexer(0, timestampMs, true);
}
/** importSeries: a kept series of the old instance, its labels (`length` bytes at rewriteBufferPtr). */
export function importSeries(length: u32, state: u8, lastSeen: u32): u32 {
  const ref = createSeries(rewriteBuffer.data, length);
  insertCanonicalKey(ref, rewriteBuffer.data, length);
  deriveSeriesInfo(ref);
  const s = seriesAt(ref);
  s.state = state;
  s.lastSeen = lastSeen;
  return ref;
}
/** importSample: one sample of the old instance's last scrape. */
export function importSample(ref: u32, value: f64, timestampMs: f64): void { appendSample(ref, value, timestampMs); }
/** importStale: one series the old instance's last scrape found stale. */
export function importStale(ref: u32): void { staleRefs.pushU32(ref); }
/**
 * keepsPrevious/previousCount/previousRefsPtr: after an aborted scrape, the refs of the last good
 * one stay the reference for staleness; a rebuild carries them over (importPrevious).
 */
export function keepsPrevious(): bool { return keepPrevious; }
export function previousCount(): u32 { return previousRefs.length >> 2; }
export function previousRefsPtr(): usize { return previousRefs.data; }
/** importPrevious: one series of the old instance's staleness reference; the next begin() keeps them. */
export function importPrevious(ref: u32): void {
  previousRefs.pushU32(ref);
  keepPrevious = true;
}

// ---- Encoding ----

/** encodeBegin: protocol 1 = remote write 1.0, 2 = 2.0; at most maxSamples per request (0: no limit). */
export function encodeBegin(protocol: u8, maxSamples: u32, includeStale: bool): void {
  beginEncoding(protocol, maxSamples, includeStale);
}
/** encodeNext: writes the next request at outputPtr(); returns its length (0: done). */
export function encodeNext(): u32 {
  const len = nextRequest();
  // Room for compressing it, reserved now: compressOutput() then never grows memory, so views
  // the host already holds stay valid.
  if (len != 0) reserveCompressed(len);
  return len;
}
/** encodeMetadata: a remote-write 1.0 metadata request for this scrape's families at outputPtr(). */
export function encodeMetadata(): u32 { return encodeMetadataRw1(); }
/** outputPtr: the request written by the last encode call (valid until the next one). */
export function outputPtr(): usize { return output.data; }
/** compressOutput: snappy-compresses the last request; the result is at compressedPtr() (valid until the next call). */
export function compressOutput(): u32 { return snappyCompress(output.data, output.length); }
export function compressedPtr(): usize { return compressed.data; }
/** requestSamples: samples in the last request. */
export function requestSamples(): u32 { return encodedSamples; }

// ---- Snapshot columns ----

/** snapshotLength: samples in the current scrape. */
export function snapshotLength(): u32 { return sampleCount(); }
export function snapshotRefs(): usize { return refs.data; }
export function snapshotValues(): usize { return values.data; }
export function snapshotTimestamps(): usize { return timestamps.data; }
export function staleCount(): u32 { return staleRefs.length >> 2; }
export function staleRefsPtr(): usize { return staleRefs.data; }
export function seriesState(ref: u32): u8 { return seriesAt(ref).state; }
export function seriesFamily(ref: u32): u32 { return seriesAt(ref).family; }

// ---- Statistics and errors ----

export function statFamilies(): u32 { return countFamilies(); }
export function statSkippedLines(): u32 { return skippedLines; }
export function statBytes(): f64 { return bytesConsumed; }
export function statDuplicates(): u32 { return duplicateSamples; }
export function statEvicted(): u32 { return evictedCount; }
export function statSeries(): u32 { return seriesCount(); }
export function statLabelArenaBytes(): f64 { return <f64>labelArenaBytes(); }
export function statLabelTextBytes(): f64 { return <f64>labelTextBytes(); }
export function statLabelPairs(): u32 { return pairCount(); }
export function statIndexBytes(): f64 { return <f64>indexBytes(); }
export function statSymbolBytes(): f64 { return <f64>symbolBytes(); }
export function statSymbols(): u32 { return symbolCount(); }
/** statCountedSamples: samples of this scrape counted against the sample limit (kept or undecided). */
export function statCountedSamples(): u32 { return countedSampleTotal(); }
export function exemplarCount(): u32 { return exemplars.length >> 5; }
export function errorCode(): u32 { return currentErrorCode(); }
export function errorLine(): u32 { return currentErrorLine(); }
export function errorColumn(): u32 { return currentErrorColumn(); }

/** compact: gives back memory after a spike (column capacity, index size). */
export function compact(): void { shrinkSnapshot(); }

// ---- Batches (a dedicated instance: src/core/batch-codec.ts; no scrape state involved) ----

/**
 * batchInput/batchCompressRw1/batchCompressRw2/batchOutput: several requests as one, compressed
 * once (batch.ts): 1.0 requests back to back, or 2.0 requests merged into one symbol table.
 */
export { batchInput, batchCompressRw1, batchCompressRw2, batchOutput } from "./batch";
