// A key not in the series index: its labels are parsed, sorted and encoded (labels.ts), and its
// canonical key (canonical.ts) tells whether it is a series already known under another spelling
// (label order, blanks, empty labels, the other format): then the raw key becomes an alias of
// it. Otherwise a series is created, its labels interned as pairs, and queued for the host's
// decision. When the raw text is the canonical text, the series takes one index slot, not two.

import { Format } from "./enums";
import { ErrorCode } from "./status";
import { format, fail } from "./scrape-state";
import { parseLabels, encodeLabelSet, encoded } from "./labels";
import { rendered, canonicalFormats, canonicalKeysIn, matchesCanonical, renderCanonical, rawKey } from "./canonical";
import { lookup, insertKey, createSeries, seriesCount } from "./series";
import { deriveSeriesInfo } from "./seriesinfo";
import { seriesCreated, seriesFits } from "./limits";
import { newRefs } from "./snapshot";

/**
 * Creates the series for the key [keyStart, keyEnd), not in the index under `key` (its raw key
 * hash), or makes the key an alias of the series it spells; returns its ref, or 0 on error.
 */
export function newSeries(keyStart: usize, keyEnd: usize, key: v128): u32 {
  if (!parseLabels(keyStart, keyEnd) || !encodeLabelSet(keyStart)) return 0;
  // Most clients write exactly the canonical text: then the raw key is the canonical key.
  const canonical = matchesCanonical(encoded.data, encoded.length, keyStart, keyEnd);
  let canonicalKey = key;
  let ref: u32 = 0;
  if (!canonical) {
    renderCanonical(encoded.data, encoded.length);
    canonicalKey = rawKey(rendered.data, rendered.length, format);
    ref = lookup(canonicalKey);
  }
  // Only a core that has created series under the other format has its canonical keys.
  const other: Format = format ^ 1;
  if (ref == 0 && (canonicalFormats & <u8>(1 << <u8>other)) != 0) {
    ref = lookup(canonical ? rawKey(keyStart, keyEnd - keyStart, other) : rawKey(rendered.data, rendered.length, other));
  }
  if (ref == 0) {
    if (!seriesFits(seriesCount())) return <u32>fail(ErrorCode.SERIES_LIMIT, keyStart);
    ref = createSeries(encoded.data, encoded.length);
    seriesCreated();
    insertKey(ref, canonicalKey);
    canonicalKeysIn(format);
    deriveSeriesInfo(ref);
    newRefs.pushU32(ref);
    if (canonical) return ref;
  }
  insertKey(ref, key);
  return ref;
}
