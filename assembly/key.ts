// The end of a series key `name{...}` (or of an exemplar's `{...}`), found without validating
// anything but quotes: the hot path hashes these raw bytes and probes the index, and only a key
// never seen before is parsed in full (labels.ts).

import { Char, isNameStart, isNameChar, isBlank } from "./chars";
import { Format } from "./enums";
import { ErrorCode } from "./status";
import { format, fail, failCame } from "./scrape-state";
import { skipBlanks, skipQuoted } from "./tokens";
import { parseLabels } from "./labels";

/** Where the key that starts at p ends (exclusive), or 0 on error (reported). */
export function scanKey(p: usize, end: usize): usize {
  const keyStart = p;
  let c = <u32>load<u8>(p);
  if (c == Char.QUOTE) {
    const q = skipQuoted(p, end);
    if (q == 0) { failCame(ErrorCode.INVALID_METRIC_NAME, p, p, end); return 0; }
    p = q;
  } else if (c != Char.OPEN_BRACE) {
    if (!isNameStart(c)) { fail(ErrorCode.INVALID_METRIC_NAME, p); return 0; }
    p++;
    while (p < end && isNameChar(load<u8>(p))) p++;
  }
  if (format == Format.TEXT && p < end && isBlank(load<u8>(p))) {
    // Text format: blanks may separate the name from its label set.
    const q = skipBlanks(p, end);
    if (q < end && load<u8>(q) == Char.OPEN_BRACE) p = q;
  }
  if (p < end && load<u8>(p) == Char.OPEN_BRACE) {
    p++;
    while (true) {
      if (p >= end) {
        // No closing brace: let the full label parser say precisely what went wrong where.
        if (parseLabels(keyStart, end, false)) fail(ErrorCode.EXPECTED_COMMA_OR_BRACE, end);
        return 0;
      }
      c = load<u8>(p);
      if (c == Char.CLOSE_BRACE) return p + 1;
      if (c == Char.QUOTE) {
        const q = skipQuoted(p, end);
        if (q == 0) { failCame(ErrorCode.UNTERMINATED_LABEL_VALUE, p, p, end); return 0; }
        p = q;
      } else {
        p++;
      }
    }
  }
  return p;
}
