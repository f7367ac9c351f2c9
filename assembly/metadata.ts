// Comment lines: HELP, TYPE and UNIT (a family's metadata, copied into the scrape arena), "# EOF"
// (OpenMetrics), and plain comments (text format only).

import { Char, isNameStart, isNameChar } from "./chars";
import { Format } from "./enums";
import { ErrorCode } from "./status";
import { hash64, Seed } from "./hash";
import {
  format, omStrict, currentFamily, lineStart, lineEnd, fail, failCame, markEof, setCurrentFamily,
} from "./scrape-state";
import { skipBlanks, skipQuoted, unquote, validUtf8, wordIs } from "./tokens";
import { scratch } from "./labels";
import {
  Family, MetricType, NO_FAMILY, F_TYPE, F_HELP, F_UNIT, F_SAMPLES, F_CLOSED, F_DECLARED,
  scrapeArena, familyAt, findFamily, addFamily,
} from "./families";
import { omSwitchFamily, omTypeClashes, omFinish } from "./openmetrics";

/** The metadata keywords as little-endian u32 words, compared in one load. */
const enum Keyword {
  HELP = 0x504C4548,
  TYPE = 0x45505954,
  UNIT = 0x54494E55,
}

/** Parses a line starting with '#' at p. */
export function parseComment(p: usize, end: usize): bool {
  const hashAt = p;
  p++;
  // "# HELP ", "# TYPE ", "# UNIT ", "# EOF"
  if (p + 1 < end && load<u8>(p) == Char.SPACE) {
    const word = p + 1;
    if (word + 4 <= end) {
      const w = load<u32>(word);
      if (w == Keyword.HELP || w == Keyword.TYPE || w == Keyword.UNIT) {
        if (word + 4 == end || load<u8>(word + 4) == Char.SPACE) {
          if (w == Keyword.UNIT && format == Format.TEXT) return true;
          return parseMetadata(w, word + 4, end);
        }
      }
    }
    if (format == Format.OPENMETRICS && wordIs(word, end, "EOF")) {
      markEof();
      // The last family ends here: its last histogram is checked now, before any text after it.
      return !omStrict || omFinish(hashAt);
    }
  }
  if (format == Format.OPENMETRICS) return failCame(ErrorCode.INVALID_COMMENT, hashAt, hashAt, end);
  return true;
}

/** Parses the rest of a HELP/TYPE/UNIT line starting at the space after the keyword. */
function parseMetadata(kind: u32, p: usize, end: usize): bool {
  if (format == Format.TEXT) {
    // As in expfmt: "# HELP" or "# TYPE" without a name (or without text after it) is a comment.
    let q = skipBlanks(p, end);
    if (q == end) return true;
    if (isNameStart(load<u8>(q))) {
      while (q < end && isNameChar(load<u8>(q))) q++;
      if (skipBlanks(q, end) == end) return true;
    } else if (load<u8>(q) == Char.QUOTE) {
      q = skipQuoted(q, end);
      if (q != 0 && skipBlanks(q, end) == end) return true;
    }
  }
  if (p >= end) return fail(ErrorCode.INVALID_METRIC_NAME, p);
  p++;
  if (format == Format.TEXT) p = skipBlanks(p, end);
  // Metric family name, bare or quoted.
  scratch.clear();
  let nameStart = p;
  let nameLen: u32;
  if (p < end && load<u8>(p) == Char.QUOTE) {
    const after = unquote(p, end, scratch);
    if (after == 0) return false;
    nameStart = scratch.data;
    nameLen = scratch.length;
    if (nameLen == 0 || !validUtf8(nameStart, nameLen)) return failCame(ErrorCode.INVALID_METRIC_NAME, p, p, after);
    p = after;
  } else {
    if (p >= end || !isNameStart(load<u8>(p))) return fail(ErrorCode.INVALID_METRIC_NAME, p);
    while (p < end && isNameChar(load<u8>(p))) p++;
    nameLen = <u32>(p - nameStart);
  }
  // The text after the name: a single space, then the rest of the line.
  let text = p;
  if (p < end) {
    if (load<u8>(p) != Char.SPACE) return fail(ErrorCode.INVALID_METRIC_NAME, p);
    text = p + 1;
    if (format == Format.TEXT) text = skipBlanks(text, end);
  } else if (format == Format.OPENMETRICS) {
    return fail(kind == Keyword.TYPE ? ErrorCode.INVALID_TYPE : kind == Keyword.HELP ? ErrorCode.INVALID_HELP : ErrorCode.INVALID_UNIT, p);
  }
  const nameHash = hash64(nameStart, nameLen, Seed.NAME);
  let f = findFamily(nameHash);
  if (format == Format.OPENMETRICS && omStrict) {
    if (f != NO_FAMILY) {
      const fam = familyAt(f);
      if (f != currentFamily || (fam.flags & F_CLOSED) != 0) return failCame(ErrorCode.CLASHING_FAMILY, lineStart, nameStart, nameStart + nameLen);
      if ((fam.flags & F_SAMPLES) != 0) return failCame(ErrorCode.METADATA_AFTER_SAMPLES, lineStart, lineStart, lineEnd);
      const bit: u8 = kind == Keyword.HELP ? F_HELP : kind == Keyword.TYPE ? F_TYPE : F_UNIT;
      if ((fam.flags & bit) != 0) return failCame(ErrorCode.DUPLICATE_METADATA, lineStart, lineStart, lineEnd);
    } else {
      f = addFamily(nameHash, nameStart, nameLen);
      if (!omSwitchFamily(f, lineStart)) return false;
      setCurrentFamily(f);
    }
  } else {
    if (f == NO_FAMILY) f = addFamily(nameHash, nameStart, nameLen);
    setCurrentFamily(f);
  }
  const fam = familyAt(f);
  if (fam.nameLen == 0 && (fam.flags & F_DECLARED) == 0) {
    // An implicit family (samples came first, text format) gets its name now.
    fam.nameOffset = scrapeArena.length;
    fam.nameLen = nameLen;
    scrapeArena.pushBytes(nameStart, nameLen);
  }
  fam.flags |= F_DECLARED;
  if (kind == Keyword.TYPE) return parseType(fam, text, end, nameStart, nameLen);
  if (kind == Keyword.HELP) return parseHelp(fam, text, end);
  return parseUnit(fam, text, end, nameStart, nameLen);
}

