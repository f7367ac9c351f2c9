// What per-sample checks need from a series' labels, derived once when the series is created or
// imported: the hashes of its metric name with and without its type suffix (to find its family),
// whether it has le/quantile and which pair is its bound, and (OpenMetrics, strict) its group.

import { Format } from "./enums";
import { hash64, Seed } from "./hash";
import { Series, SeriesFlag, seriesAt, setGroupHash, recordedGroupHash } from "./series";
import { pairAt, PairKind, retainPair } from "./pairs";
import { Suffix, suffixLength, suffixOf } from "./families";
import { readVarint, varintEnd } from "./protobuf";
import { readLabel, labelValue, labelValueLen } from "./label";
import { format, omStrict } from "./scrape-state";
import { zeroIngestion } from "./start-timestamps";

/** Caches the series' name hashes, suffix, bound pair and flags (and group, when strict). */
export function deriveSeriesInfo(ref: u32): void {
  const s = seriesAt(ref);
  let flags: u8 = 0;
  let lePair: u32 = 0;
  let quantilePair: u32 = 0;
  let p = s.labels;
  const end = p + s.idsLen;
  while (p < end) {
    const id = readVarint(p);
    p = varintEnd;
    const pair = pairAt(id);
    if (pair.kind == PairKind.NAME) {
      readLabel(pair.ptr);
      const value = labelValue;
      const valueLen = labelValueLen;
      s.nameHash = hash64(value, valueLen, Seed.NAME);
      const suffix = suffixOf(value, valueLen);
      s.suffix = suffix;
      if (suffix != Suffix.NONE) s.baseHash = hash64(value, valueLen - suffixLength(suffix), Seed.NAME);
    } else if (pair.kind == PairKind.LE) {
      flags |= <u8>SeriesFlag.HAS_LE;
      lePair = id;
    } else if (pair.kind == PairKind.QUANTILE) {
      flags |= <u8>SeriesFlag.HAS_QUANTILE;
      quantilePair = id;
    }
  }
  // A bucket's bound is its le, anything else's its quantile (a label of that name elsewhere is
  // just a label).
  const boundPair = s.suffix == Suffix.BUCKET ? lePair : quantilePair;
  if (boundPair != 0) retainPair(boundPair);
  s.boundPair = boundPair;
  s.flags = flags;
  // Strict OpenMetrics checks and `_created` lines (created_timestamp_zero_ingestion) look the group up per sample.
  if (format == Format.OPENMETRICS && (omStrict || zeroIngestion)) setGroupHash(ref, labelsGroupHash(s));
}

/**
 * Hash of the series' current labels other than __name__, le and quantile (their bytes, so the
 * same labels give the same hash whenever their pairs were interned).
 */
function labelsGroupHash(s: Series): u64 {
  let h: u64 = Seed.GROUP;
  let p = s.labels;
  const end = p + s.idsLen;
  while (p < end) {
    const pair = pairAt(readVarint(p));
    p = varintEnd;
    if (pair.kind != PairKind.PLAIN) continue;
    h = rotl<u64>(h, 5) ^ hash64(pair.ptr, pair.len, Seed.GROUP);
  }
  return h | 1; // never 0, which means "not recorded"
}

/**
 * The series' histogram/summary group for OpenMetrics' strict checks: recorded from the labels as
 * the page wrote them when it was created in strict mode, else from its current labels.
 */
export function groupHashOf(ref: u32): u64 {
  const recorded = recordedGroupHash(ref);
  return recorded != 0 ? recorded : labelsGroupHash(seriesAt(ref));
}
