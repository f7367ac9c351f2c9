// What every part of the parser reads about the scrape and the line in hand: the format, the
// line's number and bounds, the scrape's timestamp and epoch, the current family. Set by the
// scrape lifecycle (scrape.ts) and the line parser; read everywhere else. Also `fail`, the one
// way a parse error is reported.

import { ErrorCode, setError, setErrorText } from "./status";
import { Format } from "./enums";
import { NO_FAMILY } from "./families";
import { tokenEnd } from "./chars";

export let format: Format = Format.TEXT;
/**
 * OpenMetrics' family-level rules (grouping, histogram points, counter values, clashing names)
 * are checked only when strict; syntax is checked always. Scrapes run without them, as
 * Prometheus' parser does: a real client library's output breaks some of them.
 */
export let omStrict: bool = true;
export let lineNumber: u32 = 1;
/** The current line [lineStart, lineEnd): error columns are counted from lineStart. */
export let lineStart: usize = 0;
export let lineEnd: usize = 0;
export let scrapeTimestamp: f64 = 0;
export let honorTimestamps: bool = true;
export let sawEof: bool = false;
/** The family of the last sample or metadata line (families.ts), or NO_FAMILY. */
export let currentFamily: u32 = NO_FAMILY;
/** Samples dropped because their series was seen before in this scrape. */
export let duplicateSamples: u32 = 0;
/** The scrape's number: a series' lastSeen is the epoch of the last scrape that had it. */
export let epoch: u32 = 0;

/** A scrape begins (or a rebuilt core continues one: restoreScrape). */
export function resetScrapeState(fmt: Format, timestamp: f64, honor: bool, strict: bool): void {
  format = fmt;
  omStrict = strict;
  lineNumber = 1;
  scrapeTimestamp = timestamp;
  honorTimestamps = honor;
  sawEof = false;
  currentFamily = NO_FAMILY;
  duplicateSamples = 0;
}

// @ts-ignore: decorator
@inline export function nextEpoch(): void { epoch++; }
// @ts-ignore: decorator
@inline export function setEpoch(e: u32): void { epoch = e; }
// @ts-ignore: decorator
@inline export function startLine(p: usize, end: usize): void { lineStart = p; lineEnd = end; }
// @ts-ignore: decorator
@inline export function setLineStart(p: usize): void { lineStart = p; }
// @ts-ignore: decorator
@inline export function bumpLine(): void { lineNumber++; }
// @ts-ignore: decorator
@inline export function markEof(): void { sawEof = true; }
// @ts-ignore: decorator
@inline export function setCurrentFamily(f: u32): void { currentFamily = f; }
// @ts-ignore: decorator
@inline export function countDuplicate(): void { duplicateSamples++; }

/** Reports an error at `at` on the current line, what came being the token there; returns false. */
export function fail(code: ErrorCode, at: usize): bool {
  return failCame(code, at, at, tokenEnd(at, lineEnd));
}

/** Reports an error at `at` on the current line that needs no "what came" (a blank line); returns false. */
export function failHere(code: ErrorCode, at: usize): bool {
  setError(code, lineNumber, <u32>(at - lineStart) + 1);
  return false;
}

/** Reports an error at `at` on the current line, what came being [came, cameEnd); returns false. */
export function failCame(code: ErrorCode, at: usize, came: usize, cameEnd: usize): bool {
  if (setError(code, lineNumber, <u32>(at - lineStart) + 1)) setErrorText(came, <u32>(cameEnd - came));
  return false;
}