/**
 * A metadata line that fails leaves its family as it was: with onParseError skip the line is
 * skipped, and what it said must not reach the metadata sent (a HELP that is not UTF-8 would
 * make the receiver refuse the whole request).
 */
function parseType(fam: Family, p: usize, end: usize, name: usize, nameLen: u32): bool {
  const type = fam.type;
  const flags = fam.flags;
  if (parseTypeText(fam, p, end, name, nameLen)) return true;
  fam.type = type;
  fam.flags = flags;
  return false;
}

function parseTypeText(fam: Family, p: usize, end: usize, name: usize, nameLen: u32): bool {
  let t: i32 = -1;
  if (wordIs(p, end, "counter")) t = MetricType.COUNTER;
  else if (wordIs(p, end, "gauge")) t = MetricType.GAUGE;
  else if (wordIs(p, end, "histogram")) t = MetricType.HISTOGRAM;
  else if (wordIs(p, end, "summary")) t = MetricType.SUMMARY;
  else if (format == Format.TEXT) {
    if (wordIs(p, end, "untyped")) t = MetricType.UNKNOWN;
  } else {
    if (wordIs(p, end, "unknown")) t = MetricType.UNKNOWN;
    else if (wordIs(p, end, "gaugehistogram")) t = MetricType.GAUGEHISTOGRAM;
    else if (wordIs(p, end, "info")) t = MetricType.INFO;
    else if (wordIs(p, end, "stateset")) t = MetricType.STATESET;
  }
  if (t < 0) return failCame(ErrorCode.INVALID_TYPE, p, p, end);
  fam.type = <u8>t;
  fam.flags |= F_TYPE;
  if (format == Format.OPENMETRICS && omStrict && omTypeClashes(currentFamily, name, nameLen)) return failCame(ErrorCode.CLASHING_FAMILY, lineStart, name, name + nameLen);
  if (format == Format.OPENMETRICS && (fam.flags & F_UNIT) != 0 && !unitFits(fam, name, nameLen)) return failCame(ErrorCode.INVALID_UNIT, p, p, end);
  return true;
}

function parseHelp(fam: Family, p: usize, end: usize): bool {
  const previousOffset = fam.helpOffset;
  fam.helpOffset = scrapeArena.length;
  while (p < end) {
    const c = load<u8>(p);
    if (c == Char.BACKSLASH && p + 1 < end) {
      const e = load<u8>(p + 1);
      if (e == Char.LOWER_N) { scrapeArena.pushU8(<u8>Char.NEWLINE); p += 2; continue; }
      if (e == Char.BACKSLASH) { scrapeArena.pushU8(<u8>Char.BACKSLASH); p += 2; continue; }
      if (e == Char.QUOTE && format == Format.OPENMETRICS) { scrapeArena.pushU8(<u8>Char.QUOTE); p += 2; continue; }
    }
    scrapeArena.pushU8(c);
    p++;
  }
  const helpLen = scrapeArena.length - fam.helpOffset;
  const help = scrapeArena.data + fam.helpOffset;
  if (!validUtf8(help, helpLen)) {
    fam.helpOffset = previousOffset;
    return failCame(ErrorCode.INVALID_UTF8, lineStart, help, help + helpLen);
  }
  fam.helpLen = helpLen;
  fam.flags |= F_HELP;
  return true;
}

function parseUnit(fam: Family, p: usize, end: usize, name: usize, nameLen: u32): bool {
  const offset = fam.unitOffset;
  const len = fam.unitLen;
  const flags = fam.flags;
  fam.unitOffset = scrapeArena.length;
  fam.unitLen = <u32>(end - p);
  scrapeArena.pushBytes(p, fam.unitLen);
  fam.flags |= F_UNIT;
  if (unitFits(fam, name, nameLen)) return true;
  fam.unitOffset = offset;
  fam.unitLen = len;
  fam.flags = flags;
  return failCame(ErrorCode.INVALID_UNIT, p, p, end);
}

/** OpenMetrics: a family with a unit must be named ..._<unit>; units are not allowed on info/stateset. */
function unitFits(fam: Family, name: usize, nameLen: u32): bool {
  const unitLen = fam.unitLen;
  if (unitLen == 0) return true;
  if ((fam.flags & F_TYPE) != 0 && (fam.type == MetricType.INFO || fam.type == MetricType.STATESET)) return false;
  if (nameLen <= unitLen + 1) return false;
  const at = name + nameLen - unitLen;
  if (load<u8>(at - 1) != Char.UNDERSCORE) return false;
  return memory.compare(at, scrapeArena.data + fam.unitOffset, unitLen) == 0;
}
