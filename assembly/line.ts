// One complete line of exposition text (Prometheus text 0.0.4 or OpenMetrics 1.0), out of the
// input window: scrape.ts finds the lines and carries a partial last line over to the next chunk.
//
// The hot path for a series already seen: find the end of `name{...}` (quotes respected), hash
// those raw bytes, one probe in the series index, parse the value and timestamp, append three
// columns. It allocates nothing. Labels are parsed, validated, sorted and encoded only for a key
// never seen before (newseries.ts).

import { Char, isBlank } from "./chars";
import { Format, SeriesState } from "./enums";
import { ErrorCode } from "./status";
import {
  format, omStrict, sawEof, scrapeTimestamp, honorTimestamps, currentFamily, epoch, lineStart,
  fail, failCame, failHere, startLine, setCurrentFamily, countDuplicate,
} from "./scrape-state";
import { skipBlanks } from "./tokens";
import { scanKey } from "./key";
import { rawKey } from "./canonical";
import { newSeries } from "./newseries";
import { parseComment } from "./metadata";
import { parseExemplar } from "./exemplars";
import { Series, seriesAt, lookup, seriesBound } from "./series";
import { pairAt } from "./pairs";
import { MetricType, Suffix, NO_FAMILY, F_SAMPLES, familyAt, findFamily, addFamily, suffixAllowed } from "./families";
import { appendSample, exemplars, sampleCount, EXEMPLAR_SIZE } from "./snapshot";
import { parseFloatBytes, parseIntBytes, parsedNumber } from "./number";
import { omSample, omSwitchFamily } from "./openmetrics";
import { sampleCounted } from "./limits";
import { convertsSample, collectClassic } from "./nhcb";
import { alwaysScrapeClassicHistograms } from "./histograms";
import { zeroIngestion, awaitCreated, createdLine } from "./start-timestamps";
import { groupHashOf } from "./seriesinfo";

/** Parses one complete line [p, end) (no newline). Returns false on error (already reported). */
export function parseLine(p: usize, end: usize): bool {
  startLine(p, end);
  if (sawEof) return failCame(ErrorCode.TEXT_AFTER_EOF, p, p, end);
  if (format == Format.TEXT) {
    p = skipBlanks(p, end);
    if (p == end) return true;
  } else if (p == end) {
    return failHere(ErrorCode.BLANK_LINE, p);
  }
  if (load<u8>(p) == Char.HASH) return parseComment(p, end);
  return parseSample(p, end);
}

/** Where the token at p ends: at the next blank or the end of the line. */
// @ts-ignore: decorator
@inline function tokenAt(p: usize, end: usize): usize {
  while (p < end && !isBlank(load<u8>(p))) p++;
  return p;
}

