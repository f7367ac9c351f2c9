// OpenMetrics exemplars: ` # {labels} value [timestamp]` after a sample. Kept per scrape (their
// labels encoded as remote-write `repeated Label` bytes in the scrape arena) for remote-write 2.0.

import { Char, isLabelStart, isLabelChar } from "./chars";
import { ErrorCode } from "./status";
import { omStrict, fail, failCame } from "./scrape-state";
import { unquote, validUtf8, countRunes } from "./tokens";
import { scanKey } from "./key";
import { scratch } from "./labels";
import { labelSize, writeLabel } from "./label";
import { sortEncodedLabels } from "./labelsort";
import { Series } from "./series";
import { scrapeArena } from "./families";
import { exemplars, EXEMPLAR_SIZE } from "./snapshot";
import { parseFloatBytes, parsedNumber } from "./number";
import { omExemplarAllowed } from "./openmetrics";

/** The longest exemplar label set, in characters of names and values (OpenMetrics 1.0). */
const EXEMPLAR_MAX_RUNES: u32 = 128;

/**
 * Parses the exemplar at p (its '#') for a sample of series s, to the end of the line, and adds
 * its record; the caller fills in the sample index once the sample is kept.
 */
export function parseExemplar(p: usize, end: usize, s: Series): bool {
  if (omStrict && !omExemplarAllowed(s)) return fail(ErrorCode.EXEMPLAR_NOT_ALLOWED, p);
  p++;
  if (p >= end || load<u8>(p) != Char.SPACE) return fail(ErrorCode.INVALID_EXEMPLAR, p);
  p++;
  if (p >= end || load<u8>(p) != Char.OPEN_BRACE) return fail(ErrorCode.INVALID_EXEMPLAR, p);
  const labelsEnd = scanKey(p, end);
  if (labelsEnd == 0) return false;
  const labelsOffset = scrapeArena.length;
  const runes = parseExemplarLabels(p, labelsEnd);
  if (runes < 0) return false;
  if (<u32>runes > EXEMPLAR_MAX_RUNES) return fail(ErrorCode.EXEMPLAR_TOO_LONG, p);
  // Sorted by name, as every label set (Prometheus sorts exemplar labels too); no name twice.
  if (!sortEncodedLabels(scrapeArena.data + labelsOffset, scrapeArena.length - labelsOffset)) return fail(ErrorCode.INVALID_EXEMPLAR, p);
  p = labelsEnd;
  if (p >= end || load<u8>(p) != Char.SPACE) return fail(ErrorCode.INVALID_EXEMPLAR, p);
  p++;
  let tokenEnd = p;
  while (tokenEnd < end && load<u8>(tokenEnd) != Char.SPACE) tokenEnd++;
  if (!parseFloatBytes(p, tokenEnd, true)) return fail(ErrorCode.INVALID_EXEMPLAR, p);
  const value = parsedNumber;
  let timestamp: f64 = NaN;
  if (tokenEnd < end) {
    p = tokenEnd + 1;
    if (!parseFloatBytes(p, end, false)) return fail(ErrorCode.INVALID_EXEMPLAR, p);
    timestamp = Math.round(parsedNumber * 1000);
  }
  const at = exemplars.reserve(EXEMPLAR_SIZE);
  store<u32>(at, 0);
  store<u32>(at, labelsOffset, 4);
  store<u32>(at, scrapeArena.length - labelsOffset, 8);
  store<u32>(at, 0, 12);
  store<f64>(at, value, 16);
  store<f64>(at, timestamp, 24);
  exemplars.length += EXEMPLAR_SIZE;
  return true;
}

/**
 * Parses `{name="value",...}` at [p, labelsEnd) (p at '{') into the scrape arena, as encoded
 * labels; returns the characters of their names and values, or -1 on error (reported).
 */
function parseExemplarLabels(p: usize, labelsEnd: usize): i32 {
  scratch.clear();
  let q = p + 1;
  let runes: u32 = 0;
  let first = true;
  while (true) {
    let c = load<u8>(q);
    if (c == Char.CLOSE_BRACE) break;
    if (!first) {
      if (c != Char.COMMA) return failed(ErrorCode.INVALID_EXEMPLAR, q);
      q++;
      c = load<u8>(q);
    }
    first = false;
    // The name: bare, or quoted (any UTF-8, as Prometheus's lexer reads it in an exemplar).
    const nameOffset = scratch.length;
    if (c == Char.QUOTE) {
      const at = q;
      q = unquote(q, labelsEnd, scratch);
      if (q == 0) return -1;
      const quotedLen = scratch.length - nameOffset;
      if (quotedLen == 0) return failed(ErrorCode.INVALID_EXEMPLAR, at);
      if (!validUtf8(scratch.data + nameOffset, quotedLen)) {
        failCame(ErrorCode.INVALID_UTF8, at, scratch.data + nameOffset, scratch.data + scratch.length);
        return -1;
      }
    } else {
      if (!isLabelStart(c)) return failed(ErrorCode.INVALID_EXEMPLAR, q);
      const nameStart = q;
      while (q < labelsEnd && isLabelChar(load<u8>(q))) q++;
      scratch.pushBytes(nameStart, <u32>(q - nameStart));
    }
    const nameLen = scratch.length - nameOffset;
    if (load<u8>(q) != Char.EQUAL || load<u8>(q + 1) != Char.QUOTE) return failed(ErrorCode.INVALID_EXEMPLAR, q);
    const valueOffset = scratch.length;
    q = unquote(q + 1, labelsEnd, scratch);
    if (q == 0) return -1;
    // Pointers into scratch only now: unquoting may have moved it.
    const name = scratch.data + nameOffset;
    const value = scratch.data + valueOffset;
    const valueLen = scratch.length - valueOffset;
    if (!validUtf8(value, valueLen)) {
      failCame(ErrorCode.INVALID_UTF8, q, value, value + valueLen);
      return -1;
    }
    runes += countRunes(name, nameLen) + countRunes(value, valueLen);
    const at = scrapeArena.reserve(labelSize(nameLen, valueLen));
    scrapeArena.length += <u32>(writeLabel(at, name, nameLen, value, valueLen) - at);
  }
  return <i32>runes;
}

// @ts-ignore: decorator
@inline function failed(code: ErrorCode, at: usize): i32 {
  fail(code, at);
  return -1;
}
