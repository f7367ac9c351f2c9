// The small tokens of a line: blanks, quoted strings (skipped, or unescaped into a buffer), UTF-8
// validity, keywords.

import { ByteBuffer } from "./buffer";
import { Char, isBlank } from "./chars";
import { Format } from "./enums";
import { ErrorCode } from "./status";
import { format, failCame } from "./scrape-state";

/** Skips spaces and tabs (text format only; OpenMetrics allows no optional whitespace). */
// @ts-ignore: decorator
@inline export function skipBlanks(p: usize, end: usize): usize {
  if (format == Format.TEXT) while (p < end && isBlank(load<u8>(p))) p++;
  return p;
}

/** Returns the address after the closing quote of the string opening at p, or 0. */
export function skipQuoted(p: usize, end: usize): usize {
  p++;
  while (p < end) {
    const c = load<u8>(p);
    if (c == Char.QUOTE) return p + 1;
    if (c == Char.BACKSLASH) p++;
    p++;
  }
  return 0;
}

/**
 * Appends the unescaped string quoted at p to `into`; returns the address after it, or 0 (the
 * error reported). Unknown escapes are kept as written, as Prometheus keeps them.
 */
export function unquote(p: usize, end: usize, into: ByteBuffer): usize {
  const open = p;
  p++;
  while (p < end) {
    const c = load<u8>(p);
    if (c == Char.QUOTE) return p + 1;
    if (c == Char.BACKSLASH) {
      if (p + 1 >= end) break;
      const e = load<u8>(p + 1);
      if (e == Char.LOWER_N) into.pushU8(<u8>Char.NEWLINE);
      else if (e == Char.BACKSLASH || e == Char.QUOTE) into.pushU8(e);
      else { into.pushU8(<u8>Char.BACKSLASH); into.pushU8(e); }
      p += 2;
      continue;
    }
    if (c == Char.NEWLINE) break;
    into.pushU8(c);
    p++;
  }
  // What came: the string from its opening quote (the line ended inside it).
  failCame(ErrorCode.UNTERMINATED_LABEL_VALUE, p, open, p);
  return 0;
}

/** Checks that [p, p+len) is valid UTF-8. */
export function validUtf8(p: usize, len: u32): bool {
  const end = p + len;
  while (p < end) {
    const c = <u32>load<u8>(p);
    if (c < 0x80) { p++; continue; }
    let n: u32; let min: u32; let cp: u32;
    if ((c & 0xE0) == 0xC0) { n = 1; min = 0x80; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; min = 0x800; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; min = 0x10000; cp = c & 0x07; }
    else return false;
    if (p + n >= end) return false;
    for (let i: u32 = 1; i <= n; i++) {
      const b = <u32>load<u8>(p + i);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    p += n + 1;
  }
  return true;
}

/** Characters (code points) of the UTF-8 text [p, p+len). */
export function countRunes(p: usize, len: u32): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < len; i++) if ((load<u8>(p + i) & 0xC0) != 0x80) n++;
  return n;
}

/** Whether [p, end) is exactly the ASCII `word`. */
export function wordIs(p: usize, end: usize, word: string): bool {
  const n = word.length;
  if (<i32>(end - p) != n) return false;
  for (let i = 0; i < n; i++) if (<u32>load<u8>(p + i) != <u32>word.charCodeAt(i)) return false;
  return true;
}