function parseSample(p: usize, end: usize): bool {
  const keyStart = p;
  const keyEnd = scanKey(p, end);
  if (keyEnd == 0) return false;
  const key = rawKey(keyStart, keyEnd - keyStart, format);
  let ref = lookup(key);
  if (ref == 0) {
    ref = newSeries(keyStart, keyEnd, key);
    if (ref == 0) return false;
  }
  p = keyEnd;
  // Value: after one space (OpenMetrics), or after blanks or directly after '}' (text).
  if (format == Format.TEXT) {
    if (p < end && !isBlank(load<u8>(p)) && load<u8>(p - 1) != Char.CLOSE_BRACE) return fail(ErrorCode.EXPECTED_VALUE, p);
    p = skipBlanks(p, end);
  } else {
    if (p >= end || load<u8>(p) != Char.SPACE) return fail(ErrorCode.EXPECTED_VALUE, p);
    p++;
  }
  const valueAt = p;
  let tokenEnd = tokenAt(p, end);
  if (tokenEnd == p) return fail(ErrorCode.EXPECTED_VALUE, p);
  if (!parseFloatBytes(p, tokenEnd, true)) return failCame(ErrorCode.INVALID_VALUE, p, p, tokenEnd);
  const value = parsedNumber;
  const valueEnd = tokenEnd;
  p = tokenEnd;
  // Optional timestamp, then (OpenMetrics) an optional exemplar; each after one separator.
  let timestamp = scrapeTimestamp;
  let hasTimestamp = false;
  let exemplarAt: usize = 0;
  if (p < end) {
    p++;
    if (format == Format.TEXT) p = skipBlanks(p, end);
    else if (p == end) return fail(ErrorCode.UNEXPECTED_TEXT, p);
    if (p < end && load<u8>(p) != Char.HASH) {
      tokenEnd = tokenAt(p, end);
      if (format == Format.TEXT) {
        if (!parseIntBytes(p, tokenEnd)) return failCame(ErrorCode.INVALID_TIMESTAMP, p, p, tokenEnd);
      } else {
        if (!parseFloatBytes(p, tokenEnd, false)) return failCame(ErrorCode.INVALID_TIMESTAMP, p, p, tokenEnd);
        parsedNumber = Math.round(parsedNumber * 1000);
      }
      hasTimestamp = true;
      if (honorTimestamps) timestamp = parsedNumber;
      p = tokenEnd;
      if (p < end) {
        p++;
        if (format == Format.TEXT) p = skipBlanks(p, end);
        else if (p == end) return fail(ErrorCode.UNEXPECTED_TEXT, p);
      }
    }
    if (p < end) {
      if (format == Format.OPENMETRICS && load<u8>(p) == Char.HASH) exemplarAt = p;
      else return failCame(ErrorCode.UNEXPECTED_TEXT, p, p, tokenAt(p, end));
    }
  }
  const s = seriesAt(ref);
  // A series seen again in this scrape keeps the family of its first sample, the one sent.
  const firstFamily = s.family;
  if (!assignFamily(s, keyStart)) return false;
  if (s.boundPair != 0 && (format == Format.TEXT ? isNaN(seriesBound(s)) : !pairAt(s.boundPair).openMetricsBound)) {
    // le on a histogram bucket and quantile on a summary sample must be numbers (OpenMetrics:
    // real numbers or exactly "+Inf"/"-Inf"); elsewhere those are plain labels.
    const type = <i32>familyAt(s.family).type;
    if ((type == MetricType.HISTOGRAM || (type == MetricType.GAUGEHISTOGRAM && format == Format.OPENMETRICS)) && s.suffix == Suffix.BUCKET) return failCame(ErrorCode.INVALID_BUCKET, keyStart, keyStart, keyEnd);
    if (type == MetricType.SUMMARY && s.suffix == Suffix.NONE) return failCame(ErrorCode.INVALID_QUANTILE, keyStart, keyStart, keyEnd);
  }
  if (format == Format.OPENMETRICS && omStrict) {
    if (!omSample(s, ref, value, hasTimestamp, timestamp, keyStart, valueAt, valueEnd)) return false;
  }
  if (exemplarAt != 0 && !parseExemplar(exemplarAt, end, s)) return false;
  // created_timestamp_zero_ingestion (start-timestamps.ts): in a counter, summary or histogram
  // family, a `_created` line is the start timestamp of the samples before it, not a series.
  let awaitsCreated = false;
  if (zeroIngestion && format == Format.OPENMETRICS) {
    const type = <i32>familyAt(s.family).type;
    if (type == MetricType.COUNTER || type == MetricType.SUMMARY || type == MetricType.HISTOGRAM) {
      if (s.suffix == Suffix.CREATED) {
        createdLine(s.family, groupHashOf(ref), value);
        s.lastSeen = epoch;
        if (exemplarAt != 0) exemplars.length -= EXEMPLAR_SIZE;
        return true;
      }
      awaitsCreated = true;
    }
  }
  // convert_classic_histograms_to_nhcb (nhcb.ts): the sample goes to its histogram; the classic
  // series itself is ingested only with always_scrape_classic_histograms.
  if (convertsSample(s) && s.lastSeen != epoch) {
    if (!collectClassic(ref, value, timestamp)) return false;
    if (!alwaysScrapeClassicHistograms) {
      s.lastSeen = epoch;
      if (exemplarAt != 0) exemplars.length -= EXEMPLAR_SIZE;
      return true;
    }
  }
  if (s.lastSeen == epoch) {
    s.family = firstFamily;
    countDuplicate();
    if (exemplarAt != 0) exemplars.length -= EXEMPLAR_SIZE;
    return true;
  }
  s.lastSeen = epoch;
  if (exemplarAt != 0) store<u32>(exemplars.data + exemplars.length - EXEMPLAR_SIZE, sampleCount());
  if (awaitsCreated) awaitCreated(s.family, sampleCount(), groupHashOf(ref));
  appendSample(ref, value, timestamp);
  if (s.state != SeriesState.DROPPED) {
    const limitError = sampleCounted();
    if (limitError != ErrorCode.NONE) return fail(limitError, lineStart);
  }
  return true;
}

/** Finds (or creates) the family a sample of series `s` belongs to. */
function assignFamily(s: Series, keyStart: usize): bool {
  let f = currentFamily;
  if (f != NO_FAMILY) {
    const fam = familyAt(f);
    if (fam.nameHash == s.nameHash || (s.suffix != Suffix.NONE && fam.nameHash == s.baseHash && suffixAllowed(fam.type, s.suffix))) {
      s.family = f;
      fam.flags |= F_SAMPLES;
      return true;
    }
  }
  f = findFamily(s.nameHash);
  if (f == NO_FAMILY && s.suffix != Suffix.NONE) {
    const g = findFamily(s.baseHash);
    if (g != NO_FAMILY && suffixAllowed(familyAt(g).type, s.suffix)) f = g;
  }
  if (f == NO_FAMILY) f = addFamily(s.nameHash, 0, 0);
  if (format == Format.OPENMETRICS && omStrict && !omSwitchFamily(f, keyStart)) return false;
  setCurrentFamily(f);
  s.family = f;
  familyAt(f).flags |= F_SAMPLES;
  return true;
}
